"""What an experiment is: its schema, loading `experiments/<name>.yaml`, validation, and its results key.

Everything that can be refused is refused here, before any run starts, so that bad input costs one line
and nothing on disk: unknown keys (named against the experiment's own keys), run overrides that would
contradict what the experiment sets for each run, names that would leave `results_dir`, and sizes beyond
the bounds below or beyond what the machine's memory or a year of its time could hold.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from omegaconf import DictConfig, OmegaConf

from sim import outcomes
from sim.config import CONFIG_DIR, SimConfig, compose, explain_hydra_error
from sim.config.compose import hydra_compose
from sim.errors import ConfigError
from sim.experiment.overrides import override, typed, value_range

#: Where named experiments live; `SIM_EXPERIMENTS_DIR` (or tests) point it elsewhere.
EXPERIMENTS_DIR = Path(os.environ.get("SIM_EXPERIMENTS_DIR", CONFIG_DIR.parent / "experiments"))

#: Upper bounds of an experiment's size: beyond them a definition is a typo, or it would exhaust the
#: machine before the first run starts (the run list alone is about a kilobyte a run).
MAX_REPLICATIONS = 100_000
MAX_DESIGN_SAMPLES = 100_000
MAX_WORLDS = 10_000
MAX_LEVELS = 100
MAX_RUNS = 1_000_000
#: Rough cost of one run, to refuse what would not fit: memory while the results are gathered (its row of
#: runs.parquet as Python objects, its daily rows twice while concatenated) and time (per simulated day on
#: one core of this project's machine; a larger corridor takes longer, so this is a lower bound).
BYTES_PER_RUN, BYTES_PER_RUN_DAY = 60_000, 700
SECONDS_PER_SIMULATED_DAY = 0.001
#: Share of the machine's memory the gathered results may take, and the longest wall time accepted.
MEMORY_SHARE, MAX_WALL_SECONDS = 0.75, 365 * 86_400
#: An experiment's name becomes a folder under `results_dir`: one plain path component.
NAME_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,99}")
#: Run keys the experiment sets itself for every run, with what to write instead: an override of one would
#: run something other than what the run is labelled as (`scenario=crackdown` in runs labelled baseline).
SET_PER_RUN = {
    "scenario": "list the scenarios in scenarios=[...]",
    "scenario_name": "list the scenarios in scenarios=[...]",
    "seed": "set the experiment's seed=N (each replicate gets its own run seed from it)",
    "days": "set the experiment's days=N",
    "output_dir": "runs are stored under results_dir",
    "record": "set the experiment's record=true",
    "progress": "the experiment shows its own progress",
    "hydra": "runs are composed without Hydra's job settings",
}


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
    """The schema of `experiments/<name>.yaml` (Hydra checks names and types against it)."""

    name: str = "experiment"
    description: str = ""
    scenarios: list[str] = field(default_factory=lambda: ["baseline"])
    baseline: str = "baseline"
    replications: int = 10
    days: int = 365
    seed: int = 0
    outcomes: list[str] = field(default_factory=lambda: list(outcomes.DEFAULT_OUTCOMES))
    overrides: list[str] = field(default_factory=list)
    design: DesignConfig = field(default_factory=DesignConfig)
    uncertainties: UncertaintyConfig = field(default_factory=UncertaintyConfig)
    n_jobs: int = 1
    backend: Backend = Backend.loky
    scheduler: str | None = None
    results_dir: str = "results"
    report: bool = True
    record: bool = False


#: The experiment's sections, and the one mapping of each that takes any config key.
_SECTIONS: dict[str, type] = {"design": DesignConfig, "uncertainties": UncertaintyConfig}
_FREE = {"design": "levers", "uncertainties": "ranges"}

#: Keys that change how an experiment runs, not what it computes: left out of the results key.
EXECUTION_KEYS = ("n_jobs", "backend", "scheduler", "results_dir", "report", "record")
#: Keys that change the report or how many runs there are, but no run's result: a run's seed depends on
#: its replicate only, so raising `replications` reuses the finished runs and adds the new ones.
REPORT_KEYS = ("description", "outcomes", "baseline", "replications")


def register() -> None:
    """Make `experiment_schema` available to the `defaults:` list of experiment files."""
    from hydra.core.config_store import ConfigStore

    ConfigStore.instance().store(name="experiment_schema", node=ExperimentConfig)


def available_experiments(folder: Path | None = None) -> list[str]:
    """The experiment names in `folder` (default `EXPERIMENTS_DIR`), to say what is allowed."""
    return sorted(p.stem for p in (folder or EXPERIMENTS_DIR).glob("*.yaml"))


def available_scenarios() -> list[str]:
    """The named policy packages of `configs/scenario/`, to say what is allowed."""
    return sorted(p.stem for p in (CONFIG_DIR / "scenario").glob("*.yaml"))


def load_definition(name: str, overrides: Sequence[str] = (), folder: Path | None = None) -> DictConfig:
    """Compose `<folder>/<name>.yaml` (default `EXPERIMENTS_DIR`) with overrides and validate it;
    ConfigError on bad input."""
    folder = folder or EXPERIMENTS_DIR
    known = available_experiments(folder)
    if name not in known:
        raise ConfigError(f"experiment: unknown experiment '{name}'; allowed: {', '.join(known)}")
    check_override_keys(overrides)
    register()
    try:
        raw = hydra_compose(folder, name, list(overrides))
    except ConfigError:
        _diagnose_file(folder / f"{name}.yaml")  # a fault of the file itself, named against the experiment's keys
        raise
    except Exception as exc:  # explaining Hydra's error failed: still one line, naming what was composed
        text = str(exc).strip().splitlines()
        given = " ".join(overrides) or "no overrides"
        given = given if len(given) <= 200 else given[:197] + "..."
        raise ConfigError(f"experiment: cannot compose '{name}' with {given} "
                          f"({type(exc).__name__}: {text[0][:200] if text else ''})") from None
    if "overrides" in raw and OmegaConf.is_list(raw.overrides):
        for item in raw.overrides:
            if not isinstance(item, str | int | float | bool):
                raise ConfigError(f"overrides: each entry must be one 'key=value' text, got {item}")
    try:
        exp = OmegaConf.merge(OmegaConf.structured(ExperimentConfig), raw)
    except Exception as exc:
        raise ConfigError(explain_hydra_error(exc, root=ExperimentConfig)) from None
    validate_definition(exp)
    return exp


def _keys_of(schema: type) -> list[str]:
    return [f.name for f in dataclasses.fields(schema)]


def check_override_keys(overrides: Sequence[str]) -> None:
    """Every override names a key of the experiment (not of a single run), so that a typo or a run key is
    refused with the experiment's keys; Hydra would otherwise add `+anything=1` unchecked."""
    for item in overrides:
        head = str(item).partition("=")[0].strip()
        key = head.lstrip("~+").partition("@")[0]
        parts = key.split(".")
        top = parts[0]
        if top not in _keys_of(ExperimentConfig):
            hint = " (a run's key goes in overrides=[...])" if top in _keys_of(SimConfig) else ""
            raise ConfigError(f"{key}: unknown key of the experiment; allowed: "
                              f"{', '.join(_keys_of(ExperimentConfig))}{hint}")
        section = _SECTIONS.get(top)
        if section is not None and len(parts) > 1 and parts[1] not in _keys_of(section):
            raise ConfigError(f"{top}.{parts[1]}: unknown key; allowed: {', '.join(_keys_of(section))}")
        free = section is not None and len(parts) > 2 and parts[1] == _FREE[top]
        if head.startswith("~") and not free:
            raise ConfigError(f"~{key}: an experiment's keys cannot be deleted; set {key}=VALUE instead")


def _diagnose_file(path: Path) -> None:
    """Name what is wrong in an experiment file that Hydra could not compose (its own messages name
    neither the key nor the experiment's keys)."""
    import yaml

    try:
        if path.stat().st_size > 1024 * 1024:
            raise ConfigError(f"{path}: larger than 1 MiB; an experiment file is a short YAML mapping")
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except ConfigError:
        raise
    except (OSError, UnicodeDecodeError, yaml.YAMLError, RecursionError) as exc:
        raise ConfigError(f"{path}: cannot be read as YAML ({type(exc).__name__})") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping of experiment keys, got {type(data).__name__}")
    defaults = data.get("defaults")
    if not isinstance(defaults, list) or "experiment_schema" not in defaults:
        raise ConfigError(f"{path}: its defaults list must name experiment_schema (defaults: [experiment_schema, "
                          "_self_]) so that its keys are checked")
    for key, value in data.items():
        if key == "defaults":
            continue
        if key not in _keys_of(ExperimentConfig):
            raise ConfigError(f"{path}: {key}: unknown key; allowed: {', '.join(_keys_of(ExperimentConfig))}")
        section = _SECTIONS.get(key)
        if section is not None and isinstance(value, dict):
            for sub in value:
                if sub not in _keys_of(section):
                    raise ConfigError(f"{path}: {key}.{sub}: unknown key; allowed: {', '.join(_keys_of(section))}")


def run_key(item: str) -> str:
    """The config key (or group) a run override sets: `+policy.x=1` -> `policy.x`, `scenario@p=x` -> `scenario`."""
    return str(item).partition("=")[0].strip().lstrip("~+").partition("@")[0]


def design_size(exp: DictConfig) -> int:
    """How many design points the design makes (without sampling them)."""
    d = exp.design
    k = len(d.levers)
    if d.kind == DesignKind.none:
        return 1
    if d.kind == DesignKind.grid:
        return math.prod(len(v) if OmegaConf.is_list(v) else 1 for v in d.levers.values())
    per = {DesignKind.lhs: 1, DesignKind.morris: k + 1, DesignKind.sobol: k + 2}[d.kind]
    return int(d.samples) * per


def run_count(exp: DictConfig) -> int:
    """scenarios x design points x worlds x replications, computed, not listed."""
    return len(exp.scenarios) * design_size(exp) * max(int(exp.uncertainties.samples), 1) * int(exp.replications)


def _bounded(key: str, value: int, low: int, high: int) -> None:
    if not low <= value <= high:
        raise ConfigError(f"{key}: {value} is out of range; allowed: {low} to {high:,}")


def machine_memory() -> int | None:
    """Physical memory in bytes, or None where the system does not say."""
    try:
        return os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


def check_sizes(exp: DictConfig, warmup_days: int = 0) -> None:
    """Refuse sizes beyond the bounds, or whose estimate would not fit in memory or in a year of this
    machine's time, before a run list is built (building it is what exhausted memory)."""
    _bounded("replications", int(exp.replications), 1, MAX_REPLICATIONS)
    if exp.design.kind not in (DesignKind.none, DesignKind.grid):
        _bounded("design.samples", int(exp.design.samples), 1, MAX_DESIGN_SAMPLES)
    _bounded("design.num_levels", int(exp.design.num_levels), 2, MAX_LEVELS)
    if exp.design.num_levels % 2:
        raise ConfigError(f"design.num_levels: {exp.design.num_levels} is odd; Morris needs an even number of "
                          "levels (2, 4, 6, ...)")
    _bounded("uncertainties.samples", int(exp.uncertainties.samples), 0, MAX_WORLDS)
    if exp.design.kind == DesignKind.grid:
        for key, value in exp.design.levers.items():
            if OmegaConf.is_list(value) and len(value) == 0:
                raise ConfigError(f"design.levers.{key}: a grid needs at least one value")
    runs = run_count(exp)
    shape = (f"{len(exp.scenarios)} scenarios x {design_size(exp):,} design points x "
             f"{max(int(exp.uncertainties.samples), 1):,} worlds x {int(exp.replications):,} replications "
             f"= {runs:,} runs")
    if runs > MAX_RUNS:
        raise ConfigError(f"replications: {shape}; at most {MAX_RUNS:,} are allowed (lower replications, "
                          "design.samples or uncertainties.samples, or split the experiment)")
    memory = machine_memory()
    need = runs * (BYTES_PER_RUN + int(exp.days) * BYTES_PER_RUN_DAY)
    if memory and need > MEMORY_SHARE * memory:
        raise ConfigError(f"replications: {shape} of {exp.days} days would need about {need / 1e9:,.0f} GB of "
                          f"memory to gather their results, and this machine has {memory / 1e9:,.0f} GB; lower "
                          "replications, samples or days, or split the experiment")
    cores = os.cpu_count() or 1
    seconds = runs * (int(exp.days) + warmup_days) * SECONDS_PER_SIMULATED_DAY / cores
    if seconds > MAX_WALL_SECONDS:
        raise ConfigError(f"replications: {shape} of {exp.days} days (+{warmup_days} warm-up) would take at least "
                          f"{seconds / MAX_WALL_SECONDS:,.1f} years on this machine's {cores} cores; lower "
                          "replications, samples or days, or split the experiment")


def validate_definition(exp: DictConfig) -> None:
    """Everything that can be checked before a run starts."""
    if not NAME_PATTERN.fullmatch(str(exp.name)) or ".." in str(exp.name):
        raise ConfigError(f"name: '{exp.name}' is not allowed; it names a folder under results_dir: letters, digits, "
                          "'_', '-' and '.', at most 100, no path separators or '..'")
    if not str(exp.results_dir).strip():
        raise ConfigError("results_dir: must not be empty")
    scenarios = available_scenarios()
    if not exp.scenarios:
        raise ConfigError("scenarios: at least one scenario is needed")
    for s in exp.scenarios:
        if s not in scenarios:
            raise ConfigError(f"scenarios: unknown scenario '{s}'; allowed: {', '.join(scenarios)}")
    if len(set(exp.scenarios)) != len(exp.scenarios):
        raise ConfigError(f"scenarios: a scenario is listed twice ({', '.join(exp.scenarios)})")
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
        if not outcomes.is_outcome(key):
            allowed = ", ".join([*outcomes.SUMMARY_KEYS, f"{outcomes.FLOW_SHARE_PREFIX}<node>"])
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
    for item in exp.overrides:
        key = run_key(item)
        top = re.split(r"[./]", key)[0]
        if top in SET_PER_RUN:
            raise ConfigError(f"overrides: '{item}' sets {key}, which the experiment sets for each run; "
                              f"{SET_PER_RUN[top]}")
    for what, table in (("design.levers", exp.design.levers), ("uncertainties.ranges", exp.uncertainties.ranges)):
        for key in table:
            if str(key).split(".")[0] in SET_PER_RUN:
                raise ConfigError(f"{what}.{key}: the experiment sets {key} for each run; "
                                  f"{SET_PER_RUN[str(key).split('.')[0]]}")
    check_sizes(exp)
    # Every value a run could see must compose: this names bad keys and out-of-range values.
    base = [f"days={exp.days}", *exp.overrides]
    warmup = 0
    for s in exp.scenarios:
        warmup = max(warmup, int(compose([f"scenario={s}", *base]).warmup_days))
    check_sizes(exp, warmup)
    for what, table in (("design.levers", exp.design.levers), ("uncertainties.ranges", exp.uncertainties.ranges)):
        for key, value in table.items():
            if what == "design.levers" and kind == DesignKind.grid:
                values = list(value) if OmegaConf.is_list(value) else [value]
            else:
                values = [typed(key, x) for x in value_range(key, value, what)]
            for v in values:
                try:
                    compose([f"scenario={exp.baseline}", *base, override(key, v)])
                except ConfigError as exc:
                    raise ConfigError(f"{what}.{key}: {exc}") from None
    if exp.backend == Backend.dask:
        check_scheduler(exp.scheduler)


def check_scheduler(address: str | None) -> None:
    """A dask scheduler must answer now, not after the first runs were handed out."""
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


def plain_definition(exp: DictConfig) -> dict[str, Any]:
    """The resolved definition as plain data, without the keys that only say how it runs."""
    plain = OmegaConf.to_container(exp, resolve=True, enum_to_str=True)
    assert isinstance(plain, dict)
    return {k: v for k, v in plain.items() if k not in EXECUTION_KEYS}


def definition_key(exp: DictConfig) -> str:
    """Hash of what determines each run's result; the results folder is named by it."""
    plain = plain_definition(exp)
    for k in REPORT_KEYS:
        plain.pop(k, None)
    return hashlib.sha256(json.dumps(plain, sort_keys=True).encode()).hexdigest()[:12]
