"""The one event sink: routing by kind, time stamps, the daily counters by kind, and the event log's frame."""

from __future__ import annotations

import pandas as pd
import pytest
import simpy

from sim.core.context import Standalone
from sim.core.events import COUNTED, COUNTERS, LOGGED_KINDS, QUIET_KINDS, Counters, Event, EventBus, EventLog


def bus() -> tuple[simpy.Environment, EventBus]:
    env = simpy.Environment()
    return env, EventBus(env)


def test_listeners_get_only_their_kinds() -> None:
    _env, b = bus()
    seizures, money = [], []
    b.listen(["seizure"], seizures.append)
    b.listen(("bribe", "asset_freeze"), money.append)
    b.record("seizure", org=1, value=2.0)
    b.record("bribe", value=0.02)
    b.record("delivery", value=5.0)  # nobody listens: dropped quietly
    b.record("asset_freeze", value=1.0)
    assert [e.kind for e in seizures] == ["seizure"]
    assert [e.kind for e in money] == ["bribe", "asset_freeze"]
    assert b.kinds == (*LOGGED_KINDS, *QUIET_KINDS)


def test_an_unknown_kind_is_refused() -> None:
    _, b = bus()
    with pytest.raises(KeyError):
        b.record("seizur")
    with pytest.raises(KeyError):
        b.listen(["no_such_kind"], print)


def test_events_are_stamped_with_the_clock_or_the_given_time() -> None:
    env, b = bus()
    got: list[Event] = []
    b.listen(["delivery"], got.append)
    env.run(until=2.5)
    b.record("delivery", org=3, actor=4, target=5, node="mkt", commodity="drugs", value=1, detail="x")
    b.record("delivery", at=7.123456789)
    assert got[0] == Event(2.5, "delivery", 3, 4, 5, "mkt", "drugs", 1.0, "x")
    assert isinstance(got[0].value, float)
    assert got[1].day == 7.123457
    assert got[1].org == -1
    assert got[1].node == ""


def test_every_listener_of_a_kind_gets_the_same_event() -> None:
    _, b = bus()
    a, c = [], []
    b.listen(["tip"], a.append)
    b.listen(["tip"], c.append)
    b.record("tip", target=9)
    assert a == c
    assert a[0] is c[0]


def test_counters_add_by_kind_on_the_day() -> None:
    _env, b = bus()
    counters = Counters(b, days=5)
    b.record("seizure", value=2.0)
    b.record("seizure", value=3.0, at=1.9)
    b.record("delivery", value=4.0, at=2.0)
    b.record("inspection", at=2.0)  # logged, not counted
    b.record("arrest", value=0.7, at=99.0)  # past the last day: counted on the last day
    assert list(counters.daily["shipments_seized"]) == [1, 1, 0, 0, 0]
    assert list(counters.daily["seized_value"]) == [2, 3, 0, 0, 0]
    assert counters.total("shipments_delivered") == 1
    assert counters.total("delivered_value") == 4
    assert counters.total("criminal_revenue") == 4
    assert list(counters.daily["arrests"]) == [0, 0, 0, 0, 1]  # by one, whatever the value
    untouched = set(COUNTERS) - {"shipments_seized", "seized_value", "shipments_delivered", "delivered_value",
                                 "criminal_revenue", "arrests"}
    assert all(counters.total(name) == 0 for name in untouched)


def test_every_counted_kind_is_a_known_kind_and_every_counter_is_fed() -> None:
    assert set(COUNTED) <= set(LOGGED_KINDS) | set(QUIET_KINDS)
    _, b = bus()
    counters = Counters(b, days=1)
    for kind in COUNTED:
        b.record(kind, value=1.0)
    assert all(counters.total(name) >= 1 for name in COUNTERS)


def test_the_event_log_frame_has_the_same_columns_and_types_empty_or_not() -> None:
    _, b = bus()
    log = EventLog(b)
    empty = log.frame()
    assert list(empty.columns) == list(Event._fields)
    assert len(empty) == 0
    b.record("seizure", org=1, node="gate", value=2)
    b.record("lead_opened", target=4, detail="tip", at=3.0)
    full = log.frame()
    assert len(full) == 2
    assert list(full.dtypes) == list(empty.dtypes)
    for column in ("day", "value"):
        assert pd.api.types.is_float_dtype(full[column])
    for column in ("org", "actor", "target"):
        assert pd.api.types.is_integer_dtype(full[column])
    for column in ("kind", "node", "commodity", "detail"):
        assert pd.api.types.is_string_dtype(full[column])
    assert full.iloc[1].to_dict() == {"day": 3.0, "kind": "lead_opened", "org": -1, "actor": -1, "target": 4,
                                      "node": "", "commodity": "", "value": 0.0, "detail": "tip"}


def test_standalone_collects_every_event_in_order() -> None:
    sim = Standalone()
    sim.record("bribe", value=0.02)
    sim.env.run(until=1)
    sim.record("seizure", node="gate")
    assert sim.kinds() == ["bribe", "seizure"]
    assert [e.day for e in sim.events] == [0.0, 1.0]
