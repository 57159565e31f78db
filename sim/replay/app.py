"""Replay recorded runs: verify them, view them in a browser, branch them, export them.

    python -m sim.replay verify RUN_DIR           # re-simulate; exit 1 with the first difference
    python -m sim.replay view RUN_DIR [--port N]  # serve the viewer on 127.0.0.1 and print its address
    python -m sim.replay export RUN_DIR --html FILE   # one self-contained HTML file, no server needed
    python -m sim.replay branch RUN_DIR --day T policy.oversight=0.8 ...   # a branch, from the terminal

A recording is a run folder (`sim.run` writes one): config.yaml, events.parquet, timeseries.parquet,
summary.json, manifest.json (format `sim-run/1`) and frames.json (format `sim-frames/1`); docs/replay.md
describes them. The viewer is a static page (sim/viewer/) fed one JSON payload; the server adds a branch
endpoint, and export inlines the payload, so the same player serves the room and the classroom.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import threading
import webbrowser
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from omegaconf import DictConfig, OmegaConf

from sim.config import ConfigError, finalize, schema
from sim.replay.recording import FRAMES_FORMAT
from sim.results import FRAMES_FILE, OUTPUT_FILES, RUN_FORMAT, RunResult, write_atomic

PAYLOAD_FORMAT = "sim-replay/1"
VIEWER_DIR = Path(__file__).parent / "viewer"
VIEWER_FILES = {"/": ("index.html", "text/html"), "/index.html": ("index.html", "text/html"),
                "/app.js": ("app.js", "text/javascript"), "/style.css": ("style.css", "text/css")}
#: Series the viewer charts (from timeseries.parquet), and the outcomes it compares at the end of a branch.
CHART_SERIES = ("shipments_attempted", "shipments_seized", "shipments_delivered", "arrests", "convictions",
                "bribes_paid", "tips_received", "victims_trafficked", "victims_identified", "victims_protected",
                "assets_frozen", "corrupt_officer_share", "community_trust", "network_members", "criminal_cash",
                "in_transit", "legit_trade_delay_hours")
BRANCH_OUTCOMES = ("shipments_seized", "interdiction_rate", "arrests", "convictions", "corrupt_officer_share",
                   "victims_trafficked", "victims_protected", "assets_frozen", "legit_trade_delay_hours",
                   "criminal_revenue", "policy_cost")


class ReplayError(ValueError):
    """A folder that cannot be replayed: the message says what is wrong, in one line."""


@dataclass
class Recording:
    path: Path
    config: DictConfig
    manifest: dict[str, Any]
    summary: dict[str, Any]
    events: pd.DataFrame
    timeseries: pd.DataFrame
    frames: dict[str, Any]


# ------------------------------------------------------------------------------------------------ loading


def load_recording(run_dir: str | Path, frames: bool = True) -> Recording:
    """Read and check a run folder; ReplayError names what is missing, corrupted or incompatible.

    `frames=False` reads a run made with record=false (enough to verify it, not to view it).
    """
    path = Path(run_dir)
    if not path.is_dir():
        raise ReplayError(f"{path}: no such folder")
    missing = [name for name in OUTPUT_FILES if not (path / name).is_file()]
    if missing:
        raise ReplayError(f"{path}: not a complete run folder (missing {', '.join(missing)}); "
                          "make one with: python -m sim.run output_dir=PATH")
    try:
        manifest = json.loads((path / "manifest.json").read_text())
    except json.JSONDecodeError as exc:
        raise ReplayError(f"{path / 'manifest.json'}: corrupted ({exc.msg})") from None
    if manifest.get("format") != RUN_FORMAT:
        raise ReplayError(f"{path}: recorded in format {manifest.get('format')!r}, this version reads {RUN_FORMAT!r}; "
                          f"replay it with the version that wrote it (sim {manifest.get('versions', {}).get('sim')})")
    frame_data = _read_frames(path) if frames else {}
    try:
        config = finalize(OmegaConf.merge(schema(), OmegaConf.load(path / "config.yaml")))
        events = pd.read_parquet(path / "events.parquet")
        timeseries = pd.read_parquet(path / "timeseries.parquet")
        summary = json.loads((path / "summary.json").read_text())
    except ConfigError as exc:
        raise ReplayError(f"{path / 'config.yaml'}: {exc}") from None
    except Exception as exc:  # parquet and JSON readers raise many kinds
        raise ReplayError(f"{path}: corrupted run files ({type(exc).__name__}: {str(exc).splitlines()[0]})") from None
    return Recording(path, config, manifest, summary, events, timeseries, frame_data)


def _read_frames(path: Path) -> dict[str, Any]:
    if not (path / FRAMES_FILE).is_file():
        raise ReplayError(f"{path}: no {FRAMES_FILE} (the run was made with record=false); "
                          "re-run it with record=true to replay it")
    try:
        frames = json.loads((path / FRAMES_FILE).read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ReplayError(f"{path / FRAMES_FILE}: corrupted ({exc})") from None
    if not isinstance(frames, dict) or frames.get("format") != FRAMES_FORMAT:
        got = frames.get("format") if isinstance(frames, dict) else type(frames).__name__
        raise ReplayError(f"{path / FRAMES_FILE}: format {got!r}, this version reads {FRAMES_FORMAT!r}")
    _check_frames(path, frames)
    return frames


def _check_frames(path: Path, frames: dict[str, Any]) -> None:
    days = frames.get("days")
    series = frames.get("frames")
    if not isinstance(days, int) or not isinstance(series, dict):
        raise ReplayError(f"{path / FRAMES_FILE}: corrupted (no days or frames)")
    widths = {"edge_flow": len(frames.get("edges", [])), "seizures": len(frames.get("nodes", [])),
              "org_members": len(frames.get("orgs", []))}
    for name, width in widths.items():
        rows = series.get(name)
        if not isinstance(rows, list) or len(rows) != days or any(len(r) != width for r in rows):
            raise ReplayError(f"{path / FRAMES_FILE}: corrupted ({name} is not {days} days x {width})")


# ------------------------------------------------------------------------------------------------ verify


def first_difference(recorded: pd.DataFrame, replayed: pd.DataFrame) -> str | None:
    """The first row where two event logs differ, described for a person; None if identical."""
    n = min(len(recorded), len(replayed))
    for col in recorded.columns:
        if col not in replayed.columns:
            return f"column {col!r} is missing from the re-simulation"
    a = recorded.iloc[:n].reset_index(drop=True)
    b = replayed[recorded.columns].iloc[:n].reset_index(drop=True)
    differs = ~((a == b) | (a.isna() & b.isna())).all(axis=1)
    if differs.any():
        i = int(np.argmax(differs.to_numpy()))
        return (f"event {i} differs:\n  recorded:   {a.iloc[i].to_dict()}\n  re-simulated: {b.iloc[i].to_dict()}")
    if len(recorded) != len(replayed):
        return f"the recording has {len(recorded)} events, the re-simulation {len(replayed)} (first {n} agree)"
    return None


def verify(run_dir: str | Path) -> str | None:
    """Re-simulate a recording from its config and seed; the first difference, or None when identical."""
    from sim.api import simulate

    rec = load_recording(run_dir, frames=False)
    result = simulate(rec.config, progress=False)
    return first_difference(rec.events, result.events)


# ------------------------------------------------------------------------------------------------ branch


def branch_overrides(levers: dict[str, Any]) -> dict[str, Any]:
    """Normalise branch levers to policy keys without the `policy.` prefix."""
    out = {}
    for key, value in levers.items():
        name = key.removeprefix("policy.")
        out[name] = value
    return out


def branch(run_dir: str | Path, day: int, levers: dict[str, Any], progress: bool = False) -> Path:
    """Run a branch of a recording: identical up to `day`, then the changed levers; saved as its own run.

    The branch folder is `<run_dir>/branches/day<day>-<hash of the levers>`; its config records the
    parent and the branch day, so it can itself be replayed, verified and branched.
    """
    from sim.api import simulate

    rec = load_recording(run_dir)
    if rec.config.branch.day is not None:
        raise ReplayError(f"{rec.path}: already a branch (of {rec.config.branch.parent}); branch the parent instead")
    changes = branch_overrides(levers)
    if not changes:
        raise ReplayError("branch: change at least one lever")
    plain = OmegaConf.to_container(rec.config, resolve=True, enum_to_str=True)
    assert isinstance(plain, dict)
    key = hashlib.sha256(json.dumps([day, sorted(changes.items())], default=str).encode()).hexdigest()[:8]
    out = rec.path / "branches" / f"day{day}-{key}"
    plain["branch"] = {"day": int(day), "levers": changes, "parent": str(rec.path)}
    plain["output_dir"] = str(out)
    try:
        cfg = finalize(OmegaConf.merge(schema(), plain))
    except ConfigError as exc:
        raise ReplayError(str(exc)) from None
    result: RunResult = simulate(cfg, progress=progress)
    result.save(out)
    return out


def list_branches(run_dir: Path) -> list[Path]:
    return sorted(p for p in (run_dir / "branches").glob("day*") if (p / "manifest.json").is_file())


# ------------------------------------------------------------------------------------------------ payload


def lever_schema() -> list[dict[str, Any]]:
    """What the viewer's branch form offers: each lever's type and allowed values (from the schema)."""
    from sim.config import LEVER_SPECS

    out: list[dict[str, Any]] = []
    for name, spec in LEVER_SPECS.items():
        full = f"policy.{name}"
        if spec.type == "choice":
            out.append({"key": full, "type": "choice", "options": list(spec.choices)})
        elif spec.type in ("bool", "list"):
            out.append({"key": full, "type": spec.type})
        else:
            out.append({"key": full, "type": "number", "min": spec.low, "max": spec.high, "unit": spec.unit})
    return out


def _events_table(events: pd.DataFrame) -> dict[str, Any]:
    cols = list(events.columns)
    rows = events.astype(object).where(events.notna(), None).to_numpy().tolist()
    return {"columns": cols, "rows": rows}


def _series(timeseries: pd.DataFrame) -> dict[str, list[float]]:
    return {k: [round(float(v), 6) for v in timeseries[k]] for k in CHART_SERIES if k in timeseries}


def _run_info(rec: Recording) -> dict[str, Any]:
    cfg = rec.config
    return {"path": str(rec.path), "scenario": str(cfg.scenario_name), "seed": int(cfg.seed), "days": int(cfg.days),
            "branch_day": cfg.branch.day, "parent": cfg.branch.parent,
            "branch_levers": dict(cfg.branch.levers) if cfg.branch.day is not None else {}}


def branch_payload(rec: Recording) -> dict[str, Any]:
    """What the viewer needs of a branch to overlay it: identity, series, outcomes."""
    return {"run": _run_info(rec), "series": _series(rec.timeseries),
            "summary": {k: rec.summary.get(k) for k in BRANCH_OUTCOMES}}


def payload(run_dir: str | Path) -> dict[str, Any]:
    """Everything the viewer draws, as one JSON-ready dict (format `sim-replay/1`)."""
    rec = load_recording(run_dir)
    policy = OmegaConf.to_container(rec.config.policy, resolve=True, enum_to_str=True)
    assert isinstance(policy, dict)
    branches = []
    for path in list_branches(rec.path):
        try:
            branches.append(branch_payload(load_recording(path)))
        except ReplayError:
            continue  # a damaged branch does not stop the parent from playing
    return {
        "format": PAYLOAD_FORMAT,
        "run": _run_info(rec),
        "levers": {f"policy.{k}": v for k, v in policy.items()},
        "lever_schema": lever_schema(),
        "countries": sorted({n["country"] for n in rec.frames["nodes"]}),
        "nodes": rec.frames["nodes"],
        "edges": rec.frames["edges"],
        "orgs": rec.frames["orgs"],
        "roles": rec.frames.get("roles", []),
        "frames": rec.frames["frames"],
        "series": _series(rec.timeseries),
        "events": _events_table(rec.events),
        "summary": rec.summary,
        "branch_outcomes": list(BRANCH_OUTCOMES),
        "branches": branches,
    }


# ------------------------------------------------------------------------------------------------ export


def viewer_html(data: dict[str, Any] | None) -> str:
    """The player page; with `data`, a single self-contained file (scripts, styles and recording inline)."""
    html = (VIEWER_DIR / "index.html").read_text()
    if data is None:
        return html
    script = (VIEWER_DIR / "app.js").read_text()
    style = (VIEWER_DIR / "style.css").read_text()
    blob = json.dumps(data, separators=(",", ":"), default=_json_default).replace("</", "<\\/")
    html = html.replace('<link rel="stylesheet" href="style.css">', f"<style>\n{style}\n</style>")
    return html.replace('<script src="app.js"></script>',
                        f"<script>window.RECORDING = {blob};</script>\n<script>\n{script}\n</script>")


def _json_default(value: Any) -> Any:
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return None if np.isnan(value) else float(value)
    if isinstance(value, np.bool_):
        return bool(value)
    return str(value)


def export(run_dir: str | Path, html_file: str | Path) -> Path:
    out = Path(html_file)
    text = viewer_html(payload(run_dir))
    write_atomic(out, lambda tmp: tmp.write_text(text, encoding="utf-8"))
    return out


# ------------------------------------------------------------------------------------------------ server


def make_server(run_dir: str | Path, port: int = 8765) -> ThreadingHTTPServer:
    """An HTTP server on 127.0.0.1 serving the viewer, the recording and the branch endpoint."""
    run_path = Path(run_dir).resolve()
    load_recording(run_path)  # refuse a bad folder before serving anything
    lock = threading.Lock()  # one branch at a time: they write into the run folder

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
            self._send(status, json.dumps(data, default=_json_default).encode(), "application/json")

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


# ------------------------------------------------------------------------------------------------ command line


def _fail(message: str, code: int = 2) -> int:
    print(f"error: {message}", file=sys.stderr)
    return code


def _parse_levers(items: list[str]) -> dict[str, Any]:
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sim.replay", description=__doc__.split("\n\n")[0])
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
    args = parser.parse_args(argv)
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
        return _fail(str(exc))
    except OSError as exc:
        if args.command == "view":
            return _fail(f"cannot serve on 127.0.0.1:{args.port} ({exc.strerror or exc})")
        return _fail(f"{exc.filename or args.run_dir}: {exc.strerror or exc}")
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


if __name__ == "__main__":
    sys.exit(main())
