"""Shipments of people, drugs and weapons: planned by organisations, travelling the corridor as simpy
processes, seized at posts and trails or delivered at markets.

A shipment moves segment by segment: one simpy timeout from checkpoint to checkpoint, with the legs and
the towns in between recorded at the times they are passed (nothing can happen to a load between two
enforcement points, so waking the process at every town would only cost time).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Generator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import simpy

from sim.core.agents.facilitator import Facilitator
from sim.core.agents.status import Status

if TYPE_CHECKING:
    from sim.config.schema import SimConfig
    from sim.core.agents.community import Community
    from sim.core.agents.organisation import Member, Organisation
    from sim.core.context import Arrests, Hiring, Leads, Residents, Sim
    from sim.core.mechanisms.border import Border
    from sim.core.mechanisms.demand import Demand, Order
    from sim.core.mechanisms.victims import Victims
    from sim.world import Corridor, Route


NO_VICTIMS = np.empty(0, dtype=np.int64)  # shared and never written to: a load without trafficked persons


@dataclass
class Shipment:
    """One load on one route. People shipments carry persons, some of them trafficking victims."""

    id: int
    org: Organisation
    commodity: str
    route: Route
    value: float
    courier: Member
    origin_country: str
    persons: int = 0
    victims: np.ndarray = field(default_factory=lambda: NO_VICTIMS)
    departed: float = 0.0
    skill_factor: float = 1.0  # a novice courier is easier to catch (`network.novice_detectability`)
    forged_documents: bool = False
    front_company: bool = False
    facilitators: list[Facilitator] = field(default_factory=list)

    @property
    def profile(self) -> tuple[str, str]:
        """What risk-based targeting can see: the kind of load and where it comes from."""
        return (self.commodity, self.origin_country)

    def detectability(self, p: SimConfig, formal: bool) -> float:
        """Chance an inspection or patrol finds the load (concealment and forged papers lower it). A front
        company is not here: it makes a consignment look like a clean trader's, which matters when customs
        choose what to open (`BorderPost.suspicion`), not once the load is opened."""
        s = p.shipments
        base = {"drugs": s.detectability_drugs, "people": s.detectability_people,
                "weapons": s.detectability_weapons}[self.commodity]
        if self.forged_documents and formal:
            base *= 1.0 - s.forgery_effect
        return min(1.0, base * self.skill_factor)


@dataclass(frozen=True)
class Segment:
    """Travel up to the next enforcement point (`end`; None: the market at the route's end)."""

    days: float
    legs: tuple[tuple[float, int], ...]  # (time into the segment when the leg ends, index in corridor.links)
    towns: tuple[tuple[float, str], ...]  # (time into the segment, locality passed)
    end: str | None


class Shipments:
    """Planning, travel, seizure and delivery. Results: shipments per route and per checkpoint
    (`route_use`, `node_use`), for flow shares and route entropy, and legs travelled per day and link
    (`leg_use`), for the replay's flow map."""

    def __init__(self, sim: Sim, corridor: Corridor, border: Border, communities: dict[str, Community],
                 victims: Victims, days: int) -> None:
        self.sim = sim
        self.corridor = corridor
        self.border = border
        self.communities = communities
        self.victims = victims
        self.days = days
        self.in_transit = 0
        self.route_use: Counter[tuple[str, ...]] = Counter()
        self.node_use: Counter[str] = Counter()
        self.leg_use: Counter[tuple[int, int]] = Counter()  # (day, index in corridor.links) -> legs travelled
        self._link_index = {link: i for i, link in enumerate(corridor.links)}
        self._ids = 0
        # Per route, keyed by id(route) (routes live as long as the corridor; hashing one hashes every leg).
        self._segments: dict[int, tuple[Segment, ...]] = {}
        self._passes_post: dict[int, bool] = {}
        self.organisations: list[Organisation] = []
        self.hiring: Hiring | None = None
        self.arrests: Arrests | None = None
        self.leads: Leads | None = None
        self.residents: Residents | None = None
        self.demand: Demand | None = None
        self._rng = sim.stream("shipments")

    def connect(self, organisations: list[Organisation], hiring: Hiring, arrests: Arrests, leads: Leads,
                residents: Residents, demand: Demand | None = None) -> None:
        self.organisations = organisations
        self.hiring, self.arrests, self.leads, self.residents = hiring, arrests, leads, residents
        self.demand = demand

    # ------------------------------------------------------------------ orders
    def fill(self, order: Order, organisations: list[Organisation]) -> bool:
        """Give a market's order to an organisation that moves the commodity, chosen in proportion to its
        working couriers; one that cannot fill it passes it on. Returns whether it was (at least partly)
        shipped; the market counts its fate (`Demand.served`)."""
        k = order.commodity
        movers = [o for o in organisations if k in o.commodities]
        weights = [o.capacity() for o in movers]
        rng = self._rng
        filled = False
        while movers:
            total = sum(weights)
            if total <= 0:
                break
            u = rng.random() * total
            i = 0
            while u >= weights[i] and i < len(weights) - 1:
                u -= weights[i]
                i += 1
            org = movers.pop(i)
            weights.pop(i)
            if org.accepts() and self.dispatch(org, order):
                filled = True
                break
        if self.demand is not None:
            self.demand.served(order, filled)
        return filled

    def dispatch(self, org: Organisation, order: Order) -> bool:
        """Ship an order: split over as many free couriers as it needs (or as there are), each part on its
        own route, each purchase fronted from cash or supplier credit. Returns whether any part left."""
        k = order.commodity
        if k == "people":
            return self._dispatch_people(org, order)
        cap = self.sim.params.network.courier_capacity
        couriers = org.free_couriers(self.sim.env.now, max(1, math.ceil(order.loads / cap - 1e-9)))
        left = order.loads
        sent = False
        for courier in couriers:
            part = min(cap, left)
            if part <= 0:
                break
            if not self._send(org, courier, k, part):
                break
            left -= part
            sent = True
        return sent

    def _price(self, k: str) -> float:
        return self.demand.price.get(k, 1.0) if self.demand is not None else 1.0

    def _send(self, org: Organisation, courier: Member, commodity: str, loads: float) -> bool:
        """One courier's part of a goods order: route, purchase, facilitators, departure."""
        s = self.sim.params.shipments
        value = (s.value_drugs if commodity == "drugs" else s.value_weapons) * loads * self._price(commodity)
        formal_fees = s.front_company_fee
        route = org.choose_route(commodity, value, formal_fees)
        if route is None:
            return False
        if not org.front(s.purchase_share * value):
            return False  # neither cash nor credit: the supplier will not part with the load
        return self._depart(org, courier, commodity, route, value, 0, NO_VICTIMS)

    def _dispatch_people(self, org: Organisation, order: Order) -> bool:
        """A group seeking passage: persons from the origin's community, some of them victims."""
        sim = self.sim
        s = sim.params.shipments
        couriers = org.free_couriers(sim.env.now, 1)
        if not couriers:
            return False
        rng = org.dispatch_draws
        persons = max(1, int(rng.poisson(s.persons_per_shipment * order.loads)))
        route = org.choose_route("people", s.fee_per_person * persons * self._price("people"), s.forger_fee)
        if route is None:
            return False
        origin = route.nodes[0]
        community = self.communities.get(origin)
        if community is None or community.size == 0:
            return False
        went, victims, again = community.traffic(persons, s.victim_share, sim.params.victims.exploitation_days,
                                                 org_id=org.unique_id, handler=org.handler(couriers[0]))
        if went == 0:
            return False  # nobody agreed to go: no shipment
        if victims.size:
            sim.record("trafficked", org=org.unique_id, node=origin, commodity="people", value=float(victims.size))
        if again:
            sim.record("reexploited", org=org.unique_id, node=origin, commodity="people", value=float(again))
        # Paid per person who actually travels (prevention and awareness shrink the fees, too).
        value = s.fee_per_person * went * self._price("people")
        return self._depart(org, couriers[0], "people", route, value, went, victims)

    def _depart(self, org: Organisation, courier: Member, commodity: str, route: Route, value: float,
                persons: int, victims: np.ndarray) -> bool:
        sim = self.sim
        p = sim.params
        now = sim.env.now
        origin = self.corridor.places[route.nodes[0]]
        self._ids += 1
        shipment = Shipment(self._ids, org, commodity, route, value, courier, origin.country, persons, victims, now)
        n = p.network
        shipment.skill_factor = 1.0 + n.novice_detectability * math.exp(-courier.tenure(now) / n.skill_learning_days)
        if self._formal(route) and self.hiring is not None:
            s = p.shipments
            fee = s.forger_fee if commodity == "people" else s.front_company_fee
            if org.cash >= fee:
                kind = "forger" if commodity == "people" else "transport"
                helper = self.hiring.hire(org, kind, origin.country)
                if helper is not None:
                    org.cash -= fee
                    sim.record("expense", org=org.unique_id, actor=helper.unique_id, value=fee, detail=kind)
                    shipment.facilitators.append(helper)
                    if kind == "forger":
                        shipment.forged_documents = True
                    else:
                        shipment.front_company = True
        courier.busy_until = math.inf  # until the load is delivered or lost, then the way home (`_home`)
        self.in_transit += 1
        if now >= 0:  # route use is measured from day 0 (not in the warm-up)
            self.route_use[route.nodes] += 1
            for node in route.checkpoints:
                self.node_use[node] += 1
        sim.record("shipment_departed", org=org.unique_id, actor=courier.unique_id, node=origin.id,
                   commodity=commodity, value=value)
        sim.record("route_chosen", org=org.unique_id, actor=shipment.id, node=">".join(route.checkpoints),
                   commodity=commodity, value=route.days)
        sim.env.process(self.travel(shipment))
        return True

    def _formal(self, route: Route) -> bool:
        """Whether the route passes a formal crossing, port or airport (where papers and fronts help)."""
        formal = self._passes_post.get(id(route))
        if formal is None:
            formal = self._passes_post[id(route)] = any(n in self.border.posts for n in route.checkpoints)
        return formal

    # ------------------------------------------------------------------ travel
    def segments(self, route: Route) -> tuple[Segment, ...]:
        """The route cut at its enforcement points (computed once per route)."""
        cut = self._segments.get(id(route))
        if cut is None:
            places = self.corridor.places
            out: list[Segment] = []
            t, legs, towns = 0.0, [], []
            for leg in route.legs:
                t += leg.days
                legs.append((t, self._link_index[leg]))
                place = places[leg.target]
                if place.is_checkpoint or place.is_informal:
                    out.append(Segment(t, tuple(legs), tuple(towns), leg.target))
                    t, legs, towns = 0.0, [], []
                elif leg.target in self.communities:
                    towns.append((t, leg.target))
            out.append(Segment(t, tuple(legs), tuple(towns), None))
            cut = self._segments[id(route)] = tuple(out)
        return cut

    def travel(self, shipment: Shipment) -> Generator[simpy.Event, Any, None]:
        """Segment by segment: travel to the next post or trail and face it; then deliver at the market.

        Time held at a post (queue and lane) is added to the next stretch of travel: one timeout each.
        """
        env = self.sim.env
        org = shipment.org
        ids = (org.unique_id, shipment.courier.unique_id)
        leg_use = self.leg_use
        held = 0.0
        for seg in self.segments(shipment.route):
            start = env.now + held
            for offset, leg in seg.legs:
                if start + offset >= 0:  # legs travelled in the warm-up are not measured
                    leg_use[int(start + offset), leg] += 1
            for offset, town in seg.towns:
                self.communities[town].sighted(start + offset, *ids)
            if seg.days + held > 0:
                yield env.timeout(seg.days + held)
            node = seg.end
            if node is None:
                break
            post = self.border.posts.get(node)
            if post is not None:
                seizer, held = post.pass_shipment(shipment)
            else:
                seizer, held = self.border.trails[node].pass_shipment(shipment), 0.0
            org.learn(node, seized=seizer is not None)
            if seizer is not None:
                self._seized(shipment, node, seizer)
                return
        self._delivered(shipment)

    # ------------------------------------------------------------------ outcomes
    def _seized(self, shipment: Shipment, node: str, officer: Any) -> None:
        """A seizure: others learn of it, residents see enforcement, victims on board are identified, the
        courier is arrested, and hired facilitators may become leads."""
        sim = self.sim
        place = self.corridor.places[node]
        org = shipment.org
        self.in_transit -= 1
        sim.record("seizure", org=org.unique_id, actor=shipment.courier.unique_id, target=officer.unique_id,
                   node=node, commodity=shipment.commodity, value=shipment.value)
        for other in self.organisations:
            if other is not org:
                other.learn(node, seized=True, own=False)
        if self.residents is not None:
            self.residents.observe(place.country, "enforcement")
        victim_case = False
        if shipment.victims.size:
            home = self.communities[shipment.route.nodes[0]]
            victim_case = self.victims.identify(home, shipment.victims) > 0
        self._home(shipment)
        if self.demand is not None:
            self.demand.outcome(shipment.commodity, seized=True)
        # The courier is taken with the load at most posts; on a trail many drop it and run.
        s = sim.params.shipments
        caught = s.courier_arrest_post if node in self.border.posts else s.courier_arrest_trail
        courier = shipment.courier
        if courier.active and self.arrests is not None and self._rng.random() < caught:
            self.arrests.arrest(courier, "seizure", place.country, sim.params.investigation.quality_seizure,
                                courier.home_country != place.country, victim_case)
        for helper in shipment.facilitators:
            if self._rng.random() < sim.params.investigation.seizure_facilitator_lead_prob and self.leads is not None:
                self.leads.open(helper, "seizure", place.country)

    def _home(self, shipment: Shipment) -> None:
        """The courier heads home (as long as the way out took, times `courier_return_factor`) and rests."""
        n = self.sim.params.network
        now = self.sim.env.now
        shipment.courier.busy_until = now + (now - shipment.departed) * n.courier_return_factor + n.courier_rest_days

    def _delivered(self, shipment: Shipment) -> None:
        self.in_transit -= 1
        self._home(shipment)
        if shipment.courier.status in (Status.CUSTODY, Status.PRISON):
            # Arrested on the way (a tip, a lead): the load never reaches a buyer. (A courier whose cell
            # broke up meanwhile still delivers: the load is paid for and on its way.)
            self.sim.record("load_lost", org=shipment.org.unique_id, actor=shipment.courier.unique_id,
                            node=shipment.route.nodes[-1], commodity=shipment.commodity, value=shipment.value)
            if self.demand is not None:
                self.demand.outcome(shipment.commodity, seized=True)
            return
        if self.demand is not None:
            self.demand.outcome(shipment.commodity, seized=False)
        shipment.org.dirty += shipment.value
        self.sim.record("delivery", org=shipment.org.unique_id, actor=shipment.courier.unique_id,
                        node=shipment.route.nodes[-1], commodity=shipment.commodity, value=shipment.value)
