"""Facilitators: specialists that organisations hire per shipment for a fee."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

import mesa

if TYPE_CHECKING:
    from sim.core.model import CorridorModel


class FacilitatorKind(StrEnum):
    FORGER = "forger"  # documents that get people shipments through formal checkpoints
    LAUNDERER = "launderer"  # turns proceeds into usable cash; the target of financial controls
    TRANSPORT = "transport"  # transport and front companies that hide loads in legitimate trade
    BROKER = "broker"  # corrupt-contact broker: arranges bribes with officers
    RECRUITER = "recruiter"  # finds vulnerable residents for organisations


class Facilitator(mesa.Agent):
    """A service provider in one country. Arrest removes it from the market and may make it a lead."""

    def __init__(self, model: CorridorModel, kind: FacilitatorKind, country: str) -> None:
        super().__init__(model)
        self.kind = kind
        self.country = country
        self.status = "active"  # active, custody or prison
        self.clients: set[int] = set()  # organisation ids that hired it
        self.jobs = 0

    @property
    def active(self) -> bool:
        return self.status == "active"

    @property
    def role(self) -> str:
        return f"facilitator:{self.kind.value}"

    @property
    def home_country(self) -> str:
        return self.country

    def hire(self, org_id: int) -> None:
        self.clients.add(org_id)
        self.jobs += 1
