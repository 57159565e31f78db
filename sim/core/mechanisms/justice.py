"""Justice: trials after arrest; conviction by evidence and victim testimony."""

from __future__ import annotations

from collections.abc import Generator
from typing import TYPE_CHECKING, Any

import numpy as np
import simpy

from sim.core import policy
from sim.core.agents.facilitator import Facilitator
from sim.core.agents.status import Status

if TYPE_CHECKING:
    from sim.core.context import Sim


def org_id(person: Any) -> int:
    """The organisation a person works in (-1 for a facilitator)."""
    return -1 if isinstance(person, Facilitator) else person.org.unique_id


class Justice:
    """Courts: each arrest becomes a trial after `justice.trial_delay_days` (lognormal spread).

    Evidence gathered in another jurisdiction loses weight unless shared or carried by a joint task force
    (`policy.evidence_at_trial`); victims testify more often when protected (`policy.testimony_prob`).
    """

    def __init__(self, sim: Sim) -> None:
        self.sim = sim

    def try_case(self, person: Any, evidence: float, cross_border: bool, victim_case: bool) -> None:
        self.sim.env.process(self._trial(person, evidence, cross_border, victim_case))

    def _trial(self, person: Any, evidence: float, cross_border: bool,
               victim_case: bool) -> Generator[simpy.Event, Any, None]:
        sim = self.sim
        rng = sim.stream("trial", person.unique_id, int(sim.env.now), keep=False)  # this trial's own draws
        j = sim.params.justice
        yield sim.env.timeout(j.trial_delay_days * float(rng.lognormal(0.0, j.trial_delay_sigma)))
        p = sim.params  # the policy at the verdict (a schedule may have changed it meanwhile)
        evidence = policy.evidence_at_trial(p, evidence, cross_border)
        testimony = victim_case and rng.random() < policy.testimony_prob(p)
        logit = j.conviction_base + j.evidence_weight * evidence + j.testimony_weight * float(testimony)
        if rng.random() < 1.0 / (1.0 + np.exp(-logit)):
            self._set(person, Status.PRISON)
            sim.record("conviction", target=person.unique_id, org=org_id(person), value=evidence)
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
