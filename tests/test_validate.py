"""The validation suite: its statistics on synthetic data with known answers, the catalogue's integrity,
the quick subset end to end (report files, resume), and bad input (one line, exit 2)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from sim.config import compose
from sim.validate import stats
from sim.validate.catalogue import PATTERNS, SHOCK_END, ArmData, Difference, Outcome, evaluate, pick_focus
from sim.validate.cli import main
from sim.validate.outcome import QUICK_CORRIDORS, Settings
from sim.validate.stats import Status
from tests.conftest import REPO, cli_env

N = 20


@pytest.fixture(autouse=True)
def _fixed_draws() -> None:
    """Each test's synthetic data from its own fixed seed, whatever order tests run in."""
    global RNG
    RNG = np.random.default_rng(7)


RNG = np.random.default_rng(7)


def _arm(values: np.ndarray | list[float]) -> pd.Series:
    """Per-replicate values, indexed by replicate as the runner indexes them."""
    return pd.Series(np.asarray(values, dtype=float), index=pd.RangeIndex(len(values), name="replicate"))


# ------------------------------------------------------------------------------------------------- statistics


def test_paired_difference_passes_only_in_the_stated_direction() -> None:
    a = _arm(RNG.normal(100, 30, N))  # large spread between replicates ...
    b = a + 2 + RNG.normal(0, 0.5, N)  # ... but a steady paired shift of +2
    up = stats.paired_difference("up", a, b, 1, "x")
    assert up.status == Status.passed
    assert up.n == N
    assert up.estimate == pytest.approx(2, abs=0.5)
    assert stats.paired_difference("down", a, b, -1, "x").status == Status.failed
    assert stats.paired_difference("either", a, b, 0, "x").status == Status.passed


def test_paired_difference_fails_without_an_effect() -> None:
    a = _arm(RNG.normal(100, 30, N))
    b = a + RNG.normal(0, 1, N) - 0.0
    b = b - (b - a).mean()  # exactly no mean shift
    for direction in (-1, 0, 1):
        assert stats.paired_difference("none", a, b, direction, "x").status == Status.failed


def test_pairs_are_matched_by_replicate_not_by_position() -> None:
    a = _arm(np.arange(10.0) * 10)
    b = (a + 1).iloc[::-1]  # same replicates, other order
    result = stats.paired_difference("shift", a, b, 1, "x")
    assert result.estimate == pytest.approx(1.0)
    assert result.status == Status.passed
    c = (a + 1).iloc[:4]  # only four replicates in common
    assert stats.paired_difference("few", a, c, 1, "x").n == 4


def test_non_finite_values_drop_their_pair_and_too_few_pairs_fail() -> None:
    a = _arm([1.0, 2.0, np.nan, 4.0])
    b = _arm([2.0, np.nan, 4.0, 5.0])
    assert stats.paired_difference("nan", a, b, 1, "x").n == 2
    lone = stats.paired_difference("one", _arm([1.0]), _arm([3.0]), 1, "x")
    assert lone.status == Status.failed
    assert "finite pair" in lone.note


def test_level_checks_the_whole_interval_and_the_finite_share() -> None:
    x = _arm(RNG.normal(5, 1, N))
    assert stats.level("in", x, "x", 0, 10).status == Status.passed
    assert stats.level("above", x, "x", 6, None).status == Status.failed
    assert stats.level("below", x, "x", None, 4.9).status == Status.failed
    mostly_missing = _arm([*RNG.normal(5, 1, 5), *[np.nan] * 15])
    assert stats.level("finite", mostly_missing, "x", 0, 10, min_finite=0.8).status == Status.failed
    assert stats.level("finite", mostly_missing, "x", 0, 10).status == Status.passed


def test_displacement_ratio_tells_a_balloon_from_a_blockade() -> None:
    share0 = _arm(RNG.uniform(0.55, 0.65, N))
    share1 = share0 * 0.5 + RNG.normal(0, 0.01, N)  # the focused crossing loses half its share
    flow0 = _arm(RNG.normal(600, 40, N))
    rerouted = flow0 * 0.95 + RNG.normal(0, 5, N)  # deliveries fall 5%: ratio about 0.1
    blocked = flow0 * 0.5 + RNG.normal(0, 5, N)  # deliveries fall as much as the share: ratio about 1
    balloon = stats.displacement_ratio("b", share0, share1, flow0, rerouted, 0.5)
    assert balloon.status == Status.passed
    assert balloon.estimate == pytest.approx(0.1, abs=0.05)
    assert balloon.low <= balloon.estimate <= balloon.high < 0.5
    blockade = stats.displacement_ratio("b", share0, share1, flow0, blocked, 0.5)
    assert blockade.status == Status.failed
    assert blockade.estimate == pytest.approx(1.0, abs=0.1)
    unmoved = stats.displacement_ratio("b", share0, share0 + 0.01, flow0, rerouted, 0.5)
    assert unmoved.status == Status.failed
    assert "did not fall" in unmoved.note


def test_displacement_ratio_is_deterministic() -> None:
    share0, flow0 = _arm(RNG.uniform(0.5, 0.7, N)), _arm(RNG.normal(600, 40, N))
    args = (share0, share0 * 0.6, flow0, flow0 * 0.9)
    assert stats.displacement_ratio("b", *args, 0.5) == stats.displacement_ratio("b", *args, 0.5)


def _levels(means: list[float], noise: float = 0.005) -> dict[str, pd.Series]:
    base = RNG.normal(0, 0.02, N)  # shared by the levels of one replicate, as common random numbers are
    return {f"l{i}": _arm(m + base + RNG.normal(0, noise, N)) for i, m in enumerate(means)}


def test_monotone_steps_pass_a_falling_curve_and_fail_a_reversal_or_a_flat_one() -> None:
    assert stats.monotone_steps("m", _levels([0.40, 0.25, 0.17, 0.14]), -1, "x").status == Status.passed
    assert stats.monotone_steps("m", _levels([0.40, 0.25, 0.30, 0.14]), -1, "x").status == Status.failed
    assert stats.monotone_steps("m", _levels([0.30, 0.30, 0.30, 0.30]), -1, "x").status == Status.failed
    assert stats.monotone_steps("m", _levels([0.10, 0.20, 0.30, 0.40]), -1, "x").status == Status.failed
    assert stats.monotone_steps("m", _levels([0.10, 0.20, 0.30, 0.40]), 1, "x").status == Status.passed


def test_unequal_steps_tell_a_curve_from_a_straight_line() -> None:
    assert stats.unequal_steps("u", _levels([0.40, 0.20, 0.10, 0.05]), "x").status == Status.passed
    assert stats.unequal_steps("u", _levels([0.40, 0.30, 0.20, 0.10]), "x").status == Status.failed
    assert stats.unequal_steps("u", _levels([0.4, 0.2]), "x").status == Status.failed


def test_any_differs_passes_when_one_outcome_differs() -> None:
    a = _arm(RNG.normal(10, 3, N))
    same, shifted = a + RNG.normal(0, 0.5, N), a + 3 + RNG.normal(0, 0.5, N)
    same = same - (same - a).mean()
    assert stats.any_differs("d", {"x": (a, same), "y": (a, shifted)}).status == Status.passed
    assert stats.any_differs("d", {"x": (a, same)}).status == Status.failed


def test_a_pattern_passes_only_when_every_check_passes() -> None:
    assert stats.combine([Status.passed, Status.passed]) == Status.passed
    assert stats.combine([Status.passed, Status.missing]) == Status.missing
    assert stats.combine([Status.missing, Status.failed]) == Status.failed
    assert stats.combine([Status.failed, Status.error]) == Status.error
    assert stats.combine([]) == Status.missing


def test_a_missing_outcome_is_not_measurable_never_a_pass() -> None:
    runs = pd.DataFrame({"replicate": range(3), "arrests": [1.0, 2.0, 3.0]}).set_index("replicate", drop=False)
    data = {"a": ArmData(runs), "b": ArmData(runs)}
    result = evaluate(Difference("new outcome", Outcome("not_an_outcome_yet"), "a", "b", 1), data, {"days": 10})
    assert result.status == Status.missing
    assert "not_an_outcome_yet" in result.note


def test_the_focus_is_the_busiest_land_crossing_of_the_corridor() -> None:
    runs = pd.DataFrame({"flow_share.c1_airport": [0.9, 0.9], "flow_share.x_a_b_1": [0.3, 0.5],
                         "flow_share.x_a_b_2": [0.2, 0.2], "flow_share.c1_port": [0.8, 0.8]})
    kinds = {"c1_airport": "airport", "x_a_b_1": "crossing", "x_a_b_2": "informal_crossing", "c1_port": "port"}
    assert pick_focus(ArmData(runs), kinds) == "x_a_b_1"
    assert pick_focus(ArmData(runs), {}) == "c1_airport"  # no kinds known: the busiest post
    assert pick_focus(ArmData(pd.DataFrame({"arrests": [1]})), kinds) is None


# -------------------------------------------------------------------------------------------------- catalogue


def test_the_catalogue_has_the_issue_patterns_with_sources_and_consistent_arms() -> None:
    required = {"balloon", "resilience", "targeting", "recruitment", "corruption", "intel_sharing",
                "victim_protection", "inspection_delay"}
    assert required <= set(PATTERNS)
    for p in PATTERNS.values():
        assert p.sources, p.name
        keys = [a.key for a in p.arms]
        assert len(keys) == len(set(keys)), p.name
        for check in p.checks:
            assert set(check.arms()) <= set(keys), (p.name, check.name)
        assert p.pilot is None or p.pilot in keys
        assert not any(p.needs_focus(a) for a in p.arms) or p.pilot is not None


def test_every_arm_composes_on_the_default_and_a_generated_corridor() -> None:
    for p in PATTERNS.values():
        for arm in p.arms:
            overrides = [o.replace(SHOCK_END, str(p.days // 4)) for o in arm.overrides]
            for where, focus in (([], "vk_bridge"), (["corridor=generated", "corridor.seed=1"], "x_c1_c2_1")):
                compose([*where, f"days={p.days}", *(o.replace("<focus>", focus) for o in overrides)])


def test_the_docs_describe_every_pattern() -> None:
    text = (REPO / "docs" / "validation.md").read_text()
    for name in PATTERNS:
        assert f"`{name}`" in text, name


# ----------------------------------------------------------------------------------------------- end to end


@pytest.mark.slow
def test_quick_subset_runs_end_to_end_writes_the_report_and_resumes(tmp_path: Path) -> None:
    from sim.validate.suite import run_validation

    settings = Settings(quick=True, out=tmp_path / "validation", jobs=1)
    first = run_validation(settings)
    out = settings.out
    for name in ("report.md", "report.html", "validation.json"):
        assert (out / name).is_file(), name
    assert len(first.results) == len(settings.chosen_patterns()) * len(QUICK_CORRIDORS)
    assert first.total > 0
    assert first.ran == first.total
    errors = [r.note for r in first.results if r.status == Status.error]
    assert not errors, errors
    report = (out / "report.md").read_text()
    for p in settings.chosen_patterns():
        assert f"`{p.name}`" in report
        assert (out / "figures" / f"{p.name}.png").is_file()
    assert "pattern × corridor" in report
    html = (out / "report.html").read_text()
    assert "data:image/png;base64," in html
    assert "http://" not in html
    assert "https://" not in html
    saved = json.loads((out / "validation.json").read_text())
    balloon = {r["corridor"]: r for r in saved["results"] if r["pattern"] == "balloon"}
    for where, r in balloon.items():  # the focus is a post of that corridor, picked from its own pilot runs
        pilot = pd.read_parquet(out / r["arms"]["baseline"]["path"] / "runs.parquet")
        assert f"flow_share.{r['focus']}" in pilot.columns, where
    assert balloon["gen1"]["focus"].startswith("x_c")  # a land crossing of the generated corridor
    for r in saved["results"]:
        assert r["status"] in {str(s) for s in Status}
        for c in r["checks"]:
            assert c["n"] >= 0
            assert c["rule"]

    again = run_validation(settings)
    assert again.ran == 0
    assert again.total == first.total
    assert [(r.pattern, r.corridor, r.status) for r in again.results] == \
        [(r.pattern, r.corridor, r.status) for r in first.results]


def test_a_pattern_that_needs_more_pairs_does_not_borrow_a_shorter_arm(monkeypatch: pytest.MonkeyPatch,
                                                                       tmp_path: Path) -> None:
    """Recruitment and victim protection both run the three-year baseline; victim protection needs more pairs,
    so it must get as many baseline runs, not the 20 recruitment's arm has (its pairs would be cut to 20)."""
    from sim.experiment.runner import ExperimentOutcome
    from sim.validate import runner

    asked: list[tuple[str, int]] = []

    def fake_run(exp: Any, progress: bool | None = None) -> ExperimentOutcome:  # the experiment runner, faked
        asked.append((tuple(exp.overrides)[-1] if exp.overrides else "baseline", int(exp.replications)))
        return ExperimentOutcome(path=tmp_path, total=int(exp.replications), ok=int(exp.replications), ran=0,
                                 failed=[])

    monkeypatch.setattr(runner, "run_experiment", fake_run)
    monkeypatch.setattr(runner, "load_arm", lambda path: ArmData(pd.DataFrame(), None))
    settings = Settings(patterns=("recruitment", "victim_protection"), corridors=("default",), out=tmp_path)
    arms = runner._Arms(settings, verbose=False, progress=False)
    where = settings.chosen_corridors()[0]
    for name in ("recruitment", "victim_protection"):
        for arm in PATTERNS[name].arms:
            arms.run(PATTERNS[name], where, arm, {})
    more = PATTERNS["victim_protection"].replications
    assert more is not None
    assert more > 20
    assert asked == [("baseline", 20), ("policy.prevention=0.8", 20), ("baseline", more),
                     ("policy.victim_protection=0.9", more)]
    asked.clear()
    arms.run(PATTERNS["victim_protection"], where, PATTERNS["victim_protection"].arms[0], {})
    assert asked == []  # the same arm twice in one command runs once


# ------------------------------------------------------------------------------------------------ bad input


@pytest.mark.parametrize(("args", "names"), [
    (["--replications", "x"], "replications"),
    (["--replications", "1"], "replications"),
    (["--replications"], "--replications"),
    (["--patterns", "balloon,unicorns"], "unicorns"),
    (["--corridors", "default,mars"], "mars"),
    (["--bogus", "1"], "bogus"),
    (["--jobs", "0"], "jobs"),
    (["--quick=maybe"], "quick"),
    (["stray"], "stray"),
])
def test_bad_arguments_exit_2_with_one_line(args: list[str], names: str, capsys: pytest.CaptureFixture[str],
                                            tmp_path: Path) -> None:
    code = main([*args, "--out", str(tmp_path / "v")])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2
    assert len(err) == 1, err
    assert err[0].startswith("error: ")
    assert names in err[0]
    assert not (tmp_path / "v" / "report.md").exists()


def test_bad_arguments_from_a_fresh_process_leave_no_traceback(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "sim.validate", "corridors=default,gen-2", f"out={tmp_path}"],
                          cwd=REPO, env=cli_env(), capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert "corridors" in lines[0]
    assert "Traceback" not in done.stderr


def test_the_catalogue_listing() -> None:
    done = subprocess.run([sys.executable, "-m", "sim.validate", "list"], cwd=REPO, env=cli_env(),
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0
    for name in PATTERNS:
        assert name in done.stdout
