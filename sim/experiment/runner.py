"""Batch experiments: scenarios x design points x sampled worlds x replications, on joblib or dask.

    python -m sim.experiment experiment=policy_comparison [replications=50 n_jobs=2 days=730 seed=7]
    python -m sim.experiment collect PATH      # gather `sim.run -m` folders into runs.parquet
    python -m sim.experiment report PATH       # rebuild the report from stored results

Every finished run is written to disk at once (`runs/<run_id>.json` last, after its time series), so
re-running the same command resumes: finished runs are skipped, failed ones are retried. The results
folder is keyed by a hash of the resolved definition, so a changed definition never mixes with old
results. Replicate r uses the same seed in every scenario, design point and world (common random
numbers), so comparisons are paired and results do not depend on `n_jobs` or the backend.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import sys
import time
import traceback
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from omegaconf import DictConfig, OmegaConf

from sim.cli import check_writable, restore_ctrl_c
from sim.config import CONFIG_DIR, ConfigError, compose, explain_hydra_error, flatten, schema
from sim.config.compose import hydra_compose
from sim.core.metrics import SUMMARY_KEYS
from sim.results import git_commit, package_versions, write_atomic

EXPERIMENTS_DIR = Path(os.environ.get("SIM_EXPERIMENTS_DIR", CONFIG_DIR.parent / "experiments"))
DEFAULT_OUTCOMES = (
    "interdiction_rate", "shipments_seized", "arrests", "convictions", "disruption_depth", "time_to_action_days",
    "assets_frozen", "criminal_revenue", "corrupt_officer_share", "victims_trafficked", "victims_identified",
    "victims_protected", "victims_reexploited", "tips_received", "community_trust_final",
    "legit_trade_delay_hours", "policy_cost",
)


class DesignKind(StrEnum):
    none = "none"
    grid = "grid"
    lhs = "lhs"
    morris = "morris"
    sobol = "sobol"


class Backend(StrEnum):
    loky = "loky"
    dask = "dask"


@dataclass
class DesignConfig:
    """A sweep over levers or parameters: `levers` maps a config key to [low, high] (or, for `grid`,
    to the list of values). `samples`: LHS points, Morris trajectories or Sobol base size."""

    kind: DesignKind = DesignKind.none
    levers: dict[str, Any] = field(default_factory=dict)
    samples: int = 0
    num_levels: int = 4


@dataclass
class UncertaintyConfig:
    """What the world might be (not controlled by policy): `samples` worlds by Latin hypercube over
    `ranges` (config key -> [low, high]); every scenario runs in the same worlds."""

    samples: int = 0
    ranges: dict[str, Any] = field(default_factory=dict)


@dataclass
class ExperimentConfig:
    name: str = "experiment"
    description: str = ""
    scenarios: list[str] = field(default_factory=lambda: ["baseline"])
    baseline: str = "baseline"
    replications: int = 10
    days: int = 365
    seed: int = 0
    outcomes: list[str] = field(default_factory=lambda: list(DEFAULT_OUTCOMES))
    overrides: list[str] = field(default_factory=list)
    design: DesignConfig = field(default_factory=DesignConfig)
    uncertainties: UncertaintyConfig = field(default_factory=UncertaintyConfig)
    n_jobs: int = 1
    backend: Backend = Backend.loky
    scheduler: str | None = None
    results_dir: str = "results"
    report: bool = True
    record: bool = False


RUN_COLUMNS = ("run_id", "scenario", "replicate", "seed", "world", "sample", "status", "error")
#: Keys that change how an experiment runs, not what it computes: left out of the results key.
EXECUTION_KEYS = ("n_jobs", "backend", "scheduler", "results_dir", "report", "record")


@dataclass(frozen=True)
class RunSpec:
    """One run of an experiment."""

    run_id: str
    scenario: str
    replicate: int
    seed: int
    world: int
    sample: int
    overrides: tuple[str, ...]
    settings: tuple[tuple[str, Any], ...]  # the swept and sampled keys with their values


# ------------------------------------------------------------------------------------------------ definition


def register() -> None:
    from hydra.core.config_store import ConfigStore

    ConfigStore.instance().store(name="experiment_schema", node=ExperimentConfig)


def available_experiments() -> list[str]:
    return sorted(p.stem for p in EXPERIMENTS_DIR.glob("*.yaml"))


def available_scenarios() -> list[str]:
    return sorted(p.stem for p in (CONFIG_DIR / "scenario").glob("*.yaml"))


def load_definition(name: str, overrides: Sequence[str] = ()) -> DictConfig:
    """Compose `experiments/<name>.yaml` with overrides and validate it; ConfigError on bad input."""
    if name not in available_experiments():
        raise ConfigError(f"experiment: unknown experiment '{name}'; allowed: {', '.join(available_experiments())}")
    register()
    raw = hydra_compose(EXPERIMENTS_DIR, name, overrides)
    try:
        exp = OmegaConf.merge(OmegaConf.structured(ExperimentConfig), raw)
    except Exception as exc:
        raise ConfigError(explain_hydra_error(exc)) from None
    validate_definition(exp)
    return exp


def _range(key: str, value: Any, what: str) -> tuple[float, float]:
    if not (isinstance(value, list | tuple) or OmegaConf.is_list(value)) or len(value) != 2:
        raise ConfigError(f"{what}.{key}: needs [low, high], got {value}")
    low, high = (float(v) for v in value)
    if not low < high:
        raise ConfigError(f"{what}.{key}: low must be below high, got [{low}, {high}]")
    return low, high


def validate_definition(exp: DictConfig) -> None:
    """Everything that can be checked before a run starts."""
    scenarios = available_scenarios()
    if not exp.scenarios:
        raise ConfigError("scenarios: at least one scenario is needed")
    for s in exp.scenarios:
        if s not in scenarios:
            raise ConfigError(f"scenarios: unknown scenario '{s}'; allowed: {', '.join(scenarios)}")
    if exp.baseline not in exp.scenarios:
        raise ConfigError(f"baseline: '{exp.baseline}' is not among the scenarios ({', '.join(exp.scenarios)})")
    if exp.replications < 1:
        raise ConfigError(f"replications: must be at least 1, got {exp.replications}")
    if exp.days < 1:
        raise ConfigError(f"days: must be at least 1, got {exp.days}")
    if exp.n_jobs == 0 or exp.n_jobs < -1:
        raise ConfigError(f"n_jobs: must be a positive number of workers or -1 (all cores), got {exp.n_jobs}")
    if exp.seed < 0:
        raise ConfigError(f"seed: must be >= 0, got {exp.seed}")
    for key in exp.outcomes:
        if key not in SUMMARY_KEYS and not key.startswith("flow_share."):
            allowed = ", ".join([*SUMMARY_KEYS, "flow_share.<node>"])
            raise ConfigError(f"outcomes: unknown outcome '{key}'; allowed: {allowed}")
    kind = exp.design.kind
    if kind != DesignKind.none:
        if not exp.design.levers:
            raise ConfigError(f"design.levers: a {kind} design needs at least one lever")
        if kind != DesignKind.grid and exp.design.samples < 1:
            raise ConfigError(f"design.samples: a {kind} design needs samples >= 1")
    if exp.uncertainties.samples < 0:
        raise ConfigError("uncertainties.samples: must be >= 0")
    if exp.uncertainties.samples > 0 and not exp.uncertainties.ranges:
        raise ConfigError("uncertainties.ranges: sampled worlds need at least one range")
    # Every value a run could see must compose: this names bad keys and out-of-range values.
    base = [f"days={exp.days}", *exp.overrides]
    for s in exp.scenarios:
        compose([f"scenario={s}", *base])
    for what, table in (("design.levers", exp.design.levers), ("uncertainties.ranges", exp.uncertainties.ranges)):
        for key, value in table.items():
            if what == "design.levers" and kind == DesignKind.grid:
                values = list(value) if OmegaConf.is_list(value) else [value]
            else:
                values = [_typed(key, x) for x in _range(key, value, what)]
            for v in values:
                try:
                    compose([f"scenario={exp.baseline}", *base, _override(key, v)])
                except ConfigError as exc:
                    raise ConfigError(f"{what}.{key}: {exc}") from None
    if exp.backend == Backend.dask:
        _check_scheduler(exp.scheduler)


def _check_scheduler(address: str | None) -> None:
    if not address:
        raise ConfigError("scheduler: backend=dask needs scheduler=tcp://HOST:PORT")
    try:
        from distributed import Client
    except ImportError:
        raise ConfigError("backend: dask needs the 'distributed' package (pip install 'dask[distributed]')") from None
    try:
        Client(address, timeout=5).close()
    except Exception as exc:
        raise ConfigError(f"scheduler: cannot reach dask scheduler at {address} ({type(exc).__name__})") from None


#: Keys that change the report or how many runs there are, but no run's result: a run's seed depends on
#: its replicate only, so raising `replications` reuses the finished runs and adds the new ones.
REPORT_KEYS = ("description", "outcomes", "baseline", "replications")


def definition_key(exp: DictConfig) -> str:
    """Hash of what determines each run's result; the results folder is named by it."""
    plain = plain_definition(exp)
    for k in REPORT_KEYS:
        plain.pop(k, None)
    return hashlib.sha256(json.dumps(plain, sort_keys=True).encode()).hexdigest()[:12]


def plain_definition(exp: DictConfig) -> dict[str, Any]:
    plain = OmegaConf.to_container(exp, resolve=True, enum_to_str=True)
    assert isinstance(plain, dict)
    return {k: v for k, v in plain.items() if k not in EXECUTION_KEYS}


# ------------------------------------------------------------------------------------------------ design


def _override(key: str, value: Any) -> str:
    if isinstance(value, bool):
        return f"{key}={'true' if value else 'false'}"
    if isinstance(value, float | np.floating):
        return f"{key}={float(value)!r}"
    return f"{key}={value}"


def _typed(key: str, value: float) -> Any:
    """A sampled number in the type its config key needs (bools by threshold, ints rounded)."""
    kind = type(OmegaConf.select(_SCHEMA, key))
    if kind is bool:
        return bool(value >= 0.5)
    if kind is int:
        return round(value)
    return round(float(value), 6)


_SCHEMA = schema()


def _rng(seed: int, stream: int) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(stream,)))


def design_points(exp: DictConfig) -> list[dict[str, Any]]:
    """The design's points as {key: value}; one empty point when there is no sweep."""
    d = exp.design
    kind = d.kind
    if kind == DesignKind.none:
        return [{}]
    keys = list(d.levers.keys())
    if kind == DesignKind.grid:
        values = [list(d.levers[k]) if OmegaConf.is_list(d.levers[k]) else [d.levers[k]] for k in keys]
        return [dict(zip(keys, combo, strict=True)) for combo in itertools.product(*values)]
    problem = {"num_vars": len(keys), "names": keys, "bounds": [list(_range(k, d.levers[k], "design.levers"))
                                                               for k in keys]}
    seed = int(np.random.SeedSequence(exp.seed, spawn_key=(1,)).generate_state(1)[0])
    if kind == DesignKind.lhs:
        from SALib.sample import latin

        matrix = latin.sample(problem, d.samples, seed=seed)
    elif kind == DesignKind.morris:
        from SALib.sample import morris

        matrix = morris.sample(problem, d.samples, num_levels=d.num_levels, seed=seed)
    else:
        from SALib.sample import sobol

        matrix = sobol.sample(problem, d.samples, calc_second_order=False, seed=seed)
    return [{k: _typed(k, float(v)) for k, v in zip(keys, row, strict=True)} for row in matrix]


def worlds(exp: DictConfig) -> list[dict[str, Any]]:
    """Sampled uncertainty worlds (Latin hypercube, seeded from the experiment seed)."""
    u = exp.uncertainties
    if u.samples <= 0:
        return [{}]
    keys = list(u.ranges.keys())
    rng = _rng(exp.seed, 2)
    n = u.samples
    cols = {}
    for k in keys:
        low, high = _range(k, u.ranges[k], "uncertainties.ranges")
        strata = (rng.permutation(n) + rng.random(n)) / n
        cols[k] = [_typed(k, low + (high - low) * s) for s in strata]
    return [{k: cols[k][i] for k in keys} for i in range(n)]


def replicate_seed(exp_seed: int, replicate: int) -> int:
    """The seed of replicate r, the same in every scenario, design point and world."""
    return int(np.random.SeedSequence(exp_seed, spawn_key=(0, replicate)).generate_state(1)[0])


def run_specs(exp: DictConfig) -> list[RunSpec]:
    points, sampled = design_points(exp), worlds(exp)
    swept, uncertain = exp.design.kind != DesignKind.none, exp.uncertainties.samples > 0
    specs = []
    for scenario in exp.scenarios:
        for p, point in enumerate(points):
            for w, world in enumerate(sampled):
                for r in range(exp.replications):
                    settings = {**world, **point}
                    run_id = (scenario + (f"-p{p:04d}" if swept else "") + (f"-w{w:03d}" if uncertain else "")
                              + f"-r{r:03d}")
                    overrides = (f"scenario={scenario}", f"days={exp.days}", *exp.overrides,
                                 *(_override(k, v) for k, v in settings.items()))
                    specs.append(RunSpec(run_id, scenario, r, replicate_seed(exp.seed, r), w if uncertain else -1,
                                         p if swept else -1, overrides, tuple(settings.items())))
    return specs


# ------------------------------------------------------------------------------------------------ running


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


def store_run(runs_dir: Path, spec: RunSpec, outcome: dict[str, Any]) -> None:
    """The time series first, then the record: a record on disk means the run is complete."""
    if outcome["status"] == "ok":
        write_atomic(runs_dir / f"{spec.run_id}.parquet", lambda p: outcome["timeseries"].to_parquet(p, index=False))
        if outcome.get("result") is not None:
            outcome["result"].save(runs_dir / spec.run_id)  # a replayable run folder
    record = {"run_id": spec.run_id, "scenario": spec.scenario, "replicate": spec.replicate, "seed": spec.seed,
              "world": spec.world, "sample": spec.sample, "settings": dict(spec.settings),
              "overrides": list(spec.overrides), "status": outcome["status"], "error": outcome["error"],
              "seconds": round(outcome["seconds"], 3), "config": outcome.get("config", {}),
              "summary": outcome["summary"]}
    if "traceback" in outcome:
        record["traceback"] = outcome["traceback"]
    write_atomic(runs_dir / f"{spec.run_id}.json", lambda p: p.write_text(json.dumps(record, indent=1)))


def finished(runs_dir: Path, need_replay: bool = False) -> set[str]:
    """Runs already complete on disk (with `need_replay`, only those that also have their replay folder)."""
    done = set()
    for path in runs_dir.glob("*.json"):
        try:
            entry = json.loads(path.read_text())
        except (json.JSONDecodeError, OSError):
            continue
        run_id = entry.get("run_id", "")
        if entry.get("status") != "ok" or not (runs_dir / f"{run_id}.parquet").is_file():
            continue
        if need_replay and not (runs_dir / run_id / "manifest.json").is_file():
            continue
        done.add(run_id)
    return done


def _outcomes_iter(exp: DictConfig, todo: list[RunSpec]) -> Iterator[tuple[RunSpec, dict[str, Any]]]:
    record = bool(exp.record)
    if exp.n_jobs == 1 and exp.backend == Backend.loky:
        for spec in todo:
            yield spec, execute(spec, record)
        return
    import warnings

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
    path: Path
    total: int
    ok: int
    failed: list[dict[str, Any]]
    ran: int


def run_experiment(exp: DictConfig, progress: bool | None = None) -> ExperimentOutcome:
    """Run (or resume) an experiment, then gather results and write the report."""
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
    for spec, outcome in _outcomes_iter(exp, todo):
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
        from sim.experiment.report import build_report

        build_report(out)
    return ExperimentOutcome(out, len(specs), len(specs) - len(failed), failed, len(todo))


def gather(exp: DictConfig | None, out: Path, specs: list[RunSpec] | None, timings: dict[str, float],
           manifest_extra: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """Write runs.parquet, timeseries.parquet and manifest.json from the stored run records."""
    runs_dir = out / "runs"
    order = [s.run_id for s in specs] if specs is not None else sorted(p.stem for p in runs_dir.glob("*.json"))
    rows, series, failed = [], [], []
    for run_id in order:
        path = runs_dir / f"{run_id}.json"
        if not path.is_file():
            continue
        record = json.loads(path.read_text())
        row = {k: record[k] for k in RUN_COLUMNS}
        # Every lever and parameter the run used, flattened (the swept ones are among them).
        row.update({k: _cell(v) for k, v in {**record.get("config", {}), **record["settings"]}.items()})
        row.update(record["summary"])
        rows.append(row)
        if record["status"] != "ok":
            failed.append(record)
            continue
        ts = pd.read_parquet(runs_dir / f"{run_id}.parquet")
        ts.insert(0, "run_id", run_id)
        series.append(ts)
    runs = pd.DataFrame(rows)
    for key in SUMMARY_KEYS:
        if key in runs:
            runs[key] = pd.to_numeric(runs[key], errors="coerce").astype("float64")
    write_atomic(out / "runs.parquet", lambda p: runs.to_parquet(p, index=False))
    timeseries = pd.concat(series, ignore_index=True) if series else pd.DataFrame({"run_id": [], "day": []})
    write_atomic(out / "timeseries.parquet", lambda p: timeseries.to_parquet(p, index=False))
    manifest = {
        "experiment": exp.name if exp is not None else out.name,
        "key": out.name,
        "definition": plain_definition(exp) if exp is not None else {},
        "versions": package_versions(),
        "git_commit": git_commit(),
        "timings_seconds": {k: round(v, 3) for k, v in timings.items()},
        "runs": {"total": len(order), "ok": len(rows) - len(failed), "failed": len(failed)},
        **(manifest_extra or {}),
    }
    write_atomic(out / "manifest.json", lambda p: p.write_text(json.dumps(manifest, indent=2) + "\n"))
    return failed


def _cell(value: Any) -> Any:
    return json.dumps(value) if isinstance(value, list | dict) else value


# ------------------------------------------------------------------------------------------------ collect


def collect(path: str | Path) -> Path:
    """Gather the run folders of a `python -m sim.run -m` sweep into the experiment results form."""
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


# ------------------------------------------------------------------------------------------------ command line


def _fail(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return 2


def main(argv: list[str] | None = None) -> int:
    restore_ctrl_c()
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] in (["collect"], ["report"]):
        if len(args) != 2:
            return _fail(f"usage: python -m sim.experiment {args[0]} PATH")
        try:
            if args[0] == "collect":
                out = collect(args[1])
                print(f"collected {len(pd.read_parquet(out / 'runs.parquet'))} runs into {out / 'runs.parquet'}")
            from sim.experiment.report import build_report, headline_table

            if not (Path(args[1]) / "runs.parquet").is_file():
                return _fail(f"report: no runs.parquet in '{args[1]}'")
            report = build_report(args[1])
            print(headline_table(args[1]))
            print(f"report: {report} (and {report.with_suffix('.html')})")
        except ConfigError as exc:
            return _fail(str(exc))
        except (OSError, ValueError) as exc:  # unreadable or damaged files in the folder
            return _fail(f"{args[0]}: {args[1]}: {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}")
        return 0
    names = [a.split("=", 1)[1] for a in args if a.startswith("experiment=")]
    rest = [a for a in args if not a.startswith("experiment=")]
    name = names[-1] if names else "policy_comparison"
    try:
        exp = load_definition(name, rest)
        check_writable(Path(exp.results_dir), "results_dir")
    except ConfigError as exc:
        return _fail(str(exc))
    try:
        outcome = run_experiment(exp)
    except KeyboardInterrupt:
        print("interrupted: finished runs are kept; run the same command again to resume", file=sys.stderr)
        return 130
    from sim.experiment.report import headline_table

    print(headline_table(outcome.path))
    if exp.design.kind != DesignKind.none:
        section = "Morris screening" if exp.design.kind == DesignKind.morris else "outcomes against swept levers"
        print(f"{exp.design.kind} design over {', '.join(exp.design.levers)}: see the report's {section}")
    print(f"{outcome.ok}/{outcome.total} runs ok ({outcome.ran} run now, {outcome.total - outcome.ran} resumed)")
    print(f"results: {outcome.path}")
    print(f"report:  {outcome.path / 'report.md'} (and report.html)")
    if outcome.failed:
        for record in outcome.failed[:10]:
            print(f"  failed: {record['run_id']} (seed {record['seed']}): {record['error']}", file=sys.stderr)
        print(f"{len(outcome.failed)} run(s) failed; re-run the same command to retry them", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
