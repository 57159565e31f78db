"""Trafficking victims: identification (screening at seizures, and through tips and outreach), referral and
shelter, and what identified victims tell investigators.

Identification is rare, as it is in the world: UNODC's Global Report on Trafficking in Persons counts about
50,000 detected victims a year against the ILO/Walk Free/IOM estimate of 27.6 million people in forced labour
(2021), about 0.2%. A corridor with active enforcement does better, but in the low single-digit percent a
year, not tens of percent (docs/ODD.md 7.11 has the arithmetic of the baseline).

Levers: `policy.victim_protection` sets shelter capacity (`policy.shelter_capacity`), referral
(`policy.referral_prob`) and screening at seizures (`policy.screening_prob`); `policy.community_engagement`
lifts identification through tips (`policy.tip_line`).
"""

from __future__ import annotations

import heapq
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from sim.core import policy
from sim.core.streams import pick

if TYPE_CHECKING:
    from sim.core.agents.community import Community
    from sim.core.context import Leads, Sim

DAYS_PER_MONTH = 30.0
#: The members a victim meets and can name: who recruited them and who controlled them.
KNOWN_TO_VICTIMS = ("recruiter", "lieutenant")


class Victims:
    """Shelters per country, the identification of victims among a locality's residents, and the leads and
    witnesses identified victims give (`connect` the investigations and the organisations)."""

    def __init__(self, sim: Sim, communities_of: dict[str, list[Community]]) -> None:
        self.sim = sim
        self.communities_of = communities_of
        self.rng = sim.stream("victims")
        self.screening_draws = sim.stream("victims.screening")
        self.lead_draws = sim.stream("victims.leads")
        self.leads: Leads | None = None
        self.organisations: dict[int, Any] = {}  # by id (the model adds entrants, as for other mechanisms)
        self._witnesses: dict[int, int] = {}  # member id -> protected victims able to testify against him
        self._witness_ends: list[tuple[float, int]] = []  # a heap of (until, member id)

    def connect(self, leads: Leads, organisations: Sequence[Any]) -> None:
        """Where victims' information goes (the investigations), and the organisations it can name."""
        self.leads = leads
        self.organisations = {o.unique_id: o for o in organisations}

    def shelter_room(self, country: str) -> int:
        """Free shelter places in a country."""
        used = sum(c.protected_count for c in self.communities_of.get(country, ()))
        return max(0, policy.shelter_capacity(self.sim.params) - used)

    def identify(self, community: Community, victims: np.ndarray) -> int:
        """Victims on a seized people shipment are screened: each is recognised as a victim, not processed as
        an irregular migrant, with `policy.screening_prob`; returns how many were identified."""
        recognised = victims[self.screening_draws.random(victims.size) < policy.screening_prob(self.sim.params)]
        return self._identify(community, recognised)

    def found_by_tips(self, community: Community) -> None:
        """Residents' reports and outreach find some exploited victims: per victim and day,
        identification_by_tip_prob / 30 x tip line x mean trust."""
        exploited = community.victims_count
        if exploited == 0:
            return
        p = self.sim.params
        rate = p.victims.identification_by_tip_prob / DAYS_PER_MONTH * policy.tip_line(p)
        found = int(self.rng.binomial(exploited, min(1.0, rate * community.mean_trust)))
        if found:
            self._identify(community, community.current_victims(found))

    def _identify(self, community: Community, victims: np.ndarray) -> int:
        """Identify victims of a community: sheltered in their home country while room lasts, and heard."""
        if victims.size == 0:
            return 0
        identified, sheltered = community.identify(victims, self.shelter_room(community.country))
        if identified.size:
            self.sim.record("victim_identified", node=community.node, value=float(identified.size))
            if sheltered.size:
                self.sim.record("victim_protected", node=community.node, value=float(sheltered.size))
            self._give_leads(community, identified, sheltered)
            self._keep_witnesses(community.handled_by[sheltered])
        return int(identified.size)

    def _keep_witnesses(self, handlers: np.ndarray) -> None:
        """Sheltered victims stay available to testify against the man who controlled them (their handler, a
        lieutenant) for `victims.witness_days` (witness protection until the trials, which come months after
        identification). A victim can speak to what he did, not to the rest of the organisation."""
        until = self.sim.env.now + self.sim.params.victims.witness_days
        for member_id in handlers[handlers >= 0]:
            key = int(member_id)
            self._witnesses[key] = self._witnesses.get(key, 0) + 1
            heapq.heappush(self._witness_ends, (until, key))

    def _give_leads(self, community: Community, identified: np.ndarray, sheltered: np.ndarray) -> None:
        """Identified victims may name a recruiter or lieutenant of the organisation that trafficked them: a
        `victim` lead (a victim case, so testimony counts at trial). Each victim talks with
        `victims.lead_prob_sheltered` if sheltered (safe, supported), else `victims.lead_prob_unsheltered`
        (fear of reprisals); one lead per organisation at most."""
        if self.leads is None:
            return
        v = self.sim.params.victims
        orgs = community.trafficked_by[identified]
        handlers = community.handled_by[identified]
        safe = np.isin(identified, sheltered)
        for org_id in np.unique(orgs[orgs >= 0]):
            mine = orgs == org_id
            n_safe = int(np.count_nonzero(mine & safe))
            silent = (1.0 - v.lead_prob_sheltered) ** n_safe * (1.0 - v.lead_prob_unsheltered) ** (
                int(np.count_nonzero(mine)) - n_safe)
            if self.lead_draws.random() >= 1.0 - silent:
                continue
            org = self.organisations.get(int(org_id))
            if org is None:
                continue
            members = org.active_members
            # The man who controlled them, if still free; else someone they met (a recruiter or lieutenant).
            theirs = {int(h) for h in handlers[mine]}
            known = ([x for x in members if x.unique_id in theirs]
                     or [x for x in members if x.role.value in KNOWN_TO_VICTIMS] or members)
            if known:
                self.leads.open(pick(self.lead_draws, known), "victim", community.country, victim_case=True)

    def witnesses(self, member_id: int) -> int:
        """Protected victims able to testify against this member now (at his trial: he controlled them)."""
        ends, now = self._witness_ends, self.sim.env.now
        while ends and ends[0][0] <= now:
            _, key = heapq.heappop(ends)
            left = self._witnesses[key] - 1
            if left:
                self._witnesses[key] = left
            else:
                del self._witnesses[key]
        return self._witnesses.get(member_id, 0)
