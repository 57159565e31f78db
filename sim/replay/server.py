"""The live viewer's HTTP server: the page, the recording's payload, and a branch endpoint.

Standard library only and bound to 127.0.0.1: a trainer's laptop needs no web stack, and nothing is
exposed beyond the machine. Branches run one at a time, because they write into the run folder.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from sim.config import ConfigError
from sim.replay.branching import branch
from sim.replay.page import VIEWER_DIR, VIEWER_FILES
from sim.replay.store import ReplayError, load_recording
from sim.replay.viewer_data import branch_payload, payload, to_json


def make_server(run_dir: str | Path, port: int = 8765) -> ThreadingHTTPServer:
    """An HTTP server on 127.0.0.1 serving the viewer, `GET /api/recording` and `POST /api/branch`."""
    run_path = Path(run_dir).resolve()
    load_recording(run_path)  # refuse a bad folder before serving anything
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def _send(self, status: int, body: bytes, kind: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", f"{kind}; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(body)

        def _json(self, status: int, data: Any) -> None:
            self._send(status, to_json(data).encode(), "application/json")

        def do_GET(self) -> None:
            route = self.path.split("?", 1)[0]
            if route in VIEWER_FILES:
                name, kind = VIEWER_FILES[route]
                self._send(200, (VIEWER_DIR / name).read_bytes(), kind)
            elif route == "/api/recording":
                try:
                    self._json(200, payload(run_path))
                except ReplayError as exc:
                    self._json(500, {"ok": False, "error": str(exc)})
            else:
                self._json(404, {"ok": False, "error": f"no such page: {route}"})

        def do_POST(self) -> None:
            if self.path != "/api/branch":
                self._json(404, {"ok": False, "error": f"no such endpoint: {self.path}"})
                return
            try:
                length = int(self.headers.get("Content-Length", "0"))
                request = json.loads(self.rfile.read(length) or b"{}")
                day = int(request["day"])
                levers = dict(request.get("levers", {}))
            except (ValueError, KeyError, TypeError, json.JSONDecodeError):
                self._json(400, {"ok": False, "error": "branch: send {\"day\": T, \"levers\": {key: value}}"})
                return
            try:
                with lock:
                    out = branch(run_path, day, levers)
                self._json(200, {"ok": True, "branch": branch_payload(load_recording(out))})
            except (ReplayError, ConfigError) as exc:
                self._json(400, {"ok": False, "error": str(exc)})

    return ThreadingHTTPServer(("127.0.0.1", port), Handler)
