"""Shared helpers: running the real command line in a fresh process or in this one, serving a recording, and
checking run folders."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from sim.replay.server import make_server
from sim.results import FRAMES_FILE, OUTPUT_FILES

#: Browser fixtures (chromium, page, serve_viewer) for the viewer tests.
pytest_plugins = ["tests.conftest_browser"]

#: The repository root (the CLI runs from here, as a user would).
REPO = Path(__file__).resolve().parent.parent

#: Short runs keep the suite fast; long enough that every kind of event happens.
SHORT_DAYS = 90


def cli_env() -> dict[str, str]:
    """The environment for a CLI subprocess: ours, without PYTHONPATH (the package is installed)."""
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)
    return env


def cli_command(args: list[str]) -> list[str]:
    return [sys.executable, "-m", "sim.run", *args]


def start_cli(args: list[str]) -> subprocess.Popen[str]:
    """Start `python -m sim.run ARGS` in a fresh process (stdout and stderr captured as text)."""
    return subprocess.Popen(cli_command(args), cwd=REPO, env=cli_env(), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def run_cli(args: list[str], timeout: float = 180) -> subprocess.CompletedProcess[str]:
    """Run `python -m sim.run ARGS` to completion in a fresh process."""
    return subprocess.run(cli_command(args), cwd=REPO, env=cli_env(), capture_output=True, text=True,
                          timeout=timeout, check=False)


def wait_cli(proc: subprocess.Popen[str], timeout: float = 180) -> subprocess.CompletedProcess[str]:
    """Wait for a process from `start_cli` and return it as a CompletedProcess."""
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        raise
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


def in_process(main: Callable[[list[str]], int], argv: list[str] | tuple[str, ...],
               capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """A command's `main(ARGV)` in this process: (exit code, stdout, stderr); a `SystemExit` gives the code
    Python would exit with (None 0, a message 1)."""
    capsys.readouterr()  # only this command's output
    try:
        code = main(list(argv))
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else int(exc.code is not None)
    out, err = capsys.readouterr()
    return code, out, err


def copy_of(recording: Path, tmp_path: Path) -> Path:
    """A private copy of a recording (bookmarks and branches are written into the run folder)."""
    return Path(shutil.copytree(recording, tmp_path / "run"))


@contextlib.contextmanager
def serving(run: Path, **options: Any) -> Iterator[int]:
    """The viewer's server for `run` on a free port of 127.0.0.1, in a thread of this process; yields the port
    and stops and closes the server at the end."""
    server = make_server(run, 0, **options)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


def assert_complete_run(folder: Path) -> dict[str, Any]:
    """The folder holds exactly the five output files and the replay frames, no leftovers; returns the manifest."""
    assert folder.is_dir(), f"{folder} was not created"
    names = sorted(p.name for p in folder.iterdir())
    assert names == sorted([*OUTPUT_FILES, FRAMES_FILE]), f"{folder} holds {names}"
    return json.loads((folder / "manifest.json").read_text())


def leftovers(folder: Path) -> list[Path]:
    """Hidden temporary folders a write may have left behind."""
    return sorted(folder.glob(".incomplete-*")) if folder.exists() else []
