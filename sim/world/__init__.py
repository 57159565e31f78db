"""The world: the border corridor as a graph of places and links, built in, generated or read from a file.

`corridor` holds the graph types and `build` (validation, routes); `builtin`, `generated` and `files` are
the three sources; `select.from_config` picks the one a run config asks for.
"""

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
