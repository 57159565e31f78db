"""The one call: run (or resume) the catalogue, then write what it found."""

from __future__ import annotations

from sim.validate.outcome import Settings, ValidationOutcome
from sim.validate.runner import run_catalogue


def run_validation(settings: Settings, verbose: bool = False, progress: bool | None = None) -> ValidationOutcome:
    """Run the chosen patterns on the chosen corridors (finished runs are skipped), then write
    `validation.json`, `report.md`, `report.html` and `figures/` into `settings.out`.

    Raises:
        sim.errors.ConfigError: bad input, with one line naming it, before any run.
    """
    outcome = run_catalogue(settings, verbose=verbose, progress=progress)
    from sim.validate.report import build_report, write_json  # loaded late: matplotlib is slow to import

    write_json(outcome)
    build_report(outcome)
    return outcome
