"""The live viewer's HTTP server: the page, the recording's payload, and a branch endpoint.

Standard library only and bound to 127.0.0.1: a trainer's laptop needs no web stack, and nothing is
exposed beyond the machine. But any web page the trainer has open can make the browser send requests to
127.0.0.1, so the server answers only requests that name it (Host `127.0.0.1:PORT` or `localhost:PORT`,
which defeats DNS rebinding), takes a branch only from its own page (Origin, JSON content type), reads at
most MAX_BODY bytes within TIMEOUT seconds, checks every value before it reaches the config, and runs one
branch at a time, because branches write into the run folder. docs/security.md lists what is refused.
"""

from __future__ import annotations

import json
import re
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from sim.config import ConfigError
from sim.replay.branching import branch
from sim.replay.ensemble import check_seeds, run_ensemble
from sim.replay.page import VIEWER_DIR, VIEWER_FILES
from sim.replay.store import ReplayError, load_recording
from sim.replay.training import MAX_BYTES as MAX_TRAINING_BODY
from sim.replay.training import save_training, short_value
from sim.replay.viewer_data import branch_payload, payload
from sim.results import json_text, strict_json

#: Largest request body accepted (a branch request is a few hundred bytes).
MAX_BODY = 64 * 1024
#: Seconds a connection may stay silent (reading the request or taking the answer) before it is closed.
TIMEOUT = 10.0
#: Headers sent with every answer: never cached, never sniffed, never framed by another page, and not
#: readable as a resource by other sites.
SECURITY_HEADERS = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY",
                    "Content-Security-Policy": "frame-ancestors 'none'", "Referrer-Policy": "no-referrer",
                    "Cross-Origin-Resource-Policy": "same-origin"}
_USAGE = 'send {"day": T, "levers": {"policy.KEY": value}, "seeds": N (optional)}'
_DIGITS = re.compile(r"[0-9]{1,12}")


class RequestRefusedError(Exception):
    """A request answered with an HTTP error status and a one-line message."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message.replace("\r", "\\r").replace("\n", "\\n")


class ViewerHTTPServer(ThreadingHTTPServer):
    """One thread per connection (daemon threads: a stuck client never keeps the process alive); an error
    that escapes a handler is one line on stderr, never a traceback."""

    daemon_threads = True
    request_queue_size = 128  # the listen backlog: a burst of connections waits to be accepted, not to retry

    def handle_error(self, request: Any, client_address: Any) -> None:
        exc = sys.exc_info()[1]
        if isinstance(exc, ConnectionError | TimeoutError):
            return  # the browser went away or stayed silent: nothing to report
        print(f"viewer: connection from {client_address[0]} ended by {type(exc).__name__}: {_first_line(exc)}",
              file=sys.stderr, flush=True)


def make_server(run_dir: str | Path, port: int = 8765, *, timeout: float = TIMEOUT,
                max_body: int = MAX_BODY) -> ViewerHTTPServer:
    """An HTTP server on 127.0.0.1 serving the viewer, `GET /api/recording` and `POST /api/branch`.

    Raises ReplayError for a folder that cannot be replayed or a port outside [0, 65535], OSError when the
    port cannot be bound.
    """
    if isinstance(port, bool) or not isinstance(port, int) or not 0 <= port <= 65535:
        raise ReplayError(f"--port: {port!r} is not a port; allowed: a whole number in [0, 65535] (0 picks a free one)")
    run_path = Path(run_dir).resolve()
    load_recording(run_path)  # refuse a bad folder before serving anything
    branch_running = threading.Lock()
    training_saving = threading.Lock()  # one writer of training.json at a time
    progress = Progress()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def setup(self) -> None:
            self.timeout = timeout  # read by StreamRequestHandler.setup: idle or slow connections are closed
            super().setup()

        # ---------------------------------------------------------------------------------- answering
        def _send(self, status: int, body: bytes, kind: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", f"{kind}; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            for name, value in SECURITY_HEADERS.items():
                self.send_header(name, value)
            if self.close_connection:
                self.send_header("Connection", "close")
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        def _json(self, status: int, data: Any) -> None:
            self._send(status, json_bytes(data), "application/json")

        def _refuse(self, status: int, message: str) -> None:
            self.close_connection = True  # an unread body must not be taken for the next request
            self._json(status, {"ok": False, "error": message})

        def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
            """The standard library's own refusals (a malformed request line, an unknown method) as JSON."""
            self._refuse(code, message or self.responses.get(code, ("error",))[0])

        def _answer(self, work: Any) -> None:
            """Run one request: a refusal is its status and one line; anything else a 500 and one log line."""
            try:
                self._check_host()
                work()
            except RequestRefusedError as exc:
                self._drain()
                self._refuse(exc.status, exc.message)
            except (ConnectionError, TimeoutError):
                self.close_connection = True
            except Exception as exc:
                print(f"viewer: internal error on {self.command} {self.path[:100]}: {type(exc).__name__}: "
                      f"{_first_line(exc)}", file=sys.stderr, flush=True)
                self._refuse(500, f"internal error in the viewer ({type(exc).__name__}); see its terminal")

        def _drain(self) -> None:
            """Read a small body that a refusal leaves unread: closing a socket with unread data resets the
            connection, and the browser would see a network error instead of the one-line answer."""
            if self.command != "POST" or getattr(self, "_body_read", False):
                return
            lengths = self.headers.get_all("Content-Length") or []
            if len(lengths) == 1 and _DIGITS.fullmatch(lengths[0].strip()) and int(lengths[0]) <= max_body:
                self._body_read = True
                self.rfile.read(int(lengths[0]))

        # ---------------------------------------------------------------------------------- checks
        def _own_origins(self) -> set[str]:
            port_here = self.server.server_address[1]
            return {f"http://127.0.0.1:{port_here}", f"http://localhost:{port_here}"}

        def _check_host(self) -> None:
            """Only requests addressed to this server by its own name: a page whose domain was re-pointed at
            127.0.0.1 (DNS rebinding) sends its own name as Host and is refused."""
            hosts = self.headers.get_all("Host") or []
            port_here = self.server.server_address[1]
            allowed = {f"127.0.0.1:{port_here}", f"localhost:{port_here}"}
            if port_here == 80:
                allowed |= {"127.0.0.1", "localhost"}
            if len(hosts) != 1 or hosts[0].strip().lower() not in allowed:
                shown = hosts[0][:60] if hosts else "none"
                raise RequestRefusedError(403, f"refused: Host {shown!r} is not this viewer; open "
                                          f"http://127.0.0.1:{port_here}/")

        def _check_origin(self, what: str = "a branch") -> None:
            """A change (a branch, saved bookmarks) only from the viewer's own page: no Origin (a command-line
            client) or the same one."""
            origins = self.headers.get_all("Origin") or []
            if len(origins) > 1 or (origins and origins[0].strip().lower() not in self._own_origins()):
                raise RequestRefusedError(403, f"refused: {what} may be asked only by the viewer's own page, not by "
                                          f"{origins[0][:60]!r}")
            site = self.headers.get("Sec-Fetch-Site")
            if site is not None and site.strip().lower() not in ("same-origin", "none"):
                raise RequestRefusedError(403, f"refused: {what} may be asked only by the viewer's own page "
                                          f"(Sec-Fetch-Site {site[:30]!r})")

        def _read_body(self, what: str = "branch", limit: int | None = None) -> bytes:
            """The request body: JSON only, its length declared, at most `limit` (default `max_body`) bytes."""
            limit = max_body if limit is None else limit
            kind = (self.headers.get("Content-Type") or "").split(";", 1)[0].strip().lower()
            if kind != "application/json":
                raise RequestRefusedError(415, f"{what}: Content-Type must be application/json, not {kind[:60]!r}")
            if self.headers.get("Transfer-Encoding") is not None:
                raise RequestRefusedError(411, f"{what}: send the body with a Content-Length, not a Transfer-Encoding")
            lengths = self.headers.get_all("Content-Length") or []
            if not lengths:
                raise RequestRefusedError(411, f"{what}: a Content-Length header is required")
            if len(lengths) > 1 or not _DIGITS.fullmatch(lengths[0].strip()):
                raise RequestRefusedError(400, f"{what}: Content-Length must be one whole number of bytes, not "
                                          f"{', '.join(lengths)[:40]!r}")
            length = int(lengths[0])
            if length > limit:
                raise RequestRefusedError(413, f"{what}: the body is {length} bytes; allowed: at most {limit}")
            self._body_read = True
            body = self.rfile.read(length)
            if len(body) != length:
                raise RequestRefusedError(400, f"{what}: the body ended after {len(body)} of {length} bytes")
            return body

        # ---------------------------------------------------------------------------------- routes
        def do_GET(self) -> None:
            self._answer(self._get)

        def do_HEAD(self) -> None:
            self._answer(self._get)

        def do_POST(self) -> None:
            self._answer(self._post)

        def _get(self) -> None:
            if self.headers.get("Origin") is not None:
                origin = self.headers["Origin"].strip().lower()
                if origin not in self._own_origins():
                    raise RequestRefusedError(403, "refused: another site's page may not read this viewer")
            route = self.path.split("?", 1)[0]
            if route in VIEWER_FILES:
                name, kind = VIEWER_FILES[route]
                self._send(200, (VIEWER_DIR / name).read_bytes(), kind)
            elif route == "/api/branch/progress":
                self._json(200, {"ok": True, **progress.read()})
            elif route == "/api/recording":
                try:
                    data = payload(run_path)
                except ReplayError as exc:
                    raise RequestRefusedError(500, str(exc)) from None
                self._json(200, data)
            else:
                raise RequestRefusedError(404, f"no such page: {route[:100]}")

        def _post(self) -> None:
            if self.path == "/api/training":
                self._save_training()
                return
            if self.path != "/api/branch":
                raise RequestRefusedError(404, f"no such endpoint: {self.path[:100]}")
            self._check_origin()
            day, levers, seeds = branch_request(self._read_body())
            if not branch_running.acquire(blocking=False):
                raise RequestRefusedError(409, "branch: another branch is running; wait until it is ready")
            try:
                if seeds == 1:  # one run: a plain branch
                    progress.update(0, 1)
                    out = branch(run_path, day, levers)
                else:
                    out, _ = run_ensemble(run_path, day, levers, seeds, progress=progress.update)
                data = branch_payload(load_recording(out))
            except (ReplayError, ConfigError) as exc:
                raise RequestRefusedError(400, str(exc)) from None
            finally:
                progress.finish()
                branch_running.release()
            self._json(200, {"ok": True, "branch": data})

        def _save_training(self) -> None:
            """Replace the recording's bookmarks and injects (`training.json`) with the body's, checked."""
            self._check_origin("saving bookmarks")
            body = self._read_body("training", min(max_body, MAX_TRAINING_BODY))
            if not training_saving.acquire(timeout=timeout):
                raise RequestRefusedError(409, "training: another save is in progress; try again")
            try:
                rec = load_recording(run_path)
                items = save_training(run_path, body, int(rec.config.days), [str(n["id"]) for n in rec.frames["nodes"]])
            except ReplayError as exc:
                raise RequestRefusedError(400, str(exc)) from None
            finally:
                training_saving.release()
            self._json(200, {"ok": True, "items": items})

    return ViewerHTTPServer(("127.0.0.1", port), Handler)


class Progress:
    """How far the running branch is, for `GET /api/branch/progress` (the page polls it while it waits)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._state = {"running": False, "done": 0, "total": 0}

    def update(self, done: int, total: int) -> None:
        with self._lock:
            self._state = {"running": True, "done": done, "total": total}

    def finish(self) -> None:
        with self._lock:
            self._state = {**self._state, "running": False}

    def read(self) -> dict[str, Any]:
        with self._lock:
            return dict(self._state)


def branch_request(body: bytes) -> tuple[int, dict[str, Any], int]:
    """The day, levers and seeds of a branch request, strictly: a JSON object with a whole-number `day`, a
    `levers` object and, optionally, a whole-number `seeds` (1, one branch run, when absent), nothing else;
    no NaN or Infinity, no number too large for a float. The levers are checked against the schema by
    `plan_branch` (`check_levers`, `check_day`)."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise RequestRefusedError(400, f"branch: the body is not UTF-8 text; {_USAGE}") from None
    try:
        request = strict_json(text)
    except RecursionError:
        raise RequestRefusedError(400, "branch: the JSON is nested too deeply") from None
    except json.JSONDecodeError as exc:
        raise RequestRefusedError(400, f"branch: not valid JSON ({exc.msg} at character {exc.pos}); {_USAGE}") from None
    except ValueError as exc:
        raise RequestRefusedError(400, f"branch: {_first_line(exc)}") from None
    if not isinstance(request, dict):
        raise RequestRefusedError(400, f"branch: expected a JSON object; {_USAGE}")
    unknown = [k for k in request if k not in ("day", "levers", "seeds")]
    if unknown:
        raise RequestRefusedError(400, f"branch: unknown field {unknown[0][:40]!r}; {_USAGE}")
    if "day" not in request or "levers" not in request:
        raise RequestRefusedError(400, f"branch: {'day' if 'day' not in request else 'levers'} is missing; {_USAGE}")
    day = request["day"]
    if type(day) is not int:
        raise RequestRefusedError(400, f"branch.day: expected a whole number (a JSON integer), got {short_value(day)}")
    if not isinstance(request["levers"], dict):
        raise RequestRefusedError(400, f"branch.levers: expected a JSON object of lever -> value; {_USAGE}")
    try:
        seeds = check_seeds(request.get("seeds", 1))
    except ReplayError as exc:
        raise RequestRefusedError(400, str(exc)) from None
    return day, request["levers"], seeds


def json_bytes(data: Any) -> bytes:
    """UTF-8 JSON that a browser's JSON.parse accepts (`sim.results.json_text`: NaN and infinities null)."""
    return json_text(data).encode("utf-8")


def _first_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0][:200] if lines else type(exc).__name__
