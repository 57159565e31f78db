"""Benchmark: how fast one run is, and how it scales with residents and with network members.

Run on demand (``make bench``), never by the test suite::

    .venv/bin/python benchmarks/bench_run.py              # full benchmark
    .venv/bin/python benchmarks/bench_run.py --quick      # 1 repeat, smaller sizes
    .venv/bin/python benchmarks/bench_run.py --repeats 5  # more repeats per measurement
    .venv/bin/python benchmarks/bench_run.py --profile 1000000   # cProfile one run with 1M residents

Every measurement is a fresh child process (``bench_run.py --child SPEC``), so the peak memory it
reports is that run's own: the child reads ``resource.getrusage(RUSAGE_SELF).ru_maxrss`` right after the
run. Where a measurement is repeated, the median wall time (and the largest peak memory) is shown.

Definitions used in the output:

- **run s**: wall seconds of one ``sim.run_scenario(overrides, seed)`` call inside the child: composing
  and validating the config, building the corridor and the model, running all days, collecting the
  summary, time series and events. Interpreter start-up and ``import sim`` are not in it; they are in
  **proc s**, the child's whole wall time as seen by the parent. **cpu s** is the CPU time
  (``time.process_time``) of the same call: close to run s on an idle machine, and the steadier figure
  when other processes compete for the cores (the load average is printed before and after).
- **Mesa agents**: ``len(model.agents)`` of a freshly built ``sim.core.model.CorridorModel`` for the same
  config and seed (officers, members, organisations, facilitators, and one ``Community`` per locality).
- **residents**: the vectorized population, ``sum(c.size for c in model.communities.values())``.
- **agent-steps/s**: ``(Mesa agents + residents) x days / run s``. Each resident and each Mesa agent
  counts once per simulated day, whether or not anything happened to it that day. Counts are taken at the
  start of the run (recruitment and new facilitators change the number of Mesa agents only a little).
- **s per M resident-days**: ``run s / (residents x days / 1e6)``.
- **growth exponent**: between two sizes n1 < n2 with times t1, t2, ``log(t2/t1) / log(n2/n1)``; 1 means
  time grows linearly with residents, below 1 sub-linearly (fixed costs dominate small runs).

Network scaling multiplies ``network.organisations`` and ``network.cells_per_org`` (1x: 1 x 1, 4x: 2 x 2,
16x: 4 x 4) and ``network.initial_cash`` with the cells factor: with the default cash, organisations of
many cells cannot pay their members' upkeep, go broke within weeks and stop shipping, so the bigger
network would do less work, not more. Shipments attempted and event-log rows are printed beside the times.

Targets (PASS/FAIL is printed beside each): the default scenario runs in under 2 s; 1M residents for 365
days in under 60 s and under 4 GB peak memory; run time grows no faster than linearly in residents.
The exit status is 0 unless a child run fails, or ``--strict`` is given and a target fails.
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from environment import load, print_header, table, verdict

ROOT = Path(__file__).resolve().parent.parent
MARKER = "BENCH_RESULT "
GB = 1024**3

DEFAULT_TARGET_S = 2.0
MILLION_TARGET_S = 60.0
MILLION_TARGET_BYTES = 4 * GB
#: Allowed slack on the growth exponent before "no faster than linear" fails (timing noise).
LINEAR_TOLERANCE = 0.05

FULL_RESIDENTS = (10_000, 100_000, 1_000_000)
QUICK_RESIDENTS = (10_000, 100_000)
FULL_NETWORK = (1, 4, 16)
QUICK_NETWORK = (1, 4)
#: How a network factor splits between more organisations and more cells per organisation.
NETWORK_SPLIT = {1: (1, 1), 4: (2, 2), 16: (4, 4), 64: (8, 8)}


# ---------------------------------------------------------------------- child side
def _maxrss_bytes() -> int:
    import resource

    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return int(rss) if sys.platform == "darwin" else int(rss) * 1024  # bytes on macOS, KiB on Linux


def child(spec: dict[str, Any]) -> dict[str, Any]:
    """Run one scenario in this (fresh) process and return its figures."""
    started = time.perf_counter()
    from collections import Counter

    from sim import run_scenario
    from sim.core.model import CorridorModel
    from sim.world.corridor import from_config

    imported = time.perf_counter()
    before = _maxrss_bytes()  # interpreter and imports (sim, Mesa, numpy, pandas, Hydra, ...)
    overrides = list(spec["overrides"])
    profiler = None
    if spec.get("profile"):
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    t0, c0 = time.perf_counter(), time.process_time()
    result = run_scenario(overrides, seed=spec["seed"])
    run_s, cpu_s = time.perf_counter() - t0, time.process_time() - c0
    if profiler is not None:
        profiler.disable()
    peak = _maxrss_bytes()  # before anything else is built: the run's own peak
    if profiler is not None:
        import io
        import pstats

        for order in ("tottime", "cumulative"):
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).strip_dirs().sort_stats(order).print_stats(spec["profile"])
            print(f"---- cProfile, sorted by {order} (run {run_s:.2f} s, profiled) ----", file=sys.stderr)
            print(out.getvalue(), file=sys.stderr)
    cfg = result.config
    timings = dict(result.timings)
    shipments, events = int(result.summary["shipments_attempted"]), len(result.events)
    del result
    model = CorridorModel(cfg, from_config(cfg))
    kinds = Counter(type(a).__name__ for a in model.agents)
    return {
        "run_s": run_s,
        "cpu_s": cpu_s,
        "import_s": imported - started,
        "timings": timings,
        "peak_bytes": peak,
        "import_bytes": before,
        "mesa_agents": len(model.agents),
        "agent_kinds": dict(sorted(kinds.items())),
        "residents": int(sum(c.size for c in model.communities.values())),
        "localities": len(model.communities),
        "network_members": int(model.active_members()),
        "days": int(cfg.days),
        "organisations": int(cfg.network.organisations),
        "cells_per_org": int(cfg.network.cells_per_org),
        "population_scale": float(cfg.community.population_scale),
        "initial_cash": float(cfg.network.initial_cash),
        "shipments": shipments,
        "events": events,
    }


# ---------------------------------------------------------------------- parent side
def measure(overrides: list[str], seed: int, repeats: int, profile: int = 0) -> dict[str, Any]:
    """Run the config `repeats` times, each in a fresh child process; median times, largest peak."""
    runs = []
    for _ in range(repeats):
        spec = json.dumps({"overrides": overrides, "seed": seed, "profile": profile})
        t0 = time.perf_counter()
        proc = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--child", spec],
                              capture_output=True, text=True, cwd=ROOT, check=False)
        proc_s = time.perf_counter() - t0
        if profile:
            print(proc.stderr, end="")
        lines = [x for x in proc.stdout.splitlines() if x.startswith(MARKER)]
        if proc.returncode != 0 or not lines:
            sys.exit(f"benchmark child failed ({' '.join(overrides)}), exit {proc.returncode}:\n{proc.stderr}")
        run = json.loads(lines[-1][len(MARKER):])
        run["proc_s"] = proc_s
        runs.append(run)
    out = dict(runs[0])
    out["run_s"] = statistics.median(r["run_s"] for r in runs)
    out["proc_s"] = statistics.median(r["proc_s"] for r in runs)
    out["cpu_s"] = statistics.median(r["cpu_s"] for r in runs)
    out["run_s_all"] = [r["run_s"] for r in runs]
    out["peak_bytes"] = max(r["peak_bytes"] for r in runs)
    out["import_bytes"] = min(r["import_bytes"] for r in runs)
    out["repeats"] = repeats
    out["overrides"] = overrides
    out["agent_steps_per_s"] = (out["mesa_agents"] + out["residents"]) * out["days"] / out["run_s"]
    resident_days = out["residents"] * out["days"] / 1e6
    out["s_per_m_resident_days"] = out["run_s"] / resident_days if resident_days else math.nan
    return out


def mb(n: int) -> str:
    return f"{n / 1024**2:,.0f} MB"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1 repeat, residents up to 100k, network up to 4x")
    parser.add_argument("--repeats", type=int, default=None, help="runs per measurement (default 3, quick 1)")
    parser.add_argument("--days", type=int, default=365, help="simulated days per run (default 365)")
    parser.add_argument("--seed", type=int, default=1, help="seed of every run (default 1)")
    parser.add_argument("--profile", type=int, metavar="RESIDENTS", default=0,
                        help="instead of the benchmark: cProfile one run with this many residents")
    parser.add_argument("--strict", action="store_true", help="exit with status 1 if any target fails")
    parser.add_argument("--child", metavar="SPEC", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.child:
        print(MARKER + json.dumps(child(json.loads(args.child))), flush=True)
        return 0

    repeats = args.repeats if args.repeats is not None else (1 if args.quick else 3)
    if repeats < 1:
        parser.error("--repeats must be at least 1")
    days, seed = args.days, args.seed
    base = [f"days={days}"]

    print_header("Benchmark: sim, one run per fresh process")
    mode = f"profile {args.profile:,} residents" if args.profile else f"repeats={repeats}"
    print(f"settings: days={days} seed={seed} {mode}{' quick' if args.quick else ''}")
    print()

    default = measure(base, seed, 1 if args.profile else repeats)
    default_total = default["residents"]
    if args.profile:
        scale = args.profile / default_total
        print(f"Profiling one run: {args.profile:,} residents (community.population_scale={scale:.6g}), {days} days")
        measure([*base, f"community.population_scale={scale:.6g}"], seed, 1, profile=40)
        return 0

    checks: list[tuple[str, bool]] = []

    # 1. The default scenario.
    print(f"1. Default scenario (baseline, default corridor), {days} days, median of {repeats} run(s)")
    kinds = ", ".join(f"{k} {v}" for k, v in default["agent_kinds"].items())
    rows = [[f"{default['run_s']:.2f}", f"{default['cpu_s']:.2f}", f"{default['proc_s']:.2f}",
             f"{default['mesa_agents']:,}", f"{default['residents']:,}", f"{default['agent_steps_per_s']:,.0f}",
             f"{default['mesa_agents'] * days / default['run_s']:,.0f}", mb(default["peak_bytes"])]]
    print(table(["run s", "cpu s", "proc s", "Mesa agents", "residents", "agent-steps/s", "Mesa agent-steps/s",
                 "peak mem"], rows))
    t = default["timings"]
    print(f"   runs: {', '.join(f'{x:.2f}' for x in default['run_s_all'])} s (last: build {t.get('build', 0):.2f}, "
          f"days {t.get('run', 0):.2f}, collect {t.get('collect', 0):.2f}; the rest is composing the config)")
    print(f"   Mesa agents by kind: {kinds}")
    print("   agent-steps/s = (Mesa agents + residents) x days / run s; Mesa agent-steps/s = Mesa agents x days"
          " / run s")
    ok = default["run_s"] < DEFAULT_TARGET_S
    checks.append((f"default scenario < {DEFAULT_TARGET_S:g} s per run: {default['run_s']:.2f} s", ok))
    print(f"   target < {DEFAULT_TARGET_S:g} s per run: {verdict(ok)}")
    print()

    # 2. Scaling with residents.
    sizes = QUICK_RESIDENTS if args.quick else FULL_RESIDENTS
    print(f"2. Scaling with residents (community.population_scale = target / {default_total:,}), {days} days")
    scaled = []
    for n in sizes:
        scale = n / default_total
        scaled.append(measure([*base, f"community.population_scale={scale:.6g}"], seed, repeats))
    rows = []
    for i, r in enumerate(scaled):
        if i == 0:
            ratio = growth = "-"
        else:
            prev = scaled[i - 1]
            n_ratio = r["residents"] / prev["residents"]
            t_ratio = r["run_s"] / prev["run_s"]
            ratio = f"x{t_ratio:.2f} / x{n_ratio:.2f}"
            growth = f"{math.log(t_ratio) / math.log(n_ratio):.2f}"
        rows.append([f"{r['residents']:,}", f"{r['population_scale']:.4g}", f"{r['run_s']:.2f}", f"{r['cpu_s']:.2f}",
                     f"{r['proc_s']:.2f}", mb(r["peak_bytes"]), mb(r["peak_bytes"] - r["import_bytes"]),
                     f"{r['s_per_m_resident_days']:.4f}",
                     f"{r['agent_steps_per_s']:,.0f}", ratio, growth])
    print(table(["residents", "scale", "run s", "cpu s", "proc s", "peak mem", "run's own", "s per M res-days",
                 "agent-steps/s", "time / residents", "growth exp"], rows))
    first, last = scaled[0], scaled[-1]
    overall = math.log(last["run_s"] / first["run_s"]) / math.log(last["residents"] / first["residents"])
    steps = [math.log(b["run_s"] / a["run_s"]) / math.log(b["residents"] / a["residents"])
             for a, b in itertools.pairwise(scaled)]
    linear = max(steps) <= 1.0 + LINEAR_TOLERANCE
    print("   run's own = peak mem minus the peak after imports, before the run")
    print(f"   time ratio vs residents ratio, {first['residents']:,} -> {last['residents']:,}: "
          f"x{last['run_s'] / first['run_s']:.2f} time for x{last['residents'] / first['residents']:.1f} residents "
          f"(overall growth exponent {overall:.2f})")
    print(f"   target: time grows no faster than linearly (every step's exponent <= 1 + {LINEAR_TOLERANCE:g}; "
          f"largest {max(steps):.2f}): {verdict(linear)}")
    checks.append((f"time at most linear in residents: largest growth exponent {max(steps):.2f}", linear))
    million = next((r for r in scaled if abs(r["residents"] - 1_000_000) <= 1_000), None)
    if million is None:
        print("   1M-resident targets: not measured (--quick)")
    else:
        ok_t = million["run_s"] < MILLION_TARGET_S
        ok_m = million["peak_bytes"] < MILLION_TARGET_BYTES
        print(f"   target 1M residents, {days} days < {MILLION_TARGET_S:g} s: {million['run_s']:.2f} s "
              f"{verdict(ok_t)}; < 4 GB peak: {mb(million['peak_bytes'])} {verdict(ok_m)}")
        checks.append((f"1M residents < {MILLION_TARGET_S:g} s: {million['run_s']:.2f} s", ok_t))
        checks.append((f"1M residents < 4 GB: {mb(million['peak_bytes'])}", ok_m))
    print()

    # 3. Scaling with network members.
    factors = QUICK_NETWORK if args.quick else FULL_NETWORK
    orgs0, cells0, cash0 = default["organisations"], default["cells_per_org"], default["initial_cash"]
    print(f"3. Scaling with network members (x organisations and x cells_per_org from {orgs0} x {cells0}), "
          f"default residents, {days} days")
    rows = []
    net0 = None
    for f in factors:
        a, b = NETWORK_SPLIT[f]
        # Starting cash grows with cells, so a bigger organisation can pay its members' upkeep and keeps shipping
        # (with the default cash, large organisations go broke within weeks and the run does less work).
        r = measure([*base, f"network.organisations={orgs0 * a}", f"network.cells_per_org={cells0 * b}",
                     f"network.initial_cash={cash0 * b:g}"], seed, repeats)
        net0 = net0 or r
        rows.append([f"{f}x", f"{r['organisations']}", f"{r['cells_per_org']}", f"{r['initial_cash']:g}",
                     f"{r['network_members']:,}", f"{r['mesa_agents']:,}", f"{r['shipments']:,}", f"{r['events']:,}",
                     f"{r['run_s']:.2f}", f"{r['cpu_s']:.2f}", f"{r['proc_s']:.2f}",
                     mb(r["peak_bytes"]),
                     f"x{r['network_members'] / net0['network_members']:.1f}", f"x{r['run_s'] / net0['run_s']:.2f}",
                     f"{r['run_s'] / r['network_members'] * 1e3:.1f}"])
    print(table(["factor", "orgs", "cells/org", "cash", "members", "Mesa agents", "shipments", "events", "run s",
                 "cpu s", "proc s", "peak mem", "members ratio", "time ratio", "ms per member"], rows))
    print("   cash = network.initial_cash, scaled with cells/org; shipments = shipments attempted in the run;"
          " events = rows of the event log")
    print()

    print(f"load at end: {load()}")
    print("Targets")
    for text, ok in checks:
        print(f"  {verdict(ok)}  {text}")
    return 1 if args.strict and not all(ok for _, ok in checks) else 0


if __name__ == "__main__":
    sys.exit(main())
