"""`python -m sim.run [overrides]`: one run from the command line.

Overrides are Hydra's (`seed=3 scenario=fusion_centre policy.oversight=0.8 output_dir=out/`); `-m` runs
Hydra's multirun over comma-separated values. Every combination is validated before anything runs, so
bad input ends with one line and exit code 2.
"""

from __future__ import annotations

import sys
from pathlib import Path

import hydra
from hydra.core.hydra_config import HydraConfig
from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.types import RunMode
from omegaconf import DictConfig

from sim.api import simulate
from sim.cli import check_writable, outcome_table, restore_ctrl_c
from sim.config import CONFIG_DIR, ConfigError, compose, finalize, register


def _is_hydra_flag(arg: str) -> bool:
    return arg.startswith("-")


#: Hydra flags followed by a value (which is not an override).
_FLAGS_WITH_VALUE = {"--cfg", "-c", "--package", "-p", "--config-path", "-cp", "--config-name", "-cn",
                     "--config-dir", "-cd", "--experimental-rerun"}
_INFO_TOPICS = {"all", "config", "defaults", "defaults-tree", "plugins", "searchpath"}


def _overrides(args: list[str]) -> list[str]:
    """The key=value overrides among the arguments (Hydra's flags and their values left out)."""
    out, skip = [], False
    for i, arg in enumerate(args):
        if skip:
            skip = False
            continue
        if arg in _FLAGS_WITH_VALUE or (arg in ("--info", "-i") and i + 1 < len(args)
                                        and args[i + 1] in _INFO_TOPICS):
            skip = True
            continue
        if not _is_hydra_flag(arg):
            out.append(arg)
    return out


def _sweep_combinations(overrides: list[str]) -> list[list[str]]:
    """Every concrete override list a multirun would run (for validation before starting)."""
    from hydra._internal.core_plugins.basic_sweeper import BasicSweeper

    parsed = OverridesParser.create().parse_overrides(overrides)
    if not any(o.is_sweep_override() for o in parsed):
        return [overrides]
    batches = BasicSweeper.split_arguments(parsed, None)
    return [list(job) for batch in batches for job in batch]


def _parses(override: str) -> bool:
    try:
        OverridesParser.create().parse_overrides([override])
    except Exception:
        return False
    return True


def _validate(args: list[str]) -> None:
    overrides = [a for a in _overrides(args) if not a.startswith(("hydra.", "hydra/", "+hydra"))]
    try:
        combos = _sweep_combinations(overrides)
    except Exception as exc:  # Hydra's grammar errors: name the override that does not parse
        culprit = next((o for o in overrides if not _parses(o)), None)
        where = f" in '{culprit}'" if culprit else ""
        raise ConfigError(f"bad override syntax{where}: {str(exc).splitlines()[0]}") from None
    for combo in combos:
        cfg = compose(combo)
        if cfg.output_dir:
            check_writable(Path(cfg.output_dir), "output_dir")


def _output_dir(cfg: DictConfig) -> Path:
    hc = HydraConfig.get()
    if hc.mode == RunMode.MULTIRUN or not cfg.get("output_dir"):
        return Path(hc.runtime.output_dir)
    return Path(cfg.output_dir)


def _task(raw: DictConfig) -> None:
    try:
        cfg = finalize(raw)
        out = _output_dir(raw)
        result = simulate(cfg, progress=cfg.progress)
        result.save(out)
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(2)
    print(outcome_table(result.summary, f"{cfg.scenario_name} (seed {cfg.seed}, {cfg.days} days)"))
    print(f"  outputs: {out}")


register()
_hydra_main = hydra.main(config_path=str(CONFIG_DIR), config_name="config", version_base="1.3")(_task)


def main(argv: list[str] | None = None) -> int:
    """Validate, then hand over to Hydra (which handles `-m`, `--help`, `--cfg`)."""
    restore_ctrl_c()
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        _validate(args)
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    multirun = any(a in ("-m", "--multirun") for a in args)
    given = {a.split("=", 1)[0]: a.split("=", 1)[1] for a in _overrides(args) if "=" in a}
    if given.get("output_dir") not in (None, "null"):
        key = "hydra.sweep.dir" if multirun else "hydra.run.dir"
        if key not in given:
            args.append(f"{key}={given['output_dir']}")
    sys.argv = [sys.argv[0], *args]
    try:
        _hydra_main()
    except KeyboardInterrupt:
        print("interrupted: no complete output was written for the unfinished run", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
