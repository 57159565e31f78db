"""Configuration: the structured schema (with every parameter's range) and composing it from overrides."""

from sim.config.schema import *  # noqa: F403
from sim.config.schema import CONFIG_DIR, ConfigError, compose, finalize, flatten, register, schema, to_params

__all__ = ["CONFIG_DIR", "ConfigError", "compose", "finalize", "flatten", "register", "schema", "to_params"]
