"""A `python -m sim.run -m` (Hydra multirun) sweep gathered into the experiment results form, so that it
gets the same report."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pandas as pd
from omegaconf import OmegaConf

from sim.config import flatten
from sim.errors import ConfigError
from sim.experiment.store import gather
from sim.results import write_atomic


def collect(path: str | Path) -> Path:
    """Gather the run folders of a `python -m sim.run -m` sweep into the experiment results form.

    Every run is replicate 0 of its scenario with its `policy.*` levers as settings; the report then
    compares scenarios without pairing (the runs share no design).
    """
    root = Path(path)
    if not root.is_dir():
        raise ConfigError(f"collect: no such folder '{root}'")
    run_dirs = sorted({p.parent for p in root.rglob("manifest.json") if (p.parent / "summary.json").is_file()})
    if not run_dirs:
        raise ConfigError(f"collect: no complete run folders (with summary.json and manifest.json) under '{root}'")
    runs_dir = root / "runs"
    runs_dir.mkdir(exist_ok=True)
    for run_dir in run_dirs:
        run_id = str(run_dir.relative_to(root)).replace(os.sep, "_")
        cfg = OmegaConf.load(run_dir / "config.yaml")
        flat = flatten(cfg)
        settings = {k: v for k, v in flat.items() if k.startswith("policy.")}
        summary = json.loads((run_dir / "summary.json").read_text())
        record = {"run_id": run_id, "scenario": str(cfg.get("scenario_name", "")), "replicate": 0,
                  "seed": int(cfg.seed), "world": -1, "sample": -1, "settings": settings, "overrides": [],
                  "status": "ok", "error": "", "seconds": 0.0, "summary": summary}
        ts = pd.read_parquet(run_dir / "timeseries.parquet")
        write_atomic(runs_dir / f"{run_id}.parquet", lambda p, ts=ts: ts.to_parquet(p, index=False))
        write_atomic(runs_dir / f"{run_id}.json", lambda p, r=record: p.write_text(json.dumps(r, indent=1)))
    gather(None, root, None, {}, {"collected_from": [str(d.relative_to(root)) for d in run_dirs]})
    return root
