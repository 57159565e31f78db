"""`python -m sim.run [overrides]`: one run from the command line.

Overrides are Hydra's (`seed=3 scenario=fusion_centre policy.oversight=0.8 output_dir=out/`); `-m` runs
Hydra's multirun over comma-separated values. Everything is checked before anything runs or is written:
Hydra's flags, every combination's config (ranges, names, the corridor, memory), and every folder the
run(s) will write (`hydra.run.dir` and `hydra.sweep.dir` too). So bad input ends with one line and exit
code 2, and a failure while writing (a full disk) too.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import sys
from pathlib import Path

import hydra
from hydra.core.hydra_config import HydraConfig
from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.core.override_parser.types import Override
from hydra.errors import HydraException, OverrideParseException
from hydra.types import RunMode
from omegaconf import DictConfig, OmegaConf

from sim.api import simulate
from sim.cli import check_output_folder, fail, outcome_table, restore_ctrl_c
from sim.config import CONFIG_DIR, ConfigError, closest_first, compose, explain_hydra_error, finalize, register
from sim.config.compose import hydra_compose
from sim.results import TRANSIENT_NAMES, not_a_run_folder

#: Hydra's flags a run takes, and how many values follow each ("?": an optional one from `_INFO_TOPICS`).
_FLAGS: dict[str, int | str] = {
    "-h": 0, "--help": 0, "--hydra-help": 0, "--version": 0, "-c": 1, "--cfg": 1, "--resolve": 0, "-p": 1,
    "--package": 1, "-r": 0, "--run": 0, "-m": 0, "--multirun": 0, "-i": "?", "--info": "?", "-cn": 1,
    "--config-name": 1,
}
#: Hydra's flags a run refuses, and why: each would run something other than what was checked.
_REFUSED_FLAGS = {
    "-cp": "the run configuration is configs/ (set SIM_CONFIG_DIR to use another tree)",
    "--config-path": "the run configuration is configs/ (set SIM_CONFIG_DIR to use another tree)",
    "-cd": "the run configuration is configs/ (set SIM_CONFIG_DIR to use another tree)",
    "--config-dir": "the run configuration is configs/ (set SIM_CONFIG_DIR to use another tree)",
    "--experimental-rerun": "it loads a pickle file, which can run any code; re-run from a run's config.yaml",
    "-sc": "shell completion is not supported",
    "--shell-completion": "shell completion is not supported",
}
_CHOICES = {"-c": ("job", "hydra", "all"), "--cfg": ("job", "hydra", "all"), "-cn": ("config",),
            "--config-name": ("config",)}
_SHORT = {"--run": "-r", "--multirun": "-m", "--cfg": "-c", "--info": "-i"}
_INFO_TOPICS = ("all", "config", "defaults", "defaults-tree", "plugins", "searchpath")
#: Hydra's settings resolved against the whole config (the run's folders), where `${scenario_name}` works.
_FOLDER_KEYS = ("hydra.run.dir", "hydra.sweep.dir", "hydra.sweep.subdir")
#: Flags after which Hydra prints something and runs nothing (so no folder is written).
_NO_RUN = {"-h", "--help", "--hydra-help", "--version", "-c", "--cfg", "-i", "--info"}


def _split(args: list[str]) -> tuple[list[list[str]], list[str]]:
    """Hydra's flags (each as its tokens: the flag and its value, `--flag=value` split) and the key=value
    overrides among the arguments; an unknown flag, a refused one or a bad value is a ConfigError."""
    flags: list[list[str]] = []
    overrides: list[str] = []
    i = 0
    while i < len(args):
        arg = args[i]
        i += 1
        if not arg.startswith("-") or arg == "-":
            overrides.append(arg)
            continue
        name, eq, inline = arg.partition("=")
        if name in _REFUSED_FLAGS:
            raise ConfigError(f"{name}: not supported: {_REFUSED_FLAGS[name]}")
        if name not in _FLAGS:
            raise ConfigError(f"{name}: unknown option; allowed: {', '.join(closest_first(name, _FLAGS))}")
        takes = _FLAGS[name]
        value: str | None = inline if eq else None
        if takes == 1 and value is None:
            if i >= len(args) or args[i].startswith("-"):
                raise ConfigError(f"{name}: needs a value")
            value = args[i]
            i += 1
        elif takes == "?" and value is None and i < len(args) and args[i] in _INFO_TOPICS:
            value = args[i]
            i += 1
        elif takes == 0 and eq:
            raise ConfigError(f"{name}: takes no value")
        allowed = _CHOICES.get(name, _INFO_TOPICS if takes == "?" else None)
        if value is not None and allowed is not None and value not in allowed:
            raise ConfigError(f"{name}: unknown value '{value}'; allowed: {', '.join(allowed)}")
        flags.append([name] if value is None else [name, value])
    names = {f[0] for f in flags}
    if names & {"--resolve"} and not names & {"-c", "--cfg", "-h", "--help"}:
        raise ConfigError("--resolve: only with --cfg or --help")
    modes = [f for f in ("--run", "--multirun", "--cfg", "--info") if names & {f, _SHORT[f]}]
    if len(modes) > 1:
        raise ConfigError(f"{' and '.join(modes)}: choose one")
    return flags, overrides


def _for_hydra(args: list[str]) -> list[str]:
    """The arguments in the order Hydra's parser takes without fail: the overrides, then the flags (a flag
    between overrides splits them, which argparse refuses; `-i` before an override would take it as its
    topic)."""
    flags, overrides = _split(args)
    if {f[0] for f in flags} & {"--hydra-help", "--version"}:
        overrides = []  # they change nothing printed, and Hydra would apply them to its own node
    return [*overrides, *(token for flag in flags for token in flag)]


def _is_hydra(override: str) -> bool:
    return override.lstrip("+~").startswith(("hydra.", "hydra/"))


def _is_multirun(flags: list[list[str]], overrides: list[str]) -> bool:
    return any(f[0] in ("-m", "--multirun") for f in flags) or any(
        o.replace(" ", "").lower() == "hydra.mode=multirun" for o in overrides)


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


def _not_a_sweep(folder: Path) -> str | None:
    """What makes a non-empty folder something other than an earlier sweep's: anything but its numbered jobs
    and Hydra's record of the sweep (multirun.yaml)."""
    with os.scandir(folder) as entries:
        for entry in entries:
            if not (entry.name.isdigit() and entry.is_dir()) and entry.name != "multirun.yaml" and not \
                    TRANSIENT_NAMES.fullmatch(entry.name):
                return f"already holds '{entry.name}', which a sweep does not write"
    return None


def _folder(cfg: DictConfig, key: str) -> Path | None:
    """A folder of Hydra's node, resolved (`${now:...}`, `${scenario_name}`); None when it names what only
    Hydra knows once the job starts (`${hydra.runtime.cwd}`): Hydra then checks it itself."""
    try:
        value = OmegaConf.select(cfg, key, throw_on_missing=True)
    except Exception:
        return None
    text = "" if value is None else str(value)
    if not text.strip():
        raise ConfigError(f"{key}: must not be empty (that would write into the current folder)")
    if not text.isprintable():
        raise ConfigError(f"{key}: holds control characters; allowed: a folder path")
    return Path(text)


def _job_folder(hcfg: DictConfig, sweep: Path, num: int) -> Path | None:
    """Where job `num` of a sweep writes (`hydra.sweep.subdir`), None when it depends on what only Hydra
    knows at run time."""
    hcfg.hydra.job.num = num
    try:
        sub = OmegaConf.select(hcfg, "hydra.sweep.subdir", throw_on_missing=True)
    except Exception:  # a value Hydra fills in only when the job starts
        return None
    return None if sub is None or not str(sub).strip() else sweep / str(sub)


def _check_folders(combos: list[list[str]], hydra_overrides: list[str], multirun: bool,
                   writes: bool = True) -> DictConfig:
    """Hydra's own overrides compose, and (when the run `writes`) every folder the run(s) will write is new,
    empty or an earlier output of the same kind, and writable.

    Hydra creates its run (or sweep) folder and a run writes `output_dir`; `main` makes them the same unless
    `hydra.run.dir` is given too, so the refusal names `output_dir` when that is what the user wrote."""
    hcfg = hydra_compose(CONFIG_DIR, "config", [*combos[0], *hydra_overrides], with_hydra=True)
    if not writes:
        return hcfg
    try:
        chdir = hcfg.hydra.job.chdir
    except Exception as exc:
        raise ConfigError(explain_hydra_error(exc)) from None
    if chdir:
        raise ConfigError("hydra.job.chdir: must stay false; a run writes to output_dir and reads paths from the "
                          "folder it is started in")
    out = None if hcfg.get("output_dir") is None else Path(str(hcfg.output_dir))
    if not multirun:
        run_dir = _folder(hcfg, "hydra.run.dir")
        if run_dir is not None:
            check_output_folder(run_dir, "output_dir" if out == run_dir else "hydra.run.dir", not_a_run_folder)
        if out is not None and out != run_dir:
            check_output_folder(out, "output_dir", not_a_run_folder)
        return hcfg
    sweep = _folder(hcfg, "hydra.sweep.dir")
    if sweep is None:
        return hcfg
    check_output_folder(sweep, "output_dir" if out == sweep else "hydra.sweep.dir", _not_a_sweep)
    for num in range(len(combos)):
        job = _job_folder(hcfg, sweep, num)
        if job is not None and job.exists():
            check_output_folder(job, "hydra.sweep.subdir", not_a_run_folder)
    return hcfg


def _with_output_dir(args: list[str]) -> list[str]:
    """The arguments with `output_dir=PATH` also given to Hydra as its run (or sweep) folder, unless that is
    set: Hydra creates it, and a sweep's jobs go in numbered folders inside it."""
    flags, overrides = _split(args)
    given = {o.split("=", 1)[0]: o.split("=", 1)[1] for o in overrides if "=" in o}
    out = given.get("output_dir")
    if out in (None, "null"):
        return args
    key = "hydra.sweep.dir" if _is_multirun(flags, overrides) else "hydra.run.dir"
    return args if key in given else [*args, f"{key}={out}"]


def _validate(args: list[str]) -> None:
    """Check every run the arguments ask for, and every folder they will write, before Hydra starts any."""
    flags, everything = _split(args)
    overrides = [o for o in everything if not _is_hydra(o)]
    hydra_overrides = [o for o in everything if _is_hydra(o)]
    for o in hydra_overrides:
        key = o.lstrip("+~").split("=", 1)[0]
        if "${" in o and key not in _FOLDER_KEYS:  # Hydra resolves its node alone: `${seed}` is not there
            raise ConfigError(f"{key}: interpolations ('${{...}}') are allowed only in {', '.join(_FOLDER_KEYS)}")
        if o.startswith("+") and not key.startswith("hydra/"):  # Hydra would keep it, and ignore it
            section = key.rpartition(".")[0] or "hydra"
            raise ConfigError(f"{key}: unknown key; Hydra's own settings can be changed ({section}.<key>=VALUE), "
                              "not added to")
    _parse(hydra_overrides)
    parsed = _parse(overrides)
    sweeps = [o for o in parsed if o.is_sweep_override()]
    multirun = _is_multirun(flags, everything)
    if not sweeps:
        combos = [overrides]
    elif not multirun:
        raise ConfigError(f"'{sweeps[0].input_line}': a sweep needs -m (--multirun); "
                          "for a list write key=[a,b], for text with commas quote it")
    else:
        combos = _sweep_combinations(parsed)
        # Hydra first composes the fixed overrides alone (types only), even those a sweep replaces later.
        hydra_compose(CONFIG_DIR, "config", [o.input_line for o in parsed if not o.is_sweep_override()])
    for combo in combos:
        compose(combo)
    hcfg = _check_folders(combos, hydra_overrides, multirun, writes=not {f[0] for f in flags} & _NO_RUN)
    package = next((f[1] for f in flags if f[0] in ("-p", "--package")), None)
    if package is not None and package != "_global_" and OmegaConf.select(hcfg, package) is None:
        sections = [k for k in hcfg if OmegaConf.is_dict(hcfg[k])] if OmegaConf.is_dict(hcfg) else []
        raise ConfigError(f"-p: no section '{package}' in the config; allowed: "
                          f"{', '.join(closest_first(package, sections))}")


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
    except ConfigError as exc:
        sys.exit(fail(str(exc)))
    except MemoryError:
        sys.exit(fail("memory: the run ran out of memory; allowed: a smaller corridor population "
                      "(community.population_scale) or network"))
    try:
        result.save(out)
    except OSError as exc:
        with contextlib.suppress(OSError):
            out.rmdir()  # only when empty: the folder Hydra made for this run, with nothing in it
        sys.exit(fail(f"output_dir: cannot write the run into '{out}' ({exc.strerror or exc}); "
                      "no complete output was written"))
    print(outcome_table(result.summary, f"{cfg.scenario_name} (seed {cfg.seed}, {cfg.days} days)"))
    print(f"  outputs: {out}")


register()
_hydra_main = hydra.main(config_path=str(CONFIG_DIR), config_name="config", version_base="1.3")(_task)


def main(argv: list[str] | None = None) -> int:
    """Validate, then hand over to Hydra (which handles `-m`, `--help`, `--cfg`)."""
    restore_ctrl_c()
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        args = _for_hydra(_with_output_dir(args))
        _validate(args)
    except ConfigError as exc:
        return fail(str(exc))
    sys.argv = [sys.argv[0], *args]
    try:
        _hydra_main()
    except KeyboardInterrupt:
        print("interrupted: no complete output was written for the unfinished run", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
