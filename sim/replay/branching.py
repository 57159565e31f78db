"""Branches: a recording re-run exactly up to a day, then with changed levers, saved as a run of its own.

A branch is the last entry of its run's policy schedule (`branch.day`, `branch.levers` in the config), so
it replays, verifies and exports like any recording and needs no state but the parent's config and seed.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from omegaconf import OmegaConf

from sim.api import simulate
from sim.config import ConfigError, finalize, schema
from sim.replay.store import ReplayError, load_recording


def branch_overrides(levers: dict[str, Any]) -> dict[str, Any]:
    """Branch levers as policy keys without the `policy.` prefix (the viewer and the CLI send either)."""
    return {key.removeprefix("policy."): value for key, value in levers.items()}


def branch(run_dir: str | Path, day: int, levers: dict[str, Any], progress: bool | None = False) -> Path:
    """Run a branch of a recording: identical up to `day`, then the changed levers; saved as its own run.

    The branch folder is `<run_dir>/branches/day<day>-<hash of the levers>`, so the same question asked
    twice lands in the same folder; its config records the parent and the branch day.
    """
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
    result = simulate(cfg, progress=progress)
    result.save(out)
    return out


def list_branches(run_dir: Path) -> list[Path]:
    """The complete branches saved beside a recording (a half-written one has no manifest yet)."""
    return sorted(p for p in (run_dir / "branches").glob("day*") if (p / "manifest.json").is_file())
