"""The corruption mechanism alone, on the tiny world: the readiness rule, audits and peer reports, cases,
contagion, cultivation and the corrupt-share read-outs."""

from __future__ import annotations

import itertools
import math

import pytest

from sim.core.agents.facilitator import Facilitator, FacilitatorKind
from sim.core.agents.officer import Agency, Officer
from sim.core.mechanisms.corruption import Corruption
from tests.tiny_world import FakeHiring, FakeLeads, FakeOrg, FakeResidents, corridor, organisation, standalone


def build(seed: int = 0, **sections):
    sim = standalone(seed, **sections)
    return sim, Corruption(sim, corridor())


def post_officer(corruption: Corruption, node: str = "gate") -> Officer:
    return corruption.force.at[node][0]


def test_the_force_is_built_on_the_tiny_world() -> None:
    sim, c = build(officers={"initial_corrupt_share": 0.0})
    o = sim.params.officers
    assert len(c.force.at["gate"]) == o.customs_per_post + o.border_guards_per_post
    assert len(c.force.at["trail1"]) == o.border_guards_per_trail
    assert len(c.force.police["A"]) == o.police_per_country
    per_country = o.police_per_country + o.analysts_per_country + o.fiu_per_country
    assert c.size_of == {"A": per_country + len(c.force.at["gate"]) + 2 * o.border_guards_per_trail,
                         "B": per_country}
    assert c.share() == 0.0


def test_readiness_is_the_documented_logistic() -> None:
    sim, c = build(officers={"initial_corrupt_share": 0.0})
    p = sim.params
    o, q = p.officers, p.policy
    officer = post_officer(c)
    officer.integrity = 0.3
    peers = [x for x in c.force.units[officer.unit] if x is not officer][:3]
    for x in peers:
        c.corrupt(x, None, "gate")
    peer_share = 3 / (len(c.force.units[officer.unit]) - 1)
    assert c.peer_share(officer) == pytest.approx(peer_share)
    bribe = 0.05
    logit = (o.corruption_base + o.peer_weight * peer_share + o.bribe_weight * bribe / q.officer_pay
             - o.oversight_weight * q.oversight - o.pay_weight * (q.officer_pay - 1.0)
             - o.whistleblower_weight * float(q.whistleblower_protection) - 0.3)
    assert c.readiness(officer, bribe) == pytest.approx(1.0 / (1.0 + math.exp(-logit)))


def test_odd_example_spot_bribe_and_retainer() -> None:
    """docs/ODD.md 7.6: baseline, integrity 0, no corrupt peers: 0.02 -> logit -1.8, 0.06 -> -0.2."""
    _, c = build(officers={"initial_corrupt_share": 0.0})
    officer = post_officer(c)
    officer.integrity = 0.0
    assert c.readiness(officer, 0.02) == pytest.approx(1 / (1 + math.exp(1.8)))
    assert c.readiness(officer, 0.06) == pytest.approx(1 / (1 + math.exp(0.2)))


def test_readiness_rises_with_bribe_and_peers_and_falls_with_deterrence() -> None:
    sim, c = build(officers={"initial_corrupt_share": 0.0})
    officer = post_officer(c)
    officer.integrity = 0.0
    bribes = [0.0, 0.01, 0.02, 0.05, 0.1]
    by_bribe = [c.readiness(officer, b) for b in bribes]
    assert all(a < b for a, b in itertools.pairwise(by_bribe))

    by_peers = [c.readiness(officer, 0.02)]
    for peer in [x for x in c.force.units[officer.unit] if x is not officer][:4]:
        c.corrupt(peer, None, "gate")
        by_peers.append(c.readiness(officer, 0.02))
    assert all(a < b for a, b in itertools.pairwise(by_peers))

    q = sim.params.policy

    def curve(lever: str, values: list) -> list[float]:
        old = getattr(q, lever)
        out = []
        for v in values:
            setattr(q, lever, v)
            out.append(c.readiness(officer, 0.02))
        setattr(q, lever, old)
        return out

    for lever, values in (("oversight", [0.0, 0.3, 0.6, 1.0]), ("officer_pay", [0.5, 1.0, 1.5, 3.0]),
                          ("whistleblower_protection", [False, True])):
        r = curve(lever, values)
        assert all(a > b for a, b in itertools.pairwise(r)), (lever, r)


def test_integrity_lowers_readiness() -> None:
    _, c = build(officers={"initial_corrupt_share": 0.0})
    officer = post_officer(c)
    values = []
    for integrity in (-1.0, 0.0, 1.0):
        officer.integrity = integrity
        values.append(c.readiness(officer, 0.02))
    assert values[0] > values[1] > values[2]


def test_peer_share_of_a_lone_officer_is_zero() -> None:
    _, c = build(officers={"initial_corrupt_share": 0.0, "fiu_per_country": 1})
    lone = c.force.units[(Agency.FIU.value, "A", "")][0]
    assert c.unit_size[lone.unit] == 1
    c.corrupt(lone, None, "")
    assert c.peer_share(lone) == 0.0


def test_accepts_matches_readiness_in_frequency() -> None:
    _, c = build(officers={"initial_corrupt_share": 0.0})
    officer = post_officer(c)
    officer.integrity = 0.0
    r = c.readiness(officer, 0.04)
    n = 4000
    hits = sum(c.accepts(officer, 0.04) for _ in range(n))
    assert abs(hits / n - r) < 4 * math.sqrt(r * (1 - r) / n)


def test_detect_catches_nobody_without_oversight_when_nobody_is_honest() -> None:
    """All corrupt: no honest peer can report, and oversight 0 means no audit."""
    sim, c = build(officers={"initial_corrupt_share": 1.0}, policy={"oversight": 0.0})
    assert c.share() == 1.0
    for _ in range(20):
        c.detect()
    assert "corruption_case" not in sim.kinds()
    assert c.share() == 1.0


def caught_per_day(oversight: float, seeds: range) -> float:
    caught = officers = 0
    for seed in seeds:
        sim, c = build(seed, officers={"initial_corrupt_share": 1.0, "audit_rate": 0.2},
                       policy={"oversight": oversight})
        c.detect()
        caught += sim.kinds().count("corruption_case")
        officers += len(c.force.officers)
    return caught / officers


def test_detect_catches_more_with_more_oversight_at_the_audit_rate() -> None:
    low, high = caught_per_day(0.1, range(6)), caught_per_day(0.9, range(6))
    assert high > 3 * low
    # With nobody honest the daily chance is the audit chance alone: audit_rate x oversight.
    assert high == pytest.approx(0.2 * 0.9, abs=0.05)
    assert low == pytest.approx(0.2 * 0.1, abs=0.02)


def test_peer_reports_need_honest_peers_and_protection_multiplies_them() -> None:
    """No audits: a lone corrupt officer among honest peers is caught by reports, more under protection."""
    def caught(protection: bool) -> int:
        total = 0
        for seed in range(8):
            sim, c = build(seed, officers={"initial_corrupt_share": 0.0, "peer_report_prob": 0.02},
                           policy={"oversight": 0.0, "whistleblower_protection": protection})
            for post in ("gate", "trail1", "trail2"):
                c.corrupt(c.force.at[post][0], None, post)
            for police in c.force.police.values():
                c.corrupt(police[0], None, "")
            for _ in range(5):
                c.detect()
            total += sim.kinds().count("corruption_case")
        return total

    plain, protected = caught(False), caught(True)
    assert plain > 0
    assert protected > 2 * plain


def test_case_dismisses_the_officer_and_drops_the_contact() -> None:
    sim, c = build(officers={"initial_corrupt_share": 0.0, "case_lead_prob": 1.0})
    world_org = organisation(sim, corridor())
    leads, residents = FakeLeads(), FakeResidents()
    c.connect([world_org], FakeHiring(), leads, residents)
    officer, other = c.force.at["gate"][:2]
    c.corrupt(officer, world_org, "gate")
    c.corrupt(other, world_org, "gate")
    assert world_org.contacts["gate"] == [officer, other]
    assert officer.corrupt_for == world_org.unique_id
    assert c.unit_corrupt[officer.unit] == 2
    assert c.corrupt_at["gate"] == 2

    c.case(officer)
    assert not officer.corrupt
    assert officer.corrupt_for is None
    assert world_org.contacts["gate"] == [other]
    assert c.unit_corrupt[officer.unit] == 1
    assert c.corrupt_at["gate"] == 1
    assert c.corrupt_of["A"] == 1
    case = sim.events[-1]
    assert (case.kind, case.org, case.target, case.node) == ("corruption_case", world_org.unique_id,
                                                              officer.unique_id, "gate")
    assert residents.seen == [("A", "enforcement", 0.5)]
    # case_lead_prob 1: a lead on one of the organisation's lieutenants, in the officer's country.
    assert len(leads.calls) == 1
    target, source, country, _ = leads.calls[0]
    assert (target.role.value, source, country) == ("lieutenant", "corruption", "A")
    assert target in world_org.members


def test_case_of_an_officer_corrupt_for_nobody_gives_no_lead() -> None:
    _sim, c = build(officers={"initial_corrupt_share": 0.0, "case_lead_prob": 1.0})
    leads = FakeLeads()
    c.connect([], FakeHiring(), leads, FakeResidents())
    officer = post_officer(c)
    c.corrupt(officer, None, "gate")
    c.case(officer)
    assert leads.calls == []
    assert c.share() == 0.0


def count_corrupt(c: Corruption, country: str | None = None, police: bool = False) -> float:
    xs = [x for x in c.force.officers if country is None or x.country == country]
    if police:
        xs = [x for x in xs if x.agency is Agency.POLICE]
    return sum(x.corrupt for x in xs) / len(xs)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_shares_match_counting_officers(seed: int) -> None:
    sim, c = build(seed, officers={"initial_corrupt_share": 0.3, "audit_rate": 0.3, "peer_recruitment_prob": 0.5,
                                   "corruption_base": 0.0})
    c.connect([], FakeHiring(), FakeLeads(), FakeResidents())
    for _ in range(5):
        c.contagion()
        c.detect()
        for country in ("A", "B"):
            assert c.share(country) == pytest.approx(count_corrupt(c, country))
            assert c.police_share(country) == pytest.approx(count_corrupt(c, country, police=True))
        assert c.share() == pytest.approx(count_corrupt(c))
        for unit, officers in c.force.units.items():
            assert c.unit_corrupt[unit] == sum(x.corrupt for x in officers)
        for node, officers in c.force.at.items():
            assert c.corrupt_at[node] == sum(x.corrupt for x in officers)
    assert "corruption_case" in sim.kinds()  # the loop did move the counts
    assert c.share("nowhere") == 0.0
    assert c.police_share("nowhere") == 0.0


def test_contagion_needs_a_corrupt_peer() -> None:
    sim, c = build(officers={"initial_corrupt_share": 0.0, "peer_recruitment_prob": 1.0, "corruption_base": 20.0})
    for _ in range(10):
        c.contagion()
    assert c.share() == 0.0
    assert sim.events == []


def test_contagion_spreads_within_the_unit_only_and_for_the_same_organisation() -> None:
    _sim, c = build(officers={"initial_corrupt_share": 0.0, "peer_recruitment_prob": 1.0, "corruption_base": 20.0})
    org = FakeOrg()
    c.connect([org], FakeHiring(), FakeLeads(), FakeResidents())
    seed_officer = post_officer(c, "trail1")
    c.corrupt(seed_officer, org, "trail1")
    c.contagion()
    unit = c.force.units[seed_officer.unit]
    assert sum(x.corrupt for x in unit) == 2
    assert sum(x.corrupt for x in c.force.officers) == 2
    turned = next(x for x in unit if x.corrupt and x is not seed_officer)
    assert turned.corrupt_for == org.unique_id
    assert org.contacts["trail1"] == [seed_officer, turned]
    # Whole unit turned after enough days, and still nobody outside it.
    for _ in range(10):
        c.contagion()
    assert all(x.corrupt for x in unit)
    assert sum(x.corrupt for x in c.force.officers) == len(unit)


def test_cultivation_turns_an_officer_on_the_routes_and_costs_fee_and_retainer() -> None:
    sim, c = build(officers={"initial_corrupt_share": 0.0, "cultivation_prob": 1.0, "cultivate_post_share": 1.0,
                             "corruption_base": 20.0})
    broker = Facilitator(sim, FacilitatorKind.BROKER, "A")
    hiring = FakeHiring(broker)
    org = FakeOrg(cash=1.0, checkpoints_on_routes=["gate"])
    c.connect([org], hiring, FakeLeads(), FakeResidents())
    c.cultivate(org)
    s = sim.params.shipments
    retainer = sim.params.officers.retainer_bribes * s.bribe_amount
    assert org.cash == pytest.approx(1.0 - s.broker_fee - retainer)
    assert [x.post for x in org.contacts["gate"]] == ["gate"]
    assert org.contacts["gate"][0].corrupt_for == org.unique_id
    assert sim.kinds() == ["officer_corrupted", "bribe"]
    assert sim.events[-1].value == pytest.approx(retainer)
    assert hiring.calls == [(org, "broker", "A")]


def test_cultivation_needs_a_broker_and_the_money() -> None:
    sim, c = build(officers={"initial_corrupt_share": 0.0, "cultivation_prob": 1.0, "corruption_base": 20.0})
    org = FakeOrg(cash=1.0, checkpoints_on_routes=["gate"])
    c.connect([org], FakeHiring(None), FakeLeads(), FakeResidents())
    c.cultivate(org)
    poor = FakeOrg(unique_id=9002, cash=0.01, checkpoints_on_routes=["gate"])
    c.connect([poor], FakeHiring(Facilitator(sim, FacilitatorKind.BROKER, "A")), FakeLeads(), FakeResidents())
    c.cultivate(poor)
    assert c.share() == 0.0
    assert sim.events == []
    assert org.cash == 1.0
    assert poor.cash == 0.01


def test_contact_on_duty_only_for_a_corrupt_contact_and_a_paying_organisation() -> None:
    _sim, c = build(officers={"initial_corrupt_share": 0.0, "contact_on_duty_prob": 1.0})
    org = FakeOrg(cash=1.0)
    assert c.contact_on_duty(org, "gate") is None
    officer = post_officer(c)
    c.corrupt(officer, org, "gate")
    assert c.contact_on_duty(org, "gate") is officer
    org.cash = 0.0
    assert c.contact_on_duty(org, "gate") is None
    org.cash = 1.0
    c.case(officer)
    assert c.contact_on_duty(org, "gate") is None
