"""The replay viewer and recordings against hostile input (docs/security.md).

The viewer's server is driven through real HTTP on 127.0.0.1 with forged Host and Origin headers, wrong
content types, bad lengths, idle connections and hostile bodies; the command line (`main(argv)`, in
process) gets bad ports, dangerous export paths and damaged run folders. Each refusal must be one line:
an `{"ok": false, "error": ...}` answer from the server, an `error:` line and exit code 2 from the CLI.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from sim import run_scenario
from sim.replay.cli import main
from tests.conftest import in_process, serving

DAYS = 20
SECRET = "s3cr3t-probe-value"
#: The documented cap on a request body (docs/security.md).
MAX_BODY = 64 * 1024


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        """The body parsed as a browser's JSON.parse would: NaN and Infinity are refused."""
        def refuse(name: str) -> Any:
            raise AssertionError(f"bare {name} in a JSON answer")
        return json.loads(self.body, parse_constant=refuse)

    def error(self) -> str:
        data = self.json()
        assert data["ok"] is False, data
        message = data["error"]
        assert isinstance(message, str)
        assert "\n" not in message
        assert message.strip()
        return message


@dataclass
class Viewer:
    port: int
    run: Path

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self.port}"

    def request(self, method: str = "GET", path: str = "/api/recording", *, host: str | None = "",
                headers: tuple[tuple[str, str], ...] = (), body: bytes = b"", length: bool = True,
                timeout: float = 10.0) -> Reply:
        """One request on a fresh connection; `host=None` sends no Host header, "" the server's own."""
        lines = [f"{method} {path} HTTP/1.1"]
        if host is not None:
            lines.append(f"Host: {host or self.host}")
        lines += [f"{name}: {value}" for name, value in headers]
        if length and method == "POST":
            lines.append(f"Content-Length: {len(body)}")
        lines.append("Connection: close")
        raw = ("\r\n".join(lines) + "\r\n\r\n").encode() + body
        data = b""
        with socket.create_connection(("127.0.0.1", self.port), timeout=timeout) as sock:
            sock.sendall(raw)
            try:
                while chunk := sock.recv(65536):
                    data += chunk
            except ConnectionResetError:
                pass
        head, _, content = data.partition(b"\r\n\r\n")
        assert head, f"no answer to {method} {path}"
        status_line, *header_lines = head.decode("latin-1").split("\r\n")
        parsed = {}
        for line in header_lines:
            name, _, value = line.partition(":")
            parsed[name.strip().lower()] = value.strip()
        return Reply(int(status_line.split()[1]), parsed, content)

    def post_branch(self, body: bytes | str | dict[str, Any], content_type: str = "application/json",
                    **kwargs: Any) -> Reply:
        raw = body if isinstance(body, bytes) else (body if isinstance(body, str) else json.dumps(body)).encode()
        headers = (("Content-Type", content_type), *kwargs.pop("headers", ()))
        return self.request("POST", "/api/branch", headers=headers, body=raw, **kwargs)

    def branches(self) -> set[str]:
        folder = self.run / "branches"
        return {p.name for p in folder.iterdir()} if folder.is_dir() else set()


@pytest.fixture(scope="module")
def recording(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("security") / "run"
    run_scenario([f"days={DAYS}"], seed=5, output_dir=out)
    return out


@contextlib.contextmanager
def serve(run: Path, **options: Any) -> Iterator[Viewer]:
    """A viewer server for `run` on a free port of 127.0.0.1, in a thread, stopped at the end."""
    with serving(run, **options) as port:
        yield Viewer(port, run)


@pytest.fixture(scope="module")
def viewer(recording: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Viewer]:
    """One server for the module, on its own copy of the recording (branches land there)."""
    run = tmp_path_factory.mktemp("served") / "run"
    shutil.copytree(recording, run)
    with serve(run) as running:
        yield running


def one_json_line_refusal(reply: Reply, status: int | tuple[int, ...] = 400) -> str:
    statuses = (status,) if isinstance(status, int) else status
    assert reply.status in statuses, (reply.status, reply.body[:300])
    assert reply.headers.get("content-type", "").startswith("application/json")
    return reply.error()


# ------------------------------------------------------------------------------------------------ who may ask


@pytest.mark.parametrize("host", ["evil.example", "evil.example:{port}", "127.0.0.1:1", "127.0.0.1",
                                  "localhost.evil.example:{port}", "127.0.0.1:{port}.evil.example",
                                  "[::1]:{port}", None])
def test_a_foreign_host_is_refused_dns_rebinding(viewer: Viewer, host: str | None) -> None:
    forged = host.format(port=viewer.port) if host is not None else None
    for path in ("/api/recording", "/", "/app.js"):
        reply = viewer.request("GET", path, host=forged)
        assert "refused" in one_json_line_refusal(reply, 403)
        assert b"edge_flow" not in reply.body


@pytest.mark.parametrize("host", ["127.0.0.1:{port}", "localhost:{port}", "LOCALHOST:{port}"])
def test_the_viewer_answers_its_own_names_with_protective_headers(viewer: Viewer, host: str) -> None:
    reply = viewer.request("GET", "/", host=host.format(port=viewer.port))
    assert reply.status == 200
    assert reply.headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in reply.headers["content-security-policy"]
    assert reply.headers["x-content-type-options"] == "nosniff"
    data = viewer.request("GET", "/api/recording", host=host.format(port=viewer.port))
    assert data.status == 200
    assert data.json()["run"]["days"] == DAYS


@pytest.mark.parametrize("origin", ["http://evil.example", "null", "http://127.0.0.1:1", "https://127.0.0.1:{port}",
                                    "http://localhost.evil.example:{port}", "http://127.0.0.1:{port}.evil.example"])
def test_a_branch_from_another_origin_is_refused(viewer: Viewer, origin: str) -> None:
    before = viewer.branches()
    reply = viewer.post_branch({"day": 3, "levers": {"policy.oversight": 0.9}},
                               headers=(("Origin", origin.format(port=viewer.port)),))
    assert "refused" in one_json_line_refusal(reply, 403)
    assert viewer.branches() == before


def test_a_cross_site_fetch_marked_by_the_browser_is_refused(viewer: Viewer) -> None:
    before = viewer.branches()
    reply = viewer.post_branch({"day": 3, "levers": {"policy.oversight": 0.9}},
                               headers=(("Sec-Fetch-Site", "cross-site"),))
    one_json_line_refusal(reply, 403)
    assert viewer.branches() == before


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data",
                                          "", "application/jsonp"])
def test_a_branch_needs_a_json_content_type(viewer: Viewer, content_type: str) -> None:
    """A web page can POST text/plain cross-site without asking first; JSON needs a preflight it never gets."""
    before = viewer.branches()
    reply = viewer.post_branch(json.dumps({"day": 3, "levers": {"policy.oversight": 0.9}}), content_type)
    assert "Content-Type" in one_json_line_refusal(reply, 415)
    assert viewer.branches() == before


def test_a_branch_from_the_viewers_own_page_runs(viewer: Viewer) -> None:
    before = viewer.branches()
    own = f"localhost:{viewer.port}"
    reply = viewer.post_branch({"day": 5, "levers": {"policy.oversight": 0.9, "targeting": "kingpin"}},
                               "application/json; charset=utf-8", host=own,
                               headers=(("Origin", f"http://{own}"), ("Sec-Fetch-Site", "same-origin")))
    assert reply.status == 200, reply.body[:300]
    answer = reply.json()
    assert answer["ok"] is True
    assert answer["branch"]["run"]["branch_day"] == 5
    assert len(viewer.branches() - before) == 1


# ------------------------------------------------------------------------------------------------ bodies and sockets


@pytest.mark.parametrize(("length", "status"), [(None, 411), ("-1", 400), ("abc", 400), ("1e3", 400), ("+5", 400),
                                                ("0x10", 400), (str(150 * 1024 * 1024), 413),
                                                (str(MAX_BODY + 1), 413), ("99999999999999999999", 400)])
def test_a_bad_content_length_is_refused_at_once(viewer: Viewer, length: str | None, status: int) -> None:
    headers = [("Content-Type", "application/json")]
    if length is not None:
        headers.append(("Content-Length", length))
    started = time.monotonic()
    reply = viewer.request("POST", "/api/branch", headers=tuple(headers), length=False, timeout=5.0)
    one_json_line_refusal(reply, status)
    assert time.monotonic() - started < 4.0, "the server waited for a body it had refused"


def test_two_content_lengths_and_chunked_bodies_are_refused(viewer: Viewer) -> None:
    two = viewer.request("POST", "/api/branch", length=False, timeout=5.0, headers=(
        ("Content-Type", "application/json"), ("Content-Length", "2"), ("Content-Length", "3")))
    one_json_line_refusal(two, 400)
    chunked = viewer.request("POST", "/api/branch", length=False, timeout=5.0, headers=(
        ("Content-Type", "application/json"), ("Transfer-Encoding", "chunked")))
    one_json_line_refusal(chunked, 411)


def test_idle_and_slow_connections_are_closed_and_do_not_hold_the_branch(recording: Path, tmp_path: Path) -> None:
    run = tmp_path / "run"
    shutil.copytree(recording, run)
    with serve(run, timeout=1.0) as viewer:
        idle = socket.create_connection(("127.0.0.1", viewer.port), timeout=8.0)
        slow = socket.create_connection(("127.0.0.1", viewer.port), timeout=8.0)
        slow.sendall(f"POST /api/branch HTTP/1.1\r\nHost: {viewer.host}\r\nContent-Type: application/json\r\n"
                     "Content-Length: 100\r\n\r\n{\"day\"".encode())
        try:
            started = time.monotonic()
            assert idle.recv(1024) == b"", "an idle connection got an answer instead of being closed"
            slow.recv(65536)  # closed, with or without a one-line answer
            assert time.monotonic() - started < 6.0
        finally:
            idle.close()
            slow.close()
        reply = viewer.post_branch({"day": 2, "levers": {"policy.inspection_rate": 0.3}})
        assert reply.status == 200, reply.body[:300]


def test_the_default_timeout_is_short() -> None:
    from sim.replay import server

    assert 0 < server.TIMEOUT <= 30


def test_fifty_idle_connections_do_not_stop_a_normal_request(viewer: Viewer) -> None:
    sockets = [socket.create_connection(("127.0.0.1", viewer.port), timeout=5.0) for _ in range(50)]
    try:
        reply = viewer.request("GET", "/api/recording", timeout=10.0)
        assert reply.status == 200
        assert reply.json()["run"]["days"] == DAYS
    finally:
        for sock in sockets:
            sock.close()


# ------------------------------------------------------------------------------------------------ values


DAY_BODIES = [
    ('{"day": true, "levers": {"policy.oversight": 0.9}}', "branch.day"),
    ('{"day": 2.9, "levers": {"policy.oversight": 0.9}}', "branch.day"),
    ('{"day": 2.0, "levers": {"policy.oversight": 0.9}}', "branch.day"),
    ('{"day": 1e309, "levers": {"policy.oversight": 0.9}}', "finite"),
    ('{"day": "3", "levers": {"policy.oversight": 0.9}}', "branch.day"),
    ('{"day": null, "levers": {"policy.oversight": 0.9}}', "branch.day"),
    ('{"day": [3], "levers": {"policy.oversight": 0.9}}', "branch.day"),
    ('{"day": -1, "levers": {"policy.oversight": 0.9}}', "branch.day"),
    (f'{{"day": {DAYS}, "levers": {{"policy.oversight": 0.9}}}}', "nothing left to run"),
    (f'{{"day": {DAYS + 5}, "levers": {{"policy.oversight": 0.9}}}}', "nothing left to run"),
    ('{"day": 100000000000000000000000000000, "levers": {"policy.oversight": 0.9}}', "nothing left to run"),
    ('{"levers": {"policy.oversight": 0.9}}', "day is missing"),
    ('{"day": 3}', "levers is missing"),
    ('{"day": 3, "levers": {"policy.oversight": 0.9}, "output_dir": "/tmp/x"}', "unknown field"),
    ('[3, {"policy.oversight": 0.9}]', "expected a JSON object"),
    ('{"day": 3, "levers": [["policy.oversight", 0.9]]}', "branch.levers"),
    ("not json", "not valid JSON"),
    (b'{"day": 3, "levers": {"policy.targeting": "\xff\xfe"}}', "not UTF-8"),
    ("[" * 60000, "nested too deeply"),
    ("", "not valid JSON"),
]


@pytest.mark.parametrize(("body", "expected"), DAY_BODIES)
def test_a_bad_day_or_body_gets_one_line(viewer: Viewer, body: str | bytes, expected: str,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    before = viewer.branches()
    reply = viewer.post_branch(body, timeout=20.0)
    assert expected in one_json_line_refusal(reply, 400)
    assert viewer.branches() == before
    assert "Traceback" not in capsys.readouterr().err


LEVER_BODIES = [
    ({"policy.oversight": "${oc.env:SIM_SECURITY_PROBE}"}, "oversight"),
    ({"policy.targeting": "${oc.env:SIM_SECURITY_PROBE}"}, "interpolation"),
    ({"policy.interdiction_focus": ["${oc.env:SIM_SECURITY_PROBE}"]}, "interpolation"),
    ({"policy.${oc.env:SIM_SECURITY_PROBE}": 1}, "interpolation"),
    ({"policy.targeting": "${oc.decode:'{a: 1}'}"}, "interpolation"),
    ({"policy.oversight": True}, "expected a number"),
    ({"policy.oversight": "0.5"}, "expected a number"),
    ({"policy.oversight": None}, "expected a number"),
    ({"policy.oversight": [0.5]}, "expected a number"),
    ({"policy.oversight": 3}, "out of range"),
    ({"policy.joint_task_force": 1}, "expected true or false"),
    ({"policy.joint_task_force": "true"}, "expected true or false"),
    ({"policy.targeting": ["kingpin"]}, "expected one of"),
    ({"policy.targeting": "boss"}, "not allowed"),
    ({"policy.interdiction_focus": "varda_city"}, "expected a list"),
    ({"policy.interdiction_focus": [1]}, "node ids are text"),
    ({"policy.interdiction_focus": ["x" * 5000]}, "node ids are text"),
    ({"policy.nonsense": 1}, "unknown lever"),
    ({"policy.oversight": 0.9, "oversight": 0.8}, "given twice"),
    ({}, "change at least one lever"),
]


@pytest.mark.parametrize(("levers", "expected"), LEVER_BODIES)
def test_bad_levers_are_refused_before_the_config_sees_them(viewer: Viewer, levers: dict[str, Any], expected: str,
                                                            monkeypatch: pytest.MonkeyPatch,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("SIM_SECURITY_PROBE", SECRET)
    before = viewer.branches()
    reply = viewer.post_branch({"day": 3, "levers": levers})
    message = one_json_line_refusal(reply, 400)
    assert expected in message
    assert SECRET not in reply.body.decode("utf-8", "replace")
    assert os.environ["PATH"] not in message
    assert len(message) < 400
    assert viewer.branches() == before
    assert "Traceback" not in capsys.readouterr().err


@pytest.mark.parametrize("raw", ['{"day": 3, "levers": {"policy.oversight": NaN}}',
                                 '{"day": 3, "levers": {"policy.oversight": -Infinity}}',
                                 '{"day": 3, "levers": {"policy.oversight": 1e309}}'])
def test_non_finite_numbers_are_refused(viewer: Viewer, raw: str) -> None:
    before = viewer.branches()
    one_json_line_refusal(viewer.post_branch(raw), 400)
    assert viewer.branches() == before


def test_one_branch_at_a_time(viewer: Viewer, monkeypatch: pytest.MonkeyPatch) -> None:
    from sim.replay import server

    entered, release = threading.Event(), threading.Event()

    def slow_branch(run_dir: Path, day: int, levers: dict[str, Any]) -> Path:
        entered.set()
        release.wait(20)
        return Path(run_dir)

    monkeypatch.setattr(server, "branch", slow_branch)
    first: list[Reply] = []
    worker = threading.Thread(target=lambda: first.append(viewer.post_branch(
        {"day": 1, "levers": {"policy.oversight": 0.5}}, timeout=30.0)))
    worker.start()
    try:
        assert entered.wait(10)
        second = viewer.post_branch({"day": 2, "levers": {"policy.oversight": 0.6}}, timeout=5.0)
        assert "another branch is running" in one_json_line_refusal(second, 409)
    finally:
        release.set()
        worker.join(30)
    assert first
    assert first[0].status == 200


def test_an_internal_error_is_a_json_500_and_one_log_line(viewer: Viewer, monkeypatch: pytest.MonkeyPatch,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    from sim.replay import server

    def broken(run_dir: Path) -> dict[str, Any]:
        raise RuntimeError("boom\nsecond line")

    monkeypatch.setattr(server, "payload", broken)
    capsys.readouterr()
    reply = viewer.request("GET", "/api/recording")
    message = one_json_line_refusal(reply, 500)
    assert "internal error" in message
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) == 1
    assert "RuntimeError: boom" in err
    assert viewer.request("GET", "/").status == 200  # the server goes on


# ------------------------------------------------------------------------------------------------ answers are JSON


def test_non_finite_numbers_go_out_as_null(recording: Path, tmp_path: Path) -> None:
    """A browser's JSON.parse fails on a bare NaN: the server sends null instead."""
    run = tmp_path / "run"
    shutil.copytree(recording, run)
    frames = json.loads((run / "frames.json").read_text())
    frames["nodes"][0]["x"] = float("nan")
    frames["nodes"][1]["y"] = float("inf")
    (run / "frames.json").write_text(json.dumps(frames))
    summary = json.loads((run / "summary.json").read_text())
    summary["interdiction_rate"] = float("nan")
    (run / "summary.json").write_text(json.dumps(summary))
    with serve(run) as viewer:
        reply = viewer.request("GET", "/api/recording")
    assert reply.status == 200
    data = reply.json()  # refuses NaN and Infinity, as JSON.parse does
    assert data["nodes"][0]["x"] is None
    assert data["nodes"][1]["y"] is None
    assert data["summary"]["interdiction_rate"] is None


# ------------------------------------------------------------------------------------------------ the command line


def replay(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """`python -m sim.replay ARGV`, in process: (exit code, stdout, stderr)."""
    return in_process(main, argv, capsys)


def assert_refused(result: tuple[int, str, str], expected: str = "") -> str:
    code, _out, err = result
    lines = err.strip().splitlines()
    assert code == 2, result
    assert len(lines) == 1, err
    assert lines[0].startswith("error:"), err
    assert "Traceback" not in err
    assert expected in lines[0], lines[0]
    return lines[0]


@pytest.mark.timeout(60)
@pytest.mark.parametrize("port", ["-1", "70000", "abc", "", "1.5", "0x50"])
def test_a_bad_port_gets_one_line(recording: Path, capsys: pytest.CaptureFixture[str], port: str) -> None:
    assert_refused(replay(capsys, "view", str(recording), "--port", port, "--no-browser"), "--port")


def test_bad_arguments_get_one_line(recording: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert_refused(replay(capsys, "branch", str(recording), "--day", "2.9", "policy.oversight=0.5"), "--day")
    assert_refused(replay(capsys, "verify"), "run_dir")
    assert_refused(replay(capsys, "nonsense"), "invalid choice")
    assert_refused(replay(capsys, "branch", str(recording), "--day", "3", "policy.oversight=${oc.env:PATH}"),
                   "oversight")
    assert_refused(replay(capsys, "branch", str(recording), "--day", str(DAYS), "policy.oversight=0.5"),
                   "nothing left to run")


@pytest.fixture
def html_target(tmp_path: Path) -> Callable[[str], tuple[Path, Callable[[], Any]]]:
    """Make a path of a kind at tmp_path/out/replay.html; returns it and a snapshot of what is there."""
    folder = tmp_path / "out"
    folder.mkdir()
    outside = tmp_path / "precious.txt"
    outside.write_text("keep me")

    def make(kind: str) -> tuple[Path, Callable[[], Any]]:
        target = folder / "replay.html"
        if kind == "symlink":
            target.symlink_to(outside)
        elif kind == "dangling-symlink":
            target.symlink_to(tmp_path / "nowhere.html")
        elif kind == "fifo":
            os.mkfifo(target)
        elif kind == "folder":
            target.mkdir()
        elif kind == "file":
            target.write_text("an older export")

        def snapshot() -> Any:
            info = os.lstat(target)
            content = target.read_text() if kind == "file" else None
            return (info.st_mode, info.st_ino, content, outside.read_text(), sorted(os.listdir(folder)))
        return target, snapshot
    return make


@pytest.mark.parametrize(("kind", "expected"), [("symlink", "symbolic link"), ("dangling-symlink", "symbolic link"),
                                                ("fifo", "not a regular file"), ("folder", "is a folder"),
                                                ("file", "add --force")])
def test_export_never_replaces_what_it_should_not(recording: Path, capsys: pytest.CaptureFixture[str],
                                                  html_target: Callable[[str], tuple[Path, Callable[[], Any]]],
                                                  kind: str, expected: str) -> None:
    target, snapshot = html_target(kind)
    before = snapshot()
    assert_refused(replay(capsys, "export", str(recording), "--html", str(target)), expected)
    assert snapshot() == before
    if kind != "file":  # --force replaces a regular file only
        assert_refused(replay(capsys, "export", str(recording), "--html", str(target), "--force"), expected)
        assert snapshot() == before


def test_export_paths_that_are_no_file(recording: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert_refused(replay(capsys, "export", str(recording), "--html", ""), "empty path")
    assert_refused(replay(capsys, "export", str(recording), "--html", str(tmp_path / "missing" / "x.html")),
                   "no such folder")
    assert_refused(replay(capsys, "export", str(recording), "--html", str(recording / "config.yaml"), "--force"),
                   "recording's own files")


def test_export_writes_atomically_and_replaces_a_file_only_with_force(recording: Path, tmp_path: Path,
                                                                       capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "replay.html"
    code, _out, err = replay(capsys, "export", str(recording), "--html", str(target))
    assert code == 0, err
    first = target.read_text()
    assert "window.RECORDING" in first
    target.write_text("edited by hand")
    assert_refused(replay(capsys, "export", str(recording), "--html", str(target)), "--force")
    assert target.read_text() == "edited by hand"
    code, _out, err = replay(capsys, "export", str(recording), "--html", str(target), "--force")
    assert code == 0, err
    assert target.read_text() == first
    assert sorted(p.name for p in tmp_path.iterdir()) == ["replay.html"], "a temporary file was left behind"


# ------------------------------------------------------------------------------------------------ run folders on load


BILLION_LAUGHS = "\n".join(
    ['lol0: &l0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    + [f"lol{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 9)}]" for i in range(1, 10)]) + "\n"


def damage(run: Path, how: str) -> None:
    """Damage one file of a copied run folder in the way named."""
    frames_file = run / "frames.json"
    if how.startswith("frames-") and not how.startswith("frames-deep"):
        frames = json.loads(frames_file.read_text())
        series = frames["frames"]
        width = len(series["seizures"][0])
        if how == "frames-row-of-strings":
            series["seizures"][3] = ["x"] * width
        elif how == "frames-row-is-object":
            series["seizures"][3] = {str(i): 0 for i in range(width)}
        elif how == "frames-row-is-text":
            series["seizures"][3] = "x" * width
        elif how == "frames-booleans":
            series["queue"][2] = [True] * width
        elif how == "frames-nested-list":
            series["arrests"][1] = [[0]] * width
        elif how == "frames-node-is-list":
            frames["nodes"][0] = ["id", "x"]
        elif how == "frames-x-is-text":
            frames["nodes"][0]["x"] = "left"
        elif how == "frames-days-is-text":
            frames["days"] = str(frames["days"])
        elif how == "frames-edge-to-nowhere":
            frames["edges"][0]["target"] = "atlantis"
        else:
            raise AssertionError(how)
        frames_file.write_text(json.dumps(frames))
    elif how == "frames-deep":
        frames_file.write_text("[" * 100_000 + "]" * 100_000)
    elif how == "frames-deep-inside":
        frames = json.loads(frames_file.read_text())
        frames["nodes"][0]["population"] = json.loads("[" * 500 + "]" * 500)
        frames_file.write_text(json.dumps(frames))
    elif how == "manifest-list":
        (run / "manifest.json").write_text("[]")
    elif how == "manifest-string":
        (run / "manifest.json").write_text('"sim-run/1"')
    elif how == "manifest-not-utf8":
        (run / "manifest.json").write_bytes(b'{"format": "sim-run/1", "note": "\xff\xfe\xfd"}')
    elif how == "manifest-deep":
        (run / "manifest.json").write_text("[" * 100_000 + "]" * 100_000)
    elif how == "manifest-versions-text":
        (run / "manifest.json").write_text('{"format": "sim-run/9", "versions": "sim 9"}')
    elif how == "manifest-folder":
        (run / "manifest.json").unlink()
        (run / "manifest.json").mkdir()
    elif how == "summary-nested":
        (run / "summary.json").write_text('{"arrests": {"a": [1, 2]}}')
    elif how == "config-alias-bomb":
        with (run / "config.yaml").open("a") as handle:
            handle.write(BILLION_LAUGHS)
    elif how == "config-alias":
        text = (run / "config.yaml").read_text()
        (run / "config.yaml").write_text(text.replace("scenario_name: baseline", "scenario_name: &name baseline")
                                         + "scenario_description: *name\n")
    elif how == "config-too-large":
        with (run / "config.yaml").open("a") as handle:
            handle.write("# padding\n" * 200_000)
    elif how == "config-interpolation":
        text = (run / "config.yaml").read_text()
        (run / "config.yaml").write_text(text.replace("scenario_name: baseline",
                                                      "scenario_name: ${oc.env:SIM_SECURITY_PROBE}"))
    elif how == "config-list":
        (run / "config.yaml").write_text("- 1\n- 2\n")
    elif how == "config-deep":
        (run / "config.yaml").write_text("a: " + "[" * 5000 + "]" * 5000 + "\n")
    elif how == "config-not-utf8":
        (run / "config.yaml").write_bytes(b"seed: 1\nscenario_name: \xff\n")
    elif how == "timeseries-text":
        table = pd.read_parquet(run / "timeseries.parquet")
        table["arrests"] = "many"
        table.to_parquet(run / "timeseries.parquet", index=False)
    else:
        raise AssertionError(how)


LOAD_CASES = [
    ("manifest-list", "manifest.json: expected a JSON object"),
    ("manifest-string", "manifest.json: expected a JSON object"),
    ("manifest-not-utf8", "manifest.json: not UTF-8"),
    ("manifest-deep", "manifest.json: corrupted (nested too deeply)"),
    ("manifest-versions-text", "recorded in format 'sim-run/9'"),
    ("manifest-folder", "not a complete run folder"),
    ("summary-nested", "summary.json"),
    ("frames-row-of-strings", "seizures"),
    ("frames-row-is-object", "seizures"),
    ("frames-row-is-text", "seizures"),
    ("frames-booleans", "queue"),
    ("frames-nested-list", "arrests"),
    ("frames-node-is-list", "nodes[0]"),
    ("frames-x-is-text", "nodes[0].x"),
    ("frames-days-is-text", "no days"),
    ("frames-edge-to-nowhere", "edges[0]"),
    ("frames-deep", "frames.json: corrupted (nested too deeply)"),
    ("frames-deep-inside", "nodes[0].population"),
    ("config-alias-bomb", "anchors and aliases"),
    ("config-alias", "anchors and aliases"),
    ("config-too-large", "too large"),
    ("config-interpolation", "interpolation"),
    ("config-list", "config.yaml"),
    ("config-deep", "nested deeper"),
    ("config-not-utf8", "config.yaml: not UTF-8"),
    ("timeseries-text", "timeseries.parquet: column 'arrests'"),
]


@pytest.mark.timeout(60)
@pytest.mark.parametrize(("how", "expected"), LOAD_CASES)
def test_a_damaged_run_folder_gets_one_line_from_every_command(recording: Path, tmp_path: Path, how: str,
                                                               expected: str, capsys: pytest.CaptureFixture[str],
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SIM_SECURITY_PROBE", SECRET)
    run = tmp_path / "run"
    shutil.copytree(recording, run)
    damage(run, how)
    html = tmp_path / "x.html"
    for argv in (["verify", str(run)], ["export", str(run), "--html", str(html)],
                 ["view", str(run), "--port", "0", "--no-browser"]):
        line = assert_refused(replay(capsys, *argv), expected)
        assert SECRET not in line
    assert not html.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]


# ------------------------------------------------------------------------------------------------ verify


def tamper(run: Path, what: str) -> None:
    if what == "frames":
        frames = json.loads((run / "frames.json").read_text())
        frames["frames"]["seizures"][3][0] += 1
        (run / "frames.json").write_text(json.dumps(frames))
    elif what == "summary":
        summary = json.loads((run / "summary.json").read_text())
        summary["arrests"] += 1
        (run / "summary.json").write_text(json.dumps(summary))
    elif what == "timeseries":
        table = pd.read_parquet(run / "timeseries.parquet")
        table.loc[4, "arrests"] += 1
        table.to_parquet(run / "timeseries.parquet", index=False)


@pytest.mark.parametrize(("what", "expected"), [("frames", "frames.json: frames.seizures[3][0]: recorded"),
                                                ("summary", "summary.json: arrests: recorded"),
                                                ("timeseries", "timeseries.parquet: column 'arrests' row 4")])
def test_verify_compares_everything_the_recording_holds(recording: Path, tmp_path: Path, what: str, expected: str,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    run = tmp_path / "run"
    shutil.copytree(recording, run)
    tamper(run, what)
    code, out, err = replay(capsys, "verify", str(run))
    assert code == 1, (out, err)
    lines = out.strip().splitlines()
    assert len(lines) == 1, out
    assert lines[0].startswith(f"DIFFERENT: {run}: ")
    assert expected in lines[0]


def test_verify_refuses_a_damaged_frames_file(recording: Path, tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    run = tmp_path / "run"
    shutil.copytree(recording, run)
    text = (run / "frames.json").read_text()
    (run / "frames.json").write_text(text[: len(text) // 2])
    assert_refused(replay(capsys, "verify", str(run)), "frames.json: corrupted")
    (run / "frames.json").unlink()  # listed in the manifest, but gone
    assert_refused(replay(capsys, "verify", str(run)), "frames.json is missing, though manifest.json lists it")


def test_verify_passes_an_untouched_recording(recording: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = replay(capsys, "verify", str(recording))
    assert code == 0, (out, err)
    assert "identical" in out
    assert "frames" in out


# ------------------------------------------------------------------------------------------------ the Python API


def test_the_python_export_refuses_what_the_command_line_refuses(recording: Path, tmp_path: Path) -> None:
    from sim.replay.page import export
    from sim.replay.store import ReplayError

    precious = tmp_path / "precious.txt"
    precious.write_text("keep me")
    link = tmp_path / "link.html"
    link.symlink_to(precious)
    with pytest.raises(ReplayError, match="symbolic link"):
        export(recording, link, force=True)
    assert link.is_symlink()
    assert precious.read_text() == "keep me"
    with pytest.raises(ReplayError, match="is a folder"):
        export(recording, tmp_path)
    earlier = tmp_path / "replay.html"
    earlier.write_text("an earlier export")
    with pytest.raises(ReplayError, match="add --force"):
        export(recording, earlier)
    assert earlier.read_text() == "an earlier export"
    assert export(recording, earlier, force=True) == earlier
    assert "window.RECORDING" in earlier.read_text()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link.html", "precious.txt", "replay.html"]


def test_the_exported_page_and_the_server_send_null_for_non_finite_numbers() -> None:
    import math

    import numpy as np

    from sim.replay.server import json_bytes
    from sim.replay.viewer_data import to_json

    data = {"x": math.nan, "y": [np.float64("inf"), -math.inf, 1.5], "z": np.float32("nan"), "n": np.int64(3),
            "on": np.bool_(True), "a": np.array([1.0, np.nan])}

    def refuse(name: str) -> Any:
        raise AssertionError(f"bare {name}: a browser's JSON.parse refuses it")

    assert json.loads(to_json(data), parse_constant=refuse) == {
        "x": None, "y": [None, None, 1.5], "z": None, "n": 3, "on": True, "a": [1.0, None]}
    assert to_json(data).encode() == json_bytes(data)


@pytest.mark.parametrize(("content", "expected"), [
    (b"\xff\xfe", "summary.json: not UTF-8 text (bad byte at offset 0)"),
    (b'{"arrests": ', "summary.json: corrupted (Expecting value at line 1 column 13)"),
    (b"[" * 100_000 + b"]" * 100_000, "summary.json: corrupted (nested too deeply)"),
    (b'{"arrests": ' + b"7" * 5000 + b"}", "summary.json: corrupted (Exceeds the limit"),
])
def test_replay_and_collect_read_run_files_alike(recording: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                 content: bytes, expected: str) -> None:
    """One set of bounded readers (`sim.results`) for every face: the same damage, the same words."""
    from sim.experiment.cli import main as experiment

    run = tmp_path / "sweep" / "0"
    shutil.copytree(recording, run)
    (run / "summary.json").write_bytes(content)
    manifest = json.loads((run / "manifest.json").read_text())
    manifest["checksums"].pop("summary.json")  # so that collect reads the file instead of refusing its checksum
    (run / "manifest.json").write_text(json.dumps(manifest))
    assert_refused(replay(capsys, "verify", str(run)), expected)
    assert experiment(["collect", str(tmp_path / "sweep")]) == 2
    assert expected in capsys.readouterr().err


def test_the_bounded_readers_take_a_limit_and_never_block(tmp_path: Path) -> None:
    from sim.results import DamagedFileError, read_json

    fifo = tmp_path / "manifest.json"
    os.mkfifo(fifo)
    with pytest.raises(DamagedFileError, match=r"manifest\.json: not a regular file$"):
        read_json(fifo)  # a pipe is refused before it is opened: reading it would wait for ever
    big = tmp_path / "big.json"
    big.write_text(json.dumps({"a": "x" * 100}))
    with pytest.raises(DamagedFileError, match=r"big\.json: 109 bytes is too large; allowed: at most 64 bytes$"):
        read_json(big, 64)
    link = tmp_path / "link.json"
    link.symlink_to(big)
    with pytest.raises(DamagedFileError, match=r"link\.json: not a regular file$"):
        read_json(link)
    assert read_json(link, follow_symlinks=True) == {"a": "x" * 100}
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 40 + "]" * 40)
    with pytest.raises(DamagedFileError, match="nested deeper than 32 levels"):
        read_json(deep)
    assert read_json(deep, max_nesting=None) == json.loads("[" * 40 + "]" * 40)
