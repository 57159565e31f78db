"""Running an experiment: every run of the design, serially or on joblib (loky) or a dask cluster.

Each finished run is stored at once (`sim.experiment.store`), so re-running the same command resumes:
finished runs are skipped, failed ones retried. The results folder is keyed by a hash of the resolved
definition, so a changed definition never mixes with old results; replicate seeds are fixed by the design
(`sim.experiment.design`), so results do not depend on `n_jobs` or the backend.
"""

from __future__ import annotations

import json
import sys
import time
import traceback
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from omegaconf import DictConfig

from sim.config import compose, flatten
from sim.experiment import definition
from sim.experiment.definition import Backend, definition_key, plain_definition
from sim.experiment.design import RunSpec, run_specs
from sim.experiment.store import finished, gather, store_run

#: Where `load_definition` below looks; tests/test_replay.py points it at its own folder.
EXPERIMENTS_DIR = definition.EXPERIMENTS_DIR


def load_definition(name: str, overrides: Sequence[str] = ()) -> DictConfig:
    """`definition.load_definition` from this module's `EXPERIMENTS_DIR`, for callers that patch it here."""
    return definition.load_definition(name, overrides, folder=EXPERIMENTS_DIR)


def execute(spec: RunSpec, record: bool = False) -> dict[str, Any]:
    """Run one spec; never raises: a failure is returned with its error. With `record`, the whole
    result comes back so that the run can be replayed (`runs/<run_id>/`, as `sim.run` writes)."""
    from sim.api import simulate

    started = time.perf_counter()
    try:
        cfg = compose([*spec.overrides, f"seed={spec.seed}"])
        result = simulate(cfg, progress=False)
        config = {k: v for k, v in flatten(cfg).items() if k not in ("output_dir", "progress")}
        return {"status": "ok", "error": "", "summary": result.summary, "timeseries": result.timeseries,
                "config": config, "seconds": time.perf_counter() - started, "result": result if record else None}
    except Exception as exc:
        return {"status": "failed", "error": f"{type(exc).__name__}: {exc}", "summary": {}, "timeseries": None,
                "seconds": time.perf_counter() - started, "traceback": traceback.format_exc(limit=5)}


def _executed(exp: DictConfig, todo: list[RunSpec]) -> Iterator[tuple[RunSpec, dict[str, Any]]]:
    """Each spec with its outcome, as soon as it is done (in any order when parallel)."""
    record = bool(exp.record)
    if exp.n_jobs == 1 and exp.backend == Backend.loky:
        for spec in todo:
            yield spec, execute(spec, record)
        return
    from joblib import Parallel, delayed, parallel_config

    # loky restarts a worker whose memory grew and warns; nothing is lost (the job is resubmitted).
    warnings.filterwarnings("ignore", message="A worker stopped while some jobs were given to the executor")

    def job(spec: RunSpec) -> tuple[RunSpec, dict[str, Any]]:
        return spec, execute(spec, record)

    if exp.backend == Backend.dask:
        from distributed import Client

        client = Client(exp.scheduler, timeout=10)
        try:
            with parallel_config(backend="dask"):
                yield from Parallel(n_jobs=-1, return_as="generator_unordered")(delayed(job)(s) for s in todo)
        finally:
            client.close()
    else:
        yield from Parallel(n_jobs=exp.n_jobs, return_as="generator_unordered")(delayed(job)(s) for s in todo)


@dataclass
class ExperimentOutcome:
    """Where the results went and how the runs went: `ran` counts the runs made now, not resumed."""

    path: Path
    total: int
    ok: int
    failed: list[dict[str, Any]]
    ran: int


def run_experiment(exp: DictConfig, progress: bool | None = None) -> ExperimentOutcome:
    """Run (or resume) an experiment, then gather results and (with `report`) write the report."""
    out = Path(exp.results_dir) / exp.name / definition_key(exp)
    runs_dir = out / "runs"
    runs_dir.mkdir(parents=True, exist_ok=True)
    (out / "definition.json").write_text(json.dumps(plain_definition(exp), indent=2) + "\n")
    specs = run_specs(exp)
    done = finished(runs_dir, bool(exp.record))
    todo = [s for s in specs if s.run_id not in done]
    show = sys.stderr.isatty() if progress is None else progress
    started = time.perf_counter()
    failed_now = 0
    bar = None
    if show:
        from tqdm import tqdm

        bar = tqdm(total=len(specs), initial=len(specs) - len(todo), unit="run", desc=exp.name)
    for spec, outcome in _executed(exp, todo):
        store_run(runs_dir, spec, outcome)
        failed_now += outcome["status"] != "ok"
        if bar is not None:
            bar.update(1)
            bar.set_postfix(failed=failed_now)
    if bar is not None:
        bar.close()
    elapsed = time.perf_counter() - started
    failed = gather(exp, out, specs, {"run_seconds": elapsed, "runs_this_time": len(todo)})
    if exp.report:
        from sim.experiment.report.build import build_report  # the report reads only the folder just written

        build_report(out)
    return ExperimentOutcome(out, len(specs), len(specs) - len(failed), failed, len(todo))
