"""How a swept lever or sampled parameter becomes a run's Hydra override.

Shared by validation (every value a run could see must compose) and by the design (the values runs get),
so that both agree on ranges, on the config type a sampled number is cast to, and on the override text.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from omegaconf import OmegaConf

from sim.config import schema
from sim.errors import ConfigError

_SCHEMA = schema()


def value_range(key: str, value: Any, what: str) -> tuple[float, float]:
    """A `[low, high]` entry of a design or of the uncertainties; ConfigError naming `what.key` otherwise."""
    if not (isinstance(value, list | tuple) or OmegaConf.is_list(value)) or len(value) != 2:
        raise ConfigError(f"{what}.{key}: needs [low, high], got {value}")
    try:
        if any(isinstance(v, str) for v in value):
            raise ValueError
        low, high = (float(v) for v in value)
    except (TypeError, ValueError):
        raise ConfigError(f"{what}.{key}: needs two numbers [low, high], got {list(value)}") from None
    if not (math.isfinite(low) and math.isfinite(high)):
        raise ConfigError(f"{what}.{key}: needs finite numbers [low, high], got [{low}, {high}]")
    if not low < high:
        raise ConfigError(f"{what}.{key}: low must be below high, got [{low}, {high}]")
    return low, high


def typed(key: str, value: float) -> Any:
    """A sampled number in the type its config key needs (bools by threshold, ints rounded), so that the
    run, its record and the report all see the value the model actually used."""
    kind = type(OmegaConf.select(_SCHEMA, key))
    if kind is bool:
        return bool(value >= 0.5)
    if kind is int:
        return round(value)
    return round(float(value), 6)


def override(key: str, value: Any) -> str:
    """`key=value` as Hydra reads it back to the same value (lowercase bools, floats in full)."""
    if isinstance(value, bool):
        return f"{key}={'true' if value else 'false'}"
    if isinstance(value, float | np.floating):
        return f"{key}={float(value)!r}"
    return f"{key}={value}"
