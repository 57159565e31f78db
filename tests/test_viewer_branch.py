"""The viewer's branch panel in a real browser (headless Debian Chromium driven by Playwright).

A 10-seed branch runs from the page with a progress bar, and its comparison shows every outcome's mean
difference with its 95% interval, coloured good or bad by the outcome's better direction (checked against
`ensemble.json` on disk and, on made-up numbers, against a fall that is good and a fall that is bad).
Branches are named by their lever changes and can be shown on the map and the feed; the interdiction focus
is picked by clicking the map; each lever explains its meaning, range and unit cost; a branch on the last
day is refused in one line. The server runs in this process, on 127.0.0.1, for a short recording.

Without Chromium (or Playwright) these tests skip with a one-line hint; with SIM_REQUIRE_BROWSER=1 they fail.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
import pytest
from omegaconf import OmegaConf

from sim import outcomes, run_scenario
from sim.intervals import mean_ci
from sim.replay.ensemble import compare, verdict
from sim.replay.page import viewer_html
from sim.replay.viewer_data import payload
from tests.browser import serve, watch
from tests.conftest import copy_of

if TYPE_CHECKING:  # Playwright may be missing: then the fixtures skip (or fail under SIM_REQUIRE_BROWSER=1)
    from playwright.sync_api import Page

DAYS = 30
SEED = 3
#: The room's projector, as the README's picture is taken.
VIEWPORT = {"width": 1920, "height": 1080}
WAIT_MS = 15_000
BRANCH_WAIT_MS = 180_000


@pytest.fixture(scope="module")
def recording(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("viewer-branch") / "run"
    run_scenario([f"days={DAYS}", "warmup_days=0"], seed=SEED, output_dir=out)
    return out


def open_viewer(page: Page, url: str) -> None:
    page.set_viewport_size(VIEWPORT)
    page.goto(url)
    page.wait_for_selector("body.ready", timeout=WAIT_MS)
    assert not page.is_visible("#error"), page.text_content("#error")


def go_to(page: Page, day: int) -> None:
    page.evaluate("d => window.viewer.setDay(d)", day)
    assert page.text_content("#branch-day") == f"day {day}"


def run_branch(page: Page, day: int, levers: dict[str, str], seeds: int) -> None:
    go_to(page, day)
    for key, value in levers.items():
        page.fill(f"[data-key='{key}']", value)
    page.fill("#branch-seeds", str(seeds))
    before = page.locator(".branch-legend").count()
    page.click("#branch-run")
    page.wait_for_function("n => document.querySelectorAll('.branch-legend').length > n", arg=before,
                           timeout=BRANCH_WAIT_MS)
    assert "ready" in (page.text_content("#branch-status") or ""), page.text_content("#error")


def click_node(page: Page, node: str) -> None:
    """Click a node's symbol on the map (its label may sit elsewhere), the map centred under the controls."""
    page.evaluate("document.getElementById('map').scrollIntoView({block: 'center'})")
    page.click(f"#map .node[data-id='{node}'] .shape")


def event_count(page: Page) -> int:
    text = page.text_content("#event-filter option[value='all']") or ""
    return int(text.split("(")[1].rstrip(")"))


def ensemble_rows(page: Page) -> list[dict[str, Any]]:
    return page.locator(".ensemble-table tbody tr").evaluate_all("""trs => trs.map(tr => {
        const cell = tr.querySelector('.ens-diff'), ci = cell.querySelector('.ci');
        return {key: tr.dataset.key, better: Number(tr.dataset.better), verdict: tr.dataset.verdict,
                mean: tr.dataset.mean === undefined ? null : Number(tr.dataset.mean),
                low: tr.dataset.low === undefined ? null : Number(tr.dataset.low),
                good: cell.classList.contains('good'), bad: cell.classList.contains('bad'),
                grey: cell.classList.contains('unresolved'), value: cell.querySelector('.value').textContent,
                interval: ci ? ci.textContent : null, measured: tr.querySelector('.measured').textContent,
                label: tr.cells[0].textContent};
    })""")


def assert_colours_follow_verdicts(rows: list[dict[str, Any]]) -> None:
    """Green exactly for a resolved gain, red for a resolved loss, by the better direction (never the sign)."""
    for r in rows:
        assert (r["good"], r["bad"]) == (r["verdict"] == "better", r["verdict"] == "worse"), r
        if r["good"] or r["bad"]:
            assert r["mean"] * r["better"] * (1 if r["good"] else -1) > 0, r


def test_a_ten_seed_branch_shows_intervals_coloured_by_direction_and_can_be_shown_on_the_map(
        page: Page, recording: Path, tmp_path: Path) -> None:
    run = copy_of(recording, tmp_path)
    problems = watch(page)
    with serve(run) as url:
        open_viewer(page, url)
        assert page.input_value("#branch-seeds") == "10"  # the default
        original_events = event_count(page)

        # Run it: the button is held and a progress bar shows while the 19 runs go.
        go_to(page, 10)
        page.fill("[data-key='policy.inspection_rate']", "0.3")
        page.fill("[data-key='policy.oversight']", "0.9")
        page.click("#branch-run")
        assert page.is_disabled("#branch-run")
        assert page.is_visible("#branch-progress")
        assert page.get_attribute("#branch-progress", "max") == "19"
        assert "over 10 seeds" in (page.text_content("#branch-status") or "")
        page.wait_for_selector(".ensemble-table", timeout=BRANCH_WAIT_MS)
        assert page.is_hidden("#branch-progress")
        name = "inspection rate 0.3, oversight 0.9 from day 10"
        assert f"{name}, 10 paired seeds" in (page.text_content("#branch-status") or "")

        # The comparison: every outcome, its interval, coloured by direction, as ensemble.json says.
        folder = next((run / "branches").iterdir())
        data = json.loads((folder / "ensemble.json").read_text())
        assert len(data["seeds"]) == 10
        assert data["seeds"][0] == SEED
        assert f"{name} — 10 paired seeds" in (page.text_content(".ensemble h3") or "")
        rows = ensemble_rows(page)
        assert [r["key"] for r in rows] == list(outcomes.DEFAULT_OUTCOMES)
        for r in rows:
            entry = data["outcomes"][r["key"]]
            diffs = [b - a for a, b in zip(entry["original"], entry["branch"], strict=True)
                     if a is not None and b is not None]
            assert r["verdict"] == entry["verdict"] == verdict(r["key"], mean_ci(diffs)), r
            assert r["mean"] == pytest.approx(entry["difference"]["mean"]), r
            if entry["difference"]["n"] >= 2:  # an outcome with a value in at least two pairs
                assert r["interval"] is not None, f"{r['key']}: no interval shown"
                assert r["interval"].startswith("[")
            assert r["label"].startswith(outcomes.get(r["key"]).label)
        assert_colours_follow_verdicts(rows)
        by_key = {r["key"]: r for r in rows}
        cost = by_key["policy_cost"]  # more inspection costs more: red although the difference is positive
        assert cost["mean"] > 0
        assert cost["bad"]
        assert by_key["corrupt_officer_share"]["measured"] == "mean over the run"
        assert by_key["community_trust_final"]["measured"] == "at the end"
        assert by_key["arrests"]["measured"] == "total over the run"
        assert by_key["interdiction_rate"]["value"].endswith("pp")  # a share's difference in percentage points
        page.evaluate("""() => {  // the comparison's heading just below the controls, which stay on screen
            const controls = document.getElementById('top').getBoundingClientRect().bottom;
            window.scrollBy(0, document.querySelector('.ensemble').getBoundingClientRect().top - controls - 8);
        }""")
        page.screenshot(path=str(tmp_path / "viewer_branch.png"))  # docs/viewer_branch.png is a copy

        # Named by its levers, in the legend and the single-run table; a second branch is told apart.
        run_branch(page, 15, {"policy.oversight": "0.5", "policy.inspection_rate": "0.05"}, seeds=1)
        legends = page.locator(".branch-legend").all_text_contents()
        assert [text.strip() for text in legends] == [name, "oversight 0.5 from day 15"]
        headers = page.locator("#branch-diff th").all_text_contents()
        assert name in headers
        assert "oversight 0.5 from day 15" in headers
        assert not any("Branch (day" in h for h in headers)

        # The map and the feed show a branch, then the original again.
        options = page.locator("#map-run option").all_text_contents()
        assert options[1:] == [name, "oversight 0.5 from day 15"]
        page.select_option("#map-run", label=name)
        branch_events = len(pd.read_parquet(folder / "events.parquet"))
        assert event_count(page) == branch_events
        go_to(page, DAYS - 1)
        flows = page.evaluate("window.viewer.data.frames.edge_flow[29]")
        assert flows == json.loads((folder / "frames.json").read_text())["frames"]["edge_flow"][DAYS - 1]
        page.select_option("#map-run", "original")
        assert event_count(page) == original_events
        assert page.evaluate("window.viewer.data.frames.edge_flow[29]") == json.loads(
            (run / "frames.json").read_text())["frames"]["edge_flow"][DAYS - 1]
    assert problems == []


def test_picking_the_focus_on_the_map_lever_help_and_the_last_day(page: Page, recording: Path,
                                                                  tmp_path: Path) -> None:
    run = copy_of(recording, tmp_path)
    problems = watch(page)
    with serve(run) as url:
        open_viewer(page, url)
        schema = {s["key"]: s for s in page.evaluate("window.viewer.data.lever_schema")}

        # Lever help: meaning, range and unit cost from the schema and the run's costs.
        oversight = page.locator(".lever", has=page.locator("[data-key='policy.oversight']"))
        help_text = oversight.locator(".lever-help").text_content() or ""
        assert schema["policy.oversight"]["note"] in help_text
        assert "range 0–1 (a share)" in help_text
        cost = schema["policy.oversight"]["cost"]
        assert f"unit cost {cost['value']:g} {cost['unit']}" in help_text
        targeting = page.locator(".lever", has=page.locator("[data-key='policy.targeting']"))
        assert "no cost of its own" in (targeting.text_content() or "")
        assert page.locator(".lever .lever-help").count() == len(schema)

        # The focus: not typed, picked on the map; only crossings and ports; the chosen ones highlighted.
        focus = page.locator("[data-key='policy.interdiction_focus']")
        assert not focus.is_visible()
        allowed = schema["policy.interdiction_focus"]["nodes"]
        nodes = page.evaluate("window.viewer.data.nodes")
        town = next(n["id"] for n in nodes if n["id"] not in allowed)
        first, second = allowed[0], allowed[-1]
        page.click("#focus-pick")
        assert page.is_visible("#focus-banner")
        assert page.locator("#map .node.focus-allowed").count() == len(allowed)
        click_node(page, first)
        click_node(page, second)
        click_node(page, town)  # refused: not a post
        assert "not a crossing or port" in (page.text_content("#focus-banner") or "")
        assert page.locator("#focus-chips .focus-chip").all_text_contents() == [
            first.replace("_", " "), second.replace("_", " ")]
        assert focus.input_value() == f"{first}, {second}"
        assert page.locator("#map .node.focus-chosen").count() == 2
        assert page.locator("#map .node.focus-chosen .focus-ring").count() == 2
        assert page.text_content("#node-title") == ""  # picking is not inspecting
        click_node(page, second)  # a second click takes it out again
        assert focus.input_value() == first
        assert page.locator("#map .node.focus-chosen").count() == 1
        lever_row = page.locator(".lever", has=focus)
        assert "changed" in (lever_row.get_attribute("class") or "")
        page.click("#focus-pick")  # done
        assert page.is_hidden("#focus-banner")
        click_node(page, town)
        assert page.text_content("#node-title") == town.replace("_", " ")  # clicks inspect again

        # A branch on the last day is refused in one line, before anything runs.
        page.fill("[data-key='policy.focus_multiplier']", "3")
        go_to(page, DAYS - 1)
        page.click("#branch-run")
        page.wait_for_selector("#error", state="visible", timeout=WAIT_MS)
        message = (page.text_content("#error") or "").strip()
        assert "last day" in message
        assert "\n" not in message
        assert page.text_content("#branch-status") == "not run"
        assert not (run / "branches").exists()

        # The picked focus is what the branch runs with, and names it.
        page.click("#error")
        run_branch(page, 5, {}, seeds=1)
        assert "interdiction focus" in (page.text_content(".branch-legend") or "")
        folder = next((run / "branches").iterdir())
        config = OmegaConf.load(folder / "config.yaml")
        assert list(config.branch.levers.interdiction_focus) == [first]
        assert config.branch.levers.focus_multiplier == 3
        page.click("#branch-reset")
        assert focus.input_value() == ""
        assert page.locator("#map .node.focus-chosen").count() == 0
    assert problems == []


def test_good_and_bad_by_direction_on_made_up_pairs_in_an_exported_file(page: Page, recording: Path,
                                                                         tmp_path: Path) -> None:
    """Known numbers: a fall in victims is good, a fall in arrests bad, a rise in delay bad, attempts have no
    better side, a mixed result is grey; the exported file shows it with no network at all."""
    data = payload(recording)
    levers = {"oversight": 0.9}
    original = [dict(data["summary"]) for _ in range(5)]
    branched = [dict(s) for s in original]
    for i, s in enumerate(branched):
        s["victims_trafficked"] = original[i]["victims_trafficked"] - 3 - i
        s["arrests"] = original[i]["arrests"] - 2 - i % 2
        s["legit_trade_delay_hours"] = original[i]["legit_trade_delay_hours"] + 0.5
        s["shipments_attempted"] = original[i]["shipments_attempted"] + 4 + i
        s["tips_received"] = original[i]["tips_received"] + (3 if i % 2 else -3)
    made_up = {"format": "sim-branch-ensemble/1", "seeds": [SEED, 11, 12, 13, 14], "pairs": 5, "branch_day": 10,
               "outcomes": compare(original, branched)}
    data["branches"] = [{"run": {**data["run"], "path": "made-up", "branch_day": 10, "branch_levers": levers,
                                 "name": "oversight 0.9 from day 10"},
                         "series": data["series"], "summary": branched[0], "ensemble": made_up,
                         "ensemble_error": None, "view": None}]
    html = tmp_path / "made-up.html"
    html.write_text(viewer_html(json.loads(json.dumps(data))))
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    problems = watch(page)
    open_viewer(page, html.as_uri())
    rows = {r["key"]: r for r in ensemble_rows(page)}
    assert rows["victims_trafficked"]["good"]  # fell: good
    assert rows["victims_trafficked"]["mean"] < 0
    assert rows["arrests"]["bad"]  # fell: bad
    assert rows["legit_trade_delay_hours"]["bad"]  # rose: bad
    neutral = rows["shipments_attempted"]
    assert neutral["verdict"] == "neutral"
    assert (neutral["good"], neutral["bad"]) == (False, False)
    mixed = rows["tips_received"]
    assert mixed["verdict"] == "unresolved"
    assert mixed["grey"]
    assert mixed["interval"] == "[−4.7, +3.5]"  # -0.6 ± t(4) 2.776 x 3.29 / √5, counts with a decimal
    assert_colours_follow_verdicts(list(rows.values()))
    assert page.is_disabled("#branch-seeds")  # an exported file only plays
    assert page.locator(".show-on-map").count() == 0  # no map data for a made-up branch
    assert requests == [html.as_uri()], requests
    assert problems == []
