"""Branch ensembles: a branch repeated over N seeds, paired with the original, to tell an effect from noise.

One branch is one stochastic run: "victims +14" may be the levers or the dice. An ensemble runs the original
config and the branched config on the same N seeds and compares them pair by pair. The recording's own seed
is the first pair (the recording is its original arm, the branch recording its branched arm); the other
N - 1 seeds come from the recording's seed through `SeedSequence(seed, spawn_key=(ENSEMBLE_STREAM, i))`,
so the same question gets the same seeds. Within a pair both runs share every random number up to the
branch day (the branch is the parent until then) and every stream the changed levers do not touch after
it, so the difference is mostly the levers' doing.

Per outcome: the mean paired difference with a 95% t interval, each arm's mean with an interval that stays
inside the outcome's range (counts never below zero, shares in 0-1; `sim.intervals`, as in the report),
and a verdict by the outcome registry's better direction, never by sign: `better` / `worse` only when the interval
excludes zero from at least `MIN_PAIRS` pairs with some spread. The result is `ensemble.json` beside the
branch recording (docs/replay.md describes it); the same config and seeds give the same file, whatever
the number of workers.
"""

from __future__ import annotations

import json
import math
import os
import re
import stat
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from sim import outcomes
from sim.api import simulate
from sim.intervals import MIN_PAIRS, Estimate, level_ci, mean_ci
from sim.replay.branching import BranchPlan, plan_branch, run_branch, run_config
from sim.replay.store import ReplayError
from sim.results import write_atomic

ENSEMBLE_FILE = "ensemble.json"
ENSEMBLE_FORMAT = "sim-branch-ensemble/1"
#: Seeds of an ensemble when none are asked for, and the most accepted.
DEFAULT_SEEDS = 10
MAX_SEEDS = 100
#: The SeedSequence stream the extra seeds are drawn from (below the recording's seed).
ENSEMBLE_STREAM = 7
#: What the ensemble compares: the outcomes a branch is compared on (the registry's default set).
ENSEMBLE_OUTCOMES: tuple[str, ...] = outcomes.DEFAULT_OUTCOMES
#: Largest ensemble.json read back (about 100 seeds x 20 outcomes take 100 KB).
MAX_FILE_BYTES = 4 * 1024 * 1024
#: Verdicts, in the words the viewer and the command line show.
VERDICTS = {"better": "better", "worse": "worse", "unresolved": "not resolved (the interval includes 0)",
            "few": f"too few seeds to judge (fewer than {MIN_PAIRS})", "same": "no difference in any pair",
            "neutral": "no better side", "missing": "no value"}

#: Called with (runs done, runs in all) as an ensemble progresses.
Progress = Callable[[int, int], None]


# ------------------------------------------------------------------------------------------------ seeds


def check_seeds(seeds: Any) -> int:
    """The number of seeds, refused unless a whole number in [1, MAX_SEEDS] (ReplayError, one line)."""
    if isinstance(seeds, bool) or not isinstance(seeds, int):
        shown = repr(seeds)[:40] if isinstance(seeds, str | float) else type(seeds).__name__
        raise ReplayError(f"branch.seeds: expected a whole number, got {shown}; allowed: 1 to {MAX_SEEDS}")
    if not 1 <= seeds <= MAX_SEEDS:
        raise ReplayError(f"branch.seeds: {seeds} is out of range; allowed: a whole number in [1, {MAX_SEEDS}]")
    return int(seeds)


def ensemble_seeds(seed: int, n: int) -> list[int]:
    """The recording's seed, then n - 1 more drawn from it (the same for every branch of the recording)."""
    extra = [int(np.random.SeedSequence(seed, spawn_key=(ENSEMBLE_STREAM, i)).generate_state(1)[0])
             for i in range(1, n)]
    return [int(seed), *extra]


def workers(n_jobs: int | None, tasks: int) -> int:
    """Worker processes: as asked (all cores if None), never more than the cores or the runs to make."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    return max(1, min(n_jobs or cores, cores, tasks))


# ------------------------------------------------------------------------------------------------ statistics


def verdict(key: str, diff: Estimate) -> str:
    """`better` / `worse` by the registry's better direction when the interval excludes zero from at least
    MIN_PAIRS pairs, or when every pair differs by the same amount (a cost fixed by the levers); otherwise
    why not (a key of VERDICTS)."""
    better = outcomes.better_direction(key)
    if diff.n == 0:
        return "missing"
    if better == 0:
        return "neutral"
    if diff.n < MIN_PAIRS:
        return "few"
    if diff.no_spread:  # the same difference in every pair: fixed by the levers (a cost), or none at all
        return "same" if diff.mean == 0 else "better" if diff.mean * better > 0 else "worse"
    if not (diff.low > 0 or diff.high < 0):
        return "unresolved"
    return "better" if diff.mean * better > 0 else "worse"


def measured(key: str) -> str:
    """How an outcome is taken over the run, in plain words (the registry's `Outcome.measured`)."""
    return outcomes.get(key).measured


def compare(original: Sequence[dict[str, Any]], branched: Sequence[dict[str, Any]],
            keys: Sequence[str] = ENSEMBLE_OUTCOMES) -> dict[str, dict[str, Any]]:
    """Per outcome: each arm's values by seed, their means with intervals, the paired difference and verdict.

    `original[i]` and `branched[i]` are the summaries of seed i; a pair missing either value is left out
    of the difference.
    """
    out: dict[str, dict[str, Any]] = {}
    for key in keys:
        a = [_number(s.get(key)) for s in original]
        b = [_number(s.get(key)) for s in branched]
        diffs = [y - x for x, y in zip(a, b, strict=True) if x is not None and y is not None]
        diff = mean_ci(diffs)
        out[key] = {"measured": measured(key), "original": a, "branch": b,
                    "original_mean": level_ci(a, key).as_json(), "branch_mean": level_ci(b, key).as_json(),
                    "difference": diff.as_json(), "verdict": verdict(key, diff)}
    return out


def _number(value: Any) -> float | None:
    if value is None or isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
        return None
    value = float(value)
    return value if math.isfinite(value) else None


# ------------------------------------------------------------------------------------------------ running


def _outcomes_of(plain: dict[str, Any], seed: int, keys: tuple[str, ...]) -> dict[str, float | None]:
    """One run of a plan's config with another seed (no files): the outcomes compared. Runs in a worker."""
    summary = simulate(run_config(plain, seed)).summary
    return {k: _number(summary.get(k)) for k in keys}


def _task(arm: str, plain: dict[str, Any], seed: int, keys: tuple[str, ...]) -> tuple[str, int, dict[str, Any]]:
    return arm, seed, _outcomes_of(plain, seed, keys)


def run_ensemble(run_dir: str | Path, day: int, levers: dict[str, Any], seeds: int = DEFAULT_SEEDS,
                 n_jobs: int | None = None, progress: Progress | None = None,
                 show_progress: bool | None = False) -> tuple[Path, dict[str, Any] | None]:
    """Run a branch over `seeds` seeds, paired with the original; returns its folder and the ensemble.

    The branch recording is made first (pair 1, with the recording itself); then both arms of the other
    seeds, in parallel (joblib's loky backend, `n_jobs` capped at the cores). `ensemble.json` is written
    last, atomically, so an interrupted ensemble leaves the branch recording complete and no new file.
    With one seed this is a plain branch and returns no ensemble.
    """
    n = check_seeds(seeds)
    plan = plan_branch(run_dir, day, levers)
    total = 1 + 2 * (n - 1)
    if progress is not None:
        progress(0, total)
    folder, summary = run_branch(plan, progress=show_progress if n == 1 else False)
    if progress is not None:
        progress(1, total)
    if n == 1:
        return folder, None
    seed_list = ensemble_seeds(int(plan.parent.config.seed), n)
    found = _run_pairs(plan, seed_list[1:], n_jobs, lambda done: progress(1 + done, total) if progress else None)
    keys = ENSEMBLE_OUTCOMES
    original = [plan.parent.summary, *(found["original", s] for s in seed_list[1:])]
    branched = [summary, *(found["branch", s] for s in seed_list[1:])]
    data = {"format": ENSEMBLE_FORMAT, "parent": str(plan.parent.path), "branch_day": plan.day,
            "levers": plan.levers, "seeds": seed_list, "pairs": n, "outcomes": compare(original, branched, keys)}
    text = json.dumps(data, indent=1, allow_nan=False) + "\n"
    write_atomic(folder / ENSEMBLE_FILE, lambda tmp: tmp.write_text(text, encoding="utf-8"))
    return folder, data


def _run_pairs(plan: BranchPlan, seeds: list[int], n_jobs: int | None,
               tick: Callable[[int], None]) -> dict[tuple[str, int], dict[str, Any]]:
    """Both arms of every seed, keyed by (arm, seed); in parallel unless one worker is asked for."""
    keys = ENSEMBLE_OUTCOMES
    tasks = [(arm, plain, s) for s in seeds for arm, plain in (("original", plan.original), ("branch", plan.branched))]
    jobs = workers(n_jobs, len(tasks))
    found: dict[tuple[str, int], dict[str, Any]] = {}
    if jobs == 1:
        results: Iterable[tuple[str, int, dict[str, Any]]] = (_task(arm, plain, s, keys) for arm, plain, s in tasks)
    else:
        from joblib import Parallel, delayed

        results = Parallel(n_jobs=jobs, backend="loky", return_as="generator_unordered")(
            delayed(_task)(arm, plain, s, keys) for arm, plain, s in tasks)
    for arm, seed, values in results:
        found[arm, seed] = values
        tick(len(found))
    return found


# ------------------------------------------------------------------------------------------------ reading back


def read_ensemble(folder: str | Path) -> dict[str, Any] | None:
    """A branch folder's ensemble, recomputed from its per-seed values (so the intervals shown always match
    them), or None when there is none. A damaged or oversized file raises ReplayError (one line)."""
    file = Path(folder) / ENSEMBLE_FILE
    try:
        info = file.stat()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise ReplayError(f"{file}: cannot read ({exc.strerror or exc})") from None
    if not stat.S_ISREG(info.st_mode):
        raise ReplayError(f"{file}: not a regular file")
    if info.st_size > MAX_FILE_BYTES:
        raise ReplayError(f"{file}: {info.st_size} bytes is too large; allowed: at most {MAX_FILE_BYTES // 1024} KiB")
    try:
        with file.open("rb") as handle:
            raw = handle.read(MAX_FILE_BYTES + 1)
        data = json.loads(raw.decode("utf-8"), parse_constant=_no_constant)
    except (OSError, UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise ReplayError(f"{file}: corrupted ({type(exc).__name__})") from None
    return _checked(file, data)


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _checked(file: Path, data: Any) -> dict[str, Any]:
    """The parts of an ensemble file the viewer shows, checked: types, lengths and known outcomes only."""
    def bad(what: str) -> ReplayError:
        return ReplayError(f"{file}: corrupted ({what})")

    if not isinstance(data, dict) or data.get("format") != ENSEMBLE_FORMAT:
        got = repr(data.get("format"))[:40] if isinstance(data, dict) else type(data).__name__
        raise ReplayError(f"{file}: format {got}, this version reads {ENSEMBLE_FORMAT!r}")
    seeds = data.get("seeds")
    if not isinstance(seeds, list) or not 2 <= len(seeds) <= MAX_SEEDS or any(type(s) is not int for s in seeds):
        raise bad(f"seeds is not a list of 2 to {MAX_SEEDS} whole numbers")
    found = data.get("outcomes")
    if not isinstance(found, dict):
        raise bad("no outcomes")
    original, branched = [{} for _ in seeds], [{} for _ in seeds]
    keys = [k for k in ENSEMBLE_OUTCOMES if k in found]
    for key in keys:
        entry = found[key]
        if not isinstance(entry, dict):
            raise bad(f"outcomes.{key} is not an object")
        for arm, rows in (("original", original), ("branch", branched)):
            values = entry.get(arm)
            if not isinstance(values, list) or len(values) != len(seeds) or not all(
                    v is None or type(v) in (int, float) for v in values):
                raise bad(f"outcomes.{key}.{arm} is not {len(seeds)} numbers")
            for row, value in zip(rows, values, strict=True):
                row[key] = value
    day = data.get("branch_day")
    return {"format": ENSEMBLE_FORMAT, "seeds": seeds, "pairs": len(seeds),
            "branch_day": day if type(day) is int else None, "outcomes": compare(original, branched, keys)}


# ------------------------------------------------------------------------------------------------ as text


def _digits(key: str, value: float = 1.0) -> int:
    """Decimals for a mean over seeds: the registry's, at least one (a mean of counts is not a count), and
    more while a small value would read as zero."""
    o = outcomes.get(key)
    match = re.fullmatch(r"\{:\.(\d+)[f%]\}", o.fmt)
    digits = max(1, int(match.group(1)) if match else 2)
    while value and digits < 4 and round(abs(value), digits) == 0:
        digits += 1
    return digits


def _level(key: str, value: float | None) -> str:
    """An arm's mean as the registry formats the outcome (a percentage for a share), counts with a decimal."""
    if value is None:
        return "n/a"
    return outcomes.get(key).format(value) if outcomes.get(key).percent else f"{value:.{_digits(key, value)}f}"


def _signed(key: str, value: float | None) -> str:
    """A difference, signed; shares shown as percentages differ in percentage points."""
    if value is None:
        return "n/a"
    if outcomes.get(key).percent:
        return f"{100 * value:+.1f} pp"
    return f"{value:+.{_digits(key, value)}f}"


def ensemble_table(name: str, data: dict[str, Any]) -> str:
    """The ensemble as aligned lines for a terminal: per outcome, how it is measured, each arm's mean, the
    mean paired difference with its 95% interval, and the verdict by the outcome's better direction."""
    seeds = data["seeds"]
    head = (f"{name}: {len(seeds)} paired seeds (the recording's seed {seeds[0]} and {len(seeds) - 1} more); "
            "branch minus original, mean over the pairs with its 95% interval")
    rows = [("outcome", "measured", "original", "branch", "difference [95% interval]", "verdict")]
    for key, entry in data["outcomes"].items():
        diff = entry["difference"]
        interval = (f"[{_signed(key, diff['low'])}, {_signed(key, diff['high'])}]"
                    if diff["low"] is not None and diff["high"] is not None else "(no interval)")
        rows.append((outcomes.label(key, with_unit=True), entry["measured"],
                     _level(key, entry["original_mean"]["mean"]), _level(key, entry["branch_mean"]["mean"]),
                     f"{_signed(key, diff['mean'])} {interval}", VERDICTS[entry["verdict"]]))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = [head]
    for r in rows:
        lines.append("  " + "  ".join([r[0].ljust(widths[0]), r[1].ljust(widths[1]), r[2].rjust(widths[2]),
                                        r[3].rjust(widths[3]), r[4].ljust(widths[4]), r[5]]).rstrip())
    return "\n".join(lines)
