"""The results folder on disk: one record per finished run, and the gathered tables and manifest.

A run is stored time series first, record last (`runs/<run_id>.parquet`, then `runs/<run_id>.json`), each
written atomically, so a record on disk means the run is complete: that is what makes resuming safe after
Ctrl-C, `kill -9` or a crashed worker.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
from omegaconf import DictConfig

from sim import outcomes
from sim.experiment.definition import plain_definition
from sim.experiment.design import RunSpec
from sim.results import git_commit, package_versions, write_atomic

RUN_COLUMNS = ("run_id", "scenario", "replicate", "seed", "world", "sample", "status", "error")


def store_run(runs_dir: Path, spec: RunSpec, outcome: dict[str, Any]) -> None:
    """The time series first, then the record: a record on disk means the run is complete."""
    if outcome["status"] == "ok":
        write_atomic(runs_dir / f"{spec.run_id}.parquet", lambda p: outcome["timeseries"].to_parquet(p, index=False))
        if outcome.get("result") is not None:
            outcome["result"].save(runs_dir / spec.run_id)  # a replayable run folder
    record = {"run_id": spec.run_id, "scenario": spec.scenario, "replicate": spec.replicate, "seed": spec.seed,
              "world": spec.world, "sample": spec.sample, "settings": dict(spec.settings),
              "overrides": list(spec.overrides), "status": outcome["status"], "error": outcome["error"],
              "seconds": round(outcome["seconds"], 3), "config": outcome.get("config", {}),
              "summary": outcome["summary"]}
    if "traceback" in outcome:
        record["traceback"] = outcome["traceback"]
    write_atomic(runs_dir / f"{spec.run_id}.json", lambda p: p.write_text(json.dumps(record, indent=1)))


def finished(runs_dir: Path, need_replay: bool = False) -> set[str]:
    """Runs already complete on disk (with `need_replay`, only those that also have their replay folder)."""
    done = set()
    for path in runs_dir.glob("*.json"):
        try:
            entry = json.loads(path.read_text())
        except (json.JSONDecodeError, OSError):
            continue
        run_id = entry.get("run_id", "")
        if entry.get("status") != "ok" or not (runs_dir / f"{run_id}.parquet").is_file():
            continue
        if need_replay and not (runs_dir / run_id / "manifest.json").is_file():
            continue
        done.add(run_id)
    return done


def gather(exp: DictConfig | None, out: Path, specs: list[RunSpec] | None, timings: dict[str, float],
           manifest_extra: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """Write runs.parquet, timeseries.parquet and manifest.json from the stored run records; returns the
    records of failed runs. Without specs, every record in `runs/` is gathered in name order."""
    runs_dir = out / "runs"
    order = [s.run_id for s in specs] if specs is not None else sorted(p.stem for p in runs_dir.glob("*.json"))
    rows, series, failed = [], [], []
    for run_id in order:
        path = runs_dir / f"{run_id}.json"
        if not path.is_file():
            continue
        record = json.loads(path.read_text())
        row = {k: record[k] for k in RUN_COLUMNS}
        # Every lever and parameter the run used, flattened (the swept ones are among them).
        row.update({k: _cell(v) for k, v in {**record.get("config", {}), **record["settings"]}.items()})
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


def _cell(value: Any) -> Any:
    """Lists and dicts as JSON text, so that every lever fits one parquet column."""
    return json.dumps(value) if isinstance(value, list | dict) else value
