"""The viewer's payload (format `sim-replay/1`): one JSON-ready dict holding everything the player draws.

The same dict is served by `python -m sim.replay view` and inlined by `export`, so the live room and the
exported file play identically. Outcome names, labels, units and which way is better come from the
outcome registry (`sim.outcomes`), lever ranges from the config schema: the viewer hard-codes neither.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from omegaconf import OmegaConf

from sim import outcomes
from sim.config import LEVER_SPECS, schedule
from sim.replay.branching import list_branches
from sim.replay.store import Recording, ReplayError, load_recording

PAYLOAD_FORMAT = "sim-replay/1"
#: Daily series the viewer charts: registry outcomes with a daily column, then daily levels, marked `chart`.
CHARTS: tuple[outcomes.Outcome, ...] = (tuple(o for o in outcomes.OUTCOMES if o.series and o.chart)
                                        + tuple(o for o in outcomes.LEVELS if o.chart))
#: Outcomes compared at the end of a branch: the registry's default set, as a run prints them.
BRANCH_OUTCOMES: tuple[str, ...] = outcomes.DEFAULT_OUTCOMES
_FMT = re.compile(r"\{:\.(\d+)([f%])\}")


def outcome_info(o: outcomes.Outcome) -> dict[str, Any]:
    """How the viewer shows an outcome: label, unit, better direction (+1, -1, 0), and number format."""
    match = _FMT.fullmatch(o.fmt)
    digits, percent = (int(match.group(1)), match.group(2) == "%") if match else (2, False)
    return {"key": o.key, "label": o.label, "unit": o.unit, "kind": o.kind, "better": int(o.better),
            "percent": percent, "digits": digits}


def chart_info(o: outcomes.Outcome) -> dict[str, Any]:
    """A chart: counters and amounts summed per day are drawn to date; levels and rates as they are each day."""
    cumulative = o in outcomes.OUTCOMES and o.kind in ("count", "amount")
    return {**outcome_info(o), "cumulative": cumulative}


def lever_schema() -> list[dict[str, Any]]:
    """What the viewer's branch form offers: each lever's type, allowed values, unit and note (the schema's)."""
    out: list[dict[str, Any]] = []
    for name, spec in LEVER_SPECS.items():
        entry: dict[str, Any] = {"key": f"policy.{name}", "unit": spec.unit, "note": spec.note}
        if spec.type == "choice":
            entry.update(type="choice", options=list(spec.choices))
        elif spec.type in ("bool", "list"):
            entry.update(type=spec.type)
        else:
            entry.update(type="number", min=spec.low, max=spec.high, step=1 if spec.type == "integer" else 0.05)
        out.append(entry)
    return out


def _plain(value: Any) -> Any:
    return OmegaConf.to_container(value, resolve=True, enum_to_str=True) if OmegaConf.is_config(value) else value


def _events_table(events: pd.DataFrame) -> dict[str, Any]:
    rows = events.astype(object).where(events.notna(), None).to_numpy().tolist()
    return {"columns": list(events.columns), "rows": rows}


def _series(timeseries: pd.DataFrame) -> dict[str, list[float]]:
    return {o.key: [round(float(v), 6) for v in timeseries[o.key]] for o in CHARTS if o.key in timeseries}


def _run_info(rec: Recording) -> dict[str, Any]:
    """Who the run is, and its policy changes (`policy_schedule`, then the branch if it is one) by day."""
    cfg = rec.config
    changes = [{"day": day, "levers": {k: _plain(v) for k, v in levers.items()}} for day, levers in schedule(cfg)]
    return {"path": str(rec.path), "scenario": str(cfg.scenario_name), "seed": int(cfg.seed), "days": int(cfg.days),
            "branch_day": cfg.branch.day, "parent": cfg.branch.parent,
            "branch_levers": _plain(cfg.branch.levers) if cfg.branch.day is not None else {},
            "schedule": changes}


def branch_payload(rec: Recording) -> dict[str, Any]:
    """What the viewer needs of a branch to overlay it: identity, series, outcomes."""
    return {"run": _run_info(rec), "series": _series(rec.timeseries),
            "summary": {k: rec.summary.get(k) for k in BRANCH_OUTCOMES}}


def payload(run_dir: str | Path) -> dict[str, Any]:
    """Everything the viewer draws, as one JSON-ready dict (format `sim-replay/1`)."""
    rec = load_recording(run_dir)
    policy = _plain(rec.config.policy)
    branches = []
    for path in list_branches(rec.path):
        try:
            branches.append(branch_payload(load_recording(path)))
        except ReplayError:
            continue  # a damaged branch does not stop the parent from playing
    return {
        "format": PAYLOAD_FORMAT,
        "run": _run_info(rec),
        "levers": {f"policy.{k}": v for k, v in policy.items()},
        "lever_schema": lever_schema(),
        "countries": sorted({n["country"] for n in rec.frames["nodes"]}),
        "nodes": rec.frames["nodes"],
        "edges": rec.frames["edges"],
        "orgs": rec.frames["orgs"],
        "roles": rec.frames.get("roles", []),
        "frames": rec.frames["frames"],
        "charts": [chart_info(o) for o in CHARTS],
        "series": _series(rec.timeseries),
        "events": _events_table(rec.events),
        "summary": rec.summary,
        "outcomes": {k: outcome_info(outcomes.get(k)) for k in BRANCH_OUTCOMES},
        "branch_outcomes": list(BRANCH_OUTCOMES),
        "branches": branches,
    }


def to_json(data: Any) -> str:
    """JSON text of a payload; numpy scalars become numbers (NaN becomes null, which JSON has)."""
    return json.dumps(data, separators=(",", ":"), default=_json_default)


def _json_default(value: Any) -> Any:
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return None if np.isnan(value) else float(value)
    if isinstance(value, np.bool_):
        return bool(value)
    return str(value)
