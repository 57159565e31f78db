"""`python -m sim.run [overrides]`: one run from the command line.

Overrides are Hydra's (`seed=3 scenario=fusion_centre policy.oversight=0.8 output_dir=out/`); `-m` runs
Hydra's multirun over comma-separated values. Every combination is validated before anything runs, so
bad input ends with one line and exit code 2.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from pathlib import Path
from typing import Any

import hydra
from hydra.core.hydra_config import HydraConfig
from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.types import RunMode
from omegaconf import DictConfig

from sim.api import simulate
from sim.config import CONFIG_DIR, ConfigError, compose, finalize, register

#: The outcomes printed after a run, with their labels and formats.
TABLE = (
    ("shipments_attempted", "shipments attempted", "{:.0f}"),
    ("shipments_seized", "shipments seized", "{:.0f}"),
    ("interdiction_rate", "interdiction rate", "{:.1%}"),
    ("arrests", "arrests", "{:.0f}"),
    ("convictions", "convictions", "{:.0f}"),
    ("disruption_depth", "disruption depth (high-rank share)", "{:.2f}"),
    ("time_to_action_days", "time to action (median days)", "{:.1f}"),
    ("assets_frozen", "assets frozen (M)", "{:.1f}"),
    ("corrupt_officer_share", "corrupt officer share (mean)", "{:.1%}"),
    ("victims_trafficked", "victims trafficked", "{:.0f}"),
    ("victims_identified", "victims identified", "{:.0f}"),
    ("victims_protected", "victims protected", "{:.0f}"),
    ("tips_received", "tips received", "{:.0f}"),
    ("legit_trade_delay_hours", "legit trade delay (hours/vehicle)", "{:.2f}"),
    ("policy_cost", "policy cost (M)", "{:.1f}"),
)


def outcome_table(summary: dict[str, Any], title: str = "") -> str:
    width = max(len(label) for _, label, _ in TABLE)
    lines = [title] if title else []
    for key, label, fmt in TABLE:
        value = summary.get(key)
        shown = "n/a" if value is None else fmt.format(value)
        lines.append(f"  {label:<{width}}  {shown:>10}")
    return "\n".join(lines)


def restore_ctrl_c() -> None:
    """Make Ctrl-C interrupt even when started with SIGINT ignored (as background jobs of a shell are),
    so that an interrupted command always ends cleanly with its message instead of running on."""
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, signal.default_int_handler)


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


def check_writable(folder: Path, key: str) -> None:
    """Refuse, before any work, a folder that cannot be created or written."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(f"{key}: cannot create '{folder}' ({exc.strerror or exc})") from None
    if not os.access(folder, os.W_OK):
        raise ConfigError(f"{key}: cannot write into '{folder}'")


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
