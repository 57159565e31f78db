"""The seeded generator: a chain of countries of any size, from producers to markets."""

from __future__ import annotations

import itertools

import numpy as np

from sim.world.corridor import Corridor, Link, Place, build, two_way

__all__ = ["generated_corridor"]


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
            links += two_way(a, b, round(float(rng.uniform(0.5, 1.5)), 2), 0.004)
        if len(ids) > 2:
            links += two_way(ids[-1], ids[0], round(float(rng.uniform(0.5, 1.5)), 2), 0.004)
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
            links += two_way(a, xid, d, 0.004 if formal else 0.008)
            links += two_way(xid, b, d, 0.004 if formal else 0.008)
    ports = []
    for ci in range(0, countries, 2):
        pid = f"{names[ci].lower()}_port"
        places.append(Place(pid, "port", names[ci], legit_traffic=float(rng.integers(1500, 3500)),
                            lanes=int(rng.integers(4, 8)), x=ci * 3.0 + 1.0, y=-1.0))
        links += two_way(pid, locs[ci][0], 0.5, 0.002)
        ports.append(pid)
    for a, b in itertools.pairwise(ports):
        links += two_way(a, b, 3.0, 0.01, "sea")
    airports = []
    for ci in sorted({0, countries - 1}):
        aid = f"{names[ci].lower()}_airport"
        places.append(Place(aid, "airport", names[ci], legit_traffic=float(rng.integers(800, 2000)),
                            lanes=int(rng.integers(3, 6)), x=ci * 3.0 + 0.5, y=localities_per_country * 1.2))
        links += two_way(aid, locs[ci][0], 0.3, 0.002)
        airports.append(aid)
    if len(airports) == 2:
        links += two_way(airports[0], airports[1], 0.5, 0.03, "air")
    return build("generated", places, links, max_routes)
