"""The border corridor: a directed multigraph of places in several countries.

This module holds the graph types (`Place`, `Link`, `Route`, `Corridor`) and `build`, which validates places
and links (naming the bad node or edge) and precomputes the candidate routes. Three sources give a
`Corridor` through `build`: the built-in default (`sim.world.builtin`), a seeded generator
(`sim.world.generated`) and a user's file (`sim.world.files`, schema in docs/corridor.md);
`sim.world.select.from_config` picks the one a run config asks for.
"""

from __future__ import annotations

import heapq
import itertools
import math
from collections.abc import Iterable
from dataclasses import dataclass, field

import networkx as nx

from sim.errors import ConfigError

NODE_KINDS = ("origin", "town", "hub", "crossing", "informal_crossing", "port", "airport", "market")
#: Formal checkpoints: queues, inspection lanes, legitimate traffic, customs.
CHECKPOINT_KINDS = frozenset({"crossing", "port", "airport"})
#: Watched by border-guard patrols rather than inspected.
INFORMAL_KINDS = frozenset({"informal_crossing"})
#: Places whose residents form a community.
LOCALITY_KINDS = frozenset({"origin", "town", "hub", "market"})
MODES = ("land", "sea", "air")
COMMODITIES = ("drugs", "people", "weapons")

# Limits on a corridor, whatever its source (docs/corridor.md, section 3). Each is far above any real
# corridor; beyond them a value is a typo or an attack, and the run would overflow, exhaust memory or hang.
#: Residents of one place in a corridor file, before `community.population_scale` (the largest
#: metropolitan areas hold about 40 million). Totals are bounded by memory (`sim.config.compose`).
MAX_POPULATION = 100_000_000
#: Legitimate vehicles a day through one checkpoint (the busiest land crossings see under 100,000).
MAX_LEGIT_TRAFFIC = 1_000_000.0
#: Inspection lanes of one checkpoint.
MAX_LANES = 1_000
#: Days of one leg of travel; a leg must take some time (a zero-day leg joins two places that are one).
MAX_LEG_DAYS = 365.0
#: Cost of one leg, millions of currency units.
MAX_LEG_COST = 1_000.0
#: Map coordinates, either way from 0.
MAX_COORDINATE = 1e6
#: Characters of a node id or country name.
MAX_NAME = 200
#: Places and links of one corridor.
MAX_PLACES = 5_000
MAX_LINKS = 100_000
#: Steps of the route search (`_quickest_forward`) for the whole corridor: about 3 s. The search is
#: exact, and on corridors with many countries and sea or air shortcuts its states grow exponentially;
#: the built-in corridor takes about 800 steps, the 12-country continental benchmark 12,000.
ROUTE_SEARCH_BUDGET = 1_000_000


@dataclass(frozen=True)
class Place:
    """A node of the corridor."""

    id: str
    kind: str
    country: str
    population: int = 0
    legit_traffic: float = 0.0
    lanes: int = 0
    commodities: tuple[str, ...] = ()
    demand: tuple[str, ...] = ()
    x: float = 0.0
    y: float = 0.0

    @property
    def is_checkpoint(self) -> bool:
        return self.kind in CHECKPOINT_KINDS

    @property
    def is_informal(self) -> bool:
        return self.kind in INFORMAL_KINDS


@dataclass(frozen=True)
class Link:
    """An edge: a leg of travel by one mode."""

    source: str
    target: str
    mode: str
    days: float
    cost: float


@dataclass(frozen=True)
class Route:
    """A path from an origin to a market; `checkpoints` are the crossings and ports it passes."""

    nodes: tuple[str, ...]
    legs: tuple[Link, ...]
    checkpoints: tuple[str, ...]
    days: float
    cost: float


@dataclass
class Corridor:
    """The validated corridor with its routes precomputed per (commodity, origin)."""

    name: str
    places: dict[str, Place]
    links: list[Link]
    graph: nx.MultiDiGraph = field(repr=False)
    routes: dict[tuple[str, str], list[Route]] = field(default_factory=dict, repr=False)

    @property
    def countries(self) -> list[str]:
        return sorted({p.country for p in self.places.values()})

    @property
    def checkpoints(self) -> list[str]:
        """Crossings, ports and airports, and informal crossings: every place where flow is counted."""
        return [p.id for p in self.places.values() if p.is_checkpoint or p.is_informal]

    def of_kind(self, *kinds: str) -> list[Place]:
        return [p for p in self.places.values() if p.kind in kinds]

    @property
    def commodities(self) -> list[str]:
        made = {c for p in self.places.values() for c in p.commodities}
        return [c for c in COMMODITIES if c in made]


# --------------------------------------------------------------------------------------------------
# Building and validating


def two_way(a: str, b: str, days: float, cost: float, mode: str = "land") -> list[Link]:
    """A leg in both directions (the same time and cost each way)."""
    return [Link(a, b, mode, days, cost), Link(b, a, mode, days, cost)]


def build(name: str, places: Iterable[Place], links: Iterable[Link], max_routes: int = 12) -> Corridor:
    """Validate places and links and precompute candidate routes. Raises ConfigError naming the element."""
    place_map: dict[str, Place] = {}
    for p in places:
        _check_place(p)
        if p.id in place_map:
            raise ConfigError(f"corridor node '{p.id}': duplicate node id")
        place_map[p.id] = p
        if len(place_map) > MAX_PLACES:
            raise ConfigError(f"corridor: more than {MAX_PLACES:,} nodes; allowed: at most {MAX_PLACES:,}")
    link_list = list(links)
    if len(link_list) > MAX_LINKS:
        raise ConfigError(f"corridor: {len(link_list):,} edges (one per direction); allowed: at most {MAX_LINKS:,}")
    graph = nx.MultiDiGraph()
    for p in place_map.values():
        graph.add_node(p.id)
    for link in link_list:
        _check_link(link, place_map)
        graph.add_edge(link.source, link.target, link=link)
    if len({p.country for p in place_map.values()}) < 2:
        raise ConfigError("corridor: needs at least two countries")
    corridor = Corridor(name=name, places=place_map, links=link_list, graph=graph)
    corridor.routes = _routes(corridor, max_routes)
    if not corridor.routes:
        raise ConfigError("corridor: no origin can reach a market that demands what it produces "
                          "(needs at least one origin -> market route)")
    return corridor


def _shown(text: str) -> str:
    return text if len(text) <= 60 else text[:57] + "..."


def _check_name(text: str, what: str, where: str) -> None:
    if len(text) > MAX_NAME or not text.isprintable():
        raise ConfigError(f"{where}: {what} '{_shown(text)}' is not allowed; allowed: up to {MAX_NAME} "
                          "printable characters")


def _check_place(p: Place) -> None:
    if not p.id:
        raise ConfigError("corridor node: empty id")
    _check_name(p.id, "id", "corridor node")
    where = f"corridor node '{p.id}'"
    if p.kind not in NODE_KINDS:
        raise ConfigError(f"{where}: unknown kind '{_shown(p.kind)}'; allowed: {', '.join(NODE_KINDS)}")
    if not p.country:
        raise ConfigError(f"{where}: missing country")
    _check_name(p.country, "country", where)
    if p.population < 0:
        raise ConfigError(f"{where}: negative population {p.population}")
    if p.kind in CHECKPOINT_KINDS and (p.lanes < 1 or not math.isfinite(p.legit_traffic) or p.legit_traffic < 0):
        raise ConfigError(f"{where}: a {p.kind} needs lanes >= 1 and legit_traffic >= 0")
    if p.lanes > MAX_LANES:
        raise ConfigError(f"{where}: lanes {p.lanes:,} is out of range; allowed: at most {MAX_LANES:,}")
    if not p.legit_traffic <= MAX_LEGIT_TRAFFIC:  # NaN fails too
        raise ConfigError(f"{where}: legit_traffic {p.legit_traffic:g} is out of range; allowed: 0 to "
                          f"{MAX_LEGIT_TRAFFIC:,.0f} vehicles a day")
    for axis, value in (("x", p.x), ("y", p.y)):
        if not abs(value) <= MAX_COORDINATE:
            raise ConfigError(f"{where}: {axis} {value:g} is out of range; allowed: a finite number within "
                              f"+-{MAX_COORDINATE:g}")
    for c in (*p.commodities, *p.demand):
        if c not in COMMODITIES:
            raise ConfigError(f"{where}: unknown commodity '{c}'; allowed: {', '.join(COMMODITIES)}")
    if p.commodities and p.kind != "origin":
        raise ConfigError(f"{where}: only an origin produces commodities (kind is '{p.kind}')")
    if p.demand and p.kind != "market":
        raise ConfigError(f"{where}: only a market has demand (kind is '{p.kind}')")
    if p.kind == "origin" and not p.commodities:
        raise ConfigError(f"{where}: an origin must list the commodities it produces")
    if p.kind == "market" and not p.demand:
        raise ConfigError(f"{where}: a market must list the commodities it demands")


def _check_link(link: Link, places: dict[str, Place]) -> None:
    where = f"corridor edge '{link.source}' -> '{link.target}'"
    for end in (link.source, link.target):
        if end not in places:
            raise ConfigError(f"{where}: unknown node '{end}'")
    if link.mode not in MODES:
        raise ConfigError(f"{where}: unknown mode '{_shown(link.mode)}'; allowed: {', '.join(MODES)}")
    if not (isinstance(link.days, int | float) and math.isfinite(link.days)) or link.days < 0:
        raise ConfigError(f"{where}: negative or invalid travel time {link.days} (days must be >= 0)")
    if not 0 < link.days <= MAX_LEG_DAYS:
        raise ConfigError(f"{where}: travel time {link.days:g} days is out of range; allowed: more than 0 and "
                          f"at most {MAX_LEG_DAYS:g}")
    if not (isinstance(link.cost, int | float) and math.isfinite(link.cost)) or link.cost < 0:
        raise ConfigError(f"{where}: negative or invalid cost {link.cost}")
    if link.cost > MAX_LEG_COST:
        raise ConfigError(f"{where}: cost {link.cost:g} is out of range; allowed: 0 to {MAX_LEG_COST:g}")


def _routes(corridor: Corridor, max_routes: int) -> dict[tuple[str, str], list[Route]]:
    """Candidate routes per (commodity, origin): the quickest path through each checkpoint, plus up to
    `max_routes` quickest simple paths to each market (see `_diverse_paths`); none re-enters a country."""
    simple = nx.DiGraph()
    for link in corridor.links:
        old = simple.get_edge_data(link.source, link.target)
        if old is None or (link.days, link.cost) < (old["link"].days, old["link"].cost):
            simple.add_edge(link.source, link.target, link=link, weight=link.days + 1e-3)
    routes: dict[tuple[str, str], list[Route]] = {}
    markets = corridor.of_kind("market")
    budget = _Budget(corridor)
    for origin in corridor.of_kind("origin"):
        for commodity in origin.commodities:
            found: list[Route] = []
            for market in markets:
                if commodity not in market.demand or origin.id not in simple or market.id not in simple:
                    continue
                if not nx.has_path(simple, origin.id, market.id):
                    continue
                for path in _diverse_paths(simple, corridor, origin.id, market.id, max_routes, budget):
                    legs = tuple(simple.edges[u, v]["link"] for u, v in itertools.pairwise(path))
                    checkpoints = tuple(
                        n for n in path if corridor.places[n].is_checkpoint or corridor.places[n].is_informal
                    )
                    found.append(Route(tuple(path), legs, checkpoints, sum(x.days for x in legs),
                                       sum(x.cost for x in legs)))
            if found:
                routes[(commodity, origin.id)] = found
    for market in markets:
        for commodity in market.demand:
            reachable = any(
                r.nodes[-1] == market.id for (c, _), rs in routes.items() if c == commodity for r in rs
            )
            if not reachable:
                raise ConfigError(
                    f"corridor node '{market.id}': market for {commodity} that no {commodity} origin can reach"
                )
    return routes


def _reenters(path: list[str], corridor: Corridor) -> bool:
    """Whether a path comes back into a country it has left (crosses a border back, or one border twice).

    Smugglers move loads towards the market: a path that leaves a country and comes back pays for two
    more border passages and gains nothing but a detour, so it is no candidate route. A crossing counts
    as part of the country it is placed in (`Place.country`).
    """
    places = corridor.places
    current = places[path[0]].country
    left: set[str] = set()
    for node in path[1:]:
        country = places[node].country
        if country != current:
            if country in left:
                return True
            left.add(current)
            current = country
    return False


#: How many quickest simple paths are examined per wanted route before the search gives up: bounds the
#: work on corridors where most quick paths double back (the quickest path through each checkpoint is
#: found exactly, by `_quickest_forward`, whatever this bound).
_CANDIDATES_PER_ROUTE = 5


#: node -> (bit of its country, its out-steps as (next node, weight, bit of that node's country)).
Steps = dict[str, tuple[int, tuple[tuple[str, float, int], ...]]]


class _Budget:
    """What is left of `ROUTE_SEARCH_BUDGET` for one corridor: a corridor that needs more is refused with
    one line instead of hanging the run (the count, and so the refusal, is the same on every machine)."""

    def __init__(self, corridor: Corridor, steps: int | None = None) -> None:
        self.corridor = corridor
        self.total = self.left = ROUTE_SEARCH_BUDGET if steps is None else steps

    def spend(self, steps: int) -> None:
        self.left -= steps
        if self.left < 0:
            c = self.corridor
            raise ConfigError(
                f"corridor: planning routes needs more than {self.total:,} search steps ({len(c.countries)} "
                f"countries, {len(c.checkpoints)} crossings, ports and airports); allowed: a smaller corridor: "
                "fewer countries, crossings per border or sea and air links")


def _country_bits(corridor: Corridor) -> dict[str, int]:
    return {c: 1 << i for i, c in enumerate(corridor.countries)}


def _steps(g: nx.DiGraph, corridor: Corridor) -> Steps:
    """The simple graph as plain tuples, each country as one bit (the forward search runs on these)."""
    bit = _country_bits(corridor)
    places = corridor.places
    return {u: (bit[places[u].country], tuple((v, d["weight"], bit[places[v].country]) for v, d in g[u].items()))
            for u in g}


def _quickest_forward(steps: Steps, source: str, target: str, avoid: frozenset[str] = frozenset(), left: int = 0,
                      budget: _Budget | None = None) -> list[str] | None:
    """The quickest simple path from source to target that re-enters no country, None if there is none.

    Dijkstra over (node, countries left behind, as bits): a country once left is closed. `avoid` are
    nodes the path may not touch; `left` the countries already left before `source` (when the path
    continues another). Partial paths to a node that have left the same countries are interchangeable,
    so the states stay few (about one per node in a chain of countries); sea and air links that skip
    countries multiply them, which is what `budget` bounds.
    """
    start = (source, left)
    best: dict[tuple[str, int], float] = {start: 0.0}
    back: dict[tuple[str, int], tuple[str, int] | None] = {start: None}
    heap: list[tuple[float, int, str, int]] = [(0.0, 0, source, left)]
    tie = itertools.count(1)
    popped = 0
    while heap:
        dist, _, node, gone = heapq.heappop(heap)
        popped += 1
        if budget is not None and popped & 1023 == 0:
            budget.spend(1024)
        if dist > best[node, gone]:
            continue
        if node == target:
            path: list[str] = []
            state: tuple[str, int] | None = (node, gone)
            while state is not None:
                path.append(state[0])
                state = back[state]
            path.reverse()
            if budget is not None:
                budget.spend(popped & 1023)
            return path
        here, out = steps[node]
        for nxt, weight, country in out:
            if country & gone or nxt in avoid:
                continue
            now = gone if country == here else gone | here
            d = dist + weight
            if d < best.get((nxt, now), math.inf):
                best[nxt, now] = d
                back[nxt, now] = (node, gone)
                heapq.heappush(heap, (d, next(tie), nxt, now))
    if budget is not None:
        budget.spend(popped & 1023)
    return None


def _diverse_paths(g: nx.DiGraph, corridor: Corridor, source: str, target: str, k: int,
                   budget: _Budget | None = None) -> list[list[str]]:
    """The quickest path through each crossing and port (so every one is a choice), then the k quickest.

    Plain k-shortest paths would be near-copies of one corridor and leave slower crossings and sea
    routes out of the traffickers' choice set, hiding displacement from the model. No path re-enters a
    country it has left (`_reenters`).
    """
    paths: list[list[str]] = []
    seen: set[tuple[str, ...]] = set()

    def keep(path: list[str]) -> None:
        if tuple(path) not in seen and len(set(path)) == len(path):
            seen.add(tuple(path))
            paths.append(path)

    places = corridor.places
    bit = _country_bits(corridor)
    steps = _steps(g, corridor)
    for node in sorted(corridor.checkpoints):
        if node in (source, target) or node not in g:
            continue
        first = _quickest_forward(steps, source, node, avoid=frozenset({target}), budget=budget)
        if first is None:
            continue
        # The second half may not touch the first, nor any country the first has already left.
        left = 0
        for n in first:
            left |= bit[places[n].country]
        left &= ~bit[places[node].country]
        second = _quickest_forward(steps, node, target, avoid=frozenset(first[:-1]), left=left, budget=budget)
        if second is not None:
            keep(first + second[1:])
    # Then the k quickest simple paths that go forward (each examined path counts towards the bound).
    forward = 0
    candidates = nx.shortest_simple_paths(g, source, target, weight="weight")
    for path in itertools.islice(candidates, k * _CANDIDATES_PER_ROUTE):
        if not _reenters(path, corridor):
            keep(path)
            forward += 1
            if forward >= k:
                break
    return paths
