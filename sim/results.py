"""A run's result in memory, writing it to a folder atomically, and reading a run folder's files back
within limits (a folder may come from anyone: size, text, nesting and YAML anchors are checked first)."""

from __future__ import annotations

import hashlib
import json
import os
import platform
import shutil
import stat
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
_MiB = 1024 * 1024
#: Largest JSON file (summary, manifest, run record) and config.yaml read back from a folder.
MAX_JSON_BYTES, MAX_CONFIG_BYTES = 16 * _MiB, 1 * _MiB
#: Deepest nesting of lists and mappings read back, and most YAML parser events in a config.yaml (a resolved
#: config has about a thousand): a YAML "billion laughs" or a deeply nested file is refused, not expanded.
MAX_NESTING, MAX_YAML_NODES = 32, 100_000


class DamagedFileError(ValueError):
    """A file of a run folder that cannot be used: the message names the file and the problem, in one line."""

    def __init__(self, message: str) -> None:
        super().__init__(message.replace("\r", "\\r").replace("\n", "\\n"))


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


def manifest(result: RunResult, checksums: dict[str, str] | None = None) -> dict[str, Any]:
    """What a run folder says about itself; `checksums` (file name -> sha256) let readers detect changed files."""
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
        **({"checksums": checksums} if checksums is not None else {}),
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
        sums = {name: file_sha256(tmp / name) for name in names if name != "manifest.json"}
        (tmp / "manifest.json").write_text(json.dumps(manifest(result, sums), indent=2) + "\n")
        for name in names:
            os.replace(tmp / name, out / name)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return out


def is_complete(run_dir: str | Path) -> bool:
    return all((Path(run_dir) / name).is_file() for name in OUTPUT_FILES)


def file_sha256(path: Path) -> str:
    """The sha256 of a file's bytes, read in blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def read_bounded(path: Path, max_bytes: int) -> bytes:
    """A regular file's bytes, refused (DamagedFileError) when it is something else or larger than `max_bytes`."""
    try:
        info = path.lstat()
        if not stat.S_ISREG(info.st_mode):
            raise DamagedFileError(f"{path}: not a regular file")
        if info.st_size > max_bytes:
            raise DamagedFileError(f"{path}: {info.st_size} bytes, more than the {max_bytes} allowed")
        with open(path, "rb") as f:
            data = f.read(max_bytes + 1)
    except OSError as exc:
        raise DamagedFileError(f"{path}: cannot read ({exc.strerror or type(exc).__name__})") from None
    if len(data) > max_bytes:
        raise DamagedFileError(f"{path}: more than the {max_bytes} bytes allowed")
    return data


def _text(path: Path, max_bytes: int) -> str:
    try:
        return read_bounded(path, max_bytes).decode("utf-8")
    except UnicodeDecodeError:
        raise DamagedFileError(f"{path}: not UTF-8 text") from None


def check_nesting(path: Path, value: Any) -> None:
    """Refuse lists and mappings nested deeper than MAX_NESTING (walked without recursion)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list):
            if depth > MAX_NESTING:
                raise DamagedFileError(f"{path}: nested deeper than {MAX_NESTING} levels")
            stack.extend((child, depth + 1) for child in (item.values() if isinstance(item, dict) else item))


def read_json(path: Path, max_bytes: int = MAX_JSON_BYTES) -> Any:
    """A JSON file's value, within the size and nesting limits; DamagedFileError otherwise."""
    text = _text(path, max_bytes)
    try:
        value = json.loads(text)
    except RecursionError:
        raise DamagedFileError(f"{path}: nested deeper than {MAX_NESTING} levels") from None
    except ValueError as exc:
        raise DamagedFileError(f"{path}: not valid JSON ({str(exc).splitlines()[0]})") from None
    check_nesting(path, value)
    return value


def _yaml_loader() -> Any:
    import yaml

    return getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _yaml_error(path: Path, exc: Exception) -> str:
    mark = getattr(exc, "problem_mark", None)
    where = f" at line {mark.line + 1}" if mark is not None else ""
    return f"{path}: not valid YAML ({getattr(exc, 'problem', None) or 'unreadable'}{where})"


def check_config_yaml(path: Path, text: str) -> None:
    """Refuse (DamagedFileError) a run's config text with YAML anchors or aliases, `${...}` interpolations,
    more than MAX_YAML_NODES parser events or nesting deeper than MAX_NESTING. Only the parser's events are
    read, nothing is built: an alias bomb is refused at once. A run's config is written resolved, so any of
    these means the file was made by hand."""
    import yaml

    depth = count = 0
    try:
        for event in yaml.parse(text, Loader=_yaml_loader()):
            count += 1
            if count > MAX_YAML_NODES:
                raise DamagedFileError(f"{path}: more than {MAX_YAML_NODES} YAML nodes; a run's config has about "
                                       "a thousand")
            if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) is not None:
                raise DamagedFileError(f"{path}: YAML anchors and aliases (& and *) are not allowed "
                                       "(a run's config is written resolved, without them)")
            if isinstance(event, yaml.MappingStartEvent | yaml.SequenceStartEvent):
                depth += 1
                if depth > MAX_NESTING:
                    raise DamagedFileError(f"{path}: nested deeper than {MAX_NESTING} levels")
            elif isinstance(event, yaml.MappingEndEvent | yaml.SequenceEndEvent):
                depth -= 1
            elif isinstance(event, yaml.ScalarEvent) and "${" in event.value:
                shown = event.value if len(event.value) <= 60 else event.value[:57] + "..."
                raise DamagedFileError(f"{path}: interpolation {shown!r} is not allowed "
                                       "(a run's config is written resolved)")
    except yaml.YAMLError as exc:
        raise DamagedFileError(_yaml_error(path, exc)) from None


def read_config_yaml(path: Path, max_bytes: int = MAX_CONFIG_BYTES) -> dict[str, Any]:
    """A run's config.yaml as plain data, without resolving anything, once `check_config_yaml` passed it."""
    import yaml

    text = _text(path, max_bytes)
    check_config_yaml(path, text)
    try:
        value = yaml.load(text, Loader=_yaml_loader())  # a safe loader, and the events were checked above
    except yaml.YAMLError as exc:
        raise DamagedFileError(_yaml_error(path, exc)) from None
    if not isinstance(value, dict):
        raise DamagedFileError(f"{path}: expected a mapping of config keys, got {type(value).__name__}")
    return value
