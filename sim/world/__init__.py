"""The world: the border corridor as a graph of places and links, built in, generated or read from a file."""

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
    corridor_to_json,
    default_corridor,
    from_config,
    generated_corridor,
    load_corridor,
)

__all__ = [
    "CHECKPOINT_KINDS", "COMMODITIES", "INFORMAL_KINDS", "LOCALITY_KINDS", "MODES", "NODE_KINDS", "Corridor",
    "Link", "Place", "Route", "build", "corridor_to_json", "default_corridor", "from_config", "generated_corridor",
    "load_corridor",
]
