"""A user's corridor file: reading GraphML or JSON node/edge lists (`load_corridor`) and writing the JSON
form back (`corridor_to_json`). Schema and rules: docs/corridor.md."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import networkx as nx

from sim.errors import ConfigError
from sim.world.corridor import Corridor, Link, Place, build

__all__ = ["corridor_to_json", "load_corridor"]


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
