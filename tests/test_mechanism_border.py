"""Border posts and trails alone, on the tiny world: inspection and seizure, the FCFS lane queue,
legitimate delay, risk-based targeting, patrol encounters and intelligence-led re-deployment."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim.core.mechanisms.border import Border, BorderPost
from sim.core.mechanisms.corruption import Corruption
from sim.core.mechanisms.shipments import Shipment
from tests.tiny_world import corridor, organisation, route_via, standalone

HOUR = 1.0 / 24.0


def pass_post(post: BorderPost, shipment: Shipment):
    """A simpy process: the shipment faces the post and is held there (queue and lane); returns the seizer.

    `BorderPost.pass_shipment` returns (seizer, days held) and leaves the waiting to the caller; an older
    version was itself a process that waited and returned the seizer. Both are accepted here.
    """
    out = post.pass_shipment(shipment)
    if isinstance(out, tuple):
        seizer, held = out
        yield post.sim.env.timeout(held)
        return seizer
    return (yield from out)


class World:
    """A standalone sim with the corruption and border mechanisms of the tiny world, and one organisation."""

    def __init__(self, seed: int = 0, gate_traffic: float = 0.0, lanes: int = 2, cash: float = 0.0,
                 **sections) -> None:
        sections = {k: dict(v) for k, v in sections.items()}  # the caller's dicts stay as they are
        sections.setdefault("officers", {}).setdefault("initial_corrupt_share", 0.0)
        self.sim = standalone(seed, **sections)
        self.world = corridor(gate_traffic=gate_traffic, lanes=lanes)
        self.corruption = Corruption(self.sim, self.world)
        self.border = Border(self.sim, self.world, self.corruption, days=30)
        self.org = organisation(self.sim, self.world, cash=cash)
        self.couriers = [m for m in self.org.members if m.role.value == "courier"]
        self._ids = 0

    @property
    def post(self) -> BorderPost:
        return self.border.posts["gate"]

    def shipment(self, node: str = "gate", commodity: str = "drugs", origin: str = "A",
                 front_company: bool = False) -> Shipment:
        self._ids += 1
        route = route_via(self.world, node, commodity)
        return Shipment(self._ids, self.org, commodity, route, 0.5, self.couriers[self._ids % len(self.couriers)],
                        origin, front_company=front_company)

    def through_post(self, shipments: list[Shipment], at: list[float] | None = None) -> list[tuple[int, float, object]]:
        """Send the shipments through the gate (arriving at the given times); returns (id, when done, seizer)."""
        env = self.sim.env
        done: list[tuple[int, float, object]] = []

        def go(shipment: Shipment, when: float):
            if when > env.now:
                yield env.timeout(when - env.now)
            seizer = yield from pass_post(self.post, shipment)
            done.append((shipment.id, env.now, seizer))

        start = env.now
        for i, shipment in enumerate(shipments):
            env.process(go(shipment, start + (at[i] if at else 0.0)))
        env.run()
        return sorted(done, key=lambda x: x[0])


def test_no_inspection_at_rate_zero() -> None:
    w = World(policy={"inspection_rate": 0.0}, shipments={"detectability_drugs": 1.0})
    out = w.through_post([w.shipment() for _ in range(200)])
    assert all(seizer is None for _, _, seizer in out)
    assert "inspection" not in w.sim.kinds()
    assert "seizure" not in w.sim.kinds()


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_full_inspection_of_a_visible_load_by_honest_officers_always_seizes(seed: int) -> None:
    w = World(seed, cash=0.0, policy={"inspection_rate": 1.0}, shipments={"detectability_drugs": 1.0})
    out = w.through_post([w.shipment() for _ in range(50)])
    assert all(seizer in w.post.officers for _, _, seizer in out)
    assert w.sim.kinds().count("inspection") == 50
    assert "bribe" not in w.sim.kinds()


def test_a_corrupt_officer_who_finds_the_load_takes_a_bribe() -> None:
    w = World(cash=1.0, officers={"initial_corrupt_share": 1.0}, policy={"inspection_rate": 1.0},
              shipments={"detectability_drugs": 1.0})
    out = w.through_post([w.shipment() for _ in range(5)])
    assert all(seizer is None for _, _, seizer in out)
    assert w.sim.kinds().count("bribe") == 5
    assert w.org.cash == pytest.approx(1.0 - 5 * w.sim.params.shipments.bribe_amount)


def test_an_invisible_load_is_never_seized() -> None:
    w = World(policy={"inspection_rate": 1.0}, shipments={"detectability_drugs": 0.0})
    out = w.through_post([w.shipment() for _ in range(50)])
    assert all(seizer is None for _, _, seizer in out)
    assert w.sim.kinds().count("inspection") == 50


def test_lanes_serve_arrivals_first_come_first_served() -> None:
    """Two lanes, one hour per shipment (clearance 60 min, nobody inspected), no legitimate traffic.

    Arrivals at 0, 0, 0, 0.5 h and 3.5 h: starts 0, 0, 1, 1, 3.5 h; done 1, 1, 2, 2, 4.5 h.
    """
    w = World(lanes=2, policy={"inspection_rate": 0.0}, border={"clearance_minutes": 60.0})
    at = [0.0, 0.0, 0.0, 0.5 * HOUR, 3.5 * HOUR]
    out = w.through_post([w.shipment() for _ in at], at)
    assert [t for _, t, _ in out] == pytest.approx([1 * HOUR, 1 * HOUR, 2 * HOUR, 2 * HOUR, 4.5 * HOUR])


def test_one_lane_queue_and_queue_length() -> None:
    w = World(lanes=1, policy={"inspection_rate": 0.0}, border={"clearance_minutes": 60.0})
    env = w.sim.env
    for _ in range(4):
        env.process(pass_post(w.post, w.shipment()))
    env.run(until=1e-9)  # all four admitted at t = 0: one in the lane, three waiting
    assert w.post.queue_length(env.now) == 3
    env.run(until=1.5 * HOUR)  # the second started at 1 h
    assert w.post.queue_length(env.now) == 2
    env.run(until=3.5 * HOUR)
    assert w.post.queue_length(env.now) == 0


def test_inspected_shipments_hold_the_lane_longer() -> None:
    w = World(lanes=1, policy={"inspection_rate": 1.0}, border={"clearance_minutes": 0.0,
                                                                "shipment_inspection_hours": 2.0},
              shipments={"detectability_drugs": 0.0})
    out = w.through_post([w.shipment() for _ in range(3)])
    assert [t for _, t, _ in out] == pytest.approx([2 * HOUR, 4 * HOUR, 6 * HOUR])


def legit_delay(rate: float, seed: int) -> tuple[float, float]:
    w = World(seed, gate_traffic=200.0, policy={"inspection_rate": rate})
    w.post.admit_traffic(20.0)
    vehicles, hours = w.border.legit_totals()
    return float(vehicles.sum()), float(hours.sum() / vehicles.sum())


def test_more_inspection_more_legitimate_delay() -> None:
    for seed in range(3):
        delays = [legit_delay(rate, seed) for rate in (0.0, 0.1, 0.3)]
        vehicles = {v for v, _ in delays}
        assert len(vehicles) == 1  # the same traffic (its own stream) whatever the rate
        d = [x for _, x in delays]
        assert d[0] < d[1] < d[2]
        # At least each vehicle's own clearance and mean inspection time.
        assert d[2] >= (1.0 + 0.3 * 20.0) / 60.0


def test_legitimate_traffic_volume_matches_the_place() -> None:
    volumes = [legit_delay(0.05, seed)[0] / 20.0 for seed in range(4)]
    assert np.mean(volumes) == pytest.approx(200.0, rel=0.1)


def test_risk_based_targeting_learns_the_hit_rate_of_a_profile() -> None:
    lr = 0.1
    for detect, expected in ((1.0, lambda n: 1 - 0.5 * (1 - lr) ** n), (0.0, lambda n: 0.5 * (1 - lr) ** n)):
        w = World(policy={"inspection_rate": 1.0, "inspection_targeting": "risk_based"},
                  shipments={"detectability_drugs": detect},
                  border={"suspicion_prior": 0.5, "suspicion_learning_rate": lr})
        w.through_post([w.shipment() for _ in range(12)])
        assert w.post.suspicion[("drugs", "A")] == pytest.approx(expected(12))
        assert ("drugs", "B") not in w.post.suspicion


def test_random_targeting_learns_nothing() -> None:
    w = World(policy={"inspection_rate": 1.0}, shipments={"detectability_drugs": 1.0})
    w.through_post([w.shipment() for _ in range(10)])
    assert w.post.suspicion == {}


def selected_share(w: World, origin: str, n: int, front: bool = False) -> float:
    before = w.sim.kinds().count("inspection")
    w.through_post([w.shipment(origin=origin, front_company=front) for _ in range(n)])
    return (w.sim.kinds().count("inspection") - before) / n


def test_risk_based_targeting_inspects_suspect_profiles_more() -> None:
    """Selection = rate x (1 + (lift - 1) x suspicion): 0.05 x 10 = 0.5 for a profile believed fully risky,
    0.05 for one believed clean; a front company hides part of the signal."""
    w = World(policy={"inspection_rate": 0.05, "inspection_targeting": "risk_based"},
              shipments={"detectability_drugs": 0.0},
              border={"suspicion_learning_rate": 0.0, "risk_lift_max": 10.0})
    w.post.suspicion[("drugs", "A")] = 1.0
    w.post.suspicion[("drugs", "B")] = 0.0
    n = 600
    risky, clean = selected_share(w, "A", n), selected_share(w, "B", n)
    fronted = selected_share(w, "A", n, front=True)
    sd = math.sqrt(0.25 / n)
    assert abs(risky - 0.5) < 4 * sd
    assert abs(clean - 0.05) < 4 * math.sqrt(0.05 * 0.95 / n)
    expected_front = 0.05 * (1 + 9 * (1 - w.sim.params.shipments.front_company_effect))
    assert abs(fronted - expected_front) < 4 * math.sqrt(expected_front * (1 - expected_front) / n)
    assert clean < fronted < risky


# ------------------------------------------------------------------------------------------------ trails


def test_trail_encounter_probability_and_its_cap() -> None:
    w = World(border={"patrol_encounter_prob": 0.25, "max_encounter_prob": 0.95, "signalled_encounter_prob": 0.8})
    trail = w.border.trails["trail1"]
    assert trail.encounter_prob() == pytest.approx(0.25)
    trail.strength = 0.5
    assert trail.encounter_prob() == pytest.approx(0.125)
    assert trail.encounter_prob(signalled=True) == pytest.approx(0.8)
    trail.strength = 10.0
    assert trail.encounter_prob() == pytest.approx(0.95)
    w.sim.params.policy.interdiction_focus = ["trail1"]
    w.sim.params.policy.focus_multiplier = 2.0
    trail.strength = 1.0
    assert trail.encounter_prob() == pytest.approx(0.5)
    assert w.border.trails["trail2"].encounter_prob() == pytest.approx(0.25)


def test_even_the_strongest_patrol_misses_some_crossings() -> None:
    w = World(border={"patrol_encounter_prob": 1.0, "max_encounter_prob": 0.9},
              shipments={"detectability_drugs": 0.0})
    trail = w.border.trails["trail1"]
    trail.strength = 5.0
    n = 2000
    for _ in range(n):
        assert trail.pass_shipment(w.shipment("trail1")) is None  # nothing to find
    share = w.sim.kinds().count("patrol_encounter") / n
    assert abs(share - 0.9) < 4 * math.sqrt(0.09 / n)


def test_a_patrol_that_always_meets_a_visible_load_seizes_it() -> None:
    w = World(cash=0.0, border={"patrol_encounter_prob": 1.0, "max_encounter_prob": 1.0},
              shipments={"detectability_drugs": 1.0})
    trail = w.border.trails["trail2"]
    for _ in range(20):
        assert trail.pass_shipment(w.shipment("trail2")) in trail.officers


def test_intelligence_led_patrols_act_on_signals() -> None:
    def encounters(allocation: str) -> int:
        w = World(policy={"patrol_allocation": allocation},
                  border={"patrol_encounter_prob": 0.1, "signal_prob": 1.0, "signalled_encounter_prob": 0.8},
                  shipments={"detectability_drugs": 0.0})
        trail = w.border.trails["trail1"]
        for _ in range(500):
            trail.pass_shipment(w.shipment("trail1"))
        return w.sim.kinds().count("patrol_encounter")

    static, led = encounters("static"), encounters("intelligence_led")
    assert abs(static / 500 - 0.1) < 0.05
    assert abs(led / 500 - 0.8) < 0.07


def test_crossings_are_sighted() -> None:
    w = World(border={"trail_sighting_prob": 1.0, "patrol_encounter_prob": 0.0})
    trail = w.border.trails["trail1"]
    for _ in range(7):
        trail.pass_shipment(w.shipment("trail1"))
    assert trail.sightings == 7.0
    assert w.border.trails["trail2"].sightings == 0.0


def test_intelligence_led_redeploy_follows_sightings_and_keeps_mean_strength() -> None:
    w = World(policy={"patrol_allocation": "intelligence_led"},
              border={"patrol_weight_floor": 0.5, "sighting_decay": 0.8, "patrol_reallocation_days": 7})
    t1, t2 = w.border.trails["trail1"], w.border.trails["trail2"]
    t1.sightings, t2.sightings = 3.0, 0.0
    w.border.redeploy(3)  # not a re-deployment day: nothing moves
    assert (t1.strength, t2.strength, t1.sightings) == (1.0, 1.0, 3.0)
    w.border.redeploy(7)
    # strength_k = n (s_k + floor) / sum_j (s_j + floor) = 2 x 3.5 / 4 and 2 x 0.5 / 4
    assert t1.strength == pytest.approx(1.75)
    assert t2.strength == pytest.approx(0.25)
    assert (t1.strength + t2.strength) / 2 == pytest.approx(1.0)
    assert t1.sightings == pytest.approx(2.4)
    assert t2.sightings == 0.0
    # Static allocation makes them even again at the next re-deployment (sightings still decay).
    w.sim.params.policy.patrol_allocation = "static"
    w.border.redeploy(14)
    assert (t1.strength, t2.strength) == (1.0, 1.0)
    assert t1.sightings == pytest.approx(2.4 * 0.8)


def test_redeploy_keeps_mean_strength_one_for_any_sightings() -> None:
    w = World(policy={"patrol_allocation": "intelligence_led"})
    rng = np.random.default_rng(5)
    trails = [w.border.trails["trail1"], w.border.trails["trail2"]]
    for day in range(0, 70, 7):
        for t in trails:
            t.sightings += float(rng.poisson(2.0))
        w.border.redeploy(day)
        assert np.mean([t.strength for t in trails]) == pytest.approx(1.0)
