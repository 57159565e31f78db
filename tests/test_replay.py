"""Recordings replay exactly, branches start from the recorded state, bad recordings get one clear line."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from sim import outcomes, run_scenario
from sim.config import LEVER_SPECS
from sim.replay import ReplayError, load_recording
from sim.replay.branching import branch
from sim.replay.verification import first_difference, verify
from sim.replay.viewer_data import payload
from tests.conftest import REPO

DAYS = 90


@pytest.fixture(scope="module")
def recording(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("rec") / "run"
    run_scenario([f"days={DAYS}"], seed=4, output_dir=out)
    return out


def replay_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "sim.replay", *args], cwd=REPO, capture_output=True, text=True,
                          timeout=300, check=False)


def test_single_runs_record_frames_of_every_day(recording: Path) -> None:
    frames = json.loads((recording / "frames.json").read_text())
    assert frames["format"] == "sim-frames/1"
    assert len(frames["frames"]["edge_flow"]) == DAYS
    assert len(frames["frames"]["edge_flow"][0]) == len(frames["edges"])
    # Frames agree with the event log: every seizure is marked on its day and node.
    events = pd.read_parquet(recording / "events.parquet")
    seized = events[events.kind == "seizure"]
    node_index = {n["id"]: i for i, n in enumerate(frames["nodes"])}
    total = sum(frames["frames"]["seizures"][int(row.day)][node_index[row.node]] > 0 for row in seized.itertuples())
    assert total == len(seized)
    manifest = json.loads((recording / "manifest.json").read_text())
    assert "frames.json" in manifest["files"]


def test_record_false_writes_no_frames(tmp_path: Path) -> None:
    run_scenario(["days=20", "record=false"], seed=1, output_dir=tmp_path)
    assert not (tmp_path / "frames.json").exists()
    with pytest.raises(ReplayError, match="record=false"):
        load_recording(tmp_path)
    assert verify(tmp_path) is None  # the config and event log are enough to verify it


def test_verify_reproduces_the_event_log(recording: Path) -> None:
    done = replay_cli("verify", str(recording))
    assert done.returncode == 0, done.stderr
    assert "identical" in done.stdout


def test_verify_reports_the_first_difference(recording: Path, tmp_path: Path) -> None:
    import shutil

    copy = tmp_path / "tampered"
    shutil.copytree(recording, copy)
    events = pd.read_parquet(copy / "events.parquet")
    events.loc[7, "value"] = events.loc[7, "value"] + 1.0
    events.to_parquet(copy / "events.parquet", index=False)
    done = replay_cli("verify", str(copy))
    assert done.returncode == 1
    assert "event 7 differs" in done.stdout
    assert "Traceback" not in done.stderr


def test_first_difference_counts_missing_events() -> None:
    a = pd.DataFrame({"day": [0.0, 1.0], "kind": ["x", "y"]})
    assert first_difference(a, a) is None
    assert "2 events" in first_difference(a, a.iloc[:1])


def test_branch_equals_parent_before_its_day_and_is_itself_replayable(recording: Path) -> None:
    out = branch(recording, 40, {"policy.oversight": 0.95, "policy.inspection_rate": 0.3})
    parent = pd.read_parquet(recording / "events.parquet")
    child = pd.read_parquet(out / "events.parquet")
    before = child[(child.day < 40) & (child.kind != "policy_change")].reset_index(drop=True)
    pd.testing.assert_frame_equal(before, parent[parent.day < 40].reset_index(drop=True))
    assert (child.kind == "policy_change").sum() == 1
    assert not child.reset_index(drop=True).equals(parent.reset_index(drop=True))
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["branch_day"] == 40
    assert Path(manifest["parent"]) == recording.resolve() or Path(manifest["parent"]) == recording
    assert verify(out) is None
    # The viewer payload of the parent lists the branch for overlay.
    data = payload(recording)
    assert any(b["run"]["branch_day"] == 40 for b in data["branches"])


@pytest.mark.parametrize(("levers", "day", "expected"), [
    ({"policy.oversight": 3}, 10, "branch.levers: policy.oversight: 3.0 is out of range"),
    ({"policy.nonsense": 1}, 10, "branch.levers.nonsense: unknown lever"),
    ({"policy.targeting": "boss"}, 10, "branch.levers.targeting: 'boss' is not allowed"),
    ({"policy.oversight": 0.5}, DAYS + 5, "branch.day"),
    ({}, 10, "change at least one lever"),
])
def test_bad_branch_is_refused_with_one_line(recording: Path, levers: dict, day: int, expected: str) -> None:
    with pytest.raises((ReplayError, ValueError)) as info:
        branch(recording, day, levers)
    assert expected in str(info.value)
    assert len(str(info.value).splitlines()) == 1


def _broken(tmp_path: Path, recording: Path, how: str) -> Path:
    import shutil

    copy = tmp_path / how
    shutil.copytree(recording, copy)
    if how == "not-a-run":
        (copy / "manifest.json").unlink()
    elif how == "corrupted-frames":
        (copy / "frames.json").write_text('{"format": "sim-frames/1", "days": 3')
    elif how == "truncated-frames":
        frames = json.loads((copy / "frames.json").read_text())
        frames["frames"]["edge_flow"] = frames["frames"]["edge_flow"][:5]
        (copy / "frames.json").write_text(json.dumps(frames))
    elif how == "future-version":
        manifest = json.loads((copy / "manifest.json").read_text())
        manifest["format"] = "sim-run/99"
        (copy / "manifest.json").write_text(json.dumps(manifest))
    return copy


@pytest.mark.parametrize(("how", "expected"), [
    ("not-a-run", "not a complete run folder"),
    ("corrupted-frames", "frames.json: corrupted"),
    ("truncated-frames", "edge_flow is not"),
    ("future-version", "this version reads 'sim-run/1'"),
])
def test_bad_recordings_get_one_clear_line(recording: Path, tmp_path: Path, how: str, expected: str) -> None:
    bad = _broken(tmp_path, recording, how)
    commands = [["export", str(bad), "--html", str(tmp_path / "x.html")],
                ["view", str(bad), "--port", "0", "--no-browser"]]
    if "frames" not in how:
        commands.append(["verify", str(bad)])  # verify needs only the config and the event log
    for command in commands:
        done = replay_cli(*command)
        assert done.returncode == 2, (command, done.stdout, done.stderr)
        lines = done.stderr.strip().splitlines()
        assert len(lines) == 1, done.stderr
        assert lines[0].startswith("error:")
        assert expected in lines[0]
        assert "Traceback" not in done.stderr
    assert not (tmp_path / "x.html").exists()


def test_branch_from_the_command_line(recording: Path) -> None:
    done = replay_cli("branch", str(recording), "--day", "30", "--seeds", "1", "policy.joint_task_force=true")
    assert done.returncode == 0, done.stderr
    out = Path(done.stdout.strip().split()[-1])
    assert (out / "manifest.json").is_file()
    bad = replay_cli("branch", str(recording), "--day", "30", "policy.oversight=2")
    assert bad.returncode == 2
    assert bad.stderr.strip().startswith("error: branch.levers: policy.oversight")


def test_experiment_runs_can_be_recorded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from sim.experiment import runner as ex

    folder = tmp_path / "experiments"
    folder.mkdir()
    (folder / "rec.yaml").write_text("defaults:\n  - experiment_schema\n  - _self_\nname: rec\n"
                                     "scenarios: [baseline]\nreplications: 2\ndays: 20\nreport: false\n")
    monkeypatch.setattr(ex, "EXPERIMENTS_DIR", folder)
    plain = ex.run_experiment(ex.load_definition("rec", [f"results_dir={tmp_path / 'a'}"]), progress=False)
    assert not any(p.is_dir() for p in (plain.path / "runs").iterdir()), "experiments stay small by default"
    recorded = ex.run_experiment(ex.load_definition("rec", [f"results_dir={tmp_path / 'b'}", "record=true"]),
                                 progress=False)
    run_dir = recorded.path / "runs" / "baseline-r000"
    assert (run_dir / "frames.json").is_file()
    assert verify(run_dir) is None


def test_viewer_payload_takes_outcomes_and_levers_from_their_registries(recording: Path) -> None:
    data = payload(recording)
    charted = [c["key"] for c in data["charts"]]
    assert charted == ([o.key for o in outcomes.OUTCOMES if o.series and o.chart]
                       + [o.key for o in outcomes.LEVELS if o.chart])
    catalog = {c["key"] for c in data["chart_catalog"]}
    assert set(charted) <= set(data["series"]) <= catalog
    assert data["branch_outcomes"] == list(outcomes.DEFAULT_OUTCOMES)
    charts = {c["key"]: c for c in data["charts"]}
    assert charts["shipments_seized"]["cumulative"]
    assert not charts["legit_trade_delay_hours"]["cumulative"]
    assert charts["corrupt_officer_share"]["percent"]
    assert not charts["corrupt_officer_share"]["cumulative"]
    for key in data["branch_outcomes"]:
        o, info = outcomes.get(key), data["outcomes"][key]
        assert (info["label"], info["unit"], info["better"]) == (o.label, o.unit, int(o.better))
    assert data["outcomes"]["victims_trafficked"]["better"] == -1
    levers = {lever["key"]: lever for lever in data["lever_schema"]}
    assert set(levers) == {f"policy.{k}" for k in LEVER_SPECS}
    oversight = levers["policy.oversight"]
    assert (oversight["min"], oversight["max"], oversight["note"]) == (0.0, 1.0, LEVER_SPECS["oversight"].note)
    assert data["run"]["schedule"] == []


def test_payload_shows_the_policy_schedule_and_a_branch_as_its_last_change(tmp_path: Path) -> None:
    run = tmp_path / "scheduled"
    run_scenario(["days=30", "policy_schedule=[{day:10,levers:{oversight:0.9,targeting:kingpin}}]"], seed=2,
                 output_dir=run)
    change = {"day": 10, "levers": {"oversight": 0.9, "targeting": "kingpin"}}
    assert payload(run)["run"]["schedule"] == [change]
    child = payload(branch(run, 20, {"policy.inspection_rate": 0.3}))
    assert child["run"]["schedule"] == [change, {"day": 20, "levers": {"inspection_rate": 0.3}}]
    json.dumps(child)  # JSON-ready as it is


@pytest.mark.parametrize("module", ["sim.replay", "sim.core.frames", "sim.replay.store", "sim.replay.verification",
                                    "sim.replay.branching", "sim.replay.viewer_data", "sim.replay.page",
                                    "sim.replay.server", "sim.replay.cli", "sim.core.model"])
def test_each_replay_module_imports_first_in_a_fresh_interpreter(module: str) -> None:
    """No import cycle bites whichever part is imported first."""
    done = subprocess.run([sys.executable, "-c", f"import {module}"], cwd=REPO, capture_output=True, text=True,
                          timeout=120, check=False)
    assert done.returncode == 0, done.stderr
