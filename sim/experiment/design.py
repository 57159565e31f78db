"""Which runs an experiment makes: design points, sampled worlds, replicate seeds, and the run list.

Replicate r gets the same seed in every scenario, design point and world (common random numbers), so
differences from the baseline are paired; every draw comes from the experiment seed through its own
`SeedSequence` stream, so the run list never depends on workers, backend or how many replicates there are.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

import numpy as np
from omegaconf import DictConfig, OmegaConf

from sim.experiment.definition import DesignKind
from sim.experiment.overrides import override, typed, value_range

#: SeedSequence streams under the experiment seed: replicate seeds, design sampling, world sampling.
REPLICATE_STREAM, DESIGN_STREAM, WORLD_STREAM = 0, 1, 2


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
    problem = {"num_vars": len(keys), "names": keys,
               "bounds": [list(value_range(k, d.levers[k], "design.levers")) for k in keys]}
    seed = int(np.random.SeedSequence(exp.seed, spawn_key=(DESIGN_STREAM,)).generate_state(1)[0])
    if kind == DesignKind.lhs:
        from SALib.sample import latin

        matrix = latin.sample(problem, d.samples, seed=seed)
    elif kind == DesignKind.morris:
        from SALib.sample import morris

        matrix = morris.sample(problem, d.samples, num_levels=d.num_levels, seed=seed)
    else:
        from SALib.sample import sobol

        matrix = sobol.sample(problem, d.samples, calc_second_order=False, seed=seed)
    return [{k: typed(k, float(v)) for k, v in zip(keys, row, strict=True)} for row in matrix]


def worlds(exp: DictConfig) -> list[dict[str, Any]]:
    """Sampled uncertainty worlds (Latin hypercube, seeded from the experiment seed)."""
    u = exp.uncertainties
    if u.samples <= 0:
        return [{}]
    keys = list(u.ranges.keys())
    rng = np.random.default_rng(np.random.SeedSequence(exp.seed, spawn_key=(WORLD_STREAM,)))
    n = u.samples
    cols = {}
    for k in keys:
        low, high = value_range(k, u.ranges[k], "uncertainties.ranges")
        strata = (rng.permutation(n) + rng.random(n)) / n
        cols[k] = [typed(k, low + (high - low) * s) for s in strata]
    return [{k: cols[k][i] for k in keys} for i in range(n)]


def replicate_seed(exp_seed: int, replicate: int) -> int:
    """The seed of replicate r, the same in every scenario, design point and world."""
    return int(np.random.SeedSequence(exp_seed, spawn_key=(REPLICATE_STREAM, replicate)).generate_state(1)[0])


def run_specs(exp: DictConfig) -> list[RunSpec]:
    """Every run: scenarios x design points x worlds x replicates, with stable ids and overrides."""
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
                                 *(override(k, v) for k, v in settings.items()))
                    specs.append(RunSpec(run_id, scenario, r, replicate_seed(exp.seed, r), w if uncertain else -1,
                                         p if swept else -1, overrides, tuple(settings.items())))
    return specs
