"""The investigation pipeline (lead → analysis → sharing → operation → arrest).

Each stage is a simpy process step with limited capacity (analysts, financial investigators, police
teams), so the time from lead to action is measured, not assumed. An arrest sends the person to trial
(`sim.core.mechanisms.justice`) and may give new leads. Every lead also goes into the intelligence picture
(`sim.core.mechanisms.intelligence`), from which customs and border guards learn what they are shared.

Every lead ends in one fate: it reaches action (a police operation against its target: an arrest, a
failed arrest, or a leak that warns the target) or it is dropped (lost between agencies, or stale: its
target no longer free by the time the police could act). Time to action is measured over the first kind;
the share of the second is a result of its own.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Generator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np
import simpy

from sim.core import policy
from sim.core.agents.facilitator import Facilitator, FacilitatorKind
from sim.core.agents.organisation import RANK, Member, Role
from sim.core.agents.status import Status
from sim.core.mechanisms.justice import org_id
from sim.core.streams import pick

if TYPE_CHECKING:
    from sim.core.context import Residents, Sim
    from sim.core.mechanisms.justice import Justice
    from sim.core.mechanisms.market import FacilitatorMarket

Target = Member | Facilitator


class AssetTracing(Protocol):
    def trace_assets(self, person: Any) -> None: ...


class PoliceIntegrity(Protocol):
    def police_share(self, country: str) -> float: ...


class LeadPicture(Protocol):
    """Where leads go besides the pipeline: the intelligence picture (`Intelligence.lead`)."""

    def lead(self, source: str, country: str, org_ids: Sequence[int], quality: float) -> None: ...


#: How a lead ends: reaching action (a police operation) ...
REACHED = ("arrested", "missed", "leaked")
#: ... or dropped before one.
DROPPED = ("lost", "stale")


@dataclass
class Lead:
    id: int
    target: Target
    source: str  # seizure, talk, tip, financial, corruption, victim
    country: str  # where the information arose
    opened: float
    quality: float  # worth as evidence and as a pointer (0-1; `investigation.quality_<source>`)
    rng: np.random.Generator  # this lead's own draws (keyed by target and day: `Investigations.open`)
    victim_case: bool = False


def _rank(target: Target) -> int:
    return RANK[target.role.value] if isinstance(target, Member) else 2


class Investigations:
    """Analysts, financial-intelligence units and police teams per country, and the leads in flight.

    Levers: `policy.intel_sharing` and `policy.joint_task_force` set the sharing stage's delay and loss
    (`policy.sharing_delay_days`, `policy.lead_loss_prob`); `policy.targeting` orders the analysis and
    operation queues and decides whom a talking arrestee names. Results, over leads whose fate fell on a
    measured day (time >= 0): `time_to_action` (days from lead to the operation, per lead that reached one),
    `fates` (leads per fate, `REACHED` and `DROPPED`), and `high_rank_arrests`.
    """

    def __init__(self, sim: Sim, countries: list[str], justice: Justice, market: FacilitatorMarket) -> None:
        self.sim = sim
        o = sim.params.officers
        env = sim.env
        self.justice = justice
        self.market = market
        self.analysts = {c: simpy.PriorityResource(env, capacity=o.analysts_per_country) for c in countries}
        self.fiu = {c: simpy.PriorityResource(env, capacity=o.fiu_per_country) for c in countries}
        teams = max(1, o.police_per_country // o.police_team_size)
        self.police = {c: simpy.PriorityResource(env, capacity=teams) for c in countries}
        self.pursued: set[int] = set()
        self._leads_on: dict[tuple[int, int], int] = {}  # (target, day) -> leads opened on them that day
        self.time_to_action: list[float] = []
        self.fates: Counter[str] = Counter()
        self.high_rank_arrests = 0
        self._next_id = 0
        self.organisations: dict[int, Any] = {}
        self.residents: Residents | None = None
        self.tracing: AssetTracing | None = None
        self.integrity: PoliceIntegrity | None = None
        self.picture: LeadPicture | None = None

    def connect(self, organisations: list[Any], residents: Residents, tracing: AssetTracing,
                integrity: PoliceIntegrity, picture: LeadPicture | None = None) -> None:
        self.organisations = {o.unique_id: o for o in organisations}
        self.residents, self.tracing, self.integrity = residents, tracing, integrity
        self.picture = picture

    def dropped_share(self) -> float | None:
        """Share of leads settled in the measured days that were dropped rather than acted on (None if none)."""
        reached = sum(self.fates[f] for f in REACHED)
        dropped = sum(self.fates[f] for f in DROPPED)
        return dropped / (reached + dropped) if reached + dropped else None

    def _settle(self, lead: Lead, fate: str) -> None:
        """Record how a lead ended, if it ended on a measured day; time to action for those acted on."""
        now = self.sim.env.now
        if now < 0:
            return
        self.fates[fate] += 1
        if fate in REACHED:
            self.time_to_action.append(now - lead.opened)

    def _clients(self, facilitator: Facilitator) -> list[Any]:
        return [self.organisations[i] for i in sorted(facilitator.clients) if i in self.organisations]

    # ------------------------------------------------------------------ targeting policy
    def priority(self, lead: Lead) -> int:
        """Queue order (lower first) under `policy.targeting`; `random` keeps arrival order."""
        targeting = self.sim.params.policy.targeting
        t = lead.target
        if targeting == "kingpin":
            return _rank(t)
        if targeting == "broker":
            is_broker = isinstance(t, Facilitator) or t.role is Role.LIEUTENANT
            return 0 if is_broker else 1 + _rank(t)
        if targeting == "financial":
            if lead.source == "financial" or (isinstance(t, Facilitator) and t.kind is FacilitatorKind.LAUNDERER):
                return 0
            return 1 + _rank(t)
        return 0

    def name_accomplice(self, arrested: Target, rng: np.random.Generator) -> Target | None:
        """Whom an arrestee who talks gives up, as `policy.targeting` steers the interview."""
        targeting = self.sim.params.policy.targeting
        if isinstance(arrested, Facilitator):
            pool: list[Target] = [x for o in self._clients(arrested) for x in o.active_members
                                  if x.role is not Role.COURIER]
        else:
            org = arrested.org
            pool = [x for x in org.neighbours(arrested) if x.active]
            if targeting == "financial":
                pool += self.market.clients_of(org.unique_id, FacilitatorKind.LAUNDERER)
        if not pool:
            return None
        if targeting == "kingpin":
            return min(pool, key=lambda x: (_rank(x), x.unique_id))
        if targeting == "broker":  # whoever the most contact runs through; facilitators bridge organisations
            def brokerage(x: Target) -> float:
                return x.org.brokerage(x) if isinstance(x, Member) else 1.0 + len(x.clients)
            return max(pool, key=lambda x: (brokerage(x), -x.unique_id))
        if targeting == "financial":
            money = [x for x in pool if isinstance(x, Facilitator) or x.role is Role.LEADER]
            if money:
                return pick(rng, money)
        return pick(rng, pool)

    def develop(self, target: Target, rng: np.random.Generator) -> Target | None:
        """Whom analysts aim at instead, under `policy.targeting`: up the chain (kingpin), to the
        contact with the highest betweenness (broker), to the money (financial); `random` acts on the lead
        as it came.

        Happens with probability `investigation.develop_prob`, and costs a second analysis round.
        """
        targeting = self.sim.params.policy.targeting
        if targeting == "random" or rng.random() >= self.sim.params.investigation.develop_prob:
            return None
        if isinstance(target, Facilitator):
            if targeting == "financial":
                return None
            heads = [x for o in self._clients(target) for x in o.active_members if x.role is Role.LIEUTENANT]
            return pick(rng, heads) if heads else None
        org = target.org
        if targeting == "financial":
            launderers = self.market.clients_of(org.unique_id, FacilitatorKind.LAUNDERER)
            if launderers:
                return pick(rng, launderers)
            return org.leader()
        if targeting == "broker":  # toward the contact with the highest betweenness, if above the target's
            around = [x for x in org.neighbours(target) if x.active]
            best = max(around, key=lambda x: (org.brokerage(x), -x.unique_id), default=None)
            return best if best is not None and org.brokerage(best) > org.brokerage(target) else None
        above = [x for x in org.neighbours(target) if x.active and _rank(x) < _rank(target)]
        if not above:
            return None
        return min(above, key=lambda x: (_rank(x), x.unique_id))

    # ------------------------------------------------------------------ the pipeline
    def open(self, target: Target | None, source: str, country: str, victim_case: bool = False) -> None:
        """Start a lead unless the target is already pursued or no longer free."""
        if target is None or not target.active or target.unique_id in self.pursued:
            return
        self._next_id += 1
        quality = getattr(self.sim.params.investigation, f"quality_{source}")
        # The n-th lead on a person opened on a given day draws the same in two runs (common random numbers).
        day = math.floor(self.sim.env.now)
        nth = self._leads_on[target.unique_id, day] = self._leads_on.get((target.unique_id, day), 0) + 1
        rng = self.sim.stream("lead", target.unique_id, day, nth, keep=False)
        lead = Lead(self._next_id, target, source, country, self.sim.env.now, quality, rng, victim_case)
        self.pursued.add(target.unique_id)
        self.sim.record("lead_opened", actor=lead.id, target=target.unique_id, node=country, detail=source,
                        org=org_id(target))
        if self.picture is not None:
            orgs = [target.org.unique_id] if isinstance(target, Member) else sorted(target.clients)
            self.picture.lead(source, country, orgs, quality)
        self.sim.env.process(self._pipeline(lead))

    def _pipeline(self, lead: Lead) -> Generator[simpy.Event, Any, None]:
        sim = self.sim
        env = sim.env
        inv = sim.params.investigation
        rng = lead.rng
        target = lead.target
        try:
            units = self.fiu if lead.source == "financial" else self.analysts
            with units[lead.country].request(priority=self.priority(lead)) as req:
                yield req
                yield env.timeout(float(rng.exponential(inv.analysis_days)))
                better = self.develop(target, rng)
                if better is not None:
                    # Building a case on someone higher up takes another round of analysis.
                    yield env.timeout(float(rng.exponential(inv.analysis_days)))
                    if better.active and better.unique_id not in self.pursued:
                        self.pursued.discard(target.unique_id)
                        self.pursued.add(better.unique_id)
                        sim.record("lead_developed", actor=lead.id, target=better.unique_id, org=org_id(better),
                                   node=lead.country, detail=str(better.role))
                        lead.target = target = better
            p = sim.params
            acting_country = target.home_country
            cross_border = acting_country != lead.country
            if rng.random() < policy.lead_loss_prob(p, cross_border):
                sim.record("lead_lost", actor=lead.id, target=target.unique_id, node=lead.country, org=org_id(target))
                self._settle(lead, "lost")
                return
            yield env.timeout(float(rng.exponential(policy.sharing_delay_days(p, cross_border))))
            sim.record("lead_shared", actor=lead.id, target=target.unique_id, node=acting_country,
                       org=org_id(target), value=float(cross_border))
            with self.police[acting_country].request(priority=self.priority(lead)) as req:
                yield req
                yield env.timeout(float(rng.exponential(inv.operation_days)))
            if not target.active:  # taken meanwhile (another lead, a seizure) or gone: the lead went stale
                self._settle(lead, "stale")
                return
            sim.record("operation", actor=lead.id, target=target.unique_id, node=acting_country, org=org_id(target))
            leak = inv.leak_weight * (self.integrity.police_share(acting_country) if self.integrity else 0.0)
            if rng.random() < leak:
                sim.record("lead_leaked", actor=lead.id, target=target.unique_id, node=acting_country,
                           org=org_id(target))
                self._settle(lead, "leaked")
                return
            w = inv.arrest_quality_weight
            if rng.random() < inv.arrest_prob * (1.0 - w + w * lead.quality):
                self._settle(lead, "arrested")
                self.arrest(target, lead.source, acting_country, lead.quality, cross_border, lead.victim_case)
            else:
                self._settle(lead, "missed")
        finally:
            self.pursued.discard(target.unique_id)

    # ------------------------------------------------------------------ arrest
    def arrest(self, person: Target, source: str, country: str, evidence: float, cross_border: bool,
               victim_case: bool = False) -> None:
        """Take a member or facilitator into custody, send them to trial, and follow up if they talk."""
        if isinstance(person, Facilitator):
            person.set_status(Status.CUSTODY)
        else:
            person.org.set_status(person, Status.CUSTODY)
            if RANK[person.role.value] <= RANK["lieutenant"]:
                self.high_rank_arrests += 1
        self.sim.record("arrest", org=org_id(person), target=person.unique_id, node=country, value=evidence,
                        detail=f"{person.role}/{source}")
        if self.residents is not None:
            self.residents.observe(country, "enforcement")
        if self.tracing is not None:
            self.tracing.trace_assets(person)
        self.justice.try_case(person, evidence, cross_border, victim_case)
        rng = self.sim.stream("interview", person.unique_id, math.floor(self.sim.env.now), keep=False)
        if rng.random() < self.sim.params.investigation.talk_prob:
            self.open(self.name_accomplice(person, rng), "talk", country)
