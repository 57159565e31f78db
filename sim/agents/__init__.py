"""The model's agents: organisations and their members, facilitators, officers, communities."""

from sim.agents.community import Community, ResidentStatus
from sim.agents.facilitator import Facilitator, FacilitatorKind
from sim.agents.officer import Agency, Officer
from sim.agents.organisation import Member, Organisation, Role

__all__ = [
    "Agency",
    "Community",
    "Facilitator",
    "FacilitatorKind",
    "Member",
    "Officer",
    "Organisation",
    "ResidentStatus",
    "Role",
]
