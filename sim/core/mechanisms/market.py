"""The facilitator market: forgers, launderers, transport companies, corrupt-contact brokers and recruiters
for hire in each country, and new ones entering as arrests empty the market."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sim.core.agents.facilitator import Facilitator, FacilitatorKind
from sim.core.streams import pick

if TYPE_CHECKING:
    from sim.core.context import Sim


class FacilitatorMarket:
    """Facilitators by (kind, country). Parameters: `facilitators.per_kind`, `facilitators.entry_prob`."""

    def __init__(self, sim: Sim, countries: list[str]) -> None:
        self.sim = sim
        self.countries = countries
        self.rng = sim.stream("market")
        self.facilitators: list[Facilitator] = []
        self._pool: dict[tuple[str, str], list[Facilitator]] = {}
        for country in countries:
            for kind in FacilitatorKind:
                for _ in range(sim.params.facilitators.per_kind):
                    self._enter(kind, country)

    def _enter(self, kind: FacilitatorKind, country: str) -> Facilitator:
        f = Facilitator(self.sim, kind, country)  # type: ignore[arg-type]
        self.facilitators.append(f)
        self._pool.setdefault((kind.value, country), []).append(f)
        return f

    def hire(self, org: Any, kind: str, country: str) -> Facilitator | None:
        """An active facilitator of this kind, in this country if any, else anywhere; None if none is free."""
        pool = [f for f in self._pool.get((kind, country), ()) if f.active]
        if not pool:
            pool = [f for c in self.countries for f in self._pool.get((kind, c), ()) if f.active]
        if not pool:
            return None
        f = pick(self.rng, pool)
        f.hire(org.unique_id)
        return f

    def clients_of(self, org_id: int, kind: FacilitatorKind) -> list[Facilitator]:
        """Active facilitators of a kind that have worked for an organisation."""
        return [f for f in self.facilitators if f.active and f.kind is kind and org_id in f.clients]

    def refill(self) -> None:
        """Each pool short of `per_kind` active facilitators gains one with probability `entry_prob` a day."""
        fc = self.sim.params.facilitators
        for (kind, country), pool in self._pool.items():
            if sum(1 for f in pool if f.active) < fc.per_kind and self.rng.random() < fc.entry_prob:
                self._enter(FacilitatorKind(kind), country)
