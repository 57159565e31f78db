"""The one event sink: every mechanism calls `record(kind, ...)` once, and the bus fans the event out to
whoever listens for that kind: the event log, the outcome counters, the replay frames.

Kinds in `LOGGED_KINDS` are written to events.parquet; `QUIET_KINDS` (none today) would feed counters and
frames only. `COUNTED` says which daily counter each kind adds to, and by what: this table is
how an outcome like `seized_value` comes from `seizure` events, in one place.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import numpy as np
import pandas as pd
import simpy


class Event(NamedTuple):
    """One thing that happened: when, what, who (organisation, actor, target ids; -1 none), where, how much."""

    day: float
    kind: str
    org: int = -1
    actor: int = -1
    target: int = -1
    node: str = ""
    commodity: str = ""
    value: float = 0.0
    detail: str = ""


#: Kinds written to events.parquet (DESIGN.md section 6; docs/ODD.md lists what each means).
LOGGED_KINDS = (
    "shipment_departed", "route_chosen", "inspection", "patrol_encounter", "seizure", "delivery",
    "bribe", "officer_corrupted", "corruption_case", "arrest", "lead_opened", "lead_shared", "lead_lost",
    "lead_leaked", "operation", "tip", "victim_identified", "victim_protected", "trafficked", "reexploited",
    "conviction", "acquittal", "asset_freeze", "lead_developed", "policy_change", "laundering", "recruitment",
    "promotion", "cell_dismantled", "cell_recovered", "load_lost", "order_unfilled", "organisation_founded",
    "organisation_dissolved",
)
#: Kinds that only feed counters, not the event log: what organisations spend (purchases, pay, fees, a few
#: thousand a year) is accounted for in `criminal_expenses` without doubling events.parquet.
QUIET_KINDS: tuple[str, ...] = ("expense",)

ONE, VALUE = "one", "value"
#: kind -> the daily counters it adds to, each by one or by the event's value.
COUNTED: dict[str, tuple[tuple[str, str], ...]] = {
    "shipment_departed": (("shipments_attempted", ONE),),
    "seizure": (("shipments_seized", ONE), ("seized_value", VALUE)),
    "delivery": (("shipments_delivered", ONE), ("delivered_value", VALUE), ("criminal_revenue", VALUE)),
    "arrest": (("arrests", ONE),),
    "conviction": (("convictions", ONE),),
    "cell_dismantled": (("cells_dismantled", ONE),),
    "load_lost": (("loads_lost", ONE),),
    "order_unfilled": (("orders_unfilled", ONE),),
    "organisation_founded": (("organisations_entered", ONE),),
    "organisation_dissolved": (("organisations_dissolved", ONE),),
    "recruitment": (("recruits", ONE),),
    "asset_freeze": (("assets_frozen", VALUE),),
    "bribe": (("bribes_paid", VALUE), ("criminal_expenses", VALUE)),
    "expense": (("criminal_expenses", VALUE),),
    "corruption_case": (("corruption_cases_detected", ONE),),
    "trafficked": (("victims_trafficked", VALUE),),
    "reexploited": (("victims_reexploited", VALUE),),
    "victim_identified": (("victims_identified", VALUE),),
    "victim_protected": (("victims_protected", VALUE),),
    "tip": (("tips_received", ONE),),
    "lead_opened": (("leads_opened", ONE),),
}
#: Every counter an event can add to.
COUNTERS = tuple(dict.fromkeys(name for pairs in COUNTED.values() for name, _ in pairs))

Listener = Callable[[Event], None]
_new_event = tuple.__new__


class EventBus:
    """Routes each recorded event to the listeners of its kind, stamped with the clock's time."""

    def __init__(self, env: simpy.Environment) -> None:
        self._env = env
        self._listeners: dict[str, list[Listener]] = {k: [] for k in (*LOGGED_KINDS, *QUIET_KINDS)}

    def listen(self, kinds: tuple[str, ...] | list[str], listener: Listener) -> None:
        for kind in kinds:
            self._listeners[kind].append(listener)

    @property
    def kinds(self) -> tuple[str, ...]:
        return tuple(self._listeners)

    def record(self, kind: str, org: int = -1, actor: int = -1, target: int = -1, node: str = "",
               commodity: str = "", value: float = 0.0, detail: str = "", at: float | None = None) -> None:
        """Record an event now (or at time `at`, when it is known ahead). `detail` qualifies the kind (a role,
        a lead source, a lever...)."""
        listeners = self._listeners[kind]
        when = self._env.now if at is None else at
        if listeners and when >= 0.0:  # nothing of the warm-up (negative time) is recorded
            # tuple.__new__ builds the same Event without the named-tuple constructor's Python frame: tens of
            # thousands of events a run.
            event = _new_event(Event, (round(when, 6), kind, org, actor, target, node, commodity, float(value), detail))
            for listen in listeners:
                listen(event)


class EventLog:
    """Every logged event of a run, one row each (the columns of events.parquet)."""

    COLUMNS = Event._fields
    DTYPES = ("float64", "str", "int64", "int64", "int64", "str", "str", "float64", "str")

    def __init__(self, bus: EventBus) -> None:
        self.rows: list[Event] = []
        bus.listen(LOGGED_KINDS, self.rows.append)

    def frame(self) -> pd.DataFrame:
        if not self.rows:
            return pd.DataFrame({c: pd.Series(dtype=t) for c, t in zip(self.COLUMNS, self.DTYPES, strict=True)})
        # Column by column, each straight into its dtype: building rows of objects first and converting
        # them after takes about twice as long.
        columns = zip(*self.rows, strict=True)
        return pd.DataFrame({name: pd.array(values, dtype=dtype) if dtype == "str" else np.array(values, dtype=dtype)
                             for name, values, dtype in zip(self.COLUMNS, columns, self.DTYPES, strict=True)})


class Counters:
    """Daily sums of what events add (`COUNTED`), one per counter and day of the run."""

    def __init__(self, bus: EventBus, days: int) -> None:
        self.days = days
        # Python lists while the run adds to them (an item of a list adds several times faster than one of an
        # array, and tens of thousands of events do); arrays when read (`daily`).
        self._sums: dict[str, list[float]] = {k: [0.0] * days for k in COUNTERS}
        self._adds: dict[str, list[tuple[list[float], bool]]] = {
            kind: [(self._sums[name], how == VALUE) for name, how in pairs] for kind, pairs in COUNTED.items()}
        bus.listen(list(COUNTED), self._count)

    def _count(self, event: Event) -> None:
        day = min(int(event.day), self.days - 1)
        for sums, by_value in self._adds[event.kind]:
            sums[day] += event.value if by_value else 1.0

    def series(self, name: str) -> np.ndarray:
        """One counter's sums by day, as a new array (writing into it changes nothing)."""
        return np.array(self._sums[name])

    @property
    def daily(self) -> dict[str, np.ndarray]:
        """Every counter's sums by day (new arrays, see `series`)."""
        return {name: self.series(name) for name in self._sums}

    def total(self, name: str) -> float:
        return float(self.series(name).sum())
