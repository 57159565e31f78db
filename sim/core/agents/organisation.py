"""Trafficking organisations and their members.

An organisation is a network of members in cells (a lieutenant, couriers, recruiters) under a leader.
It plans shipments, chooses routes by expected cost with risk learned from losses, and replaces
arrested members by promotion or recruitment, as cash and vulnerable residents allow.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

import mesa
import numpy as np

from sim.world.corridor import Route

if TYPE_CHECKING:
    from sim.core.agents.officer import Officer
    from sim.core.model import CorridorModel

#: How far up the hierarchy a role sits (used by `kingpin` targeting and `disruption_depth`).
RANK = {"leader": 0, "lieutenant": 1, "recruiter": 2, "courier": 3}


class Role(StrEnum):
    LEADER = "leader"
    LIEUTENANT = "lieutenant"  # cell head and broker between the leader and the street
    COURIER = "courier"
    RECRUITER = "recruiter"


class Member(mesa.Agent):
    """A member of an organisation. `status`: active, custody (awaiting trial) or prison."""

    def __init__(self, model: CorridorModel, org: Organisation, role: Role, cell: int, home: str) -> None:
        super().__init__(model)
        self.org = org
        self.role = role
        self.cell = cell
        self.home = home
        self.home_country = model.corridor.places[home].country
        self.status = "active"
        self.busy_until = -1.0  # a courier is busy while on a shipment

    @property
    def active(self) -> bool:
        return self.status == "active"


class Organisation(mesa.Agent):
    """A trafficking organisation: members and ties, cash, commodities, learned route risk."""

    def __init__(self, model: CorridorModel, index: int, commodities: tuple[str, ...], home: str) -> None:
        super().__init__(model)
        n = model.cfg.network
        self.index = index
        self.name = f"org{index + 1}"
        self.commodities = commodities
        self.home = home
        self.country = model.corridor.places[home].country
        self.cash = float(n.initial_cash)
        self.dirty = 0.0  # proceeds not yet laundered
        self.members: list[Member] = []
        self.ties: dict[int, set[int]] = {}
        self.cells: dict[int, list[Member]] = {}
        self.cell_down: dict[int, bool] = {}
        self.contacts: dict[str, list[Officer]] = {}  # checkpoint -> corrupt officers it can call on
        self.risk = {node: n.risk_prior * (0.6 if model.corridor.places[node].is_informal else 1.0)
                     for node in model.corridor.checkpoints}
        # Candidate routes per commodity (from every origin producing it), each once.
        self.routes_for: dict[str, list[Route]] = {
            c: [r for key, rs in model.corridor.routes.items() if key[0] == c for r in rs] for c in commodities}
        self.routes: list[Route] = list(dict.fromkeys(r for rs in self.routes_for.values() for r in rs))
        self.checkpoints_on_routes = list(dict.fromkeys(n for r in self.routes for n in r.checkpoints))
        self._build_network()

    # ------------------------------------------------------------------ structure
    def _localities(self) -> list[str]:
        """Where cells live: localities on this organisation's routes (the origin first)."""
        places = self.model.corridor.places
        seen: list[str] = []
        for r in self.routes:
            for node in r.nodes:
                if places[node].kind in ("origin", "town", "hub") and node not in seen:
                    seen.append(node)
        return seen or [self.home]

    def _build_network(self) -> None:
        m = self.model
        n = m.cfg.network
        leader = self._add(Role.LEADER, -1, self.home)
        locs = self._localities()
        for cell in range(n.cells_per_org):
            home = locs[int(m.rng.integers(len(locs)))]
            lt = self._add(Role.LIEUTENANT, cell, home)
            self._tie(leader, lt)
            crew = [self._add(Role.COURIER, cell, home) for _ in range(n.couriers_per_cell)]
            crew += [self._add(Role.RECRUITER, cell, home) for _ in range(n.recruiters_per_cell)]
            for x in crew:
                self._tie(lt, x)
            for i, a in enumerate(crew):
                for b in crew[i + 1:]:
                    if m.rng.random() < n.lateral_tie_prob:
                        self._tie(a, b)
        lieutenants = [x for x in self.members if x.role is Role.LIEUTENANT]
        for i, a in enumerate(lieutenants):
            for b in lieutenants[i + 1:]:
                if m.rng.random() < n.lateral_tie_prob:
                    self._tie(a, b)

    def _add(self, role: Role, cell: int, home: str) -> Member:
        member = Member(self.model, self, role, cell, home)
        self.members.append(member)
        self.ties[member.unique_id] = set()
        if cell >= 0:
            self.cells.setdefault(cell, []).append(member)
            self.cell_down.setdefault(cell, False)
        return member

    def _tie(self, a: Member, b: Member) -> None:
        self.ties[a.unique_id].add(b.unique_id)
        self.ties[b.unique_id].add(a.unique_id)

    def neighbours(self, member: Member) -> list[Member]:
        by_id = self.model.members_by_id
        return [by_id[i] for i in sorted(self.ties.get(member.unique_id, ()))]

    @property
    def active_members(self) -> list[Member]:
        return [x for x in self.members if x.active]

    def leader(self) -> Member | None:
        return next((x for x in self.members if x.role is Role.LEADER and x.active), None)

    # ------------------------------------------------------------------ replacement
    def replace_losses(self) -> None:
        """Fill vacancies: promote within a cell first, else recruit from the community (costs cash)."""
        m = self.model
        n = m.cfg.network
        if self.leader() is None:
            candidates = [x for x in self.members if x.role is Role.LIEUTENANT and x.active]
            if candidates and m.rng.random() < n.promotion_prob:
                best = max(candidates, key=lambda x: (len(self.ties[x.unique_id]), -x.unique_id))
                self._promote(best, Role.LEADER)
        full = 1 + n.couriers_per_cell + n.recruiters_per_cell
        for cell, crew in self.cells.items():
            active = [x for x in crew if x.active]
            # Dismantled: two thirds of the cell's strength removed at once (counted on entering that state).
            down = len(active) <= full // 3
            if down and not self.cell_down[cell]:
                m.metrics.count("cells_dismantled")
                m.log.add("cell_dismantled", org=self.unique_id, value=float(cell))
            self.cell_down[cell] = down
            if not active:
                self._rebuild(cell)
                continue
            lt = next((x for x in active if x.role is Role.LIEUTENANT), None)
            if lt is None:
                couriers = [x for x in active if x.role is Role.COURIER]
                if couriers and m.rng.random() < n.promotion_prob:
                    self._promote(couriers[int(m.rng.integers(len(couriers)))], Role.LIEUTENANT)
                continue
            missing = n.couriers_per_cell - sum(1 for x in active if x.role is Role.COURIER)
            if missing > 0:
                self._recruit(cell, lt.home, Role.COURIER, lt)

    def _promote(self, member: Member, role: Role) -> None:
        old = member.role
        member.role = role
        if role is Role.LEADER:
            for x in self.members:
                if x.role is Role.LIEUTENANT and x.active and x is not member:
                    self._tie(member, x)
        self.model.log.add("promotion", org=self.unique_id, actor=member.unique_id, node=member.home,
                           value=float(RANK[old.value]))

    def _recruit(self, cell: int, home: str, role: Role, sponsor: Member) -> Member | None:
        """Recruitment in a cell's locality, limited by cash and by vulnerable residents there."""
        m = self.model
        n = m.cfg.network
        if self.cash < n.recruit_cost:
            return None
        recruiters = sum(1 for x in self.cells[cell] if x.active and x.role is Role.RECRUITER)
        hired = m.hire_facilitator(self, "recruiter", m.corridor.places[home].country)
        chance = 0.15 * (1 + recruiters) * (1.5 if hired else 1.0)
        if m.rng.random() >= min(chance, 1.0):
            return None
        community = m.communities.get(home)
        if community is None or community.recruit() is None:
            return None
        self.cash -= n.recruit_cost
        member = self._add(role, cell, home)
        m.members_by_id[member.unique_id] = member
        self._tie(sponsor, member)
        m.metrics.count("recruits")
        m.log.add("recruitment", org=self.unique_id, actor=member.unique_id, node=home)
        return member

    def _rebuild(self, cell: int) -> None:
        """A dismantled cell is re-formed around a new lieutenant recruited through the leader."""
        boss = self.leader()
        if boss is not None:
            self._recruit(cell, self.cells[cell][0].home, Role.LIEUTENANT, boss)

    def reinstate(self, member: Member) -> None:
        """An acquitted member returns; if the old post was filled meanwhile, one rank lower."""
        member.status = "active"
        if member.role is Role.LEADER and any(x.active and x.role is Role.LEADER and x is not member
                                                 for x in self.members):
            member.role = Role.LIEUTENANT
        if member.role is Role.LIEUTENANT and member.cell >= 0 and any(
                x.active and x.role is Role.LIEUTENANT and x is not member for x in self.cells[member.cell]):
            member.role = Role.COURIER

    # ------------------------------------------------------------------ route choice
    def route_risk(self, route: Route) -> float:
        survive = 1.0
        for node in route.checkpoints:
            survive *= 1.0 - self.risk[node]
        return 1.0 - survive

    def choose_route(self, commodity: str, value: float, fees: float) -> Route | None:
        """Softmax over expected cost (travel + fees + value at risk), with exploration.

        Risk per checkpoint is learned from losses (`learn`), so routes through places where shipments
        were seized lose favour: traffickers re-route when losses mount (NarcoLogic's mechanism).
        """
        m = self.model
        n = m.cfg.network
        options = self.routes_for.get(commodity, [])
        if not options:
            return None
        if m.rng.random() < n.exploration:
            return options[int(m.rng.integers(len(options)))]
        per_day = m.cfg.shipments.transport_cost_per_day
        costs = np.array([r.cost + per_day * r.days + fees + value * self.route_risk(r) for r in options])
        logits = -(costs - costs.min()) / max(n.route_temperature * value, 1e-9)
        weights = np.exp(logits)
        return options[int(m.rng.choice(len(options), p=weights / weights.sum()))]

    def learn(self, node: str, seized: bool, own: bool = True) -> None:
        """Update the learned seizure risk at a checkpoint: own outcomes fully, others' seizures weakly."""
        n = self.model.cfg.network
        rate = n.risk_learning_rate * (1.0 if own else n.social_learning_weight)
        self.risk[node] += rate * (float(seized) - self.risk[node])

    # ------------------------------------------------------------------ daily plan
    def shipments_today(self) -> int:
        """How many shipments to send: the base rate scaled by working cells and by cash."""
        m = self.model
        n = m.cfg.network
        cells_up = sum(1 for c, crew in self.cells.items()
                       if any(x.active and x.role is Role.LIEUTENANT for x in crew))
        if cells_up == 0 or (self.leader() is None and m.rng.random() < 0.5):
            return 0
        # A broke organisation keeps a quarter of its tempo on loads its suppliers front (consignment).
        cash_factor = 0.25 + 0.75 * min(1.0, max(0.0, self.cash) / 0.5)
        rate = n.shipments_per_org_day * cells_up / n.cells_per_org * cash_factor
        return int(m.rng.poisson(rate)) if rate > 0 else 0

    def free_courier(self, now: float) -> Member | None:
        """An active courier not on a shipment, in a cell whose lieutenant is free."""
        ready = []
        for crew in self.cells.values():
            if not any(x.active and x.role is Role.LIEUTENANT for x in crew):
                continue
            ready += [x for x in crew if x.active and x.role is Role.COURIER and x.busy_until <= now]
        if not ready:
            return None
        return ready[int(self.model.rng.integers(len(ready)))]

    def pay_upkeep(self) -> None:
        """Members are paid while there is cash; an organisation does not go into debt."""
        self.cash = max(0.0, self.cash - self.model.cfg.network.member_upkeep_per_day * len(self.active_members))

    def __repr__(self) -> str:
        return f"Organisation({self.name}, members={len(self.active_members)}, cash={self.cash:.2f})"

