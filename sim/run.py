"""`python -m sim.run [overrides]`: one run from the command line.

Overrides are Hydra's (`seed=3 scenario=fusion_centre policy.oversight=0.8 output_dir=out/`); `-m` runs
Hydra's multirun over comma-separated values. Every combination is validated before anything runs, so
bad input ends with one line and exit code 2.
"""

from __future__ import annotations

import itertools
import sys
from pathlib import Path

import hydra
from hydra.core.hydra_config import HydraConfig
from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.core.override_parser.types import Override
from hydra.errors import HydraException, OverrideParseException
from hydra.types import RunMode
from omegaconf import DictConfig

from sim.api import simulate
from sim.cli import check_writable, fail, outcome_table, restore_ctrl_c
from sim.config import CONFIG_DIR, ConfigError, compose, explain_hydra_error, finalize, register


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


def _is_multirun(args: list[str]) -> bool:
    return any(a in ("-m", "--multirun") for a in args) or any(
        o.replace(" ", "").lower() == "hydra.mode=multirun" for o in _overrides(args))


def _parse(overrides: list[str]) -> list[Override]:
    """Hydra's parse of each override (one at a time, so an error names the override at fault)."""
    parser = OverridesParser.create()
    parsed = []
    for text in overrides:
        try:
            parsed += parser.parse_overrides([text])
        except OverrideParseException as exc:
            raise ConfigError(explain_hydra_error(exc)) from None
    return parsed


def _sweep_combinations(parsed: list[Override]) -> list[list[str]]:
    """Every concrete override list a multirun runs, as Hydra's basic sweeper expands them: one entry per
    key (a later override of a key replaces an earlier one, in the earlier one's place), each sweep (comma
    list, range(), choice(), sort/shuffle of those) as its values, and the cartesian product in key order."""
    values: dict[str, list[str]] = {}
    for o in parsed:
        key = o.get_key_element()
        if not o.is_sweep_override():
            values[key] = [f"{key}={o.get_value_element_as_str()}"]
        else:
            try:
                if not o.is_discrete_sweep():
                    raise HydraException("not a list of values")
                values[key] = [f"{key}={v}" for v in o.sweep_string_iterator()]
            except HydraException as exc:  # interval(); glob() needs the config loader Hydra has at run time
                raise ConfigError(f"{key}: cannot sweep over '{o.input_line}' ({str(exc).strip().splitlines()[0]}); "
                                  "allowed: a comma list, range() or choice()") from None
    return [list(job) for job in itertools.product(*values.values())]


def _validate(args: list[str]) -> None:
    """Compose (and so validate) every run the arguments ask for, before Hydra starts any of them."""
    overrides = [a for a in _overrides(args) if not a.startswith(("hydra.", "hydra/", "+hydra"))]
    parsed = _parse(overrides)
    sweeps = [o for o in parsed if o.is_sweep_override()]
    if not sweeps:
        combos = [overrides]
    elif not _is_multirun(args):
        raise ConfigError(f"'{sweeps[0].input_line}': a sweep needs -m (--multirun); "
                          "for a list write key=[a,b], for text with commas quote it")
    else:
        combos = _sweep_combinations(parsed)
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
        sys.exit(fail(str(exc)))
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
        return fail(str(exc))
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
