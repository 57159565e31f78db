"""Issue 9, the single run: every bad input to `python -m sim.run`, to a run config and to a corridor file
ends with one `error:` line naming what is wrong and exit code 2, nothing written, no traceback; sizes
that would exhaust the machine are refused before anything is built.

The command line is called in process (`sim.run.main`), so each case costs a compose, not a process."""

from __future__ import annotations

import errno
import json
import math
import sys
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import sim.world.corridor as corridor_module
from sim.config import ConfigError, check_memory, compose, memory_needed, unknown_key
from sim.run import main
from sim.world import default_corridor, from_config, generated_corridor, load_corridor
from tests.conftest import REPO, assert_complete_run, leftovers, run_cli

EXAMPLE_JSON = REPO / "docs" / "examples" / "corridor.json"
EXAMPLE_GRAPHML = REPO / "docs" / "examples" / "corridor.graphml"
#: A run as short as can be: the cases here are about what happens around it.
QUICK = ["days=3", "warmup_days=0"]


def run_main(argv: list[str], capsys: pytest.CaptureFixture[str],
             monkeypatch: pytest.MonkeyPatch) -> tuple[int, list[str], str]:
    """`python -m sim.run ARGV` in process: (exit code, stderr lines, stdout)."""
    monkeypatch.setattr(sys, "argv", ["sim.run"])  # main hands its arguments to Hydra through sys.argv
    try:
        code = main(argv)
    except SystemExit as exc:  # Hydra and the run itself end with sys.exit
        code = exc.code if isinstance(exc.code, int) else 1
    captured = capsys.readouterr()
    return code, captured.err.splitlines(), captured.out


def assert_one_error_line(code: int, err: list[str], *fragments: str) -> str:
    assert code == 2, (code, err)
    assert len(err) == 1, f"expected one line on stderr, got {err!r}"
    assert err[0].startswith("error: "), err[0]
    assert "Traceback" not in err[0]
    for fragment in fragments:
        assert fragment in err[0], f"{fragment!r} not in {err[0]!r}"
    return err[0]


def refused(overrides: list[str]) -> str:
    with pytest.raises(ConfigError) as info:
        compose(overrides)
    message = str(info.value)
    assert len(message.splitlines()) == 1, message
    return message


def files_under(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


# ------------------------------------------------------------------------------------------------ 1. unknown keys


@pytest.mark.parametrize(("override", "start"), [
    ("+policy.oversite=0.5", "policy.oversite: unknown key; allowed: oversight, "),
    ("+network.typo_organisations=50", "network.typo_organisations: unknown key; allowed: organisations, "),
    ("++community.populaton_scale=2", "community.populaton_scale: unknown key; allowed: population_scale, "),
    ("+seeds=3", "seeds: unknown key; allowed: seed, "),
    ("+policy.foo=0.5", "policy.foo: unknown key; allowed: intel_sharing, "),  # nothing close: schema order
])
def test_an_unknown_key_is_refused_with_its_section_keys_closest_first(override: str, start: str) -> None:
    message = refused([override])
    assert message.startswith(start), message
    section = override.lstrip("+").split(".")[0]
    if section in ("policy", "network"):
        assert "prevention" in message or "max_routes" in message, "not every key of the section is listed"


def test_a_lever_set_into_branch_levers_without_plus_says_how() -> None:
    message = refused(["branch.day=5", "branch.levers={oversight: 0.9}"])
    assert message.startswith("branch.levers.oversight:"), message
    assert "+branch.levers.oversight=VALUE" in message


def test_an_unknown_lever_in_a_mapping_of_levers_lists_the_levers() -> None:
    message = refused(["branch.day=5", "branch.levers={oversite: 0.9}"])
    assert message.startswith("branch.levers.oversite: unknown key; allowed: oversight, "), message


def test_unknown_key_is_the_shared_message() -> None:
    error = unknown_key("design.replicatoins", ["n_jobs", "replications", "seed"])
    assert str(error) == "design.replicatoins: unknown key; allowed: replications, n_jobs, seed"


@pytest.mark.parametrize("override", ["+policy.foo=0.5", "+network.typo_organisations=50", "+hydra.foo=1"])
def test_the_command_line_refuses_an_unknown_key_and_writes_nothing(
        override: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "out"
    code, err, stdout = run_main([override, *QUICK, f"output_dir={out}"], capsys, monkeypatch)
    assert_one_error_line(code, err, override.lstrip("+").split("=")[0], "unknown key")
    assert stdout == ""
    assert not out.exists()


# ------------------------------------------------------------------------------------- 2 and 4. sizes and bounds


@pytest.mark.parametrize(("override", "allowed"), [
    ("community.population_scale=1000", "[0.0, 100.0]"),
    ("corridor.countries=50", "[2, 20]"),
    ("corridor.localities_per_country=1000", "[1, 100]"),
    ("corridor.crossings_per_border=100", "[1, 20]"),
    ("network.cells_per_org=1000", "[1, 100]"),
    ("network.couriers_per_cell=1000", "[1, 100]"),
    ("officers.police_per_country=100000", "[1, 10000]"),
    ("officers.customs_per_post=10000", "[1, 1000]"),
    ("facilitators.per_kind=10000", "[0, 1000]"),
    ("community.reference_population=1e300", "10000000"),
])
def test_a_size_beyond_its_bound_is_refused_naming_key_and_range(override: str, allowed: str) -> None:
    key = override.split("=")[0]
    message = refused(["corridor=generated", override] if key.startswith("corridor.") else [override])
    assert message.startswith(f"{key}:"), message
    assert allowed in message, message


def test_a_generated_corridor_of_50_countries_of_1000_localities_is_refused_at_once() -> None:
    message = refused(["corridor=generated", "corridor.countries=50", "corridor.localities_per_country=1000"])
    assert message.startswith("corridor.countries:"), message


def test_a_run_that_cannot_fit_in_memory_is_refused_saying_need_and_have() -> None:
    # 10 countries x 100 localities x 10 million residents: some 750 GB of resident arrays.
    message = refused(["corridor=generated", "corridor.countries=10", "corridor.localities_per_country=100",
                       "corridor.residents_per_locality=10000000"])
    assert message.startswith("memory: this run needs about "), message
    for fragment in ("this machine has", "GB", "residents", "community.population_scale"):
        assert fragment in message, message


def test_the_memory_estimate_follows_the_residents_and_names_the_largest_part() -> None:
    cfg = compose(["community.population_scale=20"])
    corridor = from_config(cfg)
    parts = memory_needed(cfg, corridor)
    residents = sum(p.population for p in corridor.places.values())
    assert parts["residents"][0] == residents * 80
    need = sum(b for b, _ in parts.values())
    check_memory(cfg, corridor, available=need)  # fits exactly
    with pytest.raises(ConfigError, match=r"^memory: .* the largest part is residents \(.*1,1\d\d,\d{3} residents"):
        check_memory(cfg, corridor, available=need - 1)


def test_the_default_run_fits_in_a_small_machine() -> None:
    cfg = compose([])
    check_memory(cfg, from_config(cfg), available=512 * 2**20)


def test_route_planning_beyond_its_budget_is_refused_not_hung(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(corridor_module, "ROUTE_SEARCH_BUDGET", 5_000)
    default_corridor()  # about 800 steps
    with pytest.raises(ConfigError, match=r"^corridor: planning routes needs more than 5,000 search steps \(12 "):
        generated_corridor(0, countries=12)


def test_a_generated_corridor_beyond_the_route_budget_is_refused_within_seconds() -> None:
    with pytest.raises(ConfigError, match=r"^corridor: planning routes needs more than 1,000,000 search steps"):
        generated_corridor(0, countries=20, localities_per_country=3, crossings_per_border=20)


# ------------------------------------------------------------------------------------------------ corridor files


def example() -> dict[str, Any]:
    return json.loads(EXAMPLE_JSON.read_text())


def write(tmp_path: Path, data: Any, name: str = "corridor.json") -> Path:
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else json.dumps(data))
    return path


def _every_edge(**fields: Any) -> Callable[[dict[str, Any]], None]:
    def change(data: dict[str, Any]) -> None:
        for edge in data["edges"]:
            edge.update(fields)
    return change


def _node(kind: str, **fields: Any) -> Callable[[dict[str, Any]], None]:
    def change(data: dict[str, Any]) -> None:
        next(n for n in data["nodes"] if n["kind"] == kind).update(fields)
    return change


@pytest.mark.parametrize(("change", "fragment"), [
    pytest.param(_every_edge(days=1e308), "travel time 1e+308 days is out of range; allowed: more than 0 and at "
                 "most 365", id="days-1e308"),
    pytest.param(_every_edge(days=0), "travel time 0 days is out of range", id="days-zero"),
    pytest.param(_every_edge(days=-2), "negative or invalid travel time -2", id="days-negative"),
    pytest.param(_every_edge(days=math.inf), "invalid travel time inf", id="days-infinite"),
    pytest.param(_every_edge(days=math.nan), "invalid travel time nan", id="days-nan"),
    pytest.param(_every_edge(cost=1e300), "cost 1e+300 is out of range", id="cost-1e300"),
    pytest.param(_node("crossing", legit_traffic=1e300), "legit_traffic 1e+300 is out of range; allowed: 0 to "
                 "1,000,000", id="legit-traffic-1e300"),
    pytest.param(_node("origin", population=10**12), "population 1,000,000,000,000 is out of range; allowed: 0 to "
                 "100,000,000", id="population-1e12"),
    pytest.param(_node("port", lanes=10**6), "lanes 1,000,000 is out of range", id="lanes-million"),
    pytest.param(_node("town", x=math.nan), "x nan is out of range", id="x-nan"),
    pytest.param(_node("town", y=math.inf), "y inf is out of range", id="y-infinite"),
    pytest.param(_node("town", id=["a", "list"]), "a node id must be text or a number", id="id-a-list"),
    pytest.param(_node("town", country="x" * 500), "up to 200 printable characters", id="country-too-long"),
])
def test_an_absurd_corridor_value_is_refused_naming_the_element(change, fragment: str, tmp_path: Path) -> None:
    data = example()
    change(data)
    with pytest.raises(ConfigError) as info:
        load_corridor(write(tmp_path, data))
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith(("corridor node '", "corridor edge '", "corridor.file '")), message
    assert fragment in message, message


def test_a_json_corridor_nested_100000_levels_is_one_line(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(tmp_path, '{"nodes": ' + "[" * 100_000 + "]" * 100_000 + ', "edges": []}')
    with pytest.raises(ConfigError, match=r"not valid JSON \(nested too deeply\)"):
        load_corridor(path)
    code, err, _ = run_main([f"corridor.file={path}", *QUICK, f"output_dir={tmp_path / 'out'}"], capsys, monkeypatch)
    assert_one_error_line(code, err, "corridor.file", "nested too deeply")


def test_a_graphml_file_with_a_duplicate_node_id_is_refused_naming_it(tmp_path: Path) -> None:
    text = EXAMPLE_GRAPHML.read_text()
    start = text.index('<node id="aldor_city"')
    end = text.index("</node>", start) + len("</node>")
    twin = text[start:end].replace(">market<", ">town<").replace(">weapons<", "><")
    path = write(tmp_path, text[:end] + twin + text[end:], "corridor.graphml")
    with pytest.raises(ConfigError) as info:
        load_corridor(path)
    assert str(info.value) == "corridor node 'aldor_city': duplicate node id"


def test_a_corridor_file_with_too_many_nodes_is_refused(tmp_path: Path) -> None:
    data = example()
    data["nodes"] += [{"id": f"t{i}", "kind": "town", "country": "Aldor"} for i in range(5_000)]
    with pytest.raises(ConfigError, match=r"^corridor: more than 5,000 nodes"):
        load_corridor(write(tmp_path, data))


def test_an_oversized_corridor_file_is_refused_before_it_is_read(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    import sim.world.files as files

    monkeypatch.setattr(files, "MAX_FILE_BYTES", 1_000)
    with pytest.raises(ConfigError, match=r"bytes; allowed: at most 1,000$"):
        load_corridor(EXAMPLE_JSON)


def test_the_example_corridors_still_load_and_agree() -> None:
    a, b = load_corridor(EXAMPLE_JSON), load_corridor(EXAMPLE_GRAPHML)
    assert set(a.places) == set(b.places)
    assert sorted((x.source, x.target, x.days) for x in a.links) == sorted((x.source, x.target, x.days)
                                                                            for x in b.links)


# ------------------------------------------------------------------------------------------------ 3. paths


def test_an_empty_output_dir_is_refused_and_the_current_folder_left_alone(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "config.yaml").write_text("my own settings\n")
    (tmp_path / "summary.json").write_text('{"mine": true}\n')
    before = files_under(tmp_path)
    monkeypatch.chdir(tmp_path)
    for empty in ("output_dir=", "output_dir=' '", "hydra.run.dir="):
        code, err, _ = run_main([empty, *QUICK], capsys, monkeypatch)
        assert_one_error_line(code, err, empty.split("=")[0], "must not be empty")
    assert files_under(tmp_path) == before


@pytest.mark.parametrize("name", ["../../../../x", "a/b", "/abs", "..", "a\\b", ".hidden", "-flag", "x" * 101])
def test_a_scenario_name_that_would_leave_its_folder_is_refused(name: str) -> None:
    message = refused([f"scenario_name='{name}'"])
    assert message.startswith("scenario_name: "), message
    assert "cannot name a folder" in message


def test_ordinary_scenario_names_are_fine() -> None:
    for name in ("baseline", "fusion_centre_rollout", "intel 0.5 (v2)", "crackdown-2026", "Ölmar+Kesh"):
        assert compose([f"scenario_name='{name}'"]).scenario_name == name


@pytest.mark.parametrize("contents", [
    {"notes.txt": "my notes\n"},
    {"config.yaml": "my own settings\n"},  # only names a run writes, but no run's manifest: the user's
    {"manifest.json": '{"format": "something-else"}', "summary.json": "{}"},
], ids=["foreign-file", "only-a-config-yaml", "foreign-manifest"])
def test_a_folder_that_is_not_a_run_folder_is_refused(
        contents: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "mine"
    folder.mkdir()
    for name, text in contents.items():
        (folder / name).write_text(text)
    before = files_under(folder)
    code, err, _ = run_main([*QUICK, f"output_dir={folder}"], capsys, monkeypatch)
    assert_one_error_line(code, err, "output_dir", str(folder), "allowed: a new or empty folder")
    assert files_under(folder) == before


def test_a_new_an_empty_and_an_earlier_run_folder_are_written(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    new = tmp_path / "deep" / "new"
    for folder in (empty, new, new):  # the last: replacing the earlier run in `new`
        code, err, _ = run_main([*QUICK, f"output_dir={folder}"], capsys, monkeypatch)
        assert code == 0, err
        assert_complete_run(folder)


@pytest.mark.parametrize("where", ["a-file", "proc"])
def test_a_run_folder_that_cannot_be_created_is_one_line(
        where: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    if where == "proc":
        if not Path("/proc/self").is_dir():
            pytest.skip("no /proc here")
        folder = "/proc/x"
    else:
        (tmp_path / "a-file").write_text("")
        folder = str(tmp_path / "a-file" / "x")
    for key in ("hydra.run.dir", "output_dir"):
        code, err, _ = run_main([*QUICK, f"{key}={folder}"], capsys, monkeypatch)
        assert_one_error_line(code, err, key, "cannot write into")
    code, err, _ = run_main(["-m", "seed=1,2", *QUICK, f"hydra.sweep.dir={folder}"], capsys, monkeypatch)
    assert_one_error_line(code, err, "hydra.sweep.dir", "cannot write into")


def test_a_sweep_into_a_folder_of_other_things_is_refused(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "notes.txt").write_text("mine\n")
    code, err, _ = run_main(["-m", "seed=1,2", *QUICK, f"output_dir={tmp_path}"], capsys, monkeypatch)
    assert_one_error_line(code, err, "output_dir", "notes.txt")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]


# ------------------------------------------------------------------------------------------------ 5. one line, exit 2


@pytest.mark.parametrize(("args", "fragments"), [
    (["seed=1,2"], ("seed=1,2", "needs -m")),
    (["--config-name", "nope"], ("--config-name", "nope", "allowed: config")),
    (["--config-name=nope"], ("--config-name", "nope")),
    (["-cp", "/nowhere"], ("-cp", "not supported")),
    (["--config-dir", "/nowhere"], ("--config-dir", "not supported")),
    (["--experimental-rerun", "/nowhere.pickle"], ("--experimental-rerun", "pickle")),
    (["--foo"], ("--foo", "unknown option")),
    (["--cfg", "nope"], ("--cfg", "job, hydra, all")),
    (["hydra.foo=1"], ("hydra.foo",)),
    (["hydra/launcher=nope"], ("hydra/launcher", "basic")),
    (["hydra.job.chdir=true"], ("hydra.job.chdir",)),
    (["hydra.job.chdir=${seed}"], ("hydra.job.chdir", "interpolations")),
    (["--resolve"], ("--resolve", "--cfg")),
    (["-m", "--cfg", "all"], ("--multirun and --cfg", "choose one")),
    (["-p", "-c"], ("-p", "needs a value")),
    (["-p", "nope", "--cfg", "job"], ("-p", "no section 'nope'")),
    (["-m", "network.organisations=", "network.organisations=1,2"], ("network.organisations",)),
])
def test_a_bad_flag_or_hydra_override_is_one_line_and_exit_2(
        args: list[str], fragments: tuple[str, ...], tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "out"
    code, err, stdout = run_main([*args, *QUICK, f"output_dir={out}"], capsys, monkeypatch)
    assert_one_error_line(code, err, *fragments)
    assert stdout == ""
    assert not out.exists()


def test_flags_may_sit_anywhere_among_the_overrides(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "sweep"
    code, err, _ = run_main(["days=3", "-m", "seed=1,2", "warmup_days=0", f"output_dir={out}"], capsys, monkeypatch)
    assert code == 0, err
    assert sorted(assert_complete_run(job)["seed"] for job in (out / "0", out / "1")) == [1, 2]
    # `--info` (which sets up Hydra's logging, so in a process of its own) before an override it must not take.
    info = tmp_path / "info"
    done = run_cli(["--info", *QUICK, f"output_dir={info}"], timeout=120)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    assert done.stdout.strip()
    assert not info.exists()


def test_a_full_disk_is_one_line_exit_2_and_leaves_no_run_looking_complete(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    def full(self: pd.DataFrame, path: Any, *args: Any, **kwargs: Any) -> None:
        Path(path).write_bytes(b"PAR1")  # a few bytes made it before the disk filled
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(pd.DataFrame, "to_parquet", full)
    out = tmp_path / "out"
    code, err, _ = run_main([*QUICK, f"output_dir={out}"], capsys, monkeypatch)
    assert_one_error_line(code, err, "output_dir", "No space left on device")
    assert not out.exists(), "the empty run folder was left behind"
    assert not list(tmp_path.rglob("manifest.json"))

    # Over an earlier complete run: it stops looking complete, and no temporary folder is left.
    monkeypatch.undo()
    code, err, _ = run_main([*QUICK, f"output_dir={out}"], capsys, monkeypatch)
    assert code == 0, err
    monkeypatch.setattr(pd.DataFrame, "to_parquet", full)
    code, err, _ = run_main([*QUICK, f"output_dir={out}"], capsys, monkeypatch)
    assert_one_error_line(code, err, "No space left on device")
    assert not (out / "manifest.json").exists()
    assert not leftovers(out)


# ------------------------------------------------------------------------------------------------ 6. docs, pins


def test_the_corridor_doc_states_the_limits_of_the_code() -> None:
    doc = (REPO / "docs" / "corridor.md").read_text()
    for value in (f"{corridor_module.MAX_POPULATION:,}", f"{corridor_module.MAX_LEGIT_TRAFFIC:,.0f}",
                  f"{corridor_module.MAX_LANES:,}", f"{corridor_module.MAX_LEG_DAYS:g}",
                  f"{corridor_module.MAX_LEG_COST:,.0f}", f"{corridor_module.MAX_PLACES:,}",
                  f"{corridor_module.MAX_LINKS:,}", f"{corridor_module.ROUTE_SEARCH_BUDGET:,}"):
        assert value in doc, f"docs/corridor.md does not state the limit {value}"
    gaps = doc.split("### Known gaps", 1)[1].split("\n## ", 1)[0] if "### Known gaps" in doc else ""
    assert "xfail" not in gaps or "xfail" in (REPO / "tests" / "test_corridor.py").read_text()


def test_pyarrow_is_pinned_past_its_deserialisation_flaw() -> None:
    deps = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["dependencies"]
    pins = [d.replace(" ", "") for d in deps if d.lower().startswith("pyarrow")]
    assert pins == ["pyarrow>=14.0.1"], pins


# ------------------------------------------------------------------------------------------------ 7. what was left


def test_every_number_of_the_schema_has_an_upper_bound() -> None:
    from sim.config.schema import SPECS

    open_ended = [k for k, s in SPECS.items() if s.type in ("number", "integer") and (s.high is None or s.low is None)]
    assert not open_ended, f"give these a range in sim/config/schema.py: {open_ended}"


@pytest.mark.parametrize(("override", "allowed"), [
    ("costs.oversight=1e300", "[0.0, 1000.0]"),
    ("costs.officer_salary=5000", "[0.0, 1000.0]"),
    ("network.initial_cash=1e12", "[0.0, 10000.0]"),
    ("shipments.value_drugs=20000", "[0.0, 10000.0]"),
    ("finance.working_capital=1e300", "[0.0, 10000.0]"),
    ("investigation.cross_border_request_days=1e6", "[0.0, 3650.0]"),
    ("justice.trial_delay_days=4000", "[0.0, 3650.0]"),
    ("border.inspection_minutes=10000", "[0.0, 1440.0]"),
    ("border.max_queue_hours=1000", "[0.0, 720.0]"),
])
def test_money_unit_costs_and_durations_are_bounded(override: str, allowed: str) -> None:
    message = refused([override])
    assert message.startswith(f"{override.split('=')[0]}: "), message
    assert allowed in message, message


def test_the_largest_unit_costs_still_give_a_finite_policy_cost() -> None:
    from sim.api import run_scenario
    from sim.config.schema import MAX_UNIT_COST, SPECS

    costs = [f"{k}={MAX_UNIT_COST}" for k in SPECS if k.startswith("costs.")]
    cost = run_scenario([*QUICK, "scenario=integrated", *costs], seed=1).summary["policy_cost"]
    assert math.isfinite(cost)
    assert 0 < cost < 1e9


def test_closest_first_of_no_names_is_no_names() -> None:
    from sim.config import closest_first

    assert closest_first("oversite", []) == []
    assert str(unknown_key("design.x", [])) == "design.x: unknown key; allowed: nothing here"


@pytest.mark.parametrize("command", ["sim.validate", "sim.experiment"])
@pytest.mark.parametrize("flag", ["--help", "-h"])
def test_help_prints_the_usage_and_exits_0(command: str, flag: str, capsys: pytest.CaptureFixture[str]) -> None:
    import sim.experiment.cli
    import sim.validate.cli

    code = {"sim.validate": sim.validate.cli.main, "sim.experiment": sim.experiment.cli.main}[command]([flag])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert err == ""
    assert f"python -m {command}" in out


def test_write_run_applies_the_output_folder_rule_of_the_command_line(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    from sim.api import run_scenario

    result = run_scenario(QUICK, seed=1)
    mine, settings, a_file = tmp_path / "mine", tmp_path / "settings", tmp_path / "a-file"
    mine.mkdir()
    (mine / "notes.txt").write_text("mine\n")
    settings.mkdir()
    (settings / "config.yaml").write_text("my own settings\n")
    a_file.write_text("x")
    for folder, reason in ((mine, "already holds 'notes.txt', which a run does not write"),
                           (settings, "no manifest.json of a complete run"), (a_file, "exists and is not a folder")):
        before = files_under(folder) if folder.is_dir() else a_file.read_text()
        with pytest.raises(FileExistsError, match=reason):
            result.save(folder)
        assert (files_under(folder) if folder.is_dir() else a_file.read_text()) == before
        if folder.is_dir():  # the command line refuses the same folder for the same reason
            code, err, _ = run_main([*QUICK, f"output_dir={folder}"], capsys, monkeypatch)
            assert_one_error_line(code, err, reason)
    empty = tmp_path / "empty"
    empty.mkdir()
    for folder in (tmp_path / "new" / "run", empty, empty):  # the last: replacing an earlier run
        result.save(folder)
        assert assert_complete_run(folder)["seed"] == 1


@pytest.mark.parametrize(("change", "fragment"), [
    pytest.param(_every_edge(cost={}), "bad value", id="cost-an-empty-object"),
    pytest.param(_every_edge(cost=[]), "bad value", id="cost-an-empty-list"),
    pytest.param(_node("town", x=[]), "bad value", id="x-an-empty-list"),
    pytest.param(_node("crossing", lanes={}), "bad value", id="lanes-an-empty-object"),
    pytest.param(_node("town", demand={"drugs": 1}), "bad value", id="demand-an-object"),
])
def test_a_json_corridor_value_of_the_wrong_kind_is_refused_not_taken_for_the_default(
        change: Callable[[dict[str, Any]], None], fragment: str, tmp_path: Path) -> None:
    data = example()
    change(data)
    path = write(tmp_path, json.dumps(data))
    with pytest.raises(ConfigError) as info:
        load_corridor(path)
    message = str(info.value)
    assert "\n" not in message
    assert fragment in message, message


def test_a_json_corridor_number_too_long_for_python_is_one_line(tmp_path: Path) -> None:
    text = EXAMPLE_JSON.read_text()
    path = write(tmp_path, text.replace('"population": 4000', '"population": ' + "7" * 5000, 1))
    with pytest.raises(ConfigError, match=r"^corridor.file '.*': not valid JSON \(Exceeds the limit \(4300 digits\)"):
        load_corridor(path)


def test_a_json_corridor_naming_a_key_twice_is_refused_not_read_as_its_last_value(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    text = EXAMPLE_JSON.read_text()
    assert '"population": 4000' in text
    path = write(tmp_path, text.replace('"population": 4000', '"population": 4000, "population": 40', 1))
    with pytest.raises(ConfigError, match=r"""not valid JSON \(the key "population" appears twice in one object\)"""):
        load_corridor(path)
    code, err, _ = run_main([f"corridor.file={path}", *QUICK, f"output_dir={tmp_path / 'out'}"], capsys, monkeypatch)
    assert_one_error_line(code, err, "corridor.file", "appears twice")
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("value", ["2", "0", "yes", "on", "1.5"])
def test_a_switch_takes_true_or_false_only(value: str, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """OmegaConf reads 2 or yes as true without a word; a typo would run a scenario nobody asked for."""
    code, err, _ = run_main([f"policy.joint_task_force={value}", *QUICK, f"output_dir={tmp_path / 'out'}"],
                            capsys, monkeypatch)
    assert_one_error_line(code, err, "policy.joint_task_force", "allowed: true or false")
    assert not (tmp_path / "out").exists()


def test_a_switch_still_takes_true_false_and_a_sweep_of_them() -> None:
    from sim.config import compose

    assert compose(["policy.joint_task_force=True"]).policy.joint_task_force is True
    assert compose(["policy.whistleblower_protection=false"]).policy.whistleblower_protection is False
    from sim.config.compose import _check_switches

    _check_switches(["policy.joint_task_force=true,false", "policy.joint_task_force=choice(true,false)"])


def test_a_branch_on_the_last_day_is_refused_as_in_replay(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    code, err, _ = run_main(["days=10", "warmup_days=0", "branch.day=9", "+branch.levers.oversight=0.9",
                             f"output_dir={tmp_path / 'out'}"], capsys, monkeypatch)
    assert_one_error_line(code, err, "branch.day: 9 is out of range", "[0, 8]", "last day")
    assert not (tmp_path / "out").exists()
