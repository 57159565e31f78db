"""The report's entry points: `build_report(PATH)` writes `report.md`, a self-contained `report.html`
(figures embedded, no network) and PNG figures under `PATH/figures/`; `headline_table(PATH)` and
`pairing_line(PATH)` are the short texts printed at the end of a command.

The report opens with the answer (what was run, the ranking of the packages against the baseline, what each
gain costs, the trade-off figure) and keeps provenance and the detail for after it.

Everything is read from the results folder (`runs.parquet`, `timeseries.parquet`, `manifest.json`), so a
report can be rebuilt, or built for results gathered elsewhere, without the definition or the runner.
"""

from __future__ import annotations

import math
from pathlib import Path

from sim import outcomes
from sim.experiment.report.answer import answer_section
from sim.experiment.report.document import Block, Heading, render_html, render_markdown
from sim.experiment.report.formatting import fmt_diff, fmt_level, outcome_label
from sim.experiment.report.results import load_results
from sim.experiment.report.sections import (
    comparison_section,
    design_section,
    figures_section,
    header_section,
    notes_section,
    pairing_section,
    provenance_section,
    robustness_section,
    runs_section,
)
from sim.experiment.report.stats import (
    difference_flag,
    mean_ci,
    median_pairing_ratios,
    paired_differences,
    pairing_ratios,
)
from sim.results import write_atomic


def _write_text(path: Path, text: str) -> None:
    """Write via a temporary file so that a report is never left half-written."""
    write_atomic(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def build_report(path: str | Path) -> Path:
    """Write report.md, report.html and figures/*.png into the results folder PATH; returns report.md."""
    results = load_results(path)
    root = results.path
    figures = root / "figures"
    figures.mkdir(exist_ok=True)
    for old in figures.glob("*.png"):  # the folder belongs to the report: no stale figures from a rebuild
        old.unlink()
    blocks: list[Block] = [*header_section(results)]
    if not results.ok.empty:
        blocks += answer_section(results, figures)
    blocks += [*provenance_section(results), *runs_section(results), *comparison_section(results)]
    if not results.ok.empty:
        blocks += [*pairing_section(results), *figures_section(results, figures),
                   *robustness_section(results, figures), *design_section(results, figures)]
    blocks += notes_section(results)
    title = blocks[0].text if isinstance(blocks[0], Heading) else "Experiment report"
    _write_text(root / "report.html", render_html(blocks, title))
    report = root / "report.md"
    _write_text(report, render_markdown(blocks, root))
    return report


def headline_table(path: str | Path) -> str:
    """A short plain-text table of the headline differences from the baseline, for a terminal; outcomes
    are headed by their registry labels, with units on a second line where the label needs one."""
    results = load_results(path)
    keys = [k for k in outcomes.HEADLINE if k in results.runs]
    baseline = results.baseline
    if results.ok.empty or not keys:
        return "no successful runs to summarise"
    if baseline is None:
        title = "Mean per scenario (no baseline in the data):"
        cells = {s: {k: fmt_level(k, mean_ci(results.ok.loc[results.ok["scenario"] == s, k]).mean) for k in keys}
                 for s in results.scenarios}
    else:
        title = f"Difference from {baseline} (▲/▼: 95% interval excludes zero, from 3 or more pairs):"
        cells = {}
        for k in keys:
            diffs = paired_differences(results.ok, k, baseline, results.scenarios)
            for s, d in diffs.items():
                cells.setdefault(s, {})[k] = f"{fmt_diff(k, d.mean)} {difference_flag(d)}".rstrip()
    if not cells:
        return f"{title}\n(only the baseline ran)"
    names = {k: outcome_label(k, with_unit=False) for k in keys}
    units = {k: f"({outcomes.get(k).unit})" if outcome_label(k) != names[k] else "" for k in keys}
    width = max(len("scenario"), *(len(s) for s in cells))
    widths = {k: max(len(names[k]), len(units[k]), *(len(c[k]) for c in cells.values())) for k in keys}
    lines = [title, "  ".join(["scenario".ljust(width), *(names[k].rjust(widths[k]) for k in keys)])]
    if any(units.values()):
        lines.append("  ".join([" " * width, *(units[k].rjust(widths[k]) for k in keys)]))
    lines += ["  ".join([s.ljust(width), *(c[k].rjust(widths[k]) for k in keys)]) for s, c in cells.items()]
    return "\n".join(lines)


def pairing_line(path: str | Path) -> str:
    """One line: the median pairing ratio per headline outcome over scenarios; '' when runs cannot be
    compared in pairs (no baseline, only the baseline, or runs that share no design)."""
    table = pairing_ratios(load_results(path), outcomes.HEADLINE)
    if table.empty:
        return ""
    medians = median_pairing_ratios(table)
    shown = ", ".join(f"{outcome_label(k, with_unit=False)} {v:.2f}" if math.isfinite(v) else
                      f"{outcome_label(k, with_unit=False)} n/a" for k, v in medians.items())
    return f"pairing (median sd paired / unpaired difference; below 1: common random numbers help): {shown}"
