"""Numbers and names as the report shows them: about three significant digits, registry labels."""

from __future__ import annotations

import math
import re
from typing import Any

from sim import outcomes


def fmt(value: Any, signed: bool = False, decimals: int | None = None) -> str:
    """A number with about three significant digits; 'n/a' for missing. `decimals` caps the digits after the
    point (what the quantity's precision makes meaningful): a value that rounds to zero there reads '≈0'."""
    try:
        x = float(value)
    except (TypeError, ValueError):
        return "n/a"
    if not math.isfinite(x):
        return "n/a"
    if x == 0:
        return "0"
    if decimals is not None and round(x, decimals) == 0:
        return "≈0"
    if abs(x) >= 1000:
        text = f"{x:,.0f}"
    elif abs(x) >= 1e-4:
        text = f"{x:.3g}"
    elif abs(x) >= 1e-9:  # plain decimals, not 4.93e-05: a planner reads '0.0000493'
        text = f"{x:.{2 - math.floor(math.log10(abs(x)))}f}".rstrip("0")
    else:
        return "≈0"
    if decimals is not None and "." in text and len(text.split(".")[1]) > decimals:
        text = f"{x:,.{decimals}f}"
    return f"+{text}" if signed and x > 0 else text


def fmt_interval(low: float, high: float, signed: bool = False, decimals: int | None = None) -> str:
    if not (math.isfinite(low) and math.isfinite(high)):
        return "n/a"
    return f"[{fmt(low, signed, decimals)}, {fmt(high, signed, decimals)}]"


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


def _entry(key: str) -> outcomes.Outcome | None:
    try:
        return outcomes.get(key)
    except KeyError:
        return None


def short_label(key: str) -> str:
    """A word or two for an outcome (figure panels, narrow columns); the key when the registry does not know it."""
    entry = _entry(key)
    return entry.short_label if entry else key


def percent(key: str) -> bool:
    """Whether the outcome is a share shown in percent (its differences in percentage points)."""
    entry = _entry(key)
    return bool(entry and entry.percent)


def display_scale(key: str) -> float:
    """What a stored value is multiplied by for display: 100 for a share shown in percent, else 1."""
    return 100.0 if percent(key) else 1.0


def level_unit(key: str) -> str:
    """The unit of a level as shown: '%' for a share in percent, else the registry's unit."""
    return "%" if percent(key) else outcome_unit(key)


def diff_unit(key: str) -> str:
    """The unit of a difference as shown: 'pp' (percentage points) for a share in percent."""
    return "pp" if percent(key) else outcome_unit(key)


_DECIMALS = re.compile(r"\{:,?\.(\d+)[f%]\}")


def precision(key: str) -> int | None:
    """Decimals worth showing for a mean or a difference of the outcome: one more than the registry's own
    format shows for a single run (its percent digits for a share in percent); None when unknown."""
    entry = _entry(key)
    match = _DECIMALS.fullmatch(entry.fmt) if entry else None
    return int(match.group(1)) + 1 if match else None


def fmt_level(key: str, value: Any) -> str:
    """A level as shown: a share in percent with a % sign, anything else with three significant digits."""
    text = fmt(_scaled(key, value), decimals=precision(key))
    return f"{text}%" if percent(key) and text != "n/a" else text


def fmt_diff(key: str, value: Any) -> str:
    """A signed difference as shown ('+4.1 pp' for a share in percent; '≈0' below the quantity's precision)."""
    text = fmt(_scaled(key, value), signed=True, decimals=precision(key))
    return f"{text} pp" if percent(key) and text not in ("n/a", "≈0") else text


def _bound_precision(key: str) -> int | None:
    """An interval's ends get one decimal more than its mean, so that a bound near zero keeps its sign."""
    digits = precision(key)
    return None if digits is None else digits + 1


def fmt_level_interval(key: str, low: float, high: float) -> str:
    return fmt_interval(_scaled(key, low), _scaled(key, high), decimals=_bound_precision(key))


def fmt_diff_interval(key: str, low: float, high: float) -> str:
    return fmt_interval(_scaled(key, low), _scaled(key, high), signed=True, decimals=_bound_precision(key))


def _scaled(key: str, value: Any) -> float:
    try:
        return float(value) * display_scale(key)
    except (TypeError, ValueError):
        return math.nan


def scenario_label(name: str) -> str:
    """A scenario as people read it: `fusion_centre` -> 'fusion centre'."""
    return str(name).replace("_", " ")
