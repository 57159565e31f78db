"""The report's sections, each a list of document blocks built from the results, their statistics and figures.

Outcomes are shown by their registry labels (with units); their keys appear where a reader needs them to
find the column in `runs.parquet`.
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd

from sim.experiment.report.answer import what_was_run
from sim.experiment.report.document import Block, Heading, Image, Paragraph, Table
from sim.experiment.report.figures import (
    plot_cost_delay,
    plot_distributions,
    plot_indices,
    plot_robustness,
    plot_sweep,
    plot_timeseries,
)
from sim.experiment.report.formatting import (
    diff_unit,
    fmt,
    fmt_diff,
    fmt_diff_interval,
    fmt_level,
    fmt_level_interval,
    fmt_share,
    level_unit,
    outcome_label,
    scenario_label,
    slug,
)
from sim.experiment.report.results import Results
from sim.experiment.report.sensitivity import AnalysisUnavailableError, morris_indices, sobol_indices
from sim.experiment.report.stats import (
    DOWN,
    MIN_PAIRS,
    UP,
    comparison_table,
    direction,
    median_pairing_ratios,
    pairable,
    pairing_ratios,
    robustness_table,
)

#: Designs whose runs are drawn against each swept lever.
SWEEP_KINDS = ("grid", "lhs", "sobol")


def header_section(results: Results) -> list[Block]:
    """The title and what was actually run (from the runs, not the definition's defaults), with a warning
    when the replications are too few to conclude."""
    d, m = results.definition, results.manifest
    name = d.get("name") or m.get("experiment") or results.path.name
    return [Heading(f"Experiment report: {name}", 1), *what_was_run(results)]


def provenance_section(results: Results) -> list[Block]:
    """The definition as written and where the results come from: commit, versions, timings."""
    d, m = results.definition, results.manifest
    blocks: list[Block] = [Heading("Provenance")]
    if d.get("description"):
        blocks.append(Paragraph(f"The definition's description: {d['description']}"))
    facts = [("results key", m.get("key", results.path.name)),
             ("baseline", d.get("baseline") or results.baseline or "n/a"),
             ("replications", d.get("replications", "n/a")), ("days", d.get("days", "n/a")),
             ("experiment seed", d.get("seed", "n/a")), ("design", results.design_kind),
             ("sampled worlds", (d.get("uncertainties") or {}).get("samples", 0)),
             ("git commit", m.get("git_commit") or "n/a")]
    timings = m.get("timings_seconds") or {}
    if timings:
        facts.append(("timings (s)", ", ".join(f"{k} {fmt(v)}" for k, v in timings.items())))
    versions = m.get("versions") or {}
    if versions:
        facts.append(("versions", ", ".join(f"{k} {v}" for k, v in versions.items())))
    blocks.append(Table(["setting", "value"], [[k, str(v)] for k, v in facts]))
    return blocks


def runs_section(results: Results) -> list[Block]:
    """Run counts per scenario, and every failed run with its seed and error (never silently dropped)."""
    runs = results.runs
    ok_n, failed_n = len(results.ok), len(results.failed)
    blocks: list[Block] = [Heading("Runs"),
                           Paragraph(f"**{len(runs)}** runs: **{ok_n}** ok, **{failed_n}** failed. "
                                     "Failed runs are left out of every statistic.")]
    expected = (results.manifest.get("runs") or {}).get("total")
    if expected is not None and int(expected) != len(runs):
        blocks.append(Paragraph(f"The manifest counts {expected} runs but `runs.parquet` holds {len(runs)}."))
    counts = [[scenario_label(s), str(int(((runs["scenario"] == s) & (runs["status"] == "ok")).sum())),
               str(int(((runs["scenario"] == s) & (runs["status"] != "ok")).sum()))] for s in results.scenarios]
    blocks.append(Table(["scenario", "ok", "failed"], counts))
    if failed_n:
        blocks.append(Heading("Failed runs", 3))
        rows = [[str(r.run_id), str(r.scenario), str(r.replicate), str(r.seed), _first_line(r.error)]
                for r in results.failed.itertuples()]
        blocks.append(Table(["run", "scenario", "replicate", "seed", "error"], rows,
                            [["", "", "", "", "error"] for _ in rows]))
    return blocks


def _first_line(text: str, limit: int = 300) -> str:
    line = (text or "").strip().splitlines()[0] if (text or "").strip() else "(no message)"
    return line if len(line) <= limit else line[: limit - 1] + "…"


def comparison_rows(table: pd.DataFrame, with_diff: bool, pairing: str = "paired",
                    key: str = "") -> tuple[list[str], list[list[str]], list[list[str]]]:
    """Header, formatted rows and HTML cell classes of one outcome's comparison table (units in the header,
    shares in percent and their differences in percentage points)."""
    unit, dunit = level_unit(key), diff_unit(key)
    header = ["scenario", "n", f"mean ({unit})" if unit else "mean", "95% CI"]
    if with_diff:
        header += [f"diff vs baseline ({dunit})" if dunit else "diff vs baseline", f"95% CI ({pairing})", "flag"]
    rows, classes = [], []
    for r in table.itertuples():
        row = [scenario_label(r.scenario), str(r.n), fmt_level(key, r.mean),
               fmt_level_interval(key, r.low, r.high) if r.n >= 2 else "n/a"]
        cls = ["baseline" if with_diff and r.is_baseline else ""] + [""] * 3
        if with_diff:
            if r.is_baseline:
                row += ["(baseline)", "", ""]
                cls += ["", "", ""]
            else:
                flag = f"{r.flag} {r.verdict}".strip() or _why_not(r)
                row += [fmt_diff(key, r.diff), fmt_diff_interval(key, r.diff_low, r.diff_high), flag]
                cls += [r.verdict, "", r.verdict]
        rows.append(row)
        classes.append(cls)
    return header, rows, classes


def _why_not(r: object) -> str:
    """Why a difference with an interval that excludes zero is still not flagged (too few pairs, no spread)."""
    n, low, high = getattr(r, "diff_n", 0), getattr(r, "diff_low", math.nan), getattr(r, "diff_high", math.nan)
    if not (math.isfinite(low) and math.isfinite(high)):
        return ""
    if high <= low:
        return "no spread"
    if (low > 0 or high < 0) and n < MIN_PAIRS:
        return "too few runs"
    return ""


def comparison_section(results: Results) -> list[Block]:
    """Per outcome: mean and interval per scenario, paired difference from the baseline and its flag."""
    blocks: list[Block] = [Heading("Outcomes by scenario")]
    baseline = results.baseline
    text = ("Mean over successful runs with its 95% interval (n/a when n < 2; NaN outcomes are ignored); for "
            "counts, amounts and durations the interval is taken on the log scale, for shares on the logit scale, "
            "so it never leaves the range the quantity can take. ")
    if results.design_kind != "none":
        text += "Each scenario's numbers are pooled over every design point of the sweep. "
    if baseline is None:
        wanted = results.definition.get("baseline", "baseline")
        text += (f"**No baseline in the data** (baseline `{wanted}` has no successful run), so no differences "
                 "are shown.")
    elif pairable(results.ok):
        text += (f"The difference from `{baseline}` is paired run by run on (design point, replicate, world), "
                 f"which share their random numbers; {UP}/{DOWN} flags a difference whose 95% interval excludes "
                 f"zero, and says whether that is better or worse for policy (never with fewer than {MIN_PAIRS} "
                 "pairs, nor for a difference with no spread).")
    else:
        text += (f"Runs cannot be paired (several runs share a design point, replicate and world), so the "
                 f"difference from `{baseline}` uses an unpaired Welch interval; {UP}/{DOWN} flags an interval "
                 "that excludes zero.")
    blocks.append(Paragraph(text))
    if results.ok.empty:
        blocks.append(Paragraph("No successful runs: nothing to compare."))
        return blocks
    for key in results.outcomes:
        pairing = "paired" if pairable(results.ok) else "Welch"
        header, rows, classes = comparison_rows(comparison_table(results, key), baseline is not None, pairing, key)
        better = {1: "higher is better", -1: "lower is better", 0: "descriptive"}[direction(key)]
        blocks += [Heading(f"{outcome_label(key)}: {better} (column `{key}`)", 3), Table(header, rows, classes)]
    return blocks


def pairing_section(results: Results) -> list[Block]:
    """How much the paired comparisons gained from common random numbers, per scenario and main outcome."""
    if results.baseline is None or len(set(results.ok["scenario"])) < 2:
        return []
    blocks: list[Block] = [Heading("Pairing efficiency")]
    if not pairable(results.ok):
        return [*blocks, Paragraph("Runs cannot be paired, so the comparisons above gain nothing from shared "
                                   "random numbers.")]
    table = pairing_ratios(results)
    if table.empty:
        return []
    blocks.append(Paragraph(
        f"Standard deviation of the run-by-run differences from `{results.baseline}` over that of unpaired "
        "differences, sqrt(var(scenario) + var(baseline)) across the same replicates: below 1, common random "
        "numbers make the comparison sharper (0.5: intervals half as wide); about 1, pairing buys nothing "
        "(n/a: fewer than two pairs, or an outcome that hardly varies between runs: sd at most 0.1% of its "
        "mean)."))
    keys = list(dict.fromkeys(table["outcome"]))
    ratios = table.pivot(index="scenario", columns="outcome", values="ratio")
    rows = [[scenario_label(s), *(_ratio(ratios.at[s, k]) for k in keys)] for s in dict.fromkeys(table["scenario"])]
    medians = median_pairing_ratios(table)
    rows.append(["**median**", *(f"**{_ratio(medians[k])}**" for k in keys)])
    blocks.append(Table(["scenario", *(outcome_label(k, with_unit=False) for k in keys)], rows))
    return blocks


def _ratio(value: float) -> str:
    return f"{value:.2f}" if math.isfinite(value) else "n/a"


def robustness_section(results: Results, figures: Path) -> list[Block]:
    """How often each package beats the baseline across sampled worlds, per outcome."""
    if not results.has_worlds:
        return []
    blocks: list[Block] = [Heading("Robustness across sampled worlds")]
    table = robustness_table(results)
    if table.empty:
        blocks.append(Paragraph("No baseline in the data: robustness cannot be computed."))
        return blocks
    n_worlds = results.ok.loc[results.ok["world"] >= 0, "world"].nunique()
    blocks.append(Paragraph(
        f"Share of the {n_worlds} sampled worlds in which the scenario's mean over replicates is strictly better "
        "than the baseline's in the same world (in brackets: share worse; ties count as neither). "
        "Descriptive outcomes are left out."))
    keys = list(dict.fromkeys(table["outcome"]))
    rows, classes = [], []
    for s in dict.fromkeys(table["scenario"]):
        part = table[table["scenario"] == s].set_index("outcome")
        rows.append([scenario_label(s)] + [f"{fmt_share(part.at[k, 'better_share'])} "
                                           f"({fmt_share(part.at[k, 'worse_share'])})" for k in keys])
        classes.append([""] + [_share_class(part.at[k, "better_share"]) for k in keys])
    blocks.append(Table(["scenario", *(outcome_label(k, with_unit=False) for k in keys)], rows, classes))
    figure = plot_robustness(table, figures / "robustness.png")
    if figure:
        blocks.append(Image(figure, "Share of sampled worlds in which each scenario beats the baseline "
                            "(colour: share better − share worse)"))
    return blocks


def _share_class(share: float) -> str:
    if not math.isfinite(share):
        return ""
    return "better" if share >= 0.8 else "worse" if share <= 0.2 else ""


def figures_section(results: Results, figures: Path) -> list[Block]:
    """The comparison figures: distributions, time series, trade-off, cost and delay."""
    made = [
        (plot_distributions(results, results.outcomes, figures / "distributions.png"),
         "Outcome distributions by scenario (dots: runs; boxes: quartiles, drawn from 5 runs; baseline in red)"),
        (plot_timeseries(results, figures / "timeseries.png"),
         "Daily metrics: mean per scenario (packages split over columns, each with the baseline and its "
         "5–95% band over runs)"),
        (plot_cost_delay(results, figures / "cost_delay.png"),
         "Legitimate trade delay and policy cost per scenario (mean, 95% interval)"),
    ]
    blocks: list[Block] = [Heading("Figures")]
    blocks += [Image(path, caption) for path, caption in made if path is not None]
    return blocks if len(blocks) > 1 else []


def sweep_section(results: Results, figures: Path) -> list[Block]:
    """Outcome against each swept lever (grid, LHS and Sobol designs)."""
    blocks: list[Block] = [Heading("Outcomes against swept levers"),
                           Paragraph("Each dot is a run; the line is the mean per lever value (or per bin of "
                                     "ten equal-width bins).")]
    for lever in results.levers:
        if lever not in results.runs:
            blocks.append(Paragraph(f"Lever `{lever}` has no column in `runs.parquet`; not plotted."))
            continue
        figure = plot_sweep(results, lever, results.outcomes, figures / f"sweep_{slug(lever)}.png")
        if figure:
            blocks.append(Image(figure, f"Outcomes against {lever}"))
    return blocks


def _analysed_scenarios(results: Results) -> list[str]:
    return [s for s in results.scenarios if ((results.runs["scenario"] == s) & (results.runs["sample"] >= 0)).any()]


def morris_section(results: Results, figures: Path) -> list[Block]:
    """Morris screening: mu* per lever per outcome, as a ranking table and one bar chart per outcome."""
    blocks: list[Block] = [Heading("Sensitivity: Morris screening"), Paragraph(
        "mu* is the mean absolute elementary effect of a lever on the outcome (averaged over replicates per "
        "design point): the larger, the more the outcome responds to the lever. Cells give the rank "
        "(1 = most influential) and mu*; levers are ordered by their mean rank over outcomes.")]
    missing = [k for k in results.levers if k not in results.runs]
    if missing:
        return [*blocks, Paragraph(f"Lever column(s) {', '.join(missing)} missing from `runs.parquet`: "
                                   "no analysis.")]
    scenarios = _analysed_scenarios(results)
    for scenario in scenarios:
        if len(scenarios) > 1:
            blocks.append(Heading(f"Scenario {scenario}", 3))
        ranked: dict[str, pd.DataFrame] = {}
        for key in results.outcomes:
            try:
                ranked[key] = morris_indices(results, key, scenario)
            except (AnalysisUnavailableError, ValueError) as exc:
                blocks.append(Paragraph(f"{outcome_label(key)}: no Morris analysis ({exc})."))
        if not ranked:
            continue
        blocks.append(ranking_table(ranked))
        prefix = f"morris_{slug(scenario)}_" if len(scenarios) > 1 else "morris_"
        for key, frame in ranked.items():
            path = plot_indices(frame, "mu_star", "mu_star_conf", f"Morris mu* for {outcome_label(key)}",
                                figures / f"{prefix}{slug(key)}.png")
            blocks.append(Image(path, f"Morris mu* (with 95% conf) of each lever for {outcome_label(key)}"))
    return blocks


def ranking_table(ranked: dict[str, pd.DataFrame]) -> Table:
    """Levers x outcomes: 'rank (mu*)', levers sorted by mean rank."""
    ranks = pd.DataFrame({o: f.set_index("lever")["rank"] for o, f in ranked.items()})
    order = ranks.mean(axis=1).sort_values(kind="stable").index
    rows = []
    for lever in order:
        cells = [f"{int(ranked[o].set_index('lever').at[lever, 'rank'])} "
                 f"({fmt(ranked[o].set_index('lever').at[lever, 'mu_star'])})" for o in ranked]
        rows.append([lever, *cells])
    return Table(["lever", *(outcome_label(k) for k in ranked)], rows)


def sobol_section(results: Results, figures: Path) -> list[Block]:
    """Sobol indices (S1, ST) per lever per outcome when the design fits Saltelli's scheme."""
    blocks: list[Block] = [Heading("Sensitivity: Sobol indices"), Paragraph(
        "S1: share of the outcome's variance due to the lever alone; ST: including its interactions.")]
    scenarios = _analysed_scenarios(results)
    for scenario in scenarios:
        if len(scenarios) > 1:
            blocks.append(Heading(f"Scenario {scenario}", 3))
        for key in results.outcomes:
            name = outcome_label(key)
            try:
                frame = sobol_indices(results, key, scenario)
            except (AnalysisUnavailableError, ValueError, ZeroDivisionError, RuntimeError) as exc:
                blocks.append(Paragraph(f"{name}: no Sobol analysis ({exc})."))
                continue
            rows = [[r.lever, fmt(r.S1), fmt(r.S1_conf), fmt(r.ST), fmt(r.ST_conf)] for r in frame.itertuples()]
            blocks += [Heading(name, 4), Table(["lever", "S1", "S1 conf", "ST", "ST conf"], rows)]
            prefix = f"sobol_{slug(scenario)}_" if len(scenarios) > 1 else "sobol_"
            path = plot_indices(frame, "ST", "ST_conf", f"Sobol indices for {name}",
                                figures / f"{prefix}{slug(key)}.png", second=("S1", "S1_conf"))
            blocks.append(Image(path, f"Sobol total (ST) and first-order (S1) indices for {name}"))
    return blocks


def design_section(results: Results, figures: Path) -> list[Block]:
    kind = results.design_kind
    if kind == "morris":
        return morris_section(results, figures)
    blocks = sweep_section(results, figures) if kind in SWEEP_KINDS else []
    if kind == "sobol":
        blocks += sobol_section(results, figures)
    return blocks


def notes_section(results: Results) -> list[Block]:
    wanted = list(results.definition.get("outcomes") or [])
    missing = [o for o in wanted if not o.endswith("*") and o not in results.runs]
    notes = list(results.notes)
    if missing:
        notes.append(f"Outcome(s) not found in `runs.parquet`, left out: {', '.join(missing)}.")
    if not notes:
        return []
    return [Heading("Notes"), *(Paragraph(n) for n in notes)]


