"""The experiment report: tables, figures, Markdown and self-contained HTML, from a results folder alone.

Parts, each importing only those listed above it: `results` (reading the folder), `formatting`, `stats`
(estimates, level intervals inside their range, paired differences and their judgement, cost-effectiveness,
pairing efficiency, robustness), `sensitivity` (Morris, Sobol), `figures`, `document` (blocks rendered as
Markdown and HTML), `answer` (the first page: what was run, ranking, cost-effectiveness, trade-off),
`sections`, `build` (the entry points). None of them imports the experiment runner or its definition.
"""

from sim.experiment.report.build import build_report, headline_table, pairing_line
from sim.experiment.report.results import Results, load_results
from sim.experiment.report.sensitivity import AnalysisUnavailableError, morris_indices, sobol_indices
from sim.experiment.report.stats import (
    CostEffect,
    Estimate,
    comparison_table,
    cost_effectiveness,
    judge,
    level_ci,
    mean_ci,
    median_pairing_ratios,
    paired_differences,
    pairing_ratios,
    robustness_table,
)

__all__ = [
    "AnalysisUnavailableError", "CostEffect", "Estimate", "Results", "build_report", "comparison_table",
    "cost_effectiveness", "headline_table", "judge", "level_ci", "load_results", "mean_ci", "median_pairing_ratios",
    "morris_indices", "paired_differences", "pairing_line", "pairing_ratios", "robustness_table", "sobol_indices",
]
