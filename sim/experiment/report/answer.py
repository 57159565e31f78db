"""The report's first page: what was run, then the answer — which packages beat the baseline on which
objective, what each gain costs, and the trade-off figure — with plain warnings where the replications are
too few to conclude.

Differences are judged by the outcome registry's better direction, never by their sign: fewer victims is
green, more seizures is green. A difference is called better or worse only when its paired 95% interval
excludes zero from at least `MIN_PAIRS` pairs with some spread; otherwise it says why not.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from sim import outcomes
from sim.experiment.report.document import Block, Callout, Heading, Image, Paragraph, Section, Table
from sim.experiment.report.figures import plot_tradeoff
from sim.experiment.report.formatting import (
    diff_unit,
    display_scale,
    fmt,
    fmt_diff,
    fmt_diff_interval,
    outcome_label,
    outcome_unit,
    scenario_label,
    short_label,
)
from sim.experiment.report.results import Results
from sim.experiment.report.stats import (
    JUDGEMENTS,
    MIN_PAIRS,
    RELIABLE_PAIRS,
    CostEffect,
    Estimate,
    cost_effectiveness,
    direction,
    judge,
    pair_counts,
    pairable,
    paired_differences,
    replications_to_resolve,
)

#: The replications a comparison should have, said in the warning (the policy comparison's default).
RECOMMENDED_PAIRS = 20
#: The anchor of the first page in report.html.
ANSWER_ID = "answer"


# ------------------------------------------------------------------------------------------------ what was run


def _unique(results: Results, column: str) -> list[Any]:
    if column not in results.ok or results.ok.empty:
        return []
    return [v for v in pd.unique(results.ok[column]) if v is not None and not (isinstance(v, float) and math.isnan(v))]


def _days(results: Results) -> str:
    """Days simulated after the warm-up, from the runs themselves (their `days`, else the time series)."""
    days = sorted(int(d) for d in _unique(results, "days"))
    if not days and results.timeseries is not None and {"day", "run_id"} <= set(results.timeseries):
        ts = results.timeseries[results.timeseries["run_id"].isin(results.ok["run_id"])]
        if not ts.empty:
            days = sorted({int(d) + 1 for d in ts.groupby("run_id")["day"].max()})
    if not days:
        planned = results.definition.get("days")
        return f"{planned} days (as defined; the runs do not say)" if planned else "an unknown number of days"
    if len(days) == 1:
        return f"{days[0]} days"
    return f"{days[0]}–{days[-1]} days"


def _warmup(results: Results) -> str:
    warmups = sorted(int(w) for w in _unique(results, "warmup_days"))
    if not warmups:
        return ""
    if warmups == [0]:
        return "with no warm-up"
    policy = {str(p) for p in _unique(results, "warmup_policy")}
    under = (" under today's policy (every scenario starts day 0 from the same state)" if policy == {"status_quo"}
             else " under each scenario's own policy" if policy == {"run"} else "")
    length = f"{warmups[0]}-day" if len(warmups) == 1 else f"{warmups[0]}–{warmups[-1]}-day"
    return f"after a {length} warm-up{under}"


def _corridor(results: Results) -> str:
    files = [str(f) for f in _unique(results, "corridor.file") if str(f)]
    if files:
        return f"the corridor of `{files[0]}`" + (f" and {len(files) - 1} more" if len(files) > 1 else "")
    names = [str(n) for n in _unique(results, "corridor.name")]
    if not names:
        return ""
    if names == ["generated"]:
        countries = _unique(results, "corridor.countries")
        seeds = _unique(results, "corridor.seed")
        detail = ", ".join(x for x in (f"{countries[0]} countries" if len(countries) == 1 else "",
                                       f"seed {seeds[0]}" if len(seeds) == 1 else "") if x)
        return f"a generated corridor ({detail})" if detail else "generated corridors"
    return f"the {' and '.join(names)} corridor"


@dataclass(frozen=True)
class RunFacts:
    """What the results hold, read from the runs (not from the definition's defaults)."""

    pairs: int  # the fewest paired replications any package's comparison rests on (0: no comparison)
    most_pairs: int
    scenarios: int
    ok: int
    total: int
    days: str
    warmup: str
    corridor: str


def run_facts(results: Results) -> RunFacts:
    counts = pair_counts(results)
    return RunFacts(min(counts.values(), default=0), max(counts.values(), default=0),
                    int(results.ok["scenario"].nunique()) if not results.ok.empty else 0, len(results.ok),
                    len(results.runs), _days(results), _warmup(results), _corridor(results))


def _n(count: int, word: str) -> str:
    """'1 replication', '2 replications'."""
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def _and(items: list[str]) -> str:
    """'a', 'a and b', 'a, b and c'."""
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def what_was_run(results: Results) -> list[Block]:
    """One paragraph saying what was actually simulated, and a warning when it is too little to conclude."""
    f = run_facts(results)
    if f.ok == 0:
        return [Paragraph(f"What was run: {_n(f.total, 'run')}, none successful: nothing to report but the failures "
                          "below.")]
    baseline = results.baseline
    ok = results.ok
    replicates = len(_unique(results, "replicate"))
    worlds = int(ok.loc[ok["world"] >= 0, "world"].nunique()) if not ok.empty else 0
    points = int(ok.loc[ok["sample"] >= 0, "sample"].nunique()) if not ok.empty else 0
    compared = baseline is not None and f.pairs > 0
    paired = pairable(ok)
    if compared:
        count = str(f.pairs) if f.pairs == f.most_pairs else f"{f.pairs}–{f.most_pairs}"
        single = f.most_pairs == 1
        noun = ("paired replication" if single else "paired replications") if paired else \
            ("run per scenario (unpaired)" if single else "runs per scenario (unpaired)")
        parts = [_n(replicates, "replication")] + ([_n(worlds, "sampled world")] if worlds else []) \
            + ([_n(points, "design point")] if points else [])
        if paired and len(parts) > 1:
            noun = f"paired runs ({' × '.join(parts)})"
        what = f"**{count} {noun}** of {f.scenarios} scenarios against `{baseline}`"
    else:
        what = f"**{_n(replicates, 'replication')}** of {_n(f.scenarios, 'scenario')}"
        if points:
            what += f" at {points} design points ({results.design_kind})"
        if worlds:
            what += f" in {worlds} sampled worlds"
    where = ", ".join(x for x in (f"**{f.days}** each", f.warmup, f"on {f.corridor}" if f.corridor else "") if x)
    failed = f", {f.total - f.ok} failed" if f.total > f.ok else ""
    blocks: list[Block] = [Paragraph(f"What was run: {what}; {where} ({f.ok} runs ok{failed}).")]
    if compared:
        blocks += small_n_warnings(f.pairs, "paired replications" if paired else "runs per scenario")
    return blocks


def small_n_warnings(pairs: int, noun: str = "paired replications") -> list[Block]:
    """A plain warning below `RELIABLE_PAIRS` paired replications; stronger below `MIN_PAIRS`."""
    if pairs >= RELIABLE_PAIRS:
        return []
    if pairs == 1:
        noun = noun.replace("replications", "replication").replace("runs per", "run per")
    if pairs < MIN_PAIRS:
        text = (f"With only {pairs} {noun} no difference can be judged: nothing below is called better or worse. "
                f"Run at least {RELIABLE_PAIRS} (`replications={RECOMMENDED_PAIRS}` is the policy comparison's "
                "default).")
    else:
        text = (f"With only {pairs} {noun} intervals are unreliable; run at least {RELIABLE_PAIRS} "
                f"(`replications={RECOMMENDED_PAIRS}` is the policy comparison's default).")
    return [Callout(text)]


# ------------------------------------------------------------------------------------------------ the answer


def objectives(results: Results) -> list[str]:
    """The registry's objectives present in the data, in registry order."""
    return [k for k in outcomes.OBJECTIVES if k in results.runs]


@dataclass
class PackageRow:
    scenario: str
    diffs: dict[str, Estimate]
    verdicts: dict[str, str]
    cost: Estimate | None

    @property
    def better(self) -> list[str]:
        return [k for k, v in self.verdicts.items() if v == "better"]

    @property
    def worse(self) -> list[str]:
        return [k for k, v in self.verdicts.items() if v == "worse"]

    def sort_key(self) -> tuple[float, float, str]:
        extra = self.cost.mean if self.cost is not None and math.isfinite(self.cost.mean) else math.inf
        return (-(len(self.better) - len(self.worse)), extra, self.scenario)


def package_rows(results: Results, keys: list[str]) -> list[PackageRow]:
    """Each package against the baseline, best first: most objectives resolved better less those resolved
    worse, then cheapest."""
    baseline = results.baseline
    if baseline is None:
        return []
    packages = [s for s in results.scenarios if s != baseline and (results.ok["scenario"] == s).any()]
    diffs = {k: paired_differences(results.ok, k, baseline, packages) for k in keys}
    cost = (paired_differences(results.ok, outcomes.COST_KEY, baseline, packages)
            if outcomes.COST_KEY in results.runs else {})
    rows = [PackageRow(s, {k: diffs[k][s] for k in keys}, {k: judge(k, diffs[k][s]) for k in keys}, cost.get(s))
            for s in packages]
    return sorted(rows, key=PackageRow.sort_key)


def _ranks(rows: list[PackageRow], key: str) -> dict[str, int]:
    """Rank of each package on one objective by its mean gain in the better direction (1 = best)."""
    gains = {r.scenario: r.diffs[key].mean * direction(key) for r in rows if math.isfinite(r.diffs[key].mean)}
    order = sorted(gains, key=lambda s: -gains[s])
    return {s: i + 1 for i, s in enumerate(order)}


def _description(results: Results, scenario: str) -> str:
    if "scenario_description" not in results.ok:
        return ""
    values = results.ok.loc[results.ok["scenario"] == scenario, "scenario_description"].dropna().astype(str)
    return values.iloc[0] if len(values) and values.iloc[0] else ""


def _diff_cell(key: str, diff: Estimate, verdict: str, rank: int | None) -> str:
    value = fmt_diff(key, diff.mean)
    if rank is not None:
        value += f" (#{rank})"
    interval = fmt_diff_interval(key, diff.low, diff.high) if diff.has_interval else "no interval"
    judgement = JUDGEMENTS[verdict]
    if verdict == "unresolved":
        needed = replications_to_resolve(diff)
        judgement += f" (≈{needed} pairs would)" if needed is not None else " (needs >10,000 pairs)"
    return f"{value}\n{interval}\n{judgement}".rstrip()


def ranking_table(results: Results, rows: list[PackageRow], keys: list[str]) -> Table:
    """Packages (best first) × objectives: paired mean difference from the baseline (#rank on that
    objective), its 95% interval and the verdict; cells coloured by the verdict; the extra cost last."""
    ranks = {k: _ranks(rows, k) for k in keys}
    header = ["#", "package"]
    for k in keys:
        unit = diff_unit(k)
        way = "higher is better" if direction(k) > 0 else "lower is better"
        header.append(f"{short_label(k)}" + (f" ({unit})" if unit else "") + f"\n{way}")
    cost_unit = outcome_unit(outcomes.COST_KEY)
    header.append(f"extra policy cost ({cost_unit})")
    body, classes = [], []
    for i, r in enumerate(rows, start=1):
        description = _description(results, r.scenario)
        tally = f"better on {len(r.better)}, worse on {len(r.worse)}"
        cells = [str(i), "\n".join(x for x in (f"**{scenario_label(r.scenario)}**", tally, description) if x)]
        cls = ["", "note"]
        for k in keys:
            cells.append(_diff_cell(k, r.diffs[k], r.verdicts[k], ranks[k].get(r.scenario)))
            cls.append(r.verdicts[k] if r.verdicts[k] in ("better", "worse", "unresolved", "few", "no_spread")
                       else "")
        if r.cost is not None and math.isfinite(r.cost.mean):
            spread = ("fixed by the levers" if r.cost.no_spread else
                      fmt_diff_interval(outcomes.COST_KEY, r.cost.low, r.cost.high) if r.cost.has_interval else "")
            cells.append(f"{fmt(r.cost.mean, signed=True)}\n{spread}".rstrip())
        else:
            cells.append("n/a")
        cls.append("")
        body.append(cells)
        classes.append(cls)
    return Table(header, body, classes, kind="answer ranking")


def _ratio_text(effect: CostEffect, unit_scale: float) -> str:
    """'0.41\n[0.30, 0.62]' for a ratio in the column's unit; its interval may be open above."""
    ratio = effect.ratio
    assert ratio is not None
    low = fmt(ratio.low * unit_scale)
    high = "no upper bound" if not math.isfinite(ratio.high) else fmt(ratio.high * unit_scale)
    return f"{fmt(ratio.mean * unit_scale)}\n[{low}, {high}]"


#: Why a package gets no cost per unit of gain, in the words of the table.
NO_RATIO = {"worse": "made it worse", "unresolved": "no resolved gain", "few": "too few runs to tell",
            "no_spread": "no spread: cannot judge", "missing": "n/a"}


def cost_effectiveness_table(results: Results, rows: list[PackageRow]) -> tuple[Table, list[str]] | None:
    """Packages × objectives with a cost-effectiveness unit: extra policy cost per unit of resolved gain,
    with its 95% interval; otherwise why there is none. Returns the table and the objectives it covers."""
    keys = [k for k in outcomes.OBJECTIVES if outcomes.get(k).cost_per and k in results.runs]
    if not keys or outcomes.COST_KEY not in results.runs or not rows:
        return None
    cost_unit = outcome_unit(outcomes.COST_KEY)
    effects = {(r.scenario, k): cost_effectiveness(results, k, r.scenario, scale=display_scale(k))
               for r in rows for k in keys}
    # Each column in M, or in thousands where every ratio of the column is below 1 M (easier to read).
    scales: dict[str, tuple[float, str]] = {}
    for k in keys:
        ratios = [e.ratio.mean for (s, kk), e in effects.items() if kk == k and e.ratio is not None]
        small = cost_unit == "M" and ratios and max(abs(x) for x in ratios) < 1
        scales[k] = (1000.0, "thousand") if small else (1.0, cost_unit)
    header = ["package"] + [f"cost per {outcomes.get(k).cost_per} ({scales[k][1]})" for k in keys]
    cheapest = {k: min(((e.ratio.mean, s) for (s, kk), e in effects.items() if kk == k and e.ratio is not None),
                       default=(math.nan, ""))[1] for k in keys}
    body, classes = [], []
    for r in rows:
        cells, cls = [scenario_label(r.scenario)], [""]
        for k in keys:
            e = effects[(r.scenario, k)]
            if e.status == "ratio":
                text = _ratio_text(e, scales[k][0])
                if cheapest[k] == r.scenario:  # the best value for money on this objective
                    first, _, rest = text.partition("\n")
                    text = f"**{first}** (cheapest)\n{rest}"
                cells.append(text)
                cls.append("better")
            elif e.status == "free":
                saving = -e.cost.mean
                cells.append("gain at no extra cost" + (f"\n(saves {fmt(saving)} {cost_unit})" if saving > 0 else ""))
                cls.append("better")
            else:
                cells.append(NO_RATIO.get(e.status, e.status))
                cls.append("worse" if e.status == "worse" else "unresolved")
        body.append(cells)
        classes.append(cls)
    return Table(header, body, classes, kind="answer"), keys


def answer_section(results: Results, figures: Path) -> list[Block]:
    """The first page: ranking, cost-effectiveness and the trade-off figure (nothing when there is no
    baseline or no package to compare with it)."""
    keys = objectives(results)
    baseline = results.baseline
    rows = package_rows(results, keys) if keys else []
    blocks: list[Block] = [Section(ANSWER_ID), Heading("The answer")]
    if baseline is None or not rows:
        reason = ("there is no baseline in the data" if baseline is None else
                  "the experiment compares no policy package with the baseline")
        return [*blocks, Paragraph(f"No ranking: {reason}. The sections below describe the runs."),
                Section(ANSWER_ID, start=False)]
    facts = run_facts(results)
    n_text = (f"{facts.pairs} paired replications" if facts.pairs == facts.most_pairs
              else f"{facts.pairs}–{facts.most_pairs} paired replications")
    winners = [r for r in rows if len(r.better) > len(r.worse)]
    if facts.pairs < MIN_PAIRS:
        lead = "Too few replications to say which package does better: see the warning above."
    elif winners:
        top = winners[0]
        lead = (f"Most objectives won against `{baseline}`: **{scenario_label(top.scenario)}**, better on "
                f"{_and([short_label(k) for k in top.better])}"
                + (f", but worse on {_and([short_label(k) for k in top.worse])}" if top.worse else "")
                + (f", for {fmt(top.cost.mean, signed=True)} {outcome_unit(outcomes.COST_KEY)} of policy cost."
                   if top.cost is not None and math.isfinite(top.cost.mean) else "."))
    elif any(r.better for r in rows):
        lead = (f"No package is better than `{baseline}` on more objectives than it is worse on: each gain below "
                "comes with a loss.")
    else:
        lead = f"No package is resolved better than `{baseline}` on any objective with {n_text}."
    blocks.append(Paragraph(lead))
    blocks.append(Heading("Ranking against the baseline", 3))
    blocks.append(Paragraph(
        f"Each cell: the package's mean difference from `{baseline}` over {n_text} (run by run, on shared random "
        "numbers), its rank on that objective (#1 = largest gain), and its 95% interval. **Green**: better "
        "for policy, **red**: worse, judged by which way the objective should move, not by the sign; "
        "\"not resolved\": the interval includes 0, with the number of pairs that would resolve it if the "
        "estimated mean and spread held (a planning figure: the effect itself is uncertain). "
        "Packages are ordered by objectives won less objectives lost, "
        f"then by cost. Shares are in percent; their differences in percentage points (pp)."))
    blocks.append(ranking_table(results, rows, keys))
    made = cost_effectiveness_table(results, rows)
    if made is not None:
        table, _ = made
        blocks.append(Heading("Cost-effectiveness", 3))
        days = _days(results)
        blocks.append(Paragraph(
            f"Extra {outcome_label(outcomes.COST_KEY, with_unit=False)} over the {days} simulated, divided by the "
            "gain on each objective (a point of corruption share is one percentage point), with a 95% interval; "
            "given only where the gain is resolved and in the good direction. Lower is better value; the cheapest "
            "gain on each objective is in bold."))
        blocks.append(table)
    figure = plot_tradeoff(results, figures / "tradeoff.png", keys)
    if figure is not None:
        blocks.append(Heading("Trade-off: effect against cost", 3))
        blocks.append(Image(figure, "One row per package, cheapest on top: its extra policy cost, then its effect "
                                    f"on each objective against `{baseline}` (paired mean difference with its 95% "
                                    "interval; the shaded side is better)."))
    blocks.append(Section(ANSWER_ID, start=False))
    return blocks
