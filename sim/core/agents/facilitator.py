"""Facilitators: specialists that organisations hire per shipment for a fee."""

from __future__ import annotations

from enum import StrEnum

import mesa

from sim.core.agents.status import Status


class FacilitatorKind(StrEnum):
    FORGER = "forger"  # documents that get people shipments through formal checkpoints
    LAUNDERER = "launderer"  # turns proceeds into usable cash; the target of financial controls
    TRANSPORT = "transport"  # transport and front companies that hide loads in legitimate trade
    BROKER = "broker"  # corrupt-contact broker: arranges bribes with officers
    RECRUITER = "recruiter"  # finds vulnerable residents for organisations


class Facilitator(mesa.Agent):
    """A service provider in one country. Arrest removes it from the market and may make it a lead."""

    def __init__(self, model: mesa.Model, kind: FacilitatorKind, country: str) -> None:
        super().__init__(model)
        self.kind = kind
        self.country = country
        self.home_country = country
        self.role = f"facilitator:{kind.value}"
        self.status = Status.ACTIVE
        self.active = True
        self.clients: set[int] = set()  # organisation ids that hired it
        self.jobs = 0

    def set_status(self, status: Status) -> None:
        self.status = status
        self.active = status is Status.ACTIVE

    def hire(self, org_id: int) -> None:
        self.clients.add(org_id)
        self.jobs += 1
