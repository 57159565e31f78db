"""Batch experiments: scenarios x design points x sampled worlds x replications (`python -m sim.experiment`).

The parts, each importing only parts listed above it:

- `overrides`: a swept or sampled value as a run's override (its range, config type and text)
- `definition`: the experiment schema, loading `experiments/<name>.yaml`, validation, the results key
- `design`: design points, sampled worlds, replicate seeds (common random numbers), the list of runs
- `store`: the results folder: run records (with checksums and the model's fingerprint) written as runs
  finish and checked before reuse, then the gathered tables and manifest
- `runner`: executing the runs (serially, in loky workers or on dask), resuming, then the report
- `multirun`: a `sim.run -m` sweep gathered into the same results form
- `cli`: the command line
- `report`: the report, built from a results folder alone; it imports none of the parts above

The names below load their part on first use, so that importing the report or one part loads no more.
"""

from __future__ import annotations

import importlib
from typing import Any

_PARTS = {"ExperimentConfig": "definition", "load_definition": "definition", "run_experiment": "runner",
          "ExperimentOutcome": "runner", "collect": "multirun", "build_report": "report.build"}

__all__ = ["ExperimentConfig", "ExperimentOutcome", "build_report", "collect", "load_definition", "run_experiment"]


def __getattr__(name: str) -> Any:
    if name in _PARTS:
        return getattr(importlib.import_module(f"{__name__}.{_PARTS[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
