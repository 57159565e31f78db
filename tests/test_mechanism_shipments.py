"""Shipments alone, on the tiny world (with real border, corruption, communities and victims, and stand-ins
for arrests, leads, hiring and residents): route segments, travel times, seizure, delivery, legs and
sightings."""

from __future__ import annotations

import pytest

from sim.core.agents.facilitator import Facilitator, FacilitatorKind
from sim.core.agents.organisation import Organisation
from sim.core.agents.status import Status
from sim.core.mechanisms.border import Border
from sim.core.mechanisms.communities import Communities
from sim.core.mechanisms.corruption import Corruption
from sim.core.mechanisms.demand import Order
from sim.core.mechanisms.shipments import Shipments
from sim.core.mechanisms.victims import Victims
from sim.world.corridor import Link
from tests.tiny_world import (
    GATE_TOWN,
    HOME_GATE,
    HOME_TRAIL,
    TOWN_MKT,
    TRAIL_TOWN,
    FakeArrests,
    FakeHiring,
    FakeLeads,
    FakeResidents,
    corridor,
    organisation,
    route_via,
    standalone,
)

SEIZE_ALL = {"policy": {"inspection_rate": 1.0}, "shipments": {"detectability_drugs": 1.0,
                                                                "detectability_people": 1.0,
                                                                "courier_arrest_post": 1.0}}


class Run:
    """The shipments mechanism of the tiny world with one organisation using one route (through `via`),
    and a rival organisation that only learns from others' seizures."""

    def __init__(self, seed: int = 0, via: str = "gate", commodities: tuple[str, ...] = ("drugs",),
                 cash: float = 3.0, hiring: FakeHiring | None = None, **sections) -> None:
        sections = {k: dict(v) for k, v in sections.items()}  # the caller's dicts stay as they are
        sections.setdefault("officers", {}).setdefault("initial_corrupt_share", 0.0)
        sections.setdefault("border", {}).setdefault("clearance_minutes", 0.0)  # exact hand-computed times
        self.sim = sim = standalone(seed, **sections)
        self.world = world = corridor()
        self.corruption = Corruption(sim, world)
        self.border = Border(sim, world, self.corruption, days=30)
        self.communities = Communities(sim, world)
        self.victims = Victims(sim, self.communities.of_country)
        self.shipments = Shipments(sim, world, self.border, self.communities.by_node, self.victims, 30)
        self.org = organisation(sim, world, 0, via=via, commodities=commodities, cash=cash)
        self.rival = organisation(sim, world, 1, commodities=commodities)
        self.arrests, self.leads, self.residents = FakeArrests(), FakeLeads(), FakeResidents()
        self.hiring = hiring if hiring is not None else FakeHiring()
        self.shipments.connect([self.org, self.rival], self.hiring, self.arrests, self.leads, self.residents)

    def order(self, loads: float = 1.0) -> Order:
        """A market order of the organisation's first commodity."""
        return Order(self.org.commodities[0], loads)

    def send(self, at: float = 0.0, loads: float = 1.0) -> None:
        env = self.sim.env
        if at > env.now:
            env.run(until=at)
        assert self.shipments.dispatch(self.org, self.order(loads))

    def events(self, kind: str) -> list:
        return [e for e in self.sim.events if e.kind == kind]

    def link(self, leg: Link | int) -> Link:
        """A leg as a Link (the mechanism may keep it as its index in corridor.links)."""
        return leg if isinstance(leg, Link) else self.world.links[leg]


def test_segments_cut_the_route_at_enforcement_points() -> None:
    r = Run()
    route = route_via(r.world, "gate")
    segs = r.shipments.segments(route)
    assert [s.end for s in segs] == ["gate", None]
    assert [s.days for s in segs] == pytest.approx([HOME_GATE, GATE_TOWN + TOWN_MKT])
    assert sum(s.days for s in segs) == pytest.approx(route.days)
    legs = [(offset, r.link(leg)) for s in segs for offset, leg in s.legs]
    assert [leg for _, leg in legs] == list(route.legs)
    assert [offset for offset, _ in legs] == pytest.approx([HOME_GATE, GATE_TOWN, GATE_TOWN + TOWN_MKT])
    assert segs[0].towns == ()
    assert list(segs[1].towns) == [(pytest.approx(GATE_TOWN), "town"), (pytest.approx(GATE_TOWN + TOWN_MKT), "mkt")]

    trail = r.shipments.segments(route_via(r.world, "trail1"))
    assert [s.end for s in trail] == ["trail1", None]
    assert [s.days for s in trail] == pytest.approx([HOME_TRAIL, TRAIL_TOWN + TOWN_MKT])
    assert r.shipments.segments(route) is segs  # computed once per route


def test_an_uninspected_load_is_delivered_and_its_value_becomes_dirty_money() -> None:
    r = Run(policy={"inspection_rate": 0.0})
    cash = r.org.cash
    r.send()
    assert r.shipments.in_transit == 1
    (departed,) = r.events("shipment_departed")
    value = departed.value
    assert r.org.cash == pytest.approx(cash - r.sim.params.shipments.purchase_share * value)
    r.sim.env.run(until=route_via(r.world, "gate").days - 0.01)
    assert r.events("delivery") == []
    assert r.shipments.in_transit == 1
    r.sim.env.run(until=10)
    (delivery,) = r.events("delivery")
    assert delivery.day == pytest.approx(route_via(r.world, "gate").days)
    assert (delivery.value, delivery.node, delivery.org) == (pytest.approx(value), "mkt", r.org.unique_id)
    assert r.org.dirty == pytest.approx(value)
    assert r.shipments.in_transit == 0
    assert "seizure" not in r.sim.kinds()
    assert r.arrests.calls == []
    assert r.shipments.route_use[("home", "gate", "town", "mkt")] == 1
    assert r.shipments.node_use["gate"] == 1
    # Own passage learned: the risk at the gate fell below the prior.
    assert r.org.risk["gate"] < r.sim.params.network.risk_prior


def test_a_courier_arrested_on_the_way_loses_the_load_but_one_whose_organisation_broke_up_delivers() -> None:
    outcomes = {}
    for status in (Status.CUSTODY, Status.DISPERSED):
        r = Run(policy={"inspection_rate": 0.0})
        r.send()
        (departed,) = r.events("shipment_departed")
        courier = next(x for x in r.org.members if x.unique_id == departed.actor)
        r.org.set_status(courier, status)
        r.sim.env.run(until=10)
        outcomes[status] = ([e.kind for e in r.sim.events if e.kind in ("delivery", "load_lost")], r.org.dirty)
    assert outcomes[Status.CUSTODY] == (["load_lost"], 0.0)
    assert outcomes[Status.DISPERSED][0] == ["delivery"]
    assert outcomes[Status.DISPERSED][1] > 0


def test_a_load_at_a_post_that_always_seizes_is_seized_and_the_courier_arrested() -> None:
    r = Run(cash=0.0, **SEIZE_ALL)
    prior, n = r.sim.params.network.risk_prior, r.sim.params.network
    r.send()
    courier_id = r.events("shipment_departed")[0].actor
    r.sim.env.run(until=10)
    (seizure,) = r.events("seizure")
    assert (seizure.node, seizure.actor, seizure.org) == ("gate", courier_id, r.org.unique_id)
    assert seizure.day == pytest.approx(HOME_GATE)
    assert seizure.target in {o.unique_id for o in r.border.posts["gate"].officers}
    assert "delivery" not in r.sim.kinds()
    assert r.shipments.in_transit == 0
    assert r.org.dirty == 0.0
    (call,) = r.arrests.calls
    assert call["person"].unique_id == courier_id
    assert (call["source"], call["country"], call["evidence"], call["cross_border"], call["victim_case"]) == (
        "seizure", "A", 1.0, False, False)
    assert ("A", "enforcement", 1.0) in r.residents.seen
    # The organisation learns fully, the rival weakly (social learning).
    assert r.org.risk["gate"] == pytest.approx(prior + n.risk_learning_rate * (1 - prior))
    assert r.rival.risk["gate"] == pytest.approx(prior + n.risk_learning_rate * n.social_learning_weight * (1 - prior))
    assert r.rival.risk["trail1"] == prior


def test_a_courier_from_another_country_makes_a_cross_border_arrest() -> None:
    r = Run(cash=0.0, **SEIZE_ALL)
    for member in r.org.members:
        member.home_country = "B"
    r.send()
    r.sim.env.run(until=10)
    assert [c["cross_border"] for c in r.arrests.calls] == [True]


def test_a_seized_shipment_can_give_a_lead_on_its_facilitator() -> None:
    sim_sections = {**SEIZE_ALL, "shipments": {**SEIZE_ALL["shipments"], "front_company_effect": 0.0},
                    "border": {"spot_bribe_prob": 0.0, "clearance_minutes": 0.0},
                    "investigation": {"seizure_facilitator_lead_prob": 1.0}}
    r = Run(cash=3.0, **sim_sections)
    transport = Facilitator(r.sim, FacilitatorKind.TRANSPORT, "A")
    r.hiring.facilitator = transport
    cash = r.org.cash
    r.send()
    value = r.events("shipment_departed")[0].value
    s = r.sim.params.shipments
    assert r.org.cash == pytest.approx(cash - s.front_company_fee - s.purchase_share * value)
    r.sim.env.run(until=10)
    assert r.hiring.calls == [(r.org, "transport", "A")]
    assert r.leads.calls == [(transport, "seizure", "A", False)]


def test_a_trail_patrol_that_always_meets_seizes() -> None:
    r = Run(via="trail1", cash=0.0, border={"patrol_encounter_prob": 1.0, "max_encounter_prob": 1.0},
            shipments={"detectability_drugs": 1.0, "courier_arrest_trail": 1.0})
    r.send()
    r.sim.env.run(until=10)
    (seizure,) = r.events("seizure")
    assert (seizure.node, seizure.day) == ("trail1", pytest.approx(HOME_TRAIL))
    assert len(r.arrests.calls) == 1


def test_legs_are_counted_on_the_day_each_ends() -> None:
    r = Run(policy={"inspection_rate": 0.0})
    r.send(at=0.6)  # legs end at 1.6, 2.6 and 3.1: days 1, 2 and 3
    r.sim.env.run(until=10)
    route = route_via(r.world, "gate")
    used = {(day, r.link(leg)): n for (day, leg), n in r.shipments.leg_use.items()}
    assert used == {(1, route.legs[0]): 1, (2, route.legs[1]): 1, (3, route.legs[2]): 1}


def test_leg_use_adds_up_over_shipments() -> None:
    r = Run(policy={"inspection_rate": 0.0})
    for _ in range(3):
        r.send()
    r.sim.env.run(until=10)
    assert sum(r.shipments.leg_use.values()) == 3 * len(route_via(r.world, "gate").legs)
    assert len(r.events("delivery")) == 3


def test_sightings_are_registered_at_the_towns_passed_with_their_times() -> None:
    r = Run(via="trail1", border={"patrol_encounter_prob": 0.0})
    r.send(at=0.25)
    courier = r.events("shipment_departed")[0].actor
    r.sim.env.run(until=10)
    town, mkt, home = (r.communities.by_node[n] for n in ("town", "mkt", "home"))
    t_town = 0.25 + HOME_TRAIL + TRAIL_TOWN
    assert town.sightings == [(pytest.approx(t_town), r.org.unique_id, courier)]
    assert mkt.sightings == [(pytest.approx(t_town + TOWN_MKT), r.org.unique_id, courier)]
    assert home.sightings == []  # the origin is where the load starts, not a town it passes
    assert "delivery" in r.sim.kinds()


def test_a_seized_load_is_not_seen_beyond_the_post() -> None:
    r = Run(cash=0.0, **SEIZE_ALL)
    r.send()
    r.sim.env.run(until=10)
    assert r.communities.by_node["town"].sightings == []


def test_a_courier_is_busy_on_the_road_on_the_way_home_and_at_rest() -> None:
    r = Run(policy={"inspection_rate": 0.0}, network={"cells_per_org": 1, "couriers_per_cell": 1})
    n = r.sim.params.network
    r.send()
    assert not r.shipments.dispatch(r.org, r.order())  # the only courier is on the road
    days = route_via(r.world, "gate").days
    back = days + days * n.courier_return_factor + n.courier_rest_days
    r.sim.env.run(until=back - 0.01)
    assert r.events("delivery")
    assert not r.shipments.dispatch(r.org, r.order())  # delivered, but on his way home or resting
    r.sim.env.run(until=back + 0.01)
    assert r.shipments.dispatch(r.org, r.order())


def test_a_seized_people_shipment_identifies_its_victims() -> None:
    r = Run(commodities=("people",), cash=0.0, policy={"inspection_rate": 1.0, "victim_protection": 1.0},
            shipments={"detectability_people": 1.0, "victim_share": 1.0, "persons_per_shipment": 8},
            community={"vulnerability_mean": 0.95, "awareness_mean": 0.01},
            victims={"referral_base": 1.0, "screening_base": 1.0})
    home = r.communities.by_node["home"]
    r.send()
    (trafficked,) = r.events("trafficked")
    assert home.victims_count == trafficked.value > 0
    # They were moved by the courier's cell, whose lieutenant controls them (and is who they can testify against).
    (departed,) = r.events("shipment_departed")
    courier = next(x for x in r.org.members if x.unique_id == departed.actor)
    lieutenant = next(x for x in r.org.cells[courier.cell] if x.role.value == "lieutenant")
    moved = home.trafficked_by == r.org.unique_id
    assert moved.sum() == trafficked.value
    assert (home.handled_by[moved] == lieutenant.unique_id).all()
    r.sim.env.run(until=10)
    assert r.events("seizure")
    (identified,) = r.events("victim_identified")
    assert identified.value == trafficked.value
    assert [c["victim_case"] for c in r.arrests.calls] == [True]
    assert home.victims_count == 0
    counts = home.counts()
    assert counts["victim"] == home.victims_count
    assert counts["protected"] == home.protected_count


def test_people_shipments_need_someone_to_go() -> None:
    r = Run(commodities=("people",), community={"vulnerability_mean": 0.001})
    r.communities.by_node["home"].vulnerability[:] = 0.0
    assert not r.shipments.dispatch(r.org, r.order())
    assert r.shipments.in_transit == 0
    assert "shipment_departed" not in r.sim.kinds()


def test_an_organisation_learns_nothing_from_its_own_deliveries_about_other_posts() -> None:
    r = Run(policy={"inspection_rate": 0.0})
    r.send()
    r.sim.env.run(until=10)
    assert isinstance(r.org, Organisation)
    assert r.org.risk["trail1"] == r.org.risk["trail2"] == r.sim.params.network.risk_prior
