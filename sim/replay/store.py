"""Reading a recording (a run folder) and refusing, in one line, one that cannot be replayed.

Every face of replay (verify, branch, the viewer's payload, the server) starts here, so a missing file,
a corrupted frame series or a recording from another version is caught once, with the same message.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from omegaconf import DictConfig, OmegaConf

from sim.config import ConfigError, finalize, schema
from sim.core.frames import FRAMES_FORMAT
from sim.results import FRAMES_FILE, OUTPUT_FILES, RUN_FORMAT


class ReplayError(ValueError):
    """A folder that cannot be replayed: the message says what is wrong, in one line."""


@dataclass
class Recording:
    """A run folder read into memory: its resolved config and every file the viewer or verify needs."""

    path: Path
    config: DictConfig
    manifest: dict[str, Any]
    summary: dict[str, Any]
    events: pd.DataFrame
    timeseries: pd.DataFrame
    frames: dict[str, Any]


def load_recording(run_dir: str | Path, frames: bool = True) -> Recording:
    """Read and check a run folder; ReplayError names what is missing, corrupted or incompatible.

    `frames=False` reads a run made with record=false (enough to verify it, not to view it).
    """
    path = Path(run_dir)
    if not path.is_dir():
        raise ReplayError(f"{path}: no such folder")
    missing = [name for name in OUTPUT_FILES if not (path / name).is_file()]
    if missing:
        raise ReplayError(f"{path}: not a complete run folder (missing {', '.join(missing)}); "
                          "make one with: python -m sim.run output_dir=PATH")
    try:
        manifest = json.loads((path / "manifest.json").read_text())
    except json.JSONDecodeError as exc:
        raise ReplayError(f"{path / 'manifest.json'}: corrupted ({exc.msg})") from None
    if manifest.get("format") != RUN_FORMAT:
        raise ReplayError(f"{path}: recorded in format {manifest.get('format')!r}, this version reads {RUN_FORMAT!r}; "
                          f"replay it with the version that wrote it (sim {manifest.get('versions', {}).get('sim')})")
    frame_data = _read_frames(path) if frames else {}
    try:
        config = finalize(OmegaConf.merge(schema(), OmegaConf.load(path / "config.yaml")))
        events = pd.read_parquet(path / "events.parquet")
        timeseries = pd.read_parquet(path / "timeseries.parquet")
        summary = json.loads((path / "summary.json").read_text())
    except ConfigError as exc:
        raise ReplayError(f"{path / 'config.yaml'}: {exc}") from None
    except Exception as exc:  # parquet and JSON readers raise many kinds
        raise ReplayError(f"{path}: corrupted run files ({type(exc).__name__}: {str(exc).splitlines()[0]})") from None
    return Recording(path, config, manifest, summary, events, timeseries, frame_data)


def _read_frames(path: Path) -> dict[str, Any]:
    if not (path / FRAMES_FILE).is_file():
        raise ReplayError(f"{path}: no {FRAMES_FILE} (the run was made with record=false); "
                          "re-run it with record=true to replay it")
    try:
        frames = json.loads((path / FRAMES_FILE).read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ReplayError(f"{path / FRAMES_FILE}: corrupted ({exc})") from None
    if not isinstance(frames, dict) or frames.get("format") != FRAMES_FORMAT:
        got = frames.get("format") if isinstance(frames, dict) else type(frames).__name__
        raise ReplayError(f"{path / FRAMES_FILE}: format {got!r}, this version reads {FRAMES_FORMAT!r}")
    _check_frames(path, frames)
    return frames


def _check_frames(path: Path, frames: dict[str, Any]) -> None:
    """Refuse frame series whose length or width disagrees with the static tables (a truncated file)."""
    days = frames.get("days")
    series = frames.get("frames")
    if not isinstance(days, int) or not isinstance(series, dict):
        raise ReplayError(f"{path / FRAMES_FILE}: corrupted (no days or frames)")
    widths = {"edge_flow": len(frames.get("edges", [])), "seizures": len(frames.get("nodes", [])),
              "org_members": len(frames.get("orgs", []))}
    for name, width in widths.items():
        rows = series.get(name)
        if not isinstance(rows, list) or len(rows) != days or any(len(r) != width for r in rows):
            raise ReplayError(f"{path / FRAMES_FILE}: corrupted ({name} is not {days} days x {width})")
