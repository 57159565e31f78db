"""Officers of five agencies, and the corruption rule they share."""

from __future__ import annotations

import math
from enum import StrEnum
from typing import TYPE_CHECKING

import mesa

if TYPE_CHECKING:
    from sim.core.model import CorridorModel


class Agency(StrEnum):
    POLICE = "police"
    CUSTOMS = "customs"
    BORDER_GUARD = "border_guard"
    INTELLIGENCE = "intelligence"
    FIU = "fiu"  # financial intelligence unit


class Officer(mesa.Agent):
    """One officer: an agency in one country, a post (checkpoint or trail) or none, honest or corrupt.

    `unit` groups officers who see each other's conduct: the post for customs and border guards, the
    agency in the country for the others.
    """

    def __init__(self, model: CorridorModel, agency: Agency, country: str, post: str | None) -> None:
        super().__init__(model)
        self.agency = agency
        self.country = country
        self.post = post
        self.unit = (agency.value, country, post or "")
        self.integrity = float(model.rng.normal(0.0, 0.5))
        self.corrupt = False
        self.corrupt_for: int | None = None  # organisation whose contact this officer is

    def readiness(self, bribe: float, peer_share: float) -> float:
        """Probability of accepting a bribe (the corruption rule; docs/ODD.md, submodel 'Corruption').

        logit = base + peer_weight * peer_share + bribe_weight * bribe / pay
                - oversight_weight * oversight - pay_weight * (pay - 1)
                - whistleblower_weight * protection - integrity
        Levers: `policy.oversight`, `policy.officer_pay`, `policy.whistleblower_protection`.
        """
        o = self.model.cfg.officers
        p = self.model.cfg.policy
        pay = max(p.officer_pay, 0.05)
        logit = (
            o.corruption_base
            + o.peer_weight * peer_share
            + o.bribe_weight * bribe / pay
            - o.oversight_weight * p.oversight
            - o.pay_weight * (p.officer_pay - 1.0)
            - o.whistleblower_weight * float(p.whistleblower_protection)
            - self.integrity
        )
        return 1.0 / (1.0 + math.exp(-logit))
