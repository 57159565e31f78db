"""Regression baseline: the default scenario's summary for a fixed seed, stored and compared.

Any change in behaviour shows up here as a readable list of the outcomes that moved. When a change is
intended, regenerate with `SIM_UPDATE_BASELINE=1 .venv/bin/python -m pytest tests/test_regression.py`
and give the reason in the commit message.
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

from sim import run_scenario

BASELINE = Path(__file__).parent / "baseline" / "default_seed1.json"
SEED = 1


def _differences(old: dict, new: dict) -> list[str]:
    lines = []
    for key in sorted(set(old) | set(new)):
        a, b = old.get(key, "<absent>"), new.get(key, "<absent>")
        same = a == b or (
            isinstance(a, float) and isinstance(b, float) and math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)
        )
        if not same:
            lines.append(f"  {key}: {a} -> {b}")
    return lines


def test_default_scenario_matches_stored_baseline() -> None:
    summary = run_scenario([], seed=SEED).summary
    if os.environ.get("SIM_UPDATE_BASELINE") == "1":
        BASELINE.parent.mkdir(exist_ok=True)
        BASELINE.write_text(json.dumps(summary, indent=2) + "\n")
    stored = json.loads(BASELINE.read_text())
    diff = _differences(stored, summary)
    assert not diff, "default scenario (seed 1) moved from the stored baseline:\n" + "\n".join(diff)
