"""An experiment's results as the runner stores them, read back from the folder alone.

The report never imports the runner: the definition it needs (scenarios, baseline, outcomes, design) is the
one the runner wrote into `manifest.json`, and anything missing falls back to the data and the outcome
registry, so results gathered from ad-hoc runs still get a report.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import pandas as pd

from sim import outcomes


@dataclass
class Results:
    """An experiment's results as stored by the runner, with what the report needs derived from them."""

    path: Path
    runs: pd.DataFrame
    timeseries: pd.DataFrame | None
    manifest: dict[str, Any]
    notes: list[str] = field(default_factory=list)

    @property
    def definition(self) -> dict[str, Any]:
        return self.manifest.get("definition") or {}

    @cached_property
    def ok(self) -> pd.DataFrame:
        """Successful runs: the only ones statistics use (cached: the runs never change after loading)."""
        return self.runs[self.runs["status"] == "ok"]

    @cached_property
    def failed(self) -> pd.DataFrame:
        return self.runs[self.runs["status"] != "ok"]

    @property
    def baseline(self) -> str | None:
        """The baseline scenario if it has successful runs, else None (no differences can be computed)."""
        name = self.definition.get("baseline", "baseline")
        return name if name in set(self.ok["scenario"]) else None

    @property
    def scenarios(self) -> list[str]:
        """Scenarios in the definition's order, then any others found in the data."""
        listed = [str(s) for s in self.definition.get("scenarios") or []]
        found = [s for s in pd.unique(self.runs["scenario"]) if s not in listed]
        return listed + sorted(found)

    @property
    def design(self) -> dict[str, Any]:
        return self.definition.get("design") or {"kind": "none"}

    @property
    def design_kind(self) -> str:
        return str(self.design.get("kind", "none"))

    @property
    def levers(self) -> list[str]:
        return list((self.design.get("levers") or {}).keys()) if self.design_kind != "none" else []

    @property
    def outcomes(self) -> list[str]:
        """Reported outcomes present in the data (`flow_share.*` expands to every node); the registry's
        defaults when the definition names none."""
        wanted = list(self.definition.get("outcomes") or outcomes.DEFAULT_OUTCOMES)
        columns = list(self.runs.columns)
        out: list[str] = []
        for key in wanted:
            matches = [c for c in columns if c.startswith(key[:-1])] if key.endswith("*") else [key]
            out.extend(m for m in matches if m in columns and m not in out)
        return out

    @property
    def has_worlds(self) -> bool:
        return bool((self.ok["world"] >= 0).any())


def load_results(path: str | Path) -> Results:
    """Read the three files of a results folder; a missing time series or manifest is tolerated."""
    root = Path(path)
    runs = pd.read_parquet(root / "runs.parquet")
    notes: list[str] = []
    defaults: dict[str, Any] = {"run_id": "", "scenario": "", "replicate": 0, "seed": -1, "world": -1, "sample": -1,
                                "status": "ok", "error": ""}
    for column, default in defaults.items():
        if column not in runs:
            runs[column] = default
            notes.append(f"`runs.parquet` has no `{column}` column; assumed `{default}` for every run.")
    runs["scenario"] = runs["scenario"].astype(str)
    runs["status"] = runs["status"].astype(str)
    runs["error"] = runs["error"].fillna("").astype(str)
    for column in ("replicate", "world", "sample"):
        runs[column] = pd.to_numeric(runs[column], errors="coerce").fillna(-1).astype(int)
    ts_path = root / "timeseries.parquet"
    timeseries = pd.read_parquet(ts_path) if ts_path.is_file() else None
    if timeseries is None:
        notes.append("No `timeseries.parquet`: time-series figures are left out.")
    manifest_path = root / "manifest.json"
    manifest = json.loads(manifest_path.read_text()) if manifest_path.is_file() else {}
    if not manifest:
        notes.append("No `manifest.json`: scenarios, baseline and outcomes were taken from the data and defaults.")
    return Results(root, runs, timeseries, manifest, notes)
