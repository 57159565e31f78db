"""The command line of the validation suite.

    python -m sim.validate [--quick] [--replications N] [--corridors default,gen1,...] [--patterns a,b]
                           [--out results/validation] [--jobs N] [--seed S]
    python -m sim.validate list          # the catalogue: names, titles, run lengths

Options may also be written the way `sim.experiment` takes them (`replications=5 corridors=default,gen2`).
Exit codes: 0 every pattern passes on every corridor, 1 some pattern fails, is not measurable or has failed
runs (re-run to retry them), 2 bad input (one `error:` line), 130 interrupted.
"""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

from sim.cli import check_writable, fail, restore_ctrl_c
from sim.errors import ConfigError
from sim.validate.catalogue import PATTERNS, corridor
from sim.validate.outcome import Settings

OPTIONS = ("quick", "replications", "corridors", "patterns", "out", "jobs", "seed")
ALIASES = {"n_jobs": "jobs", "results_dir": "out"}
CORRIDOR_FORMS = "default, gen<K> (the generated corridor with corridor.seed=K)"
DEFAULT_OUT, QUICK_OUT = Path("results/validation"), Path("results/validation_quick")


def _pairs(args: list[str]) -> list[tuple[str, str | None]]:
    """`--key value`, `--key=value`, `key=value` and a bare `--quick` as (key, value) pairs."""
    pairs: list[tuple[str, str | None]] = []
    i = 0
    while i < len(args):
        arg = args[i]
        name = arg[2:] if arg.startswith("--") else arg
        if "=" in name:
            key, value = name.split("=", 1)
            pairs.append((key, value))
        elif not arg.startswith("--"):
            raise ConfigError(f"unexpected argument '{arg}'; options: {', '.join('--' + o for o in OPTIONS)}")
        elif ALIASES.get(name, name) == "quick":
            pairs.append((name, None))
        else:
            if i + 1 >= len(args):
                raise ConfigError(f"--{name}: needs a value")
            pairs.append((name, args[i + 1]))
            i += 1
        i += 1
    return pairs


def _whole(key: str, value: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise ConfigError(f"{key}: '{value}' is not a whole number") from None


def _names(key: str, value: str) -> tuple[str, ...]:
    names = tuple(v.strip() for v in value.strip().strip("[]").split(",") if v.strip())
    if not names:
        raise ConfigError(f"{key}: name at least one")
    return names


def parse(args: list[str]) -> Settings:
    """Settings from the command line; ConfigError naming the bad option and what is allowed."""
    values: dict[str, Any] = {}
    for raw, value in _pairs(args):
        key = ALIASES.get(raw, raw)
        if key not in OPTIONS:
            raise ConfigError(f"unknown option '{raw}'; allowed: {', '.join(OPTIONS)}")
        if key == "quick":
            text = "true" if value is None else value.lower()
            if text not in ("true", "false"):
                raise ConfigError(f"quick: '{value}' is not true or false")
            values[key] = text == "true"
        elif key in ("replications", "jobs", "seed"):
            values[key] = _whole(key, value or "")
        elif key == "patterns":
            names = _names(key, value or "")
            for n in names:
                if n not in PATTERNS:
                    raise ConfigError(f"patterns: unknown pattern '{n}'; allowed: {', '.join(PATTERNS)}")
            values[key] = names
        elif key == "corridors":
            names = _names(key, value or "")
            for n in names:
                try:
                    corridor(n)
                except ValueError:
                    raise ConfigError(f"corridors: unknown corridor '{n}'; allowed: {CORRIDOR_FORMS}") from None
            values[key] = tuple(dict.fromkeys(names))
        else:
            if not value:
                raise ConfigError("out: needs a folder")
            values[key] = Path(value)
    if "replications" in values and values["replications"] < 2:
        raise ConfigError(f"replications: at least 2 are needed for an interval, got {values['replications']}")
    if "seed" in values and values["seed"] < 0:
        raise ConfigError(f"seed: must be >= 0, got {values['seed']}")
    settings = Settings(**values)
    if "out" not in values:
        settings = replace(settings, out=QUICK_OUT if settings.quick else DEFAULT_OUT)
    return settings


def catalogue_listing() -> str:
    lines = [f"{'pattern':<18} {'days':>5}  {'arms':>4}  {'quick':<5}  title"]
    for p in PATTERNS.values():
        lines.append(f"{p.name:<18} {p.days:>5}  {len(p.arms):>4}  {'yes' if p.quick else '':<5}  {p.title}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Run the command in `argv` (default: the process arguments); returns the exit code."""
    restore_ctrl_c()
    args = list(sys.argv[1:] if argv is None else argv)
    if args == ["list"]:
        print(catalogue_listing())
        return 0
    if any(a in ("-h", "--help") for a in args):
        print((__doc__ or "").strip())
        return 0
    try:
        settings = parse(args)
        check_writable(settings.out, "out")
        from sim.validate.suite import run_validation  # loaded after the arguments are known to be good

        outcome = run_validation(settings, verbose=True)
    except ConfigError as exc:
        return fail(str(exc))
    except KeyboardInterrupt:
        print("interrupted: finished runs are kept; run the same command again to resume", file=sys.stderr)
        return 130
    from sim.validate.report import summary_line, text_table

    print(text_table(outcome))
    print(summary_line(outcome))
    print(f"report: {settings.out / 'report.md'} (and report.html, validation.json)")
    return 0 if outcome.all_passed else 1


if __name__ == "__main__":
    sys.exit(main())
