"""Helpers for browser tests: finding Chromium, starting the replay viewer's server (as a process, or in a
thread of the test process), private copies of a recording, and collecting a page's errors.

The pytest fixtures built on these (`chromium`, `page`, `serve_viewer`) live in `tests/conftest_browser.py`.
Browser tests drive Debian's Chromium (`apt-get install chromium`) through Playwright's Python API; they never
use a browser that Playwright downloads itself.
"""

from __future__ import annotations

import contextlib
import os
import queue
import re
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO, TYPE_CHECKING

from tests.conftest import serving

if TYPE_CHECKING:
    from playwright.sync_api import Page

#: The repository root (the viewer runs from here, as a user would start it).
REPO = Path(__file__).resolve().parent.parent

#: The one-line reason given when the browser tests cannot run.
HINT = ("browser tests need Chromium: apt-get install chromium (and pip install playwright); "
        "CI sets SIM_REQUIRE_BROWSER=1")

#: Flags for a headless Chromium on a machine with no network but loopback (and, in CI, running as root).
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
]

#: How long the viewer's server may take to print its address.
VIEWER_START_TIMEOUT = 60.0

_URL = re.compile(r"http://127\.0\.0\.1:(\d+)\S*")


def chromium_path() -> str | None:
    """The Chromium executable to use, or None if there is none.

    SIM_CHROMIUM, when set, is the only candidate (so SIM_CHROMIUM=/nonexistent hides the browser);
    otherwise /usr/bin/chromium, then `chromium` on PATH.
    """
    override = os.environ.get("SIM_CHROMIUM")
    if override is not None:
        return override if _is_executable(override) else None
    if _is_executable("/usr/bin/chromium"):
        return "/usr/bin/chromium"
    return shutil.which("chromium")


def browser_required() -> bool:
    """True when a missing browser must fail the tests instead of skipping them (SIM_REQUIRE_BROWSER=1)."""
    return os.environ.get("SIM_REQUIRE_BROWSER", "").strip().lower() in {"1", "true", "yes"}


def _is_executable(path: str) -> bool:
    return os.path.isfile(path) and os.access(path, os.X_OK)


def viewer_command(run_dir: Path | str) -> list[str]:
    """`python -m sim.replay view RUN_DIR --port 0 --no-browser`, with this interpreter."""
    return [sys.executable, "-m", "sim.replay", "view", str(run_dir), "--port", "0", "--no-browser"]


class ViewerServer:
    """A running `sim.replay view` process, started by `start`, stopped by `stop`.

    Its stderr goes to `stderr_path`; its stdout is read by a thread (so the pipe never fills up) and kept
    in `stdout_lines`.
    """

    def __init__(self, run_dir: Path | str, stderr_path: Path) -> None:
        self.run_dir = Path(run_dir)
        self.stderr_path = stderr_path
        self.stdout_lines: list[str] = []
        self.url: str | None = None
        self.proc: subprocess.Popen[str] | None = None
        self._lines: queue.Queue[str | None] = queue.Queue()
        self._stderr_file: IO[str] | None = None
        self._reader: threading.Thread | None = None

    def start(self, timeout: float = VIEWER_START_TIMEOUT) -> str:
        """Start the server and return the URL it prints; raise RuntimeError if it exits or stays silent."""
        env = dict(os.environ)
        env.pop("PYTHONPATH", None)  # the package is installed, as for the CLI tests
        env["PYTHONUNBUFFERED"] = "1"  # its address must reach us even if it prints without flush=True
        self._stderr_file = open(self.stderr_path, "w", encoding="utf-8")  # noqa: SIM115 (closed in stop)
        self.proc = subprocess.Popen(viewer_command(self.run_dir), cwd=REPO, env=env, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.PIPE, stderr=self._stderr_file, text=True)
        self._reader = threading.Thread(target=self._read_stdout, args=(self.proc.stdout,), name="viewer-stdout",
                                        daemon=True)
        self._reader.start()
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                self.stop()
                raise RuntimeError(f"the viewer printed no http://127.0.0.1: address within {timeout:.0f} s"
                                   f"{self._output()}")
            try:
                line = self._lines.get(timeout=min(remaining, 0.5))
            except queue.Empty:
                continue
            if line is None:  # stdout closed: the process has ended (or is ending)
                with contextlib.suppress(subprocess.TimeoutExpired):
                    self.proc.wait(timeout=5)
                self.stop()
                raise RuntimeError(f"the viewer exited (code {self.proc.returncode}) before printing its address"
                                   f"{self._output()}")
            match = _URL.search(line)
            if match is None:
                continue
            if int(match.group(1)) == 0:
                self.stop()
                raise RuntimeError("the viewer printed port 0: it must print the port it was given by the OS "
                                   f"(server.server_address[1]){self._output()}")
            self.url = match.group(0).rstrip(".,;:)]}'\"")
            return self.url

    def stop(self) -> None:
        """Terminate the server (kill it if it does not stop within 10 s); safe to call more than once."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        if self._stderr_file is not None:
            self._stderr_file.close()
            self._stderr_file = None

    def _read_stdout(self, stdout: IO[str]) -> None:
        for line in stdout:
            self.stdout_lines.append(line)
            self._lines.put(line)
        self._lines.put(None)

    def _output(self) -> str:
        """What the (stopped) process printed, for an error message."""
        if self._reader is not None:
            self._reader.join(timeout=5)
        stderr = self.stderr_path.read_text(encoding="utf-8", errors="replace") if self.stderr_path.exists() else ""
        cmd = " ".join(viewer_command(self.run_dir))
        return (f"\ncommand: {cmd}\n--- stdout ---\n{''.join(self.stdout_lines)}"
                f"--- stderr ({self.stderr_path}) ---\n{stderr}")


@contextlib.contextmanager
def serve(run: Path) -> Iterator[str]:
    """The viewer's server for `run` on a free port of 127.0.0.1, in a thread of this process: its address."""
    with serving(run) as port:
        yield f"http://127.0.0.1:{port}/"


def watch(page: Page) -> list[str]:
    """Collect the page's uncaught errors and console errors (a test ends by asserting there were none)."""
    problems: list[str] = []
    page.on("pageerror", lambda err: problems.append(f"page error: {err}"))
    page.on("console", lambda msg: problems.append(f"console: {msg.text}") if msg.type == "error" else None)
    return problems
