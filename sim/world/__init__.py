"""The world: the border corridor as a graph of places and links, built in, generated or read from a file.

`corridor` holds the graph types and `build` (validation, routes); `builtin`, `generated` and `files` are
the three sources; `select.from_config` picks the one a run config asks for.
"""

from sim.world import corridor as _corridor
from sim.world.builtin import default_corridor
from sim.world.corridor import (
    CHECKPOINT_KINDS,
    COMMODITIES,
    INFORMAL_KINDS,
    LOCALITY_KINDS,
    MODES,
    NODE_KINDS,
    Corridor,
    Link,
    Place,
    Route,
    build,
)
from sim.world.files import corridor_to_json, load_corridor
from sim.world.generated import generated_corridor
from sim.world.select import from_config

__all__ = [
    "CHECKPOINT_KINDS", "COMMODITIES", "INFORMAL_KINDS", "LOCALITY_KINDS", "MODES", "NODE_KINDS", "Corridor",
    "Link", "Place", "Route", "build", "corridor_to_json", "default_corridor", "from_config", "generated_corridor",
    "load_corridor",
]

# Temporary compatibility (issue 7): `from_config` and `default_corridor` moved out of `sim.world.corridor`
# but are still imported from there (sim/api.py, sim/core/model.py, benchmarks/bench_run.py;
# tests/test_levers.py, tests/test_outputs.py). Importing a submodule runs this package first, so the names
# are in place for them without `corridor` importing the modules built on it. Drop once they import from
# `sim.world`.
_corridor.from_config = from_config  # type: ignore[attr-defined]
_corridor.default_corridor = default_corridor  # type: ignore[attr-defined]
