"""Trafficking organisations and their members.

An organisation is a network of members in cells (a lieutenant, couriers, recruiters) under a leader.
It plans shipments, chooses routes by expected cost with risk learned from losses, and replaces
arrested members by promotion or recruitment, as cash and vulnerable residents allow.

Structure read-outs (leader, working cells, couriers ready) are cached and recomputed only after a member's
status or role changes: they are asked many times a day and change rarely.
"""

from __future__ import annotations

import math
from enum import StrEnum
from typing import TYPE_CHECKING, Any

import mesa

from sim.core.agents.status import Status
from sim.core.streams import pick

if TYPE_CHECKING:
    from sim.core.agents.officer import Officer
    from sim.core.context import Hiring, Recruiting, Sim
    from sim.world import Route


class Role(StrEnum):
    LEADER = "leader"
    LIEUTENANT = "lieutenant"  # cell head and broker between the leader and the street
    COURIER = "courier"
    RECRUITER = "recruiter"


#: How far up the hierarchy a role sits (used by `kingpin` targeting and `disruption_depth`).
RANK = {"leader": 0, "lieutenant": 1, "recruiter": 2, "courier": 3}


class Member(mesa.Agent):
    """A member of an organisation. Status changes go through `Organisation.set_status`."""

    def __init__(self, model: mesa.Model, org: Organisation, role: Role, cell: int, home: str,
                 home_country: str) -> None:
        super().__init__(model)
        self.org = org
        self.role = role
        self.cell = cell
        self.home = home
        self.home_country = home_country
        self.status = Status.ACTIVE
        self.active = True
        self.busy_until = -1.0  # a courier is busy while on a shipment

    @property
    def rank(self) -> int:
        return RANK[self.role.value]


class Organisation(mesa.Agent):
    """A trafficking organisation: members and ties, cash, commodities, learned route risk.

    Args:
        model: the run (a `Sim`): parameters, clock, event sink, streams.
        index: position among organisations (names it, seeds its stream).
        commodities: what it moves; home: its origin node; routes_for: candidate routes per commodity;
        localities: (node, country) where its cells may live, the origin first; risk_prior: prior
        seizure risk per checkpoint on its routes.
    """

    def __init__(self, model: mesa.Model, index: int, commodities: tuple[str, ...], home: str, country: str,
                 routes_for: dict[str, list[Route]], localities: list[tuple[str, str]],
                 risk_prior: dict[str, float]) -> None:
        super().__init__(model)
        sim: Sim = model  # type: ignore[assignment]
        n = sim.params.network
        self.sim = sim
        # One stream per kind of decision, so that a lever that changes one leaves the others' draws alone.
        self.draws = sim.stream("organisation.tempo", index)
        self.route_draws = sim.stream("organisation.route", index)
        self.dispatch_draws = sim.stream("organisation.dispatch", index)
        self.staff_draws = sim.stream("organisation.staff", index)
        self.index = index
        self.name = f"org{index + 1}"
        self.commodities = commodities
        self.home = home
        self.country = country
        self.cash = float(n.initial_cash)
        self.dirty = 0.0  # proceeds not yet laundered
        self.members: list[Member] = []
        self.by_id: dict[int, Member] = {}
        self.ties: dict[int, set[int]] = {}
        self.cells: dict[int, list[Member]] = {}
        self.cell_down: dict[int, bool] = {}
        self.contacts: dict[str, list[Officer]] = {}  # checkpoint -> corrupt officers it can call on
        self.risk = dict(risk_prior)
        self.routes_for = routes_for
        self.routes: list[Route] = list(dict.fromkeys(r for rs in routes_for.values() for r in rs))
        self.checkpoints_on_routes = list(dict.fromkeys(c for r in self.routes for c in r.checkpoints))
        self._structure: dict[str, Any] | None = None
        self._settled = False  # no vacancy since the structure last changed: nothing to replace
        self._fixed_costs: dict[str, list[tuple[float, tuple[str, ...]]]] = {}
        self._build_network(localities)

    # ------------------------------------------------------------------ structure
    def _build_network(self, localities: list[tuple[str, str]]) -> None:
        n = self.sim.params.network
        rng = self.sim.stream("build.network", self.index)
        leader = self._add(Role.LEADER, -1, self.home, self.country)
        for cell in range(n.cells_per_org):
            home, country = pick(rng, localities)
            lt = self._add(Role.LIEUTENANT, cell, home, country)
            self._tie(leader, lt)
            crew = [self._add(Role.COURIER, cell, home, country) for _ in range(n.couriers_per_cell)]
            crew += [self._add(Role.RECRUITER, cell, home, country) for _ in range(n.recruiters_per_cell)]
            for x in crew:
                self._tie(lt, x)
            for i, a in enumerate(crew):
                for b in crew[i + 1:]:
                    if rng.random() < n.lateral_tie_prob:
                        self._tie(a, b)
        lieutenants = [x for x in self.members if x.role is Role.LIEUTENANT]
        for i, a in enumerate(lieutenants):
            for b in lieutenants[i + 1:]:
                if rng.random() < n.lateral_tie_prob:
                    self._tie(a, b)

    def _add(self, role: Role, cell: int, home: str, country: str) -> Member:
        member = Member(self.model, self, role, cell, home, country)
        self.members.append(member)
        self.by_id[member.unique_id] = member
        self.ties[member.unique_id] = set()
        if cell >= 0:
            self.cells.setdefault(cell, []).append(member)
            self.cell_down.setdefault(cell, False)
        self._structure = None
        return member

    def _tie(self, a: Member, b: Member) -> None:
        self.ties[a.unique_id].add(b.unique_id)
        self.ties[b.unique_id].add(a.unique_id)

    def set_status(self, member: Member, status: Status) -> None:
        """The one place a member's status changes (arrest, verdict), so that read-outs stay right."""
        member.status = status
        member.active = status is Status.ACTIVE
        self._structure = None
        self._settled = False

    def neighbours(self, member: Member) -> list[Member]:
        return [self.by_id[i] for i in sorted(self.ties.get(member.unique_id, ()))]

    def _read(self) -> dict[str, Any]:
        """Leader, working cells and the couriers of working cells, recomputed after a change."""
        if self._structure is None:
            active = [x for x in self.members if x.active]
            up = {x.cell for x in active if x.role is Role.LIEUTENANT}
            self._structure = {
                "active": active,
                "leader": next((x for x in active if x.role is Role.LEADER), None),
                "cells_up": len(up),
                "couriers": [x for x in active if x.role is Role.COURIER and x.cell in up],
                "roles": {r: sum(1 for x in active if x.role is r) for r in Role},
            }
        return self._structure

    @property
    def active_members(self) -> list[Member]:
        return self._read()["active"]

    def leader(self) -> Member | None:
        return self._read()["leader"]

    def role_counts(self) -> dict[Role, int]:
        return self._read()["roles"]

    # ------------------------------------------------------------------ replacement
    def replace_losses(self, hiring: Hiring, recruiting: Recruiting) -> None:
        """Fill vacancies: promote within a cell first, else recruit from the community (costs cash)."""
        if self._settled:  # nothing changed since a pass that found no vacancy
            return
        n = self.sim.params.network
        rng = self.staff_draws
        vacancy = self.leader() is None
        if vacancy:
            candidates = [x for x in self.active_members if x.role is Role.LIEUTENANT]
            if candidates and rng.random() < n.promotion_prob:
                best = max(candidates, key=lambda x: (len(self.ties[x.unique_id]), -x.unique_id))
                self._promote(best, Role.LEADER)
        full = 1 + n.couriers_per_cell + n.recruiters_per_cell
        for cell, crew in self.cells.items():
            active = [x for x in crew if x.active]
            # Dismantled: two thirds of the cell's strength removed at once (counted on entering that state).
            down = len(active) <= full // 3
            if down and not self.cell_down[cell]:
                self.sim.record("cell_dismantled", org=self.unique_id, value=float(cell))
            self.cell_down[cell] = down
            if not active:
                vacancy = True
                boss = self.leader()
                if boss is not None:  # a dismantled cell is re-formed around a new lieutenant
                    self._recruit(cell, crew[0].home, crew[0].home_country, Role.LIEUTENANT, boss, hiring, recruiting)
                continue
            lt = next((x for x in active if x.role is Role.LIEUTENANT), None)
            if lt is None:
                vacancy = True
                couriers = [x for x in active if x.role is Role.COURIER]
                if couriers and rng.random() < n.promotion_prob:
                    self._promote(pick(rng, couriers), Role.LIEUTENANT)
                continue
            if sum(1 for x in active if x.role is Role.COURIER) < n.couriers_per_cell:
                vacancy = True
                self._recruit(cell, lt.home, lt.home_country, Role.COURIER, lt, hiring, recruiting)
        self._settled = not vacancy

    def _promote(self, member: Member, role: Role) -> None:
        old = member.role
        member.role = role
        if role is Role.LEADER:
            for x in self.active_members:
                if x.role is Role.LIEUTENANT and x is not member:
                    self._tie(member, x)
        self._structure = None
        self.sim.record("promotion", org=self.unique_id, actor=member.unique_id, node=member.home,
                        value=float(RANK[old.value]))

    def _recruit(self, cell: int, home: str, country: str, role: Role, sponsor: Member, hiring: Hiring,
                 recruiting: Recruiting) -> Member | None:
        """Recruitment in a cell's locality, limited by cash and by vulnerable residents there."""
        n = self.sim.params.network
        if self.cash < n.recruit_cost:
            return None
        recruiters = sum(1 for x in self.cells[cell] if x.active and x.role is Role.RECRUITER)
        hired = hiring.hire(self, "recruiter", country)
        chance = n.recruit_base_prob * (1 + recruiters) * (n.recruiter_facilitator_lift if hired else 1.0)
        if self.staff_draws.random() >= min(chance, 1.0):
            return None
        if not recruiting.recruit(home):
            return None
        self.cash -= n.recruit_cost
        member = self._add(role, cell, home, country)
        self._tie(sponsor, member)
        self.sim.record("recruitment", org=self.unique_id, actor=member.unique_id, node=home)
        return member

    def reinstate(self, member: Member) -> None:
        """An acquitted member returns; if the old post was filled meanwhile, one rank lower."""
        self.set_status(member, Status.ACTIVE)
        if member.role is Role.LEADER and any(x.role is Role.LEADER and x is not member for x in self.active_members):
            member.role = Role.LIEUTENANT
        if member.role is Role.LIEUTENANT and member.cell >= 0 and any(
                x.active and x.role is Role.LIEUTENANT and x is not member for x in self.cells[member.cell]):
            member.role = Role.COURIER
        self._structure = None

    # ------------------------------------------------------------------ route choice
    def choose_route(self, commodity: str, value: float, fees: float) -> Route | None:
        """Softmax over expected cost (travel + fees + value at risk), with exploration.

        Risk per checkpoint is learned from losses (`learn`), so routes through places where shipments
        were seized lose favour: traffickers re-route when losses mount (NarcoLogic's mechanism).
        """
        n = self.sim.params.network
        rng = self.route_draws
        options = self.routes_for.get(commodity, [])
        if not options:
            return None
        if rng.random() < n.exploration:
            return pick(rng, options)
        fixed = self._fixed_costs.get(commodity)
        if fixed is None:  # travel cost of each option, and its checkpoints: the same for every shipment
            per_day = self.sim.params.shipments.transport_cost_per_day
            fixed = self._fixed_costs[commodity] = [(r.cost + per_day * r.days, r.checkpoints) for r in options]
        risk = self.risk
        costs = []
        for travel, checkpoints in fixed:
            survive = 1.0
            for node in checkpoints:
                survive *= 1.0 - risk[node]
            costs.append(travel + fees + value * (1.0 - survive))
        cheapest = min(costs)
        scale = max(n.route_temperature * value, 1e-9)
        weights = [math.exp(-(c - cheapest) / scale) for c in costs]  # a handful of routes: plain floats
        u = rng.random() * sum(weights)
        for route, w in zip(options, weights, strict=True):
            u -= w
            if u < 0:
                return route
        return options[-1]

    def learn(self, node: str, seized: bool, own: bool = True) -> None:
        """Update the learned seizure risk at a checkpoint: own outcomes fully, others' seizures weakly."""
        n = self.sim.params.network
        rate = n.risk_learning_rate * (1.0 if own else n.social_learning_weight)
        self.risk[node] += rate * (float(seized) - self.risk[node])

    # ------------------------------------------------------------------ daily plan
    def shipments_today(self) -> int:
        """How many shipments to send: the base rate scaled by working cells and by cash."""
        n = self.sim.params.network
        rng = self.draws
        cells_up = self._read()["cells_up"]
        if cells_up == 0 or (self.leader() is None and rng.random() < n.leaderless_pause_prob):
            return 0
        # A broke organisation keeps part of its tempo on loads its suppliers front (consignment).
        cash_factor = n.consignment_tempo + (1.0 - n.consignment_tempo) * min(1.0, max(0.0, self.cash) / n.cash_comfort)
        rate = n.shipments_per_org_day * cells_up / n.cells_per_org * cash_factor
        return int(rng.poisson(rate)) if rate > 0 else 0

    def free_courier(self, now: float) -> Member | None:
        """An active courier not on a shipment, in a cell whose lieutenant is active (not arrested)."""
        ready = [x for x in self._read()["couriers"] if x.busy_until <= now]
        if not ready:
            return None
        return pick(self.dispatch_draws, ready)

    def pay_upkeep(self) -> None:
        """Members are paid while there is cash; an organisation does not go into debt."""
        self.cash = max(0.0, self.cash - self.sim.params.network.member_upkeep_per_day * len(self.active_members))

    def __repr__(self) -> str:
        return f"Organisation({self.name}, members={len(self.active_members)}, cash={self.cash:.2f})"
