"""What the command-line faces share: the outcome table, one-line failures, Ctrl-C, writable folders."""

from __future__ import annotations

import os
import signal
import sys
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from sim import outcomes
from sim.errors import ConfigError


def outcome_table(summary: Mapping[str, Any], title: str = "", keys: Sequence[str] = outcomes.DEFAULT_OUTCOMES) -> str:
    """The outcomes of one run as aligned lines of label (unit) and value, labels from the registry."""
    rows = [(outcomes.label(k, with_unit=True), outcomes.get(k).format(summary.get(k))) for k in keys]
    width = max(len(label) for label, _ in rows)
    lines = [title] if title else []
    lines += [f"  {label:<{width}}  {shown:>10}" for label, shown in rows]
    return "\n".join(lines)


def fail(message: str, code: int = 2) -> int:
    """Print one `error:` line and return the exit code (2: bad input)."""
    print(f"error: {message}", file=sys.stderr)
    return code


def restore_ctrl_c() -> None:
    """Make Ctrl-C interrupt even when started with SIGINT ignored (as background jobs of a shell are),
    so that an interrupted command always ends cleanly with its message instead of running on."""
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, signal.default_int_handler)


def check_writable(folder: Path, key: str) -> None:
    """Refuse, before any work, a folder that cannot be created or written."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(f"{key}: cannot create '{folder}' ({exc.strerror or exc})") from None
    if not os.access(folder, os.W_OK):
        raise ConfigError(f"{key}: cannot write into '{folder}'")
