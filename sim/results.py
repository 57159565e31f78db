"""A run's result in memory, and writing it to a folder atomically."""

from __future__ import annotations

import hashlib
import json
import os
import platform
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import pandas as pd
from omegaconf import DictConfig, OmegaConf

OUTPUT_FILES = ("summary.json", "timeseries.parquet", "events.parquet", "config.yaml", "manifest.json")
FRAMES_FILE = "frames.json"
RUN_FORMAT = "sim-run/1"
PACKAGES = ("sim", "mesa", "simpy", "numpy", "pandas", "pyarrow", "networkx", "hydra-core", "omegaconf")


@dataclass
class RunResult:
    """What one run produced: `summary` (outcome -> value), `timeseries` and `events` (DataFrames)."""

    summary: dict[str, Any]
    timeseries: pd.DataFrame
    events: pd.DataFrame
    config: DictConfig
    timings: dict[str, float] = field(default_factory=dict)
    frames: dict[str, Any] | None = None  # what the replay viewer draws (sim.core.frames)

    @property
    def seed(self) -> int:
        return int(self.config.seed)

    def save(self, output_dir: str | Path) -> Path:
        """Write the output files (and replay frames); see `write_run`."""
        return write_run(self, output_dir)


def config_yaml(cfg: DictConfig) -> str:
    return OmegaConf.to_yaml(cfg, resolve=True)


def config_hash(cfg: DictConfig) -> str:
    """Hash of the resolved config (output_dir, progress and record excluded: they do not change results)."""
    plain = OmegaConf.to_container(cfg, resolve=True, enum_to_str=True)
    assert isinstance(plain, dict)
    plain = {k: v for k, v in plain.items() if k not in ("output_dir", "progress", "record")}
    return hashlib.sha256(json.dumps(plain, sort_keys=True).encode()).hexdigest()[:16]


def summary_json(summary: dict[str, Any]) -> str:
    return json.dumps(summary, indent=2, sort_keys=False) + "\n"


def package_versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def git_commit() -> str | None:
    root = Path(__file__).resolve().parent.parent
    try:
        done = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True, text=True,
                              timeout=5, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() or None if done.returncode == 0 else None


def manifest(result: RunResult) -> dict[str, Any]:
    cfg = result.config
    return {
        "format": RUN_FORMAT,
        "seed": int(cfg.seed),
        "days": int(cfg.days),
        "scenario": str(cfg.scenario_name),
        "config_hash": config_hash(cfg),
        "git_commit": git_commit(),
        "versions": package_versions(),
        "timings_seconds": {k: round(v, 3) for k, v in result.timings.items()},
        "files": list(OUTPUT_FILES) + ([FRAMES_FILE] if result.frames is not None
                                       and cfg.get("record") is not False else []),
        "parent": cfg.branch.parent if "branch" in cfg else None,
        "branch_day": cfg.branch.day if "branch" in cfg else None,
    }


def write_atomic(path: Path, write: Callable[[Path], Any]) -> None:
    """Write a file through a temporary name and rename it into place, so it is never seen half-written."""
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def write_run(result: RunResult, output_dir: str | Path) -> Path:
    """Write the run's files so that an interrupted write never looks complete.

    Files go to a hidden temporary folder inside the target and are renamed into place;
    `manifest.json` comes last and is what marks the folder complete. The replay frames
    (`frames.json`) are written unless the config says `record=false`.
    """
    out = Path(output_dir)
    out.mkdir(parents=True, exist_ok=True)
    stale = out / "manifest.json"
    if stale.exists():
        stale.unlink()  # the folder is no longer a complete run until we finish
    tmp = Path(tempfile.mkdtemp(prefix=".incomplete-", dir=out))
    try:
        (tmp / "summary.json").write_text(summary_json(result.summary))
        result.timeseries.to_parquet(tmp / "timeseries.parquet", index=False)
        result.events.to_parquet(tmp / "events.parquet", index=False)
        (tmp / "config.yaml").write_text(config_yaml(result.config))
        names = list(OUTPUT_FILES)
        if result.frames is not None and result.config.get("record") is not False:
            (tmp / FRAMES_FILE).write_text(json.dumps(result.frames, separators=(",", ":")))
            names.insert(-1, FRAMES_FILE)
        elif (out / FRAMES_FILE).exists():
            (out / FRAMES_FILE).unlink()  # stale frames of an earlier run in this folder
        (tmp / "manifest.json").write_text(json.dumps(manifest(result), indent=2) + "\n")
        for name in names:
            os.replace(tmp / name, out / name)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return out


def is_complete(run_dir: str | Path) -> bool:
    return all((Path(run_dir) / name).is_file() for name in OUTPUT_FILES)
