"""A user's corridor file: reading GraphML or JSON node/edge lists (`load_corridor`) and writing the JSON
form back (`corridor_to_json`). Schema and rules: docs/corridor.md."""

from __future__ import annotations

import json
import math
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import networkx as nx

from sim.errors import ConfigError
from sim.world.corridor import MAX_POPULATION, Corridor, Link, Place, build

__all__ = ["MAX_FILE_BYTES", "corridor_to_json", "load_corridor"]

#: Largest corridor file read (a corridor of the largest allowed size takes a few MB).
MAX_FILE_BYTES = 64 * 2**20


def _field(rec: dict[str, Any], key: str, default: Any) -> Any:
    """A record's optional field: missing, null or "" is the default; anything else is read as given, so a
    list or an object where a number belongs is refused rather than taken for the default."""
    value = rec.get(key)
    return default if value is None or value == "" else value


def _place_from_record(rec: dict[str, Any], where: str) -> Place:
    def listish(value: Any) -> tuple[str, ...]:
        if value is None or value == "":
            return ()
        if isinstance(value, str):
            return tuple(v.strip() for v in value.split(",") if v.strip())
        if not isinstance(value, list | tuple):
            raise TypeError(f"expected a list or a comma-separated text, got {type(value).__name__}")
        return tuple(str(v) for v in value)

    if "id" not in rec:
        raise ConfigError(f"{where}: node without 'id'")
    if not isinstance(rec["id"], str | int | float):
        raise ConfigError(f"{where}: a node id must be text or a number")
    pid = str(rec["id"])
    shown = pid if len(pid) <= 60 else pid[:57] + "..."
    try:
        place = Place(
            id=pid,
            kind=str(rec.get("kind", "")),
            country=str(rec.get("country", "") or ""),
            population=int(_field(rec, "population", 0)),
            legit_traffic=float(_field(rec, "legit_traffic", 0.0)),
            lanes=int(_field(rec, "lanes", 0)),
            commodities=listish(rec.get("commodities")),
            demand=listish(rec.get("demand")),
            x=float(_field(rec, "x", 0.0)),
            y=float(_field(rec, "y", 0.0)),
        )
    except (TypeError, ValueError, OverflowError) as exc:
        raise ConfigError(f"corridor node '{shown}': bad value ({exc})") from None
    if place.population > MAX_POPULATION:
        raise ConfigError(f"corridor node '{shown}': population {place.population:,} is out of range; allowed: 0 "
                          f"to {MAX_POPULATION:,}")
    return place


def _link_from_record(rec: dict[str, Any]) -> Link:
    src, dst = str(rec.get("source", "")), str(rec.get("target", ""))
    try:
        return Link(src, dst, str(rec.get("mode", "land")), float(rec.get("days", math.nan)),
                    float(_field(rec, "cost", 0.0)))
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


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A JSON object, refused (ValueError, one line) if it names a key twice: a parser keeps the last value
    silently, so a corridor file with `"population": 5000, ..., "population": 50` would mean what nobody read."""
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise ValueError(f"the key {json.dumps(key)[:60]} appears twice in one object")
        out[key] = value
    return out


def _first_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__


def _graphml_node_ids(path: Path, where: str) -> None:
    """Refuse a GraphML file that declares a node id twice: networkx would merge the two silently."""
    seen: set[str] = set()
    try:
        for _, element in ET.iterparse(path, events=("end",)):
            if element.tag.rpartition("}")[2] == "node":
                nid = element.get("id")
                if nid is not None:
                    if nid in seen:
                        raise ConfigError(f"corridor node '{nid}': duplicate node id")
                    seen.add(nid)
                element.clear()  # keep memory flat on large files
    except ET.ParseError as exc:
        raise ConfigError(f"{where}: not valid GraphML ({_first_line(exc)})") from None


def load_corridor(path: str | Path, population_scale: float = 1.0, max_routes: int = 12) -> Corridor:
    """Read a corridor from GraphML (`.graphml`) or JSON (`{"nodes": [...], "edges": [...]}`)."""
    path = Path(path)
    where = f"corridor.file '{path}'"
    if not path.is_file():
        raise ConfigError(f"{where}: no such file")
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise ConfigError(f"{where}: {size:,} bytes; allowed: at most {MAX_FILE_BYTES:,}")
    suffix = path.suffix.lower()
    if suffix == ".graphml":
        _graphml_node_ids(path, where)
        try:
            g = nx.read_graphml(path)
        except RecursionError:
            raise ConfigError(f"{where}: not valid GraphML (nested too deeply)") from None
        except Exception as exc:
            raise ConfigError(f"{where}: not valid GraphML ({_first_line(exc)})") from None
        node_recs = [{"id": n, **d} for n, d in g.nodes(data=True)]
        edge_recs = [{"source": u, "target": v, **d} for u, v, d in g.edges(data=True)]
        undirected = not g.is_directed()
    elif suffix == ".json":
        try:
            data = json.loads(path.read_text(), object_pairs_hook=_no_duplicate_keys)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{where}: not valid JSON ({exc})") from None
        except RecursionError:
            raise ConfigError(f"{where}: not valid JSON (nested too deeply)") from None
        except ValueError as exc:  # a number of more digits than Python reads (4,300)
            raise ConfigError(f"{where}: not valid JSON ({_first_line(exc)})") from None
        if not isinstance(data, dict) or not isinstance(data.get("nodes"), list) or not isinstance(
            data.get("edges"), list
        ):
            raise ConfigError(f"{where}: JSON must be an object with 'nodes' and 'edges' lists")
        node_recs, edge_recs = data["nodes"], data["edges"]
        undirected = not _flag(data.get("directed", False), f"{where}: 'directed'")
    else:
        raise ConfigError(f"{where}: unknown format '{suffix}'; allowed: .graphml, .json")
    try:
        return _build_from_records(path.stem, node_recs, edge_recs, undirected, where, population_scale, max_routes)
    except RecursionError:  # a field nested hundreds of levels deep
        raise ConfigError(f"{where}: a field is nested too deeply") from None


def _build_from_records(name: str, node_recs: list[Any], edge_recs: list[Any], undirected: bool, where: str,
                        population_scale: float, max_routes: int) -> Corridor:
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
    return build(name, places, links, max_routes)


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
