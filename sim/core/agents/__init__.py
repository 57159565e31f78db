"""The model's agents: organisations and their members, facilitators, officers, communities."""

from sim.core.agents.community import Community, ResidentStatus
from sim.core.agents.facilitator import Facilitator, FacilitatorKind
from sim.core.agents.officer import Agency, Officer
from sim.core.agents.organisation import Member, Organisation, Role

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
