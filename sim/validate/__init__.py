"""The validation suite: patterns from the literature that the model should reproduce, run as paired
experiments on several corridors, with a pass/fail report (`python -m sim.validate`, `make validate`).

The parts, each importing only parts listed above it:

- `stats`: the statistics of the checks on plain numbers (paired differences, levels, ratios, steps)
- `catalogue`: the patterns (arms, days, checks with their pass rules, sources) and the corridors
- `outcome`: what a validation is asked to do (`Settings`) and what it found (`ValidationOutcome`)
- `runner`: each arm as an experiment of `sim.experiment` (its runner, resume, store, jobs), then the checks
- `report`: `report.md`, `report.html`, figures and `validation.json`
- `suite`: `run_validation(settings)`, the one call; `cli`: the command line

docs/validation.md documents the catalogue. The names below load their part on first use.
"""

from __future__ import annotations

import importlib
from typing import Any

_PARTS = {"Settings": "outcome", "ValidationOutcome": "outcome", "run_validation": "suite", "PATTERNS": "catalogue",
          "Status": "stats"}

__all__ = ["PATTERNS", "Settings", "Status", "ValidationOutcome", "run_validation"]


def __getattr__(name: str) -> Any:
    if name in _PARTS:
        return getattr(importlib.import_module(f"{__name__}.{_PARTS[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
