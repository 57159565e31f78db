"""Officers of five agencies. Whether an officer takes a bribe is the corruption mechanism's rule
(`sim.core.mechanisms.corruption.readiness`); the officer holds only its own state."""

from __future__ import annotations

from enum import StrEnum

import mesa


class Agency(StrEnum):
    POLICE = "police"
    CUSTOMS = "customs"
    BORDER_GUARD = "border_guard"
    INTELLIGENCE = "intelligence"
    FIU = "fiu"  # financial intelligence unit


class Officer(mesa.Agent):
    """One officer: an agency in one country, a post (checkpoint or trail) or none, honest or corrupt.

    `unit` groups officers who see each other's conduct: the post for customs and border guards, the
    agency in the country for the others. `integrity` shifts the officer's readiness to take bribes.
    """

    def __init__(self, model: mesa.Model, agency: Agency, country: str, post: str | None, integrity: float) -> None:
        super().__init__(model)
        self.agency = agency
        self.country = country
        self.post = post
        self.unit = (agency.value, country, post or "")
        self.integrity = integrity
        self.corrupt = False
        self.corrupt_for: int | None = None  # organisation whose contact this officer is


class Force:
    """Every officer of the corridor, and how they are grouped: at each post or trail, police per country,
    and units (peers who see each other's conduct).

    Built once per run. Officers who leave (turnover, dismissal) are replaced by a clean recruit in the same
    post, kept as the same agent with a fresh integrity, so the force keeps its size and its units.
    """

    def __init__(self) -> None:
        self.officers: list[Officer] = []
        self.at: dict[str, list[Officer]] = {}  # checkpoint or trail node -> officers there
        self.police: dict[str, list[Officer]] = {}  # country -> police officers
        self.units: dict[tuple[str, str, str], list[Officer]] = {}

    def hire(self, model: mesa.Model, agency: Agency, country: str, post: str | None, integrity: list[float]) -> list[
            Officer]:
        made = [Officer(model, agency, country, post, x) for x in integrity]
        self.officers += made
        for officer in made:
            self.units.setdefault(officer.unit, []).append(officer)
        if post is not None:
            self.at.setdefault(post, []).extend(made)
        if agency is Agency.POLICE:
            self.police.setdefault(country, []).extend(made)
        return made
