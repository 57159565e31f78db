"""The corridor model: agents, posts and pipelines on one simpy clock in days.

The order of one simulated day is written down once, in `CorridorModel.step`. Everything between two
days (shipments on the move, queues at posts, investigations, trials) runs as simpy processes on the
same `Environment`; the daily Mesa step is itself a simpy process.
"""

from __future__ import annotations

import copy
import sys
from collections.abc import Generator
from typing import Any

import mesa
import numpy as np
import simpy
from omegaconf import DictConfig

from sim.config import PolicyConfig, branch_policy, to_params
from sim.core.agents.community import Community
from sim.core.agents.facilitator import Facilitator, FacilitatorKind
from sim.core.agents.officer import Agency, Officer
from sim.core.agents.organisation import RANK, Member, Organisation
from sim.core.mechanisms import corruption, finance
from sim.core.mechanisms.border import BorderPost, Trail, reallocate_patrols
from sim.core.mechanisms.investigation import Investigations, Target
from sim.core.mechanisms.shipments import Shipment, plan_shipments
from sim.core.metrics import EventLog, Metrics
from sim.core.policy import cost_breakdown, tip_line
from sim.replay.recording import FrameRecorder
from sim.world.corridor import Corridor, from_config

#: Facilitators of each kind per country at the start, and the daily chance a vacancy is filled.
FACILITATORS_PER_KIND = 3
FACILITATOR_ENTRY_PROB = 0.05
CONTACT_ON_DUTY_PROB = 0.6
PATROL_REALLOCATION_DAYS = 7


class CorridorModel(mesa.Model):
    """Trafficking organisations, facilitators, officers and communities in a border corridor.

    Args:
        cfg: a validated run config (`sim.config.compose`).
        corridor: a prebuilt corridor; by default the one `cfg.corridor` names.
    """

    def __init__(self, cfg: DictConfig, corridor: Corridor | None = None) -> None:
        super().__init__(rng=int(cfg.seed))
        self.config = cfg
        self.cfg = to_params(cfg)
        self.days = int(cfg.days)
        self.corridor = corridor if corridor is not None else from_config(cfg)
        self.env = simpy.Environment()
        self.log = EventLog(self)
        self.metrics = Metrics(self, self.days)
        self.in_transit = 0
        self._shipment_ids = 0
        self._build_officers()
        self._build_communities()
        self._build_facilitators()
        self._build_organisations()
        self.posts = {p.id: BorderPost(self, p, self.officers_at[p.id])
                      for p in self.corridor.places.values() if p.is_checkpoint}
        self.trails = {p.id: Trail(self, p, self.officers_at[p.id])
                       for p in self.corridor.places.values() if p.is_informal}
        self.investigations = Investigations(self)
        self.recorder = FrameRecorder(self)
        self._branch_day = cfg.branch.day if cfg.branch.day is not None else -1
        self._policy_before: Any = None
        self.metrics.network_members_initial = self.active_members()
        self.env.process(self._days())

    # ------------------------------------------------------------------ construction
    def _build_officers(self) -> None:
        o = self.cfg.officers
        self.officer_list: list[Officer] = []
        self.officers_at: dict[str, list[Officer]] = {}
        self.police_of: dict[str, list[Officer]] = {}
        self.units: dict[tuple[str, str, str], list[Officer]] = {}

        def hire(agency: Agency, country: str, post: str | None, n: int) -> list[Officer]:
            made = [Officer(self, agency, country, post) for _ in range(n)]
            self.officer_list += made
            for x in made:
                self.units.setdefault(x.unit, []).append(x)
            return made

        for place in self.corridor.places.values():
            if place.is_checkpoint:
                self.officers_at[place.id] = (hire(Agency.CUSTOMS, place.country, place.id, o.customs_per_post)
                                              + hire(Agency.BORDER_GUARD, place.country, place.id,
                                                     o.border_guards_per_post))
            elif place.is_informal:
                self.officers_at[place.id] = hire(Agency.BORDER_GUARD, place.country, place.id,
                                                  o.border_guards_per_trail)
        for country in self.corridor.countries:
            self.police_of[country] = hire(Agency.POLICE, country, None, o.police_per_country)
            hire(Agency.INTELLIGENCE, country, None, o.analysts_per_country)
            hire(Agency.FIU, country, None, o.fiu_per_country)
        self.unit_size = {u: len(xs) for u, xs in self.units.items()}
        self.unit_corrupt = dict.fromkeys(self.units, 0)
        for officer in self.officer_list:
            if self.rng.random() < o.initial_corrupt_share:
                self._set_corrupt(officer, True)

    def _build_communities(self) -> None:
        self.communities: dict[str, Community] = {}
        self.communities_of: dict[str, list[Community]] = {c: [] for c in self.corridor.countries}
        for place in self.corridor.places.values():
            if place.population > 0:
                community = Community(self, place.id, place.country, int(place.population))
                self.communities[place.id] = community
                self.communities_of[place.country].append(community)

    def _build_facilitators(self) -> None:
        self.facilitators: list[Facilitator] = []
        self._facilitator_pool: dict[tuple[str, str], list[Facilitator]] = {}
        for country in self.corridor.countries:
            for kind in FacilitatorKind:
                for _ in range(FACILITATORS_PER_KIND):
                    self._new_facilitator(kind, country)

    def _new_facilitator(self, kind: FacilitatorKind, country: str) -> Facilitator:
        f = Facilitator(self, kind, country)
        self.facilitators.append(f)
        self._facilitator_pool.setdefault((kind.value, country), []).append(f)
        return f

    def _build_organisations(self) -> None:
        n = self.cfg.network
        commodities = self.corridor.commodities
        origins = {c: [p.id for p in self.corridor.of_kind("origin") if c in p.commodities] for c in commodities}
        self.organisations: list[Organisation] = []
        self.members_by_id: dict[int, Member] = {}
        for i in range(n.organisations):
            primary = commodities[i % len(commodities)]
            # Every second organisation also runs the next commodity: mixed portfolios exist.
            mix = (primary,) if i % 2 == 0 or len(commodities) == 1 else (
                primary, commodities[(i + 1) % len(commodities)])
            home = origins[primary][(i // len(commodities)) % len(origins[primary])]
            org = Organisation(self, i, mix, home)
            self.organisations.append(org)
            for member in org.members:
                self.members_by_id[member.unique_id] = member

    # ------------------------------------------------------------------ the day
    def _days(self) -> Generator[simpy.Event, Any, None]:
        while True:
            if int(self.env.now) == self._branch_day:
                self._apply_branch()
            self.step()
            yield self.env.timeout(1.0)

    def _apply_branch(self) -> None:
        """From the branch day on, the branch's levers replace the run's (`branch.levers`)."""
        self._policy_before = self.cfg.policy
        self.cfg.policy = to_params(branch_policy(self.config), PolicyConfig)
        changed = ",".join(f"{k}={v}" for k, v in sorted(self.config.branch.levers.items()))
        self.log.add("policy_change", value=float(self._branch_day), detail=changed)

    def _close_day(self, day: int) -> None:
        self.metrics.sample_levels(day)
        self.recorder.close_day(day)

    def step(self) -> None:
        """One day, in this order: communities, officers, organisations, patrols."""
        day = int(self.env.now)
        if day > 0:
            self._close_day(day - 1)
        rng = self.rng
        # 1. Communities: yesterday's sightings become tips, tips find victims, then attitudes move.
        for community in self.communities.values():
            self._tips(community)
            self._victims_found_by_tips(community)
        for country, communities in self.communities_of.items():
            share = self.corrupt_share(country)
            for community in communities:
                community.daily_update(share)
        # 2. Officers: audits and reports catch some corrupt officers; others draw in peers.
        corruption.detect(self)
        corruption.contagion(self)
        # 3. Organisations, in random order: pay, launder, replace losses, court officers, ship.
        for i in rng.permutation(len(self.organisations)):
            org = self.organisations[int(i)]
            org.pay_upkeep()
            finance.launder(self, org)
            org.replace_losses()
            corruption.cultivate(self, org)
            plan_shipments(self, org)
        # 4. Facilitator market refills; patrols re-deploy weekly.
        self._refill_facilitators()
        if day % PATROL_REALLOCATION_DAYS == 0:
            led = self.cfg.policy.patrol_allocation == "intelligence_led"
            for country in self.corridor.countries:
                reallocate_patrols([t for t in self.trails.values() if t.place.country == country], led)

    def run(self, progress: bool | None = None) -> None:
        """Run all days. `progress`: a bar on a terminal (None: only when stderr is a terminal)."""
        show = sys.stderr.isatty() if progress is None else progress
        bar = None
        if show:
            from tqdm import tqdm

            bar = tqdm(total=self.days, unit="day", desc=self.cfg.scenario_name, delay=0.5, leave=False)
        for day in range(1, self.days + 1):
            self.env.run(until=day)
            if bar is not None:
                bar.update(1)
        if bar is not None:
            bar.close()
        self._close_day(self.days - 1)

    # ------------------------------------------------------------------ community channel
    def _tips(self, community: Community) -> None:
        for org_id, member_id in community.tips():
            self.metrics.count("tips_received")
            self.log.add("tip", org=org_id, target=member_id, node=community.node)
            if self.rng.random() < self.cfg.investigation.tip_lead_prob:
                self.investigations.open(self.members_by_id.get(member_id), "tip", community.country)

    def _victims_found_by_tips(self, community: Community) -> None:
        exploited = community.victims_count
        if exploited == 0:
            return
        p = self.cfg.victims.identification_by_tip_prob / 30.0 * tip_line(self.cfg)
        found = int(self.rng.binomial(exploited, min(1.0, p * float(community.trust.mean()))))
        if found:
            self.identify_victims(community, community.current_victims(found))

    def identify_victims(self, community: Community, victims: np.ndarray) -> int:
        """Identify victims of a community; they are sheltered in their home country while room lasts."""
        identified, protected = community.identify(victims, self.shelter_room(community.country))
        if identified:
            self.metrics.count("victims_identified", identified)
            self.metrics.count("victims_protected", protected)
            self.log.add("victim_identified", node=community.node, value=float(identified))
            if protected:
                self.log.add("victim_protected", node=community.node, value=float(protected))
        return identified

    def shelter_room(self, country: str) -> int:
        """Free shelter places in a country (`policy.victim_protection` scales capacity)."""
        v = self.cfg.victims
        capacity = int(v.shelter_capacity_per_country * (0.25 + 1.5 * self.cfg.policy.victim_protection))
        used = sum(c.protected_count for c in self.communities_of.get(country, []))
        return max(0, capacity - used)

    def observe(self, country: str, what: str, amount: float = 1.0) -> None:
        """Residents of a country notice enforcement, corruption or victim support."""
        for community in self.communities_of.get(country, []):
            setattr(community, what, getattr(community, what) + amount)

    # ------------------------------------------------------------------ shipments
    def next_shipment_id(self) -> int:
        self._shipment_ids += 1
        return self._shipment_ids

    def seize(self, shipment: Shipment, node: str, officer: Officer) -> None:
        place = self.corridor.places[node]
        org = shipment.org
        self.in_transit -= 1
        self.recorder.seizure(node)
        self.metrics.count("shipments_seized")
        self.metrics.count("seized_value", shipment.value)
        self.log.add("seizure", org=org.unique_id, actor=shipment.courier.unique_id, target=officer.unique_id,
                     node=node, commodity=shipment.commodity, value=shipment.value)
        for other in self.organisations:
            if other is not org:
                other.learn(node, seized=True, own=False)
        self.observe(place.country, "enforcement_seen")
        victim_case = False
        if shipment.victims.size:
            home = self.communities[shipment.route.nodes[0]]
            victim_case = self.identify_victims(home, shipment.victims) > 0
        if shipment.courier.active:  # a courier picked up through a tip meanwhile is not arrested twice
            self.arrest(shipment.courier, "seizure", place.country, 1.0,
                        shipment.courier.home_country != place.country, victim_case)
        for helper in shipment.facilitators:
            if self.rng.random() < 0.3:
                self.investigations.open(helper, "seizure", place.country)

    def deliver(self, shipment: Shipment) -> None:
        self.in_transit -= 1
        self.metrics.count("shipments_delivered")
        self.metrics.count("delivered_value", shipment.value)
        self.metrics.count("criminal_revenue", shipment.value)
        shipment.org.dirty += shipment.value
        self.log.add("delivery", org=shipment.org.unique_id, actor=shipment.courier.unique_id,
                     node=shipment.route.nodes[-1], commodity=shipment.commodity, value=shipment.value)

    # ------------------------------------------------------------------ enforcement
    def arrest(self, person: Target, source: str, country: str, evidence: float, cross_border: bool,
               victim_case: bool = False) -> None:
        """Take a member or facilitator into custody, send them to trial, and follow up if they talk."""
        person.status = "custody"
        self.metrics.count("arrests")
        if isinstance(person, Member) and RANK[person.role.value] <= RANK["lieutenant"]:
            self.metrics.count("arrests_high_rank")
        org_id = person.org.unique_id if isinstance(person, Member) else -1
        self.recorder.arrest(person.home if isinstance(person, Member) else None, org_id)
        self.log.add("arrest", org=org_id, target=person.unique_id, node=country, value=evidence,
                     detail=f"{person.role}/{source}")
        self.observe(country, "enforcement_seen")
        if self.cfg.policy.targeting == "financial":
            finance.trace_assets(self, person)
        self.env.process(self.investigations.trial(person, evidence, cross_border, victim_case))
        if self.rng.random() < self.cfg.investigation.talk_prob:
            self.investigations.open(self.investigations.name_accomplice(person), "talk", country)

    def hire_facilitator(self, org: Organisation, kind: str, country: str) -> Facilitator | None:
        """An active facilitator of this kind, in this country if any, else anywhere; None if none is free."""
        pool = [f for f in self._facilitator_pool.get((kind, country), []) if f.active]
        if not pool:
            pool = [f for c in self.corridor.countries for f in self._facilitator_pool.get((kind, c), [])
                    if f.active]
        if not pool:
            return None
        f = pool[int(self.rng.integers(len(pool)))]
        f.hire(org.unique_id)
        return f

    def _refill_facilitators(self) -> None:
        for (kind, country), pool in self._facilitator_pool.items():
            if sum(1 for f in pool if f.active) < FACILITATORS_PER_KIND and self.rng.random() < FACILITATOR_ENTRY_PROB:
                self._new_facilitator(FacilitatorKind(kind), country)

    # ------------------------------------------------------------------ corruption bookkeeping
    def _set_corrupt(self, officer: Officer, corrupt: bool) -> None:
        if officer.corrupt != corrupt:
            officer.corrupt = corrupt
            self.unit_corrupt[officer.unit] += 1 if corrupt else -1

    def peer_share(self, officer: Officer) -> float:
        """Share of corrupt officers among an officer's unit peers (the contagion term)."""
        others = self.unit_size[officer.unit] - 1
        if others <= 0:
            return 0.0
        return (self.unit_corrupt[officer.unit] - int(officer.corrupt)) / others

    def corrupt_officer(self, officer: Officer, org: Organisation | None, node: str) -> None:
        self._set_corrupt(officer, True)
        if org is not None:
            officer.corrupt_for = org.unique_id
            if officer.post:
                org.contacts.setdefault(officer.post, []).append(officer)
        self.log.add("officer_corrupted", org=org.unique_id if org else -1, target=officer.unique_id,
                     node=node or officer.country)

    def pay_bribe(self, org: Organisation, officer: Officer, node: str, shipment: Shipment | None,
                  amount: float | None = None) -> None:
        amount = self.cfg.shipments.bribe_amount if amount is None else amount
        org.cash -= amount
        self.metrics.count("bribes_paid", amount)
        self.log.add("bribe", org=org.unique_id, actor=shipment.courier.unique_id if shipment else -1,
                     target=officer.unique_id, node=node or officer.country,
                     commodity=shipment.commodity if shipment else "", value=amount)
        self.observe(officer.country, "corruption_seen", 0.2)

    def contact_on_duty(self, org: Organisation, node: str) -> Officer | None:
        """A corrupt officer this organisation cultivated, working the post today, if any."""
        contacts = [x for x in org.contacts.get(node, ()) if x.corrupt]
        if not contacts or org.cash < self.cfg.shipments.bribe_amount or self.rng.random() >= CONTACT_ON_DUTY_PROB:
            return None
        return contacts[int(self.rng.integers(len(contacts)))]

    def corruption_case(self, officer: Officer) -> None:
        """A corrupt officer is caught and dismissed; the post is refilled by an honest officer (the same agent
        with a fresh integrity draw, so ids in the event log span both); may yield a lead."""
        self._set_corrupt(officer, False)
        self.metrics.count("corruption_cases_detected")
        self.log.add("corruption_case", org=officer.corrupt_for if officer.corrupt_for is not None else -1,
                     target=officer.unique_id, node=officer.post or officer.country)
        self.observe(officer.country, "enforcement_seen", 0.5)
        org = next((o for o in self.organisations if o.unique_id == officer.corrupt_for), None)
        officer.integrity = float(self.rng.normal(0.0, 0.5))
        officer.corrupt_for = None
        if org is not None:
            for contacts in org.contacts.values():
                if officer in contacts:
                    contacts.remove(officer)
            if self.rng.random() < 0.5:
                brokers = [x for x in org.active_members if x.role.value == "lieutenant"]
                if brokers:
                    target = brokers[int(self.rng.integers(len(brokers)))]
                    self.investigations.open(target, "corruption", officer.country)

    # ------------------------------------------------------------------ read-outs
    def corrupt_share(self, country: str | None = None) -> float:
        if country is None:
            total = sum(self.unit_size.values())
            return sum(self.unit_corrupt.values()) / total if total else 0.0
        size = sum(n for u, n in self.unit_size.items() if u[1] == country)
        bad = sum(n for u, n in self.unit_corrupt.items() if u[1] == country)
        return bad / size if size else 0.0

    def police_corrupt_share(self, country: str) -> float:
        unit = (Agency.POLICE.value, country, "")
        size = self.unit_size.get(unit, 0)
        return self.unit_corrupt.get(unit, 0) / size if size else 0.0

    def mean_trust(self) -> float:
        total = sum(c.size for c in self.communities.values())
        if total == 0:
            return 0.0
        return float(sum(float(c.trust.sum()) for c in self.communities.values()) / total)

    def active_members(self) -> int:
        return sum(1 for o in self.organisations for x in o.members if x.active)

    def policy_cost(self) -> float:
        """Lever costs over the run; a branch pays the old package until its day and the new one after."""
        def cost(policy: Any, days: float) -> float:
            view = copy.copy(self.cfg)
            view.policy = policy
            return float(sum(cost_breakdown(view, self.corridor, len(self.officer_list), days).values()))

        if self._policy_before is None:
            return cost(self.cfg.policy, self.days)
        return cost(self._policy_before, self._branch_day) + cost(self.cfg.policy, self.days - self._branch_day)

    def summary(self) -> dict[str, Any]:
        return self.metrics.summary(self.policy_cost())
