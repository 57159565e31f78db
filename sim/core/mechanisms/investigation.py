"""The investigation pipeline (lead → analysis → sharing → operation → arrest) and trials.

Each stage is a simpy process step with limited capacity (analysts, police teams), so the time from
lead to action is measured, not assumed.
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import simpy

from sim.core.agents.facilitator import Facilitator, FacilitatorKind
from sim.core.agents.organisation import RANK, Member, Role
from sim.core.policy import lead_loss_prob, sharing_delay_days

if TYPE_CHECKING:
    from sim.core.model import CorridorModel

Target = Member | Facilitator

#: How much a lead of each source is worth as evidence and as a pointer (0-1).
LEAD_QUALITY = {"seizure": 1.0, "talk": 0.6, "tip": 0.3, "financial": 0.8, "corruption": 0.5, "victim": 0.7}


@dataclass
class Lead:
    id: int
    target: Target
    source: str
    country: str  # where the information arose
    opened: float
    victim_case: bool = False

    @property
    def quality(self) -> float:
        return LEAD_QUALITY[self.source]


def _rank(target: Target) -> int:
    return RANK[target.role.value] if isinstance(target, Member) else 2


class Investigations:
    """Analysts, financial-intelligence units and police teams per country, and the leads in flight.

    Levers: `policy.intel_sharing` and `policy.joint_task_force` set the sharing stage's delay and loss;
    `policy.targeting` orders the analysis and operation queues and decides whom a talking arrestee names.
    """

    def __init__(self, model: CorridorModel) -> None:
        self.model = model
        o = model.cfg.officers
        env = model.env
        countries = model.corridor.countries
        self.analysts = {c: simpy.PriorityResource(env, capacity=o.analysts_per_country) for c in countries}
        self.fiu = {c: simpy.PriorityResource(env, capacity=o.fiu_per_country) for c in countries}
        self.police = {c: simpy.PriorityResource(env, capacity=max(1, o.police_per_country // 3))
                       for c in countries}
        self.pursued: set[int] = set()
        self._next_id = 0

    # ------------------------------------------------------------------ targeting policy
    def priority(self, lead: Lead) -> int:
        """Queue order (lower first) under `policy.targeting`; `random` keeps arrival order."""
        policy = self.model.cfg.policy.targeting
        t = lead.target
        if policy == "kingpin":
            return _rank(t)
        if policy == "broker":
            is_broker = isinstance(t, Facilitator) or t.role is Role.LIEUTENANT
            return 0 if is_broker else 1 + _rank(t)
        if policy == "financial":
            if lead.source == "financial" or (isinstance(t, Facilitator) and t.kind is FacilitatorKind.LAUNDERER):
                return 0
            return 1 + _rank(t)
        return 0

    def name_accomplice(self, arrested: Target) -> Target | None:
        """Whom an arrestee who talks gives up, as `policy.targeting` steers the interview."""
        m = self.model
        policy = m.cfg.policy.targeting
        if isinstance(arrested, Facilitator):
            orgs = [o for o in m.organisations if o.unique_id in arrested.clients]
            pool: list[Target] = [x for o in orgs for x in o.active_members if x.role is not Role.COURIER]
        else:
            org = arrested.org
            pool = [x for x in org.neighbours(arrested) if x.active]
            if policy == "financial":
                pool += [f for f in m.facilitators if f.active and org.unique_id in f.clients
                         and f.kind is FacilitatorKind.LAUNDERER]
        if not pool:
            return None
        if policy == "kingpin":
            return min(pool, key=lambda x: (_rank(x), x.unique_id))
        if policy == "broker":
            def degree(x: Target) -> int:
                return len(x.org.ties.get(x.unique_id, ())) if isinstance(x, Member) else 10 + len(x.clients)
            return max(pool, key=lambda x: (degree(x), -x.unique_id))
        if policy == "financial":
            money = [x for x in pool if isinstance(x, Facilitator) or x.role is Role.LEADER]
            if money:
                return money[int(m.rng.integers(len(money)))]
        return pool[int(m.rng.integers(len(pool)))]

    def develop(self, target: Target) -> Target | None:
        """Whom analysts aim at instead, under `policy.targeting`: up the chain (kingpin), to the
        cell's broker (broker), to the money (financial); `random` acts on the lead as it came.

        Happens with probability `investigation.develop_prob`, and costs a second analysis round.
        """
        m = self.model
        policy = m.cfg.policy.targeting
        if policy == "random" or m.rng.random() >= m.cfg.investigation.develop_prob:
            return None
        if isinstance(target, Facilitator):
            if policy == "financial":
                return None
            orgs = [o for o in m.organisations if o.unique_id in target.clients]
            heads = [x for o in orgs for x in o.active_members if x.role is Role.LIEUTENANT]
            return heads[int(m.rng.integers(len(heads)))] if heads else None
        org = target.org
        if policy == "financial":
            launderers = [f for f in m.facilitators if f.active and f.kind is FacilitatorKind.LAUNDERER
                          and org.unique_id in f.clients]
            if launderers:
                return launderers[int(m.rng.integers(len(launderers)))]
            return org.leader()
        above = [x for x in org.neighbours(target) if x.active and _rank(x) < _rank(target)]
        if policy == "broker":
            above = [x for x in above if x.role is Role.LIEUTENANT]
        if not above:
            return None
        return min(above, key=lambda x: (_rank(x), x.unique_id))

    # ------------------------------------------------------------------ the pipeline
    def open(self, target: Target | None, source: str, country: str, victim_case: bool = False) -> None:
        """Start a lead unless the target is already pursued or no longer free."""
        if target is None or not target.active or target.unique_id in self.pursued:
            return
        m = self.model
        self._next_id += 1
        lead = Lead(self._next_id, target, source, country, m.env.now, victim_case)
        self.pursued.add(target.unique_id)
        m.metrics.count("leads_opened")
        m.log.add("lead_opened", actor=lead.id, target=target.unique_id, node=country, detail=source,
                  org=_org_id(target))
        m.env.process(self._pipeline(lead))

    def _pipeline(self, lead: Lead) -> Generator[simpy.Event, Any, None]:
        m = self.model
        inv = m.cfg.investigation
        rng = m.rng
        target = lead.target
        try:
            units = self.fiu if lead.source == "financial" else self.analysts
            with units[lead.country].request(priority=self.priority(lead)) as req:
                yield req
                yield m.env.timeout(float(rng.exponential(inv.analysis_days)))
                better = self.develop(target)
                if better is not None:
                    # Building a case on someone higher up takes another round of analysis.
                    yield m.env.timeout(float(rng.exponential(inv.analysis_days)))
                    if better.active and better.unique_id not in self.pursued:
                        self.pursued.discard(target.unique_id)
                        self.pursued.add(better.unique_id)
                        m.log.add("lead_developed", actor=lead.id, target=better.unique_id, org=_org_id(better),
                                  node=lead.country, detail=str(better.role))
                        lead.target = target = better
            acting_country = target.home_country
            cross_border = acting_country != lead.country
            if rng.random() < lead_loss_prob(m.cfg, cross_border):
                m.log.add("lead_lost", actor=lead.id, target=target.unique_id, node=lead.country,
                          org=_org_id(target))
                return
            yield m.env.timeout(float(rng.exponential(sharing_delay_days(m.cfg, cross_border))))
            m.log.add("lead_shared", actor=lead.id, target=target.unique_id, node=acting_country,
                      org=_org_id(target), value=float(cross_border))
            with self.police[acting_country].request(priority=self.priority(lead)) as req:
                yield req
                yield m.env.timeout(float(rng.exponential(inv.operation_days)))
            if not target.active:
                return
            m.log.add("operation", actor=lead.id, target=target.unique_id, node=acting_country,
                      org=_org_id(target))
            if rng.random() < inv.leak_weight * m.police_corrupt_share(acting_country):
                m.log.add("lead_leaked", actor=lead.id, target=target.unique_id, node=acting_country,
                          org=_org_id(target))
                return
            if rng.random() < inv.arrest_prob * (0.5 + 0.5 * lead.quality):
                m.metrics.time_to_action.append(m.env.now - lead.opened)
                m.arrest(target, lead.source, acting_country, lead.quality, cross_border, lead.victim_case)
        finally:
            self.pursued.discard(target.unique_id)

    # ------------------------------------------------------------------ justice
    def trial(self, person: Target, evidence: float, cross_border: bool,
              victim_case: bool) -> Generator[simpy.Event, Any, None]:
        """Trial after a delay; conviction by evidence and victim testimony (protection makes it likelier).

        Evidence gathered in another jurisdiction loses weight unless a joint task force carried it
        (`policy.joint_task_force`); victims testify more often when protected (`policy.victim_protection`).
        """
        m = self.model
        j = m.cfg.justice
        rng = m.rng
        yield m.env.timeout(j.trial_delay_days * float(rng.lognormal(0.0, 0.3)))
        p = m.cfg.policy  # the policy at the verdict (a branch may have changed it meanwhile)
        if cross_border and not p.joint_task_force:
            evidence *= 1.0 - j.cross_border_evidence_loss * (1.0 - float(p.intel_sharing))
        testimony = victim_case and rng.random() < 0.2 + 0.7 * p.victim_protection
        logit = j.conviction_base + j.evidence_weight * evidence + j.testimony_weight * float(testimony)
        if rng.random() < 1.0 / (1.0 + np.exp(-logit)):
            person.status = "prison"
            m.metrics.count("convictions")
            m.log.add("conviction", target=person.unique_id, org=_org_id(person), value=evidence)
        else:
            if isinstance(person, Member):
                person.org.reinstate(person)
            else:
                person.status = "active"
            m.log.add("acquittal", target=person.unique_id, org=_org_id(person), value=evidence)


def _org_id(target: Target) -> int:
    return target.org.unique_id if isinstance(target, Member) else -1
