"""What a run measures, in the outcome registry's terms (`sim.outcomes`): daily levels, the daily time
series, and the summary of DESIGN.md section 6.

Counters come from events (`sim.core.events.COUNTED`); the rest from what mechanisms keep as their
results (queue delay at posts, time to action, route use).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from sim.core.events import COUNTERS
from sim.outcomes import BY_KEY, LEVELS, SERIES_KEYS, SUMMARY_KEYS

if TYPE_CHECKING:
    from sim.core.events import Counters
    from sim.core.mechanisms.investigation import Investigations
    from sim.core.mechanisms.shipments import Shipments

LEVEL_KEYS = tuple(level.key for level in LEVELS)
#: The counter of what organisations spend (`sim.core.events.COUNTED`), netted out of revenue for profit.
EXPENSES = "criminal_expenses"


class Levels:
    """Daily levels sampled at the end of each day (`sim.outcomes.LEVELS`)."""

    def __init__(self, days: int) -> None:
        self.values = {k: np.zeros(days) for k in LEVEL_KEYS}

    def sample(self, day: int, corrupt_share: float, trust: float, members: int, cash: float, in_transit: int) -> None:
        for key, value in zip(LEVEL_KEYS, (corrupt_share, trust, members, cash, in_transit), strict=True):
            self.values[key][day] = value


def _delay(vehicles: np.ndarray, hours: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(vehicles > 0, hours / np.maximum(vehicles, 1e-12), 0.0)


def timeseries(counters: Counters, levels: Levels, vehicles: np.ndarray, hours: np.ndarray) -> pd.DataFrame:
    """One row a day: every counted outcome, the legitimate trade delay, and the levels."""
    data: dict[str, Any] = {"day": np.arange(counters.days, dtype=np.int64)}
    for key in SERIES_KEYS:
        if key == "legit_trade_delay_hours":
            data[key] = _delay(vehicles, hours)
        elif key == "criminal_profit":
            data[key] = _profit(counters)
        else:
            data[key] = counters.series(key)
    for key in COUNTERS:  # counters that are no outcome of their own (leads opened)
        if key not in data:
            data[key] = counters.series(key)
    data.update(levels.values)
    return pd.DataFrame(data)


def summarise(counters: Counters, levels: Levels, vehicles: np.ndarray, hours: np.ndarray,
              investigations: Investigations, shipments: Shipments, checkpoints: list[str], members_initial: int,
              members_final: int, corrupt_share_final: float, trust_final: float, policy_cost: float,
              recoveries: list[float] | None = None, price_index: float = 1.0) -> dict[str, Any]:
    """The outcomes of a run, keyed and ordered as `sim.outcomes.OUTCOMES` (then `flow_share.<node>`)."""
    total = counters.total
    seized, delivered = total("shipments_seized"), total("shipments_delivered")
    arrests = total("arrests")
    ttl = investigations.time_to_action
    out: dict[str, Any] = {
        "interdiction_rate": seized / (seized + delivered) if seized + delivered else 0.0,
        "disruption_depth": investigations.high_rank_arrests / arrests if arrests else 0.0,
        "network_members_initial": int(members_initial),
        "network_members_final": int(members_final),
        "time_to_action_days": float(np.median(ttl)) if ttl else None,
        "convictions_organisers": int(investigations.justice.organiser_convictions),
        "convictions_trafficking_organisers": int(investigations.justice.trafficking_organiser_convictions),
        "trials_pending": int(investigations.justice.pending),
        "leads_dropped_share": investigations.dropped_share(),
        "recovery_time_days": float(np.median(recoveries)) if recoveries else None,
        "price_index_final": float(price_index),
        "corrupt_officer_share": float(levels.values["corrupt_officer_share"].mean()),
        "corrupt_officer_share_final": float(corrupt_share_final),
        "community_trust_final": float(trust_final),
        "legit_trade_delay_hours": float(hours.sum() / vehicles.sum()) if vehicles.sum() else 0.0,
        "route_entropy": _entropy_bits(list(shipments.route_use.values())),
        "policy_cost": float(policy_cost),
    }
    out["criminal_profit"] = float(_profit(counters).sum())
    for key in SUMMARY_KEYS:
        if key not in out:
            value = total(key)
            out[key] = value if BY_KEY[key].kind == "amount" else round(value)
    ordered = {key: out[key] for key in SUMMARY_KEYS}
    routed = max(1, sum(shipments.route_use.values()))
    for node in checkpoints:
        ordered[f"flow_share.{node}"] = shipments.node_use[node] / routed
    return {k: _clean(v) for k, v in ordered.items()}


def _profit(counters: Counters) -> np.ndarray:
    """Daily net proceeds: gross revenue less what the organisations spent (the `criminal_expenses` counter,
    fed by `expense` and `bribe` events)."""
    return counters.series("criminal_revenue") - counters.series(EXPENSES)


def _entropy_bits(counts: list[int]) -> float:
    total = sum(counts)
    if total == 0:
        return 0.0
    return float(-sum(c / total * math.log2(c / total) for c in counts if c))


def _clean(value: Any) -> Any:
    """Plain JSON-able numbers, rounded so that the summary is stable text."""
    if value is None:
        return None
    if isinstance(value, int | np.integer):
        return int(value)
    value = float(value)
    if not math.isfinite(value):
        return None
    return round(value, 10)
