"""Reading a recording (a run folder) and refusing, in one line, one that cannot be replayed.

Every face of replay (verify, branch, the viewer's payload, the server, export) starts here, so a missing
file, a corrupted frame series or a recording from another version is caught once, with the same message.
A run folder may come from anyone (a colleague, a download), so every file is checked before it is used:
its size before it is read, its text, its nesting and its types after (limits below; docs/security.md).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from omegaconf import DictConfig, OmegaConf

from sim import outcomes
from sim.config import ConfigError, finalize, schema
from sim.core.frames import FRAMES_FORMAT
from sim.results import (
    FRAMES_FILE,
    MAX_NESTING,
    OUTPUT_FILES,
    RUN_FORMAT,
    DamagedFileError,
    check_config_yaml,
    check_file,
    read_json,
    read_text,
)

_MiB = 1024 * 1024
#: Largest file of each kind a recording may hold; checked on disk before the file is read.
MAX_BYTES: dict[str, int] = {
    "manifest.json": 1 * _MiB,
    "summary.json": 16 * _MiB,
    "config.yaml": 1 * _MiB,
    FRAMES_FILE: 512 * _MiB,
    "events.parquet": 1024 * _MiB,
    "timeseries.parquet": 256 * _MiB,
}
#: The frame series of `sim-frames/1`, by the static table their columns index; nullable ones may hold null.
_SERIES_TABLE = {"edge_flow": "edges", "seizures": "nodes", "arrests": "nodes", "corrupt": "nodes", "queue": "nodes",
                 "trust": "nodes", "org_members": "orgs", "org_arrests": "orgs", "org_cash": "orgs"}
_NULLABLE_SERIES = frozenset({"trust", "org_cash"})
#: Required fields of the static tables and what each must be.
_TABLE_FIELDS: dict[str, dict[str, str]] = {
    "nodes": {"id": "text", "kind": "text", "country": "text", "x": "number", "y": "number"},
    "edges": {"source": "text", "target": "text", "mode": "text", "days": "number"},
    "orgs": {"id": "id", "name": "text", "home": "text", "commodities": "texts"},
}


class ReplayError(ValueError):
    """A folder that cannot be replayed: the message says what is wrong, in one line."""

    def __init__(self, message: str) -> None:
        super().__init__(message.replace("\r", "\\r").replace("\n", "\\n"))


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


def load_recording(run_dir: str | Path, frames: bool | None = True) -> Recording:
    """Read and check a run folder; ReplayError names what is missing, corrupted, too large or incompatible.

    `frames=False` reads a run made with record=false (enough to verify it, not to view it); `frames=None`
    reads the frames when the run has them (the file exists or the manifest lists it).
    """
    path = Path(run_dir)
    if not path.is_dir():
        raise ReplayError(f"{path}: no such folder")
    missing = [name for name in OUTPUT_FILES if not (path / name).is_file()]
    if missing:
        raise ReplayError(f"{path}: not a complete run folder (missing {', '.join(missing)}); "
                          "make one with: python -m sim.run output_dir=PATH")
    manifest = _read_manifest(path)
    if frames is None:
        listed = manifest.get("files")
        frames = (path / FRAMES_FILE).exists()
        if not frames and isinstance(listed, list) and FRAMES_FILE in listed:
            raise ReplayError(f"{path}: {FRAMES_FILE} is missing, though manifest.json lists it")
    frame_data = _read_frames(path) if frames else {}
    config = _read_config(path)
    summary = _read_summary(path)
    events = _read_table(path, "events.parquet")
    timeseries = _read_table(path, "timeseries.parquet")
    numeric = {"day", *(o.key for o in (*outcomes.OUTCOMES, *outcomes.LEVELS))}  # what the viewer charts
    bad = [str(c) for c in timeseries.columns if c in numeric
           and not (pd.api.types.is_numeric_dtype(timeseries[c]) or pd.api.types.is_bool_dtype(timeseries[c]))]
    if bad:
        raise ReplayError(f"{path / 'timeseries.parquet'}: column {bad[0]!r} is not numeric; daily series are numbers")
    return Recording(path, config, manifest, summary, events, timeseries, frame_data)


# ------------------------------------------------------------------------------------------------ files, bounded


@contextlib.contextmanager
def _refused() -> Iterator[None]:
    """A file refused by `sim.results`' bounded readers, as a ReplayError with the same one-line message."""
    try:
        yield
    except DamagedFileError as exc:
        raise ReplayError(str(exc)) from None


def _check_file(file: Path) -> None:
    """Refuse anything but a regular file (a symbolic link to one is followed) within its size limit, from
    the file system, before another library reads it (`sim.results.check_file`)."""
    with _refused():
        check_file(file, MAX_BYTES[file.name], follow_symlinks=True)


def _read_text(file: Path) -> str:
    with _refused():
        return read_text(file, MAX_BYTES[file.name], follow_symlinks=True)


def _read_json(file: Path, nesting: bool = False) -> Any:
    """A JSON file of the recording within its size limit (`sim.results.read_json`); with `nesting`, within
    MAX_NESTING too (the summary and frames are checked field by field instead)."""
    with _refused():
        return read_json(file, MAX_BYTES[file.name], follow_symlinks=True,
                         max_nesting=MAX_NESTING if nesting else None)


def _read_manifest(path: Path) -> dict[str, Any]:
    file = path / "manifest.json"
    manifest = _read_json(file, nesting=True)
    if not isinstance(manifest, dict):
        raise ReplayError(f"{file}: expected a JSON object, got {_json_kind(manifest)}")
    if manifest.get("format") != RUN_FORMAT:
        versions = manifest.get("versions")
        sim_version = versions.get("sim") if isinstance(versions, dict) else None
        raise ReplayError(f"{path}: recorded in format {_short(manifest.get('format'))}, this version reads "
                          f"{RUN_FORMAT!r}; replay it with the version that wrote it (sim {_short(sim_version)})")
    return manifest


def _read_summary(path: Path) -> dict[str, Any]:
    file = path / "summary.json"
    summary = _read_json(file)
    if not isinstance(summary, dict):
        raise ReplayError(f"{file}: expected a JSON object of outcomes, got {_json_kind(summary)}")
    for key, value in summary.items():
        if not (_is_scalar(value) or (isinstance(value, list) and all(_is_scalar(v) for v in value))):
            raise ReplayError(f"{file}: {_short(key)} holds {_json_kind(value)}; outcomes are numbers, text or null")
    return summary


def _read_table(path: Path, name: str) -> pd.DataFrame:
    file = path / name
    _check_file(file)
    try:
        return pd.read_parquet(file)
    except Exception as exc:  # parquet readers raise many kinds
        raise ReplayError(f"{file}: corrupted ({type(exc).__name__}: {_first_line(exc)})") from None


# ------------------------------------------------------------------------------------------------ config.yaml


def _read_config(path: Path) -> DictConfig:
    """The recording's resolved config, validated against today's schema.

    A recording's config is written resolved, so it holds no anchors, aliases or `${...}`: any of them
    is refused before the YAML is built (an alias bomb expands exponentially; an interpolation such as
    `${oc.env:HOME}` would copy the environment into the viewer's page or an exported file).
    """
    file = path / "config.yaml"
    text = _read_text(file)
    try:
        check_config_yaml(file, text)
    except DamagedFileError as exc:
        raise ReplayError(str(exc)) from None
    try:
        raw = OmegaConf.create(text)
    except Exception as exc:
        raise ReplayError(f"{file}: not a valid config ({_first_line(exc)})") from None
    if not isinstance(raw, DictConfig):
        raise ReplayError(f"{file}: expected a mapping of config keys")
    try:
        return finalize(OmegaConf.merge(schema(), raw))
    except ConfigError as exc:
        raise ReplayError(f"{file}: {exc}") from None
    except Exception as exc:  # OmegaConf's own errors: an unknown key, a wrong type
        raise ReplayError(f"{file}: {type(exc).__name__}: {_first_line(exc)}") from None


# ------------------------------------------------------------------------------------------------ frames.json


def _read_frames(path: Path) -> dict[str, Any]:
    file = path / FRAMES_FILE
    if not file.exists():
        raise ReplayError(f"{path}: no {FRAMES_FILE} (the run was made with record=false); "
                          "re-run it with record=true to replay it")
    frames = _read_json(file)
    if not isinstance(frames, dict) or frames.get("format") != FRAMES_FORMAT:
        got = _short(frames.get("format")) if isinstance(frames, dict) else _json_kind(frames)
        raise ReplayError(f"{file}: format {got}, this version reads {FRAMES_FORMAT!r}")
    _check_frames(path, frames)
    return frames


def _check_frames(path: Path, frames: dict[str, Any]) -> None:
    """Refuse frames whose tables or series have the wrong types, lengths or widths (a truncated or edited
    file): the viewer indexes every row by the static tables, day by day."""
    file = path / FRAMES_FILE
    days = frames.get("days")
    series = frames.get("frames")
    if type(days) is not int or days < 1 or not isinstance(series, dict):
        raise ReplayError(f"{file}: corrupted (no days or frames)")
    widths = {name: _check_table(file, frames, name) for name in _TABLE_FIELDS}
    roles = frames.get("roles", [])
    if not isinstance(roles, list) or not all(isinstance(r, str) for r in roles):
        raise ReplayError(f"{file}: corrupted (roles is not a list of names)")
    node_ids = {n["id"] for n in frames["nodes"]}
    if len(node_ids) != widths["nodes"]:
        raise ReplayError(f"{file}: corrupted (a node id repeats)")
    for i, edge in enumerate(frames["edges"]):
        if edge["source"] not in node_ids or edge["target"] not in node_ids:
            raise ReplayError(f"{file}: corrupted (edges[{i}] joins a node that is not in nodes)")
    for name, table in _SERIES_TABLE.items():
        _check_series(file, name, series.get(name), days, widths[table], name in _NULLABLE_SERIES)
    roles_rows = series.get("org_roles")
    if not isinstance(roles_rows, list) or len(roles_rows) != days:
        raise ReplayError(f"{file}: corrupted (org_roles is not {days} days x {widths['orgs']} x {len(roles)})")
    n_roles = len(roles)
    for day, row in enumerate(roles_rows):
        if not isinstance(row, list) or len(row) != widths["orgs"] or not all(
                isinstance(cell, list) and len(cell) == n_roles and all(_is_number(v) for v in cell) for cell in row):
            raise ReplayError(f"{file}: corrupted (org_roles day {day} is not {widths['orgs']} x {len(roles)} numbers)")
    for name, rows in series.items():  # series this reader does not know: flat or one level of numbers
        if name in _SERIES_TABLE or name == "org_roles":
            continue
        if not isinstance(rows, list) or len(rows) != days or not all(isinstance(r, list) and all(
                _is_number(v, null=True) or (isinstance(v, list) and all(_is_number(w, null=True) for w in v))
                for v in r) for r in rows):
            raise ReplayError(f"{file}: corrupted (series {_short(name)} is not {days} days of numbers)")


def _check_table(file: Path, frames: dict[str, Any], name: str) -> int:
    rows = frames.get(name)
    if not isinstance(rows, list):
        raise ReplayError(f"{file}: corrupted ({name} is not a list)")
    for i, row in enumerate(rows):
        if not isinstance(row, dict):
            raise ReplayError(f"{file}: corrupted ({name}[{i}] is {_json_kind(row)}, not an object)")
        for key, kind in _TABLE_FIELDS[name].items():
            value = row.get(key)
            ok = {"text": isinstance(value, str), "number": _is_number(value, null=True),
                  "id": isinstance(value, str) or type(value) is int,
                  "texts": isinstance(value, list) and all(isinstance(v, str) for v in value)}[kind]
            if not ok:
                raise ReplayError(f"{file}: corrupted ({name}[{i}].{key} is {_json_kind(value)}, not {kind})")
        for key, value in row.items():
            if not (_is_scalar(value) or (isinstance(value, list) and all(_is_scalar(v) for v in value))):
                raise ReplayError(f"{file}: corrupted ({name}[{i}].{key[:40]} is {_json_kind(value)})")
    return len(rows)


def _check_series(file: Path, name: str, rows: Any, days: int, width: int, nullable: bool) -> None:
    if not isinstance(rows, list) or len(rows) != days or any(not isinstance(r, list) or len(r) != width for r in rows):
        raise ReplayError(f"{file}: corrupted ({name} is not {days} days x {width})")
    for day, row in enumerate(rows):
        if not all(_is_number(v, null=nullable) for v in row):
            raise ReplayError(f"{file}: corrupted ({name} day {day} holds a value that is not a number)")


# ------------------------------------------------------------------------------------------------ small helpers


def _is_number(value: Any, null: bool = False) -> bool:
    kind = type(value)
    return kind is int or kind is float or (null and value is None)


def _is_scalar(value: Any) -> bool:
    return value is None or type(value) in (int, float, bool, str)


def _json_kind(value: Any) -> str:
    names = {dict: "an object", list: "a list", str: "a string", bool: "a boolean", int: "a number",
             float: "a number", type(None): "null"}
    return names.get(type(value), type(value).__name__)


def _short(value: Any, width: int = 60) -> str:
    """A value for an error line: its repr, cut to `width` characters."""
    text = repr(value)
    return text if len(text) <= width else text[: width - 3] + "..."


def _first_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__
