"""Benchmark: experiment throughput (runs per minute) with n_jobs=1 and n_jobs=2, and the parallel efficiency.

Run on demand (``make bench``), never by the test suite::

    .venv/bin/python benchmarks/bench_experiment.py                  # policy_comparison, 4 replications, 365 days
    .venv/bin/python benchmarks/bench_experiment.py --repeats 1      # one measurement per n_jobs
    .venv/bin/python benchmarks/bench_experiment.py --experiment robustness --replications 2 --days 180

Every measurement is a fresh child process, ``python -m sim.experiment experiment=NAME replications=R days=D
n_jobs=N results_dir=TMP report=false``, timed from outside, with its own new temporary results folder, so
nothing is resumed: every run of the experiment is computed each time. Measurements alternate between n_jobs=1
and n_jobs=2 (1, 2, then 2, 1, ...), so a change in background load affects both alike; where a measurement is
repeated, the median is shown.

Definitions used in the output:

- **run s**: ``timings_seconds.run_seconds`` of the child's ``manifest.json``: the runner's own wall time from
  the first run to the last stored one (with n_jobs=2 it includes starting the joblib/loky workers). Interpreter
  start-up, composing the definition, gathering runs.parquet and the headline table are not in it; they are in
  **proc s**, the child's whole wall time as seen by the parent.
- **runs/min**: runs of the experiment / run s x 60 (and, in the "proc" column, / proc s x 60).
- **cpu s**: user + system CPU seconds of the child and the worker processes it waited for
  (``resource.getrusage(RUSAGE_CHILDREN)`` before and after); **cores busy** = cpu s / proc s. On an idle
  2-core machine cores busy is near 1 for n_jobs=1 and near 2 for n_jobs=2; less means the child waited for
  a core (other processes: see the load average, printed at start, end and before each measurement).
- **parallel efficiency**: runs/min at n_jobs=2 / (2 x runs/min at n_jobs=1), from the medians; 1 is perfect
  scaling, 0.5 no gain at all.

Checks (PASS/FAIL): every run is ok, and the runs.parquet of every measurement equals that of the first
n_jobs=1 measurement (``pandas.DataFrame.equals`` after sorting by run_id): results must not depend on n_jobs.
The same is checked for timeseries.parquet (sorted by run_id and day). The exit status is 1 if a child fails
or a check fails, else 0; there is no target on the efficiency itself (it depends on the machine and its load).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import pandas as pd
from environment import load, print_header, table, usable_cores, verdict

ROOT = Path(__file__).resolve().parent.parent
JOBS = (1, 2)


# ---------------------------------------------------------------------- measuring
def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _sorted(frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    return frame.sort_values([k for k in keys if k in frame]).reset_index(drop=True)


def measure(experiment: str, replications: int, days: int, n_jobs: int) -> dict[str, Any]:
    """Run the experiment once in a fresh child process, into a fresh temporary results folder."""
    with tempfile.TemporaryDirectory(prefix=f"bench_experiment_j{n_jobs}_") as tmp:
        command = [sys.executable, "-m", "sim.experiment", f"experiment={experiment}",
                   f"replications={replications}", f"days={days}", f"n_jobs={n_jobs}", f"results_dir={tmp}",
                   "report=false"]
        load_before = os.getloadavg()[0]
        cpu0 = _children_cpu()
        t0 = time.perf_counter()
        proc = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, check=False)
        proc_s = time.perf_counter() - t0
        cpu_s = _children_cpu() - cpu0
        manifests = sorted(Path(tmp).rglob("manifest.json"))
        if proc.returncode != 0 or len(manifests) != 1:
            sys.exit(f"benchmark child failed (n_jobs={n_jobs}), exit {proc.returncode}, "
                     f"{len(manifests)} manifest(s):\n$ {shlex.join(command)}\n{proc.stdout[-2000:]}\n"
                     f"{proc.stderr[-4000:]}")
        out = manifests[0].parent
        manifest = json.loads(manifests[0].read_text())
        runs = _sorted(pd.read_parquet(out / "runs.parquet"), ["run_id"])
        series = _sorted(pd.read_parquet(out / "timeseries.parquet"), ["run_id", "day"])
    counts = manifest["runs"]
    run_s = float(manifest["timings_seconds"]["run_seconds"])
    return {
        "n_jobs": n_jobs,
        "command": command,
        "proc_s": proc_s,
        "run_s": run_s,
        "cpu_s": cpu_s,
        "load": load_before,
        "total": int(counts["total"]),
        "ok": int(counts["ok"]),
        "failed": int(counts["failed"]),
        "ran": int(manifest["timings_seconds"].get("runs_this_time", -1)),
        "per_min_run": counts["total"] / run_s * 60,
        "per_min_proc": counts["total"] / proc_s * 60,
        "runs": runs,
        "series": series,
    }


def differences(a: pd.DataFrame, b: pd.DataFrame) -> str:
    """Why two frames are not equal, briefly."""
    if a.shape != b.shape:
        return f"shape {a.shape} vs {b.shape}"
    if list(a.columns) != list(b.columns):
        return f"columns differ: {sorted(set(a.columns) ^ set(b.columns)) or 'same set, other order'}"
    dtypes = [c for c in a.columns if a[c].dtype != b[c].dtype]
    if dtypes:
        return f"dtypes differ in {', '.join(dtypes[:8])}"
    cols = [c for c in a.columns if not a[c].equals(b[c])]
    return f"values differ in {len(cols)} column(s): {', '.join(cols[:8])}{' ...' if len(cols) > 8 else ''}"


# ---------------------------------------------------------------------- output
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--experiment", default="policy_comparison", help="experiment definition (default "
                        "policy_comparison)")
    parser.add_argument("--replications", type=int, default=4, help="replications per scenario (default 4)")
    parser.add_argument("--days", type=int, default=365, help="simulated days per run (default 365)")
    parser.add_argument("--repeats", type=int, default=3, help="measurements per n_jobs (default 3)")
    args = parser.parse_args(argv)
    if args.repeats < 1 or args.replications < 1 or args.days < 1:
        parser.error("--repeats, --replications and --days must be at least 1")

    print_header("Benchmark: sim experiment throughput, n_jobs=1 vs n_jobs=2, one experiment per fresh process")
    print(f"settings: experiment={args.experiment} replications={args.replications} days={args.days} "
          f"report=false repeats={args.repeats}, fresh temporary results_dir per measurement")
    if usable_cores() < 2:
        print(f"note    : only {usable_cores()} usable core(s): n_jobs=2 cannot be faster here")
    print()

    order = [n for i in range(args.repeats) for n in (JOBS if i % 2 == 0 else JOBS[::-1])]
    results: list[dict[str, Any]] = []
    for i, n_jobs in enumerate(order, 1):
        print(f"  [{i}/{len(order)}] n_jobs={n_jobs} ...", end="", flush=True)
        r = measure(args.experiment, args.replications, args.days, n_jobs)
        results.append(r)
        print(f" {r['total']} runs, run {r['run_s']:.1f} s, proc {r['proc_s']:.1f} s", flush=True)
    first = results[0]
    print(f"child command (n_jobs=1): {shlex.join([*first['command'][:-2], 'results_dir=TMP', 'report=false'])}")
    print()

    print("1. Every measurement, in the order run")
    rows = [[f"{i}", f"{r['n_jobs']}", f"{r['ok']}/{r['total']}", f"{r['ran']}", f"{r['load']:.2f}",
             f"{r['run_s']:.2f}", f"{r['proc_s']:.2f}", f"{r['cpu_s']:.1f}", f"{r['cpu_s'] / r['proc_s']:.2f}",
             f"{r['per_min_run']:.1f}", f"{r['per_min_proc']:.1f}"] for i, r in enumerate(results, 1)]
    print(table(["#", "n_jobs", "ok/runs", "ran", "load 1m", "run s", "proc s", "cpu s", "cores busy",
                 "runs/min", "runs/min proc"], rows))
    print("   ran = runs computed (not resumed); load 1m = 1-minute load average just before the measurement")
    print()

    print(f"2. Throughput, median of {args.repeats} measurement(s) per n_jobs")
    med: dict[int, dict[str, float]] = {}
    for n in JOBS:
        mine = [r for r in results if r["n_jobs"] == n]
        med[n] = {k: statistics.median(r[k] for r in mine)
                  for k in ("run_s", "proc_s", "cpu_s", "per_min_run", "per_min_proc", "load")}
        med[n]["busy"] = statistics.median(r["cpu_s"] / r["proc_s"] for r in mine)
    rows = [[f"{n}", f"{first['total']}", f"{m['run_s']:.2f}", f"{m['proc_s']:.2f}", f"{m['cpu_s']:.1f}",
             f"{m['busy']:.2f}", f"{m['per_min_run']:.1f}", f"{m['per_min_proc']:.1f}",
             f"{m['run_s'] / first['total']:.2f}"] for n, m in med.items()]
    print(table(["n_jobs", "runs", "run s", "proc s", "cpu s", "cores busy", "runs/min", "runs/min proc",
                 "s per run"], rows))
    eff_run = med[2]["per_min_run"] / (2 * med[1]["per_min_run"])
    eff_proc = med[2]["per_min_proc"] / (2 * med[1]["per_min_proc"])
    print(f"   speed-up n_jobs=2 vs 1: x{med[2]['per_min_run'] / med[1]['per_min_run']:.2f} (run s), "
          f"x{med[2]['per_min_proc'] / med[1]['per_min_proc']:.2f} (proc s)")
    print(f"   parallel efficiency = runs/min at 2 / (2 x runs/min at 1): {eff_run:.2f} (run s), "
          f"{eff_proc:.2f} (proc s, with start-up and gathering)")
    print(f"   CPU seconds n_jobs=2 / n_jobs=1: {med[2]['cpu_s'] / med[1]['cpu_s']:.2f} "
          "(above 1: extra work from the workers; cores busy below n_jobs: waiting for a core)")
    print()

    checks: list[tuple[str, bool]] = []
    all_ok = all(r["failed"] == 0 and r["ok"] == r["total"] == r["ran"] for r in results)
    checks.append((f"every run ok and computed afresh in all {len(results)} measurements", all_ok))
    print("3. Results do not depend on n_jobs (compared with measurement #1, n_jobs=1)")
    for name, key in (("runs.parquet", "runs"), ("timeseries.parquet", "series")):
        bad = [(i, r) for i, r in enumerate(results, 1) if not first[key].equals(r[key])]
        same = not bad
        shape = first[key].shape
        print(f"   {name} ({shape[0]:,} rows x {shape[1]} columns), n_jobs=1 vs n_jobs=2, "
              f"{len(results) - 1} comparison(s): {'identical' if same else 'DIFFERENT'}")
        for i, r in bad:
            print(f"     #{i} (n_jobs={r['n_jobs']}): {differences(first[key], r[key])}")
        checks.append((f"{name} identical for n_jobs=1 and n_jobs=2 (pandas equals, sorted)", same))
    print()

    print(f"load at end: {load()}")
    print("Summary")
    print(f"  runs/min n_jobs=1: {med[1]['per_min_run']:.1f}, n_jobs=2: {med[2]['per_min_run']:.1f}; "
          f"parallel efficiency {eff_run:.2f}")
    print("Checks")
    for text, ok in checks:
        print(f"  {verdict(ok)}  {text}")
    return 0 if all(ok for _, ok in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
