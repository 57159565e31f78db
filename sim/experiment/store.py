"""The results folder on disk: one record per finished run, and the gathered tables and manifest.

A run is stored time series first, record last (`runs/<run_id>.parquet`, then `runs/<run_id>.json`), each
written atomically, so a record on disk means the run is complete: that is what makes resuming safe after
Ctrl-C, `kill -9` or a crashed worker.

A stored run is used again only when it checks out: its record is a readable JSON object with the fields
and types written here, the sha256 of its values and of its time series file match the checksums in the
record, it was made for the same run (id, scenario, seed and overrides) and by the same model (a
fingerprint of the model's source files and configs). Anything else is not done: a damaged run is moved
to `runs/.damaged/`, a stale one removed, and both are run again, with one warning line. So a re-run
always heals the folder, and values changed by hand or columns from elsewhere are never used silently.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import shutil
import stat
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from omegaconf import DictConfig

from sim import outcomes
from sim.config import CONFIG_DIR
from sim.experiment.definition import plain_definition
from sim.experiment.design import RunSpec
from sim.results import (
    DamagedFileError,
    file_sha256,
    git_commit,
    half_written_run,
    package_versions,
    read_json,
    write_atomic,
)

RUN_COLUMNS = ("run_id", "scenario", "replicate", "seed", "world", "sample", "status", "error")
#: The fields of a run record and their types, checked before a record is used.
RECORD_FIELDS: dict[str, type | tuple[type, ...]] = {
    "run_id": str, "scenario": str, "replicate": int, "seed": int, "world": int, "sample": int, "settings": dict,
    "overrides": list, "status": str, "error": str, "summary": dict, "checksums": dict}
#: Where damaged runs are moved, inside `runs/`, so that nothing is lost that a person may want to look at.
DAMAGED = ".damaged"
#: What the model's results depend on (below the package and the configs folder), and the faces that only
#: run, store or read results, left out so that changing them keeps finished runs.
MODEL_SOURCES = ("**/*.py",)
NOT_MODEL = ("experiment/", "validate/", "replay/", "run.py", "cli.py", "results.py")


@functools.cache
def model_fingerprint() -> str:
    """A short hash of the model's source files and configs, kept in each run record: runs made by another
    version of the model are not reused (a few milliseconds, once per process)."""
    return fingerprint(Path(__file__).resolve().parents[1], CONFIG_DIR)


def fingerprint(package: Path, configs: Path) -> str:
    """sha256 (12 hex digits) over the names and bytes of the model's `.py` files under `package` (the
    faces in NOT_MODEL left out) and of the `.yaml` files under `configs`, in name order."""
    digest = hashlib.sha256()
    for root, patterns, skip in ((package, MODEL_SOURCES, NOT_MODEL), (configs, ("**/*.yaml",), ())):
        for pattern in patterns:
            for path in sorted(root.glob(pattern)):
                name = path.relative_to(root).as_posix()
                if not name.startswith(skip) and "__pycache__" not in name:
                    digest.update(name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:12]


def values_checksum(record: dict[str, Any]) -> str:
    """sha256 of a record's values (everything but its checksums) in canonical JSON."""
    body = {k: v for k, v in record.items() if k != "checksums"}
    return hashlib.sha256(json.dumps(body, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def store_run(runs_dir: Path, spec: RunSpec, outcome: dict[str, Any], model: str | None = None) -> None:
    """The time series first, then the record: a record on disk means the run is complete."""
    series_sum = None
    if outcome["status"] == "ok":
        series_sum = write_series(runs_dir / f"{spec.run_id}.parquet", outcome["timeseries"])
        if outcome.get("result") is not None:
            replay = runs_dir / spec.run_id
            if half_written_run(replay):
                shutil.rmtree(replay)  # ours, left half-written by a killed run: `save` replaces only whole runs
            outcome["result"].save(replay)  # a replayable run folder
    record = {"run_id": spec.run_id, "scenario": spec.scenario, "replicate": spec.replicate, "seed": spec.seed,
              "world": spec.world, "sample": spec.sample, "settings": dict(spec.settings),
              "overrides": list(spec.overrides), "status": outcome["status"], "error": outcome["error"],
              "seconds": round(outcome["seconds"], 3), "config": outcome.get("config", {}),
              "summary": outcome["summary"], "model": model or model_fingerprint()}
    if "traceback" in outcome:
        record["traceback"] = outcome["traceback"]
    write_record(runs_dir, record, series_sum)


def write_series(path: Path, timeseries: pd.DataFrame) -> str:
    """Write a run's time series atomically; returns the sha256 of the file written."""
    digest: list[str] = []

    def write(tmp: Path) -> None:
        timeseries.to_parquet(tmp, index=False)
        digest.append(file_sha256(tmp))

    write_atomic(path, write)
    return digest[0]


def write_record(runs_dir: Path, record: dict[str, Any], series_sum: str | None) -> None:
    """Write a run record with the checksums of its values and of its time series file."""
    record = json.loads(json.dumps(record))  # the values exactly as they will be read back
    record["checksums"] = {"values": values_checksum(record), "timeseries": series_sum}
    write_atomic(runs_dir / f"{record['run_id']}.json", lambda p: p.write_text(json.dumps(record, indent=1)))


@dataclass
class Stored:
    """What is on disk for one run: `state` is ok, failed (retried silently), missing, damaged or stale
    (both run again, with a warning); `reason` says why in a few words."""

    run_id: str
    state: str
    record: dict[str, Any] | None = None
    reason: str = ""


def inspect_run(runs_dir: Path, run_id: str, spec: RunSpec | None = None, model: str | None = None) -> Stored:
    """Check one stored run without changing anything (see the module docstring for what is checked)."""
    path = runs_dir / f"{run_id}.json"
    if not os.path.lexists(path):
        return Stored(run_id, "missing")
    try:
        record = read_json(path)
    except DamagedFileError as exc:
        return Stored(run_id, "damaged", reason=_after_path(exc, path))
    if not isinstance(record, dict):
        return Stored(run_id, "damaged", reason=f"its record is a JSON {type(record).__name__}, not an object")
    if "checksums" not in record and "run_id" in record:
        return Stored(run_id, "stale", record, "it was stored by an older version, without checksums")
    for key, kind in RECORD_FIELDS.items():
        if not isinstance(record.get(key), kind) or (isinstance(record.get(key), bool) and kind is int):
            return Stored(run_id, "damaged", reason=f"its record has no valid '{key}'")
    if record["checksums"].get("values") != values_checksum(record):
        return Stored(run_id, "damaged", reason="its values changed after it was stored")
    if record["run_id"] != run_id:
        return Stored(run_id, "damaged", reason=f"its record is of run '{record['run_id']}'")
    if spec is not None and (record["seed"], record["scenario"], record["overrides"]) != (
            spec.seed, spec.scenario, list(spec.overrides)):
        return Stored(run_id, "stale", record, "it was made with other settings")
    if model is not None and record.get("model") != model:
        return Stored(run_id, "stale", record, "it was made by another version of the model")
    if record["status"] != "ok":
        return Stored(run_id, "failed", record)
    series = runs_dir / f"{run_id}.parquet"
    try:
        if not stat.S_ISREG(series.lstat().st_mode):
            return Stored(run_id, "damaged", record, "its time series is not a regular file")
        if file_sha256(series) != record["checksums"].get("timeseries"):
            return Stored(run_id, "damaged", record, "its time series changed after it was stored")
    except OSError:
        return Stored(run_id, "damaged", record, "its time series is missing or unreadable")
    return Stored(run_id, "ok", record)


def _after_path(exc: Exception, path: Path) -> str:
    text = str(exc)
    return "its record: " + (text[len(str(path)) + 2:] if text.startswith(f"{path}: ") else text)


def finished(runs_dir: Path, need_replay: bool = False, specs: Iterable[RunSpec] | None = None,
             model: str | None = None) -> set[str]:
    """Runs already complete and sound on disk (with `need_replay`, only those that also have their replay
    folder); with `specs` and `model`, only runs made for those specs by that model. Changes nothing."""
    by_id = {s.run_id: s for s in specs} if specs is not None else None
    ids = list(by_id) if by_id is not None else sorted(p.stem for p in runs_dir.glob("*.json"))
    done = set()
    for run_id in ids:
        spec = by_id[run_id] if by_id is not None else None
        if inspect_run(runs_dir, run_id, spec, model).state != "ok":
            continue
        if need_replay and not (runs_dir / run_id / "manifest.json").is_file():
            continue
        done.add(run_id)
    return done


def heal(runs_dir: Path, specs: list[RunSpec], model: str, need_replay: bool = False) -> set[str]:
    """The runs of `specs` that are done. The stored files of the others that would be used or be in the way
    are moved to `runs/.damaged/` (damaged) or removed (stale), with one warning line, so they run again."""
    done, problems = set(), []
    for spec in specs:
        found = inspect_run(runs_dir, spec.run_id, spec, model)
        if found.state == "stale" and found.record is not None and found.record.get("status") != "ok":
            found.state = "failed"  # a failed run is retried anyway: nothing to warn about
        bad = found.state in ("damaged", "stale")
        if bad:
            problems.append(f"{spec.run_id} ({found.reason})")
        for name, folder in ((f"{spec.run_id}.json", False), (f"{spec.run_id}.parquet", False), (spec.run_id, True)):
            path = runs_dir / name
            if not os.path.lexists(path):
                continue
            mode = path.lstat().st_mode
            wrong_kind = stat.S_ISDIR(mode) != folder or stat.S_ISLNK(mode)
            if bad or wrong_kind:
                if wrong_kind and not bad:
                    problems.append(f"{spec.run_id} ({name} is not a regular {'folder' if folder else 'file'})")
                _set_aside(path, None if found.state == "stale" else runs_dir / DAMAGED / name)
                found.state = found.state if bad else "damaged"
        if found.state == "ok" and (not need_replay or (runs_dir / spec.run_id / "manifest.json").is_file()):
            done.add(spec.run_id)
    if problems:
        shown = "; ".join(problems[:3]) + (f"; and {len(problems) - 3} more" if len(problems) > 3 else "")
        print(f"warning: {len(problems)} stored run(s) cannot be reused and run again: {shown} (damaged files are "
              f"moved to {runs_dir / DAMAGED})", file=sys.stderr)
    return done


def _set_aside(path: Path, to: Path | None) -> None:
    """Move `path` to `to` (replacing what is there), or remove it when `to` is None."""
    if to is not None:
        to.parent.mkdir(exist_ok=True)
        if os.path.lexists(to):
            _set_aside(to, None)
        os.replace(path, to)
    elif path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    else:
        path.unlink()


def gather(exp: DictConfig | None, out: Path, specs: list[RunSpec] | None, timings: dict[str, float],
           manifest_extra: dict[str, Any] | None = None, run_ids: list[str] | None = None,
           model: str | None = None) -> list[dict[str, Any]]:
    """Write runs.parquet, timeseries.parquet and manifest.json from the stored run records; returns the
    records of failed runs. Every record is checked again (`inspect_run`): one that does not check out is
    gathered as a failed run saying why, never with its values. Without specs, the records of `run_ids`
    (default: every record in `runs/`, in name order) are gathered."""
    runs_dir = out / "runs"
    by_id = {s.run_id: s for s in specs} if specs is not None else {}
    order = [s.run_id for s in specs] if specs is not None else (
        run_ids if run_ids is not None else sorted(p.stem for p in runs_dir.glob("*.json")))
    rows, series, failed = [], [], []
    for run_id in order:
        spec = by_id.get(run_id)
        found = inspect_run(runs_dir, run_id, spec, model)
        if found.state == "missing" and spec is None:
            continue
        if found.state in ("ok", "failed"):
            record = found.record
            assert record is not None
        else:
            why = "no record was stored" if found.state == "missing" else found.reason
            record = _unusable(spec, run_id, f"stored run not used: {why}; re-run to redo it")
        row = {k: record[k] for k in RUN_COLUMNS}
        # Every lever and parameter the run used, flattened (the swept ones are among them).
        config = record.get("config") if isinstance(record.get("config"), dict) else {}
        row.update({k: _cell(v) for k, v in {**config, **record["settings"]}.items()})
        row.update(record["summary"])
        rows.append(row)
        if record["status"] != "ok":
            failed.append(record)
            continue
        ts = pd.read_parquet(runs_dir / f"{run_id}.parquet")
        ts.insert(0, "run_id", run_id)
        series.append(ts)
    runs = pd.DataFrame(rows)
    for key in outcomes.SUMMARY_KEYS:  # a None outcome (e.g. no lead acted on) becomes NaN, not an object column
        if key in runs:
            runs[key] = pd.to_numeric(runs[key], errors="coerce").astype("float64")
    write_atomic(out / "runs.parquet", lambda p: runs.to_parquet(p, index=False))
    timeseries = pd.concat(series, ignore_index=True) if series else pd.DataFrame({"run_id": [], "day": []})
    write_atomic(out / "timeseries.parquet", lambda p: timeseries.to_parquet(p, index=False))
    manifest = {
        "experiment": exp.name if exp is not None else out.name,
        "key": out.name,
        "definition": plain_definition(exp) if exp is not None else {},
        "versions": package_versions(),
        "git_commit": git_commit(),
        "timings_seconds": {k: round(v, 3) for k, v in timings.items()},
        "runs": {"total": len(order), "ok": len(rows) - len(failed), "failed": len(failed)},
        **(manifest_extra or {}),
    }
    write_atomic(out / "manifest.json", lambda p: p.write_text(json.dumps(manifest, indent=2) + "\n"))
    return failed


def _unusable(spec: RunSpec | None, run_id: str, error: str) -> dict[str, Any]:
    """The record of a run whose stored files cannot be used: its identity from the spec, no values."""
    if spec is None:
        return {"run_id": run_id, "scenario": "", "replicate": -1, "seed": -1, "world": -1, "sample": -1,
                "settings": {}, "status": "failed", "error": error, "summary": {}}
    return {"run_id": run_id, "scenario": spec.scenario, "replicate": spec.replicate, "seed": spec.seed,
            "world": spec.world, "sample": spec.sample, "settings": dict(spec.settings), "status": "failed",
            "error": error, "summary": {}}


def _cell(value: Any) -> Any:
    """Lists and dicts as JSON text, so that every lever fits one parquet column."""
    return json.dumps(value) if isinstance(value, list | dict) else value
