"""A policy that changes over time (`policy_schedule`): identical to the run without it before the first
change, the new levers in force from their day on, priced per stretch; a branch is its last entry."""

from __future__ import annotations

import pandas as pd
import pytest

from sim import ConfigError, run_scenario

DAYS = 120
CHANGE = 40
SCHEDULE = "policy_schedule=[{day: 40, levers: {inspection_rate: 0.6, oversight: 0.9}}]"


def _before(events: pd.DataFrame, day: int) -> pd.DataFrame:
    return events[events.day < day].reset_index(drop=True)


@pytest.mark.parametrize("seed", [1, 2])
def test_runs_agree_until_the_change_and_part_after_it(seed: int) -> None:
    plain = run_scenario([f"days={DAYS}"], seed=seed)
    scheduled = run_scenario([f"days={DAYS}", SCHEDULE], seed=seed)
    pd.testing.assert_frame_equal(_before(plain.events, CHANGE), _before(scheduled.events, CHANGE))
    change = scheduled.events[scheduled.events.kind == "policy_change"]
    assert list(change.day) == [CHANGE]
    assert change.detail.iloc[0] == "inspection_rate=0.6,oversight=0.9"
    assert not plain.events.equals(scheduled.events)


def test_the_new_levers_act_from_their_day() -> None:
    """More inspection from day 40: inspections per day jump after the change, over several seeds."""
    rates = []
    for seed in range(4):
        e = run_scenario([f"days={DAYS}", SCHEDULE], seed=seed).events
        inspections = e[e.kind == "inspection"]
        before = (inspections.day < CHANGE).sum() / CHANGE
        after = (inspections.day >= CHANGE).sum() / (DAYS - CHANGE)
        rates.append((before, after))
    assert all(after > 3 * max(before, 0.05) for before, after in rates), rates


def test_policy_cost_is_priced_per_stretch() -> None:
    days = 100
    low = run_scenario([f"days={days}"], seed=1).summary["policy_cost"]
    high = run_scenario([f"days={days}", "policy.inspection_rate=0.6", "policy.oversight=0.9"],
                        seed=1).summary["policy_cost"]
    mixed = run_scenario([f"days={days}", SCHEDULE], seed=1).summary["policy_cost"]
    assert mixed == pytest.approx(low * CHANGE / days + high * (days - CHANGE) / days)


def test_a_scenario_can_carry_a_schedule() -> None:
    result = run_scenario(["scenario=fusion_centre_rollout", "days=200"], seed=3)
    changes = result.events[result.events.kind == "policy_change"]
    assert list(changes.day) == [90, 180]
    assert "targeting=broker" in changes.detail.iloc[1]


def test_a_branch_is_the_last_change_of_its_day() -> None:
    result = run_scenario([f"days={DAYS}", SCHEDULE, "branch.day=40", "+branch.levers.oversight=0.1"], seed=1)
    changes = result.events[result.events.kind == "policy_change"]
    assert list(changes.detail) == ["inspection_rate=0.6,oversight=0.9", "oversight=0.1"]


@pytest.mark.parametrize(("schedule", "named"), [
    ("[{day: 500, levers: {oversight: 0.9}}]", "policy_schedule[0].day"),
    ("[{day: 5, levers: {oversight: 7}}]", "policy_schedule[0].levers"),
    ("[{day: 5, levers: {nonsense: 1}}]", "policy_schedule[0].levers.nonsense"),
    ("[{day: 5, levers: {}}]", "policy_schedule[0].levers"),
])
def test_bad_schedules_name_the_entry(schedule: str, named: str) -> None:
    with pytest.raises(ConfigError, match=named.replace("[", r"\[").replace("]", r"\]")):
        run_scenario([f"days={DAYS}", f"policy_schedule={schedule}"], seed=1)
