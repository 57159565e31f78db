"""The corridor: the built-in default, the seeded generator, the file loader and its validation.

Schema and rules: docs/corridor.md. Every bad corridor must give a one-line `ConfigError` naming the
node or edge, and on the command line one `error: ...` line on stderr with exit code 2.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path
from typing import Any

import networkx as nx
import pytest

from sim import run_scenario
from sim.config import ConfigError, compose
from sim.world.builtin import default_corridor
from sim.world.corridor import COMMODITIES, MODES, NODE_KINDS, Corridor
from sim.world.files import corridor_to_json, load_corridor
from sim.world.generated import generated_corridor
from sim.world.select import from_config

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = REPO / "docs" / "examples"
EXAMPLE_JSON = EXAMPLES / "corridor.json"
EXAMPLE_GRAPHML = EXAMPLES / "corridor.graphml"
EXAMPLE_FILES = pytest.mark.parametrize("path", [EXAMPLE_JSON, EXAMPLE_GRAPHML], ids=["json", "graphml"])
LOCALITIES = ("origin", "town", "hub", "market")


# --------------------------------------------------------------------------------------------------
# Helpers


def minimal() -> dict[str, Any]:
    """The smallest valid corridor as JSON: drugs from A over one formal crossing to a market in B."""
    return {
        "directed": True,
        "nodes": [
            {"id": "o", "kind": "origin", "country": "A", "population": 100, "commodities": ["drugs"]},
            {"id": "x", "kind": "crossing", "country": "B", "legit_traffic": 10, "lanes": 1},
            {"id": "m", "kind": "market", "country": "B", "population": 100, "demand": ["drugs"]},
        ],
        "edges": [
            {"source": "o", "target": "x", "mode": "land", "days": 1.0, "cost": 0.01},
            {"source": "x", "target": "m", "mode": "land", "days": 1.0, "cost": 0.01},
        ],
    }


def node(data: dict[str, Any], node_id: str) -> dict[str, Any]:
    return next(n for n in data["nodes"] if n["id"] == node_id)


def write_json(tmp_path: Path, data: Any, name: str = "corridor.json") -> Path:
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else json.dumps(data))
    return path


def assert_routes_sound(c: Corridor) -> None:
    """Every route runs from an origin of its commodity to a market wanting it, along real links."""
    for (commodity, origin), routes in c.routes.items():
        assert routes, (commodity, origin)
        for r in routes:
            assert r.nodes[0] == origin
            assert commodity in c.places[origin].commodities
            assert commodity in c.places[r.nodes[-1]].demand
            assert len(set(r.nodes)) == len(r.nodes), "routes are simple paths"
            assert [(leg.source, leg.target) for leg in r.legs] == list(zip(r.nodes, r.nodes[1:], strict=False))
            assert all(c.graph.has_edge(leg.source, leg.target) for leg in r.legs)
            assert r.days == pytest.approx(sum(leg.days for leg in r.legs))
            assert r.checkpoints == tuple(n for n in r.nodes if n in c.checkpoints)


def assert_every_market_reachable(c: Corridor) -> None:
    for market in c.of_kind("market"):
        for commodity in market.demand:
            ends = {r.nodes[-1] for (com, _), rs in c.routes.items() if com == commodity for r in rs}
            assert market.id in ends, f"{market.id} gets no {commodity}"
            origins = [o.id for o in c.of_kind("origin") if commodity in o.commodities]
            assert any(nx.has_path(c.graph, o, market.id) for o in origins)


def assert_borders_only_at_checkpoints(c: Corridor) -> None:
    """An edge between two countries has a crossing, informal crossing, port or airport at one end."""
    for link in c.links:
        a, b = c.places[link.source], c.places[link.target]
        if a.country != b.country:
            assert link.source in c.checkpoints or link.target in c.checkpoints, link


def corridors() -> dict[str, Corridor]:
    return {
        "default": default_corridor(),
        "generated": generated_corridor(seed=0),
        "example_json": load_corridor(EXAMPLE_JSON),
        "example_graphml": load_corridor(EXAMPLE_GRAPHML),
    }


ALL_CORRIDORS = pytest.mark.parametrize("which", ["default", "generated", "example_json", "example_graphml"])


# --------------------------------------------------------------------------------------------------
# The built-in default corridor


def test_default_corridor_has_every_ingredient_of_the_design() -> None:
    c = default_corridor()
    kinds = {p.kind for p in c.places.values()}
    assert len(c.countries) >= 3
    assert {link.mode for link in c.links} == set(MODES)
    assert {"crossing", "informal_crossing", "port", "airport", "origin", "market"} <= kinds
    assert len(c.of_kind("port")) >= 2, "a sea route needs a port at each end"
    assert len(c.of_kind("airport")) >= 2, "an air route needs an airport at each end"
    assert c.commodities == list(COMMODITIES)
    localities = c.of_kind(*LOCALITIES)
    assert localities
    assert all(p.population > 0 for p in localities), "every locality has residents"
    assert all(p.lanes >= 1 for p in c.of_kind("crossing", "port", "airport"))


def test_default_corridor_population_scale() -> None:
    full, half = default_corridor(), default_corridor(population_scale=0.5)
    for pid, place in full.places.items():
        assert half.places[pid].population == round(place.population * 0.5)


@ALL_CORRIDORS
def test_every_market_is_reachable_and_routes_are_sound(which: str) -> None:
    c = corridors()[which]
    assert_every_market_reachable(c)
    assert_routes_sound(c)
    assert_borders_only_at_checkpoints(c)


@pytest.mark.parametrize(
    "which",
    [
        "default",
        "generated",
        "example_json",
        "example_graphml",
    ],
)
def test_routes_offer_every_crossing_as_a_choice(which: str) -> None:
    """`_diverse_paths` promises the quickest path through each checkpoint, so slow crossings stay in play.

    In these corridors every checkpoint lies on some simple path from each origin to a market that
    wants its commodity, so every (commodity, origin) should have a route through every checkpoint.
    """
    c = corridors()[which]
    for key, routes in c.routes.items():
        assert len({r.nodes for r in routes}) == len(routes), "no duplicate routes"
        used = {n for r in routes for n in r.checkpoints}
        missing = sorted(set(c.checkpoints) - used)
        assert not missing, f"{key}: no route through {missing}"


def countries_entered(c: Corridor, nodes: tuple[str, ...]) -> list[str]:
    """The countries a path passes, each time it enters one (a crossing counts as its own country)."""
    seq = [c.places[nodes[0]].country]
    for n in nodes[1:]:
        if c.places[n].country != seq[-1]:
            seq.append(c.places[n].country)
    return seq


NO_REENTRY_CORRIDORS = {
    "default": default_corridor,
    "example_json": lambda: load_corridor(EXAMPLE_JSON),
    "example_graphml": lambda: load_corridor(EXAMPLE_GRAPHML),
    **{f"generated_seed{s}": (lambda s=s: generated_corridor(seed=s)) for s in range(5)},
    "generated_2x1": lambda: generated_corridor(seed=11, countries=2, localities_per_country=1),
    "generated_6x4x4": lambda: generated_corridor(seed=12, countries=6, localities_per_country=4,
                                                  crossings_per_border=4),
    "generated_8x6x3": lambda: generated_corridor(seed=13, countries=8, localities_per_country=6,
                                                  crossings_per_border=3),
}


@pytest.mark.parametrize("which", sorted(NO_REENTRY_CORRIDORS))
def test_no_route_reenters_a_country_it_has_left(which: str) -> None:
    """A route that crosses a border and comes back is a detour through two more checks; none is offered.

    Before the fix, 6 of the 46 routes of the default corridor (and 5-7 of every generated one) went
    back, e.g. highlands -> vk_trail (Kesh) -> valley (Varda) -> vk_ford (Kesh).
    """
    c = NO_REENTRY_CORRIDORS[which]()
    for key, routes in c.routes.items():
        assert routes, key
        for r in routes:
            seq = countries_entered(c, r.nodes)
            assert len(seq) == len(set(seq)), f"{key}: {' > '.join(r.nodes)} goes {' > '.join(seq)}"
    assert_every_market_reachable(c)


def doubling_back(direct_days: float) -> Corridor:
    """A from A crosses into B at `x1`; a quick B road returns to A through `x2` to a second town that has
    the only road to the market crossing `xm` (into C); the direct A road from `o` to `a2` takes
    `direct_days` (None: no direct road)."""
    from sim.world.corridor import Place, build, two_way

    places = [
        Place("o", "origin", "A", 100, commodities=("drugs",)),
        Place("a2", "town", "A", 100),
        Place("x1", "crossing", "B", legit_traffic=10, lanes=1),
        Place("b", "town", "B", 100),
        Place("x2", "informal_crossing", "A"),
        Place("xm", "crossing", "C", legit_traffic=10, lanes=1),
        Place("m", "market", "C", 100, demand=("drugs",)),
    ]
    links = [*two_way("o", "x1", 0.1, 0.0), *two_way("x1", "b", 0.1, 0.0), *two_way("b", "x2", 0.1, 0.0),
             *two_way("x2", "a2", 0.1, 0.0), *two_way("a2", "xm", 1.0, 0.0), *two_way("xm", "m", 1.0, 0.0)]
    if direct_days:
        links += two_way("o", "a2", direct_days, 0.0)
    return build("doubling_back", places, links)


def test_a_slower_forward_path_is_taken_instead_of_a_quick_detour_abroad() -> None:
    c = doubling_back(direct_days=5.0)
    (route,) = c.routes[("drugs", "o")]
    assert route.nodes == ("o", "a2", "xm", "m")


def test_a_market_reachable_only_by_going_back_is_refused() -> None:
    with pytest.raises(ConfigError, match="'m': market for drugs that no drugs origin can reach"):
        doubling_back(direct_days=0.0)


# --------------------------------------------------------------------------------------------------
# The seeded generator


def test_generator_is_deterministic_for_a_seed() -> None:
    assert corridor_to_json(generated_corridor(seed=7)) == corridor_to_json(generated_corridor(seed=7))


def test_generator_differs_across_seeds() -> None:
    assert corridor_to_json(generated_corridor(seed=1)) != corridor_to_json(generated_corridor(seed=2))


@pytest.mark.parametrize(
    ("countries", "localities", "crossings", "residents"),
    [(2, 1, 1, 1000), (3, 2, 3, 500), (4, 3, 2, 5000), (6, 4, 4, 200)],
)
def test_generator_respects_its_size_parameters(countries: int, localities: int, crossings: int,
                                                residents: int) -> None:
    c = generated_corridor(seed=3, countries=countries, localities_per_country=localities,
                           crossings_per_border=crossings, residents_per_locality=residents)
    assert len(c.countries) == countries
    for country in c.countries:
        here = [p for p in c.of_kind(*LOCALITIES) if p.country == country]
        assert len(here) == localities, country
        for p in here:
            assert round(0.6 * residents) <= p.population <= round(1.4 * residents), p
    border = c.of_kind("crossing", "informal_crossing")
    assert len(border) == (countries - 1) * crossings
    assert len(c.of_kind("crossing")) == (countries - 1) * math.ceil(crossings / 2), "alternating formal first"
    assert len(c.of_kind("port")) == math.ceil(countries / 2)
    assert len(c.of_kind("airport")) == 2
    modes = {link.mode for link in c.links}
    assert modes == ({"land", "sea", "air"} if countries >= 3 else {"land", "air"})
    assert_every_market_reachable(c)
    assert_borders_only_at_checkpoints(c)


# --------------------------------------------------------------------------------------------------
# The example files and the loader


@EXAMPLE_FILES
def test_example_file_is_a_complete_three_country_corridor(path: Path) -> None:
    c = load_corridor(path)
    assert c.name == "corridor"
    assert len(c.countries) == 3
    assert {p.kind for p in c.places.values()} == set(NODE_KINDS)
    assert {link.mode for link in c.links} == set(MODES)
    assert c.commodities == list(COMMODITIES)
    assert all(p.population > 0 for p in c.of_kind(*LOCALITIES))


def test_json_and_graphml_examples_describe_the_same_corridor() -> None:
    a, b = load_corridor(EXAMPLE_JSON), load_corridor(EXAMPLE_GRAPHML)
    assert a.places == b.places
    assert set(a.links) == set(b.links)
    assert len(a.links) == len(b.links)


@EXAMPLE_FILES
def test_example_file_gives_a_working_run(path: Path) -> None:
    summary = run_scenario([f"corridor.file={path}", "days=30"], seed=1).summary
    assert summary["shipments_attempted"] > 0
    assert summary["shipments_delivered"] + summary["shipments_seized"] > 0


def test_corridor_file_wins_over_corridor_name() -> None:
    cfg = compose(["corridor=generated", f"corridor.file={EXAMPLE_JSON}"])
    assert from_config(cfg).name == "corridor"


@pytest.mark.parametrize("which", ["default", "generated", "example_graphml"])
def test_corridor_to_json_round_trips_through_load_corridor(which: str, tmp_path: Path) -> None:
    c = corridors()[which]
    data = corridor_to_json(c)
    assert data["directed"] is True
    back = load_corridor(write_json(tmp_path, data))
    assert back.places == c.places
    assert back.links == c.links
    assert back.routes == c.routes


def test_load_corridor_scales_population(tmp_path: Path) -> None:
    c = load_corridor(EXAMPLE_JSON, population_scale=0.5)
    assert c.places["corin_capital"].population == 4500
    assert c.places["ab_bridge"].population == 0


def test_json_edges_are_two_way_unless_directed(tmp_path: Path) -> None:
    data = minimal()
    directed = load_corridor(write_json(tmp_path, data, "directed.json"))
    assert [(x.source, x.target) for x in directed.links] == [("o", "x"), ("x", "m")]
    data["edges"][0]["two_way"] = True
    one_two_way = load_corridor(write_json(tmp_path, data, "two_way.json"))
    assert [(x.source, x.target) for x in one_two_way.links] == [("o", "x"), ("x", "o"), ("x", "m")]
    del data["directed"]
    undirected = load_corridor(write_json(tmp_path, data, "undirected.json"))
    assert len(undirected.links) == 4


def test_commodities_may_be_a_comma_separated_string(tmp_path: Path) -> None:
    data = minimal()
    node(data, "o")["commodities"] = "drugs, people"
    node(data, "m")["demand"] = "drugs,people"
    c = load_corridor(write_json(tmp_path, data))
    assert c.places["o"].commodities == ("drugs", "people")
    assert c.places["m"].demand == ("drugs", "people")


GRAPHML_DIRECTED = """<?xml version="1.0" encoding="UTF-8"?>
<graphml xmlns="http://graphml.graphdrawing.org/xmlns">
  <key id="kind" for="node" attr.name="kind" attr.type="string"/>
  <key id="country" for="node" attr.name="country" attr.type="string"/>
  <key id="population" for="node" attr.name="population" attr.type="int"/>
  <key id="legit_traffic" for="node" attr.name="legit_traffic" attr.type="double"/>
  <key id="lanes" for="node" attr.name="lanes" attr.type="int"/>
  <key id="commodities" for="node" attr.name="commodities" attr.type="string"/>
  <key id="demand" for="node" attr.name="demand" attr.type="string"/>
  <key id="mode" for="edge" attr.name="mode" attr.type="string"/>
  <key id="days" for="edge" attr.name="days" attr.type="double"/>
  <key id="two_way" for="edge" attr.name="two_way" attr.type="boolean"/>
  <graph edgedefault="directed">
    <node id="o"><data key="kind">origin</data><data key="country">A</data>
      <data key="population">100</data><data key="commodities">drugs</data></node>
    <node id="x"><data key="kind">crossing</data><data key="country">B</data>
      <data key="legit_traffic">10</data><data key="lanes">1</data></node>
    <node id="m"><data key="kind">market</data><data key="country">B</data>
      <data key="population">100</data><data key="demand">drugs</data></node>
    <edge source="o" target="x"><data key="mode">land</data><data key="days">1</data>
      <data key="two_way">true</data></edge>
    <edge source="x" target="m"><data key="mode">land</data><data key="days">1</data></edge>
  </graph>
</graphml>
"""


def test_directed_graphml_honours_two_way(tmp_path: Path) -> None:
    path = tmp_path / "directed.graphml"
    path.write_text(GRAPHML_DIRECTED)
    c = load_corridor(path)
    assert sorted((x.source, x.target) for x in c.links) == [("o", "x"), ("x", "m"), ("x", "o")]
    assert all(x.cost == 0.0 for x in c.links), "cost defaults to 0"
    undirected = tmp_path / "undirected.graphml"
    undirected.write_text(GRAPHML_DIRECTED.replace('edgedefault="directed"', 'edgedefault="undirected"'))
    assert len(load_corridor(undirected).links) == 4


# --------------------------------------------------------------------------------------------------
# Validation: one line naming the element and the problem


def _set(node_id: str, **fields: Any):
    def change(data: dict[str, Any]) -> None:
        node(data, node_id).update(fields)
    return change


def _drop(node_id: str, key: str):
    def change(data: dict[str, Any]) -> None:
        del node(data, node_id)[key]
    return change


def _edge(index: int, **fields: Any):
    def change(data: dict[str, Any]) -> None:
        data["edges"][index].update(fields)
    return change


def _add_node(**fields: Any):
    def change(data: dict[str, Any]) -> None:
        data["nodes"].append(fields)
    return change


def _all_in(country: str):
    def change(data: dict[str, Any]) -> None:
        for n in data["nodes"]:
            n["country"] = country
    return change


BAD_CORRIDORS = [
    pytest.param(_set("o", kind="castle"),
                 "corridor node 'o': unknown kind 'castle'; allowed: origin, town, hub, crossing, "
                 "informal_crossing, port, airport, market", id="unknown-kind"),
    pytest.param(_drop("x", "country"), "corridor node 'x': missing country", id="missing-country"),
    pytest.param(_add_node(id="m2", kind="market", country="B", population=10, demand=["drugs"]),
                 "corridor node 'm2': market for drugs that no drugs origin can reach", id="unreachable-market"),
    pytest.param(_set("m", demand=["weapons"]),
                 "corridor node 'm': market for weapons that no weapons origin can reach", id="no-origin-at-all"),
    pytest.param(_edge(0, days=-1),
                 "corridor edge 'o' -> 'x': negative or invalid travel time -1.0 (days must be >= 0)",
                 id="negative-days"),
    pytest.param(_edge(1, target="ghost"), "corridor edge 'x' -> 'ghost': unknown node 'ghost'",
                 id="edge-to-unknown-node"),
    pytest.param(_edge(0, mode="rail"), "corridor edge 'o' -> 'x': unknown mode 'rail'; allowed: land, sea, air",
                 id="unknown-mode"),
    pytest.param(_edge(0, days="soon"), "corridor edge 'o' -> 'x': bad value (could not convert string to float: "
                 "'soon')", id="days-not-a-number"),
    pytest.param(lambda d: d["edges"][0].pop("days"),
                 "corridor edge 'o' -> 'x': negative or invalid travel time nan (days must be >= 0)",
                 id="missing-days"),
    pytest.param(_edge(0, cost=-0.5), "corridor edge 'o' -> 'x': negative or invalid cost -0.5", id="negative-cost"),
    pytest.param(_set("o", population=-5), "corridor node 'o': negative population -5", id="negative-population"),
    pytest.param(_set("o", population="many"),
                 "corridor node 'o': bad value (invalid literal for int() with base 10: 'many')", id="bad-population"),
    pytest.param(_set("x", lanes=0), "corridor node 'x': a crossing needs lanes >= 1 and legit_traffic >= 0",
                 id="crossing-without-lanes"),
    pytest.param(_set("o", commodities=["gold"]),
                 "corridor node 'o': unknown commodity 'gold'; allowed: drugs, people, weapons",
                 id="unknown-commodity"),
    pytest.param(_set("x", commodities=["drugs"]),
                 "corridor node 'x': only an origin produces commodities (kind is 'crossing')", id="crossing-produces"),
    pytest.param(_set("o", demand=["drugs"]), "corridor node 'o': only a market has demand (kind is 'origin')",
                 id="origin-demands"),
    pytest.param(_drop("o", "commodities"), "corridor node 'o': an origin must list the commodities it produces",
                 id="origin-without-commodities"),
    pytest.param(_drop("m", "demand"), "corridor node 'm': a market must list the commodities it demands",
                 id="market-without-demand"),
    pytest.param(_add_node(id="o", kind="town", country="A"), "corridor node 'o': duplicate node id",
                 id="duplicate-id"),
    pytest.param(_all_in("A"), "corridor: needs at least two countries", id="one-country"),
]


@pytest.mark.parametrize(("change", "message"), BAD_CORRIDORS)
def test_bad_corridor_names_the_element(change, message: str, tmp_path: Path) -> None:
    data = minimal()
    change(data)
    with pytest.raises(ConfigError) as err:
        load_corridor(write_json(tmp_path, data))
    assert str(err.value) == message
    assert "\n" not in str(err.value)


@pytest.mark.parametrize(
    ("name", "content", "problem"),
    [
        pytest.param("c.json", '{"nodes": [', "not valid JSON (Expecting value: line 1 column 12 (char 11))",
                     id="malformed-json"),
        pytest.param("c.json", "[1, 2]", "JSON must be an object with 'nodes' and 'edges' lists", id="json-not-object"),
        pytest.param("c.json", '{"nodes": []}', "JSON must be an object with 'nodes' and 'edges' lists",
                     id="json-without-edges"),
        pytest.param("c.json", '{"nodes": ["o"], "edges": []}', "every node must be an object", id="node-not-object"),
        pytest.param("c.json", '{"nodes": [{"kind": "town"}], "edges": []}', "node without 'id'", id="node-without-id"),
        pytest.param("c.graphml", "<graphml><graph", "not valid GraphML (unclosed token",
                     id="malformed-graphml"),
        pytest.param("c.csv", "source,target\n", "unknown format '.csv'; allowed: .graphml, .json",
                     id="unknown-extension"),
        pytest.param("c", "{}", "unknown format ''; allowed: .graphml, .json", id="no-extension"),
    ],
)
def test_broken_file_names_the_file_and_the_problem(name: str, content: str, problem: str, tmp_path: Path) -> None:
    path = tmp_path / name
    path.write_text(content)
    with pytest.raises(ConfigError) as err:
        load_corridor(path)
    assert str(err.value).startswith(f"corridor.file '{path}': {problem}")
    assert "\n" not in str(err.value)


def test_missing_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no such file"):
        load_corridor(tmp_path / "absent.json")
    with pytest.raises(ConfigError, match=r"^corridor\.file: no such file"):
        run_scenario([f"corridor.file={tmp_path / 'absent.json'}", "days=5"])


def test_run_scenario_refuses_a_bad_corridor_file(tmp_path: Path) -> None:
    data = minimal()
    data["edges"][0]["mode"] = "rail"
    path = write_json(tmp_path, data)
    with pytest.raises(ConfigError, match=r"^corridor edge 'o' -> 'x': unknown mode 'rail'"):
        run_scenario([f"corridor.file={path}", "days=5"], seed=1)


# --------------------------------------------------------------------------------------------------
# Numbers and flags that once slipped through the loader


@pytest.mark.parametrize(("node_id", "field"), [("o", "population"), ("x", "lanes")])
def test_infinite_integer_field_is_a_config_error(node_id: str, field: str, tmp_path: Path) -> None:
    data = minimal()
    node(data, node_id)[field] = math.inf  # json.dumps writes Infinity, which json.loads reads back
    with pytest.raises(ConfigError, match=rf"^corridor node '{node_id}': "):
        load_corridor(write_json(tmp_path, data))


@pytest.mark.parametrize("value", [math.nan, math.inf], ids=["nan", "inf"])
def test_non_finite_legit_traffic_is_refused(value: float, tmp_path: Path) -> None:
    data = minimal()
    node(data, "x")["legit_traffic"] = value
    with pytest.raises(ConfigError, match=r"^corridor node 'x': "):
        load_corridor(write_json(tmp_path, data))


@pytest.mark.parametrize(
    ("flags", "expected_links"),
    [({"directed": True, "two_way": "false"}, 2), ({"directed": "false", "two_way": None}, 4)],
    ids=["two_way-false-string", "directed-false-string"],
)
def test_string_false_is_false(flags: dict[str, Any], expected_links: int, tmp_path: Path) -> None:
    data = minimal()
    data["directed"] = flags["directed"]
    if flags["two_way"] is not None:
        for edge in data["edges"]:
            edge["two_way"] = flags["two_way"]
    try:
        c = load_corridor(write_json(tmp_path, data))
    except ConfigError:  # refusing a non-boolean flag would also be a fix
        return
    assert len(c.links) == expected_links


# --------------------------------------------------------------------------------------------------
# The command line


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "sim.run", *args], cwd=REPO, capture_output=True, text=True,
                          timeout=300, check=False)


def _bad_kind(tmp_path: Path) -> Path:
    data = minimal()
    node(data, "o")["kind"] = "castle"
    return write_json(tmp_path, data)


def _infinite_population(tmp_path: Path) -> Path:
    data = minimal()
    node(data, "o")["population"] = math.inf
    return write_json(tmp_path, data)


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        pytest.param(lambda p: write_json(p, '{"nodes": ['), "not valid JSON", id="malformed-json"),
        pytest.param(_bad_kind, "corridor node 'o': unknown kind 'castle'", id="unknown-kind"),
        pytest.param(lambda p: write_json(p, "x", "corridor.txt"), "unknown format '.txt'", id="unknown-extension"),
        pytest.param(lambda p: p / "absent.json", "corridor.file: no such file", id="missing-file"),
        pytest.param(_infinite_population, "corridor node 'o'", id="infinite-population"),
    ],
)
def test_cli_broken_corridor_file_exits_2_with_one_line(make, expected: str, tmp_path: Path) -> None:
    path = make(tmp_path)
    out = tmp_path / "out"
    proc = run_cli(f"corridor.file={path}", "days=5", f"output_dir={out}")
    assert "Traceback" not in proc.stderr
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("error: ")
    assert expected in lines[0]
    assert not (out / "summary.json").exists()


def test_cli_runs_an_example_file(tmp_path: Path) -> None:
    out = tmp_path / "out"
    proc = run_cli(f"corridor.file={EXAMPLE_GRAPHML}", "days=20", f"output_dir={out}")
    assert proc.returncode == 0, proc.stderr
    summary = json.loads((out / "summary.json").read_text())
    assert summary["shipments_attempted"] > 0

