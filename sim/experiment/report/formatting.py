"""Numbers and names as the report shows them: about three significant digits, registry labels."""

from __future__ import annotations

import math
import re
from typing import Any

from sim import outcomes


def fmt(value: Any, signed: bool = False) -> str:
    """A number with about three significant digits; 'n/a' for missing."""
    try:
        x = float(value)
    except (TypeError, ValueError):
        return "n/a"
    if not math.isfinite(x):
        return "n/a"
    if x == 0:
        return "0"
    text = f"{x:,.0f}" if abs(x) >= 1000 else f"{x:.3g}"
    return f"+{text}" if signed and x > 0 else text


def fmt_interval(low: float, high: float, signed: bool = False) -> str:
    if not (math.isfinite(low) and math.isfinite(high)):
        return "n/a"
    return f"[{fmt(low, signed)}, {fmt(high, signed)}]"


def fmt_share(value: float) -> str:
    return "n/a" if not math.isfinite(value) else f"{value:.0%}"


def slug(text: str) -> str:
    """A file-name-safe form of a key (`policy.intel_sharing` -> `policy_intel_sharing`)."""
    return re.sub(r"[^A-Za-z0-9_-]+", "_", text).strip("_")


def outcome_label(key: str, with_unit: bool = True) -> str:
    """The registry's label of an outcome (with its unit where the label does not say it); a column the
    registry does not know (hand-made results) is shown as its key."""
    try:
        return outcomes.label(key, with_unit=with_unit)
    except KeyError:
        return key


def outcome_unit(key: str) -> str:
    """The registry's unit of an outcome or daily level, '' when unknown."""
    try:
        return outcomes.get(key).unit
    except KeyError:
        return ""
