"""Replay recorded runs: verify them, view them in a browser, branch them, export them.

    python -m sim.replay verify RUN_DIR           # re-simulate; exit 1 with the first difference
    python -m sim.replay view RUN_DIR [--port N]  # serve the viewer on 127.0.0.1 and print its address
    python -m sim.replay export RUN_DIR --html FILE [--force]  # one self-contained HTML file, no server needed
    python -m sim.replay branch RUN_DIR --day T policy.oversight=0.8 ...   # a branch, from the terminal

Bad input (not a run, a damaged, oversized or incompatible recording, a lever out of range, a bad port or
output path) gets one `error:` line and exit code 2, as for every command of the project; docs/replay.md
describes the files and the viewer, docs/security.md what is checked.
"""

from __future__ import annotations

import argparse
import os
import stat
import sys
import tempfile
import threading
import webbrowser
from pathlib import Path
from typing import Any, NoReturn

from sim.cli import fail, restore_ctrl_c
from sim.config import ConfigError
from sim.replay.branching import branch
from sim.replay.page import viewer_html
from sim.replay.server import make_server
from sim.replay.store import ReplayError
from sim.replay.verification import verify
from sim.replay.viewer_data import payload
from sim.results import FRAMES_FILE, OUTPUT_FILES


class _Parser(argparse.ArgumentParser):
    """argparse with the project's one-line refusals: `error: ...` and exit code 2, no usage block."""

    def error(self, message: str) -> NoReturn:
        command = self.prog.removeprefix("python -m sim.replay").strip()
        self.exit(2, f"error: {command + ': ' if command else ''}{message}\n")


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = -1
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port; allowed: a whole number in [0, 65535] "
                                         "(0 picks a free one)")
    return value


def _parse_levers(items: list[str]) -> dict[str, Any]:
    """`key=value` words to levers; values are read as YAML, as Hydra reads overrides (checked by `branch`)."""
    import yaml

    out = {}
    for item in items:
        if "=" not in item:
            raise ReplayError(f"branch: expected key=value, got {item[:60]!r}")
        key, value = item.split("=", 1)
        try:
            out[key] = yaml.safe_load(value)
        except (yaml.YAMLError, RecursionError):
            raise ReplayError(f"branch: {key[:60]}: not a valid value {value[:60]!r}") from None
    return out


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m sim.replay", description=(__doc__ or "").split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p_verify = sub.add_parser("verify", help="re-simulate a recording and compare everything it holds")
    p_verify.add_argument("run_dir")
    p_view = sub.add_parser("view", help="serve the viewer on 127.0.0.1")
    p_view.add_argument("run_dir")
    p_view.add_argument("--port", type=_port, default=8765,
                        help="port in [0, 65535] (0 picks a free one; default 8765)")
    p_view.add_argument("--no-browser", action="store_true", help="do not open a browser window")
    p_export = sub.add_parser("export", help="write one self-contained HTML player")
    p_export.add_argument("run_dir")
    p_export.add_argument("--html", required=True, help=(
        "the HTML file to write, in an existing folder; written through a temporary file and renamed into place. "
        "A symbolic link, folder, device or other non-regular file there is never replaced"))
    p_export.add_argument("--force", action="store_true", help="replace an existing regular file at --html "
                                                               "(without it, an existing file is refused)")
    p_branch = sub.add_parser("branch", help="run a branch from a day with changed levers")
    p_branch.add_argument("run_dir")
    p_branch.add_argument("--day", type=int, required=True)
    p_branch.add_argument("levers", nargs="+", help="policy.KEY=VALUE ...")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run one replay command; the exit code is 0 (done), 1 (verify found a difference), 2 (bad input) or
    130 (interrupted: an export or branch in progress leaves nothing that looks complete)."""
    restore_ctrl_c()
    args = _parser().parse_args(argv)
    try:
        return _run(args)
    except KeyboardInterrupt:
        print("interrupted: nothing complete was written", file=sys.stderr)
        return 130


def _run(args: argparse.Namespace) -> int:
    try:
        if args.command == "verify":
            difference = verify(args.run_dir)
            if difference is not None:
                print(f"DIFFERENT: {args.run_dir}: {difference}")
                return 1
            print(f"identical: re-simulating {args.run_dir} reproduces its event log, frames, daily series "
                  "and summary exactly")
            return 0
        if args.command == "export":
            out = export_html(args.run_dir, args.html, force=args.force)
            print(f"wrote {out} ({out.stat().st_size / 1e6:.1f} MB): open it in any browser, no server needed")
            return 0
        if args.command == "branch":
            out = branch(args.run_dir, args.day, _parse_levers(args.levers), progress=None)
            print(f"branch written to {out}")
            return 0
        server = make_server(args.run_dir, args.port)
    except (ReplayError, ConfigError) as exc:
        return fail(str(exc))
    except OSError as exc:
        if args.command == "view":
            return fail(f"cannot serve on 127.0.0.1:{args.port} ({exc.strerror or exc})")
        return fail(f"{exc.filename or args.run_dir}: {exc.strerror or exc}")
    url = f"http://127.0.0.1:{server.server_address[1]}/"
    print(f"viewer for {args.run_dir} at {url}  (Ctrl-C to stop)", flush=True)
    if not args.no_browser:
        threading.Thread(target=webbrowser.open, args=(url,), daemon=True).start()
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


# ------------------------------------------------------------------------------------------------ export


def export_html(run_dir: str | Path, html_file: str, force: bool = False) -> Path:
    """Write the player with a recording inlined to `html_file`, safely.

    The target is checked before any work and again at the rename: it must be in an existing folder and be
    either absent or, with `force`, a regular file (a symbolic link, folder, device, pipe or socket is never
    replaced, and nothing is written through a link). The page goes to a fresh temporary file in the same
    folder and is renamed into place, so no half-written file ever carries the target's name.
    """
    target = _check_target(html_file, force, run_dir)
    text = viewer_html(payload(run_dir))
    folder = target.parent
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o666 & ~_umask())
        if force:
            _check_target(html_file, force, run_dir)  # unchanged since the first look
            os.replace(tmp, target)
        else:
            _link_new(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    return target


def _link_new(tmp: Path, target: Path) -> None:
    """Give `tmp` the name `target` only if nothing has that name yet (atomic where hard links work)."""
    try:
        os.link(tmp, target)
    except FileExistsError:
        raise ReplayError(f"export --html: '{target}' appeared while exporting; refusing to replace it") from None
    except OSError:  # a file system without hard links: check, then rename
        if os.path.lexists(target):
            raise ReplayError(f"export --html: '{target}' appeared while exporting; refusing to replace it") from None
        os.replace(tmp, target)


def _check_target(html_file: str, force: bool, run_dir: str | Path) -> Path:
    if not html_file.strip():
        raise ReplayError("export --html: empty path; give the HTML file to write, e.g. --html corridor.html")
    target = Path(html_file)
    try:
        info = os.lstat(target)
    except FileNotFoundError:
        info = None
    except OSError as exc:
        raise ReplayError(f"export --html: cannot use '{target}' ({exc.strerror or exc})") from None
    if info is not None:
        if stat.S_ISLNK(info.st_mode):
            raise ReplayError(f"export --html: '{target}' is a symbolic link; refusing to write through or "
                              "replace it (give the file's own path)")
        if stat.S_ISDIR(info.st_mode):
            raise ReplayError(f"export --html: '{target}' is a folder; give a file name inside it")
        if not stat.S_ISREG(info.st_mode):
            raise ReplayError(f"export --html: '{target}' is not a regular file (a device, pipe or socket); "
                              "refusing to replace it")
        if not force:
            raise ReplayError(f"export --html: '{target}' already exists; add --force to replace it")
    folder = target.parent
    if not folder.is_dir():
        raise ReplayError(f"export --html: no such folder '{folder}'")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise ReplayError(f"export --html: cannot write into '{folder}'")
    run = Path(run_dir).resolve()
    if folder.resolve() == run and target.name in (*OUTPUT_FILES, FRAMES_FILE):
        raise ReplayError(f"export --html: '{target}' is one of the recording's own files; choose another name")
    return target


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask
