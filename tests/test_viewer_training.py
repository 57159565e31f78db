"""The viewer in a training room (headless Debian Chromium driven by Playwright), and what feeds it.

Training mode keeps the ending secret: at day 5 the charts' axes reach only as far as day 5's values, and
nothing of the days ahead is drawn; axes start at zero where the quantity does, with 3-5 round ticks;
hovering shows a day's values and a click goes to that day; any recorded series can be charted. The
presenter layout puts map, key indicators and controls on one screen at 1366x768 and 1920x1080 (measured
boxes inside the viewport, none overlapping, nothing to scroll). The map's labels never overlap each other
or a badge (default and generated corridor), crossings sit on their border, routes have a width scale,
shipments move along their routes, a layer of totals to date can be switched on, arrests are tags, not
dots. Space plays and pauses even after a button was clicked; the keys are listed on the page. Bookmarks
and injects are saved with the recording (training.json, through the server's checks) and come back on
reload; playing into an inject offers a branch, which calls the branch API. Events read as sentences.

The server runs in this process on 127.0.0.1 for short recordings (30 days). Without Chromium (or
Playwright) the browser tests skip with a one-line hint; with SIM_REQUIRE_BROWSER=1 they fail.
"""

from __future__ import annotations

import itertools
import json
import math
import re
import socket
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from sim import run_scenario
from sim.replay.page import viewer_html
from sim.replay.store import ReplayError, load_recording
from sim.replay.training import MAX_ITEMS, TRAINING_FILE, check_training, load_training, save_training
from sim.replay.viewer_data import cost_per_day, journeys, org_name, payload
from tests.browser import serve, watch
from tests.conftest import copy_of

if TYPE_CHECKING:  # Playwright may be missing: then the fixtures skip (or fail under SIM_REQUIRE_BROWSER=1)
    from playwright.sync_api import Page

DAYS = 30
SEED = 3
WAIT_MS = 15_000
PRESENTER_SIZES = [{"width": 1366, "height": 768}, {"width": 1920, "height": 1080}]


# ------------------------------------------------------------------------------------------------ fixtures


@pytest.fixture(scope="module")
def recording(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("training") / "run"
    run_scenario([f"days={DAYS}", "warmup_days=0"], seed=SEED, output_dir=out)
    return out


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("training-generated") / "run"
    run_scenario([f"days={DAYS}", "warmup_days=0", "corridor=generated"], seed=SEED, output_dir=out)
    return out


@pytest.fixture(scope="module")
def data(recording: Path) -> dict[str, Any]:
    return payload(recording)


def open_page(page: Page, url: str, size: dict[str, int] | None = None) -> None:
    page.set_viewport_size(size or {"width": 1600, "height": 1000})
    page.goto(url)
    page.wait_for_selector("body.ready", timeout=WAIT_MS)
    assert not page.is_visible("#error"), page.text_content("#error")


def day(page: Page) -> int:
    match = re.fullmatch(r"Day (\d+)", (page.text_content("#day-label") or "").strip())
    assert match
    return int(match.group(1))


def chart(page: Page, key: str) -> dict[str, Any]:
    """A chart's axes and drawn points, as the page has them."""
    return page.evaluate("""key => {
        const svg = document.querySelector(`#charts .chart[data-key='${key}'] svg`);
        const ys = [...svg.querySelectorAll('.tick-y')].map(t => Number(t.dataset.value));
        const xs = [...svg.querySelectorAll('.tick-x')].map(t => Number(t.dataset.value));
        const points = [...svg.querySelectorAll('.original-series')]
            .reduce((n, p) => n + p.getAttribute('points').trim().split(/\\s+/).length, 0);
        return {xmax: Number(svg.dataset.xmax), ymin: Number(svg.dataset.ymin), ymax: Number(svg.dataset.ymax),
                yticks: ys, xticks: xs, points: points, future: svg.querySelectorAll('.future-series').length};
    }""", key)


def boxes_overlap(a: dict[str, float], b: dict[str, float]) -> bool:
    return (min(a["x"] + a["width"], b["x"] + b["width"]) - max(a["x"], b["x"]) > 0.5
            and min(a["y"] + a["height"], b["y"] + b["height"]) - max(a["y"], b["y"]) > 0.5)


def to_date(data: dict[str, Any], key: str) -> list[float]:
    """A chart's values as drawn: counters summed to date, the rest as recorded."""
    values = data["series"][key]
    info = next(c for c in data["chart_catalog"] if c["key"] == key)
    if not info["cumulative"]:
        return values
    out, total = [], 0.0
    for v in values:
        total += v or 0
        out.append(total)
    return out


# ------------------------------------------------------------------------------------------------ payload, file


def test_the_payload_carries_what_the_training_room_shows(recording: Path, data: dict[str, Any]) -> None:
    rec = load_recording(recording)
    keys = {c["key"] for c in data["chart_catalog"]}
    assert {"interdiction_rate", "policy_cost", "bribes_paid", "tips_received", "shipments_seized",
            "victims_trafficked", "corrupt_officer_share"} <= keys
    assert {c["key"] for c in data["charts"]} <= keys
    assert set(data["indicators"]) <= set(data["series"])
    # Derived to date: the interdiction rate and the policy cost end at the run's own outcomes.
    assert data["series"]["policy_cost"][-1] == pytest.approx(rec.summary["policy_cost"], rel=1e-6)
    assert data["series"]["policy_cost"] == sorted(data["series"]["policy_cost"])
    assert data["series"]["interdiction_rate"][-1] == pytest.approx(rec.summary["interdiction_rate"], abs=1e-6)
    for c in data["chart_catalog"]:
        assert c["basis"] in ("to date", "each day", "end of day")
        assert c["lower"] in (0.0, None)
    # Readable, distinct organisation names, by position; the model's own kept as `code`.
    names = [o["name"] for o in data["orgs"]]
    assert len(set(names)) == len(names)
    assert all(re.fullmatch(r"[A-Z][a-z]+ [A-Z][a-z]+", n) for n in names)
    assert [o["code"] for o in data["orgs"]] == [o["name"] for o in rec.frames["orgs"]]
    assert len({org_name(i) for i in range(132)}) == 132
    assert org_name(132) != org_name(0)


def test_policy_cost_is_priced_day_by_day_as_the_model_prices_the_run(tmp_path: Path) -> None:
    run = tmp_path / "scheduled"
    run_scenario(["days=20", "warmup_days=0", "policy_schedule=[{day: 8, levers: {officer_pay: 1.3, oversight: 0.9}}]"],
                 seed=SEED, output_dir=run)
    rec = load_recording(run)
    per_day = cost_per_day(rec)
    assert per_day is not None
    assert per_day.sum() == pytest.approx(rec.summary["policy_cost"], rel=1e-9)  # no fudge: the model's pricing
    assert len(set(per_day[:8].round(9))) == 1
    assert len(set(per_day[8:].round(9))) == 1
    assert per_day[8] > per_day[7]  # dearer from the change on
    assert payload(run)["series"]["policy_cost"][-1] == pytest.approx(rec.summary["policy_cost"], abs=1e-6)


def test_journeys_follow_the_corridor(recording: Path, data: dict[str, Any]) -> None:
    found = data["journeys"]
    assert found == journeys(load_recording(recording))  # deterministic
    assert len(found) >= 10
    links = {(e["source"], e["target"]) for e in data["edges"]}
    ids = [n["id"] for n in data["nodes"]]
    departures = len(load_recording(recording).events.query("kind == 'shipment_departed'"))
    assert len(found) == departures
    for j in found:
        assert len(j["path"]) == len(j["at"]) >= 2
        assert all(b > a for a, b in zip(j["at"], j["at"][1:], strict=False))
        assert all((ids[a], ids[b]) in links for a, b in zip(j["path"], j["path"][1:], strict=False))
        assert j["outcome"] in ("delivered", "seized", "lost", "in transit")
        assert (j["end"] is None) == (j["outcome"] == "in transit")
        if j["end"] is not None:
            assert j["end"] >= j["start"]
        if j["outcome"] == "delivered":
            assert data["nodes"][j["path"][-1]]["kind"] == "market"


def test_training_file_is_checked_and_written_atomically(recording: Path, tmp_path: Path) -> None:
    run = copy_of(recording, tmp_path)
    ids = [n["id"] for n in load_recording(run).frames["nodes"]]
    assert load_training(run, DAYS, ids) == {"format": "sim-training/1", "items": [], "error": None}
    body = json.dumps({"items": [
        {"day": 9, "kind": "inject", "text": "audit drive", "levers": {"oversight": 0.9}},
        {"day": 3, "kind": "note", "text": "ask: why this route?"}]}).encode()
    saved = save_training(run, body, DAYS, ids)
    assert [i["day"] for i in saved] == [3, 9]  # sorted by day
    assert saved[1]["levers"] == {"policy.oversight": 0.9}
    assert sorted(p.name for p in run.iterdir() if p.name.startswith(".")) == []  # no temporary left
    loaded = load_training(run, DAYS, ids)
    assert loaded["items"] == saved
    assert loaded["error"] is None

    bad = {
        "not JSON": (b"{", "not valid JSON"),
        "NaN": (b'{"items": [{"day": 1, "kind": "inject", "levers": {"oversight": NaN}}]}', "NaN"),
        "day past the end": (json.dumps({"items": [{"day": DAYS, "kind": "note", "text": "x"}]}), "items[0].day"),
        "inject on the last day": (json.dumps({"items": [{"day": DAYS - 1, "kind": "inject",
                                                          "levers": {"oversight": 0.5}}]}), "items[0].day"),
        "day as text": (json.dumps({"items": [{"day": "3", "kind": "note", "text": "x"}]}), "items[0].day"),
        "unknown kind": (json.dumps({"items": [{"day": 1, "kind": "alarm", "text": "x"}]}), "items[0].kind"),
        "unknown field": (json.dumps({"items": [{"day": 1, "kind": "note", "text": "x", "who": 1}]}), "'who'"),
        "empty note": (json.dumps({"items": [{"day": 1, "kind": "note", "text": " "}]}), "needs some text"),
        "long note": (json.dumps({"items": [{"day": 1, "kind": "note", "text": "x" * 501}]}), "at most 500"),
        "control character": (json.dumps({"items": [{"day": 1, "kind": "note", "text": "a\u0007"}]}), "control"),
        "unknown lever": (json.dumps({"items": [{"day": 1, "kind": "inject", "levers": {"bogus": 1}}]}), "bogus"),
        "lever out of range": (json.dumps({"items": [{"day": 1, "kind": "inject",
                                                      "levers": {"oversight": 1.5}}]}), "out of range"),
        "interpolation": (json.dumps({"items": [{"day": 1, "kind": "inject",
                                                 "levers": {"targeting": "${oc.env:HOME}"}}]}), "${"),
        "unknown place": (json.dumps({"items": [{"day": 1, "kind": "inject",
                                                 "levers": {"interdiction_focus": ["atlantis"]}}]}), "atlantis"),
        "too many": (json.dumps({"items": [{"day": 1, "kind": "note", "text": "x"}] * (MAX_ITEMS + 1)}), "at most"),
    }
    for name, (raw, expected) in bad.items():
        raw_bytes = raw if isinstance(raw, bytes) else raw.encode()
        with pytest.raises(ReplayError) as err:
            save_training(run, raw_bytes, DAYS, ids)
        message = str(err.value)
        assert expected in message, (name, message)
        assert "\n" not in message
        assert load_training(run, DAYS, ids)["items"] == saved, name  # the saved file is untouched

    # A damaged file on disk: the recording still plays, the bookmarks are left out with a one-line reason.
    (run / TRAINING_FILE).write_text('{"format": "sim-training/1", "items": [{"day": -1, "kind": "note"}]}')
    damaged = load_training(run, DAYS, ids)
    assert damaged["items"] == []
    assert "items[0].day" in damaged["error"]
    assert payload(run)["training"]["error"] == damaged["error"]
    (run / TRAINING_FILE).write_text("x" * (64 * 1024 + 1))
    assert "too large" in load_training(run, DAYS, ids)["error"]
    with pytest.raises(ReplayError, match="format"):
        check_training({"format": "sim-training/9", "items": []}, DAYS, ids, need_format=True)


def _post(port: int, body: bytes, headers: dict[str, str]) -> tuple[int, dict[str, Any]]:
    lines = ["POST /api/training HTTP/1.1", f"Host: 127.0.0.1:{port}", *(f"{k}: {v}" for k, v in headers.items()),
             f"Content-Length: {len(body)}", "Connection: close"]
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
        raw = b""
        while chunk := sock.recv(65536):
            raw += chunk
    head, _, content = raw.partition(b"\r\n\r\n")
    return int(head.split()[1]), json.loads(content)


def test_the_training_endpoint_has_the_servers_checks(recording: Path, tmp_path: Path) -> None:
    run = copy_of(recording, tmp_path)
    with serve(run) as url:
        port = int(url.rsplit(":", 1)[1].strip("/"))
        good = json.dumps({"items": [{"day": 2, "kind": "note", "text": "look"}]}).encode()
        json_type = {"Content-Type": "application/json"}
        own = {**json_type, "Origin": f"http://127.0.0.1:{port}"}
        status, answer = _post(port, good, {**json_type, "Origin": "http://evil.example"})
        assert status == 403
        assert "viewer's own page" in answer["error"]
        status, answer = _post(port, good, {"Content-Type": "text/plain", "Origin": own["Origin"]})
        assert status == 415
        status, answer = _post(port, b"x" * (64 * 1024 + 1), own)
        assert status == 413
        status, answer = _post(port, b'{"items": [{"day": 99, "kind": "note", "text": "x"}]}', own)
        assert status == 400
        assert answer["error"].startswith("training.items[0].day")
        assert not (run / TRAINING_FILE).exists()
        status, answer = _post(port, good, own)
        assert status == 200
        assert answer["items"] == [{"day": 2, "kind": "note", "text": "look"}]
        assert json.loads((run / TRAINING_FILE).read_text())["items"] == answer["items"]


# ------------------------------------------------------------------------------------------------ charts


def test_no_spoilers_axes_from_zero_round_ticks(page: Page, recording: Path, data: dict[str, Any]) -> None:
    # The cumulative chart that grows most after day 5 (victims trafficked grows every week).
    charts = [c["key"] for c in data["charts"] if c["cumulative"]]
    key = max(charts, key=lambda k: to_date(data, k)[-1] - to_date(data, k)[5])
    values = to_date(data, key)
    assert values[-1] > 2 * max(values[5], 1), (key, values[5], values[-1])
    problems = watch(page)
    with serve(recording) as url:
        open_page(page, url + "#presenter")  # the presenter layout starts in training mode
        assert page.is_checked("#training-mode")
        page.evaluate("window.viewer.setDay(5)")
        early = chart(page, key)
        assert early["xmax"] < DAYS - 1  # the x axis reaches a little beyond today, not the run's end
        assert max(values[:6]) <= early["ymax"] < values[-1]  # not the year-end total
        assert early["points"] <= 6  # days 0-5 only: nothing ahead is drawn
        assert early["future"] == 0
        for c in data["charts"]:
            axes = chart(page, c["key"])
            if c["lower"] == 0:
                assert axes["ymin"] == 0, c["key"]  # from zero
                assert axes["yticks"][0] == 0, c["key"]
            assert 3 <= len(axes["yticks"]) <= 5, (c["key"], axes["yticks"])
            assert 3 <= len(axes["xticks"]) <= 5, (c["key"], axes["xticks"])
            assert axes["ymax"] == axes["yticks"][-1]

        page.keyboard.press("t")  # training off: the whole run's scale
        assert not page.is_checked("#training-mode")
        whole = chart(page, key)
        assert whole["xmax"] == DAYS - 1
        assert whole["ymax"] >= values[-1]
        page.keyboard.press("p")  # the full layout, where the whole run can be shown faint
        page.check("#show-all")
        assert chart(page, key)["future"] >= 1  # the faint rest of the run, outside training mode only
    assert problems == []


def test_hover_shows_values_and_a_click_goes_to_the_day(page: Page, recording: Path, data: dict[str, Any]) -> None:
    key = "arrests"
    values = to_date(data, key)
    info = next(c for c in data["chart_catalog"] if c["key"] == key)
    problems = watch(page)
    with serve(recording) as url:
        open_page(page, url)
        assert not page.is_checked("#training-mode")  # the full layout shows the whole run by default
        page.locator(f"#charts .chart[data-key='{key}']").scroll_into_view_if_needed()
        tick = page.locator(f"#charts .chart[data-key='{key}'] .tick-x[data-value='10']")
        box = tick.bounding_box()
        assert box
        svg_box = page.locator(f"#charts .chart[data-key='{key}'] svg").bounding_box()
        assert svg_box
        x, y = box["x"] + box["width"] / 2, svg_box["y"] + svg_box["height"] / 2
        page.mouse.move(x, y)
        hover = page.locator(f"#charts .chart[data-key='{key}'] .chart-hover")
        assert hover.is_visible()
        assert hover.get_attribute("data-day") == "10"
        text = hover.text_content() or ""
        assert "Day 10" in text
        assert f"{values[10]:,.{info['digits']}f}" in text
        page.mouse.click(x, y)
        assert day(page) == 10

        # In training mode a day not yet played shows no value.
        page.evaluate("window.viewer.setTraining(true); window.viewer.setDay(3)")
        tick = page.locator(f"#charts .chart[data-key='{key}'] .tick-x").last
        box = tick.bounding_box()
        assert box
        later = int(tick.get_attribute("data-value") or "0")
        assert later > 3
        page.mouse.move(box["x"] + box["width"] / 2, y)
        assert "not played yet" in (hover.text_content() or "")
    assert problems == []


def test_a_choice_of_series(page: Page, recording: Path) -> None:
    with serve(recording) as url:
        open_page(page, url)
        shown = page.locator("#charts .chart").count()
        page.click("#series-summary")
        for key in ("interdiction_rate", "policy_cost", "bribes_paid", "tips_received"):
            page.check(f"#series-options input[data-key='{key}']")
            assert page.locator(f"#charts .chart[data-key='{key}']").count() == 1
        assert page.locator("#charts .chart").count() == shown + 4
        cost = page.locator("#charts .chart[data-key='policy_cost']")
        assert "M, to date" in (cost.locator(".chart-unit").text_content() or "")
        assert "%" in (page.locator("#charts .chart[data-key='interdiction_rate'] .tick-y").last.text_content() or "")
        page.uncheck("#series-options input[data-key='bribes_paid']")
        assert page.locator("#charts .chart[data-key='bribes_paid']").count() == 0
        assert "(" + str(shown + 3) + " of" in (page.text_content("#series-summary") or "")


# ------------------------------------------------------------------------------------------------ layout, keys


@pytest.mark.parametrize("size", PRESENTER_SIZES, ids=lambda s: f"{s['width']}x{s['height']}")
def test_presenter_layout_fits_one_screen(page: Page, recording: Path, size: dict[str, int]) -> None:
    problems = watch(page)
    with serve(recording) as url:
        open_page(page, url, size)
        page.click("#layout-toggle")
        assert page.evaluate("document.body.classList.contains('presenter')")
        assert page.is_checked("#training-mode")  # no spoilers in front of the room
        page.evaluate("window.viewer.setDay(20)")
        for when in ("at day 20", "after playing"):
            boxes = {sel: page.locator(sel).bounding_box() for sel in
                     ("#map-panel", "#indicators-panel", "#controls", "#map", "#play", "#day-slider", "#keys-hint")}
            for sel, box in boxes.items():
                assert box is not None, sel
                assert box["x"] >= 0, (when, sel, box)
                assert box["y"] >= 0, (when, sel, box)
                assert box["x"] + box["width"] <= size["width"] + 0.5, (when, sel, box)
                assert box["y"] + box["height"] <= size["height"] + 0.5, (when, sel, box)
            for a, b in (("#map-panel", "#indicators-panel"), ("#map-panel", "#controls"),
                         ("#indicators-panel", "#controls"), ("#map-panel", "#keys-hint")):
                assert not boxes_overlap(boxes[a], boxes[b]), (when, a, b, boxes[a], boxes[b])  # type: ignore[arg-type]
            assert boxes["#map"]["height"] > 0.4 * size["height"]  # type: ignore[index]
            scroll = page.evaluate("[document.documentElement.scrollHeight, document.documentElement.scrollWidth]")
            assert scroll[0] <= size["height"], scroll  # nothing to scroll
            assert scroll[1] <= size["width"], scroll
            assert page.locator("#indicators .indicator").count() >= 4
            page.select_option("#speed", "30")
            page.click("#play")
            page.wait_for_timeout(300)
            page.click("#play")
    assert problems == []


def test_space_plays_and_pauses_after_a_click_and_keys_are_listed(page: Page, recording: Path) -> None:
    problems = watch(page)
    with serve(recording) as url:
        open_page(page, url)
        page.select_option("#speed", "1")
        page.click("#step-forward")  # focus stays on the button
        assert day(page) == 1
        page.keyboard.press("Space")
        assert page.text_content("#play") == "Pause"  # playing, not another step (which would pause)
        assert day(page) in (1, 2)
        page.keyboard.press("Space")
        assert page.text_content("#play") == "Play"
        paused = day(page)
        page.click("#training-mode")  # a checkbox: Space still plays rather than ticking it
        ticked = page.is_checked("#training-mode")
        page.keyboard.press("Space")
        assert page.text_content("#play") == "Pause"
        assert page.is_checked("#training-mode") == ticked
        page.keyboard.press("Space")
        page.focus("#speed")
        page.keyboard.press("Space")  # on a closed list too
        assert page.text_content("#play") == "Pause"
        page.keyboard.press("Space")
        assert page.text_content("#play") == "Play"
        page.click("#day-label")
        here = day(page)
        page.keyboard.press("ArrowRight")
        assert day(page) == here + 1
        page.keyboard.press("Shift+ArrowLeft")
        assert day(page) == max(0, here + 1 - 7)
        page.keyboard.press("End")
        assert day(page) == DAYS - 1
        assert paused >= 1
        hint = page.text_content("#keys-hint") or ""
        for key in ("Space", "← →", "[ ]", "B ", "T ", "P ", "L ", "?"):
            assert key in hint, (key, hint)
        page.keyboard.press("?")
        assert page.is_visible("#help")
        assert "play / pause" in (page.text_content("#help") or "")
        page.keyboard.press("Escape")
        assert not page.is_visible("#help")
        page.keyboard.press("p")
        assert page.evaluate("document.body.classList.contains('presenter')")
        page.keyboard.press("p")
        assert not page.evaluate("document.body.classList.contains('presenter')")
        page.fill("#bookmark-text", "a b")  # typing in a field: Space is a space there
        assert page.input_value("#bookmark-text") == "a b"
        assert page.text_content("#play") == "Play"
    assert problems == []


# ------------------------------------------------------------------------------------------------ the map


LABELS_AND_BADGES = """() => {
    const box = e => {
        const r = e.getBoundingClientRect();
        return {x: r.x, y: r.y, width: r.width, height: r.height};
    };
    const shown = e => e.getAttribute('visibility') !== 'hidden';
    const labels = [...document.querySelectorAll('#map .node-label')];
    return {
        labels: labels.filter(shown).map(e => ({id: e.dataset.node, ...box(e)})),
        hidden: labels.filter(e => !shown(e)).length,
        badges: [...document.querySelectorAll('#map .corrupt-badge')].filter(shown)
            .map(e => ({id: e.parentNode.dataset.id, ...box(e)})),
        countries: [...document.querySelectorAll('#map .country-label')].map(e => ({id: e.textContent, ...box(e)})),
        nodes: [...document.querySelectorAll('#map .node .shape')].map(e => ({id: e.parentNode.dataset.id, ...box(e)})),
    };
}"""


@pytest.mark.parametrize("corridor", ["default", "generated"])
def test_map_labels_never_collide(page: Page, recording: Path, generated: Path, corridor: str) -> None:
    run = recording if corridor == "default" else generated
    problems = watch(page)
    with serve(run) as url:
        for size, presenter in (({"width": 1920, "height": 1080}, True), ({"width": 1366, "height": 768}, False)):
            open_page(page, url + ("#presenter" if presenter else ""), size)
            for d in range(0, DAYS, 3):  # badges come and go with the days
                page.evaluate(f"window.viewer.setDay({d})")
                found = page.evaluate(LABELS_AND_BADGES)
                labels = found["labels"]
                assert found["hidden"] == 0
                assert len(labels) == page.locator("#map .node").count()
                for i, a in enumerate(labels):
                    for b in labels[i + 1:]:
                        assert not boxes_overlap(a, b), (corridor, a, b)
                    for other in found["badges"] + found["countries"]:
                        assert not boxes_overlap(a, other), (corridor, d, a, other)
                    for node in found["nodes"]:
                        if node["id"] != a["id"]:
                            assert not boxes_overlap(a, node), (corridor, a, node)
    assert problems == []


def test_crossings_sit_on_their_border_and_routes_have_a_width_scale(page: Page, recording: Path,
                                                                     data: dict[str, Any]) -> None:
    kinds = {n["id"]: n for n in data["nodes"]}
    border = [n["id"] for n in data["nodes"] if n["kind"] in ("crossing", "informal_crossing") and any(
        kinds[e["target"]]["country"] != n["country"] for e in data["edges"] if e["source"] == n["id"])]
    assert len(border) >= 6
    with serve(recording) as url:
        open_page(page, url)
        distances = page.evaluate("""ids => {
            const lines = [...document.querySelectorAll('#map .border-line')].map(l =>
                l.getAttribute('points').trim().split(/\\s+/).map(p => p.split(',').map(Number)));
            const seg = (p, a, b) => {
                const dx = b[0] - a[0], dy = b[1] - a[1], L = dx * dx + dy * dy;
                const t = L ? Math.max(0, Math.min(1, ((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / L)) : 0;
                return Math.hypot(p[0] - a[0] - t * dx, p[1] - a[1] - t * dy);
            };
            return ids.map(id => {
                const m = document.querySelector(`#map .node[data-id='${id}']`).getAttribute('transform')
                    .match(/translate\\(([-\\d.]+),([-\\d.]+)\\)/);
                const p = [Number(m[1]), Number(m[2])];
                return Math.min(...lines.flatMap(l => l.slice(1).map((b, k) => seg(p, l[k], b))));
            });
        }""", border)
        assert max(distances) < 0.5, dict(zip(border, distances, strict=True))
        samples = page.locator("#map-legend .width-sample")
        assert samples.count() == 3
        legs = [int(samples.nth(i).get_attribute("data-legs") or "0") for i in range(3)]
        widths = [float(samples.nth(i).locator("line").get_attribute("stroke-width") or "0") for i in range(3)]
        assert legs == sorted(legs)
        assert widths == sorted(widths)
        assert widths[0] < widths[-1]
        assert "route width = shipment legs that day" in (page.text_content("#map-legend") or "")
        busiest = max(range(DAYS), key=lambda d: max(data["frames"]["edge_flow"][d]))
        page.evaluate(f"window.viewer.setDay({busiest})")
        drawn = page.evaluate("""() => [...document.querySelectorAll('#map .edge.active')].map(e =>
            [Number(e.dataset.legs), Number(e.getAttribute('stroke-width'))])""")
        assert drawn
        for n, width in drawn:  # the legend's scale: the same legs, the same width, more legs never thinner
            same = [w for m, w in drawn if m == n]
            assert max(same) - min(same) < 0.01
            assert all(w <= width + 0.01 for m, w in drawn if m < n)


def test_shipments_move_along_their_routes(page: Page, recording: Path, data: dict[str, Any]) -> None:
    travelling = [(k, j) for k, j in enumerate(data["journeys"])
                  if j["end"] is not None and math.floor(j["end"]) - math.floor(j["start"]) >= 3]
    assert travelling
    k, j = travelling[0]
    first = math.floor(j["start"]) + 1
    with serve(recording) as url:
        open_page(page, url)

        def where(d: int) -> tuple[float, float]:
            page.evaluate(f"window.viewer.setDay({d})")
            dot = page.locator(f"#map .shipment[data-j='{k}']")
            assert dot.count() == 1
            assert dot.get_attribute("visibility") == "visible"
            return float(dot.get_attribute("cx") or "nan"), float(dot.get_attribute("cy") or "nan")

        a, b = where(first), where(first + 1)
        assert a != b  # it moved
        route = page.evaluate("""path => path.map(i => {
            const m = document.querySelectorAll('#map .node')[i].getAttribute('transform')
                .match(/translate\\(([-\\d.]+),([-\\d.]+)\\)/);
            return [Number(m[1]), Number(m[2])];
        })""", j["path"])

        def off_route(p: tuple[float, float]) -> float:
            best = math.inf
            for (x1, y1), (x2, y2) in itertools.pairwise(route):
                dx, dy = x2 - x1, y2 - y1
                t = max(0.0, min(1.0, ((p[0] - x1) * dx + (p[1] - y1) * dy) / ((dx * dx + dy * dy) or 1)))
                best = min(best, math.hypot(p[0] - x1 - t * dx, p[1] - y1 - t * dy))
            return best

        assert off_route(a) < 0.5
        assert off_route(b) < 0.5
        page.evaluate(f"window.viewer.setDay({math.floor(j['end']) + 1 if j['end'] + 1 < DAYS else DAYS - 1})")
        if math.floor(j["end"]) + 1 < DAYS:
            assert page.locator(f"#map .shipment[data-j='{k}'][visibility='visible']").count() == 0  # arrived
        page.evaluate(f"window.viewer.setDay({first})")
        page.locator(f"#map .shipment[data-j='{k}']").dispatch_event("click")
        caption = page.text_content("#map-caption") or ""
        owner = next(o["name"] for o in data["orgs"] if o["id"] == j["org"])
        assert f"shipment of the {owner} network" in caption
        assert page.locator("#map .followed-route").count() == 1


def test_totals_layer_and_arrest_tags(page: Page, recording: Path, data: dict[str, Any]) -> None:
    frames = data["frames"]
    seized_somewhere = [i for i in range(len(data["nodes"])) if sum(r[i] for r in frames["seizures"])]
    arrest_day = next(d for d in range(DAYS) if any(frames["arrests"][d]))
    with serve(recording) as url:
        open_page(page, url)
        page.evaluate(f"window.viewer.setDay({DAYS - 1})")
        assert page.locator("#map .layer-circle").count() == 0
        page.select_option("#map-layer", "seizures")
        assert page.locator("#map .layer-seizures").count() == len(seized_somewhere)
        assert page.is_visible("#map-legend .legend-layer")
        page.evaluate("window.viewer.setDay(0)")
        assert page.locator("#map .layer-seizures").count() <= len(seized_somewhere)
        page.click("#day-label")
        page.keyboard.press("l")  # the next layer
        assert page.input_value("#map-layer") == "arrests"
        page.select_option("#map-layer", "corruption")
        page.evaluate(f"window.viewer.setDay({DAYS - 1})")
        shares = [float(v) for v in page.locator("#map .layer-corruption").evaluate_all(
            "cs => cs.map(c => c.dataset.value)")]
        assert shares
        assert all(0 < s <= 1 for s in shares)
        page.select_option("#map-layer", "none")
        assert page.locator("#map .layer-circle").count() == 0
        # Arrests are tags pointing at the place, not dots that look like places.
        page.evaluate(f"window.viewer.setDay({arrest_day})")
        marks = page.locator("#map .arrest-mark")
        assert marks.count() >= 1
        assert marks.locator("circle").count() == 0
        assert marks.locator("path.tag").count() == marks.count()
        assert "arrested" in (marks.first.text_content() or "")


# ------------------------------------------------------------------------------------------------ bookmarks


def test_bookmarks_and_injects_are_saved_and_offer_a_branch(page: Page, recording: Path, tmp_path: Path) -> None:
    run = copy_of(recording, tmp_path)
    problems = watch(page)
    with serve(run) as url:
        open_page(page, url)
        page.evaluate("window.viewer.setDay(4)")
        assert page.text_content("#bookmark-add") == "Add at day 4"
        page.fill("#bookmark-text", "Why did they switch to the river?")
        page.click("#bookmark-add")
        page.wait_for_selector("#bookmark-status.ok", timeout=WAIT_MS)
        page.evaluate("window.viewer.setDay(8)")
        page.select_option("#inject-lever", "policy.oversight")
        page.fill("#inject-value", "0.9")
        page.fill("#bookmark-text", "The ministry orders audits")
        page.click("#bookmark-add")
        page.wait_for_function("document.querySelectorAll('#bookmark-list .bookmark').length === 2", timeout=WAIT_MS)
        page.wait_for_selector("#bookmark-status.ok", timeout=WAIT_MS)
        saved = json.loads((run / TRAINING_FILE).read_text())
        assert saved["format"] == "sim-training/1"
        assert saved["items"] == [
            {"day": 4, "kind": "note", "text": "Why did they switch to the river?"},
            {"day": 8, "kind": "inject", "text": "The ministry orders audits", "levers": {"policy.oversight": 0.9}}]
        assert page.locator("#charts .bookmark-line[data-day='8']").count() == page.locator("#charts .chart").count()
        assert page.locator("#change-days option[value='4']").count() == 1

        page.reload()  # saved with the recording: back after a reload
        page.wait_for_selector("body.ready", timeout=WAIT_MS)
        items = page.locator("#bookmark-list .bookmark")
        assert items.count() == 2
        assert "river" in (items.first.text_content() or "")
        assert "oversight → 0.9" in (items.last.text_content() or "")

        # Playing stops at each bookmark; at the inject it offers to branch there.
        requests: list[dict[str, Any]] = []

        def refuse(route: Any) -> None:
            requests.append(json.loads(route.request.post_data or "{}"))
            route.fulfill(status=409, content_type="application/json",
                          body=json.dumps({"ok": False, "error": "branch: held back by the test"}))

        page.route("**/api/branch", refuse)
        page.evaluate("window.viewer.setDay(0)")
        page.select_option("#speed", "30")
        page.click("#play")
        page.wait_for_function("document.getElementById('play').textContent === 'Play'", timeout=WAIT_MS)
        assert day(page) == 4
        assert "river" in (page.text_content("#day-prompt") or "")
        page.click("#play")
        page.wait_for_function("document.getElementById('play').textContent === 'Play'", timeout=WAIT_MS)
        assert day(page) == 8
        assert page.is_visible("#day-prompt .prompt-branch")
        page.click("#day-prompt .prompt-branch")
        page.wait_for_function("document.getElementById('error').textContent.includes('held back')", timeout=WAIT_MS)
        assert len(requests) == 1
        assert requests[0]["day"] == 8
        assert requests[0]["levers"] == {"policy.oversight": 0.9}
        assert page.input_value("[data-key='policy.oversight']") == "0.9"

        # Deleting one is saved too.
        page.locator("#bookmark-list .bookmark").first.locator("button[data-act='delete']").click()
        page.wait_for_function("document.querySelectorAll('#bookmark-list .bookmark').length === 1", timeout=WAIT_MS)
        page.wait_for_selector("#bookmark-status.ok", timeout=WAIT_MS)
        assert [i["day"] for i in json.loads((run / TRAINING_FILE).read_text())["items"]] == [8]
    assert all("409" in p for p in problems), problems  # the held-back branch is logged by Chromium


def test_an_exported_file_shows_the_bookmarks_and_cannot_change_them(page: Page, recording: Path,
                                                                      tmp_path: Path) -> None:
    run = copy_of(recording, tmp_path)
    ids = [n["id"] for n in load_recording(run).frames["nodes"]]
    note = "look at the <b>bridge</b> <img src=x>"  # shown as text, never as markup
    save_training(run, json.dumps({"items": [{"day": 2, "kind": "note", "text": note}]}).encode(), DAYS, ids)
    html = tmp_path / "room.html"
    html.write_text(viewer_html(payload(run)))
    assert "<script src=" not in html.read_text()  # every module inlined
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    open_page(page, html.as_uri())
    assert page.locator("#bookmark-list .bookmark").count() == 1
    assert note in (page.text_content("#bookmark-list") or "")
    assert page.locator("#bookmark-list b, #bookmark-list img").count() == 0
    page.evaluate("window.viewer.setDay(2)")
    assert note in (page.text_content("#day-prompt") or "")
    assert page.is_disabled("#bookmark-add")
    assert "live viewer" in (page.text_content("#bookmark-status") or "")
    assert requests == [html.as_uri()]


# ------------------------------------------------------------------------------------------------ sentences


def test_events_read_as_sentences(page: Page, recording: Path, data: dict[str, Any]) -> None:
    names = {o["name"] for o in data["orgs"]}
    with serve(recording) as url:
        open_page(page, url)
        page.evaluate(f"window.viewer.setDay({DAYS - 1})")
        texts = page.locator("#event-feed .event").evaluate_all(
            "els => els.map(e => [e.dataset.kind, e.querySelector('.ev-text').textContent])")
        assert len(texts) >= 50
        for kind, text in texts:
            assert text[0].isupper() or text[0].isdigit(), (kind, text)
            assert text.endswith("."), (kind, text)
            assert "_" not in text, (kind, text)  # no raw ids or codes
            assert "/" not in text, (kind, text)
            assert not re.search(r"\borg\d+\b", text), (kind, text)
        by_kind: dict[str, list[str]] = {}
        for kind, text in texts:
            by_kind.setdefault(kind, []).append(text)
        journeys_told = by_kind.get("shipment_departed", []) + by_kind.get("delivery", [])
        assert any(any(n in t for n in names) for t in journeys_told)
        patterns = {
            "arrest": r"(\w+ of the [A-Z]\w+ [A-Z]\w+ network|An? \w+ \(a facilitator\)) arrested in [A-Z]\w+"
                      r"( (at|after|named|through) .+)?\.",
            "seizure": r"An? \w+ shipment of the [A-Z]\w+ [A-Z]\w+ network seized at [a-z ]+: .+ (M|thousand|units)\.",
        }
        for kind, pattern in patterns.items():
            page.select_option("#event-filter", kind)
            told = page.locator("#event-feed .ev-text").all_text_contents()
            assert told, kind
            for text in told:
                assert re.fullmatch(pattern, text), text
        options = page.locator("#event-filter option").evaluate_all("os => os.map(o => o.textContent)")
        assert not any("_" in o for o in options), options
        page.evaluate("window.viewer.setTraining(true); window.viewer.setDay(2)")
        assert "so far" in (page.locator("#event-filter option").first.text_content() or "")
