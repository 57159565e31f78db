"""Where a person of the networks stands: free to act, in custody awaiting trial, in prison, or gone from a
dismantled cell or a dissolved organisation."""

from enum import StrEnum


class Status(StrEnum):
    ACTIVE = "active"
    CUSTODY = "custody"  # arrested, awaiting trial
    PRISON = "prison"  # convicted, serving the sentence
    DISPERSED = "dispersed"  # left when the cell broke up (dismantled) or the organisation dissolved
