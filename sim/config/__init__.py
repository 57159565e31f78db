"""Configuration: the structured schema (every parameter with its range and unit) and composing it."""

from sim.config.compose import (
    apply_levers,
    branch_policy,
    check_corridor,
    check_memory,
    closest_first,
    compose,
    compose_run,
    explain_hydra_error,
    finalize,
    machine_memory,
    memory_needed,
    schedule,
    unknown_key,
    validate,
)
from sim.config.schema import (
    CONFIG_DIR,
    LEVER_SPECS,
    SPECS,
    FieldSpec,
    PolicyConfig,
    SimConfig,
    field_specs,
    flatten,
    register,
    schema,
    to_params,
)
from sim.errors import ConfigError

__all__ = [
    "CONFIG_DIR", "LEVER_SPECS", "SPECS", "ConfigError", "FieldSpec", "PolicyConfig", "SimConfig", "apply_levers",
    "branch_policy", "check_corridor", "check_memory", "closest_first", "compose", "compose_run", "explain_hydra_error",
    "field_specs", "finalize", "flatten", "machine_memory", "memory_needed", "register", "schedule", "schema",
    "to_params", "unknown_key", "validate",
]
