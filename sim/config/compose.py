"""Composing a run config from `configs/` and override strings, and validating it.

Hydra refuses unknown keys and wrong types (the schema is structured); `validate` checks what types cannot
say: each number against the range declared beside it in `sim.config.schema`, allowed words, names that
become folder names, the policy schedule, node ids that must exist in the corridor, and that the run fits
in the machine's memory (`check_memory`). Every refusal is a `ConfigError` whose message is one line naming
the key and what is allowed.
"""

from __future__ import annotations

import copy
import dataclasses
import difflib
import functools
import math
import os
import re
import typing
from collections.abc import Iterable, Iterator
from enum import Enum
from pathlib import Path
from typing import Any

from omegaconf import DictConfig, ListConfig, OmegaConf

from sim.config.schema import (
    CONFIG_DIR,
    LEVER_SPECS,
    SPECS,
    FieldSpec,
    PolicyConfig,
    SimConfig,
    field_specs,
    flatten,
    register,
    schema,
)
from sim.errors import ConfigError

__all__ = ["apply_levers", "branch_policy", "check_corridor", "check_memory", "closest_first", "compose", "compose_run",
           "explain_hydra_error", "finalize", "hydra_compose", "machine_memory", "memory_needed", "schedule",
           "unknown_key", "validate"]


def closest_first(word: str, known: Iterable[str]) -> list[str]:
    """`known` with the names that look like `word` (a typo of them) first, then the others in their order."""
    names = list(dict.fromkeys(known))
    if not names:
        return []
    close = difflib.get_close_matches(word, names, n=len(names), cutoff=0.6)
    return close + [k for k in names if k not in close]


def unknown_key(name: str, known: Iterable[str], what: str = "unknown key") -> ConfigError:
    """The refusal of an unknown key `name` (dotted): one line listing the known keys beside it, closest first.

    Every face uses it, so that `python -m sim.run`, an experiment's `overrides` and a branch name a typo the
    same way (`network.typo_organisations: unknown key; allowed: organisations, ...`).
    """
    word = name.rpartition(".")[2]
    keys = closest_first(word, known)
    return ConfigError(f"{name}: {what}; allowed: {', '.join(keys) if keys else 'nothing here'}")


#: What may name a folder (`scenario_name` is part of the default run folder's name): letters, digits and
#: a few marks, starting with a letter or digit, so that no value can climb out of `results/` or hide.
_FOLDER_NAME = re.compile(r"\w[\w .+()-]*")
_FOLDER_NAME_MAX = 100


def _check_folder_name(key: str, value: str) -> None:
    if not (_FOLDER_NAME.fullmatch(value) and ".." not in value and len(value) <= _FOLDER_NAME_MAX):
        raise ConfigError(f"{key}: '{_shown(value)}' cannot name a folder; allowed: letters, digits, spaces and "
                          f"_ . + ( ) -, starting with a letter or digit, without '..', at most "
                          f"{_FOLDER_NAME_MAX} characters")


def _check_output_dir(cfg: DictConfig) -> None:
    """`output_dir`, when set, names a folder: not empty (that would be the current folder), one line."""
    out = cfg.output_dir
    if out is None:
        return
    text = str(out)
    if not text.strip():
        raise ConfigError("output_dir: must not be empty (that would write into the current folder); allowed: a "
                          "folder path, or leave it out for results/runs/<date>/<time>_<scenario>_seed<seed>/")
    if not text.isprintable():
        raise ConfigError(f"output_dir: '{_shown(text)}' holds control characters; allowed: a folder path")


def validate(cfg: DictConfig) -> None:
    """Check ranges and cross-references that the schema's types cannot; raise ConfigError on the first."""
    for key, value in flatten(cfg).items():
        if isinstance(value, bool) or value is None or isinstance(value, str | list | dict):
            continue
        if isinstance(value, float) and not math.isfinite(value):
            raise ConfigError(f"{key}: must be a finite number, got {value}")
        spec = SPECS.get(key)
        if spec is None:
            continue
        if (spec.low is not None and value < spec.low) or (spec.high is not None and value > spec.high):
            raise ConfigError(f"{key}: {value} is out of range; allowed: {spec.describe_range()}")
    if not str(cfg.scenario_name).strip():
        raise ConfigError("scenario_name: must not be empty")
    _check_folder_name("scenario_name", str(cfg.scenario_name))
    _check_output_dir(cfg)
    if cfg.corridor.file is None and cfg.corridor.name not in ("default", "generated"):
        raise ConfigError(
            f"corridor.name: unknown corridor '{cfg.corridor.name}'; allowed: default, generated "
            "(or set corridor.file=PATH)"
        )
    if cfg.corridor.file is not None and not Path(cfg.corridor.file).is_file():
        raise ConfigError(f"corridor.file: no such file '{cfg.corridor.file}'")
    if len(set(cfg.policy.interdiction_focus)) != len(cfg.policy.interdiction_focus):
        raise ConfigError("policy.interdiction_focus: node ids must not repeat")
    _validate_schedule(cfg)


def apply_levers(policy: DictConfig, levers: Any, where: str) -> DictConfig:
    """`policy` with `levers` (lever name -> value) applied; ConfigError names `where.<lever>`."""
    allowed = list(OmegaConf.structured(PolicyConfig).keys())
    for key in levers:
        if key not in allowed:
            raise unknown_key(f"{where}.{key}", allowed, "unknown lever")
    try:
        merged = OmegaConf.merge(OmegaConf.structured(PolicyConfig), policy, levers)
    except Exception as exc:
        raise ConfigError(f"{where}.{explain_hydra_error(exc, root=PolicyConfig)}") from None
    return merged  # type: ignore[return-value]


def branch_policy(cfg: DictConfig) -> DictConfig:
    """The policy a branch switches to: the run's policy with `branch.levers` applied (validated)."""
    return apply_levers(cfg.policy, cfg.branch.levers, "branch.levers")


def schedule(cfg: Any) -> list[tuple[int, dict[str, Any]]]:
    """The run's policy changes as (day, levers), in the order they apply: `policy_schedule` by day, then
    the branch (a branch is the last change of its day)."""
    entries = sorted(((int(e.day), dict(e.levers)) for e in cfg.policy_schedule), key=lambda x: x[0])
    if cfg.branch.day is not None:
        entries.append((int(cfg.branch.day), dict(cfg.branch.levers)))
    return entries


def _check_policy(cfg: DictConfig, policy: DictConfig, where: str) -> None:
    trial = OmegaConf.merge(schema(), {k: v for k, v in cfg.items() if k not in ("branch", "policy_schedule")})
    trial.policy = policy
    try:
        validate(trial)
        check_corridor(trial)
    except ConfigError as exc:
        raise ConfigError(f"{where}: {exc}") from None


def _validate_schedule(cfg: DictConfig) -> None:
    """Each scheduled change names known levers with allowed values, on a day of the run."""
    policy = cfg.policy
    # Applied in day order (each change builds on the policy before it), named by the user's own index.
    for i, entry in sorted(enumerate(cfg.policy_schedule), key=lambda ie: ie[1].day):
        where = f"policy_schedule[{i}]"
        if not 0 <= entry.day < cfg.days:
            raise ConfigError(f"{where}.day: {entry.day} is out of range; allowed: a day in [0, {cfg.days - 1}]")
        if not entry.levers:
            raise ConfigError(f"{where}.levers: name at least one lever to change")
        policy = apply_levers(policy, entry.levers, f"{where}.levers")
        _check_policy(cfg, policy, f"{where}.levers")
    b = cfg.branch
    if b.day is None:
        if b.levers:
            raise ConfigError("branch.day: required when branch.levers are set")
        return
    if not 0 <= b.day < cfg.days - 1:  # as in sim.replay: a branch on the last day runs one day, tells nothing
        raise ConfigError(f"branch.day: {b.day} is out of range; allowed: a day in [0, {cfg.days - 2}] "
                          "(a branch on the last day tells nothing)")
    _check_policy(cfg, apply_levers(cfg.policy, b.levers, "branch.levers"), "branch.levers")


def hydra_compose(config_dir: str | Path, config_name: str, overrides: list[str] | tuple[str, ...] = (),
                  with_hydra: bool = False) -> DictConfig:
    """Compose `config_name` from `config_dir` with override strings through Hydra's public compose API.

    The one Hydra path of the project: runs (`compose`) and experiment definitions both come through here.
    `with_hydra` keeps Hydra's own node (`hydra.run.dir`, ...), with `hydra.*` overrides applied.

    Raises:
        ConfigError: one line naming the bad key and what is allowed.
    """
    from hydra import compose as compose_api
    from hydra import initialize_config_dir
    from hydra.core.global_hydra import GlobalHydra

    register()
    _check_switches(overrides)
    if GlobalHydra.instance().is_initialized():
        GlobalHydra.instance().clear()
    try:
        with initialize_config_dir(config_dir=str(config_dir), version_base="1.3", job_name="sim"):
            return compose_api(config_name=config_name, overrides=list(overrides), return_hydra_config=with_hydra)
    except Exception as exc:  # Hydra and OmegaConf raise many kinds; all are bad input here.
        raise ConfigError(explain_hydra_error(exc)) from None


def _check_switches(overrides: list[str] | tuple[str, ...]) -> None:
    """A switch takes true or false, nothing else: OmegaConf would read `2` or `yes` as true without a word,
    and a typo would then run a scenario nobody asked for."""
    for text in overrides:
        key, sep, value = text.lstrip("+").partition("=")
        spec = SPECS.get(key.strip())
        word = value.strip()
        plain = re.fullmatch(r"[\w.+-]+", word) is not None  # not a sweep (a,b), a choice(...) or a ${...}
        if sep and plain and spec is not None and spec.type == "bool" and word.lower() not in ("true", "false"):
            raise ConfigError(f"{key.strip()}: {word[:40]!r} is not a switch; allowed: true or false")


def compose(overrides: list[str] | tuple[str, ...] = ()) -> DictConfig:
    """Compose the run config from `configs/` and Hydra override strings, then validate it.

    Raises:
        ConfigError: one line naming the bad key and what is allowed.
    """
    return finalize(hydra_compose(CONFIG_DIR, "config", overrides), typed=_plain(overrides))


def compose_run(overrides: list[str] | tuple[str, ...], seed: int) -> DictConfig:
    """`compose([*overrides, f"seed={seed}"])`, composing each distinct `overrides` only once per process.

    An experiment's replications differ only in their seed, and Hydra's composition costs about as much as a
    short run; a copy of the composed config with its seed set costs a tenth of it. The cache is keyed by
    the config folder and the stamps of its files, so an edited scenario is composed afresh. A config that
    holds an interpolation (a `${seed}` would keep the cached seed) or reads its corridor from a file (which
    may change, and the policy's node ids are checked against it) is composed afresh every time.
    """
    spec = SPECS["seed"]
    valid = not isinstance(seed, bool) and isinstance(seed, int) and spec.low <= seed <= spec.high
    base = _composed(tuple(overrides), str(CONFIG_DIR), _config_stamp(CONFIG_DIR)) if valid else None
    if base is None:  # an invalid seed is named by `compose` as the command line names it
        return compose([*overrides, f"seed={seed}"])
    cfg = copy.deepcopy(base)
    OmegaConf.set_readonly(cfg, False)
    cfg.seed = seed
    OmegaConf.set_readonly(cfg, True)
    return cfg


@functools.lru_cache(maxsize=64)
def _composed(overrides: tuple[str, ...], _folder: str, _stamp: tuple[tuple[str, int, int], ...]) -> DictConfig | None:
    """The composed config of these overrides with seed 0 (shared: copy it, never change it); None when it
    must be composed afresh for every seed (see `compose_run`)."""
    raw = hydra_compose(CONFIG_DIR, "config", [*overrides, "seed=0"])
    if next(_interpolations(raw, skip=("hydra",)), None) is not None:
        return None
    cfg = finalize(raw, typed=_plain(overrides))
    return None if cfg.corridor.file is not None else cfg


def _interpolations(node: DictConfig | ListConfig, prefix: str = "",
                    skip: tuple[str, ...] = ()) -> Iterator[tuple[DictConfig | ListConfig, Any, str]]:
    """Every interpolation (`${...}`) under `node`, its keys in `skip` aside: (its parent, its key, its
    dotted name), in the config's order, without resolving any."""
    keys = range(len(node)) if isinstance(node, ListConfig) else [k for k in node if k not in skip]
    for key in keys:
        name = f"{prefix}[{key}]" if isinstance(key, int) else f"{prefix}.{key}" if prefix else str(key)
        if OmegaConf.is_interpolation(node, key):
            yield node, key, name
        elif not OmegaConf.is_missing(node, key):
            child = node[key]
            if isinstance(child, DictConfig | ListConfig):
                yield from _interpolations(child, name)


def _config_stamp(folder: Path) -> tuple[tuple[str, int, int], ...]:
    """Every file under the config folder with its modification time (ns) and size: changes when one is
    edited, added or removed."""
    stamps = []
    for path in Path(folder).rglob("*"):
        try:
            stat = path.stat()
        except OSError:  # removed while we looked (an editor's swap file): not part of the config
            continue
        if path.is_file():
            stamps.append((str(path), stat.st_mtime_ns, stat.st_size))
    return tuple(sorted(stamps))


def _plain(overrides: list[str] | tuple[str, ...]) -> bool:
    """Whether no override may add or delete keys: Hydra's typed result then needs no second merge."""
    return not any(_reshapes(text) for text in overrides)


def _reshapes(override: str) -> bool:
    """Whether an override may add or delete keys (`+key=`, `++key=`, `~key`): Hydra opens the config's
    struct flag for those, so its result is no longer held to the schema's keys."""
    return override.startswith(("+", "~"))


def finalize(cfg: DictConfig, typed: bool = False) -> DictConfig:
    """Drop Hydra's own node, make the config read-only and validate it.

    `typed`: `cfg` is Hydra's composition of `configs/` over the schema with plain overrides only (no `+`,
    `++` or `~`), so it already holds every key of the schema, typed, and nothing else. Otherwise it is
    merged onto the schema afresh, which refuses keys the schema lacks and restores deleted ones.
    """
    if not typed or "hydra" in cfg:
        # Through plain containers: a node that Hydra opened for `++section.key=...` keeps its flags in a
        # merge, so merging it as it is would let an unknown key into a section.
        plain = OmegaConf.to_container(cfg, resolve=False)
        assert isinstance(plain, dict)
        try:
            cfg = OmegaConf.merge(schema(), {k: v for k, v in plain.items() if k != "hydra"})
        except Exception as exc:
            raise ConfigError(explain_hydra_error(exc)) from None
    try:
        OmegaConf.resolve(cfg)
    except Exception as exc:
        raise ConfigError(_explain_interpolation(cfg, exc)) from None
    validate(cfg)
    check_corridor(cfg)
    OmegaConf.set_struct(cfg, True)  # as Hydra's own result is: the same flags on both paths
    OmegaConf.set_readonly(cfg, True)
    return cfg


def _explain_interpolation(cfg: DictConfig, exc: BaseException) -> str:
    """A failed `${...}`: OmegaConf names the key only sometimes, so find the first interpolated key that
    does not resolve."""
    message = explain_hydra_error(exc)
    if getattr(exc, "full_key", None):
        return message

    def resolves(parent: DictConfig | ListConfig, key: Any) -> bool:
        try:
            parent[key]
        except Exception:
            return False
        return True

    key = next((name for parent, k, name in _interpolations(cfg) if not resolves(parent, k)), None)
    return f"{key}: {message}" if key else message


def check_corridor(cfg: DictConfig) -> None:
    """Build the corridor the config names (its own validation names the bad node or edge) and check
    that focused interdiction names places where enforcement happens."""
    from sim.world.select import from_config

    corridor = from_config(cfg)
    enforceable = corridor.checkpoints
    for node in cfg.policy.interdiction_focus:
        if node not in enforceable:
            what = f"unknown node id '{node}'" if node not in corridor.places else f"'{node}' is not a crossing or port"
            raise ConfigError(f"policy.interdiction_focus: {what}; allowed: "
                              f"{', '.join(closest_first(str(node), sorted(enforceable)))}")
    check_memory(cfg, corridor)


# ------------------------------------------------------------------------------------------ will it fit in memory
#
# Bytes per element of a run, from the code that holds them (measured with tracemalloc and peak RSS on the
# default corridor scaled up, November 2026) and rounded up:
#: A resident (sim/core/agents/community.py): vulnerability, awareness, trust and its anchor as float64
#: (32 B), status, trafficker, times trafficked, two float32 dates (15 B), the trafficking
#: weights and their running sum (16 B), and room for the temporaries of the vectorized daily update.
RESIDENT_BYTES = 80
#: An organisation member (a Mesa agent, its ties in the organisation's graph, its records): 1,450 measured.
MEMBER_BYTES = 1_600
#: An officer (a Mesa agent and its unit's records): 560 measured.
OFFICER_BYTES = 600
#: A facilitator (a Mesa agent in its market's pool): 750 measured.
FACILITATOR_BYTES = 800
#: Kinds of facilitator hired in every country (forger, launderer, transport, broker, recruiter).
FACILITATOR_KINDS = 5
#: What a measured day adds per place: events, daily series and replay frames (67 MB for 3,285 more days of
#: the 22-place default corridor: 930 B).
PLACE_DAY_BYTES = 1_000
#: The interpreter, the libraries and a small run (a 30-day default run peaks at 165 MB).
BASE_BYTES = 200 * 2**20

_GB = 2**30


def machine_memory() -> int | None:
    """Bytes of memory this process may use: the machine's physical memory, or its control group's limit when
    lower (a container). None where the system does not say."""
    try:
        total: int | None = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, OSError, ValueError):
        total = None
    for limit_file in ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"):
        try:
            text = Path(limit_file).read_text().strip()
        except OSError:
            continue
        if text.isdigit() and int(text) > 0:
            total = min(total, int(text)) if total else int(text)
    return total


def memory_needed(cfg: Any, corridor: Any) -> dict[str, tuple[int, str]]:
    """About how many bytes a run of `cfg` on `corridor` holds at its peak, by part: part -> (bytes, what
    it counts and which keys set it). The parts are the populations the model keeps (residents as arrays,
    members, officers and facilitators as agents) and what a measured day records."""
    n, o = cfg.network, cfg.officers
    residents = sum(int(p.population) for p in corridor.places.values())
    per_org = 1 + int(n.cells_per_org) * (1 + int(n.couriers_per_cell) + int(n.recruiters_per_cell))
    entrants = max(0, int(cfg.demand.max_organisations) - int(n.organisations))
    members = int(n.organisations) * per_org + entrants * (2 + int(n.couriers_per_cell) + int(n.recruiters_per_cell))
    posts = sum(1 for p in corridor.places.values() if p.is_checkpoint)
    trails = sum(1 for p in corridor.places.values() if p.is_informal)
    countries = len(corridor.countries)
    officers = (posts * (int(o.customs_per_post) + int(o.border_guards_per_post))
                + trails * int(o.border_guards_per_trail)
                + countries * (int(o.police_per_country) + int(o.analysts_per_country) + int(o.fiu_per_country)))
    facilitators = countries * FACILITATOR_KINDS * int(cfg.facilitators.per_kind)
    places = len(corridor.places)
    return {
        "residents": (residents * RESIDENT_BYTES,
                      f"{residents:,} residents: the corridor's populations x community.population_scale"),
        "members": (members * MEMBER_BYTES, f"{members:,} organisation members: network.organisations, "
                    "cells_per_org, couriers_per_cell, recruiters_per_cell, demand.max_organisations"),
        "officers": (officers * OFFICER_BYTES, f"{officers:,} officers: officers.*_per_post, *_per_trail, "
                     "*_per_country"),
        "facilitators": (facilitators * FACILITATOR_BYTES, f"{facilitators:,} facilitators: facilitators.per_kind"),
        "records": (int(cfg.days) * places * PLACE_DAY_BYTES, f"{int(cfg.days):,} days x {places:,} places: days"),
        "base": (BASE_BYTES, "the interpreter and libraries"),
    }


def check_memory(cfg: Any, corridor: Any, available: int | None = None) -> None:
    """Refuse, before anything is built, a run that would not fit in this machine's memory (`machine_memory`,
    or `available` bytes), naming its largest part: a run that does not fit ends in a MemoryError or in the
    kernel killing it, after minutes of swapping. The estimate is the sum of `memory_needed`."""
    have = machine_memory() if available is None else available
    if not have:
        return
    parts = memory_needed(cfg, corridor)
    need = sum(b for b, _ in parts.values())
    if need <= have:
        return
    largest, (size, what) = max(((k, v) for k, v in parts.items() if k != "base"), key=lambda kv: kv[1][0])
    raise ConfigError(f"memory: this run needs about {need / _GB:,.1f} GB, this machine has {have / _GB:,.1f} GB; "
                      f"the largest part is {largest} ({size / _GB:,.1f} GB for {what})")


# ------------------------------------------------------------------------------------ explaining Hydra's errors
#
# Hydra and OmegaConf raise multi-line errors; the contract is one line naming the key and what is allowed.
# Everything is read from the exceptions' own attributes where they exist: OmegaConf's errors carry
# `full_key`, `key`, `value` and `object_type` (the schema dataclass the key belongs to, whose field specs
# give what is allowed); `MissingConfigException` carries `missing_cfg_file` and `options`;
# `OverrideParseException` carries `override`. Only Hydra's bare `ConfigCompositionException`s (append,
# delete, sweep without -m) name their key in the text alone, so those few are read with regexes.

_KIND_WORDS = {"integer": "a whole number", "number": "a number", "bool": "true or false", "list": "a list",
               "mapping": "a mapping", "text": "text"}


@functools.lru_cache(maxsize=64)
def _specs_of(node: type) -> dict[str, FieldSpec]:
    """The field specs of one schema dataclass, keyed by its own (unprefixed) field names."""
    return {k: v for k, v in field_specs(node).items() if "." not in k}


def _sections_of(node: type) -> dict[str, type]:
    """The nested schema dataclasses of one schema dataclass, by field name."""
    hints = typing.get_type_hints(node)
    return {f.name: hints[f.name] for f in dataclasses.fields(node) if dataclasses.is_dataclass(hints[f.name])}


@functools.lru_cache(maxsize=16)
def _paths_in(root: type) -> dict[type, str]:
    """Where each schema dataclass sits under `root`: `policy` for PolicyConfig, `policy_schedule[*]` for the
    entries of a list of dataclasses (OmegaConf names a key inside a list entry relative to the entry)."""
    paths: dict[type, str] = {root: ""}
    todo = [(root, "")]
    while todo:
        node, prefix = todo.pop(0)
        for f in dataclasses.fields(node):
            tp = typing.get_type_hints(node)[f.name]
            args = typing.get_args(tp)
            if dataclasses.is_dataclass(tp):
                child, path = tp, f"{prefix}{f.name}"
            elif typing.get_origin(tp) is list and args and dataclasses.is_dataclass(args[0]):
                child, path = args[0], f"{prefix}{f.name}[*]"
            else:
                continue
            if child not in paths:
                paths[child] = path  # type: ignore[index]
                todo.append((child, f"{path}."))  # type: ignore[arg-type]
    return paths


def _key_name(exc: Any, root: type) -> str:
    """The dotted key an OmegaConf error is about, from its `full_key`, `key` and `object_type`."""
    full = str(exc.full_key) if exc.full_key not in (None, "") else ("" if exc.key is None else str(exc.key))
    owner = exc.object_type
    prefix = _paths_in(root).get(owner, "") if isinstance(owner, type) else ""
    if prefix and not full.startswith(prefix.removesuffix("[*]")):
        return f"{prefix}.{full}" if full else prefix
    return full


def _siblings(exc: Any, name: str) -> list[str]:
    """The keys allowed beside `name`: the fields of the dataclass the error names, the levers in a mapping of
    levers (`branch.levers`, a schedule entry's `levers`), else from SPECS."""
    owner = exc.object_type
    if isinstance(owner, type) and dataclasses.is_dataclass(owner):
        return [f.name for f in dataclasses.fields(owner)]
    parent = name.rpartition(".")[0]
    if parent.endswith("levers"):
        return list(LEVER_SPECS)
    prefix = f"{parent}." if parent else ""
    return list(dict.fromkeys(k[len(prefix):].split(".")[0] for k in SPECS if k.startswith(prefix)))


def _shown(value: Any) -> str:
    text = str(value.value if isinstance(value, Enum) else value)
    return text if len(text) <= 60 else text[:57] + "..."


def _explain_value(exc: Any, name: str) -> str:
    """A value Hydra/OmegaConf refused for `name`: say what the schema allows there."""
    owner, key = exc.object_type, exc.key
    spec = _specs_of(owner).get(str(key)) if isinstance(owner, type) and dataclasses.is_dataclass(owner) else None
    section = _sections_of(owner).get(str(key)) if spec is None and dataclasses.is_dataclass(owner) else None
    ref_args = typing.get_args(exc.ref_type) if exc.ref_type is not None else ()
    got = "null" if exc.value is None else f"'{_shown(exc.value)}'"
    if section is not None:
        keys = ", ".join(f.name for f in dataclasses.fields(section))
        return f"{name}: {got} cannot replace a section; set {name}.<key>=VALUE with a key of: {keys}"
    if spec is None and isinstance(key, int) and ref_args and dataclasses.is_dataclass(ref_args[0]):
        keys = ", ".join(f.name for f in dataclasses.fields(ref_args[0]))
        return f"{name}: {got} is not an entry; an entry is a mapping with keys: {keys}"
    if spec is None:
        return f"{name}: {_first_line(exc.msg or exc)}"
    if spec.type == "choice":
        return f"{name}: {got} is not allowed; allowed: {', '.join(spec.choices)}"
    if spec.type in ("integer", "number"):
        what = f"; allowed: {spec.describe_range()}"
    elif spec.type == "list":
        what = f" (write {name}=[a,b])"
    elif spec.type == "mapping":
        what = f" (write {name}={{key: value}})"
    else:
        what = ""
    if exc.value is None:
        return f"{name}: must not be null{what or '; allowed: ' + _KIND_WORDS.get(spec.type, spec.type)}"
    return f"{name}: {got} is not {_KIND_WORDS.get(spec.type, spec.type)}{what}"


def _explain_omegaconf(exc: Any, root: type) -> str:
    from omegaconf.errors import ConfigAttributeError, ConfigKeyError, ValidationError

    name = _key_name(exc, root)
    if isinstance(exc, ConfigKeyError | ConfigAttributeError) and name:
        parent, _, key = name.rpartition(".")
        if parent.endswith("levers") and key in LEVER_SPECS:  # `branch.levers={oversight: 0.9}` without '+'
            return f"{name}: a lever is added to {parent} with '+': +{name}=VALUE or +{parent}={{{key}: VALUE}}"
        return str(unknown_key(name, _siblings(exc, name)))
    if isinstance(exc, ValidationError) and name:
        return _explain_value(exc, name)
    first = _first_line(exc.msg or exc)
    return f"{name}: {first}" if name else first


#: Hydra's composition errors that carry no structured cause: the text is all there is, so regexes here.
_TEXT_ONLY = (
    (re.compile(r"Could not append to config\. An item is already at '([^']+)'"),
     "+{0}: '{0}' already exists; set it with {0}=VALUE (without '+')"),
    (re.compile(r"Could not delete from config\. '([^']+)' does not exist"),
     "~{0}: no such key to delete"),
    (re.compile(r"(?:Sweep parameters|Ambiguous value for argument) '([^']+)'"),
     "'{0}': a sweep needs -m (--multirun); for a list write key=[a,b], for text with commas quote it"),
    (re.compile(r"Could not override '([^']+)'"), "{0}: cannot be overridden"),
)


def _first_line(text: Any) -> str:
    lines = str(text).strip().splitlines()
    return lines[0].strip() if lines else ""


def explain_hydra_error(exc: BaseException, root: type = SimConfig) -> str:
    """Turn Hydra's and OmegaConf's multi-line errors into one line naming the key and what is allowed.

    `root` is the schema dataclass the failing config was composed or merged against (it places keys that
    OmegaConf names relative to a list entry, such as `policy_schedule[*].day`).
    """
    from hydra.errors import MissingConfigException, OverrideParseException
    from omegaconf.errors import OmegaConfBaseException

    if isinstance(exc, ConfigError):
        return str(exc)
    if isinstance(exc, OverrideParseException):
        return f"bad override syntax in '{exc.override}': {_first_line(exc.message)}"
    if isinstance(exc, MissingConfigException) and exc.missing_cfg_file:
        group, _, option = exc.missing_cfg_file.rpartition("/")
        group = group or "config"
        if exc.options:
            return f"{group}: unknown option '{option}'; allowed: {', '.join(closest_first(option, exc.options))}"
        return f"{group}: cannot load '{option}'"
    cause: BaseException | None = exc
    while cause is not None:
        if isinstance(cause, OmegaConfBaseException):
            return _explain_omegaconf(cause, root)
        cause = cause.__cause__
    text = str(exc)
    for pattern, message in _TEXT_ONLY:
        found = pattern.search(text)
        if found:
            return message.format(found.group(1))
    return _first_line(text) or type(exc).__name__
