"""Demand and prices alone (`sim.core.mechanisms.demand`), and orders filled through the shipments mechanism
on the tiny world: prices follow seizures and scarcity, demand falls with price, orders go to organisations
that can fill them, split over couriers, and new organisations enter where orders go unmet."""

from __future__ import annotations

import numpy as np
import pytest

from sim.core.agents.organisation import Role
from sim.core.agents.status import Status
from sim.core.mechanisms.demand import Demand, Order
from tests.test_mechanism_shipments import Run
from tests.tiny_world import corridor, standalone


def demand(seed: int = 0, **params: float) -> Demand:
    return Demand(standalone(seed, demand=dict(params)), corridor())


def test_price_rises_with_seizures_and_falls_back_with_deliveries() -> None:
    d = demand()
    assert d.price["drugs"] == 1.0
    for _ in range(30):
        d.outcome("drugs", seized=True)
    high = d.price["drugs"]
    premium = d.sim.params.demand.risk_premium
    assert 1.0 < high <= 1.0 + premium
    for _ in range(200):
        d.outcome("drugs", seized=False)
    assert d.price["drugs"] < 1.0 + 0.01 * premium
    assert d.price["people"] == 1.0  # another commodity's market is untouched


def test_orders_fall_as_the_price_rises_with_the_elasticity() -> None:
    d = demand(elasticity_drugs=-0.5)
    base = d.rate("drugs")
    assert base == pytest.approx(d.sim.params.demand.orders_drugs)  # one market demands drugs
    d.price["drugs"] = 2.0
    assert d.rate("drugs") == pytest.approx(base * 2.0 ** -0.5)

    def orders_over(days: int, price: float, seed: int) -> int:
        dd = demand(seed, elasticity_drugs=-1.0, orders_drugs=5.0, orders_people=0.0)
        dd.price["drugs"] = price
        return sum(len(dd.today()) for _ in range(days))

    cheap = [orders_over(60, 1.0, s) for s in range(6)]
    dear = [orders_over(60, 2.0, s) for s in range(6)]
    assert np.mean(dear) == pytest.approx(np.mean(cheap) / 2, rel=0.1)


def test_unmet_orders_raise_scarcity_and_are_counted() -> None:
    d = demand()
    for _ in range(20):
        d.served(Order("drugs", 1.0), filled=False)
    assert d.unfilled["drugs"] == 20
    assert d.filled["drugs"] == 0
    assert d.price["drugs"] > 1.0
    assert [e.kind for e in d.sim.events].count("order_unfilled") == 20


def test_entry_follows_unmet_orders_above_the_threshold() -> None:
    def entrants(unmet_every: int, seed: int) -> int:
        """Orders over 60 days of which one in `unmet_every` goes unfilled (0: none)."""
        d = demand(seed, entry_sensitivity=1.0, entry_check_days=1, entry_threshold=0.15)
        founded: list[str] = []
        d.on_entry = founded.append
        n = 0
        for day in range(1, 60):
            for _ in range(10):
                n += 1
                d.served(Order("drugs", 1.0), filled=not (unmet_every and n % unmet_every == 0))
            d.entry(day)
        return len(founded)

    assert sum(entrants(0, s) for s in range(5)) == 0  # every order filled
    assert sum(entrants(10, s) for s in range(5)) == 0  # 10% missed: below the barrier
    assert sum(entrants(2, s) for s in range(5)) > 30  # half missed: ~0.35 x 1.x a day


def test_an_order_goes_to_an_organisation_that_can_fill_it() -> None:
    r = Run(policy={"inspection_rate": 0.0})
    for x in r.org.members:  # the first organisation has no courier left
        if x.role is Role.COURIER:
            r.org.set_status(x, Status.CUSTODY)
    assert r.shipments.fill(Order("drugs", 1.0), [r.org, r.rival])
    (departed,) = r.events("shipment_departed")
    assert departed.org == r.rival.unique_id


def test_an_order_nobody_can_fill_is_lost() -> None:
    r = Run(policy={"inspection_rate": 0.0}, cash=0.0, network={"supplier_credit": 0.0})
    r.rival.cash = 0.0
    assert not r.shipments.fill(Order("drugs", 1.0), [r.org, r.rival])  # neither cash nor credit
    assert r.events("shipment_departed") == []


def test_a_large_order_is_split_over_couriers_each_with_a_part() -> None:
    r = Run(policy={"inspection_rate": 0.0}, network={"courier_capacity": 1.0})
    r.send(loads=2.5)
    parts = r.events("shipment_departed")
    assert len(parts) == 3
    assert len({e.actor for e in parts}) == 3
    per_load = r.sim.params.shipments.value_drugs
    assert sorted(e.value for e in parts) == pytest.approx([0.5 * per_load, per_load, per_load])


def test_couriers_on_trails_often_escape_when_the_load_is_seized() -> None:
    taken = []
    for seed in range(40):
        r = Run(seed, via="trail1", border={"patrol_encounter_prob": 1.0, "max_encounter_prob": 1.0},
                shipments={"detectability_drugs": 1.0, "courier_arrest_trail": 0.4})
        r.send()
        r.sim.env.run(until=10)
        if r.events("seizure"):
            taken.append(len(r.arrests.calls))
    assert len(taken) >= 30
    assert 0.2 < np.mean(taken) < 0.6


def test_a_load_whose_courier_is_arrested_on_the_way_never_reaches_a_buyer() -> None:
    r = Run(policy={"inspection_rate": 0.0})
    r.send()
    courier = r.org.by_id[r.events("shipment_departed")[0].actor]
    r.sim.env.run(until=0.5)
    r.org.set_status(courier, Status.CUSTODY)  # taken through a tip while travelling
    r.sim.env.run(until=10)
    assert r.events("delivery") == []
    (lost,) = r.events("load_lost")
    assert lost.actor == courier.unique_id
    assert r.org.dirty == 0.0
    assert r.shipments.in_transit == 0
