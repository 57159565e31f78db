"""Corruption among officers: one readiness rule, every way into corruption (cultivation by traffickers,
offers on the spot, pressure from corrupt peers) and every way out (staff turnover, officers who quit,
audits and peer reports).

The rule (docs/ODD.md, submodel 'Corruption'): an officer accepts a bribe with probability

    logistic(base + peer_weight x peer_share + bribe_pull(bribe) - deterrence - integrity)

with the levers inside `sim.core.policy.bribe_pull` (`policy.officer_pay`) and `deterrence`
(`policy.oversight`, `policy.officer_pay`, `policy.whistleblower_protection`).

No state is absorbing: corrupt officers leave the force (`officers.attrition_rate`) and are replaced by
clean recruits, reconsider and quit when the rule no longer holds them (`officers.reconsider_rate`), and are
caught; peer pressure on an honest officer grows with the corrupt share of their unit but is bounded by the
same logistic rule, so a unit is not captured for good, and a force under strong oversight is not cleaned in
weeks either: its corrupt share falls at the pace of these exits (months to years).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np

from sim.core import policy
from sim.core.agents.officer import Agency, Force, Officer
from sim.core.streams import pick

if TYPE_CHECKING:
    from sim.core.context import Hiring, Leads, Residents, Sim
    from sim.world import Corridor

DAYS_PER_YEAR = 365.0


class Corruption:
    """The officers' integrity: who is corrupt, for whom, and the bookkeeping of corrupt shares per unit.

    Builds the force (officers at every post and trail, police, analysts and financial investigators per
    country) with its integrity draws and the initial corrupt share (`officers.initial_corrupt_share`).
    Results: `officers_replaced` (turnover and dismissals) and `officers_quit` (corrupt officers who stopped),
    counted from day 0.
    """

    def __init__(self, sim: Sim, corridor: Corridor) -> None:
        self.sim = sim
        o = sim.params.officers
        build = sim.stream("build.officers")
        # One stream per purpose, so that a lever that changes how often one happens leaves the others alone.
        self.rng = sim.stream("corruption")  # offers accepted, contacts on duty, cultivation
        self.audit_draws = sim.stream("corruption.audit")
        self.turnover_draws = sim.stream("corruption.turnover")
        self.reconsider_draws = sim.stream("corruption.reconsider")
        self.contagion_draws = sim.stream("corruption.contagion")
        self.force = force = Force()
        model: Any = sim

        def integrity(n: int) -> list[float]:
            return [float(x) for x in build.normal(0.0, o.integrity_sd, n)]

        for place in corridor.places.values():
            if place.is_checkpoint:
                force.hire(model, Agency.CUSTOMS, place.country, place.id, integrity(o.customs_per_post))
                force.hire(model, Agency.BORDER_GUARD, place.country, place.id, integrity(o.border_guards_per_post))
            elif place.is_informal:
                force.hire(model, Agency.BORDER_GUARD, place.country, place.id, integrity(o.border_guards_per_trail))
        for country in corridor.countries:
            force.hire(model, Agency.POLICE, country, None, integrity(o.police_per_country))
            force.hire(model, Agency.INTELLIGENCE, country, None, integrity(o.analysts_per_country))
            force.hire(model, Agency.FIU, country, None, integrity(o.fiu_per_country))
        self.unit_size = {u: len(xs) for u, xs in force.units.items()}
        self.unit_corrupt = dict.fromkeys(force.units, 0)
        self.corrupt_at = dict.fromkeys(force.at, 0)  # corrupt officers per post or trail (for frames)
        self.size_of = dict.fromkeys(corridor.countries, 0)  # officers per country
        for unit, n in self.unit_size.items():
            self.size_of[unit[1]] += n
        self.corrupt_of = dict.fromkeys(corridor.countries, 0)
        self.organisations: dict[int, Any] = {}
        self.hiring: Hiring | None = None
        self.leads: Leads | None = None
        self.residents: Residents | None = None
        self.officers_replaced = 0
        self.officers_quit = 0
        for officer, draw in zip(force.officers, build.random(len(force.officers)), strict=True):
            if draw < o.initial_corrupt_share:
                self._set_corrupt(officer, True)

    def connect(self, organisations: list[Any], hiring: Hiring, leads: Leads, residents: Residents) -> None:
        """The mechanisms corruption acts on: organisations (whose contacts officers become), the market
        (brokers), the investigations (cases give leads) and the residents (who see corruption)."""
        self.organisations = {o.unique_id: o for o in organisations}
        self.hiring, self.leads, self.residents = hiring, leads, residents

    # ------------------------------------------------------------------ the rule
    def readiness(self, officer: Officer, bribe: float) -> float:
        """Probability this officer accepts this bribe now (the one corruption rule)."""
        p = self.sim.params
        logit = (p.officers.corruption_base + p.officers.peer_weight * self.peer_share(officer)
                 + policy.bribe_pull(p, bribe) - policy.deterrence(p) - officer.integrity)
        return 1.0 / (1.0 + math.exp(-logit))

    def accepts(self, officer: Officer, bribe: float) -> bool:
        return bool(self.rng.random() < self.readiness(officer, bribe))

    @property
    def bribe_amount(self) -> float:
        """What a trafficker pays an officer per shipment, in M (`policy.bribe_amount`: days of an officer's pay)."""
        return policy.bribe_amount(self.sim.params)

    # ------------------------------------------------------------------ bookkeeping
    def _set_corrupt(self, officer: Officer, corrupt: bool) -> None:
        if officer.corrupt != corrupt:
            officer.corrupt = corrupt
            step = 1 if corrupt else -1
            self.unit_corrupt[officer.unit] += step
            self.corrupt_of[officer.country] += step
            if officer.post is not None:
                self.corrupt_at[officer.post] += step

    def peer_share(self, officer: Officer) -> float:
        """Share of corrupt officers among an officer's unit peers (the contagion term)."""
        others = self.unit_size[officer.unit] - 1
        if others <= 0:
            return 0.0
        return (self.unit_corrupt[officer.unit] - int(officer.corrupt)) / others

    def corrupt(self, officer: Officer, org: Any | None, node: str) -> None:
        """An officer turns: from now on the organisation (if any) can call on them at their post."""
        self._set_corrupt(officer, True)
        if org is not None:
            officer.corrupt_for = org.unique_id
            if officer.post:
                org.contacts.setdefault(officer.post, []).append(officer)
        self.sim.record("officer_corrupted", org=org.unique_id if org else -1, target=officer.unique_id,
                        node=node or officer.country)

    def _clean(self, officer: Officer) -> Any | None:
        """The officer is honest from now on and no organisation's contact; returns that organisation, if any."""
        self._set_corrupt(officer, False)
        org = self.organisations.get(officer.corrupt_for) if officer.corrupt_for is not None else None
        officer.corrupt_for = None
        if org is not None:
            for contacts in org.contacts.values():
                if officer in contacts:
                    contacts.remove(officer)
        return org

    def _replace(self, officer: Officer, rng: np.random.Generator) -> Any | None:
        """The officer leaves and a clean recruit takes the post (the same agent with a fresh integrity draw,
        so ids in the event log span both); returns the organisation the leaver worked for, if any."""
        org = self._clean(officer)
        officer.integrity = float(rng.normal(0.0, self.sim.params.officers.integrity_sd))
        if self.sim.env.now >= 0:
            self.officers_replaced += 1
        return org

    def pay_bribe(self, org: Any, officer: Officer, node: str, shipment: Any | None,
                  amount: float | None = None) -> None:
        amount = self.bribe_amount if amount is None else amount
        org.cash -= amount
        self.sim.record("bribe", org=org.unique_id, actor=shipment.courier.unique_id if shipment else -1,
                        target=officer.unique_id, node=node or officer.country,
                        commodity=shipment.commodity if shipment else "", value=amount)
        if self.residents is not None:
            self.residents.observe(officer.country, "corruption", self.sim.params.community.seen_per_bribe)

    def contact_on_duty(self, org: Any, node: str) -> Officer | None:
        """A corrupt officer this organisation cultivated, working the post today, if any."""
        contacts = org.contacts.get(node)
        if not contacts:
            return None
        contacts = [x for x in contacts if x.corrupt]
        p = self.sim.params
        if not contacts or org.cash < self.bribe_amount or self.rng.random() >= p.officers.contact_on_duty_prob:
            return None
        return pick(self.rng, contacts)

    def _corrupt_officers(self) -> list[Officer]:
        """This force's corrupt officers, in the order they were hired (a plain list: this runs several times
        a day over every officer, where a Mesa AgentSet's select costs twenty times more)."""
        return [x for x in self.force.officers if x.corrupt]

    # ------------------------------------------------------------------ ways in
    def cultivate(self, org: Any) -> None:
        """Through a corrupt-contact broker, an organisation courts an officer on its routes or in its police."""
        p = self.sim.params
        o = p.officers
        rng = self.rng
        if rng.random() >= o.cultivation_prob:
            return
        retainer = o.retainer_bribes * self.bribe_amount
        if org.cash < retainer + p.shipments.broker_fee or self.hiring is None:
            return
        broker = self.hiring.hire(org, "broker", org.country)
        if broker is None:
            return
        org.cash -= p.shipments.broker_fee
        self.sim.record("expense", org=org.unique_id, actor=broker.unique_id, value=p.shipments.broker_fee,
                        detail="broker")
        posts = org.checkpoints_on_routes
        if posts and rng.random() < o.cultivate_post_share:
            node = pick(rng, posts)
            pool = [x for x in self.force.at[node] if not x.corrupt]
        else:
            pool = [x for x in self.force.police.get(org.country, ()) if not x.corrupt]
            node = ""
        if not pool:
            return
        officer = pick(rng, pool)
        if self.accepts(officer, retainer):
            self.corrupt(officer, org, officer.post or node)
            self.pay_bribe(org, officer, officer.post or node, None, amount=retainer)

    def contagion(self) -> None:
        """Corrupt peers press honest officers of their unit to join in.

        Each honest officer is pressed on a day with probability `officers.peer_recruitment_prob` x the corrupt
        share of their peers, and accepts by the readiness rule at the usual bribe (in which the same peer share
        raises the logit). Pressure per honest officer is thus bounded: it saturates instead of growing with the
        number of corrupt officers, so contagion alone does not capture a unit when exits are faster. The
        officer joins the organisation of a corrupt peer drawn at random (or none).
        """
        p = self.sim.params
        rng = self.contagion_draws
        honest: list[Officer] = []
        pressed_prob: list[float] = []
        for unit, n in self.unit_corrupt.items():
            if 0 < n < self.unit_size[unit]:  # an honest officer's peers: n corrupt among size - 1
                members = [x for x in self.force.units[unit] if not x.corrupt]
                honest += members
                pressed_prob += [p.officers.peer_recruitment_prob * n / (self.unit_size[unit] - 1)] * len(members)
        if not honest:
            return
        pressed = rng.random(len(honest)) < np.array(pressed_prob)
        bribe = self.bribe_amount
        for officer in (x for x, yes in zip(honest, pressed, strict=True) if yes):
            if rng.random() < self.readiness(officer, bribe):
                peer = pick(rng, [x for x in self.force.units[officer.unit] if x.corrupt])
                self.corrupt(officer, self.organisations.get(peer.corrupt_for), officer.post or "")

    # ------------------------------------------------------------------ ways out
    def exits(self) -> None:
        """The day's ways out of corruption, in this order: staff turnover, corrupt officers who quit, and
        audits and peer reports."""
        self.turnover()
        self.reconsider()
        self.audit()

    #: The model's step calls the day's exits by this name.

    def turnover(self) -> None:
        """Officers retire, resign or rotate out at `officers.attrition_rate` a year, corrupt or not, and a
        clean recruit (fresh integrity) takes each place. A corrupt leaver is no contact any more and gives no
        lead (nobody caught them)."""
        daily = self.sim.params.officers.attrition_rate / DAYS_PER_YEAR
        officers = self.force.officers
        rng = self.turnover_draws
        for i in np.flatnonzero(rng.random(len(officers)) < daily):
            self._replace(officers[i], rng)

    def reconsider(self) -> None:
        """Corrupt officers reconsider about `officers.reconsider_rate` times a year and keep taking bribes only
        if the readiness rule still holds them at today's bribe: when oversight, pay and protection rise (or
        their peers turn honest), more of them quit. A quitter stays in the force, honest and no contact."""
        p = self.sim.params
        corrupt = self._corrupt_officers()
        if not corrupt:
            return
        rng = self.reconsider_draws
        due = rng.random(len(corrupt)) < p.officers.reconsider_rate / DAYS_PER_YEAR
        bribe = self.bribe_amount
        for officer in (x for x, yes in zip(corrupt, due, strict=True) if yes):
            if rng.random() >= self.readiness(officer, bribe):
                self._clean(officer)
                if self.sim.env.now >= 0:
                    self.officers_quit += 1

    def audit(self) -> None:
        """Audits (`policy.oversight`) and peer reports (`policy.whistleblower_protection`) catch corrupt officers.

        Daily chance for a corrupt officer: 1 - (1 - audit) x (1 - report)^honest_peers
        (`policy.audit_prob`, `policy.peer_report_prob`).
        """
        p = self.sim.params
        corrupt = self._corrupt_officers()
        if not corrupt:
            return
        honest = np.array([self.unit_size[x.unit] - self.unit_corrupt[x.unit] for x in corrupt], dtype=float)
        caught_prob = 1.0 - (1.0 - policy.audit_prob(p)) * (1.0 - policy.peer_report_prob(p)) ** honest
        caught = self.audit_draws.random(len(corrupt)) < caught_prob
        for officer, hit in zip(corrupt, caught, strict=True):
            if hit:
                self.case(officer)

    def case(self, officer: Officer) -> None:
        """A corrupt officer is caught and dismissed, and a clean recruit takes the post; the case may yield
        a lead on one of the organisation's lieutenants (its go-between with the officer)."""
        p = self.sim.params
        self.sim.record("corruption_case", org=officer.corrupt_for if officer.corrupt_for is not None else -1,
                        target=officer.unique_id, node=officer.post or officer.country)
        if self.residents is not None:
            self.residents.observe(officer.country, "enforcement", p.community.seen_per_corruption_case)
        org = self._replace(officer, self.audit_draws)
        if org is None:
            return
        if self.audit_draws.random() < p.officers.case_lead_prob and self.leads is not None:
            brokers = [x for x in org.active_members if x.role.value == "lieutenant"]
            if brokers:
                self.leads.open(pick(self.audit_draws, brokers), "corruption", officer.country)

    # ------------------------------------------------------------------ read-outs
    def share(self, country: str | None = None) -> float:
        """Corrupt share of all officers, or of one country's."""
        if country is None:
            total = sum(self.size_of.values())
            return sum(self.corrupt_of.values()) / total if total else 0.0
        size = self.size_of.get(country, 0)
        return self.corrupt_of.get(country, 0) / size if size else 0.0

    def police_share(self, country: str) -> float:
        unit = (Agency.POLICE.value, country, "")
        size = self.unit_size.get(unit, 0)
        return self.unit_corrupt.get(unit, 0) / size if size else 0.0
