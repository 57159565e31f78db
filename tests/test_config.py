"""The config schema's promises: every number has a range and a unit, defaults lie in range, an out-of-range
override is refused naming its key, and `policy_schedule` entries are checked one by one."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest

from sim.config import SPECS, ConfigError, compose

NUMERIC = {key: spec for key, spec in SPECS.items() if spec.type in ("number", "integer")}

#: Plain integer seeds: any whole number >= 0 will do, and they have no unit.
UNITLESS = {"seed", "corridor.seed"}

#: Known gaps in sim/config/schema.py: strict xfail, so fixing one fails its case here as a reminder to
#: drop it from this list (empty: every number has its unit and range).
MISSING_UNIT: dict[str, str] = {}
MISSING_RANGE: dict[str, str] = {}

#: Out-of-range overrides are composed for at most this many keys (each compose is a Hydra compose).
SAMPLE = 40


def _known_gap(key: str, gaps: dict[str, str]) -> Any:
    marks = [pytest.mark.xfail(strict=True, reason=gaps[key])] if key in gaps else []
    return pytest.param(key, id=key, marks=marks)


def test_specs_cover_the_numeric_keys() -> None:
    assert len(NUMERIC) > 100, "SPECS lost its numeric keys"
    assert not (set(MISSING_UNIT) | set(MISSING_RANGE) | UNITLESS) - set(NUMERIC), "stale key in a list here"


@pytest.mark.parametrize("key", [_known_gap(k, MISSING_RANGE) for k in sorted(NUMERIC)])
def test_every_number_has_a_range(key: str) -> None:
    spec = NUMERIC[key]
    assert spec.low is not None or spec.high is not None, f"{key}: no range declared"
    if spec.low is not None and spec.high is not None:
        assert spec.low <= spec.high, f"{key}: empty range [{spec.low}, {spec.high}]"


@pytest.mark.parametrize("key", [_known_gap(k, MISSING_UNIT) for k in sorted(set(NUMERIC) - UNITLESS)])
def test_every_number_has_a_unit(key: str) -> None:
    assert NUMERIC[key].unit.strip(), f"{key}: no unit declared"


@pytest.mark.parametrize("key", sorted(NUMERIC))
def test_every_default_lies_in_its_range(key: str) -> None:
    spec = NUMERIC[key]
    if spec.default is None:  # optional (e.g. branch.day): unset by default
        return
    assert isinstance(spec.default, int | float), (key, spec.default)
    assert not isinstance(spec.default, bool), (key, spec.default)
    assert math.isfinite(spec.default), key
    if spec.type == "integer":
        assert isinstance(spec.default, int), f"{key}: integer key with default {spec.default!r}"
    assert spec.low is None or spec.default >= spec.low, f"{key}: default {spec.default} < low {spec.low}"
    assert spec.high is None or spec.default <= spec.high, f"{key}: default {spec.default} > high {spec.high}"


def _with_finite_high() -> list[str]:
    """Keys with a finite upper bound, at most SAMPLE of them spread evenly over the sorted list (so the
    sample is the same on every run and reaches every section)."""
    keys = sorted(k for k, s in NUMERIC.items() if s.high is not None and math.isfinite(s.high))
    if len(keys) <= SAMPLE:
        return keys
    return [keys[round(i * (len(keys) - 1) / (SAMPLE - 1))] for i in range(SAMPLE)]


@pytest.mark.parametrize("key", _with_finite_high())
def test_a_value_above_the_range_is_refused_naming_the_key(key: str) -> None:
    spec = NUMERIC[key]
    value = int(spec.high) * 2 + 1 if spec.type == "integer" else spec.high * 2 + 1
    with pytest.raises(ConfigError) as info:
        compose([f"{key}={value}"])
    message = str(info.value)
    assert len(message.splitlines()) == 1, message
    assert message.startswith(f"{key}:"), message
    assert "allowed" in message, message


def test_the_sample_is_deterministic_and_spread() -> None:
    sample = _with_finite_high()
    assert sample == _with_finite_high()
    assert len(sample) == len(set(sample)) == min(SAMPLE, len(
        [k for k, s in NUMERIC.items() if s.high is not None and math.isfinite(s.high)]))
    assert len({k.split(".")[0] for k in sample}) >= 8, "the sample misses most sections"


# ---------------------------------------------------------------------------------------------------
# policy_schedule


def _schedule(*entries: str) -> str:
    return "policy_schedule=[" + ", ".join(entries) + "]"


@pytest.mark.parametrize(("entries", "named", "says"), [
    pytest.param(["{day: 5, levers: {bogus: 1}}"], "policy_schedule[0].levers.bogus", "oversight",
                 id="unknown-lever"),
    pytest.param(["{day: 5, levers: {oversight: 1.5}}"], "policy_schedule[0].levers", "[0.0, 1.0]",
                 id="lever-out-of-range"),
    pytest.param(["{day: 5, levers: {oversight: high}}"], "policy_schedule[0].levers.oversight", "number",
                 id="lever-wrong-type"),
    pytest.param(["{day: 5, levers: {targeting: boss}}"], "policy_schedule[0].levers.targeting", "kingpin",
                 id="lever-unknown-word"),
    pytest.param(["{day: 10, levers: {oversight: 0.9}}"], "policy_schedule[0].day", "[0, 9]",
                 id="day-beyond-days"),
    pytest.param(["{day: 5, levers: {}}"], "policy_schedule[0].levers", "at least one lever", id="no-levers"),
    pytest.param(["{day: 5}"], "policy_schedule[0].levers", "at least one lever", id="levers-left-out"),
    # The index is the entry's place in the list as written, not in day order.
    pytest.param(["{day: 8, levers: {bogus: 1}}", "{day: 2, levers: {oversight: 0.5}}"],
                 "policy_schedule[0].levers.bogus", "oversight", id="index-as-written"),
    pytest.param(["{day: 2, levers: {oversight: 0.5}}", "{day: 8, levers: {oversight: 2}}"],
                 "policy_schedule[1].levers", "[0.0, 1.0]", id="second-entry"),
    pytest.param(["{dya: 5, levers: {oversight: 0.9}}"], "policy_schedule[*].dya", "day, levers",
                 id="unknown-entry-key"),
    pytest.param(["{day: x, levers: {oversight: 0.9}}"], "policy_schedule[*].day", "whole number",
                 id="day-not-a-number"),
])
def test_bad_schedule_entry_is_one_line_naming_it(entries: list[str], named: str, says: str) -> None:
    with pytest.raises(ConfigError) as info:
        compose(["days=10", _schedule(*entries)])
    message = str(info.value)
    assert len(message.splitlines()) == 1, message
    assert message.startswith(named), f"{named!r} does not start {message!r}"
    assert says in message, f"{says!r} not in {message!r}"


def test_a_valid_schedule_composes() -> None:
    cfg = compose(["days=10", _schedule("{day: 7, levers: {oversight: 0.9, targeting: kingpin}}",
                                        "{day: 5, levers: {inspection_rate: 0.3}}")])
    assert [(e.day, dict(e.levers)) for e in cfg.policy_schedule] == [
        (7, {"oversight": 0.9, "targeting": "kingpin"}), (5, {"inspection_rate": 0.3})]


# ---------------------------------------------------------------------------------------------------
# Messages built from Hydra's and OmegaConf's exceptions (sim.config.compose.explain_hydra_error)


@pytest.mark.parametrize(("override", "expected"), [
    ("++policy.bogus=1", "policy.bogus: unknown key; allowed: intel_sharing"),
    ("+days=5", "+days: 'days' already exists"),
    ("~bogus", "~bogus: no such key"),
    ("policy=nope", "policy: 'nope' cannot replace a section"),
    ("days=null", "days: must not be null; allowed: a whole number in [1, 36500]"),
    ("days=${oops}", "days: Interpolation key 'oops' not found"),
    ("policy.interdiction_focus=abc", "policy.interdiction_focus: 'abc' is not a list"),
    ("branch.levers=3", "branch.levers: '3' is not a mapping"),
    ("seed=1,2", "'seed=1,2': a sweep needs -m"),
    ("hydra/launcher=nope", "hydra/launcher: unknown option 'nope'; allowed: basic"),
    ("days=[1,", "bad override syntax in 'days=[1,'"),
])
def test_hydra_errors_become_one_line_naming_the_key(override: str, expected: str) -> None:
    with pytest.raises(ConfigError) as info:
        compose([override])
    message = str(info.value)
    assert len(message.splitlines()) == 1, message
    assert message.startswith(expected), f"{expected!r} does not start {message!r}"


@pytest.mark.parametrize("overrides", [
    [], ["warmup_days=0", "seed=3"], ["scenario=fusion_centre"], ["scenario=integrated", "days=90"],
    ["corridor=generated", "corridor.seed=2"], ["policy_schedule=[{day:100,levers:{inspection_rate:0.3}}]"],
    ["branch.day=10", "+branch.levers.inspection_rate=0.3"], ["++policy.oversight=0.4"],
    ["policy.inspection_targeting=risk_based", "policy.interdiction_focus=[vk_bridge]"],
])
def test_hydras_typed_result_equals_the_schema_merge(overrides: list[str]) -> None:
    """`finalize(typed=True)` keeps Hydra's own typed composition (plain overrides only), the full path merges
    it onto the schema afresh: both give the same keys, values, node types and run parameters. `compose`
    takes the typed path only without `+`, `++` or `~`, which may add or delete keys."""
    from omegaconf import OmegaConf

    from sim.config.compose import _reshapes, finalize, hydra_compose
    from sim.config.schema import CONFIG_DIR, to_params

    def node_types(cfg: Any, prefix: str = "") -> dict[str, Any]:
        out = {}
        for key in cfg:
            node = cfg._get_node(key)
            out[prefix + key] = (type(node).__name__, OmegaConf.get_type(cfg, key))
            if OmegaConf.is_dict(cfg[key]):
                out.update(node_types(cfg[key], f"{prefix}{key}."))
        return out

    full = finalize(hydra_compose(CONFIG_DIR, "config", overrides), typed=False)
    assert compose(overrides) == full
    if any(_reshapes(o) for o in overrides):
        return
    typed = finalize(hydra_compose(CONFIG_DIR, "config", overrides), typed=True)
    assert OmegaConf.to_container(typed) == OmegaConf.to_container(full)
    assert node_types(typed) == node_types(full)
    assert OmegaConf.is_readonly(typed)
    assert OmegaConf.is_readonly(full)
    assert OmegaConf.is_struct(typed)
    assert OmegaConf.is_struct(full)
    assert to_params(typed) == to_params(full)


def _types(cfg: Any, prefix: str = "") -> dict[str, Any]:
    """Every key of a config, nested ones too, with the value type OmegaConf gives it."""
    from omegaconf import OmegaConf

    out = {}
    for key in cfg:
        out[prefix + str(key)] = OmegaConf.get_type(cfg, key)
        if OmegaConf.is_dict(cfg[key]):
            out.update(_types(cfg[key], f"{prefix}{key}."))
    return out


@pytest.mark.parametrize(("overrides", "cached"), [
    ([], True), (["warmup_days=0"], True), (["scenario=fusion_centre", "seed=9"], True),
    (["corridor=generated", "corridor.seed=2"], True),
    (["policy_schedule=[{day:100,levers:{inspection_rate:0.3}}]"], True), (["++policy.oversight=0.4"], True),
    (["branch.day=10", "+branch.levers.inspection_rate=0.3"], True),
    (["corridor=generated", "corridor.seed=${seed}"], False), (["scenario_name=run_${seed}"], False),
])
def test_compose_run_equals_composing_with_the_seed(overrides: list[str], cached: bool) -> None:
    """The experiment runner's `compose_run` (composed once per override list, then the seed set on a copy)
    gives the config `compose` gives with the seed as the last override: values, types, flags. A config
    that interpolates (the seed, say) is composed afresh for every seed."""
    import importlib

    from omegaconf import OmegaConf

    from sim.config import compose_run, to_params

    composing = importlib.import_module("sim.config.compose")  # the module: `sim.config.compose` is the function
    composing._composed.cache_clear()
    for seed in (0, 5, 2**40):
        fast, slow = compose_run(overrides, seed), compose([*overrides, f"seed={seed}"])
        assert OmegaConf.to_container(fast) == OmegaConf.to_container(slow)
        assert OmegaConf.to_yaml(fast) == OmegaConf.to_yaml(slow)
        assert _types(fast) == _types(slow)
        assert OmegaConf.is_readonly(fast)
        assert OmegaConf.is_struct(fast)
        assert to_params(fast) == to_params(slow)
    folder = composing.CONFIG_DIR
    entry = composing._composed(tuple(overrides), str(folder), composing._config_stamp(folder))
    assert (entry is not None) is cached  # None: composed afresh for every seed
    assert composing._composed.cache_info().hits == 3  # asked once per seed and once here: composed once
    first, second = compose_run(overrides, 1), compose_run(overrides, 2)
    assert (first.seed, second.seed) == (1, 2)  # copies: setting one seed leaves the other alone


def test_compose_run_refuses_bad_input_and_sees_edited_files(tmp_path: Path, monkeypatch: Any) -> None:
    """A bad seed is named as `compose` names it; an edited scenario and a corridor file that changed or went
    away are seen by the next run."""
    import importlib
    import json
    import shutil

    from sim.config import compose_run

    composing = importlib.import_module("sim.config.compose")
    for seed in (-1, True):
        with pytest.raises(ConfigError, match=r"^seed: "):
            compose_run([], seed)  # type: ignore[arg-type]
    folder = tmp_path / "configs"
    shutil.copytree(composing.CONFIG_DIR, folder)
    monkeypatch.setattr(composing, "CONFIG_DIR", folder)
    assert compose_run(["scenario=baseline"], 1).days == compose(["scenario=baseline"]).days
    scenario = folder / "scenario" / "baseline.yaml"
    scenario.write_text(scenario.read_text() + "\ndays: 77\n")
    assert compose_run(["scenario=baseline"], 1).days == 77  # the size changed, whatever the clock says

    corridor = tmp_path / "corridor.json"
    shutil.copy(Path(__file__).resolve().parents[1] / "docs" / "examples" / "corridor.json", corridor)
    place = next(p["id"] for p in json.loads(corridor.read_text())["nodes"]
                 if p.get("kind") in ("crossing", "port", "airport"))
    focus = [f"corridor.file={corridor}", f"policy_schedule=[{{day:10,levers:{{interdiction_focus:[{place}]}}}}]"]
    assert compose_run(focus, 1).corridor.file == str(corridor)
    data = json.loads(corridor.read_text())
    data["nodes"] = [p for p in data["nodes"] if p["id"] != place]
    data["edges"] = [e for e in data["edges"] if place not in (e["source"], e["target"])]
    corridor.write_text(json.dumps(data))
    with pytest.raises(ConfigError, match=rf"^policy_schedule\[0\]\.levers: .*'{place}'"):
        compose_run(focus, 1)
    corridor.unlink()
    with pytest.raises(ConfigError, match=r"^corridor.file: no such file"):
        compose_run(focus, 2)
