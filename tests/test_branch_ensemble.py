"""Branch ensembles (sim/replay/ensemble.py): a branch over N paired seeds, its statistics, and its refusals.

The recording's seed is pair 1 (the recording and the branch recording themselves); the other pairs are
(original config, seed i) vs (branched config, seed i) and re-run exactly by `run_scenario`. The ensemble
is the same file whatever the number of workers. Intervals, verdicts and the words for how an outcome is
measured come from the outcome registry; bad input gets one line (CLI: `error:` and exit code 2; server:
a 400 with one line). A short run with no warm-up keeps these tests quick.
"""

from __future__ import annotations

import http.client
import json
import math
import shutil
from pathlib import Path
from typing import Any

import pytest
from scipy import stats

from sim import outcomes, run_scenario
from sim.config import LEVER_SPECS, SPECS
from sim.intervals import Estimate, level_ci, mean_ci
from sim.replay.branching import branch_name, check_day, plan_branch
from sim.replay.cli import main
from sim.replay.ensemble import (
    ENSEMBLE_FILE,
    MAX_SEEDS,
    compare,
    ensemble_seeds,
    measured,
    read_ensemble,
    run_ensemble,
    verdict,
    workers,
)
from sim.replay.store import ReplayError
from sim.replay.viewer_data import LEVER_COSTS, payload
from tests.conftest import copy_of, in_process, serving

DAYS = 20
SEED = 7
RECORDING = [f"days={DAYS}", "warmup_days=0"]
LEVERS = {"policy.inspection_rate": 0.3, "policy.oversight": 0.9}


@pytest.fixture(scope="module")
def recording(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("ensemble") / "run"
    run_scenario(RECORDING, seed=SEED, output_dir=out)
    return out


@pytest.fixture(scope="module")
def ensemble(recording: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    """A 3-seed ensemble from day 5, made in one process (n_jobs=1), on its own copy of the recording."""
    run = Path(shutil.copytree(recording, tmp_path_factory.mktemp("serial") / "run"))
    folder, data = run_ensemble(run, 5, LEVERS, seeds=3, n_jobs=1)
    assert data is not None
    return folder, data


# ------------------------------------------------------------------------------------------------ pairing


def test_pairs_share_seeds_and_the_recording_is_pair_one(recording: Path,
                                                         ensemble: tuple[Path, dict[str, Any]]) -> None:
    folder, data = ensemble
    seeds = data["seeds"]
    assert seeds == ensemble_seeds(SEED, 3)
    assert seeds[0] == SEED
    assert len(set(seeds)) == 3
    assert json.loads((folder / ENSEMBLE_FILE).read_text()) == data
    recorded = json.loads((recording / "summary.json").read_text())
    branched = json.loads((folder / "summary.json").read_text())
    for key, entry in data["outcomes"].items():
        assert entry["original"][0] == pytest.approx(recorded[key], nan_ok=True), key
        assert entry["branch"][0] == pytest.approx(branched[key], nan_ok=True), key
    # Pair 3, re-run by hand: the original config and the branched config on the same seed.
    levers = [f"+branch.levers.{k.removeprefix('policy.')}={v}" for k, v in LEVERS.items()]
    original = run_scenario(RECORDING, seed=seeds[2]).summary
    branch = run_scenario([*RECORDING, "branch.day=5", *levers], seed=seeds[2]).summary
    for key, entry in data["outcomes"].items():
        assert entry["original"][2] == pytest.approx(original[key], nan_ok=True), key
        assert entry["branch"][2] == pytest.approx(branch[key], nan_ok=True), key
        pairs = [b - a for a, b in zip(entry["original"], entry["branch"], strict=True)
                 if a is not None and b is not None]
        assert entry["difference"]["n"] == len(pairs)
        if pairs:
            assert entry["difference"]["mean"] == pytest.approx(sum(pairs) / len(pairs))


def test_the_ensemble_is_the_same_whatever_the_workers(recording: Path, ensemble: tuple[Path, dict[str, Any]],
                                                       tmp_path: Path) -> None:
    serial, _ = ensemble
    run = copy_of(recording, tmp_path)
    seen: list[tuple[int, int]] = []
    folder, data = run_ensemble(run, 5, LEVERS, seeds=3, n_jobs=2,
                                progress=lambda done, total: seen.append((done, total)))
    assert data is not None
    ours, theirs = (json.loads((f / ENSEMBLE_FILE).read_text()) for f in (folder, serial))
    assert ours.pop("parent") == str(run)  # the only difference: where each copy of the recording lives
    theirs.pop("parent")
    assert ours == theirs
    assert (folder / "events.parquet").read_bytes() == (serial / "events.parquet").read_bytes()
    assert seen[0] == (0, 5)
    assert seen[-1] == (5, 5)
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)


def test_one_seed_is_a_plain_branch_with_no_ensemble(recording: Path, tmp_path: Path) -> None:
    run = copy_of(recording, tmp_path)
    folder, data = run_ensemble(run, 5, {"policy.oversight": 0.9}, seeds=1)
    assert data is None
    assert (folder / "manifest.json").is_file()
    assert not (folder / ENSEMBLE_FILE).exists()
    assert read_ensemble(folder) is None


def test_workers_are_capped_at_the_cores_and_the_runs() -> None:
    assert workers(None, 1) == 1
    assert workers(1, 10) == 1
    assert workers(10_000, 10) <= 10
    assert workers(None, 10_000) >= 1


# ------------------------------------------------------------------------------------------------ statistics


def test_mean_interval_is_the_t_interval() -> None:
    x = [1.0, 4.0, 2.0, 7.0, None, math.nan]
    got = mean_ci(x)
    finite = [1.0, 4.0, 2.0, 7.0]
    mean = sum(finite) / 4
    sd = math.sqrt(sum((v - mean) ** 2 for v in finite) / 3)
    half = stats.t.ppf(0.975, 3) * sd / 2
    assert (got.n, got.mean) == (4, mean)
    assert (got.low, got.high) == (pytest.approx(mean - half), pytest.approx(mean + half))
    assert not mean_ci([3.0]).has_interval
    assert mean_ci([]).n == 0


def test_level_intervals_stay_inside_the_outcomes_range() -> None:
    skewed = [0, 0, 0, 0, 50]  # a count: the t interval would go below zero
    assert mean_ci(skewed).low < 0
    count = level_ci(skewed, "arrests")
    assert 0 <= count.low < count.mean < count.high
    share = level_ci([0.01, 0.02, 0.9], "corrupt_officer_share")
    assert 0 <= share.low < share.mean < share.high <= 1
    net = level_ci([-5.0, 1.0, 2.0], "criminal_profit")  # a net amount may be negative
    assert net == mean_ci([-5.0, 1.0, 2.0])


@pytest.mark.parametrize(("key", "diffs", "expected"), [
    ("victims_trafficked", [-3, -2, -4, -3], "better"),     # lower is better: a fall is good
    ("shipments_seized", [3, 2, 4, 3], "better"),           # higher is better: a rise is good
    ("arrests", [-3, -2, -4, -3], "worse"),
    ("legit_trade_delay_hours", [0.5, 0.4, 0.6], "worse"),  # lower is better: a rise is bad
    ("shipments_attempted", [3, 2, 4, 3], "neutral"),       # no better side
    ("victims_trafficked", [-3, 2, -4, 3], "unresolved"),   # the interval includes 0
    ("victims_trafficked", [-3, -2], "few"),                # fewer than 3 pairs
    ("policy_cost", [1.5, 1.5, 1.5], "worse"),              # fixed by the levers: the same in every pair
    ("convictions", [0, 0, 0], "same"),
    ("arrests", [], "missing"),
])
def test_verdicts_follow_the_better_direction_not_the_sign(key: str, diffs: list[float], expected: str) -> None:
    assert verdict(key, mean_ci(diffs)) == expected


def test_compare_pairs_seed_by_seed_and_leaves_out_missing_values() -> None:
    original = [{"arrests": 10, "time_to_action_days": None}, {"arrests": 12, "time_to_action_days": 4.0},
                {"arrests": 9, "time_to_action_days": 5.0}]
    branched = [{"arrests": 14, "time_to_action_days": 3.0}, {"arrests": 15, "time_to_action_days": 3.0},
                {"arrests": 13, "time_to_action_days": float("nan")}]
    out = compare(original, branched, ["arrests", "time_to_action_days"])
    assert out["arrests"]["difference"]["mean"] == pytest.approx(11 / 3)
    assert out["arrests"]["verdict"] == "better"
    assert out["arrests"]["original"] == [10.0, 12.0, 9.0]
    assert out["time_to_action_days"]["difference"]["n"] == 1  # only seed 2 has both values
    assert out["time_to_action_days"]["branch"] == [3.0, 3.0, None]
    assert out["arrests"]["measured"] == "total over the run"


@pytest.mark.parametrize(("key", "words"), [
    ("corrupt_officer_share", "mean over the run"), ("corrupt_officer_share_final", "at the end"),
    ("community_trust_final", "at the end"), ("arrests", "total over the run"),
    ("time_to_action_days", "median over the run"), ("legit_trade_delay_hours", "mean over the run"),
    ("policy_cost", "total over the run"),
])
def test_each_outcome_says_how_it_is_measured(key: str, words: str) -> None:
    assert measured(key) == words


def test_interval_json_has_no_nan() -> None:
    assert Estimate(1, 2.0, math.nan, math.nan).as_json() == {"n": 1, "mean": 2.0, "low": None, "high": None}


# ------------------------------------------------------------------------------------------------ names, days, help


def test_branches_are_named_by_their_lever_changes() -> None:
    assert branch_name(120, {"oversight": 0.9}) == "oversight 0.9 from day 120"
    assert branch_name(30, {"policy.joint_task_force": True, "interdiction_focus": ["vk_bridge", "ko_border"],
                            "targeting": "kingpin"}) == \
        "joint task force on, interdiction focus vk bridge, ko border, targeting kingpin from day 30"
    assert branch_name(120, {"oversight": 0.9}) != branch_name(120, {"oversight": 0.8})


def test_a_branch_on_the_last_day_is_refused(recording: Path) -> None:
    with pytest.raises(ReplayError, match="last day: a one-day branch tells nothing") as info:
        check_day(DAYS - 1, DAYS)
    assert str(info.value) == (f"branch.day: {DAYS - 1} is the recording's last day: a one-day branch tells nothing; "
                               f"allowed: a day in [0, {DAYS - 2}]")
    with pytest.raises(ReplayError, match="nothing left to run"):
        check_day(DAYS, DAYS)
    with pytest.raises(ReplayError, match="one day: nothing to branch"):
        check_day(0, 1)
    assert check_day(DAYS - 2, DAYS) == DAYS - 2
    assert plan_branch(recording, DAYS - 2, {"oversight": 0.9}).day == DAYS - 2  # planned, not run


def test_the_payload_explains_each_lever(recording: Path) -> None:
    data = payload(recording)
    levers = {entry["key"].removeprefix("policy."): entry for entry in data["lever_schema"]}
    assert set(levers) == set(LEVER_SPECS)
    for name, (cost_key, _) in LEVER_COSTS.items():
        assert name in LEVER_SPECS, name
        assert f"costs.{cost_key}" in SPECS, cost_key
    config_costs = {k.removeprefix("costs."): s.default for k, s in SPECS.items() if k.startswith("costs.")}
    oversight = levers["oversight"]
    assert oversight["label"] == "oversight"
    assert oversight["range"] == "0–1 (a share)"
    assert oversight["note"] == LEVER_SPECS["oversight"].note
    assert oversight["cost"]["value"] == config_costs["oversight"]
    assert oversight["cost"]["unit"] == SPECS["costs.oversight"].unit
    assert levers["targeting"]["cost"] is None  # it redirects investigations, at no cost of its own
    assert levers["joint_task_force"]["range"] == "on or off"
    posts = {n["id"] for n in data["nodes"] if n["kind"] in ("crossing", "informal_crossing", "port", "airport")}
    assert posts
    assert set(levers["interdiction_focus"]["nodes"]) == posts
    assert data["outcomes"]["corrupt_officer_share"]["measured"] == "mean over the run"


def test_the_payload_carries_a_branchs_name_ensemble_and_view(recording: Path,
                                                              ensemble: tuple[Path, dict[str, Any]]) -> None:
    folder, data = ensemble
    parent = payload(folder.parent.parent)
    entry = next(b for b in parent["branches"] if b["run"]["path"] == str(folder))
    assert entry["run"]["name"] == "inspection rate 0.3, oversight 0.9 from day 5"
    assert entry["ensemble"]["seeds"] == data["seeds"]
    assert entry["ensemble"]["outcomes"] == data["outcomes"]  # recomputed from the values: the same
    assert entry["ensemble_error"] is None
    assert len(entry["view"]["frames"]["edge_flow"]) == DAYS
    assert entry["view"]["events"]["columns"][:2] == ["day", "kind"]


@pytest.mark.parametrize(("text", "expected"), [
    ("{", "corrupted"),
    ('{"format": "other/1"}', "format 'other/1'"),
    ('{"format": "sim-branch-ensemble/1", "seeds": [1], "outcomes": {}}', "seeds"),
    ('{"format": "sim-branch-ensemble/1", "seeds": [1, 2], "outcomes": {"arrests": {"original": [1], '
     '"branch": [1, 2]}}}', "outcomes.arrests.original"),
    ('{"format": "sim-branch-ensemble/1", "seeds": [1, 2], "outcomes": {"arrests": {"original": [1, "x"], '
     '"branch": [1, 2]}}}', "outcomes.arrests.original"),
    ('{"format": "sim-branch-ensemble/1", "seeds": [1, 2], "outcomes": {"arrests": {"original": [1, NaN], '
     '"branch": [1, 2]}}}', "corrupted"),
])
def test_a_damaged_ensemble_is_left_out_with_one_line(ensemble: tuple[Path, dict[str, Any]], tmp_path: Path,
                                                     text: str, expected: str) -> None:
    folder = Path(shutil.copytree(ensemble[0], tmp_path / "branch"))
    (folder / ENSEMBLE_FILE).write_text(text)
    with pytest.raises(ReplayError) as info:
        read_ensemble(folder)
    assert expected in str(info.value)
    assert len(str(info.value).splitlines()) == 1


def test_an_oversized_ensemble_is_refused_before_it_is_read(ensemble: tuple[Path, dict[str, Any]],
                                                            tmp_path: Path) -> None:
    folder = Path(shutil.copytree(ensemble[0], tmp_path / "branch"))
    with (folder / ENSEMBLE_FILE).open("wb") as handle:
        handle.truncate(5 * 1024 * 1024)
    with pytest.raises(ReplayError, match="too large"):
        read_ensemble(folder)


# ------------------------------------------------------------------------------------------------ command line


def replay(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """`python -m sim.replay ARGV`, in process: (exit code, stdout, stderr)."""
    return in_process(main, argv, capsys)


@pytest.mark.parametrize(("args", "expected"), [
    (["--seeds", "0"], "--seeds: '0' is not a number of seeds; allowed: a whole number in [1, 100]"),
    (["--seeds", str(MAX_SEEDS + 1)], "--seeds"),
    (["--seeds", "ten"], "--seeds"),
    (["--seeds", "2.5"], "--seeds"),
    (["--jobs", "0"], "--jobs"),
    (["--day", str(DAYS - 1)], "last day"),
    (["--day", str(DAYS)], "nothing left to run"),
])
def test_bad_branch_arguments_get_one_line(recording: Path, capsys: pytest.CaptureFixture[str], args: list[str],
                                           expected: str) -> None:
    argv = ["branch", str(recording), *(["--day", "3"] if "--day" not in args else []), *args, "policy.oversight=0.9"]
    code, out, err = replay(capsys, *argv)
    lines = err.strip().splitlines()
    assert code == 2, (out, err)
    assert len(lines) == 1, err
    assert lines[0].startswith("error:"), err
    assert expected in lines[0]
    assert "Traceback" not in err
    assert not (recording / "branches").exists()


def test_the_command_line_prints_the_comparison(recording: Path, tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    run = copy_of(recording, tmp_path)
    code, out, err = replay(capsys, "branch", str(run), "--day", "5", "--seeds", "3", "--jobs", "1",
                            "policy.oversight=0.9", "policy.inspection_rate=0.3")
    assert code == 0, err
    lines = out.strip().splitlines()
    folder = Path(lines[-1].split()[-1])  # the last word is still the folder, as before ensembles
    assert (folder / ENSEMBLE_FILE).is_file()
    assert lines[0].startswith("oversight 0.9, inspection rate 0.3 from day 5: 3 paired seeds")
    table = "\n".join(lines)
    for words in ("policy cost (M)", "total over the run", "mean over the run", "at the end"):
        assert words in table
    cost = next(line for line in lines if "policy cost" in line)
    assert cost.rstrip().endswith("worse")  # more spent: worse, whatever the sign says


# ------------------------------------------------------------------------------------------------ the server


def call(port: int, method: str, path: str, body: dict[str, Any] | None = None) -> tuple[int, dict[str, Any]]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    try:
        raw = json.dumps(body).encode() if body is not None else None
        headers = {"Content-Type": "application/json"} if raw is not None else {}
        connection.request(method, path, body=raw, headers=headers)
        reply = connection.getresponse()
        return reply.status, json.loads(reply.read())
    finally:
        connection.close()


def test_the_server_runs_an_ensemble_and_refuses_bad_seeds_in_one_line(recording: Path, tmp_path: Path) -> None:
    run = copy_of(recording, tmp_path)
    with serving(run) as port:
        assert call(port, "GET", "/api/branch/progress") == (200, {"ok": True, "running": False, "done": 0,
                                                                   "total": 0})
        for seeds, expected in [(0, "out of range"), (MAX_SEEDS + 1, "out of range"), (True, "whole number"),
                                (2.5, "whole number"), ("3", "whole number")]:
            request = {"day": 3, "levers": {"oversight": 0.9}, "seeds": seeds}
            status, answer = call(port, "POST", "/api/branch", request)
            assert (status, answer["ok"]) == (400, False)
            assert answer["error"].startswith("branch.seeds")
            assert expected in answer["error"]
        status, answer = call(port, "POST", "/api/branch", {"day": DAYS - 1, "levers": {"oversight": 0.9}})
        assert status == 400
        assert "last day" in answer["error"]
        assert not (run / "branches").exists()
        status, answer = call(port, "POST", "/api/branch", {"day": 3, "levers": {"oversight": 0.9}, "seeds": 3})
        assert status == 200, answer
        branch = answer["branch"]
        assert branch["run"]["name"] == "oversight 0.9 from day 3"
        assert len(branch["ensemble"]["seeds"]) == 3
        assert set(branch["ensemble"]["outcomes"]) == set(outcomes.DEFAULT_OUTCOMES)
        assert call(port, "GET", "/api/branch/progress") == (200, {"ok": True, "running": False, "done": 5,
                                                                   "total": 5})
