"""Verify a recording: re-simulate it from its config and seed and compare everything it holds.

A recording is only worth replaying and branching if it is exactly what the model does; this is the check.
The event log, the replay frames (what the viewer draws), the daily series and the summary are each
compared with the re-simulation, so an edited frames.json is caught as surely as an edited event.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.api import simulate
from sim.replay.store import load_recording
from sim.results import FRAMES_FILE, summary_json


def first_difference(recorded: pd.DataFrame, replayed: pd.DataFrame) -> str | None:
    """The first row where two event logs differ, described for a person; None if identical."""
    n = min(len(recorded), len(replayed))
    for col in recorded.columns:
        if col not in replayed.columns:
            return f"column {col!r} is missing from the re-simulation"
    a = recorded.iloc[:n].reset_index(drop=True)
    b = replayed[recorded.columns].iloc[:n].reset_index(drop=True)
    differs = ~((a == b) | (a.isna() & b.isna())).all(axis=1)
    if differs.any():
        i = int(np.argmax(differs.to_numpy()))
        return (f"event {i} differs:\n  recorded:   {a.iloc[i].to_dict()}\n  re-simulated: {b.iloc[i].to_dict()}")
    if len(recorded) != len(replayed):
        return f"the recording has {len(recorded)} events, the re-simulation {len(replayed)} (first {n} agree)"
    return None


def first_value_difference(recorded: Any, replayed: Any, where: str = "") -> str | None:
    """The first place where two JSON-like values differ, as `where: recorded X, re-simulated Y`; None if
    equal. NaN equals NaN; an int equals the same float (JSON does not tell them apart)."""
    stack = [(recorded, replayed, where)]
    while stack:
        a, b, at = stack.pop()
        if isinstance(a, dict) and isinstance(b, dict):
            for key in a:
                if key not in b:
                    return f"{at}.{key}: recorded, missing from the re-simulation".lstrip(".")
            for key in b:
                if key not in a:
                    return f"{at}.{key}: missing from the recording".lstrip(".")
            stack.extend((a[k], b[k], f"{at}.{k}") for k in reversed(list(a)))
        elif isinstance(a, list) and isinstance(b, list):
            if len(a) != len(b):
                return f"{at.lstrip('.')}: {len(a)} entries recorded, {len(b)} re-simulated"
            stack.extend((x, y, f"{at}[{i}]") for i, (x, y) in reversed(list(enumerate(zip(a, b, strict=True)))))
        elif not _same(a, b):
            return f"{at.lstrip('.')}: recorded {_short(a)}, re-simulated {_short(b)}"
    return None


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool) or not (isinstance(a, int | float) and isinstance(b, int | float)):
        return type(a) is type(b) and a == b
    return a == b or (math.isnan(a) and math.isnan(b))


def _short(value: Any, width: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= width else text[: width - 3] + "..."


def _series_difference(recorded: pd.DataFrame, replayed: pd.DataFrame) -> str | None:
    """The first column and day where two daily series differ."""
    missing = [c for c in recorded.columns if c not in replayed.columns]
    extra = [c for c in replayed.columns if c not in recorded.columns]
    if missing or extra:
        name = (missing or extra)[0]
        return f"column {name!r} is {'recorded but not re-simulated' if missing else 'missing from the recording'}"
    if len(recorded) != len(replayed):
        return f"{len(recorded)} days recorded, {len(replayed)} re-simulated"
    for col in recorded.columns:
        a, b = recorded[col].reset_index(drop=True), replayed[col].reset_index(drop=True)
        differs = ~((a == b) | (a.isna() & b.isna()))
        if differs.any():
            i = int(np.argmax(differs.to_numpy()))
            return f"column {col!r} row {i}: recorded {_short(a.iloc[i])}, re-simulated {_short(b.iloc[i])}"
    return None


def verify(run_dir: str | Path) -> str | None:
    """Re-simulate a recording from its config and seed; the first difference, or None when identical.

    Compared in this order: the event log (`events.parquet`), the frames (`frames.json`, when recorded),
    the daily series (`timeseries.parquet`) and the outcomes (`summary.json`). A damaged or unreadable
    file is not a difference: `load_recording` refuses it with a ReplayError first.
    """
    rec = load_recording(run_dir, frames=None)
    result = simulate(rec.config, progress=False)
    difference = first_difference(rec.events, result.events)
    if difference is not None:
        return difference
    if rec.frames:
        replayed = json.loads(json.dumps(result.frames)) if result.frames is not None else None
        if replayed is None:
            return f"{FRAMES_FILE}: recorded, but the re-simulation made no frames"
        difference = first_value_difference(rec.frames, replayed)
        if difference is not None:
            return f"{FRAMES_FILE}: {difference}"
    difference = _series_difference(rec.timeseries, result.timeseries)
    if difference is not None:
        return f"timeseries.parquet: {difference}"
    difference = first_value_difference(rec.summary, json.loads(summary_json(result.summary)))
    if difference is not None:
        return f"summary.json: {difference}"
    return None
