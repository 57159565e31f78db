"""Verify a recording: re-simulate it from its config and seed and compare the event logs.

A recording is only worth replaying and branching if it is exactly what the model does; this is the check.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from sim.api import simulate
from sim.replay.store import load_recording


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


def verify(run_dir: str | Path) -> str | None:
    """Re-simulate a recording from its config and seed; the first difference, or None when identical."""
    rec = load_recording(run_dir, frames=False)
    result = simulate(rec.config, progress=False)
    return first_difference(rec.events, result.events)
