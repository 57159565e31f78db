"""Shipments of people, drugs and weapons, travelling the corridor edge by edge as simpy processes."""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import simpy

if TYPE_CHECKING:
    from sim.core.agents.facilitator import Facilitator
    from sim.core.agents.organisation import Member, Organisation
    from sim.core.model import CorridorModel
    from sim.world.corridor import Route

#: Share of a load's street value an organisation pays up front (lost if seized).
PURCHASE_SHARE = 0.25


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
    victims: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    forged_documents: bool = False
    front_company: bool = False
    facilitators: list[Facilitator] = field(default_factory=list)

    @property
    def profile(self) -> tuple[str, str]:
        """What risk-based targeting can see: the kind of load and where it comes from."""
        return (self.commodity, self.origin_country)

    def detectability(self, formal: bool) -> float:
        """Chance an inspection or patrol finds the load (concealment and forged papers lower it)."""
        s = self.org.model.cfg.shipments
        base = {"drugs": s.detectability_drugs, "people": s.detectability_people,
                "weapons": s.detectability_weapons}[self.commodity]
        if self.front_company:
            base *= 1.0 - s.front_company_effect
        if self.forged_documents and formal:
            base *= 1.0 - s.forgery_effect
        return base


def plan_shipments(model: CorridorModel, org: Organisation) -> None:
    """An organisation's shipments for today: courier, commodity, facilitators, route, departure."""
    for _ in range(org.shipments_today()):
        if not dispatch(model, org):
            break


def dispatch(model: CorridorModel, org: Organisation) -> bool:
    m, rng = model, model.rng
    s = m.cfg.shipments
    courier = org.free_courier(m.env.now)
    if courier is None:
        return False
    commodity = org.commodities[int(rng.integers(len(org.commodities)))]
    persons = 0
    if commodity == "people":
        persons = max(1, int(rng.poisson(s.persons_per_shipment)))
        value = s.fee_per_person * persons
    else:
        value = (s.value_drugs if commodity == "drugs" else s.value_weapons) * float(rng.lognormal(0.0, 0.3))
    formal_fees = s.forger_fee if commodity == "people" else s.front_company_fee
    route = org.choose_route(commodity, value, formal_fees)
    if route is None:
        return False
    upfront = PURCHASE_SHARE * value if commodity != "people" else 0.0
    if org.cash < upfront:
        upfront = 0.0  # on consignment: the supplier fronts the load
    origin = m.corridor.places[route.nodes[0]]
    shipment = Shipment(m.next_shipment_id(), org, commodity, route, value, courier, origin.country, persons)
    if commodity == "people":
        community = m.communities.get(origin.id)
        if community is None or community.size == 0:
            return False
        went, victims, again = community.traffic(persons, s.victim_share, m.cfg.victims.exploitation_days)
        if went == 0:
            return False  # nobody agreed to go: no shipment
        # Paid per person who actually travels (prevention and awareness shrink the fees, too).
        shipment.persons, shipment.value = went, s.fee_per_person * went
        value = shipment.value
        shipment.victims = victims
        m.metrics.count("victims_trafficked", victims.size)
        m.metrics.count("victims_reexploited", again)
        if victims.size:
            m.log.add("trafficked", org=org.unique_id, node=origin.id, commodity=commodity,
                      value=float(victims.size))
    formal = any(m.corridor.places[n].is_checkpoint for n in route.checkpoints)
    if formal and org.cash >= formal_fees:
        kind = "forger" if commodity == "people" else "transport"
        helper = m.hire_facilitator(org, kind, origin.country)
        if helper is not None:
            org.cash -= formal_fees
            shipment.facilitators.append(helper)
            if kind == "forger":
                shipment.forged_documents = True
            else:
                shipment.front_company = True
    org.cash -= upfront
    courier.busy_until = m.env.now + route.days + 1.0
    m.in_transit += 1
    m.metrics.count("shipments_attempted")
    m.metrics.route_use[route.nodes] += 1
    for node in route.checkpoints:
        m.metrics.node_use[node] += 1
    m.log.add("shipment_departed", org=org.unique_id, actor=courier.unique_id, node=origin.id,
              commodity=commodity, value=value)
    m.log.add("route_chosen", org=org.unique_id, actor=shipment.id, node=">".join(route.checkpoints),
              commodity=commodity, value=route.days)
    m.env.process(travel(m, shipment))
    return True


def travel(model: CorridorModel, shipment: Shipment) -> Generator[simpy.Event, Any, None]:
    """Leg by leg: wait the travel time, then face the post, trail or town at the next node."""
    m = model
    places = m.corridor.places
    org = shipment.org
    for leg in shipment.route.legs:
        yield m.env.timeout(leg.days)
        m.recorder.leg(leg)
        node = leg.target
        place = places[node]
        if place.is_checkpoint:
            seizer = yield from m.posts[node].pass_shipment(shipment)
        elif place.is_informal:
            seizer = m.trails[node].pass_shipment(shipment)
        else:
            community = m.communities.get(node)
            if community is not None:
                community.sightings.append((org.unique_id, shipment.courier.unique_id))
            continue
        org.learn(node, seized=seizer is not None)
        if seizer is not None:
            m.seize(shipment, node, seizer)
            return
    m.deliver(shipment)
