"""Batch experiments against careless and hostile input (issue 9): run overrides that would mislabel runs,
names that leave results_dir, resume that heals damaged or stale runs (checksums, model fingerprint),
sizes beyond what the machine holds, one-line errors for bad designs and damaged sweep folders, and
workers that neither outlive a killed parent nor take the experiment down when one of them dies."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from sim.api import run_scenario
from sim.errors import ConfigError
from sim.experiment import cli, definition, runner, store
from tests.conftest import REPO, cli_env, in_process

TINY = """
defaults:
  - experiment_schema
  - _self_
name: tiny
scenarios: [baseline, integrated]
baseline: baseline
replications: 1
days: 5
seed: 4
overrides: ['warmup_days=0']
outcomes: [interdiction_rate, arrests]
report: false
"""
MODEL = "test-model"
#: The test-only fault hook of sim.experiment.runner: `<run_id>:exit` or `<run_id>:memory`, comma-separated.
FAULT_ENV = "SIM_TEST_FAULT"


@pytest.fixture
def experiments(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "experiments"
    folder.mkdir()
    (folder / "tiny.yaml").write_text(TINY)
    monkeypatch.setattr(definition, "EXPERIMENTS_DIR", folder)
    monkeypatch.setenv("SIM_EXPERIMENTS_DIR", str(folder))
    # Another engineer's edit of the model between two runs of a test must not make them differ.
    monkeypatch.setattr(runner, "model_fingerprint", lambda: MODEL, raising=False)
    monkeypatch.delenv(FAULT_ENV, raising=False)
    return folder


def main(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """`python -m sim.experiment ARGS` in this process: exit code, stdout, stderr."""
    return in_process(cli.main, args, capsys)


def assert_one_error_line(code: int, err: str, *expected: str) -> str:
    lines = err.strip().splitlines()
    assert code == 2, err
    assert len(lines) == 1, err
    assert lines[0].startswith("error: "), err
    assert "Traceback" not in err
    for text in expected:
        assert text in lines[0], lines[0]
    return lines[0]


def tree(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*")) if folder.exists() else []


def results(path: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    runs = pd.read_parquet(path / "runs.parquet").sort_values("run_id").reset_index(drop=True)
    series = pd.read_parquet(path / "timeseries.parquet").sort_values(["run_id", "day"]).reset_index(drop=True)
    return runs, series


# ------------------------------------------------------------------------------------ overrides and names


@pytest.mark.parametrize(("item", "hint"), [
    ("scenario=crackdown", "scenarios=[...]"),
    ("scenario_name=crackdown", "scenarios=[...]"),
    ("seed=3", "seed=N"),
    ("days=9", "days=N"),
    ("output_dir=elsewhere", "results_dir"),
])
def test_override_of_a_key_the_experiment_sets_per_run_is_refused(
        experiments: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], item: str, hint: str) -> None:
    """`overrides=['scenario=crackdown']` in runs labelled baseline ran crackdown under the baseline's name."""
    code, _, err = main(capsys, "experiment=tiny", "scenarios=[baseline]", f"overrides=['{item}']",
                        f"results_dir={tmp_path / 'results'}")
    assert_one_error_line(code, err, "overrides:", item.split("=")[0], hint)
    assert not (tmp_path / "results").exists()


def test_unknown_run_key_in_overrides_is_refused(experiments: Path, tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    """Experiment overrides go through the same compose as `sim.run`, which refuses keys it does not know."""
    code, _, err = main(capsys, "experiment=tiny", "overrides=['+policy.foo=0.5']", f"results_dir={tmp_path / 'r'}")
    assert_one_error_line(code, err, "policy.foo")
    assert not (tmp_path / "r").exists()


@pytest.mark.parametrize("name", ["../../x", "{tmp}/abs", "a/b", "..", ".hidden", "x" * 101])
def test_name_that_leaves_results_dir_is_refused(experiments: Path, tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str], name: str) -> None:
    play = tmp_path / "play"
    code, _, err = main(capsys, "experiment=tiny", f"name={name.format(tmp=play)}",
                        f"results_dir={play / 'inner' / 'results'}")
    assert_one_error_line(code, err, "name:")
    assert tree(play) == [], "nothing may be written for a refused name"


# ------------------------------------------------------------------------------------ resume that heals


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A finished experiment (2 runs), made once: each case damages a copy of it and re-runs."""
    root = tmp_path_factory.mktemp("clean")
    (root / "experiments").mkdir()
    (root / "experiments" / "tiny.yaml").write_text(TINY)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(runner, "model_fingerprint", lambda: MODEL, raising=False)
        out = runner.run_experiment(definition.load_definition("tiny", [f"results_dir={root / 'results'}"],
                                                               folder=root / "experiments"), progress=False)
    assert out.ok == 2
    return out.path


def _edit_json(path: Path, change: Callable[[dict], None]) -> None:
    record = json.loads(path.read_text())
    change(record)
    path.write_text(json.dumps(record))


def _foreign_column(path: Path) -> None:
    frame = pd.read_parquet(path)
    frame["foreign"] = 1.0
    frame.to_parquet(path, index=False)


def _replace_with_folder(path: Path) -> None:
    path.unlink()
    path.mkdir()
    (path / "inside").write_text("x")


DAMAGE: dict[str, tuple[str, Callable[[Path], None]]] = {
    "truncated series": (".parquet", lambda p: os.truncate(p, p.stat().st_size // 2)),
    "empty series": (".parquet", lambda p: p.write_bytes(b"")),
    "series is a folder": (".parquet", _replace_with_folder),
    "foreign column": (".parquet", _foreign_column),
    "record is a list": (".json", lambda p: p.write_text("[1, 2]")),
    "record is a string": (".json", lambda p: p.write_text('"done"')),
    "record not UTF-8": (".json", lambda p: p.write_bytes(b"\xff\xfe{\"run_id\"")),
    "record is a folder": (".json", _replace_with_folder),
    "record is a symlink": (".json", lambda p: (p.unlink(), p.symlink_to(p.parent.parent / "definition.json"))),
    "changed value": (".json", lambda p: _edit_json(p, lambda r: r["summary"].update(arrests=10_000))),
    "record without checksums": (".json", lambda p: _edit_json(p, lambda r: r.pop("checksums"))),
    "record of another run": (".json", lambda p: _edit_json(p, lambda r: r.update(seed=r["seed"] + 1))),
}


@pytest.mark.parametrize("case", list(DAMAGE))
def test_resume_heals_a_damaged_run(experiments: Path, clean: Path, tmp_path: Path,
                                    capsys: pytest.CaptureFixture[str], case: str) -> None:
    suffix, damage = DAMAGE[case]
    copy = tmp_path / "results"
    shutil.copytree(clean.parent.parent, copy, symlinks=True)
    path = copy / clean.parent.name / clean.name
    damage(path / "runs" / f"integrated-r000{suffix}")
    again = runner.run_experiment(definition.load_definition("tiny", [f"results_dir={copy}"]), progress=False)
    warning = capsys.readouterr().err.strip().splitlines()
    assert (again.ran, again.ok) == (1, 2)
    assert len(warning) == 1, warning
    assert warning[0].startswith("warning: "), warning
    assert "integrated-r000" in warning[0], warning
    for want, got in zip(results(clean), results(path), strict=True):
        pd.testing.assert_frame_equal(want, got)
    # And now it is whole again: nothing to redo, nothing to warn about.
    third = runner.run_experiment(definition.load_definition("tiny", [f"results_dir={copy}"]), progress=False)
    assert third.ran == 0
    assert capsys.readouterr().err == ""


def test_runs_of_another_model_are_made_again(experiments: Path, clean: Path, tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    copy = tmp_path / "results"
    shutil.copytree(clean.parent.parent, copy)
    monkeypatch.setattr(runner, "model_fingerprint", lambda: "newer-model")
    again = runner.run_experiment(definition.load_definition("tiny", [f"results_dir={copy}"]), progress=False)
    assert again.ran == 2
    assert "another version of the model" in capsys.readouterr().err
    record = json.loads((again.path / "runs" / "baseline-r000.json").read_text())
    assert record["model"] == "newer-model"
    assert set(record["checksums"]) == {"values", "timeseries"}
    assert json.loads((again.path / "manifest.json").read_text())["model"] == "newer-model"


def test_the_model_fingerprint_follows_the_model_not_the_faces(tmp_path: Path) -> None:
    package, configs = tmp_path / "sim", tmp_path / "configs"
    for name in ("core/model.py", "experiment/runner.py", "validate/suite.py"):
        (package / name).parent.mkdir(parents=True, exist_ok=True)
        (package / name).write_text("x = 1\n")
    (configs / "scenario").mkdir(parents=True)
    (configs / "scenario" / "baseline.yaml").write_text("a: 1\n")
    first = store.fingerprint(package, configs)
    (package / "experiment" / "runner.py").write_text("x = 2\n")
    (package / "validate" / "suite.py").write_text("x = 2\n")
    assert store.fingerprint(package, configs) == first, "the faces do not change what a run computes"
    (package / "core" / "model.py").write_text("x = 2\n")
    second = store.fingerprint(package, configs)
    assert second != first
    (configs / "scenario" / "baseline.yaml").write_text("a: 2\n")
    assert store.fingerprint(package, configs) != second
    assert len(store.model_fingerprint()) == 12


# ------------------------------------------------------------------------------------ sizes


@pytest.mark.timeout(60)
@pytest.mark.parametrize(("args", "expected"), [
    (["replications=1000000000"], "replications: 1000000000 is out of range; allowed: 1 to 100,000"),
    (["design.kind=lhs", "design.samples=100000000", "+design.levers.x=1"], "design.samples: 100000000 is out"),
    (["uncertainties.samples=100000000", "+uncertainties.ranges.x=[0,1]"], "uncertainties.samples: 100000000 is out"),
    (["replications=100000", "design.kind=lhs", "design.samples=20", "+design.levers.x=1"], "at most 1,000,000"),
])
def test_sizes_beyond_the_bounds_are_refused_before_anything_starts(
        experiments: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str],
        expected: str) -> None:
    code, _, err = main(capsys, "experiment=tiny", *args, f"results_dir={tmp_path / 'r'}")
    assert_one_error_line(code, err, expected)
    assert not (tmp_path / "r").exists()


@pytest.mark.timeout(60)
def test_a_request_that_would_not_fit_in_memory_or_time_says_so(
        experiments: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(definition, "machine_memory", lambda: 2 * 10**9)
    code, _, err = main(capsys, "experiment=tiny", "replications=50000", "days=3650", f"results_dir={tmp_path / 'r'}")
    assert_one_error_line(code, err, "100,000 runs", "would need about", "GB of memory", "this machine has 2 GB")
    monkeypatch.setattr(definition, "SECONDS_PER_SIMULATED_DAY", 100_000.0)
    code, _, err = main(capsys, "experiment=tiny", "replications=1000", f"results_dir={tmp_path / 'r'}")
    assert_one_error_line(code, err, "years on this machine")
    assert not (tmp_path / "r").exists()


def test_n_jobs_is_capped_at_the_cores_and_the_runs() -> None:
    cores = os.cpu_count() or 1
    assert runner.worker_count(10_000, 2) == (min(cores, 2), f"note: n_jobs=10000 capped at {min(cores, 2)} "
                                                             f"(this machine has {cores} cores)")
    assert runner.worker_count(-1, 1) == (1, None)
    assert runner.worker_count(1, 50) == (1, None)


# ------------------------------------------------------------------------------------ one line, exit 2


@pytest.mark.parametrize(("design", "expected"), [
    ("kind: lhs\n  samples: 2\n  levers:\n    policy.oversight: [a, b]", "needs two numbers [low, high]"),
    ("kind: lhs\n  samples: 2\n  levers:\n    policy.oversight: [a, 1]", "needs two numbers [low, high]"),
    ("kind: lhs\n  samples: 2\n  levers:\n    policy.oversight: [0.5, 0.5]", "low must be below high"),
    ("kind: lhs\n  samples: 2\n  levers:\n    policy.oversight: [.inf, 1]", "finite"),
    ("kind: morris\n  samples: 2\n  num_levels: 0\n  levers:\n    policy.oversight: [0, 1]", "design.num_levels: 0"),
    ("kind: morris\n  samples: 2\n  num_levels: -3\n  levers:\n    policy.oversight: [0, 1]", "design.num_levels: -3"),
    ("kind: morris\n  samples: 2\n  num_levels: 3\n  levers:\n    policy.oversight: [0, 1]", "even number"),
])
def test_bad_design_gets_one_line(experiments: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                  design: str, expected: str) -> None:
    (experiments / "bad.yaml").write_text(TINY.replace("name: tiny", "name: bad") + f"design:\n  {design}\n")
    code, _, err = main(capsys, "experiment=bad", f"results_dir={tmp_path / 'r'}")
    assert_one_error_line(code, err, expected)
    assert not (tmp_path / "r").exists()


def test_unknown_keys_are_named_against_the_experiment_keys(experiments: Path, tmp_path: Path,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    experiment_keys = "allowed: name, description, scenarios, baseline, replications"
    code, _, err = main(capsys, "experiment=tiny", "+nonsense=1", f"results_dir={tmp_path / 'r'}")
    assert_one_error_line(code, err, "nonsense", experiment_keys)
    code, _, err = main(capsys, "experiment=tiny", "policy.oversight=0.5", f"results_dir={tmp_path / 'r'}")
    assert_one_error_line(code, err, "policy.oversight", experiment_keys, "overrides=[...]")
    code, _, err = main(capsys, "experiment=tiny", "~name", f"results_dir={tmp_path / 'r'}")
    assert_one_error_line(code, err, "~name")
    (experiments / "typo.yaml").write_text(TINY.replace("name: tiny", "name: typo") + "nonsense: 1\n")
    code, _, err = main(capsys, "experiment=typo", f"results_dir={tmp_path / 'r'}")
    assert_one_error_line(code, err, "nonsense: unknown key", experiment_keys)
    (experiments / "bare.yaml").write_text(TINY.replace("  - experiment_schema\n", ""))
    code, _, err = main(capsys, "experiment=bare", f"results_dir={tmp_path / 'r'}")
    line = assert_one_error_line(code, err, "experiment_schema")
    assert "warmup_days" not in line, "the keys of a single run are not the experiment's"
    assert not (tmp_path / "r").exists()


@pytest.fixture(scope="module")
def sweep(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two run folders as `python -m sim.run -m` leaves them (made in this process: faster, same files)."""
    root = tmp_path_factory.mktemp("sweep")
    for i, oversight in enumerate((0.1, 0.9)):
        run_scenario(["days=3", "warmup_days=0", f"policy.oversight={oversight}"], seed=i, output_dir=root / str(i))
    return root


def _without_checksums(run: Path) -> None:
    """As a run folder written before manifests had checksums: the config hash is all there is."""
    _edit_json(run / "manifest.json", lambda m: m.pop("checksums"))


def _alias_bomb(run: Path) -> None:
    lines = ['a: &a ["x", "x", "x", "x", "x", "x", "x", "x", "x"]']
    lines += [f"{chr(97 + i)}: &{chr(97 + i)} [{', '.join([f'*{chr(96 + i)}'] * 9)}]" for i in range(1, 10)]
    (run / "config.yaml").write_text("\n".join(lines) + "\n")


COLLECT_DAMAGE: dict[str, tuple[Callable[[Path], None], str]] = {
    "changed config": (lambda r: (r / "config.yaml").write_text((r / "config.yaml").read_text().replace(
        "oversight: 0.1", "oversight: 0.2")), "config.yaml: changed after the run was written"),
    "changed summary": (lambda r: _edit_json(r / "summary.json", lambda s: s.update(arrests=1)),
                        "summary.json: changed after the run was written"),
    "corrupt config": (lambda r: (_without_checksums(r), (r / "config.yaml").write_text("seed: [unclosed\n")),
                       "config.yaml: not valid YAML"),
    "alias bomb": (lambda r: (_without_checksums(r), _alias_bomb(r)), "anchors and aliases"),
    "config not UTF-8": (lambda r: (_without_checksums(r), (r / "config.yaml").write_bytes(b"\xff\xfe")),
                         "not UTF-8"),
    "config edited, old manifest": (lambda r: (_without_checksums(r), (r / "config.yaml").write_text(
        (r / "config.yaml").read_text().replace("oversight: 0.1", "oversight: 0.2"))), "config_hash"),
    "manifest is a list": (lambda r: (r / "manifest.json").write_text("[]"), "expected a JSON object"),
    "summary is a list": (lambda r: (_without_checksums(r), (r / "summary.json").write_text("[1]")),
                          "summary.json: expected a JSON object"),
}


@pytest.mark.timeout(60)
@pytest.mark.parametrize("case", list(COLLECT_DAMAGE))
def test_collect_refuses_a_damaged_or_changed_run_folder(sweep: Path, tmp_path: Path,
                                                         capsys: pytest.CaptureFixture[str], case: str) -> None:
    damage, expected = COLLECT_DAMAGE[case]
    copy = tmp_path / "sweep"
    shutil.copytree(sweep, copy)
    damage(copy / "0")
    code, _, err = main(capsys, "collect", str(copy))
    assert_one_error_line(code, err, "collect:", str(copy / "0"), expected)
    assert not (copy / "runs.parquet").exists()


def test_collect_of_sound_folders_stores_checksums(sweep: Path, tmp_path: Path) -> None:
    copy = tmp_path / "sweep"
    shutil.copytree(sweep, copy)
    _without_checksums(copy / "1")  # an older folder whose config still matches its hash is accepted
    from sim.experiment.multirun import collect

    collect(copy)
    runs = pd.read_parquet(copy / "runs.parquet")
    assert sorted(runs["policy.oversight"]) == [0.1, 0.9]
    assert set(runs.status) == {"ok"}
    record = json.loads((copy / "runs" / "0.json").read_text())
    assert record["checksums"]["values"] == store.values_checksum(record)


def test_collect_leaves_out_branches_saved_inside_a_run_folder(tmp_path: Path,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    """A trainer's branch (`<run>/branches/day1-...`) has its parent's scenario name and seed but another
    policy from its day on: gathered, it would be one more replicate of the parent's scenario."""
    from sim.replay.branching import branch

    root = tmp_path / "sweep"
    for i, oversight in enumerate((0.1, 0.9)):
        run_scenario(["days=4", "warmup_days=0", "record=true", f"policy.oversight={oversight}"], seed=i,
                     output_dir=root / str(i))
    saved = branch(root / "0", 1, {"oversight": 0.5})
    assert (saved / "manifest.json").is_file()
    assert root / "0" in saved.parents

    assert cli.main(["collect", str(root)]) == 0
    printed = capsys.readouterr().out
    runs = pd.read_parquet(root / "runs.parquet")
    assert sorted(runs["policy.oversight"]) == [0.1, 0.9]  # not the branch's 0.5
    assert json.loads((root / "manifest.json").read_text())["left_out_nested"] == [str(saved.relative_to(root))]
    assert "collected 2 runs" in printed
    assert f"left out 1 folder(s) inside a run folder (branches, not runs of the sweep): {saved.relative_to(root)}" \
        in printed


# ------------------------------------------------------------------------------------ workers


def test_a_crashed_worker_fails_only_its_run(experiments: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    """One run's worker exits (os._exit), another run raises MemoryError: both are recorded as failed
    with one line each, the third is saved, the command ends with a summary and exit 1, and a re-run
    retries only the two, giving what a clean serial run gives."""
    args = ["experiment=tiny", "scenarios=[baseline]", "replications=3", "n_jobs=2"]
    monkeypatch.setenv(FAULT_ENV, "baseline-r000:memory,baseline-r001:exit")
    code, _, err = main(capsys, *args, f"results_dir={tmp_path / 'a'}")
    assert code == 1, err
    assert "Traceback" not in err
    lines = err.rstrip().splitlines()
    failed = {line.split(":")[1].split()[0]: line for line in lines if line.startswith("  failed: ")}
    assert set(failed) == {"baseline-r000", "baseline-r001"}, err
    assert "MemoryError" in failed["baseline-r000"]
    assert "worker process running it died" in failed["baseline-r001"]
    assert lines[-1].startswith("2 run(s) failed; the other 1 are saved; re-run"), err
    [path] = (tmp_path / "a" / "tiny").iterdir()
    runs = pd.read_parquet(path / "runs.parquet").set_index("run_id")
    assert runs.status.to_dict() == {"baseline-r000": "failed", "baseline-r001": "failed", "baseline-r002": "ok"}
    monkeypatch.delenv(FAULT_ENV)
    code, out, err = main(capsys, *args, f"results_dir={tmp_path / 'a'}")
    assert code == 0, err
    assert "3/3 runs ok (2 run now, 1 resumed)" in out
    code, _, err = main(capsys, *args[:-1], "n_jobs=1", f"results_dir={tmp_path / 'b'}")
    assert code == 0, err
    [serial] = (tmp_path / "b" / "tiny").iterdir()
    for want, got in zip(results(serial), results(path), strict=True):
        pd.testing.assert_frame_equal(want, got)


def _descendants(pid: int) -> set[int]:
    """Every process below `pid`, from /proc."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parents[int(entry.name)] = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
    found, todo = set(), [pid]
    while todo:
        parent = todo.pop()
        children = {p for p, pp in parents.items() if pp == parent}
        todo.extend(children - found)
        found |= children
    return found


def _running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc to find the worker processes")
def test_workers_exit_when_the_parent_is_killed(experiments: Path, tmp_path: Path) -> None:
    results_dir = tmp_path / "r"
    parent = subprocess.Popen([sys.executable, "-m", "sim.experiment", "experiment=tiny", "scenarios=[baseline]",
                               "replications=2", "days=20000", "n_jobs=2", f"results_dir={results_dir}"],
                              cwd=REPO, env={**cli_env(), "SIM_EXPERIMENTS_DIR": str(experiments)},
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    workers: set[int] = set()
    try:
        deadline = time.time() + 60
        while time.time() < deadline and len(list(results_dir.glob("tiny/*/runs/.started/*"))) < 2:
            time.sleep(0.1)
        workers = _descendants(parent.pid)
        assert len(workers) >= 2, "the experiment should have its workers running"
        os.kill(parent.pid, signal.SIGKILL)
        parent.wait()
        deadline = time.time() + 10
        while time.time() < deadline and any(_running(p) for p in workers):
            time.sleep(0.2)
        assert not [p for p in workers if _running(p)], "workers outlived their killed parent"
    finally:
        if parent.poll() is None:
            parent.kill()
            parent.wait()
        for pid in workers:
            if _running(pid):
                os.kill(pid, signal.SIGKILL)


def test_bad_definition_from_python_raises_config_error(experiments: Path) -> None:
    with pytest.raises(ConfigError, match=r"overrides: 'scenario=crackdown' sets scenario"):
        definition.load_definition("tiny", ["overrides=['scenario=crackdown']"])


def test_collect_refuses_a_run_folder_with_a_manifest_but_no_summary(sweep: Path, tmp_path: Path,
                                                                      capsys: pytest.CaptureFixture[str]) -> None:
    """A manifest is written last: a folder that has one but lost its summary is damaged, not left out unsaid."""
    copy = tmp_path / "sweep"
    shutil.copytree(sweep, copy)
    (copy / "1" / "summary.json").unlink()
    code, _, err = main(capsys, "collect", str(copy))
    assert_one_error_line(code, err, "collect:", str(copy / "1" / "summary.json"))
    assert not (copy / "runs.parquet").exists()


def test_a_replay_folder_left_half_written_is_made_again(experiments: Path, tmp_path: Path) -> None:
    """A run killed while its replay folder was being written leaves run files without a manifest.json, which
    `write_run` refuses to write over; the experiment's own folder is cleared and the run made again."""
    exp = definition.load_definition("tiny", [f"results_dir={tmp_path}", "record=true"])
    first = runner.run_experiment(exp, progress=False)
    replay = first.path / "runs" / "integrated-r000"
    (replay / "manifest.json").unlink()
    (first.path / "runs" / "integrated-r000.json").unlink()
    again = runner.run_experiment(exp, progress=False)
    assert (again.ran, again.ok) == (1, 2)
    assert json.loads((replay / "manifest.json").read_text())["format"] == "sim-run/1"
