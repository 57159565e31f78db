"""The report's figures, one function per PNG; outcomes are named by their registry labels and units.

Figures are drawn on `matplotlib.figure.Figure` directly (no pyplot), so building a report never needs a
display and leaves no global state behind. The baseline is red in every figure.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from sim import outcomes
from sim.experiment.report.formatting import (
    diff_unit,
    display_scale,
    fmt_share,
    outcome_label,
    outcome_unit,
    percent,
    scenario_label,
    short_label,
)
from sim.experiment.report.results import Results
from sim.experiment.report.sensitivity import lever_numeric
from sim.experiment.report.stats import (
    binned_means,
    direction,
    judge,
    paired_differences,
    scenario_estimates,
    timeseries_bands,
)

#: Daily series drawn with bands (registry keys of daily levels or of outcomes summed over days), and
#: whether each is drawn cumulated.
TIMESERIES_PANELS = (("shipments_seized", True), ("corrupt_officer_share", False), ("community_trust", False),
                     ("network_members", False))
#: The trade-off figure: what packages pay (x of its first panel) against their effect on each objective (one
#: panel each), both from the registry.
TRADEOFF_X, TRADEOFF_Y = outcomes.COST_KEY, outcomes.OBJECTIVES
#: What enforcement costs: the registry's reported outcomes of these groups.
COST_GROUPS = ("trade", "cost")
#: At most this many packages share a time-series panel with the baseline, so that each line can be told apart.
SERIES_PER_PANEL = 5
#: Fewer runs than this in a scenario are drawn as dots only: a box of two or three points means nothing.
MIN_BOX_POINTS = 5

BASELINE_COLOUR, OTHER_COLOURS = "#d62728", ("#1f77b4", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
                                             "#bcbd22", "#17becf", "#ff7f0e", "#393b79", "#637939", "#8c6d31")
#: Time-series styles within a panel: distinct hues (no red: the baseline's) and line styles, so that lines
#: stay apart in grey print too.
SERIES_STYLES = (("#1f77b4", "-"), ("#2ca02c", "--"), ("#9467bd", "-."), ("#ff7f0e", ":"),
                 ("#17becf", (0, (5, 1, 1, 1, 1, 1))))
#: Colours of a judged difference (good / bad / not resolved) and of the baseline, on the first page's figure.
JUDGED_COLOURS = {"better": "#2e7d32", "worse": "#c62828", "other": "#8a8a8a", "baseline": "#222222"}


def daily(key: str) -> outcomes.Outcome:
    """The registry entry of a daily column: a daily level where one has the key (the share of corrupt
    officers that day, not its mean over the run), else the outcome the column sums to."""
    return next((level for level in outcomes.LEVELS if level.key == key), None) or outcomes.get(key)


def scenario_colours(scenarios: Sequence[str], baseline: str | None) -> dict[str, str]:
    """The baseline in red everywhere; the others in a fixed cycle."""
    others = iter(OTHER_COLOURS * (len(scenarios) // len(OTHER_COLOURS) + 1))
    return {s: BASELINE_COLOUR if s == baseline else next(others) for s in scenarios}


def _grid(n: int, ncols: int = 3, width: float = 4.2, height: float = 3.2) -> tuple[Figure, list[Any]]:
    ncols = max(1, min(ncols, n))
    nrows = math.ceil(n / ncols)
    fig = Figure(figsize=(width * ncols, height * nrows), dpi=100, layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel().tolist()
    for ax in axes[n:]:
        ax.set_visible(False)
    return fig, axes[:n]


def _keep_in_range(ax: Any, key: str, scale: float = 1.0) -> None:
    """Axes of a level never reach below what the quantity can take (zero for a count, a share, an amount)."""
    try:
        lower = outcomes.get(key).lower
    except KeyError:
        return
    if lower is not None:
        bottom, top = ax.get_ylim()
        if bottom < lower * scale:
            ax.set_ylim(lower * scale, max(top, lower * scale + 1e-9))


def _save(fig: Figure, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, format="png")
    return path


def _scenario_ticks(ax: Any, positions: Iterable[float], scenarios: Sequence[str], baseline: str | None) -> None:
    """Scenario names under the x axis, the baseline's in bold."""
    ax.set_xticks(list(positions), scenarios, rotation=45, ha="right", fontsize=8)
    for label in ax.get_xticklabels():
        if label.get_text() == baseline:
            label.set_fontweight("bold")


def plot_distributions(results: Results, keys: Sequence[str], path: Path) -> Path | None:
    """Box plots per scenario (runs as dots), one panel per outcome; the baseline in red."""
    scenarios = [s for s in results.scenarios if (results.ok["scenario"] == s).any()]
    if not keys or not scenarios:
        return None
    colours = scenario_colours(scenarios, results.baseline)
    rng = np.random.default_rng(0)
    fig, axes = _grid(len(keys), width=max(4.2, 0.45 * len(scenarios) + 1.5))
    for ax, key in zip(axes, keys, strict=True):
        data = [pd.to_numeric(results.ok.loc[results.ok["scenario"] == s, key], errors="coerce").dropna()
                for s in scenarios]
        positions = np.arange(1, len(scenarios) + 1)
        boxed = [i for i, d in enumerate(data) if len(d) >= MIN_BOX_POINTS]
        if boxed:
            boxes = ax.boxplot([data[i].to_numpy() for i in boxed], positions=positions[boxed], widths=0.6,
                               patch_artist=True, showfliers=False)
            for patch, i in zip(boxes["boxes"], boxed, strict=True):
                patch.set_facecolor(colours[scenarios[i]])
                patch.set_alpha(0.35 if scenarios[i] != results.baseline else 0.6)
        for pos, d, s in zip(positions, data, scenarios, strict=True):
            ax.scatter(pos + rng.uniform(-0.15, 0.15, len(d)), d, s=9 if len(d) >= MIN_BOX_POINTS else 16,
                       color=colours[s], zorder=3)
        _scenario_ticks(ax, positions, [scenario_label(s) for s in scenarios], scenario_label(results.baseline or ""))
        ax.set_title(outcome_label(key, with_unit=False), fontsize=10)
        ax.set_ylabel(outcome_unit(key), fontsize=8)
        if percent(key):
            ax.yaxis.set_major_formatter(_percent_formatter())
        ax.set_xlim(0.4, len(scenarios) + 0.6)
        _keep_in_range(ax, key)
        ax.grid(axis="y", alpha=0.3)
    return _save(fig, path)


def _chunks(items: Sequence[str], size: int) -> list[list[str]]:
    """Split into as few groups of at most `size` as possible, of near-equal length."""
    if not items:
        return [[]]
    groups = math.ceil(len(items) / size)
    per = math.ceil(len(items) / groups)
    return [list(items[i:i + per]) for i in range(0, len(items), per)]


def plot_timeseries(results: Results, path: Path) -> Path | None:
    """Daily mean per scenario for a few key metrics, the baseline with its 5–95% band over runs.

    One row per metric; packages are split over columns of at most `SERIES_PER_PANEL`, each drawn with the
    baseline, in distinct colours and line styles, so that no panel holds more lines than can be told apart.
    """
    panels = [(m, c) for m, c in TIMESERIES_PANELS if results.timeseries is not None and m in results.timeseries]
    if not panels or results.ok.empty:
        return None
    present = [s for s in results.scenarios if (results.ok["scenario"] == s).any()]
    baseline = results.baseline
    packages = [s for s in present if s != baseline]
    groups = _chunks(packages, SERIES_PER_PANEL) if baseline else _chunks(present, SERIES_PER_PANEL + 1)
    ncols = len(groups)
    fig = Figure(figsize=(5.6 * ncols + 0.4, 2.9 * len(panels) + 0.6), dpi=100, layout="constrained")
    axes = fig.subplots(len(panels), ncols, squeeze=False, sharex=True, sharey="row")
    bands = {metric: timeseries_bands(results, metric, cumulative) for metric, cumulative in panels}
    for col, group in enumerate(groups):
        for row, (metric, cumulative) in enumerate(panels):
            ax = axes[row][col]
            b = bands[metric]
            if baseline:
                base = b[b["scenario"] == baseline]
                ax.fill_between(base["day"], base["q05"], base["q95"], color=BASELINE_COLOUR, alpha=0.12, lw=0)
                ax.plot(base["day"], base["mean"], color=BASELINE_COLOUR, lw=2.4, label=scenario_label(baseline))
            for (colour, style), s in zip(SERIES_STYLES * 2, group, strict=False):
                line = b[b["scenario"] == s]
                if not line.empty:
                    ax.plot(line["day"], line["mean"], color=colour, ls=style, lw=1.6, label=scenario_label(s))
            entry = daily(metric)
            ax.set_title(entry.label + (" (cumulative)" if cumulative else ""), fontsize=10)
            ax.set_ylabel("%" if entry.percent else entry.unit, fontsize=8)
            if entry.percent:
                ax.yaxis.set_major_formatter(_percent_formatter())
            ax.set_ylim(bottom=0 if entry.lower is not None else None)
            if entry.upper is not None and not entry.percent:
                ax.set_ylim(top=min(ax.get_ylim()[1], entry.upper))
            ax.grid(alpha=0.3)
            if row == len(panels) - 1:
                ax.set_xlabel("day")
        handles, labels = axes[0][col].get_legend_handles_labels()
        if handles:
            axes[0][col].legend(handles, labels, fontsize=7.5, loc="upper left", ncols=2, framealpha=0.85)
    return _save(fig, path)


def _percent_formatter() -> Any:
    from matplotlib.ticker import PercentFormatter

    return PercentFormatter(xmax=1.0, decimals=0)


def plot_tradeoff(results: Results, path: Path, keys: Sequence[str] | None = None) -> Path | None:
    """The trade-off on one page, as small multiples that share one row per package.

    Packages are ordered by what they cost over the baseline (cheapest on top); the first panel draws that
    extra policy cost, each other panel one objective: the paired mean difference from the baseline with
    its 95% interval, coloured by the registry's better direction (green better, red worse, grey not
    resolved or too few runs), the better side shaded. Reading down a column shows what more money buys;
    every label sits on the shared axis, so none can collide. Without a baseline (or a package) in the data
    there is no effect to draw: None.
    """
    cost_key = TRADEOFF_X
    baseline = results.baseline
    keys = [k for k in (TRADEOFF_Y if keys is None else keys) if k in results.runs]
    if baseline is None or not keys or results.ok.empty:
        return None
    packages = [s for s in results.scenarios if s != baseline and (results.ok["scenario"] == s).any()]
    if not packages:
        return None
    has_cost = cost_key in results.runs
    extra = paired_differences(results.ok, cost_key, baseline, packages) if has_cost else {}
    order = sorted(packages, key=lambda s: (not math.isfinite(extra[s].mean), extra[s].mean) if has_cost else 0)
    panels: list[str | None] = ([None] if has_cost else []) + list(keys)
    ncols = min(4, len(panels))
    nrows = math.ceil(len(panels) / ncols)
    height = 0.95 + 0.25 * len(order)
    fig = Figure(figsize=(11.8, height * nrows + 0.45), dpi=100, layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False, sharey=True).ravel().tolist()
    for ax in axes[len(panels):]:
        ax.set_visible(False)
    ys = np.arange(len(order))
    days = _days_text(results)
    for ax, key in zip(axes, panels, strict=False):
        ax.set_ylim(len(order) - 0.5, -0.5)
        ax.grid(axis="x", alpha=0.3)
        ax.tick_params(labelsize=7.5)
        if key is None:
            values = np.array([extra[s].mean for s in order], dtype=float)
            ax.barh(ys, values, color="#607d8b", height=0.6)
            right = float(np.nanmax(np.abs(values))) if np.isfinite(values).any() else 1.0
            for y, v in zip(ys, values, strict=True):
                if math.isfinite(v):
                    ax.text(v + 0.02 * right, y, f"{v:+.3g}", va="center", fontsize=7)
            ax.set_xlim(min(0.0, float(np.nanmin(values)) * 1.25), right * 1.3 or 1.0)
            ax.axvline(0, color="#555", lw=0.8)
            ax.set_title(f"extra {outcome_label(cost_key, with_unit=False)}", fontsize=9.5, fontweight="bold")
            unit = outcome_unit(cost_key)
            ax.set_xlabel(f"{unit} over {days}" if days else unit, fontsize=8)
            continue
        diffs = paired_differences(results.ok, key, baseline, order)
        scale, better = display_scale(key), direction(key)
        ends = [0.0]
        for y, s in zip(ys, order, strict=True):
            d = diffs[s]
            if not math.isfinite(d.mean):
                continue
            colour = JUDGED_COLOURS.get(judge(key, d), JUDGED_COLOURS["other"])
            xerr = [[(d.mean - d.low) * scale], [(d.high - d.mean) * scale]] if d.has_interval else None
            ax.errorbar([d.mean * scale], [y], xerr=xerr, fmt="o", color=colour, ms=5, capsize=2.5, lw=1.3)
            ends += [v * scale for v in (d.mean, d.low, d.high) if math.isfinite(v)]
        lo, hi = min(ends), max(ends)
        pad = 0.08 * ((hi - lo) or 1.0)
        ax.set_xlim(lo - pad, hi + pad)
        left, right = ax.get_xlim()
        if better:
            good, bad = "#2e7d32", "#c62828"
            ax.axvspan(0, right, color=good if better > 0 else bad, alpha=0.07, lw=0, zorder=0)
            ax.axvspan(left, 0, color=bad if better > 0 else good, alpha=0.07, lw=0, zorder=0)
        ax.axvline(0, color="#555", lw=0.8)
        ax.set_title(short_label(key), fontsize=9.5, fontweight="bold")
        way = {1: "better →", -1: "← better", 0: ""}[better]
        unit = diff_unit(key)
        ax.set_xlabel(f"change ({unit})   {way}" if unit else f"change   {way}", fontsize=8)
    for row in range(nrows):
        axes[row * ncols].set_yticks(ys, [scenario_label(s) for s in order], fontsize=8)
    from matplotlib.lines import Line2D

    handles = [Line2D([], [], marker="o", ls="", color=JUDGED_COLOURS[k], label=t) for k, t in
               (("better", "better (95% interval excludes 0)"), ("worse", "worse (95% interval excludes 0)"),
                ("other", "not resolved (interval includes 0) or too few runs"))]
    fig.legend(handles=handles, loc="outside upper center", ncols=3, fontsize=8, frameon=False,
               title=f"difference from {scenario_label(baseline)}; packages ordered by extra cost",
               title_fontsize=8.5)
    return _save(fig, path)


def plot_cost_delay(results: Results, path: Path) -> Path | None:
    """What enforcement costs: legitimate trade delay and policy cost per scenario (mean, 95% interval that
    stays at or above zero), each panel headed and its axis labelled with the unit."""
    keys = [o.key for o in outcomes.OUTCOMES if o.group in COST_GROUPS and o.reported and o.key in results.runs]
    scenarios = [s for s in results.scenarios if (results.ok["scenario"] == s).any()]
    if not keys or not scenarios:
        return None
    colours = scenario_colours(scenarios, results.baseline)
    days = _days_text(results)
    fig, axes = _grid(len(keys), ncols=2, width=max(4.5, 0.5 * len(scenarios) + 1.5), height=3.6)
    for ax, key in zip(axes, keys, strict=True):
        est = scenario_estimates(results.ok, key, scenarios)
        means = [est[s].mean for s in scenarios]
        err = np.array([[est[s].mean - est[s].low, est[s].high - est[s].mean] if est[s].has_interval else [0, 0]
                        for s in scenarios]).T
        ax.bar(range(len(scenarios)), means, yerr=err, capsize=3, color=[colours[s] for s in scenarios], alpha=0.8)
        _scenario_ticks(ax, range(len(scenarios)), [scenario_label(s) for s in scenarios],
                        scenario_label(results.baseline or ""))
        unit = outcome_unit(key)
        if key == outcomes.COST_KEY and days:
            unit = f"{unit} over {days}"
        ax.set_title(outcome_label(key, with_unit=False), fontsize=10)
        ax.set_ylabel(unit, fontsize=9)
        ax.set_ylim(bottom=0)
        ax.grid(axis="y", alpha=0.3)
    return _save(fig, path)


def _days_text(results: Results) -> str:
    """'180 days' when every successful run simulated the same number of days, else ''."""
    if "days" not in results.ok or results.ok.empty:
        return ""
    days = pd.to_numeric(results.ok["days"], errors="coerce").dropna().unique()
    return f"{int(days[0])} days" if len(days) == 1 else ""


def plot_robustness(table: pd.DataFrame, path: Path) -> Path | None:
    """Heat map of the share of worlds in which each scenario beats the baseline (text), coloured by the
    share better minus the share worse."""
    if table.empty:
        return None
    order = {"index": list(dict.fromkeys(table["scenario"])), "columns": list(dict.fromkeys(table["outcome"]))}
    better = table.pivot(index="scenario", columns="outcome", values="better_share").reindex(**order)
    worse = table.pivot(index="scenario", columns="outcome", values="worse_share").reindex(**order)
    fig = Figure(figsize=(1.0 + 0.75 * better.shape[1], 1.6 + 0.45 * better.shape[0]), dpi=100, layout="constrained")
    ax = fig.subplots()
    net = (better - worse).to_numpy(dtype=float)  # ties (e.g. both zero) stay neutral instead of looking like losses
    image = ax.imshow(net, cmap="RdYlGn", vmin=-1, vmax=1, aspect="auto")
    for (i, j), value in np.ndenumerate(better.to_numpy(dtype=float)):
        ax.text(j, i, fmt_share(value), ha="center", va="center", fontsize=7)
    ax.set_xticks(range(better.shape[1]), [outcome_label(k, False) for k in better.columns], rotation=60,
                  ha="right", fontsize=8)
    ax.set_yticks(range(better.shape[0]), better.index, fontsize=8)
    fig.colorbar(image, ax=ax, label="share better − share worse")
    return _save(fig, path)


def plot_sweep(results: Results, lever: str, keys: Sequence[str], path: Path) -> Path | None:
    """Each outcome against one swept lever: runs as dots, binned mean per scenario as a line."""
    if lever not in results.ok or not keys or results.ok.empty:
        return None
    ok = results.ok
    x, labels = lever_numeric(ok[lever], (results.design.get("levers") or {}).get(lever))
    scenarios = [s for s in results.scenarios if (ok["scenario"] == s).any()]
    colours = scenario_colours(scenarios, results.baseline if len(scenarios) > 1 else None)
    fig, axes = _grid(len(keys), width=4.2, height=3.2)
    for ax, key in zip(axes, keys, strict=True):
        y = pd.to_numeric(ok[key], errors="coerce").to_numpy(dtype=float)
        for s in scenarios:
            mask = (ok["scenario"] == s).to_numpy()
            ax.scatter(x[mask], y[mask], s=8, alpha=0.4, color=colours[s])
            trend = binned_means(x[mask], y[mask])
            ax.plot(trend["x"], trend["y"], color=colours[s], lw=2, label=s)
        if labels:
            ax.set_xticks(range(len(labels)), labels, rotation=30, ha="right", fontsize=7)
        ax.set_xlabel(lever, fontsize=8)
        ax.set_title(outcome_label(key), fontsize=10)
        ax.grid(alpha=0.3)
    if len(scenarios) > 1:
        axes[0].legend(fontsize=7)
    return _save(fig, path)


def plot_indices(frame: pd.DataFrame, value: str, conf: str, title: str, path: Path,
                 second: tuple[str, str] | None = None) -> Path:
    """Horizontal bars of a sensitivity index per lever (most influential on top), with its conf."""
    frame = frame.iloc[::-1]
    fig = Figure(figsize=(6.0, 1.2 + 0.4 * len(frame)), dpi=100, layout="constrained")
    ax = fig.subplots()
    pos = np.arange(len(frame))
    height = 0.4 if second else 0.7
    ax.barh(pos + (height / 2 if second else 0), frame[value], xerr=np.nan_to_num(frame[conf].to_numpy(dtype=float)),
            height=height, color="#1f77b4", capsize=3, label=value)
    if second:
        ax.barh(pos - height / 2, frame[second[0]], xerr=np.nan_to_num(frame[second[1]].to_numpy(dtype=float)),
                height=height, color="#ff7f0e", capsize=3, label=second[0])
        ax.legend(fontsize=8)
    ax.set_yticks(pos, frame["lever"], fontsize=8)
    ax.set_xlabel(value if not second else "index")
    ax.set_title(title, fontsize=10)
    ax.grid(axis="x", alpha=0.3)
    return _save(fig, path)
