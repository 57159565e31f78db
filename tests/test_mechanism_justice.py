"""The courts alone, on the tiny world's organisation: trials still running are pending (not acquittals),
convictions of organisers are told apart from couriers', and protected victims testify at organisers'
trials, which raises their conviction; then whole runs: victim protection and convictions with testimony."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pytest
import simpy

from sim.core.agents.organisation import Role
from sim.core.agents.status import Status
from sim.core.events import EventBus
from sim.core.mechanisms.justice import Justice, is_organiser
from tests.tiny_world import corridor, organisation, standalone


@dataclass
class FakeWitnesses:
    """`count` protected witnesses against every member (id) in `against` (`Witnesses.witnesses`)."""

    count: int = 0
    against: set[int] = field(default_factory=set)
    asked: list[int] = field(default_factory=list)

    def witnesses(self, member_id: int) -> int:
        self.asked.append(member_id)
        return self.count if member_id in self.against else 0


class Court:
    def __init__(self, seed: int = 0, witnesses: FakeWitnesses | None = None, start: float = 0.0,
                 **sections) -> None:
        self.sim = sim = standalone(seed, **sections)
        if start:  # a clock that starts in the warm-up (negative time), the event sink on it
            sim.env = simpy.Environment(initial_time=start)
            sim.bus = EventBus(sim.env)
            sim.record = sim.bus.record
            sim.bus.listen(sim.bus.kinds, sim.events.append)
        self.justice = Justice(sim)
        if witnesses is not None:
            self.justice.connect(witnesses)
        self.world = corridor()

    def organisation(self, index: int = 0, commodities: tuple[str, ...] = ("drugs",)):
        return organisation(self.sim, self.world, index, commodities=commodities)

    def accuse(self, person, evidence: float = 0.3, victim_case: bool = False) -> None:
        person.org.set_status(person, Status.CUSTODY)
        self.justice.try_case(person, evidence, False, victim_case)

    def kinds(self, kind: str) -> list:
        return [e for e in self.sim.events if e.kind == kind]


def members(org, role: Role) -> list:
    return [m for m in org.members if m.role is role]


def test_trials_still_running_are_pending_not_acquitted() -> None:
    court = Court(justice={"trial_delay_days": 100.0, "trial_delay_sigma": 0.0})
    org = court.organisation()
    early, late = members(org, Role.COURIER)[:2]
    court.accuse(early)
    court.sim.env.run(until=50)
    court.accuse(late)
    assert court.justice.pending == 2
    court.sim.env.run(until=120)  # the first verdict is in, the second trial runs until day 150
    assert court.justice.pending == 1
    verdicts = court.kinds("conviction") + court.kinds("acquittal")
    assert [e.target for e in verdicts] == [early.unique_id]
    assert late.status is Status.CUSTODY  # awaiting trial: neither convicted nor released


def test_organiser_convictions_are_told_apart_from_couriers() -> None:
    court = Court(justice={"conviction_base": 20.0})  # every trial convicts
    org = court.organisation()
    leader = org.leader()
    lieutenant = members(org, Role.LIEUTENANT)[0]
    courier, recruiter = members(org, Role.COURIER)[0], members(org, Role.RECRUITER)[0]
    for person in (leader, lieutenant, courier, recruiter):
        court.accuse(person)
    court.sim.env.run(until=1000)
    assert court.justice.organiser_convictions == 2
    assert court.justice.trafficking_organiser_convictions == 0  # a drug organisation's organisers
    assert [is_organiser(x) for x in (leader, lieutenant, courier, recruiter)] == [True, True, False, False]
    assert sorted(e.detail for e in court.kinds("conviction")) == ["courier", "leader", "lieutenant", "recruiter"]
    assert court.justice.pending == 0


def test_organisers_of_organisations_that_move_people_are_counted_apart() -> None:
    court = Court(justice={"conviction_base": 20.0})
    drugs, people = court.organisation(0), court.organisation(1, commodities=("drugs", "people"))
    for org in (drugs, people):
        court.accuse(members(org, Role.LIEUTENANT)[0])
        court.accuse(members(org, Role.COURIER)[0])
    court.sim.env.run(until=1000)
    assert court.justice.organiser_convictions == 2
    assert court.justice.trafficking_organiser_convictions == 1  # the lieutenant of the people-moving one


def test_convictions_in_the_warm_up_are_not_counted() -> None:
    court = Court(start=-200.0, justice={"conviction_base": 20.0, "trial_delay_days": 50.0,
                                         "trial_delay_sigma": 0.0})
    org = court.organisation()
    court.accuse(org.leader())
    court.sim.env.run(until=-100)  # convicted on day -150
    court.accuse(members(org, Role.LIEUTENANT)[0])
    court.sim.env.run(until=10)  # convicted on day -50: still the warm-up
    court.accuse(members(org, Role.LIEUTENANT)[1])
    court.sim.env.run(until=100)  # convicted on day 60
    assert court.justice.organiser_convictions == 1
    assert len(court.kinds("conviction")) == 1


def sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


def organiser_conviction_rate(witnesses: int, role: Role = Role.LIEUTENANT, protection: float = 0.2,
                              n: int = 300) -> tuple[float, float]:
    """(observed, expected) conviction rate of `n` people of `role`, each with `witnesses` protected victims
    he controlled, on evidence 0.3, without a victim case of their own."""
    convicted = 0
    p_testimony = None
    for seed in range(n):
        fake = FakeWitnesses(witnesses)
        court = Court(seed, witnesses=fake, policy={"victim_protection": protection})
        org = court.organisation()
        person = members(org, role)[0]
        fake.against.add(person.unique_id)
        court.accuse(person)
        court.sim.env.run(until=1000)
        convicted += len(court.kinds("conviction"))
        j = court.sim.params.justice
        p_testimony = min(1.0, j.testimony_base + j.testimony_protection_gain * protection)
    k = witnesses if role in (Role.LEADER, Role.LIEUTENANT) else 0
    t = 1.0 - (1.0 - p_testimony) ** k
    expected = (1 - t) * sigmoid(-0.5 + 1.5 * 0.3) + t * sigmoid(-0.5 + 1.5 * 0.3 + 1.5)
    return convicted / n, expected


@pytest.mark.parametrize("witnesses", [0, 1, 3])
def test_protected_witnesses_raise_the_conviction_of_organisers(witnesses: int) -> None:
    """P(testimony) = 1 - (1 - testimony_prob)^witnesses at an organiser's trial (docs/ODD.md 7.8)."""
    got, expected = organiser_conviction_rate(witnesses)
    assert abs(got - expected) < 4 * math.sqrt(expected * (1 - expected) / 300)


def test_witnesses_against_the_organisation_do_not_testify_at_a_couriers_trial() -> None:
    """Victims name organisers; a courier's trial counts only the victims of its own case."""
    got, expected = organiser_conviction_rate(3, role=Role.COURIER)
    assert expected == pytest.approx(sigmoid(-0.05))
    assert abs(got - expected) < 4 * math.sqrt(expected * (1 - expected) / 300)


def test_more_protection_more_testimony_against_organisers() -> None:
    weak, _ = organiser_conviction_rate(1, protection=0.0, n=400)
    strong, _ = organiser_conviction_rate(1, protection=1.0, n=400)
    assert strong > weak + 0.1


def test_testimony_is_marked_on_the_conviction() -> None:
    court = Court(witnesses=FakeWitnesses(50), policy={"victim_protection": 1.0}, justice={"conviction_base": 20.0})
    org = court.organisation()
    leader = org.leader()
    court.justice.witnesses.against.add(leader.unique_id)
    court.accuse(leader)
    court.accuse(members(org, Role.COURIER)[0], victim_case=False)
    court.sim.env.run(until=1000)
    assert sorted(e.detail for e in court.kinds("conviction")) == ["courier", "leader/testimony"]
    assert court.justice.witnesses.asked == [leader.unique_id]  # only the organiser's trial asks


# ------------------------------------------------------------------------------------------------ whole runs


def test_victim_protection_brings_testimony_to_convictions() -> None:
    """Over two years after the warm-up, convictions resting on victims' testimony are several times more
    frequent with full victim protection than with none (common random numbers: the same seeds)."""
    from sim import run_scenario

    def with_testimony(protection: float) -> np.ndarray:
        out = []
        for seed in range(4):
            events = run_scenario(["days=730", f"policy.victim_protection={protection}"], seed=seed).events
            out.append(int(((events.kind == "conviction") & events.detail.str.endswith("/testimony")).sum()))
        return np.array(out)

    none, full = with_testimony(0.0), with_testimony(1.0)
    assert full.sum() > 2 * max(1, none.sum())
    assert (full >= none).sum() >= 3


def test_pending_trials_are_reported() -> None:
    from sim import run_scenario

    summary = run_scenario(["days=200"], seed=0).summary
    assert summary["trials_pending"] > 0  # arrests of the last months still await their verdict
    assert summary["convictions_organisers"] <= summary["convictions"]
    assert summary["convictions_trafficking_organisers"] <= summary["convictions_organisers"]
