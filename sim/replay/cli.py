"""Replay recorded runs: verify them, view them in a browser, branch them, export them.

    python -m sim.replay verify RUN_DIR           # re-simulate; exit 1 with the first difference
    python -m sim.replay view RUN_DIR [--port N]  # serve the viewer on 127.0.0.1 and print its address
    python -m sim.replay export RUN_DIR --html FILE [--force]  # one self-contained HTML file, no server needed
    python -m sim.replay branch RUN_DIR --day T [--seeds N] policy.oversight=0.8 ...   # a branch over N seeds

Bad input (not a run, a damaged, oversized or incompatible recording, a lever out of range, a bad port or
output path) gets one `error:` line and exit code 2, as for every command of the project; docs/replay.md
describes the files and the viewer, docs/security.md what is checked.
"""

from __future__ import annotations

import argparse
import sys
import threading
import webbrowser
from collections.abc import Callable
from typing import Any, NoReturn

from sim.cli import fail, restore_ctrl_c
from sim.config import ConfigError
from sim.replay.branching import branch_name
from sim.replay.ensemble import DEFAULT_SEEDS, MAX_SEEDS, ensemble_table, run_ensemble
from sim.replay.page import export
from sim.replay.server import make_server
from sim.replay.store import ReplayError
from sim.replay.verification import verify


class _Parser(argparse.ArgumentParser):
    """argparse with the project's one-line refusals: `error: ...` and exit code 2, no usage block."""

    def error(self, message: str) -> NoReturn:
        command = self.prog.removeprefix("python -m sim.replay").strip()
        self.exit(2, f"error: {command + ': ' if command else ''}{message}\n")


def _whole(what: str, low: int, high: int | None, note: str) -> Callable[[str], int]:
    """An argparse type: a whole number in [low, high] (no upper bound if None), else one line naming `what`."""
    allowed = f"in [{low}, {high}]" if high is not None else f">= {low}"

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = low - 1
        if value < low or (high is not None and value > high):
            raise argparse.ArgumentTypeError(f"{text[:40]!r} is not {what}; allowed: a whole number {allowed} "
                                             f"({note})")
        return value

    return parse


_port = _whole("a port", 0, 65535, "0 picks a free one")
_seeds = _whole("a number of seeds", 1, MAX_SEEDS, "1: one branch run, no ensemble")
_jobs = _whole("a number of workers", 1, None, "more than the cores are not used")


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
    p_branch = sub.add_parser("branch", help="run a branch from a day with changed levers, over N seeds")
    p_branch.add_argument("run_dir")
    p_branch.add_argument("--day", type=int, required=True, help="the day the levers change, before the last day")
    p_branch.add_argument("--seeds", type=_seeds, default=DEFAULT_SEEDS, help=(
        f"paired seeds to run the branch and the original on (default {DEFAULT_SEEDS}; the recording's seed is "
        "one); the comparison goes to ensemble.json in the branch's folder. 1: one branch run only"))
    p_branch.add_argument("--jobs", type=_jobs, default=None,
                          help="worker processes for the extra seeds (default: every core; never more)")
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
            out = export(args.run_dir, args.html, force=args.force)
            print(f"wrote {out} ({out.stat().st_size / 1e6:.1f} MB): open it in any browser, no server needed")
            return 0
        if args.command == "branch":
            return _branch(args)
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


def _branch(args: argparse.Namespace) -> int:
    """A branch over `--seeds` seeds: the recording, then the ensemble's table (with a bar on a terminal)."""
    levers = _parse_levers(args.levers)
    bar = None
    if args.seeds > 1 and sys.stderr.isatty():
        from tqdm import tqdm

        bar = tqdm(unit="run", desc="branch ensemble", leave=False)

    def progress(done: int, total: int) -> None:
        if bar is not None:
            bar.total = total
            bar.n = done
            bar.refresh()

    try:
        out, data = run_ensemble(args.run_dir, args.day, levers, args.seeds, n_jobs=args.jobs, progress=progress,
                                 show_progress=None)
    finally:
        if bar is not None:
            bar.close()
    if data is not None:
        print(ensemble_table(branch_name(data["branch_day"], data["levers"]), data))
        print(f"ensemble written to {out / 'ensemble.json'}")
    print(f"branch written to {out}")  # the last word is the folder, for scripts
    return 0
