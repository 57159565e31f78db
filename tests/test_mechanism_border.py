"""Border posts and trails alone, on the tiny world: inspection and seizure, the FCFS lane queue,
legitimate delay, risk-based targeting from customs' intelligence picture (same budget as random),
patrol encounters and intelligence-led re-deployment from the border guards' picture."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim.core.agents.officer import Agency
from sim.core.mechanisms.border import Border, BorderPost
from sim.core.mechanisms.corruption import Corruption
from sim.core.mechanisms.intelligence import node_key, org_key, profile_key
from sim.core.mechanisms.shipments import Shipment
from tests.levers import welch_t
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

    @property
    def picture(self):
        return self.border.picture

    def believe(self, key: tuple, reports: float, agency: Agency = Agency.CUSTOMS) -> None:
        """Put `reports` seizure-equivalents on a key in an agency's picture in country A, now."""
        self.picture.views[agency, "A"].add(key, reports, self.sim.env.now)

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
    assert w.org.cash == pytest.approx(1.0 - 5 * w.corruption.bribe_amount)


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


def inspected_by_origin(w: World, shipments: list[Shipment]) -> tuple[int, int]:
    """Send shipments through the gate one at a time; how many from origin A and from B were inspected."""
    a = b = 0
    for x in shipments:
        before = w.sim.kinds().count("inspection")
        w.through_post([x])
        if w.sim.kinds().count("inspection") > before:
            if x.origin_country == "A":
                a += 1
            else:
                b += 1
    return a, b


def mixed(w: World, n: int) -> list[Shipment]:
    """n shipments, alternately from origin A and origin B (two profiles of the same commodity)."""
    return [w.shipment(origin="A" if i % 2 == 0 else "B") for i in range(n)]


RISK = {"inspection_targeting": "risk_based"}


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_with_no_picture_risk_based_selection_is_random_selection(seed: int) -> None:
    """Nothing seized, nothing shared: every vehicle weighs the same, so risk-based picks exactly what
    random picks (same draws)."""
    picks = []
    for targeting in ("random", "risk_based"):
        w = World(seed, policy={"inspection_rate": 0.2, "inspection_targeting": targeting},
                  shipments={"detectability_drugs": 0.0})
        picks.append(inspected_by_origin(w, mixed(w, 300)))
    assert picks[0] == picks[1]
    assert abs(sum(picks[0]) / 300 - 0.2) < 4 * math.sqrt(0.16 / 300)


def test_risk_based_spends_the_same_inspections_on_the_suspect_profile() -> None:
    """Customs believe profile (drugs, A) active (5 reports: belief 5/6); (drugs, B) is unknown. Weights
    1 + 9 x 0.5 x 5/6 = 4.75 and 1; the mean is 2.875, so A is picked at 0.2 x 1.65, B at 0.2 x 0.35, and
    the total stays 0.2 of the traffic: counted over seeds, risk-based inspects no more than random."""
    totals: dict[str, list[int]] = {"random": [], "risk_based": []}
    share_a = []
    n = 400
    for seed in range(6):
        for targeting in totals:
            w = World(seed, policy={"inspection_rate": 0.2, "inspection_targeting": targeting},
                      shipments={"detectability_drugs": 0.0}, investigation={"picture_half_life_days": 1e5},
                      border={"target_weight_profile": 0.5})  # the docstring's weight, whatever the default
            w.believe(profile_key("drugs", "A"), 5.0)
            a, b = inspected_by_origin(w, mixed(w, n))
            totals[targeting].append(a + b)
            if targeting == "risk_based":
                share_a.append(a / (a + b))
    random_, risk = np.array(totals["random"]), np.array(totals["risk_based"])
    assert risk.mean() <= random_.mean() + 2 * math.sqrt(random_.var(ddof=1) / 6 + risk.var(ddof=1) / 6)
    assert risk.mean() == pytest.approx(0.2 * n, rel=0.1)
    assert np.mean(share_a) == pytest.approx(1.65 / 2.0, abs=0.06)


def inspections_with_traffic(targeting: str, seed: int, believe: bool, detect: float = 0.0,
                             days: int = 20, org_weight: float | None = None) -> dict[str, float]:
    """Legitimate traffic (200 vehicles a day) and six shipments a day of the organisation through the gate.

    Returns the vehicles inspected (legitimate, expected, plus shipments), the seizures, and the delay.
    """
    w = World(seed, gate_traffic=200.0, lanes=2, policy={"inspection_rate": 0.1, "inspection_targeting": targeting,
                                                          "intel_sharing": 1.0},
              shipments={"detectability_drugs": detect}, investigation={"fused_sharing_days": 0.0},
              border={} if org_weight is None else {"target_weight_org": org_weight})
    if believe:  # police leads on the organisation, shared with customs at once
        for _ in range(3):
            w.picture.lead("talk", "A", [w.org.unique_id], 0.6)
    rng = np.random.default_rng(100 + seed)
    at = sorted(rng.uniform(0.0, days, 6 * days).tolist())
    shipments = [w.shipment() for _ in at]
    seized = sum(seizer is not None for _, _, seizer in w.through_post(shipments, at))
    w.post.admit_traffic(float(days))
    vehicles, hours = w.border.legit_totals()
    kinds = w.sim.kinds()
    return {"inspected": float(w.border.inspected_totals().sum()) + kinds.count("inspection"),
            "seized": float(seized), "delay": float(hours.sum() / vehicles.sum()),
            "shipments_inspected": float(kinds.count("inspection")),
            "budget": w.sim.params.policy.inspection_rate * (float(vehicles.sum()) + len(shipments))}


def test_with_legitimate_traffic_risk_based_inspects_as_many_vehicles_as_random() -> None:
    """The budget is the traffic's: legitimate vehicles give up the inspections that suspect shipments get,
    so as many vehicles are inspected as under random selection. The lane time grows a little (a shipment's
    inspection takes `border.shipment_inspection_hours`, a legitimate vehicle's `inspection_minutes`), and
    so does the delay; here shipments are 3% of the traffic, far more than on a real corridor, so the
    organisation's weight is kept moderate (0.3) for the delay to stay within half again of random's."""
    extra = []
    for seed in range(6):
        random_ = inspections_with_traffic("random", seed, believe=True, org_weight=0.3)
        risk = inspections_with_traffic("risk_based", seed, believe=True, org_weight=0.3)
        assert risk["shipments_inspected"] > 1.5 * random_["shipments_inspected"]
        assert risk["inspected"] == pytest.approx(risk["budget"], rel=0.04)  # the rate times the traffic (~3 sd)
        assert random_["delay"] <= risk["delay"] < 1.5 * random_["delay"]
        extra.append(risk["inspected"] - random_["inspected"])
    assert np.mean(extra) < 2 * np.std(extra, ddof=1) / math.sqrt(len(extra))  # no more than random


def test_an_informative_picture_finds_more_loads_per_inspection() -> None:
    """Visible loads: seizures per vehicle inspected, over seeds, are higher when customs spend their
    inspections by a picture that knows the organisation than when they pick at random."""
    def hit_rate(targeting: str, seed: int) -> float:
        out = inspections_with_traffic(targeting, seed, believe=True, detect=1.0)
        return out["seized"] / out["inspected"]

    seeds = range(8)
    random_ = np.array([hit_rate("random", s) for s in seeds])
    risk = np.array([hit_rate("risk_based", s) for s in seeds])
    assert welch_t(random_, risk) > 3.0
    assert np.median(risk) > 1.5 * np.median(random_)


def suspicion_after(sharing: float, days: float, front: bool = False) -> float:
    w = World(policy={"intel_sharing": sharing, **RISK})
    for _ in range(5):
        w.picture.lead("talk", "A", [w.org.unique_id], 0.6)  # police leads on the organisation
    if days > 0:
        w.sim.env.run(until=days)
    return w.post.suspicion(w.shipment(front_company=front))


def test_siloed_customs_do_not_see_police_leads_shared_customs_do() -> None:
    assert suspicion_after(0.0, 60.0) == 0.0
    assert suspicion_after(1.0, 0.0) == 0.0  # shared, but not yet arrived
    shared = suspicion_after(1.0, 10.0)
    belief = 3.0 * 2 ** (-10.0 / 30) / (3.0 * 2 ** (-10.0 / 30) + 1.0)  # five leads of quality 0.6, aged ~10 days
    weight = World().sim.params.border.target_weight_org
    assert shared == pytest.approx(weight * belief, rel=0.05)  # target_weight_org x belief in the organisation
    assert suspicion_after(1.0, 10.0, front=True) == 0.0  # a front company hides whose load it is


def test_a_front_company_dilutes_the_profile() -> None:
    w = World()
    w.believe(profile_key("drugs", "A"), 1.0)
    w.believe(org_key(w.org.unique_id), 1.0)
    plain, fronted = w.post.suspicion(w.shipment()), w.post.suspicion(w.shipment(front_company=True))
    b = w.sim.params.border
    assert plain == pytest.approx(0.5 * (b.target_weight_profile + b.target_weight_org))
    assert fronted == pytest.approx(0.5 * b.target_weight_profile * (1 - w.sim.params.shipments.front_company_effect))


def test_a_front_company_changes_selection_not_what_an_opened_load_shows() -> None:
    """A clean trader's name keeps a consignment from being picked; once it is opened, concealment decides."""
    w = World()
    p = w.sim.params
    plain, fronted = w.shipment(), w.shipment(front_company=True)
    for formal in (True, False):
        assert fronted.detectability(p, formal) == plain.detectability(p, formal)
    forged = w.shipment()
    forged.forged_documents = True
    papers = 1 - p.shipments.forgery_effect
    assert forged.detectability(p, True) == pytest.approx(plain.detectability(p, True) * papers)
    assert forged.detectability(p, False) == plain.detectability(p, False)  # papers matter at formal posts only


def test_legitimate_traffic_matches_profiles_only() -> None:
    w = World(border={"profile_traffic_share": 0.15})
    assert w.post.traffic_suspicion() == 0.0
    w.believe(profile_key("drugs", "A"), 1.0)
    w.believe(org_key(w.org.unique_id), 50.0)
    w.believe(node_key("trail1"), 50.0)
    weight = w.sim.params.border.target_weight_profile
    assert w.post.traffic_suspicion() == pytest.approx(weight * 0.15 * 0.5)  # belief 1/2 x its traffic share


def test_seizures_feed_customs_picture_and_reach_the_guards_only_if_shared() -> None:
    for sharing in (0.0, 1.0):
        w = World(policy={"inspection_rate": 1.0, "intel_sharing": sharing}, shipments={"detectability_drugs": 1.0},
                  investigation={"fused_sharing_days": 0.0, "picture_half_life_days": 1e6})
        w.through_post([w.shipment() for _ in range(4)])
        now = w.sim.env.now
        customs = w.picture.view(Agency.CUSTOMS, "A")
        guards = w.picture.view(Agency.BORDER_GUARD, "A")
        for key in (org_key(w.org.unique_id), profile_key("drugs", "A"), node_key("gate")):
            assert customs.activity(key, now) == pytest.approx(4.0, rel=1e-3)
            assert guards.activity(key, now) == pytest.approx(4.0 * sharing, rel=1e-3)


def test_random_targeting_ignores_the_picture() -> None:
    w = World(policy={"inspection_rate": 0.1}, shipments={"detectability_drugs": 0.0})
    w.believe(profile_key("drugs", "A"), 100.0)
    a, b = inspected_by_origin(w, mixed(w, 600))
    assert abs(a / 300 - 0.1) < 4 * math.sqrt(0.09 / 300)
    assert abs(b / 300 - 0.1) < 4 * math.sqrt(0.09 / 300)


# ------------------------------------------------------------------------------------------------ trails


def test_trail_encounter_probability_and_its_cap() -> None:
    w = World(border={"patrol_encounter_prob": 0.25, "max_encounter_prob": 0.95})
    trail = w.border.trails["trail1"]
    assert trail.encounter_prob() == pytest.approx(0.25)
    trail.strength = 0.5
    assert trail.encounter_prob() == pytest.approx(0.125)
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


def test_a_patrol_that_always_meets_a_visible_load_seizes_it_and_reports_it() -> None:
    w = World(cash=0.0, border={"patrol_encounter_prob": 1.0, "max_encounter_prob": 1.0, "trail_sighting_prob": 0.0},
              shipments={"detectability_drugs": 1.0}, policy={"intel_sharing": 0.0})
    trail = w.border.trails["trail2"]
    for _ in range(20):
        assert trail.pass_shipment(w.shipment("trail2")) in trail.officers
    now = w.sim.env.now
    guards = w.picture.view(Agency.BORDER_GUARD, "A")
    assert guards.activity(node_key("trail2"), now) == pytest.approx(20.0)
    assert guards.activity(org_key(w.org.unique_id), now) == pytest.approx(20.0)
    assert w.picture.view(Agency.CUSTOMS, "A").activity(node_key("trail2"), now) == 0.0  # siloed


def test_crossings_are_sighted_into_the_guards_picture() -> None:
    w = World(border={"trail_sighting_prob": 1.0, "patrol_encounter_prob": 0.0},
              investigation={"picture_weight_sighting": 0.5})
    trail = w.border.trails["trail1"]
    for _ in range(7):
        trail.pass_shipment(w.shipment("trail1"))
    guards = w.picture.view(Agency.BORDER_GUARD, "A")
    assert guards.activity(node_key("trail1"), 0.0) == pytest.approx(3.5)
    assert guards.activity(node_key("trail2"), 0.0) == 0.0
    assert list(w.border.crossings.recent_crossings(w.org.unique_id)) == ["trail1"] * 7


def test_intelligence_led_redeploy_follows_reported_activity_and_keeps_mean_strength() -> None:
    w = World(policy={"patrol_allocation": "intelligence_led"},
              border={"patrol_weight_floor": 0.5, "patrol_reallocation_days": 7})
    t1, t2 = w.border.trails["trail1"], w.border.trails["trail2"]
    w.believe(node_key("trail1"), 3.0, Agency.BORDER_GUARD)
    w.believe(node_key("trail1"), 100.0, Agency.CUSTOMS)  # customs' picture is not the patrols'
    w.border.redeploy(3)  # not a re-deployment day: nothing moves
    assert (t1.strength, t2.strength) == (1.0, 1.0)
    w.border.redeploy(7)
    # strength_k = n (a_k + floor) / sum_j (a_j + floor) = 2 x 3.5 / 4 and 2 x 0.5 / 4
    assert t1.strength == pytest.approx(1.75)
    assert t2.strength == pytest.approx(0.25)
    # Static allocation makes them even again at the next re-deployment.
    w.sim.params.policy.patrol_allocation = "static"
    w.border.redeploy(14)
    assert (t1.strength, t2.strength) == (1.0, 1.0)


def test_redeploy_keeps_mean_strength_one_for_any_activity() -> None:
    w = World(policy={"patrol_allocation": "intelligence_led"}, border={"patrol_weight_floor": 0.0})
    rng = np.random.default_rng(5)
    trails = [w.border.trails["trail1"], w.border.trails["trail2"]]
    w.border.redeploy(0)  # no activity, no floor: even
    assert [t.strength for t in trails] == [1.0, 1.0]
    for day in range(7, 70, 7):
        for t in trails:
            w.believe(node_key(t.node), float(rng.poisson(2.0)), Agency.BORDER_GUARD)
        w.border.redeploy(day)
        assert np.mean([t.strength for t in trails]) == pytest.approx(1.0)


def patrol_encounters(allocation: str, seed: int, n: int = 300) -> int:
    """Police leads from talking arrestees name the trail the organisation crosses (shared with the border
    guards); the patrols re-deploy; then n crossings of that trail."""
    w = World(seed, policy={"patrol_allocation": allocation, "intel_sharing": 1.0},
              border={"patrol_encounter_prob": 0.2, "trail_sighting_prob": 0.0},
              investigation={"picture_route_prob": 1.0, "fused_sharing_days": 0.5},
              shipments={"detectability_drugs": 0.0})
    for _ in range(4):
        w.border.crossings.passed(w.org.unique_id, "trail1")
    for _ in range(6):
        w.picture.lead("talk", "A", [w.org.unique_id], 0.6)
    w.sim.env.run(until=7.0)
    w.border.redeploy(7)
    trail = w.border.trails["trail1"]
    before = w.sim.kinds().count("patrol_encounter")
    for _ in range(n):
        trail.pass_shipment(w.shipment("trail1"))
    return w.sim.kinds().count("patrol_encounter") - before


def test_intelligence_led_patrols_concentrate_where_activity_was_reported() -> None:
    seeds = range(4)
    static = np.array([patrol_encounters("static", s) for s in seeds]) / 300
    led = np.array([patrol_encounters("intelligence_led", s) for s in seeds]) / 300
    assert abs(static.mean() - 0.2) < 4 * math.sqrt(0.16 / 1200)
    assert welch_t(static, led) > 3.0
    assert led.mean() > 1.4 * static.mean()


def test_risk_based_inspection_costs_the_same_inspections_plus_its_risk_unit() -> None:
    from sim.core.policy import cost_breakdown

    world = corridor(gate_traffic=1000.0)
    random_, risk = World().sim.params, World(policy=RISK).sim.params
    a, b = cost_breakdown(random_, world, 100, 365), cost_breakdown(risk, world, 100, 365)
    assert a["inspection"] == b["inspection"]
    assert a["inspection_targeting"] == 0.0
    assert b["inspection_targeting"] == pytest.approx(risk.costs.risk_targeting)
