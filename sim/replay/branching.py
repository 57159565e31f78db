"""Branches: a recording re-run exactly up to a day, then with changed levers, saved as a run of its own.

A branch is the last entry of its run's policy schedule (`branch.day`, `branch.levers` in the config), so
it replays, verifies and exports like any recording and needs no state but the parent's config and seed.
The day and the levers come from a person (the command line) or a web page (the viewer's server), so they
are checked here, strictly and before anything reaches OmegaConf: a string holding `${` would be an
interpolation there (`${oc.env:...}` reads the environment), so it is refused outright.
"""

from __future__ import annotations

import hashlib
import json
import math
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from omegaconf import DictConfig, OmegaConf

from sim.api import simulate
from sim.config import LEVER_SPECS, ConfigError, finalize, schema
from sim.replay.store import Recording, ReplayError, load_recording
from sim.results import half_written_run

#: Longest text accepted as a lever value (a choice word or a node id), and most node ids in a list lever.
MAX_TEXT = 200
MAX_LIST = 1000


def branch_overrides(levers: dict[str, Any]) -> dict[str, Any]:
    """Branch levers as policy keys without the `policy.` prefix (the viewer and the CLI send either)."""
    return {key.removeprefix("policy."): value for key, value in levers.items()}


def check_levers(levers: Any) -> dict[str, Any]:
    """Branch levers checked against the schema's lever specs, as policy keys without `policy.`.

    Known levers only; numbers finite (and not booleans), booleans for switches, an allowed word for a
    choice, a list of short texts for a list; no text with `${`. Ranges and node ids are checked by the
    config's own validation afterwards. Raises ReplayError (one line) on the first bad entry.
    """
    if not isinstance(levers, dict):
        raise ReplayError(f"branch.levers: expected a mapping of lever -> value, got {_what(levers)}")
    if not levers:
        raise ReplayError("branch: change at least one lever")
    out: dict[str, Any] = {}
    for key, value in levers.items():
        if not isinstance(key, str):
            raise ReplayError(f"branch.levers: lever names are text, got {_what(key)}")
        _no_interpolation(f"branch.levers: {_short(key)}", key)
        name = key.removeprefix("policy.")
        spec = LEVER_SPECS.get(name)
        if spec is None:
            raise ReplayError(f"branch.levers.{name[:40]}: unknown lever; allowed: {', '.join(LEVER_SPECS)}")
        if name in out:
            raise ReplayError(f"branch.levers.{name}: given twice")
        out[name] = _check_value(f"branch.levers.{name}", spec.type, spec.choices, value)
    return out


def _check_value(where: str, kind: str, choices: tuple[str, ...], value: Any) -> Any:
    if kind in ("number", "integer"):
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ReplayError(f"{where}: expected a number, got {_what(value)}")
        try:
            finite = math.isfinite(float(value))
        except OverflowError:
            finite = False
        if not finite:
            raise ReplayError(f"{where}: must be a finite number, got {_short(value)}")
        if kind == "integer" and not float(value).is_integer():
            raise ReplayError(f"{where}: expected a whole number, got {value}")
        return value
    if kind == "bool":
        if not isinstance(value, bool):
            raise ReplayError(f"{where}: expected true or false, got {_what(value)}")
        return value
    if kind == "choice":
        if not isinstance(value, str):
            raise ReplayError(f"{where}: expected one of {', '.join(choices)}, got {_what(value)}")
        _no_interpolation(where, value)
        if value not in choices:
            raise ReplayError(f"{where}: {_short(value)} is not allowed; allowed: {', '.join(choices)}")
        return value
    if kind == "list":
        if not isinstance(value, list) or len(value) > MAX_LIST:
            raise ReplayError(f"{where}: expected a list of at most {MAX_LIST} node ids, got {_what(value)}")
        for item in value:
            if not isinstance(item, str) or len(item) > MAX_TEXT:
                raise ReplayError(f"{where}: node ids are text of at most {MAX_TEXT} characters, got {_what(item)}")
            _no_interpolation(where, item)
        return list(value)
    raise ReplayError(f"{where}: this lever cannot be changed in a branch")


def _no_interpolation(where: str, text: str) -> None:
    if "${" in text:
        raise ReplayError(f"{where}: text with '${{' is not allowed (it would be read as an interpolation)")


def check_day(day: Any, days: int) -> int:
    """The branch day, refused unless a whole number in [0, days - 2]: the levers change at the start of that
    day, so a branch on the recording's last day would run one day with them, which tells nothing, and a
    later day has nothing left to run."""
    if isinstance(day, bool) or not isinstance(day, int):
        raise ReplayError(f"branch.day: expected a whole number, got {_what(day)}")
    last = days - 1
    allowed = f"allowed: a day in [0, {last - 1}]" if last >= 1 else "the recording has one day: nothing to branch"
    if day >= days:
        raise ReplayError(f"branch.day: {day} is past the recording's last day {last}: nothing left to run; {allowed}")
    if day == last:
        raise ReplayError(f"branch.day: {day} is the recording's last day: a one-day branch tells nothing; {allowed}")
    if day < 0:
        raise ReplayError(f"branch.day: {day} is out of range; {allowed}")
    return int(day)


@dataclass(frozen=True)
class BranchPlan:
    """A checked branch request: the parent recording, the day, the levers, where it goes, and the two
    configs an ensemble runs (the parent's as recorded, and the same with the branch), as plain data."""

    parent: Recording
    day: int
    levers: dict[str, Any]
    folder: Path
    original: dict[str, Any]
    branched: dict[str, Any]
    config: DictConfig  # `branched`, validated


def plan_branch(run_dir: str | Path, day: int, levers: dict[str, Any]) -> BranchPlan:
    """Check a branch request and build its config, before anything runs (ReplayError, one line)."""
    changes = check_levers(levers)
    rec = load_recording(run_dir)
    if rec.config.branch.day is not None:
        raise ReplayError(f"{rec.path}: already a branch (of {rec.config.branch.parent}); branch the parent instead")
    day = check_day(day, int(rec.config.days))
    plain = OmegaConf.to_container(rec.config, resolve=True, enum_to_str=True)
    assert isinstance(plain, dict)
    key = hashlib.sha256(json.dumps([day, sorted(changes.items())], default=str).encode()).hexdigest()[:8]
    out = rec.path / "branches" / f"day{day}-{key}"
    _no_interpolation(f"branch: the run folder {rec.path}", str(out))
    original = {**plain, "output_dir": None}
    branched = {**plain, "branch": {"day": day, "levers": changes, "parent": str(rec.path)}, "output_dir": str(out)}
    return BranchPlan(rec, day, changes, out, original, branched, run_config(branched))


def run_config(plain: dict[str, Any], seed: int | None = None) -> DictConfig:
    """A plan's plain config (with another seed, if given) as a validated run config."""
    if seed is not None:
        plain = {**plain, "seed": seed, "output_dir": None, "record": False}
    try:
        return finalize(OmegaConf.merge(schema(), plain))
    except ConfigError as exc:
        raise ReplayError(str(exc)) from None
    except Exception as exc:  # OmegaConf's own errors on a value the schema's type cannot take
        raise ReplayError(f"branch.levers: {type(exc).__name__}: {str(exc).strip().splitlines()[0]}") from None


def run_branch(plan: BranchPlan, progress: bool | None = False) -> tuple[Path, dict[str, Any]]:
    """Simulate a planned branch and save it as a run of its own; returns its folder and summary.

    Before it is saved, its events before the branch day are checked against the parent's: a recording
    made by another version of the model would not re-simulate to the same day, and a branch of it would
    compare two models, not two policies.
    """
    result = simulate(plan.config, progress=progress)
    _check_same_start(plan, result.events)
    if half_written_run(plan.folder):
        shutil.rmtree(plan.folder)  # an earlier attempt stopped half-way: it holds no finished run
    result.save(plan.folder)
    return plan.folder, result.summary


def _check_same_start(plan: BranchPlan, events: pd.DataFrame) -> None:
    parent = plan.parent.events
    before = events[events["day"] < plan.day].reset_index(drop=True)
    recorded = parent[parent["day"] < plan.day].reset_index(drop=True)
    if not before.equals(recorded):
        raise ReplayError(f"{plan.parent.path}: re-simulating it does not reproduce its events before day {plan.day} "
                          "(recorded by another version of the model?); check with: python -m sim.replay verify "
                          f"{plan.parent.path}")


def branch(run_dir: str | Path, day: int, levers: dict[str, Any], progress: bool | None = False) -> Path:
    """Run a branch of a recording: identical up to `day`, then the changed levers; saved as its own run.

    The branch folder is `<run_dir>/branches/day<day>-<hash of the levers>`, so the same question asked
    twice lands in the same folder; its config records the parent and the branch day.
    """
    folder, _ = run_branch(plan_branch(run_dir, day, levers), progress)
    return folder


def lever_label(name: str) -> str:
    """How people read a lever: its name in words (`policy.officer_pay` -> `officer pay`)."""
    return name.removeprefix("policy.").replace("_", " ")


def branch_name(day: int | None, levers: dict[str, Any]) -> str:
    """A branch named by what it changes: `oversight 0.9, targeting kingpin from day 120`."""
    def shown(value: Any) -> str:
        if isinstance(value, bool):
            return "on" if value else "off"
        if isinstance(value, list):
            return ", ".join(str(v).replace("_", " ") for v in value) or "none"
        if isinstance(value, float):
            return f"{value:g}"
        return str(value).replace("_", " ")

    changes = ", ".join(f"{lever_label(k)} {shown(v)}" for k, v in levers.items()) or "no lever changed"
    return f"{changes} from day {day}"


def list_branches(run_dir: Path) -> list[Path]:
    """The complete branches saved beside a recording (a half-written one has no manifest yet)."""
    return sorted(p for p in (run_dir / "branches").glob("day*") if (p / "manifest.json").is_file())


def _what(value: Any, width: int = 60) -> str:
    """What a value is, for an error line: its kind, and its repr cut to `width` (lists and mappings are only
    named, as they may be nested deeply)."""
    names = {dict: "a mapping", list: "a list", str: "text", bool: "a boolean", int: "a number", float: "a number",
             type(None): "null"}
    kind = names.get(type(value), type(value).__name__)
    return kind if isinstance(value, dict | list) or value is None else f"{kind} {_short(value, width)}"


def _short(value: Any, width: int = 60) -> str:
    """A value for an error line: its repr, cut to `width` characters."""
    text = repr(value)
    return text if len(text) <= width else text[: width - 3] + "..."
