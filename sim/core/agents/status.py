"""Where a person of the networks stands: free to act, in custody awaiting trial, or in prison."""

from enum import StrEnum


class Status(StrEnum):
    ACTIVE = "active"
    CUSTODY = "custody"  # arrested, awaiting trial
    PRISON = "prison"  # convicted, serving the sentence
