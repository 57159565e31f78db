"""The experiment report: tables, figures, Markdown and self-contained HTML."""

from sim.experiment.report.build import *  # noqa: F403
from sim.experiment.report.build import build_report, headline_table

__all__ = ["build_report", "headline_table"]
