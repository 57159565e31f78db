"""The border corridor: a directed multigraph of places in several countries.

Three sources give the same `Corridor`: the built-in default, a seeded generator, and a user's file
(GraphML or JSON node/edge lists, schema in docs/corridor.md). `validate` names the bad node or edge.
"""

from __future__ import annotations

import functools
import itertools
import json
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np

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


def build(name: str, places: Iterable[Place], links: Iterable[Link], max_routes: int = 12) -> Corridor:
    """Validate places and links and precompute candidate routes. Raises ConfigError naming the element."""
    place_map: dict[str, Place] = {}
    for p in places:
        _check_place(p)
        if p.id in place_map:
            raise ConfigError(f"corridor node '{p.id}': duplicate node id")
        place_map[p.id] = p
    link_list = list(links)
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


def _check_place(p: Place) -> None:
    where = f"corridor node '{p.id}'"
    if not p.id:
        raise ConfigError("corridor node: empty id")
    if p.kind not in NODE_KINDS:
        raise ConfigError(f"{where}: unknown kind '{p.kind}'; allowed: {', '.join(NODE_KINDS)}")
    if not p.country:
        raise ConfigError(f"{where}: missing country")
    if p.population < 0:
        raise ConfigError(f"{where}: negative population {p.population}")
    if p.kind in CHECKPOINT_KINDS and (p.lanes < 1 or not math.isfinite(p.legit_traffic) or p.legit_traffic < 0):
        raise ConfigError(f"{where}: a {p.kind} needs lanes >= 1 and legit_traffic >= 0")
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
        raise ConfigError(f"{where}: unknown mode '{link.mode}'; allowed: {', '.join(MODES)}")
    if not (isinstance(link.days, int | float) and math.isfinite(link.days)) or link.days < 0:
        raise ConfigError(f"{where}: negative or invalid travel time {link.days} (days must be >= 0)")
    if not math.isfinite(link.cost) or link.cost < 0:
        raise ConfigError(f"{where}: negative or invalid cost {link.cost}")


def _routes(corridor: Corridor, max_routes: int) -> dict[tuple[str, str], list[Route]]:
    """Candidate routes per (commodity, origin): the quickest path through each checkpoint, plus up to
    `max_routes` quickest simple paths to each market (see `_diverse_paths`)."""
    simple = nx.DiGraph()
    for link in corridor.links:
        old = simple.get_edge_data(link.source, link.target)
        if old is None or (link.days, link.cost) < (old["link"].days, old["link"].cost):
            simple.add_edge(link.source, link.target, link=link, weight=link.days + 1e-3)
    routes: dict[tuple[str, str], list[Route]] = {}
    markets = corridor.of_kind("market")
    for origin in corridor.of_kind("origin"):
        for commodity in origin.commodities:
            found: list[Route] = []
            for market in markets:
                if commodity not in market.demand or origin.id not in simple or market.id not in simple:
                    continue
                if not nx.has_path(simple, origin.id, market.id):
                    continue
                for path in _diverse_paths(simple, corridor, origin.id, market.id, max_routes):
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


def _diverse_paths(g: nx.DiGraph, corridor: Corridor, source: str, target: str, k: int) -> list[list[str]]:
    """The quickest path through each crossing and port (so every one is a choice), then the k quickest.

    Plain k-shortest paths would be near-copies of one corridor and leave slower crossings and sea
    routes out of the traffickers' choice set, hiding displacement from the model.
    """
    paths: list[list[str]] = []
    seen: set[tuple[str, ...]] = set()

    def keep(path: list[str]) -> None:
        if tuple(path) not in seen and len(set(path)) == len(path):
            seen.add(tuple(path))
            paths.append(path)

    for node in sorted(corridor.checkpoints):
        if node in (source, target) or node not in g:
            continue
        try:
            first = nx.shortest_path(g.subgraph(set(g) - {target}), source, node, weight="weight")
            rest = g.subgraph(set(g) - set(first[:-1]))
            second = nx.shortest_path(rest, node, target, weight="weight")
        except (nx.NetworkXNoPath, nx.NodeNotFound):
            continue
        keep(first + second[1:])
    for i, path in enumerate(nx.shortest_simple_paths(g, source, target, weight="weight")):
        if i >= k:
            break
        keep(path)
    return paths


# --------------------------------------------------------------------------------------------------
# The built-in default corridor


def _two_way(a: str, b: str, days: float, cost: float, mode: str = "land") -> list[Link]:
    return [Link(a, b, mode, days, cost), Link(b, a, mode, days, cost)]


def default_corridor(population_scale: float = 1.0, max_routes: int = 12) -> Corridor:
    """Four countries from a producing highland (Varda) to a rich market (Tessaly), weapons flowing back."""

    def pop(n: int) -> int:
        return round(n * population_scale)

    places = [
        # Varda: producer and source of migrants; a market for weapons.
        Place("varda_highlands", "origin", "Varda", pop(5000), commodities=("drugs",), x=0.0, y=2.0),
        Place("varda_valley", "origin", "Varda", pop(9000), commodities=("people",), x=0.5, y=0.5),
        Place("varda_city", "market", "Varda", pop(8000), demand=("weapons",), x=1.0, y=1.3),
        Place("vk_bridge", "crossing", "Kesh", legit_traffic=1500, lanes=5, x=2.0, y=1.5),
        Place("vk_trail", "informal_crossing", "Kesh", x=2.0, y=0.3),
        Place("vk_ford", "informal_crossing", "Kesh", x=2.0, y=-0.6),
        # Kesh: weak-governance transit country with an international airport.
        Place("kesh_town", "town", "Kesh", pop(6000), x=3.0, y=1.0),
        Place("kesh_city", "hub", "Kesh", pop(8000), x=4.0, y=2.0),
        Place("kesh_airport", "airport", "Kesh", legit_traffic=800, lanes=3, x=4.3, y=3.0),
        Place("ko_border", "crossing", "Olmar", legit_traffic=2000, lanes=6, x=5.0, y=1.7),
        Place("ko_river", "informal_crossing", "Olmar", x=5.0, y=0.4),
        Place("ko_pass", "informal_crossing", "Olmar", x=5.0, y=2.8),
        # Olmar: coastal transit country with a container port.
        Place("olmar_town", "town", "Olmar", pop(6000), x=6.0, y=1.0),
        Place("olmar_port", "port", "Olmar", legit_traffic=2500, lanes=6, x=6.3, y=-0.5),
        Place("ot_highway", "crossing", "Tessaly", legit_traffic=3000, lanes=8, x=7.0, y=1.5),
        Place("ot_desert", "informal_crossing", "Tessaly", x=7.0, y=0.2),
        Place("ot_canyon", "informal_crossing", "Tessaly", x=7.2, y=2.6),
        # Tessaly: destination market; legal gun shops feed weapons south.
        Place("tessaly_border_town", "town", "Tessaly", pop(5000), x=8.0, y=1.0),
        Place("tessaly_gunshops", "origin", "Tessaly", pop(1000), commodities=("weapons",), x=8.3, y=2.2),
        Place("tessaly_port", "port", "Tessaly", legit_traffic=2500, lanes=6, x=8.6, y=-0.6),
        Place("tessaly_airport", "airport", "Tessaly", legit_traffic=1500, lanes=5, x=9.0, y=3.0),
        Place("tessaly_capital", "market", "Tessaly", pop(10000), demand=("drugs", "people"), x=9.5, y=1.3),
    ]
    links = [
        *_two_way("varda_highlands", "varda_city", 1.0, 0.004),
        *_two_way("varda_valley", "varda_city", 1.0, 0.004),
        *_two_way("varda_city", "vk_bridge", 1.0, 0.004),
        *_two_way("varda_highlands", "vk_trail", 2.0, 0.006),
        *_two_way("varda_valley", "vk_trail", 1.5, 0.006),
        *_two_way("varda_valley", "vk_ford", 1.0, 0.005),
        *_two_way("vk_ford", "kesh_town", 1.5, 0.006),
        *_two_way("vk_bridge", "kesh_town", 0.5, 0.002),
        *_two_way("vk_trail", "kesh_town", 1.0, 0.004),
        *_two_way("kesh_town", "kesh_city", 1.0, 0.004),
        *_two_way("kesh_city", "kesh_airport", 0.2, 0.002),
        *_two_way("kesh_airport", "tessaly_airport", 0.5, 0.03, "air"),
        *_two_way("kesh_city", "ko_border", 1.0, 0.004),
        *_two_way("kesh_town", "ko_river", 1.5, 0.006),
        *_two_way("ko_border", "olmar_town", 1.0, 0.004),
        *_two_way("ko_river", "olmar_town", 1.5, 0.006),
        *_two_way("kesh_city", "ko_pass", 1.5, 0.006),
        *_two_way("ko_pass", "olmar_town", 1.5, 0.006),
        *_two_way("olmar_town", "olmar_port", 0.5, 0.002),
        *_two_way("olmar_port", "tessaly_port", 3.0, 0.01, "sea"),
        *_two_way("olmar_town", "ot_highway", 1.0, 0.004),
        *_two_way("olmar_town", "ot_desert", 2.0, 0.008),
        *_two_way("ot_highway", "tessaly_border_town", 0.5, 0.002),
        *_two_way("ot_desert", "tessaly_border_town", 1.5, 0.006),
        *_two_way("olmar_town", "ot_canyon", 2.5, 0.01),
        *_two_way("ot_canyon", "tessaly_capital", 2.0, 0.008),
        *_two_way("tessaly_border_town", "tessaly_capital", 1.0, 0.004),
        *_two_way("tessaly_gunshops", "tessaly_border_town", 0.5, 0.002),
        *_two_way("tessaly_port", "tessaly_capital", 1.0, 0.004),
        *_two_way("tessaly_airport", "tessaly_capital", 0.5, 0.003),
    ]
    return build("default", places, links, max_routes)


# --------------------------------------------------------------------------------------------------
# The seeded generator


def _generated_role(ci: int, j: int, countries: int, per_country: int) -> tuple[str, tuple, tuple]:
    """Kind, products and demand of locality j in country ci of a generated corridor."""
    first, last = ci == 0, ci == countries - 1
    if first and per_country == 1:
        return "origin", ("drugs", "people"), ()
    if last and j == 0:
        return "market", (), ("drugs", "people")
    if first and j == 0:
        return "market", (), ("weapons",)
    if first and j == 1:
        return "origin", (("drugs",) if per_country > 2 else ("drugs", "people")), ()
    if first and j == 2:
        return "origin", ("people",), ()
    if last and j == 1:
        return "origin", ("weapons",), ()
    return ("hub" if j == 0 else "town"), (), ()


def generated_corridor(
    seed: int,
    countries: int = 5,
    localities_per_country: int = 4,
    crossings_per_border: int = 2,
    residents_per_locality: int = 5000,
    population_scale: float = 1.0,
    max_routes: int = 12,
) -> Corridor:
    """A chain of countries from producers (first) to markets (last), weapons flowing back.

    Each border gets `crossings_per_border` crossings alternating formal and informal; every second
    country has a sea port linked to the next coastal one; the first and last countries have airports.
    """
    rng = np.random.default_rng(seed)
    places: list[Place] = []
    links: list[Link] = []
    names = [f"C{i + 1}" for i in range(countries)]
    locs: dict[int, list[str]] = {}
    for ci, country in enumerate(names):
        ids = []
        for j in range(localities_per_country):
            pid = f"{country.lower()}_loc{j + 1}"
            kind, commodities, demand = _generated_role(ci, j, countries, localities_per_country)
            pop = round(residents_per_locality * population_scale * rng.uniform(0.6, 1.4))
            places.append(Place(pid, kind, country, pop, commodities=commodities, demand=demand,
                                x=ci * 3.0 + rng.uniform(0, 1.5), y=j * 1.2 + rng.uniform(0, 0.5)))
            ids.append(pid)
        for a, b in itertools.pairwise(ids):
            links += _two_way(a, b, round(float(rng.uniform(0.5, 1.5)), 2), 0.004)
        if len(ids) > 2:
            links += _two_way(ids[-1], ids[0], round(float(rng.uniform(0.5, 1.5)), 2), 0.004)
        locs[ci] = ids
    for ci in range(countries - 1):
        here, there = locs[ci], locs[ci + 1]
        for k in range(crossings_per_border):
            formal = k % 2 == 0
            xid = f"x_{names[ci].lower()}_{names[ci + 1].lower()}_{k + 1}"
            places.append(Place(
                xid, "crossing" if formal else "informal_crossing", names[ci + 1],
                legit_traffic=float(rng.integers(1000, 3000)) if formal else 0.0,
                lanes=int(rng.integers(4, 8)) if formal else 0,
                x=ci * 3.0 + 2.2, y=k * 1.0,
            ))
            a = here[k % len(here)]
            b = there[k % len(there)]
            d = 0.5 if formal else 1.5
            links += _two_way(a, xid, d, 0.004 if formal else 0.008)
            links += _two_way(xid, b, d, 0.004 if formal else 0.008)
    ports = []
    for ci in range(0, countries, 2):
        pid = f"{names[ci].lower()}_port"
        places.append(Place(pid, "port", names[ci], legit_traffic=float(rng.integers(1500, 3500)),
                            lanes=int(rng.integers(4, 8)), x=ci * 3.0 + 1.0, y=-1.0))
        links += _two_way(pid, locs[ci][0], 0.5, 0.002)
        ports.append(pid)
    for a, b in itertools.pairwise(ports):
        links += _two_way(a, b, 3.0, 0.01, "sea")
    airports = []
    for ci in sorted({0, countries - 1}):
        aid = f"{names[ci].lower()}_airport"
        places.append(Place(aid, "airport", names[ci], legit_traffic=float(rng.integers(800, 2000)),
                            lanes=int(rng.integers(3, 6)), x=ci * 3.0 + 0.5, y=localities_per_country * 1.2))
        links += _two_way(aid, locs[ci][0], 0.3, 0.002)
        airports.append(aid)
    if len(airports) == 2:
        links += _two_way(airports[0], airports[1], 0.5, 0.03, "air")
    return build("generated", places, links, max_routes)


# --------------------------------------------------------------------------------------------------
# Loading a user's corridor file


def _place_from_record(rec: dict[str, Any], where: str) -> Place:
    def listish(value: Any) -> tuple[str, ...]:
        if value is None or value == "":
            return ()
        if isinstance(value, str):
            return tuple(v.strip() for v in value.split(",") if v.strip())
        return tuple(str(v) for v in value)

    if "id" not in rec:
        raise ConfigError(f"{where}: node without 'id'")
    pid = str(rec["id"])
    try:
        return Place(
            id=pid,
            kind=str(rec.get("kind", "")),
            country=str(rec.get("country", "") or ""),
            population=int(rec.get("population", 0) or 0),
            legit_traffic=float(rec.get("legit_traffic", 0) or 0),
            lanes=int(rec.get("lanes", 0) or 0),
            commodities=listish(rec.get("commodities")),
            demand=listish(rec.get("demand")),
            x=float(rec.get("x", 0) or 0),
            y=float(rec.get("y", 0) or 0),
        )
    except (TypeError, ValueError, OverflowError) as exc:
        raise ConfigError(f"corridor node '{pid}': bad value ({exc})") from None


def _link_from_record(rec: dict[str, Any]) -> Link:
    src, dst = str(rec.get("source", "")), str(rec.get("target", ""))
    try:
        return Link(src, dst, str(rec.get("mode", "land")), float(rec.get("days", math.nan)),
                    float(rec.get("cost", 0.0) or 0.0))
    except (TypeError, ValueError, OverflowError) as exc:
        raise ConfigError(f"corridor edge '{src}' -> '{dst}': bad value ({exc})") from None


def _flag(value: Any, where: str) -> bool:
    """A true/false field: real booleans, 0/1, or the words true/false (so "false" is not true)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in ("true", "false", "1", "0"):
        return value.strip().lower() in ("true", "1")
    raise ConfigError(f"{where} must be true or false, got {value!r}")


def load_corridor(path: str | Path, population_scale: float = 1.0, max_routes: int = 12) -> Corridor:
    """Read a corridor from GraphML (`.graphml`) or JSON (`{"nodes": [...], "edges": [...]}`)."""
    path = Path(path)
    where = f"corridor.file '{path}'"
    if not path.is_file():
        raise ConfigError(f"{where}: no such file")
    suffix = path.suffix.lower()
    if suffix == ".graphml":
        try:
            g = nx.read_graphml(path)
        except Exception as exc:
            raise ConfigError(f"{where}: not valid GraphML ({str(exc).splitlines()[0] if str(exc) else exc})") from None
        node_recs = [{"id": n, **d} for n, d in g.nodes(data=True)]
        edge_recs = [{"source": u, "target": v, **d} for u, v, d in g.edges(data=True)]
        undirected = not g.is_directed()
    elif suffix == ".json":
        try:
            data = json.loads(path.read_text())
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{where}: not valid JSON ({exc})") from None
        if not isinstance(data, dict) or not isinstance(data.get("nodes"), list) or not isinstance(
            data.get("edges"), list
        ):
            raise ConfigError(f"{where}: JSON must be an object with 'nodes' and 'edges' lists")
        node_recs, edge_recs = data["nodes"], data["edges"]
        undirected = not _flag(data.get("directed", False), f"{where}: 'directed'")
    else:
        raise ConfigError(f"{where}: unknown format '{suffix}'; allowed: .graphml, .json")
    places = []
    for rec in node_recs:
        if not isinstance(rec, dict):
            raise ConfigError(f"{where}: every node must be an object")
        place = _place_from_record(rec, where)
        scaled = round(place.population * population_scale)
        places.append(Place(**{**place.__dict__, "population": scaled}) if scaled != place.population else place)
    links = []
    for rec in edge_recs:
        if not isinstance(rec, dict):
            raise ConfigError(f"{where}: every edge must be an object")
        link = _link_from_record(rec)
        links.append(link)
        where_edge = f"corridor edge '{link.source}' -> '{link.target}': 'two_way'"
        if undirected or _flag(rec.get("two_way", False), where_edge):
            links.append(Link(link.target, link.source, link.mode, link.days, link.cost))
    return build(path.stem, places, links, max_routes)


def corridor_to_json(corridor: Corridor) -> dict[str, Any]:
    """The JSON node/edge-list form `load_corridor` reads (directed: every edge listed)."""
    nodes = []
    for p in corridor.places.values():
        rec: dict[str, Any] = {"id": p.id, "kind": p.kind, "country": p.country}
        if p.population:
            rec["population"] = p.population
        if p.is_checkpoint:
            rec["legit_traffic"], rec["lanes"] = p.legit_traffic, p.lanes
        if p.commodities:
            rec["commodities"] = list(p.commodities)
        if p.demand:
            rec["demand"] = list(p.demand)
        rec["x"], rec["y"] = p.x, p.y
        nodes.append(rec)
    edges = [{"source": x.source, "target": x.target, "mode": x.mode, "days": x.days, "cost": x.cost}
             for x in corridor.links]
    return {"directed": True, "nodes": nodes, "edges": edges}


def from_config(cfg: Any) -> Corridor:
    """The corridor a run config asks for (`corridor.file` wins over `corridor.name`).

    Corridors are read-only once built, so one per distinct request is kept for the process.
    """
    c = cfg.corridor
    scale = float(cfg.community.population_scale)
    max_routes = int(cfg.network.max_routes)
    if c.file:
        path = Path(c.file).resolve()
        stamp = path.stat().st_mtime_ns if path.is_file() else 0
        return _cached("file", str(path), stamp, scale, max_routes)
    if c.name == "generated":
        return _cached("generated", int(c.seed), int(c.countries), int(c.localities_per_country),
                       int(c.crossings_per_border), int(c.residents_per_locality), scale, max_routes)
    return _cached("default", scale, max_routes)


@functools.lru_cache(maxsize=16)
def _cached(kind: str, *args: Any) -> Corridor:
    if kind == "file":
        path, _stamp, scale, max_routes = args
        return load_corridor(path, scale, max_routes)
    if kind == "generated":
        return generated_corridor(*args)
    return default_corridor(*args)
