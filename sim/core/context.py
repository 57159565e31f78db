"""What a mechanism may reach: narrow, typed contexts instead of the whole model.

Every mechanism takes a `Sim` (the clock, the parameters, the event sink, its random streams) and, where
it acts on another mechanism, only the small protocol below that it needs. `CorridorModel` satisfies all
of them; `Standalone` satisfies `Sim` alone, so that one mechanism can be built on a tiny hand-made world
and tested without the rest (as Starsim's modules can).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

import mesa
import numpy as np
import simpy

from sim.core.events import Event, EventBus
from sim.core.streams import Streams

if TYPE_CHECKING:
    from sim.config.schema import SimConfig


class Sim(Protocol):
    """The clock (`env`, in days), the current parameters (`params`; the policy part may change on a
    schedule), the one event sink (`record`) and the random streams (`stream`)."""

    env: simpy.Environment
    params: SimConfig

    def record(self, kind: str, org: int = -1, actor: int = -1, target: int = -1, node: str = "",
               commodity: str = "", value: float = 0.0, detail: str = "", at: float | None = None) -> None: ...

    def stream(self, name: str, *key: int, keep: bool = True) -> np.random.Generator: ...


class Pursuable(Protocol):
    """Someone an investigation can go after: a member or a facilitator."""

    unique_id: int
    home_country: str

    @property
    def active(self) -> bool: ...


class Leads(Protocol):
    """Where information that can become an investigation goes (`Investigations.open`)."""

    def open(self, target: Pursuable | None, source: str, country: str, victim_case: bool = False) -> None: ...


class Arrests(Protocol):
    """Taking someone into custody (`Investigations.arrest`)."""

    def arrest(self, person: Pursuable, source: str, country: str, evidence: float, cross_border: bool,
               victim_case: bool = False) -> None: ...


class Residents(Protocol):
    """Residents who notice what happens in their country (`Communities.observe`)."""

    def observe(self, country: str, what: str, amount: float = 1.0) -> None: ...


class Standalone(mesa.Model):
    """A bare `Sim` for building one mechanism alone: its own clock, default (or given) parameters, a list of
    recorded events, and the same kind of streams as a full run.

    Args:
        params: the parameters (`sim.config.schema.SimConfig`); defaults when None.
        seed: the seed of the streams.
    """

    def __init__(self, params: SimConfig | None = None, seed: int = 0) -> None:
        from sim.config.schema import SimConfig

        self.streams = Streams(seed)
        super().__init__(rng=self.streams("mesa"))
        self.env = simpy.Environment()
        self.params = params if params is not None else SimConfig()
        self.bus = EventBus(self.env)
        self.record = self.bus.record  # the event sink, as in the full model
        self.events: list[Event] = []
        self.bus.listen(self.bus.kinds, self.events.append)

    def stream(self, name: str, *key: int, keep: bool = True) -> np.random.Generator:
        return self.streams(name, *key, keep=keep)

    def kinds(self) -> list[str]:
        """The kinds of the events recorded so far, in order."""
        return [e.kind for e in self.events]


class Hiring(Protocol):
    """The facilitator market (`FacilitatorMarket.hire`): an active facilitator of a kind, or None."""

    def hire(self, org: Any, kind: str, country: str) -> Any: ...


class Recruiting(Protocol):
    """Residents of a locality who can be recruited (`Communities.recruit`): True if one joined."""

    def recruit(self, node: str) -> bool: ...
