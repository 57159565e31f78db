"""Batch experiments: parallel and dask runs agree, a killed experiment resumes with nothing lost or
doubled, a failing run is recorded while the rest finish, bad definitions are refused before running."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from sim.errors import ConfigError
from sim.experiment import cli, definition, design, multirun, runner
from tests.conftest import REPO

TINY = """
defaults:
  - experiment_schema
  - _self_
name: tiny
description: two scenarios, short runs
scenarios: [baseline, integrated]
baseline: baseline
replications: 3
days: 40
seed: 3
outcomes: [interdiction_rate, arrests, corrupt_officer_share, victims_trafficked]
report: false
"""


@pytest.fixture
def experiments(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "experiments"
    folder.mkdir()
    (folder / "tiny.yaml").write_text(TINY)
    (folder / "sweep.yaml").write_text(TINY.replace("name: tiny", "name: sweep").replace(
        "scenarios: [baseline, integrated]", "scenarios: [baseline]") + """
design:
  kind: lhs
  samples: 3
  levers:
    policy.inspection_rate: [0.0, 0.3]
    policy.joint_task_force: [0, 1]
""")
    monkeypatch.setattr(definition, "EXPERIMENTS_DIR", folder)
    monkeypatch.setenv("SIM_EXPERIMENTS_DIR", str(folder))
    return folder


def _run(name: str, *overrides: str) -> runner.ExperimentOutcome:
    return runner.run_experiment(definition.load_definition(name, list(overrides)), progress=False)


def _runs(path: Path) -> pd.DataFrame:
    return pd.read_parquet(path / "runs.parquet").sort_values("run_id").reset_index(drop=True)


def test_results_do_not_depend_on_workers_or_backend(experiments: Path, tmp_path: Path) -> None:
    serial = _run("tiny", f"results_dir={tmp_path / 'a'}", "n_jobs=1")
    parallel = _run("tiny", f"results_dir={tmp_path / 'b'}", "n_jobs=2")
    assert serial.ok == parallel.ok == 6
    pd.testing.assert_frame_equal(_runs(serial.path), _runs(parallel.path))
    pd.testing.assert_frame_equal(pd.read_parquet(serial.path / "timeseries.parquet"),
                                  pd.read_parquet(parallel.path / "timeseries.parquet"))
    from distributed import LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, host="127.0.0.1", dashboard_address=None,
                      processes=True) as cluster:
        dask = _run("tiny", f"results_dir={tmp_path / 'c'}", "backend=dask", f"scheduler={cluster.scheduler_address}")
    pd.testing.assert_frame_equal(_runs(serial.path), _runs(dask.path))


def test_runs_table_has_ids_seeds_levers_and_outcomes(experiments: Path, tmp_path: Path) -> None:
    out = _run("sweep", f"results_dir={tmp_path}")
    runs = _runs(out.path)
    assert len(runs) == 9  # 3 design points x 3 replicates
    for column in ("run_id", "scenario", "replicate", "seed", "policy.intel_sharing", "network.organisations",
                   "interdiction_rate", "policy_cost", "flow_share.vk_bridge"):
        assert column in runs
    # Replicate r has the same seed at every design point (common random numbers).
    assert runs.groupby("replicate").seed.nunique().eq(1).all()
    assert runs["policy.inspection_rate"].nunique() == 3
    assert set(runs["policy.joint_task_force"]) <= {True, False}
    ts = pd.read_parquet(out.path / "timeseries.parquet")
    assert set(ts.run_id) == set(runs.run_id)
    assert ts.groupby("run_id").day.count().eq(40).all()
    manifest = json.loads((out.path / "manifest.json").read_text())
    assert manifest["runs"] == {"total": 9, "ok": 9, "failed": 0}


def test_changed_definition_goes_to_a_new_folder(experiments: Path, tmp_path: Path) -> None:
    first = _run("tiny", f"results_dir={tmp_path}")
    second = _run("tiny", f"results_dir={tmp_path}", "days=41")
    again = _run("tiny", f"results_dir={tmp_path}", "n_jobs=2")  # how it runs is not what it computes
    assert first.path != second.path
    assert again.path == first.path
    assert again.ran == 0
    # More replications extend the same results: replicate seeds do not depend on how many there are.
    more = _run("tiny", f"results_dir={tmp_path}", "replications=4")
    assert more.path == first.path
    assert more.ran == 2
    assert more.ok == 8


def test_failing_run_is_recorded_and_the_rest_finish(experiments: Path, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    import sim.api

    real = sim.api.simulate
    bad_seed = design.replicate_seed(3, 1)

    def flaky(cfg, progress=False):
        if cfg.seed == bad_seed and cfg.scenario_name == "integrated":
            raise RuntimeError("worker crashed")
        return real(cfg, progress=progress)

    monkeypatch.setattr(sim.api, "simulate", flaky)
    out = _run("tiny", f"results_dir={tmp_path}")
    assert out.ok == 5
    assert len(out.failed) == 1
    runs = _runs(out.path)
    failed = runs[runs.status == "failed"]
    assert failed.run_id.tolist() == ["integrated-r001"]
    assert failed.seed.tolist() == [bad_seed]
    assert "worker crashed" in failed.error.iloc[0]
    # Re-running retries only the failed run.
    monkeypatch.setattr(sim.api, "simulate", real)
    again = _run("tiny", f"results_dir={tmp_path}")
    assert again.ran == 1
    assert again.ok == 6


def test_command_exits_nonzero_when_a_run_failed(experiments: Path, tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(runner, "execute", lambda spec, record=False: {"status": "failed", "error": "boom",
                                                          "summary": {}, "timeseries": None, "seconds": 0.0})
    monkeypatch.setattr("sim.experiment.report.build.build_report", lambda path: Path(path) / "report.md")
    code = cli.main(["experiment=tiny", f"results_dir={tmp_path}"])
    assert code == 1
    assert "6 run(s) failed" in capsys.readouterr().err


def test_killed_experiment_resumes_without_loss_or_double_counting(experiments: Path, tmp_path: Path) -> None:
    env = {**os.environ, "SIM_EXPERIMENTS_DIR": str(experiments)}
    env.pop("PYTHONPATH", None)
    args = [sys.executable, "-m", "sim.experiment", "experiment=tiny", "replications=8", "days=150", "n_jobs=2"]
    killed_dir, clean_dir = tmp_path / "killed", tmp_path / "clean"
    proc = subprocess.Popen([*args, f"results_dir={killed_dir}"], cwd=REPO, env=env, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 120
    while time.time() < deadline and len(list(killed_dir.glob("tiny/*/runs/*.json"))) < 3:
        time.sleep(0.1)
    os.killpg(proc.pid, signal.SIGKILL)  # the whole process group: parent and loky workers
    proc.wait()
    records_before = len(list(killed_dir.glob("tiny/*/runs/*.json")))
    assert 3 <= records_before < 16, "the kill should land mid-experiment"
    resumed = subprocess.run([*args, f"results_dir={killed_dir}"], cwd=REPO, env=env, capture_output=True,
                             text=True, timeout=300, check=False)
    assert resumed.returncode == 0, resumed.stderr
    assert f"{16 - records_before} run now" in resumed.stdout or records_before == 16
    clean = subprocess.run([*args, f"results_dir={clean_dir}"], cwd=REPO, env=env, capture_output=True, text=True,
                           timeout=300, check=False)
    assert clean.returncode == 0, clean.stderr
    [killed_path] = killed_dir.glob("tiny/*")
    [clean_path] = clean_dir.glob("tiny/*")
    killed_runs, clean_runs = _runs(killed_path), _runs(clean_path)
    assert len(killed_runs) == 16
    assert killed_runs.run_id.is_unique
    pd.testing.assert_frame_equal(killed_runs, clean_runs)
    killed_ts = pd.read_parquet(killed_path / "timeseries.parquet").sort_values(["run_id", "day"])
    clean_ts = pd.read_parquet(clean_path / "timeseries.parquet").sort_values(["run_id", "day"])
    pd.testing.assert_frame_equal(killed_ts.reset_index(drop=True), clean_ts.reset_index(drop=True))


@pytest.mark.parametrize(("override", "expected"), [
    ("scenarios=[baseline,no_such]", "scenarios: unknown scenario 'no_such'"),
    ("baseline=crackdown", "baseline: 'crackdown' is not among the scenarios"),
    ("replications=0", "replications: must be at least 1"),
    ("outcomes=[nonsense]", "outcomes: unknown outcome 'nonsense'"),
    ("n_jobs=0", "n_jobs"),
    ("overrides=[policy.oversight=7]", "policy.oversight"),
    ("backend=dask", "scheduler"),
    ("scheduler=tcp://127.0.0.1:1", "cannot reach dask scheduler"),
    ("nonsense_key=1", "nonsense_key"),
])
def test_bad_definition_gets_one_line_and_exit_2(experiments: Path, tmp_path: Path, override: str,
                                                 expected: str) -> None:
    extra = ["backend=dask"] if override.startswith("scheduler=") else []
    env = {**os.environ, "SIM_EXPERIMENTS_DIR": str(experiments)}
    env.pop("PYTHONPATH", None)
    proc = subprocess.run([sys.executable, "-m", "sim.experiment", "experiment=sweep", override, *extra,
                           f"results_dir={tmp_path}"], cwd=REPO, env=env, capture_output=True, text=True,
                          timeout=120, check=False)
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("error:"), proc.stderr
    assert expected in lines[0], proc.stderr
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / "sweep").exists(), "nothing may run (or be written) after bad input"


@pytest.mark.parametrize(("levers", "expected"), [
    ("policy.inspection_rate: [0.0, 3.0]", r"design\.levers\.policy\.inspection_rate: .*3\.0 is out of range"),
    ("policy.no_such_lever: [0, 1]", r"design\.levers\.policy\.no_such_lever: .*unknown key"),
    ("policy.oversight: [0.5, 0.1]", r"design\.levers\.policy\.oversight: low must be below high"),
])
def test_bad_lever_in_a_design_is_refused(experiments: Path, levers: str, expected: str) -> None:
    (experiments / "bad.yaml").write_text(TINY.replace("name: tiny", "name: bad") + f"""
design:
  kind: lhs
  samples: 2
  levers:
    {levers}
""")
    with pytest.raises(ConfigError, match=expected):
        definition.load_definition("bad")


def test_unknown_experiment_is_refused(experiments: Path) -> None:
    with pytest.raises(ConfigError, match=r"experiment: unknown experiment 'nope'; allowed: .*sweep, tiny"):
        definition.load_definition("nope")


def test_collect_gathers_a_hydra_multirun(tmp_path: Path) -> None:
    env = {**os.environ}
    env.pop("PYTHONPATH", None)
    sweep = tmp_path / "sweep"
    done = subprocess.run([sys.executable, "-m", "sim.run", "-m", "days=30", "policy.oversight=0.1,0.9",
                           f"output_dir={sweep}"], cwd=REPO, env=env, capture_output=True, text=True, timeout=300,
                          check=False)
    assert done.returncode == 0, done.stderr
    multirun.collect(sweep)
    runs = pd.read_parquet(sweep / "runs.parquet")
    assert len(runs) == 2
    assert sorted(runs["policy.oversight"]) == [0.1, 0.9]
    assert "corrupt_officer_share" in runs
    assert len(pd.read_parquet(sweep / "timeseries.parquet")) == 60


def test_experiment_ends_with_a_report_and_figures(experiments: Path, tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    code = cli.main(["experiment=tiny", f"results_dir={tmp_path}", "report=true", "replications=2"])
    assert code == 0
    printed = capsys.readouterr().out
    [path] = tmp_path.glob("tiny/*")
    assert f"report:  {path / 'report.md'}" in printed
    assert "integrated" in printed  # the headline table of differences from the baseline
    assert "pairing (median sd paired / unpaired difference" in printed
    for name in ("report.md", "report.html", "figures/distributions.png", "figures/tradeoff.png"):
        assert (path / name).is_file(), name
    assert "## Pairing efficiency" in (path / "report.md").read_text()
    # The report can be rebuilt from stored results alone.
    (path / "report.md").unlink()
    assert cli.main(["report", str(path)]) == 0
    assert (path / "report.md").is_file()
