"""The intelligence picture alone, on the tiny world's two countries: reports are seen at once by the agency
that made them, reach other agencies and countries only as far as sharing allows and late, decay with the
half-life, and seizures, sightings and leads name what they should."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim.core.agents.officer import Agency
from sim.core.mechanisms.border import CrossingLog
from sim.core.mechanisms.intelligence import Intelligence, node_key, org_key, profile_key
from tests.tiny_world import corridor, standalone

CUSTOMS, GUARDS, POLICE = Agency.CUSTOMS, Agency.BORDER_GUARD, Agency.POLICE
ORG = org_key(7)


def picture(seed: int = 0, **sections) -> Intelligence:
    return Intelligence(standalone(seed, **sections), corridor())


def advance(pic: Intelligence, days: float) -> None:
    env = pic.sim.env
    env.run(until=env.now + days)


def activity(pic: Intelligence, agency: Agency, country: str, key=ORG) -> float:
    return pic.view(agency, country).activity(key, pic.sim.env.now)


def test_the_reporting_agency_sees_its_report_at_once_and_it_decays_by_the_half_life() -> None:
    pic = picture(investigation={"picture_half_life_days": 20.0})
    pic.report(CUSTOMS, "A", [(ORG, 1.0)])
    assert activity(pic, CUSTOMS, "A") == 1.0
    advance(pic, 20.0)
    assert activity(pic, CUSTOMS, "A") == pytest.approx(0.5)
    pic.report(CUSTOMS, "A", [(ORG, 1.0)])  # a fresh report adds to what is left
    assert activity(pic, CUSTOMS, "A") == pytest.approx(1.5)
    advance(pic, 40.0)
    assert activity(pic, CUSTOMS, "A") == pytest.approx(1.5 / 4)
    # Belief a / (a + half): half at `picture_belief_half` reports.
    view = pic.view(CUSTOMS, "A")
    half = pic.sim.params.investigation.picture_belief_half
    assert pic.belief(view, ORG) == pytest.approx(0.375 / (0.375 + half))
    assert pic.belief(view, org_key(8)) == 0.0


def test_siloed_agencies_never_see_each_others_reports() -> None:
    pic = picture(policy={"intel_sharing": 0.0, "joint_task_force": False})
    for _ in range(50):
        pic.report(POLICE, "A", [(ORG, 1.0)])
        pic.report(CUSTOMS, "B", [(org_key(8), 1.0)])
    advance(pic, 1000.0)
    assert activity(pic, CUSTOMS, "A") == 0.0  # police in the same country
    assert activity(pic, GUARDS, "A") == 0.0
    assert activity(pic, CUSTOMS, "A", org_key(8)) == 0.0  # customs across the border
    assert activity(pic, CUSTOMS, "B", org_key(8)) > 0.0  # their own


def test_a_fused_picture_shares_every_report_within_the_fused_delay() -> None:
    pic = picture(policy={"intel_sharing": 1.0}, investigation={"fused_sharing_days": 0.5,
                                                              "picture_half_life_days": 1e5})
    for _ in range(40):
        pic.report(POLICE, "A", [(ORG, 1.0)])
    assert activity(pic, CUSTOMS, "A") == 0.0  # not yet: sharing takes time
    advance(pic, 30.0)  # ~60 mean delays: all in
    for agency in (CUSTOMS, GUARDS):
        for country in ("A", "B"):
            assert activity(pic, agency, country) == pytest.approx(40.0, rel=0.01)


def pooled_share(sharing: float, seed: int, n: int = 400) -> float:
    pic = picture(seed, policy={"intel_sharing": sharing})
    for i in range(n):
        pic.report(POLICE, "A", [(org_key(i), 1.0)])
    advance(pic, 5000.0)
    view = pic.view(CUSTOMS, "A")
    return sum(view.activity(org_key(i), pic.sim.env.now) > 0 for i in range(n)) / n


@pytest.mark.parametrize("sharing", [0.1, 0.5, 0.9])
def test_a_share_intel_sharing_of_other_agencies_reports_is_pooled(sharing: float) -> None:
    shares = [pooled_share(sharing, seed) for seed in range(3)]
    assert abs(np.mean(shares) - sharing) < 4 * math.sqrt(sharing * (1 - sharing) / 1200)


def arrival_delays(sharing: float, cross_border: bool, seed: int = 0, n: int = 300) -> np.ndarray:
    """Days from each police report to its arrival in customs' picture (from the heap of pooled reports)."""
    pic = picture(seed, policy={"intel_sharing": sharing})
    for i in range(n):
        pic.report(POLICE, "B" if cross_border else "A", [(org_key(i), 1.0)])
    return np.array([arrival for arrival, *_ in pic.views[CUSTOMS, "A"].pending])


def test_pooled_reports_arrive_late_when_sharing_is_weak() -> None:
    """Mean delay = (1 - s) x formal request days + s x fused days (`policy.sharing_delay_days`)."""
    weak_domestic = arrival_delays(0.5, False)
    weak_abroad = arrival_delays(0.5, True)
    fused = arrival_delays(1.0, True)
    assert weak_domestic.mean() == pytest.approx(0.5 * 12 + 0.5 * 0.5, rel=0.2)
    assert weak_abroad.mean() == pytest.approx(0.5 * 45 + 0.5 * 0.5, rel=0.2)
    assert fused.mean() == pytest.approx(0.5, rel=0.2)


def test_a_late_report_arrives_aged() -> None:
    pic = picture(policy={"intel_sharing": 1.0}, investigation={"picture_half_life_days": 10.0,
                                                              "fused_sharing_days": 5.0})
    pic.report(POLICE, "A", [(ORG, 1.0)])
    (arrival, *_), = pic.views[CUSTOMS, "A"].pending
    advance(pic, arrival + 1e-9)
    assert activity(pic, CUSTOMS, "A") == pytest.approx(2.0 ** (-arrival / 10.0), rel=1e-6)


def test_order_of_arrival_does_not_change_the_picture() -> None:
    """A report made earlier but arriving later adds as of the time it was made."""
    pic = picture(investigation={"picture_half_life_days": 10.0})
    view = pic.views[CUSTOMS, "A"]
    view.add(ORG, 1.0, 5.0)
    view.add(ORG, 1.0, 2.0)
    other = picture(investigation={"picture_half_life_days": 10.0}).views[CUSTOMS, "A"]
    other.add(ORG, 1.0, 2.0)
    other.add(ORG, 1.0, 5.0)
    assert view.activity(ORG, 9.0) == pytest.approx(other.activity(ORG, 9.0))
    assert view.activity(ORG, 9.0) == pytest.approx(2 ** -0.4 + 2 ** -0.7)


def test_a_joint_task_force_joins_the_same_agency_across_the_border() -> None:
    pic = picture(policy={"intel_sharing": 0.0, "joint_task_force": True})
    pic.report(CUSTOMS, "B", [(ORG, 1.0)])
    assert activity(pic, CUSTOMS, "A") == 1.0  # at once
    pic.report(POLICE, "B", [(org_key(8), 1.0)])
    advance(pic, 1000.0)
    assert activity(pic, CUSTOMS, "A", org_key(8)) == 0.0  # another agency still needs sharing


class Load:
    """What a seizure report reads of a shipment."""

    def __init__(self, org_id: int, commodity: str, origin: str, checkpoints: tuple[str, ...]) -> None:
        self.org = type("Org", (), {"unique_id": org_id})()
        self.profile = (commodity, origin)
        self.route = type("Route", (), {"checkpoints": checkpoints})()


def test_a_seizure_names_the_organisation_the_profile_and_the_route() -> None:
    pic = picture()
    pic.seizure(CUSTOMS, "A", Load(7, "drugs", "A", ("gate", "trail1")))
    view = pic.view(CUSTOMS, "A")
    now = pic.sim.env.now
    for key in (ORG, profile_key("drugs", "A"), node_key("gate"), node_key("trail1")):
        assert view.activity(key, now) == 1.0
    assert view.activity(node_key("trail2"), now) == 0.0
    assert pic.profiles == (profile_key("drugs", "A"), profile_key("people", "A"))


def test_sightings_go_to_the_border_guards_picture_with_their_weight() -> None:
    pic = picture(investigation={"picture_weight_sighting": 0.25})
    for _ in range(4):
        pic.sighting("trail1", "A")
    assert activity(pic, GUARDS, "A", node_key("trail1")) == pytest.approx(1.0)
    assert activity(pic, CUSTOMS, "A", node_key("trail1")) == 0.0  # not pooled yet (or ever, if siloed)


@pytest.mark.parametrize(("source", "expected"), [("talk", 0.5), ("victim", 0.5), ("tip", 0.0), ("financial", 0.0)])
def test_talking_arrestees_and_victims_name_a_recent_crossing_tips_never(source: str, expected: float) -> None:
    """Leads come from the police (the FIU for financial ones): with sharing at 1 the border guards' picture
    receives every lead, and with it the crossings named (`investigation.picture_route_prob` of the leads
    from people who travelled with the organisation)."""
    pic = picture(policy={"intel_sharing": 1.0}, investigation={"picture_route_prob": 0.5,
                                                               "picture_half_life_days": 1e5})
    log = CrossingLog(8)
    for node in ("gate", "trail1", "gate", "trail1"):
        log.passed(7, node)
    pic.connect(log)
    n = 400
    for _ in range(n):
        pic.lead(source, "A", [7], 1.0)
    advance(pic, 2000.0)
    named = sum(activity(pic, GUARDS, "A", node_key(x)) for x in ("gate", "trail1", "trail2"))
    assert activity(pic, GUARDS, "A") == pytest.approx(n, rel=0.02)  # every lead names the organisation
    assert abs(named / n - expected) < 4 * math.sqrt(0.25 / n)
    assert activity(pic, GUARDS, "A", node_key("trail2")) == 0.0  # never used, never named


def test_the_crossing_log_keeps_the_latest_crossings() -> None:
    log = CrossingLog(3)
    for node in ("a", "b", "c", "d"):
        log.passed(1, node)
    assert list(log.recent_crossings(1)) == ["b", "c", "d"]
    assert list(log.recent_crossings(2)) == []


def test_the_sharing_curves() -> None:
    from sim.core import policy

    p = standalone(policy={"intel_sharing": 0.3, "joint_task_force": False}).params
    assert policy.own_picture(p, same_agency=True, cross_border=False)
    assert not policy.own_picture(p, same_agency=True, cross_border=True)
    assert not policy.own_picture(p, same_agency=False, cross_border=False)
    assert policy.picture_reach(p) == 0.3
    p.policy.joint_task_force = True
    assert policy.own_picture(p, same_agency=True, cross_border=True)
    assert not policy.own_picture(p, same_agency=False, cross_border=True)
