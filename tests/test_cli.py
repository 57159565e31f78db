"""The command line's contract: bad input ends with one `error:` line and exit code 2, a good run writes
the five files and prints the outcome table, and `-m` sweeps write one complete folder per job."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.config import ConfigError, compose, flatten, schema
from tests.conftest import assert_complete_run, leftovers, run_cli

BROKEN_JSON = '{"nodes": ['
UNKNOWN_NODE_EDGE = json.dumps({
    "nodes": [{"id": "a", "kind": "town", "country": "X"}],
    "edges": [{"source": "a", "target": "zz_missing", "mode": "land", "days": 1, "cost": 1}],
})

# (test id, overrides, a fragment the error line must contain: the key or element at fault).
# `{tmp}` is replaced by the case's own temporary folder (for corridor files). Each case is a fresh
# process (~1.5 s of imports), so further cases that only exercise `compose` are in MORE_BAD_INPUTS.
BAD_INPUTS = [
    ("unknown-top-level-key", ["bogus=1"], "bogus"),
    ("unknown-policy-key", ["policy.bogus=1"], "policy.bogus"),
    ("wrong-type-days", ["days=abc"], "days"),
    ("wrong-type-inspection-rate", ["policy.inspection_rate=high"], "policy.inspection_rate"),
    ("wrong-type-joint-task-force", ["policy.joint_task_force=maybe"], "policy.joint_task_force"),
    ("range-inspection-rate", ["policy.inspection_rate=1.5"], "policy.inspection_rate"),
    ("range-officer-pay", ["policy.officer_pay=-1"], "policy.officer_pay"),
    ("range-days-zero", ["days=0"], "days"),
    ("range-focus-multiplier", ["policy.focus_multiplier=0.5"], "policy.focus_multiplier"),
    ("enum-targeting", ["policy.targeting=boss"], "policy.targeting"),
    ("enum-inspection-targeting", ["policy.inspection_targeting=x"], "policy.inspection_targeting"),
    ("enum-patrol-allocation", ["policy.patrol_allocation=x"], "policy.patrol_allocation"),
    ("unknown-scenario", ["scenario=no_such_scenario"], "scenario"),
    ("unknown-corridor", ["corridor=no_such_corridor"], "corridor"),
    ("unknown-focus-node", ["policy.interdiction_focus=[no_such_node]"], "no_such_node"),
    ("missing-corridor-file", ["corridor.file={tmp}/nowhere.json"], "corridor.file"),
    ("broken-corridor-file", ["corridor.file={tmp}/broken.json"], "corridor.file"),
    ("bad-override-syntax", ["days=[1,"], "[1,"),
    ("multirun-one-bad-value", ["-m", "days=30", "seed=1,-1"], "seed"),
]

# The same checks in process (same `compose` the CLI validates with): (override, fragment).
MORE_BAD_INPUTS = [
    ("+bogus=1", "bogus"),
    ("network.bogus=1", "network.bogus"),
    ("days=1.5", "days"),
    ("days=1e9", "days"),
    ("seed=-1", "seed"),
    ("policy.oversight=nan", "policy.oversight"),
    ("policy.oversight=-inf", "policy.oversight"),
    ("policy.oversight=[1,2]", "policy.oversight"),
    ("policy.interdiction_focus=[vk_bridge,vk_bridge]", "policy.interdiction_focus"),
    ("policy.interdiction_focus=[kesh_city]", "kesh_city"),
    ("corridor.name=no_such_corridor", "corridor.name"),
    ("corridor.file={tmp}/unknown_node.json", "zz_missing"),
    ("corridor.file={tmp}/corridor.txt", "corridor.file"),
    ("corridor.file={tmp}", "corridor.file"),
    ("scenario_name=' '", "scenario_name"),
]

#: Labels of the outcome table a good run prints.
TABLE_LABELS = ("shipments attempted", "shipments seized", "interdiction rate", "arrests", "convictions",
                "victims trafficked", "victims identified", "tips received", "policy cost")


def _case_folder(base: Path, case_id: str) -> Path:
    folder = base / case_id
    folder.mkdir()
    (folder / "broken.json").write_text(BROKEN_JSON)
    (folder / "unknown_node.json").write_text(UNKNOWN_NODE_EDGE)
    (folder / "corridor.txt").write_text("not a corridor\n")
    return folder


@pytest.fixture(scope="module")
def bad_runs(request: pytest.FixtureRequest,
             tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, tuple[Path, Future]]]:
    """The selected bad-input cases, run through the real CLI concurrently (each is a fresh ~1.5 s process)."""
    selected = {item.callspec.params["case_id"] for item in request.session.items
                if getattr(item, "originalname", "") == "test_bad_input_is_one_error_line_and_exit_code_2"}
    base = tmp_path_factory.mktemp("bad_inputs")
    pool = ThreadPoolExecutor(max_workers=min(4, max(2, os.cpu_count() or 2)))
    runs: dict[str, tuple[Path, Future]] = {}
    for case_id, overrides, _ in BAD_INPUTS:
        if case_id not in selected:
            continue
        folder = _case_folder(base, case_id)
        out = folder / "out"
        args = [a.replace("{tmp}", str(folder)) for a in overrides] + [f"output_dir={out}"]
        runs[case_id] = (out, pool.submit(run_cli, args, 120))
    yield runs
    pool.shutdown(wait=True)


@pytest.mark.parametrize(("case_id", "fragment"), [(c, f) for c, _, f in BAD_INPUTS],
                         ids=[c for c, _, _ in BAD_INPUTS])
def test_bad_input_is_one_error_line_and_exit_code_2(bad_runs, case_id: str, fragment: str) -> None:
    out, future = bad_runs[case_id]
    done = future.result()
    assert "Traceback" not in done.stderr, done.stderr
    assert done.returncode == 2, (done.returncode, done.stderr)
    lines = done.stderr.splitlines()
    assert len(lines) == 1, f"expected one line on stderr, got {lines!r}"
    line = lines[0]
    assert line.startswith("error:"), line
    assert line[len("error:"):].strip(), "the error line says nothing"
    assert fragment in line, f"{fragment!r} not named in {line!r}"
    assert done.stdout == "", done.stdout
    assert not list(out.rglob("manifest.json")), "a bad run left a folder that looks complete"


@pytest.mark.parametrize(("override", "fragment"), MORE_BAD_INPUTS)
def test_more_bad_inputs_raise_one_line_config_error(tmp_path: Path, override: str, fragment: str) -> None:
    _case_folder(tmp_path, "files")
    override = override.replace("{tmp}", str(tmp_path / "files"))
    with pytest.raises(ConfigError) as info:
        compose([override])
    message = str(info.value)
    assert len(message.splitlines()) == 1, message
    assert fragment in message, f"{fragment!r} not named in {message!r}"


def test_good_run_writes_five_files_and_prints_table(tmp_path: Path) -> None:
    out = tmp_path / "run"
    done = run_cli(["days=60", "seed=1", f"output_dir={out}"])
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    assert "error" not in done.stderr.lower()
    manifest = assert_complete_run(out)
    assert manifest["seed"] == 1
    for label in TABLE_LABELS:
        assert label in done.stdout, f"table lacks {label!r}:\n{done.stdout}"
    assert str(out) in done.stdout


def test_multirun_writes_one_complete_folder_per_job(tmp_path: Path) -> None:
    out = tmp_path / "sweep"
    done = run_cli(["-m", "days=30", "seed=1,2", f"output_dir={out}"])
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    jobs = sorted(p.parent for p in out.rglob("manifest.json"))
    assert len(jobs) == 2, f"expected two complete run folders under {out}, found {jobs}"
    seeds = sorted(assert_complete_run(job)["seed"] for job in jobs)
    assert seeds == [1, 2]
    summaries = [(job / "summary.json").read_bytes() for job in jobs]
    assert summaries[0] != summaries[1], "two seeds of a sweep gave identical summaries"
    assert not leftovers(out)
    # Each job reports where it wrote, and that is inside the sweep folder (not under results/).
    reported = sorted(Path(line.split("outputs:", 1)[1].strip()) for line in done.stdout.splitlines()
                      if "outputs:" in line)
    assert reported == jobs, done.stdout


# ---------------------------------------------------------------------------------------------------
# In process: the messages themselves, and random wrong values through `compose`.


@pytest.mark.parametrize(("override", "allowed"), [
    ("days=abc", "whole number"),
    ("policy.inspection_rate=high", "number"),
    ("policy.inspection_rate=1.5", "[0.0, 1.0]"),
    ("policy.focus_multiplier=0.5", "1.0"),
    ("policy.targeting=boss", "kingpin"),
    ("policy.inspection_targeting=x", "risk_based"),
    ("policy.patrol_allocation=x", "intelligence_led"),
    ("scenario=no_such_scenario", "baseline"),
    ("corridor=no_such_corridor", "generated"),
    ("policy.bogus=1", "oversight"),
    ("policy.interdiction_focus=[no_such_node]", "vk_bridge"),
    ("policy.joint_task_force=maybe", "true or false"),
    ("progress=maybe", "true or false"),
])
def test_error_says_what_is_allowed(override: str, allowed: str) -> None:
    key = override.split("=", 1)[0]
    with pytest.raises(ConfigError) as info:
        compose([override])
    message = str(info.value)
    assert len(message.splitlines()) == 1, message
    assert key in message, f"{key!r} not named in {message!r}"
    assert allowed in message, f"{allowed!r} not in {message!r}"


def test_syntax_error_names_the_key(capsys: pytest.CaptureFixture[str]) -> None:
    from sim.run import main

    assert main(["days=[1,"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error:")
    assert "days" in err, err


@pytest.mark.parametrize("override", [
    'corridor.file="no\nsuch.json"',
    'policy.interdiction_focus=["no\nsuch"]',
])
def test_error_is_one_line_even_when_the_value_holds_a_newline(override: str) -> None:
    with pytest.raises(ConfigError) as info:
        compose([override])
    assert len(str(info.value).splitlines()) == 1, str(info.value)


SCHEMA_KEYS = sorted(flatten(schema()))

# Printable text (values holding line breaks are covered by the test above).
_text = st.text(alphabet=st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp")), max_size=12)
_numbers = st.one_of(
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.sampled_from(["nan", "-nan", "inf", "-inf", "1e308", "-1e308", "1e400", "-0.0", "2e-320"]),
)
_scalar = st.one_of(_text, _numbers, st.sampled_from(["true", "false", "null", "", "[]", "{}"]))
_wrong_values = st.one_of(_scalar, st.lists(_scalar, max_size=3).map(lambda xs: "[" + ",".join(xs) + "]"))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(key=st.sampled_from(SCHEMA_KEYS), value=_wrong_values)
def test_random_wrong_values_compose_or_raise_config_error(key: str, value: str) -> None:
    try:
        compose([f"{key}={value}"])
    except ConfigError as exc:
        message = str(exc)
        assert message.strip(), f"empty message for {key}={value}"
        assert len(message.splitlines()) == 1, f"{key}={value!r} gave a multi-line message: {message!r}"
