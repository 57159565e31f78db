"""Trafficking organisations and their members.

An organisation is a network of members (a `networkx.Graph` of ties) in cells: a lieutenant, couriers and
recruiters under a leader. Some lieutenants answer to the leader directly; the others reach the core
through one who does, a broker. A cell works only while its lieutenant is free and tied, through free
members, to the organisation's core (the leader's component; without a leader, that of the lieutenant
next in line). A cell cut off or headless stops taking orders; if it stays so for `network.dismantle_days`
it breaks up. Replacement takes time and trust: vacancies are filled by promotion only from members with
enough tenure, a promoted member keeps only the ties he had, a cut-off cell reconnects after a while, and a
dismantled cell is re-formed around a trusted member, not a new recruit. The time from a cell stopping to
its working again is the network's recovery time (Duijn, Kashirin & Sloot 2014; Bright et al. 2017). An
organisation left without any working cell for as long dissolves: its members disperse and it leaves the
market, which entrants then fill (so the number of organisations settles instead of piling up remnants).

Structure read-outs (leader, core, working cells, couriers) are cached and recomputed only after a member's
status, role or ties change: they are asked many times a day and change rarely.
"""

from __future__ import annotations

import math
from enum import StrEnum
from typing import TYPE_CHECKING, Any

import mesa
import networkx as nx

from sim.core.agents.status import Status
from sim.core.streams import pick

if TYPE_CHECKING:
    from sim.core.agents.officer import Officer
    from sim.core.context import Hiring, Recruiting, Sim
    from sim.world import Route


class Role(StrEnum):
    LEADER = "leader"
    LIEUTENANT = "lieutenant"  # cell head; a broker when other cells reach the core through him
    COURIER = "courier"
    RECRUITER = "recruiter"


#: How far up the hierarchy a role sits (used by `kingpin` targeting and `disruption_depth`).
RANK = {"leader": 0, "lieutenant": 1, "recruiter": 2, "courier": 3}


class Member(mesa.Agent):
    """A member of an organisation. Status changes go through `Organisation.set_status`.

    `joined` is the time he joined (days; before the run for founding members): tenure is trust and skill.
    """

    def __init__(self, model: mesa.Model, org: Organisation, role: Role, cell: int, home: str,
                 home_country: str, joined: float) -> None:
        super().__init__(model)
        self.org = org
        self.role = role
        self.cell = cell
        self.home = home
        self.home_country = home_country
        self.joined = joined
        self.status = Status.ACTIVE
        self.active = True
        self.busy_until = -math.inf  # a courier is busy while on a shipment and on the way back

    @property
    def rank(self) -> int:
        return RANK[self.role.value]

    def tenure(self, now: float) -> float:
        return now - self.joined


class Organisation(mesa.Agent):
    """A trafficking organisation: members and ties, cash and credit, commodities, learned route risk.

    Args:
        model: the run (a `Sim`): parameters, clock, event sink, streams.
        index: position among organisations (names it, seeds its stream).
        commodities: what it moves; home: its origin node; routes_for: candidate routes per commodity;
        localities: (node, country) where its cells may live, the origin first; risk_prior: prior
        seizure risk per checkpoint on its routes; cells: how many cells it starts with (default
        `network.cells_per_org`; a new entrant starts smaller).
    """

    def __init__(self, model: mesa.Model, index: int, commodities: tuple[str, ...], home: str, country: str,
                 routes_for: dict[str, list[Route]], localities: list[tuple[str, str]],
                 risk_prior: dict[str, float], cells: int | None = None, cash: float | None = None) -> None:
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
        self.cash = float(n.initial_cash if cash is None else cash)
        self.owed = 0.0  # purchases fronted by suppliers (consignment), repaid from cash
        self.dirty = 0.0  # proceeds not yet laundered
        self.members: list[Member] = []
        self.by_id: dict[int, Member] = {}
        self.graph = nx.Graph()  # ties between members (ids), kept for members who left too
        self.ties = self.graph.adj  # read-only view: member id -> ids tied to him
        self.cells: dict[int, list[Member]] = {}
        self.down_since: dict[int, float | None] = {}  # when a cell stopped working (None: it works)
        self.dismantled: set[int] = set()
        self.idle_since: float | None = None  # when its last working cell stopped (None: one works)
        self.dissolved = False  # broke up for good (`dissolve`)
        self.recoveries: list[float] = []  # days from a cell stopping to working again (ended in the run)
        self.contacts: dict[str, list[Officer]] = {}  # checkpoint -> corrupt officers it can call on
        self.risk = dict(risk_prior)
        self.routes_for = routes_for
        self.routes: list[Route] = list(dict.fromkeys(r for rs in routes_for.values() for r in rs))
        self.checkpoints_on_routes = list(dict.fromkeys(c for r in self.routes for c in r.checkpoints))
        self._structure: dict[str, Any] | None = None
        self._brokerage: dict[int, float] | None = None
        self._settled = False  # every cell works and is full: nothing to repair
        self._fixed_costs: dict[str, list[tuple[float, tuple[str, ...]]]] = {}
        self._build_network(localities, n.cells_per_org if cells is None else cells)

    # ------------------------------------------------------------------ structure
    def _build_network(self, localities: list[tuple[str, str]], cells: int) -> None:
        n = self.sim.params.network
        rng = self.sim.stream("build.network", self.index)
        now = self.sim.env.now

        def joined() -> float:
            return now - float(rng.random()) * n.founding_tenure_days

        leader = self._add(Role.LEADER, -1, self.home, self.country, now - n.founding_tenure_days)
        lieutenants = []
        for cell in range(cells):
            home, country = pick(rng, localities)
            lt = self._add(Role.LIEUTENANT, cell, home, country, joined())
            lieutenants.append(lt)
            crew = [self._add(Role.COURIER, cell, home, country, joined()) for _ in range(n.couriers_per_cell)]
            crew += [self._add(Role.RECRUITER, cell, home, country, joined()) for _ in range(n.recruiters_per_cell)]
            for x in crew:
                self._tie(lt, x)
            for i, a in enumerate(crew):
                for b in crew[i + 1:]:
                    if rng.random() < n.lateral_tie_prob:
                        self._tie(a, b)
        for i, a in enumerate(lieutenants):
            for b in lieutenants[i + 1:]:
                if rng.random() < n.lateral_tie_prob:
                    self._tie(a, b)
        # Who answers to the leader directly; at least one does, and every other lieutenant reaches the
        # core through one who does (his broker), if not already through a lateral tie.
        direct = [lt for lt in lieutenants if rng.random() < n.leader_tie_prob] or lieutenants[:1]
        for lt in direct:
            self._tie(leader, lt)
        for lt in lieutenants:
            if lt not in direct and not any(self.graph.has_edge(lt.unique_id, d.unique_id) for d in direct):
                self._tie(lt, pick(rng, direct))

    def _add(self, role: Role, cell: int, home: str, country: str, joined: float) -> Member:
        member = Member(self.model, self, role, cell, home, country, joined)
        self.members.append(member)
        self.by_id[member.unique_id] = member
        self.graph.add_node(member.unique_id)
        if cell >= 0:
            self.cells.setdefault(cell, []).append(member)
            self.down_since.setdefault(cell, None)
        self._changed()
        return member

    def _tie(self, a: Member, b: Member) -> None:
        self.graph.add_edge(a.unique_id, b.unique_id)
        self._changed()

    def _changed(self) -> None:
        self._structure = None
        self._brokerage = None
        self._settled = False

    def dissolve(self) -> None:
        """The organisation breaks up: with no working cell for `network.dismantle_days` there is nothing left
        to run, so its free members disperse (a courier on the road still delivers his load). It takes no
        more orders and is not repaired; what it laundered stays within investigators' reach."""
        self.dissolved = True
        self.sim.record("organisation_dissolved", org=self.unique_id, node=self.home)
        for x in self.members:
            if x.active:
                self.set_status(x, Status.DISPERSED)

    def set_status(self, member: Member, status: Status) -> None:
        """The one place a member's status changes (arrest, verdict, dispersal), so that read-outs stay right."""
        member.status = status
        member.active = status is Status.ACTIVE
        self._changed()

    def neighbours(self, member: Member) -> list[Member]:
        return [self.by_id[i] for i in sorted(self.ties.get(member.unique_id, ()))]

    def _read(self) -> dict[str, Any]:
        """Leader, core, working cells and their couriers, recomputed after a change."""
        if self._structure is None:
            active = [x for x in self.members if x.active]
            leader = next((x for x in active if x.role is Role.LEADER), None)
            head = leader if leader is not None else self._next_in_line(active)
            core: set[int] = set()
            if head is not None:  # the head's component among free members
                ids = {x.unique_id for x in active}
                adj = self.graph.adj
                core.add(head.unique_id)
                stack = [head.unique_id]
                while stack:
                    for v in adj[stack.pop()]:
                        if v in ids and v not in core:
                            core.add(v)
                            stack.append(v)
            up = {x.cell for x in active if x.role is Role.LIEUTENANT and x.unique_id in core}
            self._structure = {
                "active": active,
                "leader": leader,
                "head": head,
                "core": core,
                "cells_up": len(up),
                "up": up,
                "couriers": [x for x in active if x.role is Role.COURIER and x.cell in up and x.unique_id in core],
                "roles": {r: sum(1 for x in active if x.role is r) for r in Role},
            }
        return self._structure

    def _next_in_line(self, active: list[Member]) -> Member | None:
        """Without a leader, the lieutenant with the most ties holds the core together (and would lead)."""
        lts = [x for x in active if x.role is Role.LIEUTENANT]
        if not lts:
            return None
        return max(lts, key=lambda x: (len(self.graph.adj[x.unique_id]), -x.unique_id))

    @property
    def active_members(self) -> list[Member]:
        return self._read()["active"]

    def leader(self) -> Member | None:
        return self._read()["leader"]

    def role_counts(self) -> dict[Role, int]:
        return self._read()["roles"]

    def capacity(self) -> int:
        """Couriers in working cells: the weight of the organisation when the market places orders."""
        return 0 if self.dissolved else len(self._read()["couriers"])

    def brokerage(self, member: Member) -> float:
        """Betweenness of a free member in the network of free members: how much of the organisation's
        contact runs through him (broker targeting goes after the highest)."""
        if self._brokerage is None:
            ids = [x.unique_id for x in self.active_members]
            self._brokerage = nx.betweenness_centrality(self.graph.subgraph(ids)) if len(ids) > 2 else {}
        return self._brokerage.get(member.unique_id, 0.0)

    # ------------------------------------------------------------------ repair
    def replace_losses(self, hiring: Hiring, recruiting: Recruiting) -> None:
        """Repair the network, a little each day, as trust and cash allow.

        A vacancy at the top is filled by promotion of a lieutenant with `leader_min_tenure_days`; a headless
        cell promotes a courier with `lieutenant_min_tenure_days`; a cut-off cell reconnects with
        `reconnect_prob` a day; a cell down for `dismantle_days` breaks up; a dismantled cell is re-formed
        around a trusted member of a working cell; a working cell short of couriers recruits.
        """
        if self._settled or self.dissolved:
            return
        n = self.sim.params.network
        rng = self.staff_draws
        now = self.sim.env.now
        vacancy = False
        s = self._read()
        if s["leader"] is None:
            vacancy = True
            qualified = [x for x in s["active"]
                         if x.role is Role.LIEUTENANT and x.tenure(now) >= n.leader_min_tenure_days]
            if qualified and rng.random() < n.promotion_prob:
                best = max(qualified, key=lambda x: (len(self.graph.adj[x.unique_id]), -x.unique_id))
                self._promote(best, Role.LEADER)
                s = self._read()
        for cell, crew in self.cells.items():
            if cell in self.dismantled:
                vacancy = True
                continue
            working = cell in s["up"]
            if working:
                self._cell_up(cell, now)
                lt, lost, couriers = self._working_crew(s, cell, crew)
                for x in lost:
                    vacancy = True
                    if rng.random() < n.reconnect_prob:
                        self._tie(lt, x)
                if couriers < n.couriers_per_cell:
                    vacancy = True
                    self._recruit(cell, lt.home, lt.home_country, Role.COURIER, lt, hiring, recruiting)
                continue
            vacancy = True
            if self.down_since[cell] is None:
                self.down_since[cell] = now
            lt = next((x for x in crew if x.active and x.role is Role.LIEUTENANT), None)
            if lt is None:
                qualified = [x for x in crew if x.active and x.role is not Role.LIEUTENANT
                             and x.tenure(now) >= n.lieutenant_min_tenure_days]
                if qualified and rng.random() < n.promotion_prob:
                    self._promote(pick(rng, qualified), Role.LIEUTENANT)
            elif s["head"] is not None and rng.random() < n.reconnect_prob:
                self._tie(lt, self._voucher(s))
            s = self._read()
            if cell not in s["up"] and now - self.down_since[cell] >= n.dismantle_days:  # type: ignore[operator]
                self._dismantle(cell)
                s = self._read()
        if self.dismantled and s["head"] is not None and rng.random() < n.cell_reform_prob:
            self._reform(min(self.dismantled), s, now)
            s = self._read()
        if s["cells_up"] > 0:
            self.idle_since = None
        elif self.idle_since is None:
            self.idle_since = now
        elif now - self.idle_since >= n.dismantle_days:
            self.dissolve()
            return
        self._settled = not vacancy

    def _voucher(self, s: dict[str, Any]) -> Member:
        """Whom a cut-off lieutenant reconnects through: the leader, or a lieutenant of the core."""
        core_lts = [x for x in s["active"] if x.role is Role.LIEUTENANT and x.unique_id in s["core"]]
        if s["leader"] is not None and (not core_lts or self.staff_draws.random() < 0.5):
            return s["leader"]
        return pick(self.staff_draws, core_lts) if core_lts else s["head"]

    def _working_crew(self, s: dict[str, Any], cell: int, crew: list[Member]) -> tuple[Member, list[Member], int]:
        """A working cell's lieutenant, the crew cut off from the core, and its couriers in the core: read once
        per structure (`_read`; any change to members, roles or ties makes a new one), not every day.

        Crew who answered to a lieutenant now gone are cut off until the new one finds them; the cell does
        not wait for them to fill its places.
        """
        crews = s.setdefault("crews", {})
        known = crews.get(cell)
        if known is None:
            core = s["core"]
            lt = next(x for x in crew if x.active and x.role is Role.LIEUTENANT)
            lost = [x for x in crew if x.active and x is not lt and x.unique_id not in core]
            couriers = sum(1 for x in crew if x.active and x.role is Role.COURIER and x.unique_id in core)
            known = crews[cell] = (lt, lost, couriers)
        return known

    def _cell_up(self, cell: int, now: float) -> None:
        since = self.down_since[cell]
        if since is not None:
            self.down_since[cell] = None
            if now >= 0:
                self.recoveries.append(now - since)
                self.sim.record("cell_recovered", org=self.unique_id, value=now - since, detail=str(cell))

    def _dismantle(self, cell: int) -> None:
        """The cell breaks up: its free members disperse (they leave the organisation)."""
        for x in self.cells[cell]:
            if x.active:
                self.set_status(x, Status.DISPERSED)
        self.dismantled.add(cell)
        self.sim.record("cell_dismantled", org=self.unique_id, value=float(cell))

    def _reform(self, cell: int, s: dict[str, Any], now: float) -> None:
        """A trusted member of a working cell moves to run the dismantled cell, tied to the core."""
        n = self.sim.params.network
        trusted = [x for x in s["active"] if x.role in (Role.COURIER, Role.RECRUITER) and x.cell in s["up"]
                   and x.tenure(now) >= n.lieutenant_min_tenure_days]
        if not trusted:
            return
        member = pick(self.staff_draws, trusted)
        self.cells[member.cell].remove(member)
        member.cell = cell
        self.cells[cell].append(member)
        self.dismantled.discard(cell)
        self._promote(member, Role.LIEUTENANT)
        self._tie(member, self._voucher(s))

    def _promote(self, member: Member, role: Role) -> None:
        """A promoted member keeps only the ties he had: whoever answered to his predecessor alone is cut
        off until he reconnects. A new leader leaves his cell (it will need a lieutenant of its own)."""
        old = member.role
        member.role = role
        if role is Role.LEADER and member.cell >= 0:
            self.cells[member.cell].remove(member)
            member.cell = -1
        self._changed()
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
        self.sim.record("expense", org=self.unique_id, value=n.recruit_cost, detail="recruitment")
        member = self._add(role, cell, home, country, self.sim.env.now)
        self._tie(sponsor, member)
        self.sim.record("recruitment", org=self.unique_id, actor=member.unique_id, node=home)
        return member

    def reinstate(self, member: Member) -> None:
        """An acquitted member returns; if the old post was filled meanwhile, one rank lower; to an organisation
        that broke up meanwhile, not at all (he goes his way)."""
        if self.dissolved:
            self.set_status(member, Status.DISPERSED)
            return
        self.set_status(member, Status.ACTIVE)
        if member.role is Role.LEADER and any(x.role is Role.LEADER and x is not member for x in self.active_members):
            member.role = Role.LIEUTENANT
        if member.role is Role.LIEUTENANT and member.cell >= 0 and (member.cell in self.dismantled or any(
                x.active and x.role is Role.LIEUTENANT and x is not member for x in self.cells[member.cell])):
            member.role = Role.COURIER
        self._changed()

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

    # ------------------------------------------------------------------ orders, couriers, money
    def accepts(self) -> bool:
        """Whether it takes an order today: it needs a working cell; a leaderless one often hesitates."""
        if self.dissolved:
            return False
        s = self._read()
        if s["cells_up"] == 0:
            return False
        return s["leader"] is not None or self.draws.random() >= self.sim.params.network.leaderless_pause_prob

    def handler(self, courier: Member) -> int:
        """The member who controls the people a courier moves: his cell's lieutenant (-1 if it has none)."""
        lt = next((x for x in self.cells.get(courier.cell, ()) if x.active and x.role is Role.LIEUTENANT), None)
        return lt.unique_id if lt is not None else -1

    def free_couriers(self, now: float, wanted: int) -> list[Member]:
        """Up to `wanted` couriers of working cells who are at home and free, chosen at random."""
        ready = [x for x in self._read()["couriers"] if x.busy_until <= now]
        if len(ready) <= wanted:
            return ready
        rng = self.dispatch_draws
        chosen = []
        for _ in range(wanted):
            chosen.append(ready.pop(int(rng.random() * len(ready))))
        return chosen

    def front(self, amount: float) -> bool:
        """Pay a purchase up front, from cash or, short of it, on a supplier's credit (consignment)."""
        if amount <= 0:
            return True
        if self.cash >= amount:
            self.cash -= amount
        elif self.owed + amount <= self.sim.params.network.supplier_credit:
            self.owed += amount
        else:
            return False
        self.sim.record("expense", org=self.unique_id, value=amount, detail="purchase")
        return True

    def pay_upkeep(self) -> None:
        """Members are paid while there is cash, then suppliers' credit is repaid; no debt beyond credit."""
        paid = min(max(0.0, self.cash), self.sim.params.network.member_upkeep_per_day * len(self.active_members))
        if paid > 0:
            self.cash -= paid
            self.sim.record("expense", org=self.unique_id, value=paid, detail="upkeep")
        if self.owed > 0 and self.cash > 0:
            paid = min(self.owed, self.cash)
            self.owed -= paid
            self.cash -= paid

    def __repr__(self) -> str:
        return f"Organisation({self.name}, members={len(self.active_members)}, cash={self.cash:.2f})"
