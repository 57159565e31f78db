"""Replay recorded runs: verify them, view them in a browser, branch them, export them.

    python -m sim.replay verify RUN_DIR           # re-simulate; exit 1 with the first difference
    python -m sim.replay view RUN_DIR [--port N]  # serve the viewer on 127.0.0.1 and print its address
    python -m sim.replay export RUN_DIR --html FILE   # one self-contained HTML file, no server needed
    python -m sim.replay branch RUN_DIR --day T policy.oversight=0.8 ...   # a branch, from the terminal

Bad input (not a run, a damaged or incompatible recording, a lever out of range) gets one `error:` line
and exit code 2, as for every command of the project; docs/replay.md describes the files and the viewer.
"""

from __future__ import annotations

import argparse
import threading
import webbrowser
from typing import Any

from sim.cli import fail
from sim.config import ConfigError
from sim.replay.branching import branch
from sim.replay.page import export
from sim.replay.server import make_server
from sim.replay.store import ReplayError
from sim.replay.verification import verify


def _parse_levers(items: list[str]) -> dict[str, Any]:
    """`key=value` words to levers; values are read as YAML, as Hydra reads overrides."""
    import yaml

    out = {}
    for item in items:
        if "=" not in item:
            raise ReplayError(f"branch: expected key=value, got {item!r}")
        key, value = item.split("=", 1)
        try:
            out[key] = yaml.safe_load(value)
        except yaml.YAMLError:
            raise ReplayError(f"branch: {key}: not a valid value {value!r}") from None
    return out


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m sim.replay", description=(__doc__ or "").split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p_verify = sub.add_parser("verify", help="re-simulate a recording and compare the event log")
    p_verify.add_argument("run_dir")
    p_view = sub.add_parser("view", help="serve the viewer on 127.0.0.1")
    p_view.add_argument("run_dir")
    p_view.add_argument("--port", type=int, default=8765, help="port (0 picks a free one; default 8765)")
    p_view.add_argument("--no-browser", action="store_true", help="do not open a browser window")
    p_export = sub.add_parser("export", help="write one self-contained HTML player")
    p_export.add_argument("run_dir")
    p_export.add_argument("--html", required=True, help="the HTML file to write")
    p_branch = sub.add_parser("branch", help="run a branch from a day with changed levers")
    p_branch.add_argument("run_dir")
    p_branch.add_argument("--day", type=int, required=True)
    p_branch.add_argument("levers", nargs="+", help="policy.KEY=VALUE ...")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run one replay command; the exit code is 0 (done), 1 (verify found a difference) or 2 (bad input)."""
    args = _parser().parse_args(argv)
    try:
        if args.command == "verify":
            difference = verify(args.run_dir)
            if difference is not None:
                print(f"DIFFERENT: {args.run_dir}: {difference}")
                return 1
            print(f"identical: re-simulating {args.run_dir} reproduces its event log exactly")
            return 0
        if args.command == "export":
            out = export(args.run_dir, args.html)
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
