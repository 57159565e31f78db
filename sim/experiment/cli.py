"""The command line of batch experiments.

    python -m sim.experiment experiment=policy_comparison [replications=50 n_jobs=2 days=730 seed=7]
    python -m sim.experiment collect PATH      # gather `sim.run -m` folders into runs.parquet
    python -m sim.experiment report PATH       # rebuild the report from stored results

Exit codes: 0 done; 1 some run failed (each with one line of reason; the others are saved, and re-running
the same command retries only the failed ones) or the results could not be written; 2 bad input (one
`error:` line, nothing run or written); 130 interrupted (finished runs are kept).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

from sim.cli import check_writable, fail, restore_ctrl_c
from sim.errors import ConfigError
from sim.experiment.definition import DesignKind, load_definition
from sim.experiment.multirun import collect
from sim.experiment.runner import run_experiment
from sim.results import read_json


def main(argv: list[str] | None = None) -> int:
    """Run the command in `argv` (default: the process arguments); returns the exit code."""
    restore_ctrl_c()
    args = list(sys.argv[1:] if argv is None else argv)
    if any(a in ("-h", "--help") for a in args):
        print((__doc__ or "").strip())
        return 0
    if args[:1] in (["collect"], ["report"]):
        return _from_folder(args)
    names = [a.split("=", 1)[1] for a in args if a.startswith("experiment=")]
    rest = [a for a in args if not a.startswith("experiment=")]
    name = names[-1] if names else "policy_comparison"
    try:
        exp = load_definition(name, rest)
        check_writable(Path(exp.results_dir), "results_dir")
    except ConfigError as exc:
        return fail(str(exc))
    try:
        outcome = run_experiment(exp)
    except KeyboardInterrupt:
        print("interrupted: finished runs are kept; run the same command again to resume", file=sys.stderr)
        return 130
    except ConfigError as exc:
        return fail(str(exc))
    except OSError as exc:  # disk full, a folder removed under us: not bad input, and nothing finished is lost
        return fail(f"cannot write the results under '{exp.results_dir}' ({exc.strerror or type(exc).__name__}); "
                    "finished runs are kept: run the same command again to resume", code=1)
    from sim.experiment.report.build import headline_table, pairing_line  # loaded late: matplotlib is slow

    print(headline_table(outcome.path))
    if line := pairing_line(outcome.path):
        print(line)
    if exp.design.kind != DesignKind.none:
        section = "Morris screening" if exp.design.kind == DesignKind.morris else "outcomes against swept levers"
        print(f"{exp.design.kind} design over {', '.join(exp.design.levers)}: see the report's {section}")
    print(f"{outcome.ok}/{outcome.total} runs ok ({outcome.ran} run now, {outcome.total - outcome.ran} resumed)")
    print(f"results: {outcome.path}")
    if exp.report:
        print(f"report:  {outcome.path / 'report.md'} (and report.html)")
    if outcome.failed:
        for record in outcome.failed[:10]:
            print(f"  failed: {record['run_id']} (seed {record['seed']}): {record['error']}", file=sys.stderr)
        more = f" ({len(outcome.failed) - 10} more in runs.parquet)" if len(outcome.failed) > 10 else ""
        print(f"{len(outcome.failed)} run(s) failed{more}; the other {outcome.ok} are saved; re-run the same command "
              "to retry only the failed ones", file=sys.stderr)
        return 1
    return 0


def _from_folder(args: list[str]) -> int:
    """`collect PATH` and `report PATH`: both end with the report of the folder."""
    if len(args) != 2:
        return fail(f"usage: python -m sim.experiment {args[0]} PATH")
    command, folder = args
    try:
        if command == "collect":
            out = collect(folder)
            print(f"collected {len(pd.read_parquet(out / 'runs.parquet'))} runs into {out / 'runs.parquet'}")
            nested = read_json(out / "manifest.json").get("left_out_nested") or []
            if nested:
                print(f"left out {len(nested)} folder(s) inside a run folder (branches, not runs of the sweep): "
                      f"{', '.join(nested[:3])}{', ...' if len(nested) > 3 else ''}")
        from sim.experiment.report.build import build_report, headline_table, pairing_line

        if not (Path(folder) / "runs.parquet").is_file():
            return fail(f"report: no runs.parquet in '{folder}'")
        report = build_report(folder)
        print(headline_table(folder))
        if line := pairing_line(folder):
            print(line)
        print(f"report: {report} (and {report.with_suffix('.html')})")
    except ConfigError as exc:
        return fail(str(exc))
    except (OSError, ValueError) as exc:  # unreadable or damaged files in the folder
        return fail(f"{command}: {folder}: {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
