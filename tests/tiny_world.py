"""A tiny hand-made world and stand-ins for the mechanisms' protocols, for the mechanism unit tests.

The corridor (two countries, A and B):

    home (origin, A) --1d--> gate (crossing, A, 2 lanes) --1d--> town (B) --0.5d--> mkt (market, B)
    home             --2d--> trail1 (informal, A)        --1d--> town
    home             --2d--> trail2 (informal, A)        --1d--> town

Every leg runs both ways. `trail1` and `trail2` are the two trails of country A (for patrol re-deployment).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sim.config.schema import SimConfig
from sim.core.agents.organisation import Organisation
from sim.core.context import Standalone
from sim.world.corridor import Corridor, Place, Route, build, two_way

#: Days of each leg, for hand computations.
HOME_GATE, GATE_TOWN, TOWN_MKT, HOME_TRAIL, TRAIL_TOWN = 1.0, 1.0, 0.5, 2.0, 1.0


def corridor(gate_traffic: float = 0.0, lanes: int = 2,
             populations: tuple[int, int, int] = (500, 300, 200)) -> Corridor:
    """The tiny corridor; `gate_traffic` legitimate vehicles a day at the gate (0: only shipments queue)."""
    home, town, mkt = populations
    places = [
        Place("home", "origin", "A", population=home, commodities=("drugs", "people")),
        Place("gate", "crossing", "A", legit_traffic=gate_traffic, lanes=lanes),
        Place("trail1", "informal_crossing", "A"),
        Place("trail2", "informal_crossing", "A"),
        Place("town", "town", "B", population=town),
        Place("mkt", "market", "B", population=mkt, demand=("drugs", "people")),
    ]
    links = [
        *two_way("home", "gate", HOME_GATE, 0.01),
        *two_way("gate", "town", GATE_TOWN, 0.01),
        *two_way("town", "mkt", TOWN_MKT, 0.01),
        *two_way("home", "trail1", HOME_TRAIL, 0.005),
        *two_way("trail1", "town", TRAIL_TOWN, 0.005),
        *two_way("home", "trail2", HOME_TRAIL, 0.005),
        *two_way("trail2", "town", TRAIL_TOWN, 0.005),
    ]
    return build("tiny", places, links)


def route_via(world: Corridor, node: str, commodity: str = "drugs") -> Route:
    """The candidate route from home to the market through `node`."""
    routes = [r for r in world.routes[(commodity, "home")] if node in r.nodes]
    assert routes, f"no route through {node}"
    return min(routes, key=lambda r: len(r.nodes))


def standalone(seed: int = 0, **sections: dict[str, Any]) -> Standalone:
    """A Standalone sim whose parameters are the defaults with `sections` changed, e.g.
    `standalone(policy={"oversight": 0.9}, officers={"audit_rate": 0.2})`."""
    params = SimConfig()
    for section, values in sections.items():
        part = getattr(params, section)
        for key, value in values.items():
            assert hasattr(part, key), f"{section}.{key} is not a parameter"
            setattr(part, key, value)
    return Standalone(params, seed=seed)


def organisation(sim: Standalone, world: Corridor, index: int = 0, via: str | None = None,
                 commodities: tuple[str, ...] = ("drugs",), cash: float | None = None) -> Organisation:
    """A real organisation at `home` whose cells all live at home (country A); it can use every candidate
    route of its commodities, or only the one through `via`."""
    routes_for = {k: [route_via(world, via, k)] if via else list(world.routes[(k, "home")]) for k in commodities}
    prior = dict.fromkeys(world.checkpoints, sim.params.network.risk_prior)
    org = Organisation(sim, index, commodities, "home", "A", routes_for, [("home", "A")], prior)
    if cash is not None:
        org.cash = cash
    return org


# ------------------------------------------------------------------------------------------------ stand-ins


@dataclass
class FakeLeads:
    """Records every lead offered (`Leads.open`)."""

    calls: list[tuple[Any, str, str, bool]] = field(default_factory=list)

    def open(self, target: Any, source: str, country: str, victim_case: bool = False) -> None:
        self.calls.append((target, source, country, victim_case))


@dataclass
class FakeArrests:
    """Records every arrest (`Arrests.arrest`)."""

    calls: list[dict[str, Any]] = field(default_factory=list)

    def arrest(self, person: Any, source: str, country: str, evidence: float, cross_border: bool,
               victim_case: bool = False) -> None:
        self.calls.append({"person": person, "source": source, "country": country, "evidence": evidence,
                           "cross_border": cross_border, "victim_case": victim_case})


@dataclass
class FakeResidents:
    """Records what residents are told to notice (`Residents.observe`)."""

    seen: list[tuple[str, str, float]] = field(default_factory=list)

    def observe(self, country: str, what: str, amount: float = 1.0) -> None:
        self.seen.append((country, what, amount))


@dataclass
class FakeHiring:
    """Hands out `facilitator` (or None) for every request, and records the requests (`Hiring.hire`)."""

    facilitator: Any = None
    calls: list[tuple[Any, str, str]] = field(default_factory=list)

    def hire(self, org: Any, kind: str, country: str) -> Any:
        self.calls.append((org, kind, country))
        if self.facilitator is not None:
            self.facilitator.hire(org.unique_id)
        return self.facilitator


@dataclass
class FakeOrg:
    """The parts of an organisation that corruption and finance read: id, country, cash, dirty money,
    contacts, active members and a leader."""

    unique_id: int = 9001
    country: str = "A"
    cash: float = 1.0
    dirty: float = 0.0
    contacts: dict[str, list[Any]] = field(default_factory=dict)
    members: list[Any] = field(default_factory=list)
    checkpoints_on_routes: list[str] = field(default_factory=list)

    @property
    def active_members(self) -> list[Any]:
        return [m for m in self.members if m.active]

    def leader(self) -> Any:
        return next((m for m in self.active_members if m.role.value == "leader"), None)
