"""The investigation pipeline and the courts alone, on the tiny world's two countries: which leads are
taken, how long they take with and without intelligence sharing, losses between agencies, how each lead
ends (acted on or dropped), queue order under targeting, what leads tell the intelligence picture,
arrests, trials and their verdicts."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pytest
import simpy

from sim.core.agents.facilitator import Facilitator, FacilitatorKind
from sim.core.agents.organisation import Role
from sim.core.agents.status import Status
from sim.core.events import EventBus
from sim.core.mechanisms.investigation import Investigations
from sim.core.mechanisms.justice import Justice
from sim.core.mechanisms.market import FacilitatorMarket
from tests.tiny_world import FakeResidents, corridor, organisation, standalone

#: Plenty of analysts and police teams (no queueing), every operation an arrest, nobody talks.
NO_QUEUES = {"officers": {"analysts_per_country": 1000, "fiu_per_country": 1000, "police_per_country": 1000,
                          "police_team_size": 1, "initial_corrupt_share": 0.0},
             "investigation": {"arrest_prob": 1.0, "arrest_quality_weight": 0.0, "talk_prob": 0.0,
                               "develop_prob": 0.0}}


def merged(base: dict, **changes: dict) -> dict:
    out = {k: dict(v) for k, v in base.items()}
    for section, values in changes.items():
        out.setdefault(section, {}).update(values)
    return out


@dataclass
class FakeTracing:
    traced: list = field(default_factory=list)

    def trace_assets(self, person) -> None:
        self.traced.append(person)


@dataclass
class FakeIntegrity:
    share: float = 0.0

    def police_share(self, country: str) -> float:
        return self.share


@dataclass
class FakePicture:
    """Records what leads tell the intelligence picture (`Intelligence.lead`)."""

    calls: list = field(default_factory=list)

    def lead(self, source: str, country: str, org_ids, quality: float) -> None:
        self.calls.append((source, country, list(org_ids), quality))


def starting_at(sim, start: float):
    """The standalone sim with its clock starting at `start` (negative: a warm-up), the event sink on it."""
    sim.env = simpy.Environment(initial_time=start)
    sim.bus = EventBus(sim.env)
    sim.record = sim.bus.record
    sim.bus.listen(sim.bus.kinds, sim.events.append)
    return sim


class Pipeline:
    def __init__(self, seed: int = 0, police_corrupt: float = 0.0, start: float = 0.0, **sections) -> None:
        self.sim = sim = standalone(seed, **sections)
        if start:
            starting_at(sim, start)
        self.world = corridor()
        self.justice = Justice(sim)
        self.market = FacilitatorMarket(sim, self.world.countries)
        self.inv = Investigations(sim, self.world.countries, self.justice, self.market)
        self.org = organisation(sim, self.world)
        self.residents, self.tracing, self.picture = FakeResidents(), FakeTracing(), FakePicture()
        self.inv.connect([self.org], self.residents, self.tracing, FakeIntegrity(police_corrupt), self.picture)

    def targets(self, n: int, country: str = "A") -> list[Facilitator]:
        return [Facilitator(self.sim, FacilitatorKind.FORGER, country) for _ in range(n)]

    def kinds(self, kind: str) -> list:
        return [e for e in self.sim.events if e.kind == kind]

    def member(self, role: Role, k: int = 0):
        return [m for m in self.org.members if m.role is role][k]


# ------------------------------------------------------------------------------------------------ leads


def test_leads_on_absent_inactive_or_pursued_targets_are_ignored() -> None:
    p = Pipeline(**merged(NO_QUEUES, investigation={"lead_loss_when_siloed": 0.0},
                          justice={"trial_delay_days": 10_000.0}))
    a, b = p.targets(2)
    b.set_status(Status.CUSTODY)
    p.inv.open(None, "tip", "A")
    p.inv.open(b, "tip", "A")
    p.inv.open(a, "tip", "A")
    p.inv.open(a, "seizure", "A")  # already pursued
    opened = p.kinds("lead_opened")
    assert [(e.target, e.detail) for e in opened] == [(a.unique_id, "tip")]
    assert p.inv.pursued == {a.unique_id}
    p.sim.env.run(until=500)
    assert p.inv.pursued == set()  # released when the pipeline ends
    assert a.status is Status.CUSTODY  # arrested, awaiting a trial far off
    p.inv.open(a, "tip", "A")
    assert len(p.kinds("lead_opened")) == 1


def mean_time_to_action(sharing: float, cross_border: bool, seed: int, n: int = 150, **extra) -> float:
    sections = merged(NO_QUEUES, policy={"intel_sharing": sharing}, investigation={"lead_loss_when_siloed": 0.0})
    p = Pipeline(seed, **merged(sections, **extra))
    for target in p.targets(n, "A"):
        p.inv.open(target, "tip", "B" if cross_border else "A")
    p.sim.env.run(until=2000)
    assert len(p.inv.time_to_action) == n
    return float(np.mean(p.inv.time_to_action))


def test_siloed_agencies_take_longer_across_a_border() -> None:
    """Mean time to action = analysis + sharing + operation: 4 + 45 + 3 = 52 days siloed across a border,
    4 + 0.5 + 3 = 7.5 days with a fused picture (docs/ODD.md 7.7)."""
    siloed = [mean_time_to_action(0.0, True, seed) for seed in range(2)]
    fused = [mean_time_to_action(1.0, True, seed) for seed in range(2)]
    assert min(siloed) > 3 * max(fused)
    assert np.mean(siloed) == pytest.approx(52.0, rel=0.15)
    assert np.mean(fused) == pytest.approx(7.5, rel=0.15)


def test_domestic_leads_are_slowed_less_by_silos() -> None:
    domestic = np.mean([mean_time_to_action(0.0, False, seed) for seed in range(2)])
    assert domestic == pytest.approx(4 + 12 + 3, rel=0.15)


def test_a_joint_task_force_shares_cross_border_leads_at_once() -> None:
    jtf = mean_time_to_action(0.0, True, 0, policy={"joint_task_force": True})
    assert jtf == pytest.approx(7.5, rel=0.2)


def lost_share(cross_border: bool, jtf: bool, n: int = 200) -> float:
    p = Pipeline(**merged(NO_QUEUES, policy={"intel_sharing": 0.0, "joint_task_force": jtf},
                          investigation={"lead_loss_when_siloed": 1.0, "domestic_loss_factor": 0.5}))
    for target in p.targets(n, "A"):
        p.inv.open(target, "tip", "B" if cross_border else "A")
    p.sim.env.run(until=2000)
    assert len(p.kinds("lead_lost")) + len(p.kinds("lead_shared")) == n
    return len(p.kinds("lead_lost")) / n


def test_a_joint_task_force_removes_cross_border_loss_only() -> None:
    assert lost_share(True, jtf=False) == 1.0
    assert lost_share(True, jtf=True) == 0.0
    for jtf in (False, True):
        assert lost_share(False, jtf) == pytest.approx(0.5, abs=4 * math.sqrt(0.25 / 200))


def test_shared_leads_name_the_acting_country_and_whether_they_crossed() -> None:
    p = Pipeline(**merged(NO_QUEUES, investigation={"lead_loss_when_siloed": 0.0}))
    (home,), (abroad,) = p.targets(1, "A"), p.targets(1, "B")
    p.inv.open(home, "tip", "B")
    p.inv.open(abroad, "tip", "B")
    p.sim.env.run(until=2000)
    shared = {e.target: (e.node, e.value) for e in p.kinds("lead_shared")}
    assert shared == {home.unique_id: ("A", 1.0), abroad.unique_id: ("B", 0.0)}
    arrests = {e.target: e.node for e in p.kinds("arrest")}
    assert arrests == {home.unique_id: "A", abroad.unique_id: "B"}


def shared_order(targeting: str) -> list[Role]:
    """One analyst; a courier's lead holds it while leads on a courier, a lieutenant and the leader wait."""
    p = Pipeline(**merged(NO_QUEUES, officers={"analysts_per_country": 1},
                          policy={"targeting": targeting, "intel_sharing": 1.0},
                          investigation={"fused_sharing_days": 0.0}))
    blocker, courier, lieutenant, leader = (p.member(Role.COURIER, 0), p.member(Role.COURIER, 1),
                                            p.member(Role.LIEUTENANT), p.member(Role.LEADER))
    for target in (blocker, courier, lieutenant, leader):
        p.inv.open(target, "tip", "A")
    p.sim.env.run(until=500)
    by_id = {m.unique_id: m for m in p.org.members}
    shared = [by_id[e.target] for e in p.kinds("lead_shared")]
    assert shared[0] is blocker
    assert len(shared) == 4
    return [m.role for m in shared[1:]]


def test_kingpin_targeting_takes_the_highest_ranks_first() -> None:
    assert shared_order("kingpin") == [Role.LEADER, Role.LIEUTENANT, Role.COURIER]
    assert shared_order("random") == [Role.COURIER, Role.LIEUTENANT, Role.LEADER]
    assert shared_order("broker") == [Role.LIEUTENANT, Role.LEADER, Role.COURIER]


def test_kingpin_development_aims_up_the_chain() -> None:
    p = Pipeline(**merged(NO_QUEUES, policy={"targeting": "kingpin"}, investigation={"develop_prob": 1.0}))
    courier = p.member(Role.COURIER)
    p.inv.open(courier, "tip", "A")
    p.sim.env.run(until=2000)
    (developed,) = p.kinds("lead_developed")
    lieutenant = next(m for m in p.org.neighbours(courier) if m.role is Role.LIEUTENANT)
    assert developed.target == lieutenant.unique_id
    assert [e.target for e in p.kinds("arrest")] == [lieutenant.unique_id]
    assert courier.active


def test_time_to_action_is_from_lead_to_arrest() -> None:
    p = Pipeline(**merged(NO_QUEUES, investigation={"lead_loss_when_siloed": 0.0}))
    targets = p.targets(20)
    for i, target in enumerate(targets):
        if i:
            p.sim.env.run(until=i * 0.5)
        p.inv.open(target, "tip", "B" if i % 2 else "A")
    p.sim.env.run(until=2000)
    opened = {e.target: e.day for e in p.kinds("lead_opened")}
    arrested = {e.target: e.day for e in p.kinds("arrest")}
    assert len(arrested) == 20
    expected = sorted(arrested[t.unique_id] - opened[t.unique_id] for t in targets)
    assert sorted(p.inv.time_to_action) == pytest.approx(expected, abs=1e-5)
    assert min(p.inv.time_to_action) > 0


def test_a_leaky_police_lets_every_target_go() -> None:
    """A leaked operation is still action (the police acted; the target was warned): it counts in time to
    action; lost leads are dropped."""
    p = Pipeline(police_corrupt=1.0, **merged(NO_QUEUES, investigation={"leak_weight": 1.0}))
    for target in p.targets(30):
        p.inv.open(target, "tip", "A")
    p.sim.env.run(until=2000)
    lost = len(p.kinds("lead_lost"))
    assert len(p.kinds("lead_leaked")) == 30 - lost
    assert lost < 30
    assert p.kinds("arrest") == []
    assert dict(p.inv.fates) == {"leaked": 30 - lost, "lost": lost} if lost else {"leaked": 30}
    assert len(p.inv.time_to_action) == 30 - lost
    assert p.inv.dropped_share() == pytest.approx(lost / 30)


def test_every_lead_has_one_fate_and_failed_arrests_count_as_action() -> None:
    p = Pipeline(**merged(NO_QUEUES, investigation={"arrest_prob": 0.5, "lead_loss_when_siloed": 0.5},
                          policy={"intel_sharing": 0.0}))
    n = 200
    for target in p.targets(n):
        p.inv.open(target, "tip", "A")
    p.sim.env.run(until=3000)
    fates = p.inv.fates
    assert sum(fates.values()) == n
    assert fates["lost"] == len(p.kinds("lead_lost"))
    assert fates["arrested"] == len(p.kinds("arrest"))
    assert fates["missed"] == len(p.kinds("operation")) - fates["arrested"]
    assert fates["missed"] > 0
    assert len(p.inv.time_to_action) == fates["arrested"] + fates["missed"]
    # domestic loss 0.5 x 0.5 = 0.25
    assert abs(p.inv.dropped_share() - 0.25) < 4 * math.sqrt(0.25 * 0.75 / n)


def test_a_lead_whose_target_was_taken_meanwhile_goes_stale() -> None:
    """Slow sharing: while a lead waits, its target is arrested through a seizure; when the police come to
    act the lead is dropped as stale, and is not in time to action."""
    p = Pipeline(**merged(NO_QUEUES, investigation={"lead_loss_when_siloed": 0.0, "domestic_request_days": 50.0},
                          policy={"intel_sharing": 0.0}, justice={"trial_delay_days": 10_000.0}))
    targets = p.targets(10)
    for target in targets:
        p.inv.open(target, "tip", "A")
    p.sim.env.run(until=0.5)
    for target in targets[:4]:
        p.inv.arrest(target, "seizure", "A", 1.0, False)
    p.sim.env.run(until=3000)
    assert p.inv.fates["stale"] >= 3  # (a lead may, rarely, reach the police within half a day)
    assert p.inv.fates["stale"] + p.inv.fates["arrested"] == 10
    assert len(p.inv.time_to_action) == p.inv.fates["arrested"]
    assert p.inv.dropped_share() == pytest.approx(p.inv.fates["stale"] / 10)


def test_fates_before_day_zero_are_not_measured() -> None:
    """During a warm-up (negative time) leads run as usual, but their fates and times are not results."""
    p = Pipeline(start=-100.0, **merged(NO_QUEUES, investigation={"lead_loss_when_siloed": 0.0}))
    early, late = p.targets(5), p.targets(5)
    for target in early:
        p.inv.open(target, "tip", "A")
    p.sim.env.run(until=-1.0)  # the early leads are long settled (~19 days each)
    assert len(p.kinds("arrest")) == 0  # nothing is recorded in the warm-up either
    for target in late:
        p.inv.open(target, "tip", "A")
    p.sim.env.run(until=2000)
    assert sum(p.inv.fates.values()) == 5
    assert len(p.inv.time_to_action) == 5


def test_no_settled_lead_no_dropped_share() -> None:
    assert Pipeline(**NO_QUEUES).inv.dropped_share() is None


def test_leads_tell_the_picture_which_organisations_they_name() -> None:
    p = Pipeline(**NO_QUEUES)
    courier = p.member(Role.COURIER)
    forger = p.targets(1, "B")[0]
    forger.hire(p.org.unique_id)
    forger.hire(555)
    p.inv.open(courier, "talk", "A")
    p.inv.open(forger, "financial", "B")
    p.inv.open(courier, "tip", "A")  # already pursued: no lead, nothing told
    q = p.sim.params.investigation
    assert p.picture.calls == [("talk", "A", [p.org.unique_id], q.quality_talk),
                               ("financial", "B", sorted([p.org.unique_id, 555]), q.quality_financial)]


def test_arrest_chance_grows_with_lead_quality() -> None:
    def arrests(source: str) -> int:
        p = Pipeline(**merged(NO_QUEUES, investigation={"arrest_prob": 0.8, "arrest_quality_weight": 1.0,
                                                        "lead_loss_when_siloed": 0.0, "quality_tip": 0.2,
                                                        "quality_seizure": 1.0}))
        for target in p.targets(300):
            p.inv.open(target, source, "A")
        p.sim.env.run(until=3000)
        return len(p.kinds("arrest"))

    tip, seizure = arrests("tip"), arrests("seizure")
    assert abs(tip / 300 - 0.16) < 0.07
    assert abs(seizure / 300 - 0.8) < 0.08


# ------------------------------------------------------------------------------------------------ arrest


def test_arrest_takes_a_member_into_custody_and_sends_them_to_trial() -> None:
    p = Pipeline(**merged(NO_QUEUES, justice={"conviction_base": 20.0}))
    lt = p.member(Role.LIEUTENANT)
    p.inv.arrest(lt, "seizure", "A", 1.0, False)
    assert lt.status is Status.CUSTODY
    assert not lt.active
    assert lt not in p.org.active_members
    assert p.inv.high_rank_arrests == 1
    (arrest,) = p.kinds("arrest")
    assert (arrest.target, arrest.org, arrest.node, arrest.value) == (lt.unique_id, p.org.unique_id, "A", 1.0)
    assert p.residents.seen == [("A", "enforcement", 1.0)]
    assert p.tracing.traced == [lt]
    p.sim.env.run(until=2000)
    assert lt.status is Status.PRISON
    assert not lt.active
    assert [e.target for e in p.kinds("conviction")] == [lt.unique_id]


def test_couriers_are_not_high_rank() -> None:
    p = Pipeline(**NO_QUEUES)
    p.inv.arrest(p.member(Role.COURIER), "seizure", "A", 1.0, False)
    assert p.inv.high_rank_arrests == 0


def test_an_acquitted_leader_whose_post_was_filled_returns_a_rank_lower() -> None:
    p = Pipeline(**merged(NO_QUEUES, justice={"conviction_base": -20.0}))
    leader = p.member(Role.LEADER)
    p.inv.arrest(leader, "tip", "A", 0.3, False)
    successor = p.member(Role.LIEUTENANT)
    successor.role = Role.LEADER
    p.org.set_status(successor, Status.ACTIVE)  # the read-outs see the promotion
    p.sim.env.run(until=2000)
    assert [e.target for e in p.kinds("acquittal")] == [leader.unique_id]
    assert leader.active
    assert leader.status is Status.ACTIVE
    assert leader.role is Role.LIEUTENANT
    assert p.org.leader() is successor


def test_an_arrestee_who_talks_names_an_accomplice_as_targeting_steers() -> None:
    p = Pipeline(**merged(NO_QUEUES, policy={"targeting": "kingpin"}, investigation={"talk_prob": 1.0}))
    courier = p.member(Role.COURIER)
    p.inv.arrest(courier, "seizure", "A", 1.0, False)
    talk = [e for e in p.kinds("lead_opened") if e.detail == "talk"]
    lieutenant = next(m for m in p.org.neighbours(courier) if m.role is Role.LIEUTENANT)
    assert [e.target for e in talk] == [lieutenant.unique_id]


# ------------------------------------------------------------------------------------------------ justice


def verdicts(evidence: float, n: int = 400, cross_border: bool = False, victim_case: bool = False,
             seed: int = 0, **sections) -> tuple[float, list]:
    sim = standalone(seed, **sections)
    justice = Justice(sim)
    people = [Facilitator(sim, FacilitatorKind.LAUNDERER, "A") for _ in range(n)]
    for person in people:
        person.set_status(Status.CUSTODY)
        justice.try_case(person, evidence, cross_border, victim_case)
    sim.env.run(until=5000)
    convicted = [e for e in sim.events if e.kind == "conviction"]
    acquitted = [e for e in sim.events if e.kind == "acquittal"]
    assert len(convicted) + len(acquitted) == n
    assert all(p.status is Status.PRISON for p in people if p.unique_id in {e.target for e in convicted})
    assert all(p.active for p in people if p.unique_id in {e.target for e in acquitted})
    return len(convicted) / n, sim.events


def sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


def test_conviction_is_likelier_with_more_evidence() -> None:
    rates = [verdicts(e)[0] for e in (0.0, 0.5, 1.0)]
    assert rates[0] < rates[1] < rates[2]
    for e, rate in zip((0.0, 0.5, 1.0), rates, strict=True):
        expected = sigmoid(-0.5 + 1.5 * e)  # justice defaults: base -0.5, evidence weight 1.5
        assert abs(rate - expected) < 4 * math.sqrt(expected * (1 - expected) / 400)


def test_victim_testimony_under_protection_raises_conviction() -> None:
    none = verdicts(0.3, victim_case=False)[0]
    unprotected = verdicts(0.3, victim_case=True, policy={"victim_protection": 0.0})[0]
    protected = verdicts(0.3, victim_case=True, policy={"victim_protection": 1.0})[0]
    assert none < protected
    assert unprotected < protected
    # testimony chance 0.9 at full protection: P = 0.1 x sigmoid(-0.05) + 0.9 x sigmoid(1.45)
    expected = 0.1 * sigmoid(-0.05) + 0.9 * sigmoid(1.45)
    assert abs(protected - expected) < 4 * math.sqrt(expected * (1 - expected) / 400)


def test_evidence_from_abroad_loses_weight_unless_shared() -> None:
    _, siloed = verdicts(1.0, n=20, cross_border=True, policy={"intel_sharing": 0.0})
    _, fused = verdicts(1.0, n=20, cross_border=True, policy={"intel_sharing": 1.0})
    _, jtf = verdicts(1.0, n=20, cross_border=True, policy={"intel_sharing": 0.0, "joint_task_force": True})
    _, home = verdicts(1.0, n=20, cross_border=False, policy={"intel_sharing": 0.0})
    verdict = {"conviction", "acquittal"}
    assert {e.value for e in siloed if e.kind in verdict} == {0.5}  # 1 - cross_border_evidence_loss
    for events in (fused, jtf, home):
        assert {e.value for e in events if e.kind in verdict} == {1.0}


def test_trials_take_the_trial_delay() -> None:
    _, events = verdicts(1.0, n=300)
    days = [e.day for e in events if e.kind in ("conviction", "acquittal")]
    assert np.median(days) == pytest.approx(90.0, rel=0.08)
    assert min(days) > 30.0
