"""Justice: trials after arrest; conviction by evidence and victim testimony."""

from __future__ import annotations

from collections.abc import Generator
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np
import simpy

from sim.core import policy
from sim.core.agents.facilitator import Facilitator
from sim.core.agents.status import Status

if TYPE_CHECKING:
    from sim.core.context import Sim

#: Roles whose conviction counts as an organiser's (`convictions_organisers`): they run the organisation and
#: its exploitation, where couriers and recruiters work the street.
ORGANISERS = ("leader", "lieutenant")


def org_id(person: Any) -> int:
    """The organisation a person works in (-1 for a facilitator)."""
    return -1 if isinstance(person, Facilitator) else person.org.unique_id


def is_organiser(person: Any) -> bool:
    return not isinstance(person, Facilitator) and person.role.value in ORGANISERS


class Witnesses(Protocol):
    """Protected victims who can testify against a member who controlled them (`Victims.witnesses`)."""

    def witnesses(self, member_id: int) -> int: ...


class Justice:
    """Courts: each arrest becomes a trial after `justice.trial_delay_days` (lognormal spread).

    Evidence gathered in another jurisdiction loses weight unless shared or carried by a joint task force
    (`policy.evidence_at_trial`). Victims testify with `policy.testimony_prob` (`policy.victim_protection`):
    the victims of a victim case (identified on the accused's shipment, or whose information opened the
    case), and, at the trial of an organiser (leader or lieutenant), every victim he controlled (as the
    lieutenant of the cell that moved them) who was sheltered and is still a protected witness at the verdict
    (`Witnesses`, `victims.witness_days`): protection makes witnesses available and willing.

    Results: `pending` (trials not yet decided: at the end of a run, arrests still awaiting their verdict,
    neither convicted nor acquitted), `organiser_convictions` (from day 0) and, among them,
    `trafficking_organiser_convictions` (organisers of organisations that move people: the only ones victims
    can testify against).
    """

    def __init__(self, sim: Sim) -> None:
        self.sim = sim
        self.witnesses: Witnesses | None = None
        self.pending = 0
        self.organiser_convictions = 0
        self.trafficking_organiser_convictions = 0

    def connect(self, witnesses: Witnesses) -> None:
        """Who can testify at organisers' trials (the victims mechanism)."""
        self.witnesses = witnesses

    def try_case(self, person: Any, evidence: float, cross_border: bool, victim_case: bool) -> None:
        self.pending += 1
        self.sim.env.process(self._trial(person, evidence, cross_border, victim_case))

    def testifying(self, person: Any, victim_case: bool) -> int:
        """How many victims can testify against this person now."""
        n = int(victim_case)
        if self.witnesses is not None and is_organiser(person):
            n += self.witnesses.witnesses(person.unique_id)
        return n

    def _trial(self, person: Any, evidence: float, cross_border: bool,
               victim_case: bool) -> Generator[simpy.Event, Any, None]:
        sim = self.sim
        rng = sim.stream("trial", person.unique_id, int(np.floor(sim.env.now)), keep=False)  # this trial's draws
        j = sim.params.justice
        yield sim.env.timeout(j.trial_delay_days * float(rng.lognormal(0.0, j.trial_delay_sigma)))
        self.pending -= 1
        p = sim.params  # the policy at the verdict (a schedule may have changed it meanwhile)
        evidence = policy.evidence_at_trial(p, evidence, cross_border)
        witnesses = self.testifying(person, victim_case)
        # At least one of the witnesses testifies (one draw; with one witness, the chance is testimony_prob).
        testimony = witnesses > 0 and rng.random() < 1.0 - (1.0 - policy.testimony_prob(p)) ** witnesses
        logit = j.conviction_base + j.evidence_weight * evidence + j.testimony_weight * float(testimony)
        if rng.random() < 1.0 / (1.0 + np.exp(-logit)):
            self._set(person, Status.PRISON)
            role = str(person.role)
            sim.record("conviction", target=person.unique_id, org=org_id(person), value=evidence,
                       detail=f"{role}/testimony" if testimony else role)
            if is_organiser(person) and sim.env.now >= 0:
                self.organiser_convictions += 1
                if "people" in person.org.commodities:
                    self.trafficking_organiser_convictions += 1
        else:
            if isinstance(person, Facilitator):
                person.set_status(Status.ACTIVE)
            else:
                person.org.reinstate(person)
            sim.record("acquittal", target=person.unique_id, org=org_id(person), value=evidence)

    @staticmethod
    def _set(person: Any, status: Status) -> None:
        if isinstance(person, Facilitator):
            person.set_status(status)
        else:
            person.org.set_status(person, status)
