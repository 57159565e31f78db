"""Trafficking victims: identification (at seizures and through tips), referral and shelter.

Levers: `policy.victim_protection` sets shelter capacity (`policy.shelter_capacity`) and referral
(`policy.referral_prob`); `policy.community_engagement` lifts identification through tips
(`policy.tip_line`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.core import policy

if TYPE_CHECKING:
    from sim.core.agents.community import Community
    from sim.core.context import Sim

DAYS_PER_MONTH = 30.0


class Victims:
    """Shelters per country and the identification of victims among a locality's residents."""

    def __init__(self, sim: Sim, communities_of: dict[str, list[Community]]) -> None:
        self.sim = sim
        self.communities_of = communities_of
        self.rng = sim.stream("victims")

    def shelter_room(self, country: str) -> int:
        """Free shelter places in a country."""
        used = sum(c.protected_count for c in self.communities_of.get(country, ()))
        return max(0, policy.shelter_capacity(self.sim.params) - used)

    def identify(self, community: Community, victims: np.ndarray) -> int:
        """Identify victims of a community; they are sheltered in their home country while room lasts."""
        identified, protected = community.identify(victims, self.shelter_room(community.country))
        if identified:
            self.sim.record("victim_identified", node=community.node, value=float(identified))
            if protected:
                self.sim.record("victim_protected", node=community.node, value=float(protected))
        return identified

    def found_by_tips(self, community: Community) -> None:
        """Residents' reports find some exploited victims: per victim and day,
        identification_by_tip_prob / 30 x tip line x mean trust."""
        exploited = community.victims_count
        if exploited == 0:
            return
        p = self.sim.params
        rate = p.victims.identification_by_tip_prob / DAYS_PER_MONTH * policy.tip_line(p)
        found = int(self.rng.binomial(exploited, min(1.0, rate * community.mean_trust)))
        if found:
            self.identify(community, community.current_victims(found))
