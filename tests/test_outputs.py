"""What a run writes: the outcome keys of DESIGN.md section 6, the daily time series, the event log, the
manifest and the resolved config; and that an interrupted or repeated write never leaves a folder that
looks complete when it is not."""

from __future__ import annotations

import json
import math
import re
import signal
import time
from pathlib import Path

import pandas as pd
import pytest
from omegaconf import OmegaConf
from pandas.testing import assert_frame_equal

import sim.results
from sim import RunResult, run_scenario
from sim.config import flatten, schema
from sim.core.events import LOGGED_KINDS as EVENT_KINDS
from sim.world import default_corridor
from tests.conftest import SHORT_DAYS, assert_complete_run, leftovers, start_cli, wait_cli

SEED = 5

#: DESIGN.md section 6, written out (plus `flow_share.<node>` for every crossing and port).
OUTCOME_KEYS = (
    # interdiction
    "shipments_attempted", "shipments_delivered", "shipments_seized", "interdiction_rate", "seized_value",
    "delivered_value", "arrests", "convictions", "cells_dismantled", "disruption_depth",
    "network_members_initial", "network_members_final", "recruits", "criminal_revenue", "assets_frozen",
    "time_to_action_days",
    # corruption
    "corrupt_officer_share", "corrupt_officer_share_final", "bribes_paid", "corruption_cases_detected",
    # victims
    "victims_trafficked", "victims_identified", "victims_protected", "victims_reexploited",
    # community and trade
    "tips_received", "community_trust_final", "legit_trade_delay_hours",
    # routes
    "route_entropy",
    # cost
    "policy_cost",
)
SHARES = ("interdiction_rate", "disruption_depth", "corrupt_officer_share", "corrupt_officer_share_final",
          "community_trust_final")
COUNTS = ("shipments_attempted", "shipments_delivered", "shipments_seized", "arrests", "convictions",
          "cells_dismantled", "recruits", "corruption_cases_detected", "victims_trafficked", "victims_identified",
          "victims_protected", "victims_reexploited", "tips_received", "network_members_initial",
          "network_members_final")
#: Daily columns the time series must have (the summary's quantities, per day).
DAILY_COLUMNS = ("shipments_attempted", "shipments_delivered", "shipments_seized", "seized_value", "arrests",
                 "convictions", "cells_dismantled", "recruits", "criminal_revenue", "assets_frozen", "bribes_paid",
                 "corruption_cases_detected", "victims_trafficked", "victims_identified", "victims_protected",
                 "victims_reexploited", "tips_received", "legit_trade_delay_hours", "corrupt_officer_share",
                 "community_trust")
#: Summary totals that are sums of a daily column, and the event kind logged once per unit.
SUMMED = ("shipments_attempted", "shipments_seized", "arrests", "convictions", "tips_received",
          "victims_trafficked", "victims_identified")
EVENT_FOR = {"shipments_attempted": "shipment_departed", "shipments_seized": "seizure", "arrests": "arrest",
             "convictions": "conviction", "tips_received": "tip"}
EVENT_COLUMNS = ["day", "kind", "org", "actor", "target", "node", "commodity", "value"]


@pytest.fixture(scope="module")
def saved(tmp_path_factory: pytest.TempPathFactory) -> tuple[RunResult, Path]:
    folder = tmp_path_factory.mktemp("outputs") / "nested" / "run"
    result = run_scenario([f"days={SHORT_DAYS}"], seed=SEED, output_dir=folder)
    return result, folder


def _is_json_number_or_null(value: object) -> bool:
    if value is None:
        return True
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _refuse_constant(name: str) -> None:
    raise ValueError(f"summary.json holds {name}, which is not JSON")


def test_summary_has_every_outcome_key(saved: tuple[RunResult, Path]) -> None:
    result, folder = saved
    on_disk = json.loads((folder / "summary.json").read_text(), parse_constant=_refuse_constant)
    assert on_disk == result.summary
    flow_keys = {f"flow_share.{node}" for node in default_corridor().checkpoints}
    assert len(flow_keys) >= 10
    missing = (set(OUTCOME_KEYS) | flow_keys) - set(on_disk)
    assert not missing, f"summary lacks {sorted(missing)}"
    bad = {k: v for k, v in on_disk.items() if not _is_json_number_or_null(v)}
    assert not bad, f"not JSON numbers or null: {bad}"


def test_summary_values_are_in_range(saved: tuple[RunResult, Path]) -> None:
    summary = saved[0].summary
    for key in SHARES:
        assert 0.0 <= summary[key] <= 1.0, (key, summary[key])
    for key in COUNTS:
        assert isinstance(summary[key], int), (key, summary[key])
        assert summary[key] >= 0, (key, summary[key])
    for key, value in summary.items():
        if key.startswith("flow_share."):
            assert 0.0 <= value <= 1.0, (key, value)
    assert summary["shipments_attempted"] > 0, "a 90-day baseline run moved nothing"
    # Every load is accounted for: those on the road at day 0 (they set off in the warm-up) plus those that
    # left later are seized, delivered, lost with their courier, or still on the road at the end.
    ts = saved[0].timeseries
    finished = ts["shipments_seized"] + ts["shipments_delivered"] + ts["loads_lost"]
    carried_in = ts["in_transit"].iloc[0] - ts["shipments_attempted"].iloc[0] + finished.iloc[0]
    assert carried_in >= 0
    assert carried_in + ts["shipments_attempted"].sum() == finished.sum() + ts["in_transit"].iloc[-1]
    assert summary["shipments_attempted"] == ts["shipments_attempted"].sum()
    assert summary["route_entropy"] >= 0.0
    assert summary["policy_cost"] >= 0.0


def test_timeseries_has_one_row_per_day(saved: tuple[RunResult, Path]) -> None:
    result, folder = saved
    ts = pd.read_parquet(folder / "timeseries.parquet")
    assert_frame_equal(ts, result.timeseries)
    assert len(ts) == SHORT_DAYS
    assert "day" in ts.columns
    assert ts["day"].tolist() == list(range(SHORT_DAYS))
    missing = set(DAILY_COLUMNS) - set(ts.columns)
    assert not missing, f"time series lacks {sorted(missing)}"
    for column in ts.columns:
        assert pd.api.types.is_numeric_dtype(ts[column]), column
        assert ts[column].notna().all(), column


def test_summary_agrees_with_timeseries_and_events(saved: tuple[RunResult, Path]) -> None:
    result, _ = saved
    for key in SUMMED:
        assert result.timeseries[key].sum() == pytest.approx(result.summary[key]), key
    kinds = result.events["kind"].value_counts()
    for key, kind in EVENT_FOR.items():
        assert int(kinds.get(kind, 0)) == result.summary[key], (key, kind)


def test_events_have_columns_and_known_kinds(saved: tuple[RunResult, Path]) -> None:
    result, folder = saved
    events = pd.read_parquet(folder / "events.parquet")
    assert_frame_equal(events, result.events)
    missing = [c for c in EVENT_COLUMNS if c not in events.columns]
    assert not missing, f"events lack columns {missing}"
    assert len(events) > 0
    unknown = set(events["kind"]) - set(EVENT_KINDS)
    assert not unknown, f"event kinds outside sim.core.events.LOGGED_KINDS: {sorted(unknown)}"
    assert {"shipment_departed", "route_chosen"} <= set(events["kind"])
    assert events["day"].between(0, SHORT_DAYS).all()
    assert events["day"].is_monotonic_increasing
    for column in ("org", "actor", "target"):
        assert pd.api.types.is_integer_dtype(events[column]), column
    assert pd.api.types.is_float_dtype(events["value"])


def test_manifest(saved: tuple[RunResult, Path]) -> None:
    result, folder = saved
    manifest = assert_complete_run(folder)
    assert {"seed", "config_hash", "versions", "git_commit"} <= set(manifest)
    assert manifest["seed"] == SEED
    assert manifest["config_hash"] == sim.results.config_hash(result.config)
    assert isinstance(manifest["versions"], dict)
    assert {"python", "sim", "numpy", "pandas"} <= set(manifest["versions"])
    commit = manifest["git_commit"]
    assert commit is None or re.fullmatch(r"[0-9a-f]{40}", commit), commit


def test_config_yaml_reloads(saved: tuple[RunResult, Path]) -> None:
    result, folder = saved
    loaded = OmegaConf.load(folder / "config.yaml")
    assert loaded.seed == SEED
    assert loaded.days == SHORT_DAYS
    assert loaded.scenario_name == "baseline"
    # The resolved config is a valid config of the schema, equal to the one that ran.
    assert flatten(OmegaConf.merge(schema(), loaded)) == flatten(result.config)


# ---------------------------------------------------------------------------------------------------
# Writes that do not finish, and writes over an earlier run.


@pytest.fixture(scope="module")
def small_result() -> RunResult:
    return run_scenario(["days=60"], seed=1)


def _fail_on_call(n: int, exc: BaseException, original):
    calls = {"n": 0}

    def wrapper(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] >= n:
            raise exc
        return original(*args, **kwargs)

    return wrapper


@pytest.mark.parametrize("exc", [OSError("disk full"), KeyboardInterrupt()], ids=["error", "ctrl-c"])
def test_interrupted_parquet_write_leaves_nothing_complete(small_result: RunResult, tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch,
                                                           exc: BaseException) -> None:
    out = tmp_path / "run"
    # The second parquet file (events) fails: summary.json and timeseries.parquet are already written.
    monkeypatch.setattr(pd.DataFrame, "to_parquet", _fail_on_call(2, exc, pd.DataFrame.to_parquet))
    with pytest.raises(type(exc)):
        small_result.save(out)
    assert not (out / "manifest.json").exists()
    assert not leftovers(out), leftovers(out)
    assert not sim.results.is_complete(out)


def test_interrupted_rename_leaves_nothing_complete(small_result: RunResult, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "run"
    # Fail while moving files into place: some have arrived, the manifest must not have.
    monkeypatch.setattr(sim.results.os, "replace", _fail_on_call(3, OSError("gone"), sim.results.os.replace))
    with pytest.raises(OSError, match="gone"):
        small_result.save(out)
    assert not (out / "manifest.json").exists()
    assert not leftovers(out), leftovers(out)


def test_interrupted_write_over_a_complete_run_unmarks_it(small_result: RunResult, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "run"
    small_result.save(out)
    assert_complete_run(out)
    monkeypatch.setattr(pd.DataFrame, "to_parquet", _fail_on_call(1, OSError("disk full"), pd.DataFrame.to_parquet))
    with pytest.raises(OSError, match="disk full"):
        small_result.save(out)
    assert not (out / "manifest.json").exists(), "a half-replaced folder still looks complete"
    assert not leftovers(out)


def test_write_over_a_complete_run_replaces_it(small_result: RunResult, tmp_path: Path) -> None:
    out = tmp_path / "run"
    small_result.save(out)
    assert assert_complete_run(out)["seed"] == 1
    second = run_scenario(["days=60"], seed=2, output_dir=out)
    manifest = assert_complete_run(out)  # exactly the five files, no leftovers
    assert manifest["seed"] == 2
    assert json.loads((out / "summary.json").read_text()) == second.summary
    assert second.summary != small_result.summary
    assert_frame_equal(pd.read_parquet(out / "events.parquet"), second.events)
    assert_frame_equal(pd.read_parquet(out / "timeseries.parquet"), second.timeseries)
    assert OmegaConf.load(out / "config.yaml").seed == 2


def _wait_for(path: Path, proc, timeout: float = 60.0) -> None:
    """Wait until the CLI has created its output folder (Hydra makes it when the job starts)."""
    deadline = time.monotonic() + timeout
    while not path.exists() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)


def test_killed_cli_leaves_no_complete_run(tmp_path: Path) -> None:
    """SIGKILL and Ctrl-C (SIGINT) in the middle of a long run: no manifest.json; Ctrl-C exits 130
    with one line and no traceback."""
    killed, interrupted = tmp_path / "killed", tmp_path / "interrupted"
    procs = {out: start_cli(["days=20000", "seed=1", f"output_dir={out}"]) for out in (killed, interrupted)}
    try:
        for out, proc in procs.items():
            _wait_for(out, proc)
        time.sleep(1.5)
        for proc in procs.values():
            assert proc.poll() is None, "the long run finished before it could be interrupted"
        procs[killed].send_signal(signal.SIGKILL)
        procs[interrupted].send_signal(signal.SIGINT)
        done_killed = wait_cli(procs[killed], timeout=60)
        done_interrupted = wait_cli(procs[interrupted], timeout=60)
    finally:
        for proc in procs.values():
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    assert done_killed.returncode == -signal.SIGKILL
    assert not list(killed.rglob("manifest.json"))
    assert not list(interrupted.rglob("manifest.json"))
    assert done_interrupted.returncode == 130, done_interrupted.stderr
    assert "Traceback" not in done_interrupted.stderr
    lines = done_interrupted.stderr.splitlines()
    assert len(lines) == 1, lines
    assert "interrupted" in lines[0]
