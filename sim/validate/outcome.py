"""What a validation is asked to do (`Settings`) and what it found (`ValidationOutcome`): shared by the
runner, which fills it, and the report, which reads it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from omegaconf import OmegaConf

from sim.intervals import Estimate
from sim.validate.catalogue import PATTERNS, Corridor, Pattern, corridor
from sim.validate.stats import CheckResult, Status

FULL_REPLICATIONS = 20
DEFAULT_CORRIDORS = ("default", "gen1", "gen2", "gen3")
#: The quick subset (the test suite's): its patterns, maps, run length, replications and a short warm-up.
QUICK_CORRIDORS = ("default", "gen1")
QUICK_DAYS, QUICK_REPLICATIONS, QUICK_WARMUP_DAYS = 60, 3, 30
SEED = 2026


@dataclass(frozen=True)
class Settings:
    """What to validate and where; `replications=None` takes the mode's default (20, quick 3)."""

    patterns: tuple[str, ...] = ()
    corridors: tuple[str, ...] = ()
    replications: int | None = None
    quick: bool = False
    out: Path = Path("results/validation")
    jobs: int = -1
    seed: int = SEED

    def chosen_patterns(self) -> list[Pattern]:
        names = self.patterns or tuple(p.name for p in PATTERNS.values() if p.quick or not self.quick)
        return [PATTERNS[n] for n in names]

    def chosen_corridors(self) -> list[Corridor]:
        return [corridor(c) for c in (self.corridors or (QUICK_CORRIDORS if self.quick else DEFAULT_CORRIDORS))]

    @property
    def n(self) -> int:
        """The replications asked for (the mode's default unless given)."""
        return self.replications or (QUICK_REPLICATIONS if self.quick else FULL_REPLICATIONS)

    def n_for(self, pattern: Pattern) -> int:
        """A pattern's replications: as asked; by default, the full suite gives a pattern with a small effect
        the replications it needs (`Pattern.replications`)."""
        if self.replications or self.quick:
            return self.n
        return max(self.n, pattern.replications or 0)

    def days(self, pattern: Pattern) -> int:
        return QUICK_DAYS if self.quick else pattern.days

    @property
    def extra(self) -> tuple[str, ...]:
        """Overrides of every quick run: a short warm-up (where the model has one), so that the subset stays
        a smoke test."""
        return (f"warmup_days={QUICK_WARMUP_DAYS}",) if self.quick and has_key("warmup_days") else ()


def has_key(key: str) -> bool:
    """The run config has this key (the suite runs on models with and without a warm-up)."""
    from sim.config import schema

    return OmegaConf.select(schema(), key, default=None) is not None


@dataclass
class ArmRun:
    """One arm on one corridor as it ran: its folder, how many runs, what failed."""

    arm: str
    overrides: tuple[str, ...]
    path: Path
    total: int
    ok: int
    ran: int
    errors: list[str] = field(default_factory=list)


@dataclass
class PatternResult:
    """One pattern on one corridor: the verdict, each check, and what the figures draw."""

    pattern: str
    corridor: str
    status: Status
    checks: list[CheckResult]
    context: dict[str, Any]
    arms: dict[str, ArmRun]
    estimates: dict[str, dict[str, Estimate]] = field(default_factory=dict)
    series: dict[str, pd.DataFrame] = field(default_factory=dict)
    note: str = ""
    seconds: float = 0.0


@dataclass
class ValidationOutcome:
    """Every result, and how many runs there were and how many ran now (the rest were resumed)."""

    settings: Settings
    results: list[PatternResult]
    total: int
    ran: int
    seconds: float
    model: str = ""  # the fingerprint of the model's source and configs the runs were made with

    @property
    def counts(self) -> dict[Status, int]:
        return {s: sum(r.status == s for r in self.results) for s in Status}

    @property
    def all_passed(self) -> bool:
        return all(r.status == Status.passed for r in self.results)
