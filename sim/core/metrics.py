"""What a run measures: the event log, daily counters, and the outcome summary (DESIGN.md section 6)."""

from __future__ import annotations

import math
from collections import Counter
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from sim.core.model import CorridorModel

EVENT_KINDS = (
    "shipment_departed", "route_chosen", "inspection", "patrol_encounter", "seizure", "delivery",
    "bribe", "officer_corrupted", "corruption_case", "arrest", "lead_opened", "lead_shared", "lead_lost",
    "lead_leaked", "operation", "tip", "victim_identified", "victim_protected", "trafficked", "conviction",
    "acquittal", "asset_freeze", "lead_developed",
    "policy_change", "laundering", "recruitment", "promotion", "cell_dismantled",
)

#: Daily counters: summed per day into the time series and over the run into the summary.
COUNTERS = (
    "shipments_attempted", "shipments_delivered", "shipments_seized", "seized_value", "delivered_value",
    "arrests", "convictions", "cells_dismantled", "recruits", "criminal_revenue", "assets_frozen",
    "bribes_paid", "corruption_cases_detected", "victims_trafficked", "victims_identified",
    "victims_protected", "victims_reexploited", "tips_received", "leads_opened", "legit_vehicles",
    "legit_delay_vehicle_hours", "arrests_high_rank",
)

#: Daily levels: sampled at the end of each day.
LEVELS = ("corrupt_officer_share", "community_trust", "network_members", "criminal_cash", "in_transit")

SUMMARY_KEYS = (
    "shipments_attempted", "shipments_delivered", "shipments_seized", "interdiction_rate", "seized_value",
    "delivered_value", "arrests", "convictions", "cells_dismantled", "disruption_depth",
    "network_members_initial", "network_members_final", "recruits", "criminal_revenue", "assets_frozen",
    "time_to_action_days", "corrupt_officer_share", "corrupt_officer_share_final", "bribes_paid",
    "corruption_cases_detected", "victims_trafficked", "victims_identified", "victims_protected",
    "victims_reexploited", "tips_received", "community_trust_final", "legit_trade_delay_hours",
    "route_entropy", "policy_cost",
)


class EventLog:
    """Every event of a run, one row each: day, kind, organisation, actor, target, node, commodity, value."""

    COLUMNS = ("day", "kind", "org", "actor", "target", "node", "commodity", "value", "detail")

    def __init__(self, model: CorridorModel) -> None:
        self._model = model
        self.rows: list[tuple[float, str, int, int, int, str, str, float, str]] = []

    def add(self, kind: str, *, org: int = -1, actor: int = -1, target: int = -1, node: str = "",
            commodity: str = "", value: float = 0.0, detail: str = "") -> None:
        """Record an event now. `detail` qualifies the kind (a role, a lead source, a lever...)."""
        self.rows.append((round(float(self._model.env.now), 6), kind, org, actor, target, node, commodity,
                          float(value), detail))

    def frame(self) -> pd.DataFrame:
        if not self.rows:
            return pd.DataFrame({c: pd.Series(dtype=t) for c, t in zip(
                self.COLUMNS, ("float64", "str", "int64", "int64", "int64", "str", "str", "float64", "str"),
                strict=True)})
        df = pd.DataFrame(self.rows, columns=list(self.COLUMNS))
        return df.astype({"day": "float64", "org": "int64", "actor": "int64", "target": "int64",
                          "value": "float64", "kind": "str", "node": "str", "commodity": "str", "detail": "str"})


class Metrics:
    """Counters per day, levels at day end, and what the summary needs beyond sums."""

    def __init__(self, model: CorridorModel, days: int) -> None:
        self._model = model
        self.days = days
        self.daily = {k: np.zeros(days) for k in COUNTERS}
        self.levels = {k: np.zeros(days) for k in LEVELS}
        self.time_to_action: list[float] = []
        self.route_use: Counter[tuple[str, ...]] = Counter()
        self.node_use: Counter[str] = Counter()
        self.network_members_initial = 0

    def _day(self) -> int:
        return min(int(self._model.env.now), self.days - 1)

    def count(self, key: str, amount: float = 1.0) -> None:
        self.daily[key][self._day()] += amount

    def sample_levels(self, day: int) -> None:
        m = self._model
        self.levels["corrupt_officer_share"][day] = m.corrupt_share()
        self.levels["community_trust"][day] = m.mean_trust()
        self.levels["network_members"][day] = m.active_members()
        self.levels["criminal_cash"][day] = sum(o.cash + o.dirty for o in m.organisations)
        self.levels["in_transit"][day] = m.in_transit

    def timeseries(self) -> pd.DataFrame:
        data: dict[str, Any] = {"day": np.arange(self.days, dtype=np.int64)}
        for key in COUNTERS:
            if key in ("legit_vehicles", "legit_delay_vehicle_hours"):
                continue
            data[key] = self.daily[key]
        vehicles = self.daily["legit_vehicles"]
        with np.errstate(invalid="ignore", divide="ignore"):
            data["legit_trade_delay_hours"] = np.where(vehicles > 0, self.daily["legit_delay_vehicle_hours"]
                                                       / np.maximum(vehicles, 1e-12), 0.0)
        data.update(self.levels)
        return pd.DataFrame(data)

    def summary(self, policy_cost: float) -> dict[str, Any]:
        m = self._model
        total = {k: float(v.sum()) for k, v in self.daily.items()}
        seized, delivered = total["shipments_seized"], total["shipments_delivered"]
        out: dict[str, Any] = {}
        for key in ("shipments_attempted", "shipments_delivered", "shipments_seized", "arrests",
                    "convictions", "cells_dismantled", "recruits", "corruption_cases_detected",
                    "victims_trafficked", "victims_identified", "victims_protected", "victims_reexploited",
                    "tips_received"):
            out[key] = round(total[key])
        out["interdiction_rate"] = seized / (seized + delivered) if seized + delivered else 0.0
        for key in ("seized_value", "delivered_value", "criminal_revenue", "assets_frozen", "bribes_paid"):
            out[key] = total[key]
        out["disruption_depth"] = total["arrests_high_rank"] / total["arrests"] if total["arrests"] else 0.0
        out["network_members_initial"] = int(self.network_members_initial)
        out["network_members_final"] = int(m.active_members())
        out["time_to_action_days"] = float(np.median(self.time_to_action)) if self.time_to_action else None
        out["corrupt_officer_share"] = float(self.levels["corrupt_officer_share"].mean())
        out["corrupt_officer_share_final"] = float(m.corrupt_share())
        out["community_trust_final"] = float(m.mean_trust())
        vehicles = total["legit_vehicles"]
        out["legit_trade_delay_hours"] = total["legit_delay_vehicle_hours"] / vehicles if vehicles else 0.0
        shipments = max(1, sum(self.route_use.values()))
        for node in m.corridor.checkpoints:
            out[f"flow_share.{node}"] = self.node_use[node] / shipments
        out["route_entropy"] = _entropy_bits(list(self.route_use.values()))
        out["policy_cost"] = float(policy_cost)
        return {k: _clean(v) for k, v in out.items()}


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
