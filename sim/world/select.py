"""Which corridor a run config asks for (`from_config`), one built corridor kept per distinct request.

Reads the config only through attributes (`cfg.corridor`, `cfg.community.population_scale`,
`cfg.network.max_routes`), so the world does not depend on `sim.config`.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

from sim.world.builtin import default_corridor
from sim.world.corridor import Corridor
from sim.world.files import load_corridor
from sim.world.generated import generated_corridor

__all__ = ["from_config"]


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
