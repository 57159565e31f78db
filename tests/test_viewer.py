"""The replay viewer in a real browser (headless Debian Chromium driven by Playwright).

A short recording is served by `python -m sim.replay view` on a loopback port: the page loads, plays,
pauses, steps back, filters the event feed and jumps to an event's day, inspects a node and an organisation,
runs a branch and overlays it (differences coloured by each outcome's better direction), shows a run's
policy schedule, and reports an out-of-range lever in one line. The exported HTML plays from
disk with no network at all, and a damaged recording gets a message on the page, never a blank one.
Screenshots of key moments are saved in each test's temporary folder.

Without Chromium (or Playwright) these tests skip with a one-line hint; with SIM_REQUIRE_BROWSER=1 they fail.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.browser import watch
from tests.conftest import REPO, cli_env, copy_of

if TYPE_CHECKING:  # Playwright may be missing: then the fixtures skip (or fail under SIM_REQUIRE_BROWSER=1)
    from playwright.sync_api import Page


DAYS = 120
#: A projector-sized window (the README's picture is taken 1600 x 1450, to show both chart rows).
VIEWPORT = {"width": 1600, "height": 1000}
#: Milliseconds to wait for the page (a branch re-simulates: allow it longer).
WAIT_MS = 15_000
BRANCH_WAIT_MS = 90_000


@pytest.fixture(scope="module")
def recording(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 120-day recording made by the command line, shared by the tests (which copy it before branching)."""
    out = tmp_path_factory.mktemp("viewer") / "run"
    proc = subprocess.run([sys.executable, "-m", "sim.run", f"days={DAYS}", "seed=3", f"output_dir={out}"],
                          cwd=REPO, env=cli_env(), capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == 0, proc.stderr
    return out


def open_viewer(page: Page, url: str) -> None:
    page.set_viewport_size(VIEWPORT)
    page.goto(url)
    page.wait_for_selector("body.ready", timeout=WAIT_MS)


def day(page: Page) -> int:
    text = page.text_content("#day-label") or ""
    match = re.fullmatch(r"Day (\d+)", text.strip())
    assert match, f"#day-label says {text!r}"
    return int(match.group(1))


def wait_day_above(page: Page, value: int) -> None:
    page.wait_for_function("v => Number(document.getElementById('day-label').textContent.replace('Day ', '')) > v",
                           arg=value, timeout=WAIT_MS)


def go_to(page: Page, target: int) -> None:
    page.locator("#day-slider").fill(str(target))
    assert day(page) == target
    assert page.input_value("#day-slider") == str(target)


def assert_no_error(page: Page) -> None:
    assert not page.is_visible("#error"), f"the page shows an error: {page.text_content('#error')}"


def assert_diff_colours_follow_better(page: Page) -> None:
    """Each difference is good or bad by its outcome's better direction (not by sign); neutral ones plain."""
    rows = page.locator("#branch-diff tbody tr").evaluate_all("""trs => trs.map(tr => {
        const cell = tr.querySelector('.diff-cell');
        return [tr.dataset.key, Number(tr.dataset.better), cell.classList.contains('up'),
                cell.classList.contains('down'), cell.classList.contains('good'), cell.classList.contains('bad')];
    })""")
    assert rows
    for key, better, up, down, good, bad in rows:
        moved = 1 if up else -1 if down else 0
        assert (good, bad) == (moved * better > 0, moved * better < 0), (key, better, up, down, good, bad)


def shot(page: Page, tmp_path: Path, name: str, full: bool = True) -> Path:
    path = tmp_path / f"{name}.png"
    page.screenshot(path=str(path), full_page=full)
    return path


def test_play_step_events_and_inspectors(page: Page, serve_viewer: Callable[[Path | str], str], recording: Path,
                                         tmp_path: Path) -> None:
    problems = watch(page)
    open_viewer(page, serve_viewer(recording))
    assert_no_error(page)
    nodes = page.locator("#map .node")
    assert nodes.count() >= 10
    assert page.locator("#map .country").count() >= 2
    assert page.locator("#map .edge").count() >= 10
    assert day(page) == 0
    assert page.get_attribute("#day-slider", "max") == str(DAYS - 1)
    charts = page.evaluate("window.viewer.data.charts.map(c => c.label)")
    assert len(charts) >= 6
    assert page.locator("#charts .original-series").count() == len(charts)
    assert (page.text_content("#charts .chart-title") or "").lower() == charts[0]  # titles from the registry
    assert page.is_hidden("#schedule")  # no policy changes in this run
    assert page.locator("#lever-inputs [data-key]").count() >= 10
    shot(page, tmp_path, "01-loaded")

    # Play, see the day advance, pause.
    page.select_option("#speed", "10")
    assert page.text_content("#play") == "Play"
    page.click("#play")
    assert page.text_content("#play") == "Pause"
    wait_day_above(page, 3)
    page.click("#play")
    assert page.text_content("#play") == "Play"
    paused = day(page)
    page.wait_for_timeout(400)
    assert day(page) == paused, "the day moved while paused"

    # Step back and forward by exactly one day.
    page.click("#step-back")
    assert day(page) == paused - 1
    page.click("#step-forward")
    assert day(page) == paused

    # Stepping through the whole run is immediate (every frame fully rendered, averaged).
    elapsed = page.evaluate("""() => {
        const t0 = performance.now(), step = document.getElementById('step-forward');
        window.viewer.setDay(0);
        for (let i = 0; i < 400; i++) step.click();
        return performance.now() - t0;
    }""")
    assert day(page) == DAYS - 1
    assert elapsed / DAYS < 25, f"{elapsed / DAYS:.1f} ms per day"
    print(f"stepping {DAYS} days: {elapsed:.0f} ms ({elapsed / DAYS:.2f} ms per day)")

    # The feed lists events up to the current day, newest first, capped; it can be filtered by kind.
    feed = page.locator("#event-feed .event")
    assert 0 < feed.count() <= 300
    days_listed = [int(d) for d in feed.evaluate_all("els => els.map(e => e.dataset.day)")]
    assert days_listed == sorted(days_listed, reverse=True)
    assert max(days_listed) <= DAYS - 1
    options = page.locator("#event-filter option").evaluate_all("els => els.map(e => e.value)")
    assert options[0] == "all"
    kind = "seizure" if "seizure" in options else next(o for o in options if o not in ("all", "key"))
    page.select_option("#event-filter", kind)
    kinds = set(feed.evaluate_all("els => els.map(e => e.dataset.kind)"))
    assert kinds == {kind}
    target = feed.nth(min(2, feed.count() - 1))
    target_day = int(target.get_attribute("data-day") or "-1")
    target.click()
    assert day(page) == target_day
    assert page.input_value("#day-slider") == str(target_day)
    assert page.text_content("#branch-day") == f"day {target_day}"
    if kind == "seizure":  # the map marks the seizure on its day
        assert page.locator("#map .seizure-mark").count() >= 1
    assert int(feed.first.get_attribute("data-day") or "-1") == target_day
    shot(page, tmp_path, "02-event-clicked")

    # Node inspector: a crossing with officers.
    crossing = page.evaluate("window.viewer.data.nodes.find(n => n.officers > 0).id")
    page.click(f"#map .node[data-id='{crossing}']")
    details = page.text_content("#node-details") or ""
    assert page.text_content("#node-title") == crossing.replace("_", " ")
    for label in ("Kind", "Country", "Officers", "Corrupt officers today", "Queue today", "Mean trust today",
                  "Seizures today · to date", "Arrests today · to date"):
        assert label in details, f"{label!r} missing from the node inspector: {details}"

    # Organisation inspector.
    buttons = page.locator("#org-list .org-button")
    assert buttons.count() >= 1
    buttons.last.click()
    org = page.text_content("#org-details") or ""
    for label in ("Members today", "Arrests today · to date", "Cash today", "courier"):
        assert label in org, f"{label!r} missing from the organisation inspector: {org}"
    name = page.evaluate("window.viewer.data.orgs[window.viewer.data.orgs.length - 1].name")
    assert name in org
    shot(page, tmp_path, "03-inspectors")
    assert_no_error(page)
    assert problems == []


def test_branch_overlay_and_bad_lever(page: Page, serve_viewer: Callable[[Path | str], str], recording: Path,
                                      tmp_path: Path) -> None:
    run = copy_of(recording, tmp_path)
    problems = watch(page)
    open_viewer(page, serve_viewer(run))
    assert page.locator(".branch-legend").count() == 0
    assert page.locator("#branch-diff").count() == 0
    assert page.is_enabled("#branch-run")
    assert page.input_value("[data-key='policy.oversight']") == str(page.evaluate(
        "window.viewer.data.levers['policy.oversight']"))

    branch_day = 60
    go_to(page, branch_day)
    assert page.text_content("#branch-day") == f"day {branch_day}"
    page.fill("[data-key='policy.oversight']", "0.9")
    page.click("#branch-run")
    page.wait_for_selector("#branch-diff", timeout=BRANCH_WAIT_MS)
    assert_no_error(page)
    assert "ready" in (page.text_content("#branch-status") or "")
    assert page.locator(".branch-legend").count() == 1
    assert "oversight" in (page.text_content(".branch-legend") or "")
    assert page.locator("#charts .branch-series").count() == page.locator("#charts .original-series").count()
    diff = page.text_content("#branch-diff") or ""
    assert "Original" in diff
    assert "Difference" in diff
    assert "arrests" in diff
    assert_diff_colours_follow_better(page)
    folders = list((run / "branches").glob(f"day{branch_day}-*"))
    assert len(folders) == 1
    assert (folders[0] / "frames.json").is_file()
    # The last day with a seizure, its crossing inspected: the README's picture.
    seizure_day, node = page.evaluate("""() => {
        const d = window.viewer.data, rows = d.frames.seizures;
        for (let t = rows.length - 1; t >= 0; t--) {
            const i = rows[t].findIndex(v => v > 0);
            if (i >= 0) return [t, d.nodes[i].id];
        }
        return [rows.length - 1, d.nodes.find(n => n.officers > 0).id];
    }""")
    go_to(page, seizure_day)
    page.click(f"#map .node[data-id='{node}']")
    shot(page, tmp_path, "04-branch")
    page.set_viewport_size({"width": 1600, "height": 1450})
    page.screenshot(path=str(tmp_path / "viewer.png"))  # docs/viewer.png (the README's picture) is a copy
    page.set_viewport_size(VIEWPORT)

    # An out-of-range lever: a one-line message in the red box, no new branch, the page still works.
    go_to(page, branch_day)
    page.fill("[data-key='policy.oversight']", "1.5")
    page.click("#branch-run")
    page.wait_for_selector("#error", state="visible", timeout=BRANCH_WAIT_MS)
    message = page.text_content("#error") or ""
    assert "oversight" in message
    assert "out of range" in message
    assert "\n" not in message.strip()
    page.wait_for_function("!document.getElementById('branch-run').disabled", timeout=WAIT_MS)
    assert page.locator(".branch-legend").count() == 1
    shot(page, tmp_path, "05-bad-lever", full=False)
    page.click("#step-forward")
    assert day(page) == branch_day + 1
    assert problems == [] or all("400" in p for p in problems), problems  # the 400 response is logged by Chromium


def test_exported_file_plays_without_network(page: Page, recording: Path, tmp_path: Path) -> None:
    html = tmp_path / "replay.html"
    proc = subprocess.run([sys.executable, "-m", "sim.replay", "export", str(recording), "--html", str(html)],
                          cwd=REPO, env=cli_env(), capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    problems = watch(page)
    open_viewer(page, html.as_uri())
    assert_no_error(page)
    assert page.locator("#map .node").count() >= 10
    assert page.is_disabled("#branch-run")
    assert "python -m sim.replay view" in (page.text_content("#branch-note") or "")
    page.select_option("#speed", "30")
    page.click("#play")
    wait_day_above(page, 5)
    page.click("#play")
    assert page.text_content("#play") == "Play"
    shot(page, tmp_path, "06-exported")
    assert requests == [html.as_uri()], f"the exported file made requests: {requests}"
    assert problems == []


def test_damaged_recordings_get_a_message(page: Page, serve_viewer: Callable[[Path | str], str], recording: Path,
                                          tmp_path: Path) -> None:
    from sim.replay.page import viewer_html
    from sim.replay.viewer_data import payload

    # A frames file damaged after the server started: the server answers with an error, the page shows it.
    run = copy_of(recording, tmp_path)
    url = serve_viewer(run)
    (run / "frames.json").write_text('{"format": "sim-frames/1", "days": ')
    page.set_viewport_size(VIEWPORT)
    page.goto(url)
    page.wait_for_selector("#error", state="visible", timeout=WAIT_MS)
    assert "frames.json" in (page.text_content("#error") or "")
    shot(page, tmp_path, "07-corrupted-run", full=False)

    # An exported file whose payload is malformed (a day missing from one frame series).
    data = payload(recording)
    data["frames"]["seizures"] = data["frames"]["seizures"][:-1]
    broken = tmp_path / "broken.html"
    broken.write_text(viewer_html(json.loads(json.dumps(data))))
    page.goto(broken.as_uri())
    page.wait_for_selector("#error", state="visible", timeout=WAIT_MS)
    message = page.text_content("#error") or ""
    assert "cannot be played" in message
    assert "seizures" in message



def test_policy_schedule_and_better_directions(page: Page, tmp_path: Path) -> None:
    """A run with a policy_schedule shows its change (list, slider tick, chart lines); branch differences are
    coloured by each outcome's better direction: a lower-is-better outcome that went down is good."""
    from sim.replay.page import viewer_html
    from sim.replay.viewer_data import payload

    run = tmp_path / "scheduled"
    proc = subprocess.run([sys.executable, "-m", "sim.run", "days=40", "seed=5", f"output_dir={run}",
                           "policy_schedule=[{day:15,levers:{oversight:0.9}}]"],
                          cwd=REPO, env=cli_env(), capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == 0, proc.stderr
    data = payload(run)
    assert data["run"]["schedule"] == [{"day": 15, "levers": {"oversight": 0.9}}]
    # A made-up branch: corruption (lower is better) down, arrests (higher is better) down, attempts (neutral) up.
    summary = {k: data["summary"].get(k) for k in data["branch_outcomes"]}
    summary["corrupt_officer_share"] = data["summary"]["corrupt_officer_share"] / 2
    summary["arrests"] = data["summary"]["arrests"] - 1
    summary["shipments_attempted"] = data["summary"]["shipments_attempted"] + 5
    levers = {"oversight": 0.95}
    data["branches"] = [{"run": {**data["run"], "path": "made-up", "branch_day": 20, "branch_levers": levers,
                                 "schedule": [*data["run"]["schedule"], {"day": 20, "levers": levers}]},
                         "series": data["series"], "summary": summary}]
    html = tmp_path / "scheduled.html"
    html.write_text(viewer_html(json.loads(json.dumps(data))))
    problems = watch(page)
    open_viewer(page, html.as_uri())
    assert_no_error(page)

    schedule = page.text_content("#schedule") or ""
    assert page.is_visible("#schedule")
    assert "Policy changes" in schedule
    assert "day 15" in schedule
    assert "oversight 0.9" in schedule
    assert page.locator("#change-days option[value='15']").count() == 1  # a tick on the day slider
    assert page.locator("#charts .schedule-line[data-day='15']").count() == len(data["charts"])
    page.click("#schedule .change[data-day='15']")
    assert day(page) == 15

    def diff_cell(key: str) -> list[str]:
        return (page.get_attribute(f"#branch-diff tr[data-key='{key}'] .diff-cell", "class") or "").split()

    assert "good" in diff_cell("corrupt_officer_share")
    assert "down" in diff_cell("corrupt_officer_share")
    assert "bad" in diff_cell("arrests")
    assert not {"good", "bad"} & set(diff_cell("shipments_attempted"))
    assert_diff_colours_follow_better(page)
    lever = page.locator("#lever-inputs .lever", has=page.locator("[data-key='policy.oversight']"))
    assert "audits" in (lever.get_attribute("title") or "")  # the schema's note, as a tooltip
    shot(page, tmp_path, "08-schedule-and-directions")
    assert problems == []
