"""Running an experiment: every run of the design, serially, in loky worker processes or on a dask cluster.

Each finished run is stored at once (`sim.experiment.store`), so re-running the same command resumes:
finished runs that check out are skipped, failed, damaged or stale ones run again. The results folder is
keyed by a hash of the resolved definition, so a changed definition never mixes with old results; replicate
seeds are fixed by the design (`sim.experiment.design`), so results do not depend on `n_jobs`, the backend,
or which process ran which run.

Workers (loky, `n_jobs` other than 1):

- `n_jobs` is capped at the number of cores and at the number of runs to do (more workers than cores only
  cost memory); the command says so in one line when it asked for more than the cores.
- Each worker watches its parent: when the parent process is gone (`kill -9`, out-of-memory killer) the
  worker exits within about a second instead of lingering; idle workers exit after `IDLE_WORKER_SECONDS`.
- A worker process that dies (a crash, `os._exit`, the out-of-memory killer) fails only the run it was
  running: loky stops the whole pool when one worker dies, so the runs that were started at that moment
  are run again one at a time, and the one that kills its worker again is recorded as failed with one line
  of reason; every other run goes on and is saved. A Python exception in a run (MemoryError included) is
  recorded as that run's failure without losing the worker.
- Test-only: `SIM_TEST_FAULT=<run_id>:exit` (or `:memory`; several comma-separated) makes the worker
  running that run exit at once (or raise MemoryError in it). It acts only inside loky worker processes,
  and only tests set it.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
import threading
import time
import traceback
import warnings
from collections import deque
from collections.abc import Generator, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from omegaconf import DictConfig

from sim.config import compose_run, flatten
from sim.experiment import definition
from sim.experiment.definition import Backend, check_sizes, definition_key, plain_definition
from sim.experiment.design import RunSpec, run_specs
from sim.experiment.store import gather, heal, model_fingerprint, store_run

#: Where `load_definition` below looks; tests/test_replay.py points it at its own folder.
EXPERIMENTS_DIR = definition.EXPERIMENTS_DIR
#: Idle loky workers exit after this long; a worker whose parent died exits after PARENT_POLL_SECONDS.
IDLE_WORKER_SECONDS = 30
PARENT_POLL_SECONDS = 0.5
#: Runs handed to the pool ahead of the free workers (more would only hold results in memory longer).
AHEAD_PER_WORKER = 2
#: The test-only fault hook (see the module docstring).
FAULT_ENV = "SIM_TEST_FAULT"
_in_worker = False


def load_definition(name: str, overrides: Sequence[str] = ()) -> DictConfig:
    """`definition.load_definition` from this module's `EXPERIMENTS_DIR`, for callers that patch it here."""
    return definition.load_definition(name, overrides, folder=EXPERIMENTS_DIR)


def one_line(text: str, limit: int = 300) -> str:
    """The first line of an error text, at most `limit` characters: a run's reason fits one line."""
    lines = str(text).strip().splitlines()
    first = lines[0].strip() if lines else ""
    return first if len(first) <= limit else first[: limit - 3] + "..."


def execute(spec: RunSpec, record: bool = False) -> dict[str, Any]:
    """Run one spec; never raises: a failure is returned with its error. With `record`, the whole
    result comes back so that the run can be replayed (`runs/<run_id>/`, as `sim.run` writes)."""
    from sim.api import simulate

    started = time.perf_counter()
    try:
        _test_fault(spec)
        cfg = compose_run(spec.overrides, spec.seed)
        result = simulate(cfg, progress=False)
        config = {k: v for k, v in flatten(cfg).items() if k not in ("output_dir", "progress")}
        return {"status": "ok", "error": "", "summary": result.summary, "timeseries": result.timeseries,
                "config": config, "seconds": time.perf_counter() - started, "result": result if record else None}
    except Exception as exc:
        return {"status": "failed", "error": one_line(f"{type(exc).__name__}: {exc}"), "summary": {},
                "timeseries": None, "seconds": time.perf_counter() - started,
                "traceback": traceback.format_exc(limit=5)}


def _test_fault(spec: RunSpec) -> None:
    """The test-only fault hook: acts only in a loky worker, on the run `SIM_TEST_FAULT` names."""
    if not _in_worker:
        return
    for item in os.environ.get(FAULT_ENV, "").split(","):
        run_id, _, kind = item.strip().rpartition(":")
        if run_id == spec.run_id and kind == "exit":
            os._exit(70)
        if run_id == spec.run_id and kind == "memory":
            raise MemoryError(f"{FAULT_ENV} asked this run to fail")


def _worker_init() -> None:
    """Runs first in every loky worker: exit when the parent process is gone (loky itself would wait for
    its idle timeout, and a worker busy with a run would finish it for nobody)."""
    global _in_worker
    _in_worker = True
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(PARENT_POLL_SECONDS)
        os._exit(0)

    threading.Thread(target=watch, name="sim-parent-watch", daemon=True).start()


def _worker_job(spec: RunSpec, record: bool, started: str) -> dict[str, Any]:
    """A run in a loky worker: mark it started (so that a pool broken by a dying worker knows which runs
    were under way), then run it."""
    (Path(started) / spec.run_id).touch()
    return execute(spec, record)


def worker_count(n_jobs: int, runs: int) -> tuple[int, str | None]:
    """Workers for `runs` runs: `n_jobs` (-1: all cores) capped at the cores and the runs; with a note when
    more than the cores were asked for."""
    cores = os.cpu_count() or 1
    wanted = cores if n_jobs < 0 else n_jobs
    workers = max(1, min(wanted, cores, runs))
    note = f"note: n_jobs={n_jobs} capped at {workers} (this machine has {cores} cores)" if wanted > cores else None
    return workers, note


def _lost(exc: BaseException) -> dict[str, Any]:
    """The outcome of a run whose worker process died under it."""
    codes = re.search(r"exit codes of the workers are (\{.*?\})", str(exc))
    detail = f"exit codes {codes.group(1)}" if codes else one_line(f"{type(exc).__name__}: {exc}", 160)
    return {"status": "failed", "error": f"the worker process running it died ({detail}): a crash, or the system "
            "ran out of memory", "summary": {}, "timeseries": None, "seconds": 0.0}


def _executor(workers: int) -> Any:
    """A private loky pool for one round (not loky's process-wide reusable executor, which joblib's own
    `Parallel` shares in the same process and would find in a state it does not expect)."""
    from joblib.externals.loky import ProcessPoolExecutor

    fault = os.environ.get(FAULT_ENV)
    return ProcessPoolExecutor(max_workers=workers, timeout=IDLE_WORKER_SECONDS, initializer=_worker_init,
                               env={FAULT_ENV: fault} if fault else None)


RoundResult = tuple[list[RunSpec], BaseException | None]


def _round(specs: list[RunSpec], workers: int, record: bool,
           started: Path) -> Generator[tuple[RunSpec, dict[str, Any]], None, RoundResult]:
    """Run `specs` in a pool of `workers`, yielding each run as it finishes; returns the runs left unfinished
    and the error when a worker died (the pool is then broken)."""
    if started.exists():
        shutil.rmtree(started)
    started.mkdir(parents=True)
    executor = _executor(workers)
    queue, running = deque(specs), dict[Future, RunSpec]()
    try:
        while queue or running:
            broken: BaseException | None = None
            while queue and len(running) < AHEAD_PER_WORKER * workers:
                spec = queue.popleft()
                try:
                    running[executor.submit(_worker_job, spec, record, str(started))] = spec
                except BrokenProcessPool as exc:
                    queue.appendleft(spec)
                    broken = exc
                    break
            if broken is None:
                finished, _ = wait(running, return_when=FIRST_COMPLETED)
                for future in finished:
                    try:
                        outcome = future.result()
                    except BrokenProcessPool as exc:
                        broken = exc
                        continue
                    except Exception as exc:  # e.g. a result that cannot be sent back: this run's failure only
                        outcome = {"status": "failed", "error": one_line(f"{type(exc).__name__}: {exc}"),
                                   "summary": {}, "timeseries": None, "seconds": 0.0}
                    yield running.pop(future), outcome
            if broken is not None:
                executor.shutdown(wait=False, kill_workers=True)
                return [*running.values(), *queue], broken
    except BaseException:  # Ctrl-C, or the caller stopped: leave no worker running
        executor.shutdown(wait=False, kill_workers=True)
        raise
    executor.shutdown(wait=True)
    return [], None


def _pool_runs(todo: list[RunSpec], workers: int, record: bool,
               started: Path) -> Iterator[tuple[RunSpec, dict[str, Any]]]:
    """Every run of `todo` on loky workers; a worker that dies fails only its own run (module docstring)."""
    pending, fruitless = list(todo), 0
    while pending:
        left, broken = yield from _round(pending, workers, record, started)
        if broken is None:
            return
        suspects = [s for s in left if (started / s.run_id).exists()]
        pending = [s for s in left if s not in suspects]
        fruitless = 0 if suspects else fruitless + 1
        if fruitless >= 3:  # workers die before any run starts: nothing will get better by retrying
            for spec in pending:
                yield spec, _lost(broken)
            return
        for spec in suspects:  # one at a time: the run that kills its worker alone is the culprit
            _, crashed = yield from _round([spec], 1, record, started)
            if crashed is not None:
                yield spec, _lost(crashed)


def _executed(exp: DictConfig, todo: list[RunSpec], runs_dir: Path) -> Iterator[tuple[RunSpec, dict[str, Any]]]:
    """Each spec with its outcome, as soon as it is done (in any order when parallel)."""
    record = bool(exp.record)
    if exp.backend == Backend.dask:
        yield from _dask_runs(exp, todo, record)
        return
    if exp.n_jobs == 1 or not todo:
        for spec in todo:
            yield spec, execute(spec, record)
        return
    workers, note = worker_count(int(exp.n_jobs), len(todo))
    if note:
        print(note, file=sys.stderr)
    # loky restarts a worker whose memory grew and warns; nothing is lost (the job is resubmitted).
    warnings.filterwarnings("ignore", message="A worker stopped while some jobs were given to the executor")
    started = runs_dir / ".started"
    try:
        yield from _pool_runs(todo, workers, record, started)
    finally:
        shutil.rmtree(started, ignore_errors=True)


def _dask_runs(exp: DictConfig, todo: list[RunSpec], record: bool) -> Iterator[tuple[RunSpec, dict[str, Any]]]:
    """Runs on an existing dask cluster (the cluster decides how many at once). A worker that dies is
    replaced by dask, which retries its task; a task that keeps killing workers fails only its run."""
    from distributed import Client, as_completed

    client = Client(exp.scheduler, timeout=10)
    try:
        futures = {client.submit(execute, spec, record, pure=False): spec for spec in todo}
        for future in as_completed(list(futures)):
            spec = futures.pop(future)
            try:
                outcome = future.result()
            except Exception as exc:
                outcome = {"status": "failed", "error": one_line(f"lost on the dask cluster: {type(exc).__name__}: "
                                                                 f"{exc}"),
                           "summary": {}, "timeseries": None, "seconds": 0.0}
            future.release()
            yield spec, outcome
    finally:
        client.close()


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
    check_sizes(exp)  # also for callers that built the definition without `validate_definition`
    out = Path(exp.results_dir) / exp.name / definition_key(exp)
    runs_dir = out / "runs"
    runs_dir.mkdir(parents=True, exist_ok=True)
    (out / "definition.json").write_text(json.dumps(plain_definition(exp), indent=2) + "\n")
    specs = run_specs(exp)
    model = model_fingerprint()
    done = heal(runs_dir, specs, model, bool(exp.record))
    todo = [s for s in specs if s.run_id not in done]
    show = sys.stderr.isatty() if progress is None else progress
    started = time.perf_counter()
    failed_now = 0
    bar = None
    if show:
        from tqdm import tqdm

        bar = tqdm(total=len(specs), initial=len(specs) - len(todo), unit="run", desc=exp.name)
    for spec, outcome in _executed(exp, todo, runs_dir):
        store_run(runs_dir, spec, outcome, model)
        failed_now += outcome["status"] != "ok"
        if bar is not None:
            bar.update(1)
            bar.set_postfix(failed=failed_now)
    if bar is not None:
        bar.close()
    elapsed = time.perf_counter() - started
    failed = gather(exp, out, specs, {"run_seconds": elapsed, "runs_this_time": len(todo)}, {"model": model},
                    model=model)
    if exp.report:
        from sim.experiment.report.build import build_report  # the report reads only the folder just written

        build_report(out)
    return ExperimentOutcome(out, len(specs), len(specs) - len(failed), failed, len(todo))
