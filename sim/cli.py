"""What the command-line faces share: the outcome table, one-line failures, Ctrl-C, writable folders."""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import tempfile
import threading
from collections.abc import Callable, Mapping, Sequence
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


def _shown(path: Path | str) -> str:
    text = str(path)
    return text if len(text) <= 80 else "..." + text[-77:]


def check_output_folder(folder: Path, key: str, foreign: Callable[[Path], str | None]) -> None:
    """Refuse, before any work, a folder that output cannot go into, leaving nothing behind.

    Allowed: a folder that does not exist yet, an empty one, or one `foreign` finds nothing wrong with (an
    earlier output of the same kind, which is replaced); `foreign(folder)` says what is wrong, in a few words.
    Refused besides: a file, and a place where folders or files cannot be created (read-only, `/proc`, a
    full disk). The probe creates the missing folders and a temporary file, then removes them again.
    """
    if not str(folder).strip():
        raise ConfigError(f"{key}: must not be empty (that would write into the current folder)")
    if folder.exists() or folder.is_symlink():
        if not folder.is_dir():
            raise ConfigError(f"{key}: '{_shown(folder)}' exists and is not a folder")
        try:
            with os.scandir(folder) as entries:
                empty = next(entries, None) is None
            wrong = None if empty else foreign(folder)
        except OSError as exc:
            raise ConfigError(f"{key}: cannot read '{_shown(folder)}' ({exc.strerror or exc})") from None
        if wrong is not None:
            raise ConfigError(f"{key}: '{_shown(folder)}' {wrong}; allowed: a new or empty folder, or the folder "
                              "of an earlier output of the same kind (it is replaced)")
    created: list[Path] = []
    try:
        missing = [p for p in (folder, *folder.parents) if not (p.exists() or p.is_symlink())]
        for path in reversed(missing):
            path.mkdir()
            created.append(path)
        handle, probe = tempfile.mkstemp(prefix=".probe-", dir=folder)
        os.close(handle)
        os.unlink(probe)
    except OSError as exc:
        raise ConfigError(f"{key}: cannot write into '{_shown(folder)}' ({exc.strerror or exc})") from None
    finally:
        for path in reversed(created):
            with contextlib.suppress(OSError):
                path.rmdir()
