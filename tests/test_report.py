"""The experiment report: statistics on synthetic results with known answers, files and figures, and one
end-to-end build from real simulation runs assembled in the runner's format."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from sim import run_scenario
from sim.experiment.report import (
    Estimate,
    Results,
    build_report,
    comparison_table,
    headline_table,
    load_results,
    mean_ci,
    median_pairing_ratios,
    morris_indices,
    paired_differences,
    pairing_line,
    pairing_ratios,
    robustness_table,
    sobol_indices,
)

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
DAYS = 30
OUTCOMES = ["interdiction_rate", "arrests", "corrupt_officer_share", "victims_trafficked", "victims_protected",
            "legit_trade_delay_hours", "policy_cost", "time_to_action_days"]
METRICS = ["shipments_seized", "corrupt_officer_share", "community_trust", "network_members"]


# ------------------------------------------------------------------------------------------------ builders


def definition(scenarios: list[str], *, design: dict[str, Any] | None = None, worlds: int = 0,
               baseline: str = "baseline", replications: int = 5) -> dict[str, Any]:
    return {"name": "synthetic", "description": "a synthetic experiment with known answers",
            "scenarios": scenarios, "baseline": baseline, "replications": replications, "days": DAYS, "seed": 1,
            "outcomes": OUTCOMES, "design": design or {"kind": "none", "levers": {}, "samples": 0, "num_levels": 4},
            "uncertainties": {"samples": worlds, "ranges": {"network.initial_cash": [5, 20]} if worlds else {}}}


def run_row(scenario: str, replicate: int, outcomes: dict[str, float], *, world: int = -1, sample: int = -1,
            levers: dict[str, Any] | None = None, status: str = "ok", error: str = "") -> dict[str, Any]:
    run_id = scenario + (f"-p{sample:04d}" if sample >= 0 else "") + (f"-w{world:03d}" if world >= 0 else "") \
        + f"-r{replicate:03d}"
    row = {"run_id": run_id, "scenario": scenario, "replicate": replicate, "seed": 1000 + replicate,
           "world": world, "sample": sample, "status": status, "error": error, **(levers or {})}
    row.update({k: (math.nan if status != "ok" else v) for k, v in outcomes.items()})
    return row


def noisy_outcomes(rng: np.random.Generator, shift: dict[str, float] | None = None,
                   common: float = 0.0) -> dict[str, float]:
    """Plausible outcome values; `common` is noise shared by a replicate across scenarios (same seed)."""
    base = {"interdiction_rate": 0.1, "arrests": 20.0, "corrupt_officer_share": 0.2, "victims_trafficked": 50.0,
            "victims_protected": 5.0, "legit_trade_delay_hours": 0.3, "policy_cost": 2.0, "time_to_action_days": 15.0}
    out = {k: v * (1 + 0.1 * common) + rng.normal(0, 0.05 * v) for k, v in base.items()}
    for k, v in (shift or {}).items():
        out[k] += v
    return out


def daily_series(rng: np.random.Generator, run_id: str, level: float) -> pd.DataFrame:
    days = np.arange(DAYS)
    return pd.DataFrame({"run_id": run_id, "day": days,
                         "shipments_seized": rng.poisson(level, DAYS).astype(float),
                         "corrupt_officer_share": 0.2 + 0.001 * days + rng.normal(0, 0.01, DAYS),
                         "community_trust": 0.4 + rng.normal(0, 0.01, DAYS),
                         "network_members": 70 - 0.1 * level * days + rng.normal(0, 1, DAYS)})


def write_results(folder: Path, rows: list[dict[str, Any]], defn: dict[str, Any], seed: int = 0) -> Path:
    """Write runs.parquet, timeseries.parquet and manifest.json as the runner does."""
    folder.mkdir(parents=True, exist_ok=True)
    runs = pd.DataFrame(rows)
    runs.to_parquet(folder / "runs.parquet", index=False)
    rng = np.random.default_rng(seed)
    ok = runs[runs["status"] == "ok"]
    series = [daily_series(rng, r.run_id, 1.0 + (r.scenario != "baseline")) for r in ok.itertuples()]
    empty = pd.DataFrame({"run_id": pd.Series(dtype=str), "day": pd.Series(dtype="int64")})  # as the runner writes
    (pd.concat(series, ignore_index=True) if series else empty).to_parquet(folder / "timeseries.parquet", index=False)
    manifest = {"experiment": defn["name"], "key": folder.name, "definition": defn, "versions": {"sim": "0.1.0"},
                "git_commit": None, "timings_seconds": {"run_seconds": 1.0},
                "runs": {"total": len(runs), "ok": len(ok), "failed": len(runs) - len(ok)}}
    (folder / "manifest.json").write_text(json.dumps(manifest))
    return folder


def assert_valid_png(path: Path) -> None:
    assert path.is_file(), f"{path} missing"
    data = path.read_bytes()
    assert data[:8] == PNG_MAGIC, f"{path} is not a PNG"
    assert len(data) > 1024, f"{path} is suspiciously small ({len(data)} bytes)"


def assert_self_contained(html_path: Path) -> None:
    text = html_path.read_text()
    assert "http://" not in text
    assert "https://" not in text
    assert "data:image/png;base64," in text
    assert "<link" not in text
    assert "<script src" not in text


def section(markdown: str, heading: str) -> str:
    """The text of a Markdown section from `heading` to the next heading of any level."""
    start = markdown.index(heading)
    rest = markdown[start + len(heading):]
    end = rest.find("\n#")
    return rest if end < 0 else rest[:end]


def table_row(text: str, first_cell: str) -> list[str]:
    for line in text.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if cells and cells[0] == first_cell:
            return cells
    raise AssertionError(f"no row {first_cell!r} in:\n{text}")


# ------------------------------------------------------------------------------------------------ fixtures


@pytest.fixture(scope="module")
def comparison(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """3 scenarios x 5 replicates: `shifted` has +15 arrests and -20 victims trafficked, `same` nothing."""
    rng = np.random.default_rng(42)
    rows = []
    for r in range(5):
        common = rng.normal()
        rows.append(run_row("baseline", r, noisy_outcomes(rng, common=common)))
        rows.append(run_row("shifted", r, noisy_outcomes(rng, {"arrests": 15.0, "victims_trafficked": -20.0},
                                                         common=common)))
        rows.append(run_row("same", r, noisy_outcomes(rng, common=common)))
    folder = write_results(tmp_path_factory.mktemp("comparison"), rows,
                           definition(["baseline", "shifted", "same"]))
    build_report(folder)
    return folder


# ------------------------------------------------------------------------------------------------ statistics


def test_mean_ci_is_a_t_interval_and_ignores_nan() -> None:
    est = mean_ci([1.0, 2.0, 3.0, math.nan])
    assert est.n == 3
    assert est.mean == pytest.approx(2.0)
    assert est.high - est.mean == pytest.approx(4.302653 * 1.0 / math.sqrt(3), rel=1e-5)
    single = mean_ci([5.0])
    assert single.n == 1
    assert not single.has_interval
    assert mean_ci([]).n == 0


def test_paired_differences_remove_shared_noise() -> None:
    """Large replicate noise shared by both scenarios cancels in the paired difference."""
    ok = pd.DataFrame({"scenario": ["baseline"] * 4 + ["b"] * 4, "sample": -1, "world": -1,
                       "replicate": [0, 1, 2, 3] * 2, "y": [0.0, 100, 200, 300, 1.0, 101.1, 200.9, 301]})
    diff = paired_differences(ok, "y", "baseline", ["baseline", "b"])["b"]
    assert isinstance(diff, Estimate)
    assert diff.mean == pytest.approx(1.0)
    assert diff.excludes_zero


def paired_results(baseline: np.ndarray, others: dict[str, np.ndarray], outcome: str = "arrests",
                   replicates: list[int] | None = None) -> Results:
    """Results with one outcome per run: replicate r of every scenario is one pair (as common seeds make it)."""
    reps = list(range(len(baseline))) if replicates is None else replicates
    rows = [{"run_id": f"{s}-r{r:03d}", "scenario": s, "replicate": r, "sample": -1, "world": -1, "status": "ok",
             outcome: float(v)} for s, values in {"baseline": baseline, **others}.items()
            for r, v in zip(reps, values, strict=True)]
    defn = {"baseline": "baseline", "scenarios": ["baseline", *others]}
    return Results(Path("."), pd.DataFrame(rows), None, {"definition": defn})


@pytest.mark.parametrize("seed", [0, 1, 2, 3, 4])
def test_pairing_ratio_is_zero_for_perfect_pairs_and_one_for_independent_runs(seed: int) -> None:
    """sd(paired) / sqrt(var + var): 0 when the pairs move together, ~1 when independent, sqrt(1 - rho)
    for unit-variance pairs correlated rho."""
    rng = np.random.default_rng(seed)
    n = 4000
    base = rng.normal(20, 5, n)
    rho = 0.75
    results = paired_results(base, {
        "shifted": base + 3.0,  # the same noise, moved: every paired difference is 3
        "independent": rng.normal(20, 5, n),
        "correlated": 20 + 5 * (rho * (base - 20) / 5 + math.sqrt(1 - rho**2) * rng.normal(0, 1, n)),
    })
    table = pairing_ratios(results, ["arrests"]).set_index("scenario")
    assert list(table.index) == ["shifted", "independent", "correlated"]
    assert table.at["shifted", "ratio"] == pytest.approx(0.0, abs=1e-9)
    assert table.at["independent", "ratio"] == pytest.approx(1.0, abs=0.05)
    assert table.at["correlated", "ratio"] == pytest.approx(math.sqrt(1 - rho), abs=0.05)
    assert table.at["independent", "pairs"] == n
    assert table.at["independent", "sd_unpaired"] == pytest.approx(5 * math.sqrt(2), rel=0.05)
    medians = median_pairing_ratios(pairing_ratios(results))
    assert list(medians.index) == ["arrests"]  # only outcomes present in the data
    assert medians["arrests"] == pytest.approx(table["ratio"].median())


def test_pairing_ratio_needs_pairs() -> None:
    """Only matched runs count; fewer than two pairs or no variation give NaN; unpairable runs give nothing."""
    base = np.array([1.0, 2.0, 3.0])
    results = paired_results(base, {"b": np.array([5.0, 5.0, 5.0])})
    both_flat = paired_results(np.array([1.0, 1.0]), {"b": np.array([2.0, 2.0])})
    assert math.isnan(pairing_ratios(both_flat, ["arrests"])["ratio"].iloc[0])
    assert pairing_ratios(results, ["arrests"])["ratio"].iloc[0] == pytest.approx(1.0)  # b does not vary
    # A cost of 1e6 that moves by a few units between runs hardly varies: no ratio of two slivers.
    steady = paired_results(1e6 + np.array([0.0, 2.0, 1.0]), {"b": 2e6 + np.array([3.0, 0.0, 1.0])})
    assert math.isnan(pairing_ratios(steady, ["arrests"])["ratio"].iloc[0])
    assert pairing_ratios(steady, ["arrests"])["sd_unpaired"].iloc[0] > 0
    unpairable = paired_results(base, {"b": base + 1}, replicates=[0, 0, 0])
    assert pairing_ratios(unpairable).empty
    no_baseline = paired_results(base, {"b": base})
    no_baseline.manifest["definition"]["baseline"] = "absent"
    assert pairing_ratios(no_baseline).empty


def test_known_shift_is_flagged_and_no_shift_is_not(comparison: Path) -> None:
    results = load_results(comparison)
    arrests = comparison_table(results, "arrests").set_index("scenario")
    assert arrests.at["shifted", "flag"] == "▲"
    assert arrests.at["shifted", "verdict"] == "better"
    assert arrests.at["same", "flag"] == ""
    victims = comparison_table(results, "victims_trafficked").set_index("scenario")
    assert victims.at["shifted", "flag"] == "▼"
    assert victims.at["shifted", "verdict"] == "better"  # fewer victims is better
    assert victims.at["same", "flag"] == ""
    markdown = (comparison / "report.md").read_text()
    arrests_md = section(markdown, "### arrests")
    assert "▲" in table_row(arrests_md, "shifted")[-1]
    assert table_row(arrests_md, "same")[-1] == ""
    assert table_row(arrests_md, "baseline")[4] == "(baseline)"


def test_comparison_report_files_and_figures(comparison: Path) -> None:
    assert (comparison / "report.md").is_file()
    assert_self_contained(comparison / "report.html")
    for name in ("distributions", "timeseries", "tradeoff", "cost_delay"):
        assert_valid_png(comparison / "figures" / f"{name}.png")
    markdown = (comparison / "report.md").read_text()
    assert "# Experiment report: synthetic" in markdown
    assert "a synthetic experiment with known answers" in markdown
    assert "**15** runs: **15** ok, **0** failed" in markdown
    assert "figures/distributions.png" in markdown
    html = (comparison / "report.html").read_text()
    assert html.count("<img ") == 4
    # Pairing efficiency: a row per scenario and the median, one column per main outcome in the data.
    pairing = section(markdown, "## Pairing efficiency")
    assert "common random numbers make the comparison sharper" in pairing
    median = table_row(pairing, "**median**")
    assert len(median) == 1 + 6  # the six headline outcomes (criminal revenue and seizures are not in these data)
    assert all(0 < float(cell.strip("*")) < 1.5 for cell in median[1:])
    assert table_row(pairing, "shifted")[1] != "n/a"
    assert "<h2>Pairing efficiency</h2>" in html
    assert pairing_line(comparison).startswith("pairing (median sd paired / unpaired difference")


def test_headline_table(comparison: Path) -> None:
    text = headline_table(comparison)
    lines = text.splitlines()
    assert lines[0].startswith("Difference from baseline")
    assert "interdiction rate" in lines[1]  # registry labels, units on the line below
    assert "policy cost" in lines[1]
    assert "(hours per vehicle)" in lines[2]
    shifted = next(line for line in lines if line.startswith("shifted"))
    assert "▲" in shifted  # arrests up
    assert "▼" in shifted  # victims down
    assert not any(line.startswith("baseline") for line in lines[2:])


def test_failed_run_listed_and_excluded_and_single_run_has_no_interval(tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    rows = [run_row("baseline", r, noisy_outcomes(rng)) for r in range(3)]
    rows.append(run_row("lonely", 0, noisy_outcomes(rng)))
    rows.append(run_row("lonely", 1, noisy_outcomes(rng), status="failed", error="RuntimeError: boom at day 7\nTrace"))
    rows[0]["time_to_action_days"] = math.nan  # no lead acted on in that run
    folder = write_results(tmp_path / "failed", rows, definition(["baseline", "lonely"], replications=3))
    build_report(folder)
    markdown = (folder / "report.md").read_text()
    assert "**5** runs: **4** ok, **1** failed" in markdown
    failed = section(markdown, "### Failed runs")
    row = table_row(failed, "lonely-r001")
    assert row[3] == "1001"  # the seed
    assert row[4] == "RuntimeError: boom at day 7"
    lonely = table_row(section(markdown, "### arrests"), "lonely")
    assert lonely[1] == "1"
    assert lonely[3] == "n/a"  # n = 1: no interval
    assert lonely[5] == "n/a"
    tta = table_row(section(markdown, "### time to action (median) (days)"), "baseline")
    assert tta[1] == "2"  # the NaN is ignored
    assert_self_contained(folder / "report.html")


def test_no_baseline_in_data_means_no_difference_columns(tmp_path: Path) -> None:
    rng = np.random.default_rng(4)
    rows = [run_row(s, r, noisy_outcomes(rng)) for s in ("a", "b") for r in range(3)]
    folder = write_results(tmp_path / "nobase", rows, definition(["a", "b"], baseline="baseline"))
    build_report(folder)
    markdown = (folder / "report.md").read_text()
    assert "No baseline in the data" in markdown
    assert "diff vs baseline" not in markdown
    assert "no baseline" in headline_table(folder)


def test_unpairable_runs_use_welch_and_all_failed_still_reports(tmp_path: Path) -> None:
    """Results gathered by `collect` (no definition, every replicate 0) cannot be paired; a folder where every
    run failed still gets a report that lists them."""
    rng = np.random.default_rng(8)
    rows = [run_row(s, 0, noisy_outcomes(rng, {"policy_cost": 1.0} if s == "x" else None)) for s in ("baseline", "x")
            for _ in range(3)]
    for i, row in enumerate(rows):
        row["run_id"] = f"run{i}"
    folder = write_results(tmp_path / "collected", rows, definition(["baseline", "x"]))
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["definition"] = {}
    (folder / "manifest.json").write_text(json.dumps(manifest))
    build_report(folder)
    markdown = (folder / "report.md").read_text()
    assert "unpaired Welch interval" in markdown
    assert "95% CI (Welch)" in markdown
    assert "▲ worse" in table_row(section(markdown, "### policy cost (M)"), "x")[-1]

    failed = [run_row("baseline", r, noisy_outcomes(rng), status="failed", error="MemoryError") for r in range(2)]
    folder = write_results(tmp_path / "all_failed", failed, definition(["baseline"], replications=2))
    build_report(folder)
    markdown = (folder / "report.md").read_text()
    assert "**2** runs: **0** ok, **2** failed" in markdown
    assert table_row(section(markdown, "### Failed runs"), "baseline-r001")[4] == "MemoryError"
    assert "no successful runs" in headline_table(folder)


def test_robustness_share_of_dominating_scenario_is_one(tmp_path: Path) -> None:
    rng = np.random.default_rng(5)
    rows = []
    for w in range(6):
        world_level = rng.normal(0, 3)
        for r in range(2):
            common = rng.normal() + world_level
            rows.append(run_row("baseline", r, noisy_outcomes(rng, common=common), world=w,
                                levers={"network.initial_cash": 5 + 2 * w}))
            rows.append(run_row("dominant", r, noisy_outcomes(rng, {"arrests": 30.0, "victims_trafficked": -30.0},
                                                              common=common), world=w,
                                levers={"network.initial_cash": 5 + 2 * w}))
            rows.append(run_row("noise", r, noisy_outcomes(rng, common=common), world=w,
                                levers={"network.initial_cash": 5 + 2 * w}))
    folder = write_results(tmp_path / "worlds", rows, definition(["baseline", "dominant", "noise"], worlds=6,
                                                                  replications=2))
    table = robustness_table(load_results(folder)).set_index(["scenario", "outcome"])
    assert table.at[("dominant", "arrests"), "better_share"] == 1.0
    assert table.at[("dominant", "victims_trafficked"), "better_share"] == 1.0
    assert table.at[("dominant", "arrests"), "worlds"] == 6
    assert 0.0 < table.at[("noise", "arrests"), "better_share"] < 1.0
    build_report(folder)
    markdown = (folder / "report.md").read_text()
    robust = section(markdown, "## Robustness across sampled worlds")
    row = table_row(robust, "dominant")
    assert row[2] == "100% (0%)"  # arrests column (second outcome)
    assert_valid_png(folder / "figures" / "robustness.png")


def morris_results(folder: Path) -> Path:
    """Morris design over three levers where only `policy.a` drives the outcome (`policy.c` is a bool)."""
    from SALib.sample import morris

    problem = {"num_vars": 3, "names": ["policy.a", "policy.b", "policy.c"], "bounds": [[0, 1], [0, 10], [0, 1]]}
    x = morris.sample(problem, 8, num_levels=4, seed=2)
    rng = np.random.default_rng(6)
    rows = []
    for p, (a, b, c) in enumerate(x):
        levers = {"policy.a": round(float(a), 6), "policy.b": round(float(b), 6), "policy.c": bool(c >= 0.5)}
        for r in range(2):
            out = noisy_outcomes(rng)
            out["arrests"] = 10 + 40 * a + rng.normal(0, 0.5)
            out["victims_trafficked"] = 50 - 30 * a + rng.normal(0, 0.5)
            rows.append(run_row("baseline", r, out, sample=p, levers=levers))
    rows[5]["status"], rows[5]["error"] = "failed", "ValueError: synthetic failure"  # drops one trajectory
    design = {"kind": "morris", "levers": {"policy.a": [0, 1], "policy.b": [0, 10], "policy.c": [0, 1]},
              "samples": 8, "num_levels": 4}
    return write_results(folder, rows, definition(["baseline"], design=design, replications=2))


def test_morris_ranks_the_driving_lever_first(tmp_path: Path) -> None:
    folder = morris_results(tmp_path / "morris")
    results = load_results(folder)
    for outcome in ("arrests", "victims_trafficked"):
        ranked = morris_indices(results, outcome, "baseline")
        assert ranked.iloc[0]["lever"] == "policy.a"
        assert ranked.iloc[0]["mu_star"] > 5 * ranked.iloc[1]["mu_star"]
    build_report(folder)
    markdown = (folder / "report.md").read_text()
    ranking = section(markdown, "## Sensitivity: Morris screening")
    header = table_row(ranking, "lever")
    column = header.index("arrests")
    top = next(line for line in ranking.splitlines() if line.startswith("| policy.")
               and table_row(line, line.split("|")[1].strip())[column].startswith("1 ("))
    assert top.startswith("| policy.a |")
    assert_valid_png(folder / "figures" / "morris_arrests.png")
    assert_valid_png(folder / "figures" / "morris_victims_trafficked.png")
    assert_self_contained(folder / "report.html")


def test_grid_and_sobol_sweeps(tmp_path: Path) -> None:
    """A grid with a categorical lever gets outcome-vs-lever figures; a Saltelli design gets Sobol indices."""
    from SALib.sample import sobol

    rng = np.random.default_rng(7)
    grid_rows = []
    levels, modes = [0.0, 0.5, 1.0], ["random", "risk_based"]
    for p, (level, mode) in enumerate((lv, m) for lv in levels for m in modes):
        for r in range(2):
            out = noisy_outcomes(rng, {"arrests": 20 * level + 5 * (mode == "risk_based")})
            grid_rows.append(run_row("baseline", r, out, sample=p,
                                     levers={"policy.intel_sharing": level, "policy.inspection_targeting": mode}))
    grid = {"kind": "grid", "levers": {"policy.intel_sharing": levels, "policy.inspection_targeting": modes},
            "samples": 0, "num_levels": 4}
    folder = write_results(tmp_path / "grid", grid_rows, definition(["baseline"], design=grid, replications=2))
    build_report(folder)
    assert_valid_png(folder / "figures" / "sweep_policy_intel_sharing.png")
    assert_valid_png(folder / "figures" / "sweep_policy_inspection_targeting.png")

    problem = {"num_vars": 2, "names": ["policy.a", "policy.b"], "bounds": [[0, 1], [0, 1]]}
    x = sobol.sample(problem, 16, calc_second_order=False, seed=1)
    sobol_rows = []
    for p, (a, b) in enumerate(x):
        out = noisy_outcomes(rng)
        out["arrests"] = 10 + 30 * a + 3 * b + rng.normal(0, 0.1)
        sobol_rows.append(run_row("baseline", 0, out, sample=p, levers={"policy.a": a, "policy.b": b}))
    design = {"kind": "sobol", "levers": {"policy.a": [0, 1], "policy.b": [0, 1]}, "samples": 16, "num_levels": 4}
    folder = write_results(tmp_path / "sobol", sobol_rows, definition(["baseline"], design=design, replications=1))
    frame = sobol_indices(load_results(folder), "arrests", "baseline")
    assert frame.iloc[0]["lever"] == "policy.a"
    assert frame.iloc[0]["ST"] > frame.iloc[1]["ST"]
    build_report(folder)
    assert_valid_png(folder / "figures" / "sobol_arrests.png")
    assert_valid_png(folder / "figures" / "sweep_policy_a.png")
    assert "## Sensitivity: Sobol indices" in (folder / "report.md").read_text()


# ------------------------------------------------------------------------------------------------ end to end


@pytest.fixture(scope="module")
def real_results(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """2 scenarios x 3 replicates of 60 days, run with `run_scenario` and stored in the runner's format."""
    scenarios, seeds, days = ["baseline", "crackdown"], [11, 12, 13], 60
    rows, series = [], []
    for scenario in scenarios:
        for r, seed in enumerate(seeds):
            result = run_scenario([f"scenario={scenario}", f"days={days}"], seed=seed)
            run_id = f"{scenario}-r{r:03d}"
            summary = {k: (math.nan if v is None else float(v)) for k, v in result.summary.items()}
            rows.append({"run_id": run_id, "scenario": scenario, "replicate": r, "seed": seed, "world": -1,
                         "sample": -1, "status": "ok", "error": "", **summary})
            ts = result.timeseries.copy()
            ts.insert(0, "run_id", run_id)
            series.append(ts)
    folder = tmp_path_factory.mktemp("real")
    pd.DataFrame(rows).to_parquet(folder / "runs.parquet", index=False)
    pd.concat(series, ignore_index=True).to_parquet(folder / "timeseries.parquet", index=False)
    defn = {"name": "mini_comparison", "description": "baseline against crackdown, 60 days",
            "scenarios": scenarios, "baseline": "baseline", "replications": 3, "days": days, "seed": 0,
            "outcomes": ["interdiction_rate", "shipments_seized", "arrests", "time_to_action_days",
                         "corrupt_officer_share", "victims_trafficked", "victims_protected",
                         "legit_trade_delay_hours", "policy_cost"],
            "design": {"kind": "none", "levers": {}, "samples": 0, "num_levels": 4},
            "uncertainties": {"samples": 0, "ranges": {}}}
    manifest = {"experiment": "mini_comparison", "key": folder.name, "definition": defn, "versions": {},
                "git_commit": None, "timings_seconds": {}, "runs": {"total": 6, "ok": 6, "failed": 0}}
    (folder / "manifest.json").write_text(json.dumps(manifest))
    return folder


def test_report_from_real_runs(real_results: Path) -> None:
    report = build_report(real_results)
    assert report == real_results / "report.md"
    markdown = report.read_text()
    assert "**6** runs: **6** ok, **0** failed" in markdown
    assert table_row(section(markdown, "### arrests"), "crackdown")[1] == "3"
    for name in ("distributions", "timeseries", "tradeoff", "cost_delay"):
        assert_valid_png(real_results / "figures" / f"{name}.png")
    assert_self_contained(real_results / "report.html")
    text = headline_table(real_results)
    assert "crackdown" in text
    assert "legitimate trade delay" in text


# ------------------------------------------------------------------------------------------------ the first page


PACKAGE_COST = {"baseline": 7.0, "victims_down": 9.0, "seizures_up": 12.0, "nothing": 8.0}


def first_page_results(folder: Path, pairs: int, seed: int = 11,
                       packages: tuple[str, ...] = tuple(PACKAGE_COST)) -> Path:
    """`pairs` paired replications of 30 days (a definition that says 365) of the baseline and three packages
    with known effects: `victims_down` averts 20 victims but makes 10 fewer arrests; `seizures_up` seizes 8
    more shipments; `nothing` changes nothing. Policy cost is fixed per package, as the levers set it."""
    rng = np.random.default_rng(seed)
    rows = []
    for r in range(pairs):
        common = rng.normal()
        for scenario in packages:
            cost = PACKAGE_COST[scenario]
            out = noisy_outcomes(rng, common=common)
            out["shipments_seized"] = 20.0 + 4 * common + rng.normal(0, 1.0)
            out["criminal_revenue"] = 100.0 + 10 * common + rng.normal(0, 2.0)
            if scenario == "victims_down":
                out["victims_trafficked"] -= 20.0
                out["arrests"] -= 10.0
            if scenario == "seizures_up":
                out["shipments_seized"] += 8.0
            out["policy_cost"] = cost
            row = run_row(scenario, r, out)
            row.update({"days": 30, "warmup_days": 365, "warmup_policy": "status_quo", "corridor.name": "default",
                        "corridor.file": None, "scenario_description": f"the {scenario} package"})
            rows.append(row)
    defn = definition(list(packages), replications=pairs)
    defn["days"] = 365
    defn["outcomes"] = [*OUTCOMES, "shipments_seized", "criminal_revenue"]
    return write_results(folder, rows, defn)


@pytest.fixture(scope="module")
def first_page(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = first_page_results(tmp_path_factory.mktemp("first_page"), pairs=20)
    build_report(folder)
    return folder


def test_report_opens_with_the_answer(first_page: Path) -> None:
    """Ranking, cost-effectiveness and the trade-off figure come first, before provenance; labels and units
    from the registry, no snake_case in the tables."""
    markdown = (first_page / "report.md").read_text()
    order = [markdown.index(h) for h in ("## The answer", "### Ranking against the baseline", "### Cost-effectiveness",
                                         "### Trade-off: effect against cost", "## Provenance", "## Runs")]
    assert order == sorted(order)
    assert "What was run: **20 paired replications** of 4 scenarios against `baseline`; **30 days** each, after a " \
           "365-day warm-up" in markdown  # what ran, not the definition's 365 days
    ranking = section(markdown, "### Ranking against the baseline")
    header = table_row(ranking, "#")
    assert "victims trafficked (persons) lower is better" in header
    assert "corruption (pp) lower is better" in header
    assert "extra policy cost (M)" in header
    tables = "\n".join(line for line in markdown[:markdown.index("## Provenance")].splitlines() if line.startswith("|"))
    assert not re.search(r"[a-z]+_[a-z]+", tables.replace("victims_down", "").replace("seizures_up", "")), tables
    # Objectives won less objectives lost, then the cheaper: seizures up (1 - 0), nothing (0 - 0, 8 M), victims
    # down (1 - 1, 9 M).
    assert table_row(ranking, "1")[1] == "**seizures up** better on 1, worse on 0 the seizures_up package"
    assert table_row(ranking, "2")[1].startswith("**nothing** better on 0, worse on 0")
    assert table_row(ranking, "3")[1].startswith("**victims down** better on 1, worse on 1")
    assert_valid_png(first_page / "figures" / "tradeoff.png")
    assert "figures/tradeoff.png" in section(markdown, "### Trade-off: effect against cost")
    html = (first_page / "report.html").read_text()
    answer = html[html.index('<section id="answer">'):html.index("</section>")]
    assert answer.count("<table") == 2
    assert answer.count("<img ") == 1
    assert "<h2>Provenance</h2>" not in answer
    assert "With only" not in markdown


def test_cost_effectiveness_only_for_resolved_gains(first_page: Path) -> None:
    """Cost per victim averted = extra cost / victims averted; no ratio where nothing is gained or it got worse."""
    markdown = (first_page / "report.md").read_text()
    table = section(markdown, "### Cost-effectiveness")
    header = table_row(table, "package")
    victims = header.index("cost per victim averted (thousand)")
    seizures = header.index("cost per extra seizure (thousand)")
    down = table_row(table, "victims down")
    ratio = float(down[victims].split()[0].strip("*"))
    assert ratio == pytest.approx(2.0 / 20.0 * 1000, rel=0.15)  # 2 M for about 20 victims: ~100 thousand each
    assert down[seizures] == "no resolved gain"
    up = table_row(table, "seizures up")
    assert float(up[seizures].split()[0].strip("*")) == pytest.approx(5.0 / 8.0 * 1000, rel=0.15)
    assert up[seizures].startswith("**")
    assert "(cheapest)" in up[seizures]
    assert set(table_row(table, "nothing")[1:]) == {"no resolved gain"}


def test_good_and_bad_colouring_follows_the_better_direction(first_page: Path) -> None:
    """Fewer victims (better = lower) is green although the difference is negative; fewer arrests is red."""
    from sim.experiment.report.answer import objectives, package_rows, ranking_table

    results = load_results(first_page)
    keys = objectives(results)
    rows = package_rows(results, keys)
    table = ranking_table(results, rows, keys)
    by_package = {row[1].split("**")[1]: (row, cls) for row, cls in zip(table.rows, table.classes or [], strict=True)}
    row, cls = by_package["victims down"]
    victims, arrests = 2 + keys.index("victims_trafficked"), 2 + keys.index("arrests")
    assert float(row[victims].split()[0]) == pytest.approx(-20, abs=3)
    assert cls[victims] == "better"
    assert float(row[arrests].split()[0]) == pytest.approx(-10, abs=2)
    assert cls[arrests] == "worse"
    row, cls = by_package["seizures up"]
    seizures = 2 + keys.index("shipments_seized")
    assert float(row[seizures].split()[0]) == pytest.approx(8, abs=1.5)
    assert cls[seizures] == "better"
    _, cls = by_package["nothing"]
    assert "better" not in cls
    assert "worse" not in cls
    html = (first_page / "report.html").read_text()
    assert re.search(r'<td class="better">-(19|2\d)\.?\d* \(#1\)', html)  # victims averted, shown green
    assert re.search(r'<td class="worse">-(9|1\d)\.?\d* \(#3\)', html)  # arrests lost, shown red


@pytest.mark.parametrize("pairs", [2, 20])
def test_small_n_warning(tmp_path: Path, pairs: int) -> None:
    """Two paired replications get a plain warning at the top and nothing is called better; twenty do not."""
    from sim.experiment.report.answer import what_was_run
    from sim.experiment.report.document import Callout

    folder = first_page_results(tmp_path / f"n{pairs}", pairs=pairs)
    warnings = [b.text for b in what_was_run(load_results(folder)) if isinstance(b, Callout)]
    if pairs == 20:
        assert warnings == []
        return
    assert warnings == ["With only 2 paired replications no difference can be judged: nothing below is called better "
                        "or worse. Run at least 10 (`replications=20` is the policy comparison's default)."]
    build_report(folder)
    markdown = (folder / "report.md").read_text()
    assert markdown.index("> **With only 2 paired replications") < markdown.index("## The answer")
    ranking = section(markdown, "### Ranking against the baseline")
    assert " better" not in ranking.split("\n|---")[1].replace("better on", "")  # no cell judged better
    assert "too few runs" in ranking
    html = (folder / "report.html").read_text()
    assert '<div class="callout" role="note">With only 2 paired replications' in html
    answer = html[html.index('<section id="answer">'):html.index("</section>")]
    assert 'class="better"' not in answer
    assert 'class="worse"' not in answer
    arrests = table_row(section(markdown, "### arrests"), "victims down")
    assert "better" not in arrests[-1]
    assert "worse" not in arrests[-1]


def test_a_few_pairs_warn_that_intervals_are_unreliable(tmp_path: Path) -> None:
    from sim.experiment.report.answer import small_n_warnings

    assert [b.text for b in small_n_warnings(5)] == [  # type: ignore[union-attr]
        "With only 5 paired replications intervals are unreliable; run at least 10 (`replications=20` is the policy "
        "comparison's default)."]
    assert small_n_warnings(10) == []


def test_zero_width_and_too_few_pairs_are_never_judged() -> None:
    from sim.experiment.report.stats import judge

    assert judge("victims_trafficked", Estimate(2, -20.0, -25.0, -15.0)) == "few"
    assert judge("victims_trafficked", Estimate(10, -20.0, -20.0, -20.0)) == "no_spread"
    assert judge("victims_trafficked", Estimate(10, -20.0, -25.0, 5.0)) == "unresolved"
    assert judge("victims_trafficked", Estimate(10, -20.0, -25.0, -15.0)) == "better"
    assert judge("arrests", Estimate(10, -20.0, -25.0, -15.0)) == "worse"
    assert judge("shipments_attempted", Estimate(10, -20.0, -25.0, -15.0)) == "neutral"


@pytest.mark.parametrize("values", [[0.0, 0.0, 0.0, 90.0], [1.0, 80.0], [0.0, 3.0, 0.0, 1.0, 0.0, 0.0]])
def test_count_level_intervals_never_go_below_zero(values: list[float]) -> None:
    from sim.experiment.report.stats import level_ci

    plain = mean_ci(values)
    assert plain.low < 0  # the t interval would
    est = level_ci(values, "victims_trafficked")
    assert est.mean == pytest.approx(plain.mean)
    assert 0 <= est.low < est.mean < est.high
    share = level_ci([0.01, 0.02, 0.9], "corrupt_officer_share")
    assert 0 <= share.low < share.mean < share.high <= 1
    assert level_ci(values, "criminal_profit").low == pytest.approx(plain.low)  # a net amount may be negative
    wide = level_ci(np.random.default_rng(0).poisson(30, 400).astype(float), "arrests")
    narrow_t = mean_ci(np.random.default_rng(0).poisson(30, 400).astype(float))
    assert wide.low == pytest.approx(narrow_t.low, rel=0.01)  # the same interval where the t one is fine


def test_count_intervals_in_the_report_stay_at_or_above_zero(tmp_path: Path) -> None:
    """The issue's case: two runs of a count, 1 and 80, gave [-36.7, 77.7]; the report now shows a positive
    interval for the level (the difference may of course be negative)."""
    rows = []
    for r, (base, other) in enumerate([(1.0, 3.0), (80.0, 60.0)]):
        for scenario, value in (("baseline", base), ("other", other)):
            out = noisy_outcomes(np.random.default_rng(r))
            out["victims_trafficked"] = value
            rows.append(run_row(scenario, r, out))
    folder = write_results(tmp_path / "skewed", rows, definition(["baseline", "other"], replications=2))
    build_report(folder)
    table = section((folder / "report.md").read_text(), "### victims trafficked")
    for scenario in ("baseline", "other"):
        low = table_row(table, scenario)[3].strip("[]").split(",")[0]
        assert low == "≈0" or float(low) >= 0, table
    assert table_row(table, "other")[5].startswith("[-")  # the paired difference's interval may cross zero


def test_a_package_that_trades_a_gain_for_a_loss_is_not_called_best(tmp_path: Path) -> None:
    from sim.experiment.report.answer import answer_section
    from sim.experiment.report.document import Paragraph

    folder = first_page_results(tmp_path / "trade", pairs=12, packages=("baseline", "victims_down"))
    blocks = answer_section(load_results(folder), tmp_path)
    lead = next(b.text for b in blocks if isinstance(b, Paragraph))
    assert lead == ("No package is better than `baseline` on more objectives than it is worse on: each gain below "
                    "comes with a loss.")
    assert_valid_png(tmp_path / "tradeoff.png")


def test_replications_to_resolve_plans_from_the_estimated_spread() -> None:
    """An unresolved difference says how many pairs would resolve it; the figure grows as the effect shrinks
    relative to its spread, and a resolved one needs none."""
    from sim.experiment.report.stats import Estimate, replications_to_resolve

    # mean 1, half-width 2 at n=10: sd = 2 * sqrt(10) / t(9) ~ 2.8; needs about (1.96 * 2.8)^2 ~ 30 pairs.
    wide = Estimate(10, 1.0, -1.0, 3.0)
    needed = replications_to_resolve(wide)
    assert needed is not None
    assert 25 <= needed <= 40
    narrower = replications_to_resolve(Estimate(10, 1.0, -0.5, 2.5))
    assert narrower is not None
    assert 10 < narrower < needed
    assert replications_to_resolve(Estimate(10, 1.0, 0.5, 1.5)) is None  # already resolved
    assert replications_to_resolve(Estimate(10, 0.0, -1.0, 1.0)) is None  # no effect to resolve
