"""Running the catalogue: every arm of every pattern on every corridor, as an experiment of
`sim.experiment` (its runner, resume, results store, parallel jobs and progress bar), then the checks.

Each arm is one experiment (the `baseline` scenario with the corridor's and the arm's overrides) under
`<out>/arms/<model>/<corridor>/<key>/`, keyed like any experiment by its definition: re-running skips
finished runs, and two patterns that need the same arm share its runs. `<model>` fingerprints the model's
source and configs, so runs of a changed model are never mixed with runs of the old one. Every arm uses the
same experiment seed, so replicate r has the same seed in every arm and the arms of a pattern are compared
in pairs.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd
from omegaconf import DictConfig, OmegaConf

from sim.errors import ConfigError
from sim.experiment.definition import ExperimentConfig, definition_key, validate_definition
from sim.experiment.runner import run_experiment
from sim.experiment.store import finished, model_fingerprint
from sim.intervals import Estimate, mean_ci
from sim.validate.catalogue import Arm, ArmData, Corridor, MissingOutcomeError, Pattern, evaluate, fill, pick_focus
from sim.validate.outcome import ArmRun, PatternResult, Settings, ValidationOutcome, has_key
from sim.validate.stats import Status, combine


def arm_definition(settings: Settings, pattern: Pattern, where: Corridor, overrides: Sequence[str]) -> DictConfig:
    """The experiment of one arm: the baseline scenario with the corridor's and the arm's overrides."""
    plain = {"name": where.label, "description": f"validation arm ({pattern.name})", "scenarios": ["baseline"],
             "baseline": "baseline", "replications": settings.n_for(pattern), "days": settings.days(pattern),
             "seed": settings.seed, "overrides": [*where.overrides, *settings.extra, *overrides],
             "n_jobs": settings.jobs, "results_dir": str(settings.out / "arms" / model_fingerprint()),
             "report": False}
    return OmegaConf.merge(OmegaConf.structured(ExperimentConfig), plain)


#: Corridor label, days, replications, overrides.
ArmKey = tuple[str, int, int, tuple[str, ...]]


def arm_key(settings: Settings, pattern: Pattern, where: Corridor, overrides: tuple[str, ...]) -> ArmKey:
    """What makes two patterns' arms the same experiment: map, days, replications and overrides. (A pattern that
    needs more replications of an arm another pattern also runs gets its own: its pairs need them all.)"""
    return (where.label, settings.days(pattern), settings.n_for(pattern), overrides)


def context_of(settings: Settings, pattern: Pattern) -> dict[str, Any]:
    days = settings.days(pattern)
    return {"days": days, "shock_end": max(1, days // 4)}


def check_settings(settings: Settings) -> None:
    """Refuse bad input before any run: every arm that does not wait for a pilot must compose."""
    if settings.n < 2:
        raise ConfigError(f"replications: at least 2 are needed for an interval, got {settings.n}")
    if settings.jobs == 0 or settings.jobs < -1:
        raise ConfigError(f"jobs: must be a positive number of workers or -1 (all cores), got {settings.jobs}")
    seen = set()
    for where in settings.chosen_corridors():
        for pattern in settings.chosen_patterns():
            context = context_of(settings, pattern)
            for arm in pattern.arms:
                if pattern.needs_focus(arm):
                    continue  # composed once its pilot has picked the focus
                overrides = tuple(fill(o, context) for o in arm.overrides)
                key = arm_key(settings, pattern, where, overrides)
                if key not in seen:
                    seen.add(key)
                    try:
                        validate_definition(arm_definition(settings, pattern, where, overrides))
                    except ConfigError as exc:  # say which map and arm, on the same one line
                        raise ConfigError(f"corridor {where.label}, {pattern.name} arm '{arm.key}': {exc}") from None


class _Arms:
    """Runs arms (each an experiment) once per command: an arm two patterns share runs once."""

    def __init__(self, settings: Settings, verbose: bool, progress: bool | None) -> None:
        self.settings, self.verbose, self.progress = settings, verbose, progress
        self.done: dict[ArmKey, tuple[ArmRun, ArmData]] = {}
        self.total = self.ran = 0

    def run(self, pattern: Pattern, where: Corridor, arm: Arm, context: dict[str, Any]) -> tuple[ArmRun, ArmData]:
        overrides = tuple(fill(o, context) for o in arm.overrides)
        key = arm_key(self.settings, pattern, where, overrides)
        if key in self.done:
            run, data = self.done[key]
            return ArmRun(arm.key, overrides, run.path, run.total, run.ok, 0, run.errors), data
        exp = arm_definition(self.settings, pattern, where, overrides)
        if pattern.needs_focus(arm):  # the others were checked before any run (`check_settings`)
            validate_definition(exp)
        if self.verbose:
            out = Path(exp.results_dir) / exp.name / definition_key(exp)
            todo = exp.replications - len(finished(out / "runs")) if (out / "runs").is_dir() else exp.replications
            shown = " ".join(overrides) or "no overrides"
            print(f"{pattern.name} · {where.label} · {arm.key} ({shown}): {max(todo, 0)} of {exp.replications} "
                  "runs to do", file=sys.stderr)
        outcome = run_experiment(exp, progress=self.progress)
        errors = [f"seed {r['seed']}: {r['error']}" for r in outcome.failed]
        run = ArmRun(arm.key, overrides, outcome.path, outcome.total, outcome.ok, outcome.ran, errors)
        data = load_arm(outcome.path)
        self.done[key] = (run, data)
        self.total += outcome.total
        self.ran += outcome.ran
        return run, data


def load_arm(path: Path) -> ArmData:
    """The successful runs of an arm's results folder, indexed by replicate, with their daily series."""
    runs = pd.read_parquet(path / "runs.parquet")
    ok = runs[runs["status"] == "ok"].set_index("replicate", drop=False).sort_index()
    ts = None
    if (path / "timeseries.parquet").is_file():
        ts = pd.read_parquet(path / "timeseries.parquet")
        if "run_id" in ts and not ts.empty:
            ts = ts.merge(ok[["run_id"]].reset_index(), on="run_id")
        else:
            ts = None
    return ArmData(ok, ts)


def node_kinds(where: Corridor) -> dict[str, str]:
    """Each place's kind on a corridor, from one day of a run's replay frames (the map a run carries)."""
    from sim.api import run_scenario

    result = run_scenario([*where.overrides, "days=1", *(("warmup_days=0",) if has_key("warmup_days") else ())], seed=0)
    return {str(n["id"]): str(n["kind"]) for n in (result.frames or {}).get("nodes", [])}


def run_pattern(arms: _Arms, pattern: Pattern, where: Corridor) -> PatternResult:
    """Run one pattern's arms on one corridor (pilot first where a focus is needed) and evaluate its checks."""
    started = time.perf_counter()
    context = context_of(arms.settings, pattern)
    runs: dict[str, ArmRun] = {}
    data: dict[str, ArmData] = {}
    for arm in sorted(pattern.arms, key=pattern.needs_focus):  # the pilot (no focus) before the focused arms
        if pattern.needs_focus(arm) and "focus" not in context:
            if pattern.pilot is None or pattern.pilot not in data:
                raise ValueError(f"pattern {pattern.name}: arm {arm.key} needs a pilot arm")
            if (runs[pattern.pilot].errors or data[pattern.pilot].runs.empty):
                break  # no focus can be picked; the pattern reports the pilot's errors
            focus = pick_focus(data[pattern.pilot], node_kinds(where))
            if focus is None:
                break
            context["focus"] = focus
        runs[arm.key], data[arm.key] = arms.run(pattern, where, arm, context)
    result = PatternResult(pattern.name, where.label, Status.passed, [], context, runs)
    failed = [(k, r) for k, r in runs.items() if r.errors]
    if failed:
        k, r = failed[0]
        result.status = Status.error
        result.note = (f"{sum(len(r.errors) for _, r in failed)} run(s) failed (arm {k}, {r.errors[0]}); "
                       f"re-run to retry")
    elif len(runs) < len(pattern.arms):
        result.status = Status.missing
        result.note = "no flow share reported in the pilot runs: no crossing to focus on"
    else:
        result.checks = [evaluate(c, data, context) for c in pattern.checks]
        result.status = combine([c.status for c in result.checks])
        result.estimates = estimates(pattern, data, context)
        if pattern.series:
            result.series = daily_means(pattern.series, data)
    result.seconds = time.perf_counter() - started
    return result


def estimates(pattern: Pattern, data: dict[str, ArmData], context: dict[str, Any]) -> dict[str, dict[str, Estimate]]:
    """Mean and 95% interval of every quantity the checks use, in every arm they use it in (for figures)."""
    out: dict[str, dict[str, Estimate]] = {}
    for check in pattern.checks:
        for q in check.quantities():
            for arm in [a.key for a in pattern.arms if a.key in check.arms()]:
                try:
                    out.setdefault(q.label, {})[arm] = mean_ci(q.values(data[arm], context))
                except MissingOutcomeError:
                    continue
    return {k: v for k, v in out.items() if v}


def daily_means(metric: str, data: dict[str, ArmData]) -> dict[str, pd.DataFrame]:
    """Per arm, the daily mean and 5-95% band of a daily level over replicates (measured days only)."""
    out = {}
    for arm, d in data.items():
        try:
            frame = d.daily(metric)
        except MissingOutcomeError:
            continue
        g = frame.groupby("day")["value"]
        out[arm] = pd.DataFrame({"mean": g.mean(), "q05": g.quantile(0.05), "q95": g.quantile(0.95)}).reset_index()
    return out


def run_catalogue(settings: Settings, verbose: bool = False, progress: bool | None = None) -> ValidationOutcome:
    """Run (or resume) the chosen patterns on the chosen corridors and evaluate them; ConfigError on bad
    input, before any run. `verbose`: a line per arm on stderr; `progress`: the runner's bar (None: on a
    terminal)."""
    check_settings(settings)
    started = time.perf_counter()
    arms = _Arms(settings, verbose, progress)
    results = [run_pattern(arms, p, c) for p in settings.chosen_patterns() for c in settings.chosen_corridors()]
    return ValidationOutcome(settings, results, arms.total, arms.ran, time.perf_counter() - started,
                             model_fingerprint())
