"""Benchmark: how fast one run is, how it scales with residents and network members, and against a revision.

Run on demand (``make bench``), never by the test suite::

    .venv/bin/python benchmarks/bench_run.py              # full benchmark: named cases, then both scalings
    .venv/bin/python benchmarks/bench_run.py --quick      # 1 repeat, no continental case, smaller sizes
    .venv/bin/python benchmarks/bench_run.py --repeats 5  # more repeats per measurement
    .venv/bin/python benchmarks/bench_run.py --cases default,continental   # only these named cases
    .venv/bin/python benchmarks/bench_run.py --compare 872e6b2             # 872e6b2 vs this tree (COMPARE_CASES)
    .venv/bin/python benchmarks/bench_run.py --profile 1000000   # cProfile one run with 1M residents

Every measurement is a fresh child process (``bench_run.py --child SPEC``), so the peak memory it
reports is that run's own: the child reads ``resource.getrusage(RUSAGE_SELF).ru_maxrss`` right after the
run. Where a measurement is repeated, the median wall time (and the largest peak memory) is shown.

Named cases (``--cases NAME,...`` runs a subset and skips the scaling sections; ``--days`` applies to all):

- ``default``: no overrides (baseline scenario, built-in corridor), 365 days.
- ``org64``: ``network.organisations=64``, 365 days.
- ``continental``: ``corridor=generated corridor.countries=12 network.organisations=64
  corridor.residents_per_locality=20834``, 365 days: nominally 12 countries x 4 localities x 20,834 =
  1,000,032 residents; the generated corridor draws each locality's population as that x U(0.6, 1.4)
  (``corridor.seed``), so the count the child finds (printed, with its ratio to nominal) is 1,027,765 at
  the default corridor seed. Left out by ``--quick``.
- ``default-1y`` and ``org64-1y``: the same, with ``warmup_days=0``: the run simulates exactly its 365 days, as
  every run did before the warm-up (issue 8) existed. On a tree without a warm-up, ``warmup_days=0`` is left
  out (the tree would reject the key, and simulates exactly its days anyway); whether a tree has one is read
  from its sources (``has_warmup``). Run by ``--compare`` (with ``default`` and ``org64``), or by ``--cases``.

``--compare REV`` (cases ``default,org64,default-1y,org64-1y`` unless ``--cases`` says otherwise) checks REV
out with ``git worktree add --detach`` into a temporary folder
(``/tmp/bench-REV-xxxx``, removed at the end, also on error or Ctrl-C) and measures the named cases on REV
and on this working tree, interleaved (for each case and repeat: REV, then current), so a change in
machine load affects both alike. Both run this file as the child script; only ``sim`` differs: the child's
``PYTHONPATH`` starts with the tree's root, which wins over the venv's editable install of this tree, and
the child checks that ``sim.__file__`` lies in that tree (``sim`` path is printed). ``SIM_CONFIG_DIR`` and
``SIM_EXPERIMENTS_DIR`` are unset for these children, so each tree reads its own ``configs/``. The child
works with both package layouts (``sim.core.model``/``sim.world`` and the older ``sim.model``/
``sim.corridor``); where the model cannot be built to count agents, those columns show ``-``.

Definitions used in the output:

- **run s**: wall seconds of one ``sim.run_scenario(overrides, seed)`` call inside the child: composing
  and validating the config, building the corridor and the model, running all days, collecting the
  summary, time series and events. Interpreter start-up and ``import sim`` are not in it; they are in
  **proc s**, the child's whole wall time as seen by the parent. **cpu s** is the CPU time
  (``time.process_time``) of the same call: close to run s on an idle machine, and the steadier figure
  when other processes compete for the cores (the load average is printed before and after).
- **model s** (with ``--compare``): the model's own part of run s, the sum of the result's ``timings``
  (building the model, running the days, collecting the outputs), without composing the config through
  Hydra (about 0.1 s, 0.25 s for the first run in a process, and the same on both sides).
- **Mesa agents**: ``len(model.agents)`` of a freshly built ``CorridorModel`` for the same config and seed
  (officers, members, organisations, facilitators, and one ``Community`` per locality).
- **residents**: the vectorized population, ``sum(c.size for c in model.communities.values())``.
- **agent-steps/s**: ``(Mesa agents + residents) x days / run s``. Each resident and each Mesa agent
  counts once per simulated day, whether or not anything happened to it that day. Counts are taken at the
  start of the run (recruitment and new facilitators change the number of Mesa agents only a little).
- **s per M resident-days**: ``run s / (residents x days / 1e6)``.
- **growth exponent**: between two sizes n1 < n2 with times t1, t2, ``log(t2/t1) / log(n2/n1)``; 1 means
  time grows linearly with residents, below 1 sub-linearly (fixed costs dominate small runs).
- **speed-up** (``--compare``): REV's median run s / the current tree's median run s (above 1: the current
  tree is faster); **cpu speed-up** the same with cpu s.

Network scaling multiplies ``network.organisations`` and ``network.cells_per_org`` (1x: 1 x 1, 4x: 2 x 2,
16x: 4 x 4) and ``network.initial_cash`` with the cells factor: with the default cash, organisations of
many cells cannot pay their members' upkeep, go broke within weeks and stop shipping, so the bigger
network would do less work, not more. Shipments attempted and event-log rows are printed beside the times.

Targets (PASS/FAIL is printed beside each): the default case runs in under 2 s; the continental case in
under 15 s and under 1 GB peak memory; 1M residents for 365 days in under 60 s and under 4 GB peak memory;
run time grows no faster than linearly in residents. With ``--compare 872e6b2`` (the reference revision):
speed-up of at least 2 on a simulated year of the default corridor (``default-1y``) and at least 3 on a
simulated year of 64 organisations (``org64-1y``). The targets were set on 872e6b2, whose runs had no
warm-up: ``default`` and ``org64`` as the current tree runs them simulate two years (the warm-up year, then
the measured one), so their speed-ups are printed beside the simulated days of each side, not judged. The
table also shows the shipments of each side: since issue 8 flow comes from the markets' demand, and 64
organisations share about the orders that four do (about 900 shipments a year where 872e6b2 sent 10,000),
so ``org64-1y`` compares a year of the corridor, not equal work. The continental case has no speed-up
target, only its absolute one. The exit status is 0 unless a child run fails, or ``--strict`` is given
and a target fails.
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import json
import math
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from environment import load, print_header, table, verdict

ROOT = Path(__file__).resolve().parent.parent
MARKER = "BENCH_RESULT "
GB = 1024**3

DEFAULT_TARGET_S = 2.0
#: No warm-up: the run simulates exactly its days. Dropped on a tree that has no warm-up (it simulates exactly its
#: days anyway, and would reject the key).
NO_WARMUP = "warmup_days=0"
MILLION_TARGET_S = 60.0
MILLION_TARGET_BYTES = 4 * GB
CONTINENTAL_TARGET_S = 15.0
CONTINENTAL_TARGET_BYTES = 1 * GB
#: Allowed slack on the growth exponent before "no faster than linear" fails (timing noise).
LINEAR_TOLERANCE = 0.05

#: Named cases: name -> overrides (``days=`` is added from --days).
CASES: dict[str, tuple[str, ...]] = {
    "default": (),
    "org64": ("network.organisations=64",),
    "continental": ("corridor=generated", "corridor.countries=12", "network.organisations=64",
                    "corridor.residents_per_locality=20834"),
    "default-1y": (NO_WARMUP,),
    "org64-1y": ("network.organisations=64", NO_WARMUP),
}
QUICK_CASES = ("default", "org64")
FULL_CASES = ("default", "org64", "continental")
#: With --compare and no --cases: as each tree runs them, and the same simulated span on both.
COMPARE_CASES = ("default", "org64", "default-1y", "org64-1y")
#: Residents the continental case should have: 12 countries x 4 localities (generated default) x 20,834.
CONTINENTAL_RESIDENTS = 12 * 4 * 20_834
#: The generated corridor draws each locality's population as residents_per_locality x U(0.6, 1.4) (seeded by
#: corridor.seed), so the realised total is near the nominal one, not equal to it.
CONTINENTAL_RESIDENTS_TOLERANCE = 0.10
#: --compare: least speed-up (REV run s / current run s) per case; cases not listed have no speed-up target.
#: The targets (issue 7, set on 872e6b2, which ran no warm-up) are for a simulated year of the default corridor
#: and of 64 organisations: the cases that simulate the same 365 days on both trees.
SPEEDUP_TARGETS = {"default-1y": 2.0, "org64-1y": 3.0}
#: The revision the speed-up targets are measured against.
SPEEDUP_REFERENCE = "872e6b2"

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


def _model_classes() -> tuple[Any, Any] | None:
    """(CorridorModel, from_config) of whichever package layout the imported `sim` has, or None."""
    import importlib

    for model_module, corridor_module in (("sim.core.model", "sim.world"), ("sim.model", "sim.corridor")):
        try:
            model_class = importlib.import_module(model_module).CorridorModel
            from_config = importlib.import_module(corridor_module).from_config
        except (ImportError, AttributeError):
            continue
        return model_class, from_config
    return None


def _count_agents(cfg: Any) -> dict[str, Any]:
    """Mesa agents, residents, localities, countries and members of a freshly built model; {} if impossible."""
    from collections import Counter

    classes = _model_classes()
    if classes is None:
        return {"count_error": "no CorridorModel/from_config in sim.core.model+sim.world or sim.model+sim.corridor"}
    model_class, from_config = classes
    out: dict[str, Any] = {}
    try:
        corridor = from_config(cfg)
        with contextlib.suppress(Exception):
            out["countries"] = len(corridor.countries)
        if model_class.__module__ == "sim.core.model":  # the restructured model takes plain parameters
            from sim.config import to_params

            model = model_class(to_params(cfg), corridor)
        else:
            model = model_class(cfg, corridor)
        out["residents"] = int(sum(c.size for c in model.communities.values()))
        out["localities"] = len(model.communities)
        out["mesa_agents"] = len(model.agents)
        out["agent_kinds"] = dict(sorted(Counter(type(a).__name__ for a in model.agents).items()))
        with contextlib.suppress(Exception):
            out["network_members"] = int(model.active_members())
    except Exception as err:  # counting is a side figure: never fail the benchmark for it
        out["count_error"] = f"{type(err).__name__}: {err}"
    return out


def child(spec: dict[str, Any]) -> dict[str, Any]:
    """Run one scenario in this (fresh) process and return its figures."""
    started = time.perf_counter()
    import sim
    from sim import run_scenario

    sim_file = str(Path(sim.__file__).resolve())
    if spec.get("tree") and not Path(sim_file).is_relative_to(Path(spec["tree"]).resolve()):
        raise SystemExit(f"imported sim from {sim_file}, not from the tree under test {spec['tree']}")
    _model_classes()  # import the model modules here, as run_scenario would, so run s does not pay for them

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
    timings = dict(getattr(result, "timings", None) or {})
    shipments = result.summary.get("shipments_attempted")
    events = len(result.events)
    del result
    return {
        "sim_file": sim_file,
        "run_s": run_s,
        "cpu_s": cpu_s,
        "import_s": imported - started,
        "timings": timings,
        "peak_bytes": peak,
        "import_bytes": before,
        "days": int(cfg.days),
        "warmup_days": int(cfg.get("warmup_days", 0) or 0),  # a tree without a warm-up has no such key
        "organisations": int(cfg.network.organisations),
        "cells_per_org": int(cfg.network.cells_per_org),
        "population_scale": float(cfg.community.population_scale),
        "initial_cash": float(cfg.network.initial_cash),
        "shipments": None if shipments is None else int(shipments),
        "events": events,
        **_count_agents(cfg),
    }


# ---------------------------------------------------------------------- parent side
def run_child(overrides: list[str], seed: int, profile: int = 0, tree: Path | None = None) -> dict[str, Any]:
    """One fresh child process running `overrides`; with `tree`, `sim` is imported from that tree's root."""
    spec: dict[str, Any] = {"overrides": overrides, "seed": seed, "profile": profile}
    env = None
    if tree is not None:
        spec["tree"] = str(tree)
        env = {k: v for k, v in os.environ.items() if k not in ("SIM_CONFIG_DIR", "SIM_EXPERIMENTS_DIR")}
        env["PYTHONPATH"] = os.pathsep.join(x for x in (str(tree), os.environ.get("PYTHONPATH", "")) if x)
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--child", json.dumps(spec)],
                          capture_output=True, text=True, cwd=tree or ROOT, env=env, check=False)
    proc_s = time.perf_counter() - t0
    if profile:
        print(proc.stderr, end="")
    lines = [x for x in proc.stdout.splitlines() if x.startswith(MARKER)]
    if proc.returncode != 0 or not lines:
        where = f" on {tree}" if tree is not None else ""
        sys.exit(f"benchmark child failed ({' '.join(overrides)}){where}, exit {proc.returncode}:\n{proc.stderr}")
    run = json.loads(lines[-1][len(MARKER):])
    run["proc_s"] = proc_s
    return run


def aggregate(runs: list[dict[str, Any]], overrides: list[str]) -> dict[str, Any]:
    """Median times and the largest peak of repeated runs of one config, with the derived rates."""
    out = dict(runs[0])
    out["run_s"] = statistics.median(r["run_s"] for r in runs)
    out["proc_s"] = statistics.median(r["proc_s"] for r in runs)
    out["cpu_s"] = statistics.median(r["cpu_s"] for r in runs)
    # The model's own time (build, run, collect), without composing the config: what the core costs.
    model = [sum(r["timings"].values()) for r in runs if r.get("timings")]
    out["model_s"] = statistics.median(model) if model else math.nan
    out["run_s_all"] = [r["run_s"] for r in runs]
    out["peak_bytes"] = max(r["peak_bytes"] for r in runs)
    out["import_bytes"] = min(r["import_bytes"] for r in runs)
    out["repeats"] = len(runs)
    out["overrides"] = overrides
    residents, agents = out.get("residents"), out.get("mesa_agents")
    out["agent_steps_per_s"] = None if residents is None or agents is None else \
        (agents + residents) * out["days"] / out["run_s"]
    resident_days = (residents or 0) * out["days"] / 1e6
    out["s_per_m_resident_days"] = out["run_s"] / resident_days if resident_days else math.nan
    return out


def measure(overrides: list[str], seed: int, repeats: int, profile: int = 0) -> dict[str, Any]:
    """Run the config `repeats` times, each in a fresh child process; median times, largest peak."""
    return aggregate([run_child(overrides, seed, profile) for _ in range(repeats)], overrides)


def simulated(r: dict[str, Any]) -> int:
    """Days a run simulated: its warm-up and its measured days."""
    return int(r["days"]) + int(r.get("warmup_days", 0))


def mb(n: int) -> str:
    return f"{n / 1024**2:,.0f} MB"


def num(x: int | None) -> str:
    return "-" if x is None else f"{x:,}"


def case_overrides(name: str, days: int, warmup: bool = True) -> list[str]:
    """The case's overrides; `warmup=False` for a tree without a warm-up (``warmup_days`` unknown there)."""
    return [f"days={days}", *(x for x in CASES[name] if warmup or x != NO_WARMUP)]


def has_warmup(tree: Path) -> bool:
    """Whether the tree's model has a warm-up (its schema knows ``warmup_days``), read from its sources."""
    return any("warmup_days" in f.read_text(errors="replace") for f in (tree / "sim").rglob("*.py"))


def parse_cases(text: str | None, quick: bool, compare: bool = False) -> list[str]:
    if text is None:
        if compare:
            return list(COMPARE_CASES)
        return list(QUICK_CASES if quick else FULL_CASES)
    names = [x.strip() for x in text.split(",") if x.strip()]
    unknown = [x for x in names if x not in CASES]
    if unknown or not names:
        raise ValueError(f"--cases: unknown case(s) {', '.join(unknown) or '(none given)'}; known: {', '.join(CASES)}")
    return list(dict.fromkeys(names))


def case_targets(name: str, r: dict[str, Any]) -> list[tuple[str, bool]]:
    """The absolute targets of a named case: (description, ok)."""
    if name == "default":
        return [(f"default case < {DEFAULT_TARGET_S:g} s per run: {r['run_s']:.2f} s",
                 r["run_s"] < DEFAULT_TARGET_S)]
    if name == "continental":
        return [(f"continental case < {CONTINENTAL_TARGET_S:g} s per run: {r['run_s']:.2f} s",
                 r["run_s"] < CONTINENTAL_TARGET_S),
                (f"continental case < 1 GB peak memory: {mb(r['peak_bytes'])}",
                 r["peak_bytes"] < CONTINENTAL_TARGET_BYTES)]
    return []


def continental_note(r: dict[str, Any]) -> str:
    found = r.get("residents")
    if found is None:
        return f"   continental residents: not counted ({r.get('count_error', '?')})"
    ok = abs(found / CONTINENTAL_RESIDENTS - 1) <= CONTINENTAL_RESIDENTS_TOLERANCE
    return (f"   continental residents: {found:,} in {num(r.get('localities'))} localities of "
            f"{num(r.get('countries'))} countries; nominal 12 x 4 x 20,834 = {CONTINENTAL_RESIDENTS:,}, each "
            f"locality drawn x U(0.6, 1.4) by corridor.seed: x{found / CONTINENTAL_RESIDENTS:.3f} "
            f"({'within' if ok else 'OUTSIDE'} +-{CONTINENTAL_RESIDENTS_TOLERANCE:.0%})")


def print_cases(names: list[str], results: dict[str, dict[str, Any]], days: int, repeats: int,
                checks: list[tuple[str, bool]]) -> None:
    print(f"1. Named cases, {days} days, median of {repeats} run(s)")
    rows = []
    for name in names:
        r = results[name]
        targets = case_targets(name, r)
        checks.extend(targets)
        rows.append([name, f"{r['organisations']}", num(r.get("countries")), num(r.get("residents")),
                     num(r.get("mesa_agents")), f"{r['run_s']:.2f}", f"{r['cpu_s']:.2f}", f"{r['proc_s']:.2f}",
                     mb(r["peak_bytes"]),
                     "-" if r["agent_steps_per_s"] is None else f"{r['agent_steps_per_s']:,.0f}",
                     " ".join(verdict(ok) for _, ok in targets) or "-"])
    print(table(["case", "orgs", "countries", "residents", "Mesa agents", "run s", "cpu s", "proc s", "peak mem",
                 "agent-steps/s", "targets"], rows))
    print(f"   targets: default < {DEFAULT_TARGET_S:g} s; continental < {CONTINENTAL_TARGET_S:g} s and < 1 GB "
          "(PASS/FAIL in that order); org64 has only a speed-up target (--compare)")
    print("   agent-steps/s = (Mesa agents + residents) x days / run s")
    for name in names:
        r = results[name]
        print(f"   {name}: runs {', '.join(f'{x:.2f}' for x in r['run_s_all'])} s", end="")
        t = r["timings"]
        if t:
            print(f" (last: build {t.get('build', 0):.2f}, days {t.get('run', 0):.2f}, "
                  f"collect {t.get('collect', 0):.2f}; the rest is composing the config)", end="")
        print()
    if "default" in results and results["default"].get("agent_kinds"):
        kinds = ", ".join(f"{k} {v}" for k, v in results["default"]["agent_kinds"].items())
        print(f"   default Mesa agents by kind: {kinds}")
    if "continental" in results:
        print(continental_note(results["continental"]))
    print()


# ---------------------------------------------------------------------- --compare
@contextlib.contextmanager
def worktree(rev: str) -> Iterator[tuple[Path, str]]:
    """A detached git worktree of `rev` in a new temporary folder, removed on exit (also on error or Ctrl-C)."""
    try:
        sha = subprocess.run(["git", "rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}"], cwd=ROOT,
                             capture_output=True, text=True, check=True).stdout.strip()
    except subprocess.CalledProcessError:
        raise SystemExit(f"--compare: '{rev}' is not a commit of the repository at {ROOT}") from None
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", rev)[:40]
    path = Path(tempfile.mkdtemp(prefix=f"bench-{safe}-", dir=tempfile.gettempdir()))
    try:
        added = subprocess.run(["git", "worktree", "add", "--detach", str(path), sha], cwd=ROOT,
                               capture_output=True, text=True, check=False)
        if added.returncode != 0:
            raise SystemExit(f"--compare: git worktree add failed:\n{added.stderr}")
        yield path, sha
    finally:
        subprocess.run(["git", "worktree", "remove", "--force", str(path)], cwd=ROOT, capture_output=True,
                       check=False)
        if path.exists():
            shutil.rmtree(path, ignore_errors=True)
        subprocess.run(["git", "worktree", "prune"], cwd=ROOT, capture_output=True, check=False)
        print(f"worktree {path} removed")


def compare(rev: str, names: list[str], days: int, seed: int, repeats: int) -> list[tuple[str, bool]]:
    """Measure the named cases on `rev` and on this tree, interleaved; print the ratios; return the checks."""
    checks: list[tuple[str, bool]] = []
    with worktree(rev) as (path, sha):
        label = rev if len(rev) <= 12 else sha[:9]
        print(f"compare : {rev} = {sha[:12]}, checked out in {path}")
        print(f"current : {ROOT} (working tree as it is now)")
        print()
        results: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {}
        old_warmup, new_warmup = has_warmup(path), has_warmup(ROOT)
        for name in names:
            old_overrides = case_overrides(name, days, warmup=old_warmup)
            new_overrides = case_overrides(name, days, warmup=new_warmup)
            old_runs, new_runs = [], []
            for i in range(repeats):
                print(f"   {name} {i + 1}/{repeats}: {label} ...", end="", flush=True)
                old_runs.append(run_child(old_overrides, seed, tree=path))
                print(f" {old_runs[-1]['run_s']:.2f} s; current ...", end="", flush=True)
                new_runs.append(run_child(new_overrides, seed, tree=ROOT))
                print(f" {new_runs[-1]['run_s']:.2f} s  (load {load()})", flush=True)
            results[name] = (aggregate(old_runs, old_overrides), aggregate(new_runs, new_overrides))
        first_old, first_new = results[names[0]]
        print(f"   sim imported from: {first_old['sim_file']} | {first_new['sim_file']}")
        print()

    print(f"Speed-up: {label} vs current, {days} days, median of {repeats} interleaved run(s) each")
    rows = []
    for name in names:
        old, new = results[name]
        speedup, cpu_speedup = old["run_s"] / new["run_s"], old["cpu_s"] / new["cpu_s"]
        model_speedup = old["model_s"] / new["model_s"]
        target = SPEEDUP_TARGETS.get(name)
        if target is None:
            target_text = verdict_text = "-"
        else:
            ok = speedup >= target
            target_text, verdict_text = f">= {target:g}x", verdict(ok)
            checks.append((f"{name}: speed-up vs {label} {speedup:.2f}x (target >= {target:g}x"
                           f"{'' if sha.startswith(SPEEDUP_REFERENCE) else f', set for {SPEEDUP_REFERENCE}'})", ok))
        residents = num(old.get("residents")) if old.get("residents") == new.get("residents") else \
            f"{num(old.get('residents'))} / {num(new.get('residents'))}"
        rows.append([name, f"{simulated(old)} / {simulated(new)}", residents,
                     f"{num(old['shipments'])} / {num(new['shipments'])}", f"{old['run_s']:.2f}",
                     f"{new['run_s']:.2f}", f"{speedup:.2f}x", f"{cpu_speedup:.2f}x", f"{model_speedup:.2f}x",
                     target_text, verdict_text, mb(old["peak_bytes"]), mb(new["peak_bytes"])])
    print(table(["case", "simulated days", "residents", "shipments", f"{label} run s", "current run s", "speed-up",
                 "cpu speed-up", "model speed-up", "target", "verdict", f"{label} peak", "current peak"], rows))
    print(f"   simulated days and shipments: {label} / current; simulated days = warm-up + measured days; "
          "shipments = shipments attempted in the measured days")
    print(f"   speed-up = {label} median run s / current median run s (above 1: current is faster); "
          "cpu speed-up the same with cpu s; model speed-up the same with the model's own time (build, run and "
          "collect, without composing the config). The targets apply to speed-up, on the cases that simulate "
          "the same span on both trees (-1y: no warm-up).")
    if any(simulated(old) != simulated(new) for old, new in results.values()):
        print("   a case whose simulated days differ compares unequal work: its speed-up is shown, not judged")
    if not sha.startswith(SPEEDUP_REFERENCE):
        print(f"   the speed-up targets are set against {SPEEDUP_REFERENCE}; here they are only indicative")
    for name in names:
        old, new = results[name]
        print(f"   {name}: {label} runs {', '.join(f'{x:.2f}' for x in old['run_s_all'])} s; "
              f"current runs {', '.join(f'{x:.2f}' for x in new['run_s_all'])} s")
    for name in names:
        new = results[name][1]
        for text, ok in case_targets(name, new):
            checks.append((f"current: {text}", ok))
    if "continental" in results:
        print(continental_note(results["continental"][1]))
    print()
    return checks


# ---------------------------------------------------------------------- main
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="1 repeat, no continental case, residents up to 100k, network up to 4x")
    parser.add_argument("--repeats", type=int, default=None, help="runs per measurement (default 3, quick 1)")
    parser.add_argument("--days", type=int, default=365, help="simulated days per run (default 365)")
    parser.add_argument("--seed", type=int, default=1, help="seed of every run (default 1)")
    parser.add_argument("--cases", metavar="NAME,...",
                        help=f"only these named cases ({', '.join(CASES)}), without the scaling sections")
    parser.add_argument("--compare", metavar="REV",
                        help="measure the named cases on git revision REV (temporary worktree) and on this tree, "
                             "interleaved, and print the speed-ups")
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
    try:
        names = parse_cases(args.cases, args.quick, compare=bool(args.compare))
    except ValueError as err:
        parser.error(str(err))
    if args.compare and args.profile:
        parser.error("--compare and --profile do not go together")
    days, seed = args.days, args.seed
    base = [f"days={days}"]

    print_header("Benchmark: sim, one run per fresh process")
    mode = f"profile {args.profile:,} residents" if args.profile else f"repeats={repeats}"
    print(f"settings: days={days} seed={seed} {mode}{' quick' if args.quick else ''}"
          f"{'' if args.profile else ' cases=' + ','.join(names)}")
    print()

    if args.profile:
        default = measure(base, seed, 1)
        scale = args.profile / default["residents"]
        print(f"Profiling one run: {args.profile:,} residents (community.population_scale={scale:.6g}), {days} days")
        measure([*base, f"community.population_scale={scale:.6g}"], seed, 1, profile=40)
        return 0

    if args.compare:
        # A plain `kill` (SIGTERM) would end the process without running the worktree's clean-up; make it an exit.
        signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
        checks = compare(args.compare, names, days, seed, repeats)
        return finish(checks, args.strict)

    checks: list[tuple[str, bool]] = []

    # 1. The named cases.
    results = {name: measure(case_overrides(name, days), seed, repeats) for name in names}
    print_cases(names, results, days, repeats, checks)
    if args.cases is not None:
        return finish(checks, args.strict)
    default = results["default"]
    default_total = default["residents"]

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
                     num(r.get("network_members")), num(r.get("mesa_agents")), num(r["shipments"]),
                     f"{r['events']:,}", f"{r['run_s']:.2f}", f"{r['cpu_s']:.2f}", f"{r['proc_s']:.2f}",
                     mb(r["peak_bytes"]),
                     f"x{r['network_members'] / net0['network_members']:.1f}", f"x{r['run_s'] / net0['run_s']:.2f}",
                     f"{r['run_s'] / r['network_members'] * 1e3:.1f}"])
    print(table(["factor", "orgs", "cells/org", "cash", "members", "Mesa agents", "shipments", "events", "run s",
                 "cpu s", "proc s", "peak mem", "members ratio", "time ratio", "ms per member"], rows))
    print("   cash = network.initial_cash, scaled with cells/org; shipments = shipments attempted in the run;"
          " events = rows of the event log")
    print()
    return finish(checks, args.strict)


def finish(checks: list[tuple[str, bool]], strict: bool) -> int:
    print(f"load at end: {load()}")
    print("Targets")
    for text, ok in checks:
        print(f"  {verdict(ok)}  {text}")
    if not checks:
        print("  (none for these cases)")
    return 1 if strict and not all(ok for _, ok in checks) else 0


if __name__ == "__main__":
    sys.exit(main())
