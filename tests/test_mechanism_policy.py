"""The policy levers' response curves (sim.core.policy) at their endpoints and in between, their costs, and
the policy timeline: changes applied on their day and in order, each stretch priced at the policy then."""

from __future__ import annotations

import dataclasses

import pytest

from sim.config.schema import InspectionTargeting, PolicyConfig, SimConfig
from sim.core import policy
from sim.core.policy import LEVERS, PolicyTimeline, cost_breakdown
from tests.tiny_world import corridor


def params(**levers) -> SimConfig:
    p = SimConfig()
    for key, value in levers.items():
        setattr(p.policy, key, value)
    return p


def test_every_lever_is_a_policy_key() -> None:
    keys = {f.name for f in dataclasses.fields(PolicyConfig)}
    assert set(LEVERS) == keys


@pytest.mark.parametrize(("engagement", "expected"), [(0.0, 1.0), (0.5, 2.5), (1.0, 4.0)])
def test_tip_line(engagement: float, expected: float) -> None:
    assert policy.tip_line(params(community_engagement=engagement)) == pytest.approx(expected)


@pytest.mark.parametrize(("protection", "places", "referral", "testimony"),
                         [(0.0, 10, 0.3, 0.2), (0.5, 40, 0.65, 0.55), (1.0, 70, 1.0, 0.9)])
def test_victim_protection_curves(protection: float, places: int, referral: float, testimony: float) -> None:
    p = params(victim_protection=protection)
    assert policy.shelter_capacity(p) == places
    assert policy.referral_prob(p) == pytest.approx(referral)
    assert policy.testimony_prob(p) == pytest.approx(testimony)


def test_sharing_delay_and_loss() -> None:
    siloed, fused = params(intel_sharing=0.0), params(intel_sharing=1.0)
    assert policy.sharing_delay_days(siloed, cross_border=True) == 45.0
    assert policy.sharing_delay_days(siloed, cross_border=False) == 12.0
    assert policy.sharing_delay_days(fused, cross_border=True) == 0.5
    assert policy.sharing_delay_days(fused, cross_border=False) == 0.5
    assert policy.sharing_delay_days(params(intel_sharing=0.1), True) == pytest.approx(40.55)  # ODD 7.7
    assert policy.lead_loss_prob(siloed, True) == pytest.approx(0.3)
    assert policy.lead_loss_prob(siloed, False) == pytest.approx(0.15)
    assert policy.lead_loss_prob(fused, True) == 0.0
    jtf = params(intel_sharing=0.0, joint_task_force=True)
    assert policy.sharing_delay_days(jtf, True) == 0.5
    assert policy.lead_loss_prob(jtf, True) == 0.0
    # A task force acts across borders only: domestic leads are as slow and lossy as without it.
    assert policy.sharing_delay_days(jtf, False) == 12.0
    assert policy.lead_loss_prob(jtf, False) == pytest.approx(0.15)


def test_evidence_at_trial() -> None:
    assert policy.evidence_at_trial(params(intel_sharing=0.0), 0.8, cross_border=True) == pytest.approx(0.4)
    assert policy.evidence_at_trial(params(intel_sharing=1.0), 0.8, cross_border=True) == pytest.approx(0.8)
    assert policy.evidence_at_trial(params(intel_sharing=0.0, joint_task_force=True), 0.8, True) == 0.8
    assert policy.evidence_at_trial(params(intel_sharing=0.0), 0.8, cross_border=False) == 0.8


def test_inspection_share_focus_and_cap() -> None:
    p = params(inspection_rate=0.2, interdiction_focus=["gate"], focus_multiplier=3.0)
    assert policy.inspection_share(p, "gate") == pytest.approx(0.6)
    assert policy.inspection_share(p, "other") == pytest.approx(0.2)
    assert policy.focus_multiplier(p, "other") == 1.0
    p.policy.focus_multiplier = 10.0
    assert policy.inspection_share(p, "gate") == 1.0
    assert policy.risk_based(params(inspection_targeting=InspectionTargeting.risk_based))
    assert not policy.risk_based(params())
    assert policy.intelligence_led(params(patrol_allocation="intelligence_led"))
    assert not policy.intelligence_led(params())


def test_corruption_curves() -> None:
    o = SimConfig().officers
    assert policy.deterrence(params(oversight=0.0, officer_pay=1.0, whistleblower_protection=False)) == 0.0
    assert policy.deterrence(params(oversight=1.0, officer_pay=2.0, whistleblower_protection=True)) == pytest.approx(
        o.oversight_weight + o.pay_weight + o.whistleblower_weight)
    assert policy.deterrence(params(oversight=0.0, officer_pay=0.5)) == pytest.approx(-0.5 * o.pay_weight)
    assert policy.bribe_pull(params(officer_pay=2.0), 0.02) == pytest.approx(o.bribe_weight * 0.01)
    assert policy.bribe_pull(params(officer_pay=0.0), 0.02) == pytest.approx(o.bribe_weight * 0.02 / 0.05)
    assert policy.audit_prob(params(oversight=0.0)) == 0.0
    assert policy.audit_prob(params(oversight=1.0)) == pytest.approx(o.audit_rate)
    assert policy.peer_report_prob(params(whistleblower_protection=True)) == pytest.approx(
        o.peer_report_prob * o.whistleblower_report_multiplier)
    capped = params(whistleblower_protection=True)
    capped.officers.peer_report_prob = 0.5
    assert policy.peer_report_prob(capped) == 1.0


def test_money_and_community_curves() -> None:
    f, c = SimConfig().finance, SimConfig().community
    assert policy.laundering_detection(params(financial_controls=0.0), professional=True) == 0.0
    assert policy.laundering_detection(params(financial_controls=1.0), True) == pytest.approx(f.detection_base)
    assert policy.laundering_detection(params(financial_controls=1.0), False) == pytest.approx(
        f.detection_base * f.no_launderer_detection_factor)
    assert policy.traces_assets(params(targeting="financial"))
    assert not policy.traces_assets(params())
    assert policy.vulnerability_decline(params(prevention=0.0)) == 0.0
    assert policy.vulnerability_decline(params(prevention=1.0)) == pytest.approx(c.prevention_rate)
    assert policy.awareness_gain(params(community_engagement=1.0)) == pytest.approx(c.awareness_gain_engagement)
    assert policy.engagement_trust_push(params(community_engagement=0.0)) == 0.0


# ------------------------------------------------------------------------------------------------ cost


def test_cost_is_prorated_by_days_and_zero_for_idle_levers() -> None:
    world = corridor(gate_traffic=1000.0)
    idle = params(intel_sharing=0.0, inspection_rate=0.0, financial_controls=0.0, oversight=0.0,
                  community_engagement=0.0, victim_protection=0.0, prevention=0.0)
    assert sum(cost_breakdown(idle, world, 100, 365).values()) == 0.0
    p = params()
    year = cost_breakdown(p, world, 100, 365)
    half = cost_breakdown(p, world, 100, 182.5)
    assert all(half[k] == pytest.approx(v / 2) for k, v in year.items())
    # Inspection: per thousand inspected vehicles (traffic of every checkpoint).
    assert year["inspection"] == pytest.approx(p.costs.inspection_per_1000 * 0.05 * 1000.0 * 365 / 1000)
    assert cost_breakdown(params(officer_pay=0.5), world, 100, 365)["officer_pay"] < 0  # a pay cut saves


def test_timeline_applies_changes_on_their_day_in_order() -> None:
    start = PolicyConfig()
    timeline = PolicyTimeline(start, [(30, {"oversight": 0.9}), (10, {"inspection_rate": 0.5}),
                                      (30, {"oversight": 0.4, "inspection_targeting": "risk_based"})])
    assert timeline.due(9) == []
    (levers, now), = timeline.due(10)
    assert levers == {"inspection_rate": 0.5}
    assert now.inspection_rate == 0.5
    assert now.oversight == start.oversight
    assert timeline.due(29) == []
    applied = timeline.due(30)
    assert [lv for lv, _ in applied] == [{"oversight": 0.9}, {"oversight": 0.4, "inspection_targeting": "risk_based"}]
    final = applied[-1][1]
    assert final.oversight == 0.4
    assert final.inspection_rate == 0.5
    assert final.inspection_targeting is InspectionTargeting.risk_based  # typed as the policy holds it
    assert [d for d, _ in timeline.stretches] == [0, 10, 30, 30]
    assert start.inspection_rate == PolicyConfig().inspection_rate  # the initial policy is not changed
    assert timeline.due(400) == []


def test_a_missed_day_is_applied_at_the_next_check() -> None:
    timeline = PolicyTimeline(PolicyConfig(), [(5, {"prevention": 1})])
    (_levers, now), = timeline.due(7)
    assert now.prevention == 1.0
    assert isinstance(now.prevention, float)
    assert timeline.stretches[-1][0] == 7


def test_cost_of_a_run_with_a_change_is_the_sum_of_its_stretches() -> None:
    world = corridor(gate_traffic=500.0)
    p = params()
    change = {"intel_sharing": 1.0, "inspection_rate": 0.3, "joint_task_force": True}
    timeline = PolicyTimeline(p.policy, [(40, change)])
    for day in range(100):
        timeline.due(day)
    after = dataclasses.replace(p, policy=dataclasses.replace(p.policy, **change))
    expected = sum(cost_breakdown(p, world, 80, 40).values()) + sum(cost_breakdown(after, world, 80, 60).values())
    assert timeline.cost(p, world, 80, 100) == pytest.approx(expected)
    unchanged = PolicyTimeline(p.policy, [])
    assert unchanged.cost(p, world, 80, 100) == pytest.approx(sum(cost_breakdown(p, world, 80, 100).values()))
    assert timeline.cost(p, world, 80, 100) > unchanged.cost(p, world, 80, 100)


def test_a_change_on_day_zero_prices_the_whole_run_at_the_new_policy() -> None:
    world = corridor(gate_traffic=500.0)
    p = params()
    timeline = PolicyTimeline(p.policy, [(0, {"oversight": 1.0})])
    timeline.due(0)
    after = dataclasses.replace(p, policy=dataclasses.replace(p.policy, oversight=1.0))
    assert timeline.cost(p, world, 80, 50) == pytest.approx(sum(cost_breakdown(after, world, 80, 50).values()))
