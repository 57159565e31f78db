"""What both benchmarks print about the machine and the code they measured, and their table layout."""

from __future__ import annotations

import datetime as dt
import os
import platform
import shlex
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def print_header(title: str) -> None:
    """Title, command, interpreter, machine, date, commit and load: what a reader needs to trust the figures."""
    print(title)
    print(f"command : {shlex.join([Path(sys.executable).name, *sys.argv])}  (cwd {Path.cwd()})")
    print(f"python  : {sys.executable}")
    print(f"machine : {machine()}")
    print(f"date    : {dt.datetime.now().astimezone().isoformat(timespec='seconds')}")
    print(f"commit  : {git_commit()}")
    print(f"load    : {load()} (1, 5, 15 min load average at start)")


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def table(headers: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]
    line = "  ".join(h.rjust(w) for h, w in zip(headers, widths, strict=True))
    body = ["  ".join(c.rjust(w) for c, w in zip(r, widths, strict=True)) for r in rows]
    return "\n".join([line, "  ".join("-" * w for w in widths), *body])


def usable_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def machine() -> str:
    return (f"{platform.node()} | {platform.system()} {platform.release()} {platform.machine()} | "
            f"{os.cpu_count()} cores ({usable_cores()} usable) | {platform.processor() or 'cpu ?'} | "
            f"Python {platform.python_version()} ({platform.python_implementation()})")


def load() -> str:
    try:
        return ", ".join(f"{x:.2f}" for x in os.getloadavg())
    except (AttributeError, OSError):
        return "unknown"


def git_commit() -> str:
    """HEAD, flagged when the measured code (sim/, configs/, experiments/) has uncommitted changes."""
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                              check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "sim", "configs", "experiments"], cwd=ROOT,
                               capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return head + (" (sim/, configs/ or experiments/ modified)" if dirty else "")
