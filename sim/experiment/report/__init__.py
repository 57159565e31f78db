"""The experiment report: tables, figures, Markdown and self-contained HTML, from a results folder alone.

Parts, each importing only those listed above it: `results` (reading the folder), `formatting`, `stats`
(estimates, paired differences, pairing efficiency, robustness), `sensitivity` (Morris, Sobol), `figures`,
`document` (blocks rendered as Markdown and HTML), `sections`, `build` (the entry points). None of them
imports the experiment runner or its definition.
"""

from sim.experiment.report.build import build_report, headline_table, pairing_line
from sim.experiment.report.results import Results, load_results
from sim.experiment.report.sensitivity import AnalysisUnavailableError, morris_indices, sobol_indices
from sim.experiment.report.stats import (
    Estimate,
    comparison_table,
    mean_ci,
    median_pairing_ratios,
    paired_differences,
    pairing_ratios,
    robustness_table,
)

__all__ = [
    "AnalysisUnavailableError", "Estimate", "Results", "build_report", "comparison_table", "headline_table",
    "load_results", "mean_ci", "median_pairing_ratios", "morris_indices", "paired_differences", "pairing_line",
    "pairing_ratios", "robustness_table", "sobol_indices",
]
