"""What an experiment is: its schema, loading `experiments/<name>.yaml`, validation, and its results key.

Everything that can be refused is refused here, before any run starts, so that bad input costs one line
and nothing on disk.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from omegaconf import DictConfig, OmegaConf

from sim import outcomes
from sim.config import CONFIG_DIR, compose, explain_hydra_error
from sim.config.compose import hydra_compose
from sim.errors import ConfigError
from sim.experiment.overrides import override, typed, value_range

#: Where named experiments live; `SIM_EXPERIMENTS_DIR` (or tests) point it elsewhere.
EXPERIMENTS_DIR = Path(os.environ.get("SIM_EXPERIMENTS_DIR", CONFIG_DIR.parent / "experiments"))


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
    register()
    raw = hydra_compose(folder, name, list(overrides))
    try:
        exp = OmegaConf.merge(OmegaConf.structured(ExperimentConfig), raw)
    except Exception as exc:
        raise ConfigError(explain_hydra_error(exc)) from None
    validate_definition(exp)
    return exp


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
    # Every value a run could see must compose: this names bad keys and out-of-range values.
    base = [f"days={exp.days}", *exp.overrides]
    for s in exp.scenarios:
        compose([f"scenario={s}", *base])
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
