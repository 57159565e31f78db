"""Sensitivity of outcomes to the levers of a design: Morris screening and Sobol indices (SALib).

X is the lever columns ordered by design point (`sample`), Y the outcome averaged over replicates; a
design point with no successful run drops its whole Morris trajectory or Saltelli block, since SALib
needs them complete.
"""

from __future__ import annotations

import json
import warnings
from typing import Any

import numpy as np
import pandas as pd

from sim.experiment.report.results import Results


class AnalysisUnavailableError(Exception):
    """A sensitivity analysis cannot be computed from these runs; the message says why, for the report."""


def lever_numeric(values: pd.Series, spec: Any = None) -> tuple[np.ndarray, list[str] | None]:
    """A lever column as numbers for analysis and plots, plus category labels if it was not numeric.

    Booleans become 0/1 (labelled false/true); strings that parse as numbers become numbers; other
    strings (targeting modes, JSON lists) become their position in the grid's list of values, or in
    sorted order.
    """
    if pd.api.types.is_bool_dtype(values):
        return values.astype(float).to_numpy(), ["false", "true"]
    if pd.api.types.is_numeric_dtype(values):
        return values.astype(float).to_numpy(), None
    as_text = values.astype(str)
    lowered = as_text.str.lower()
    if lowered.isin(["true", "false"]).all():
        return (lowered == "true").astype(float).to_numpy(), ["false", "true"]
    numbers = pd.to_numeric(as_text, errors="coerce")
    if numbers.notna().all():
        return numbers.astype(float).to_numpy(), None
    if isinstance(spec, list | tuple) and all(_cell_text(v) in set(as_text) for v in spec):
        labels = [_cell_text(v) for v in spec]
        labels += sorted(set(as_text) - set(labels))
    else:
        labels = sorted(set(as_text))
    index = {label: i for i, label in enumerate(labels)}
    return as_text.map(index).astype(float).to_numpy(), labels


def _cell_text(value: Any) -> str:
    """How the runner stores a grid value in a lever column (lists as JSON text)."""
    return json.dumps(value) if isinstance(value, list | dict) else str(value)


def sample_means(results: Results, outcome: str, scenario: str) -> pd.DataFrame:
    """One row per design point (`sample`), ordered: the lever values and the outcome averaged over replicates.

    Design points with no successful run (or only NaN outcomes) keep a NaN outcome so that the caller
    can drop the whole trajectory or block they belong to.
    """
    runs = results.runs[(results.runs["scenario"] == scenario) & (results.runs["sample"] >= 0)]
    levers = results.levers
    specs = results.design.get("levers") or {}
    x = pd.DataFrame({k: lever_numeric(runs[k], specs.get(k))[0] for k in levers}, index=runs.index)
    x["sample"] = runs["sample"]
    y = pd.to_numeric(runs[outcome], errors="coerce").where(runs["status"] == "ok")
    x["y"] = y
    grouped = x.groupby("sample")
    table = grouped[levers].first()
    table["y"] = grouped["y"].mean()
    return table.sort_index()


def complete_blocks(table: pd.DataFrame, block: int, what: str) -> pd.DataFrame:
    """Keep the whole blocks (Morris trajectories, Saltelli groups) whose design points all have an outcome."""
    n_points = int(table.index.max()) + 1 if len(table) else 0
    if n_points == 0 or n_points % block:
        raise AnalysisUnavailableError(f"{n_points} design points is not a multiple of the {what} size {block}")
    full = table.reindex(range(n_points))
    blocks = np.arange(n_points) // block
    keep = full.groupby(blocks)["y"].transform(lambda s: bool(s.notna().all())).astype(bool).to_numpy()
    if not keep.any():
        raise AnalysisUnavailableError(f"no complete {what} (every one has a failed run or a missing outcome)")
    return full[keep]


def reveal_hidden_steps(x: np.ndarray, block: int) -> np.ndarray:
    """Make every Morris step show which lever moved, even when typing hid the move.

    The runner turns sampled numbers into the config's types (a bool by threshold, an int by rounding),
    so a step of a trajectory can leave every column unchanged. Each lever moves exactly once per
    trajectory, so when one step and one lever are left over, the step belongs to that lever; a tiny
    nudge lets SALib attribute it (the model saw no change, so its true effect there is ~0).
    """
    x = x.astype(float).copy()
    for start in range(0, len(x), block):
        traj = x[start:start + block]
        moved = np.diff(traj, axis=0) != 0
        silent_steps = np.flatnonzero(~moved.any(axis=1))
        unmoved = np.flatnonzero(~moved.any(axis=0))
        if len(silent_steps) == 1 and len(unmoved) == 1:
            traj[silent_steps[0] + 1:, unmoved[0]] += 1e-9
    return x


def _problem(results: Results) -> dict[str, Any]:
    """The SALib problem from the design's levers (non-numeric bounds fall back to [0, 1])."""
    specs = results.design.get("levers") or {}
    bounds = []
    for key in results.levers:
        spec = specs[key]
        try:
            low, high = float(spec[0]), float(spec[-1])
        except (TypeError, ValueError, IndexError):
            low, high = 0.0, 1.0
        bounds.append([low, high] if high > low else [0.0, 1.0])
    return {"num_vars": len(results.levers), "names": list(results.levers), "bounds": bounds}


def morris_indices(results: Results, outcome: str, scenario: str) -> pd.DataFrame:
    """Morris screening of the levers for one outcome: mu*, its 95% conf, mu and sigma, ranked by mu*.

    X is the lever columns ordered by `sample` (one row per design point), Y the outcome averaged over
    replicates; trajectories with a failed point are dropped whole.
    """
    from SALib.analyze import morris

    problem = _problem(results)
    block = problem["num_vars"] + 1
    table = complete_blocks(sample_means(results, outcome, scenario), block, "Morris trajectory")
    x = reveal_hidden_steps(table[results.levers].to_numpy(dtype=float), block)
    y = table["y"].to_numpy(dtype=float)
    if len(y) < 2 * block:
        raise AnalysisUnavailableError(f"only {len(y) // block} complete Morris trajectory; at least 2 are needed")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        si = morris.analyze(problem, x, y, num_levels=int(results.design.get("num_levels", 4)), seed=0)
    frame = pd.DataFrame({"lever": problem["names"], "mu_star": np.asarray(si["mu_star"], dtype=float),
                          "mu_star_conf": np.asarray(si["mu_star_conf"], dtype=float),
                          "mu": np.asarray(si["mu"], dtype=float), "sigma": np.asarray(si["sigma"], dtype=float)})
    frame = frame.sort_values("mu_star", ascending=False, kind="stable").reset_index(drop=True)
    frame["rank"] = np.arange(1, len(frame) + 1)
    return frame


def sobol_indices(results: Results, outcome: str, scenario: str) -> pd.DataFrame:
    """First-order (S1) and total (ST) Sobol indices with 95% conf, from a Saltelli design.

    The runner samples without second-order terms (D + 2 points per base sample) unless the design says
    `calc_second_order: true`; blocks with a failed point are dropped whole.
    """
    from SALib.analyze import sobol

    problem = _problem(results)
    d = problem["num_vars"]
    second = bool(results.design.get("calc_second_order", False))
    block = 2 * d + 2 if second else d + 2
    table = complete_blocks(sample_means(results, outcome, scenario), block, "Saltelli block")
    y = table["y"].to_numpy(dtype=float)
    if len(y) < 2 * block:
        raise AnalysisUnavailableError(f"only {len(y) // block} complete Saltelli block; at least 2 are needed")
    if np.nanstd(y) == 0:
        raise AnalysisUnavailableError("the outcome does not vary over the design")
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        si = sobol.analyze(problem, y, calc_second_order=second, seed=0)
    frame = pd.DataFrame({"lever": problem["names"], "S1": si["S1"], "S1_conf": si["S1_conf"], "ST": si["ST"],
                          "ST_conf": si["ST_conf"]})
    return frame.sort_values("ST", ascending=False, kind="stable").reset_index(drop=True)
