"""Composing a run config from `configs/` and override strings, and validating it.

Hydra refuses unknown keys and wrong types (the schema is structured); `validate` checks what types cannot
say: each number against the range declared beside it in `sim.config.schema`, allowed words, the policy
schedule, and node ids that must exist in the corridor. Every refusal is a `ConfigError` whose message is
one line naming the key and what is allowed.
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any

from omegaconf import DictConfig, OmegaConf

from sim.config.schema import CONFIG_DIR, SPECS, PolicyConfig, flatten, register, schema
from sim.errors import ConfigError


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
            raise ConfigError(f"{where}.{key}: unknown lever; allowed: {', '.join(allowed)}")
    try:
        merged = OmegaConf.merge(OmegaConf.structured(PolicyConfig), policy, levers)
    except Exception as exc:
        raise ConfigError(f"{where}.{explain_hydra_error(exc)}") from None
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
    for i, entry in enumerate(sorted(cfg.policy_schedule, key=lambda e: e.day)):
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
    if not 0 <= b.day < cfg.days:
        raise ConfigError(f"branch.day: {b.day} is out of range; allowed: a day in [0, {cfg.days - 1}]")
    _check_policy(cfg, apply_levers(cfg.policy, b.levers, "branch.levers"), "branch.levers")


def hydra_compose(config_dir: str | Path, config_name: str, overrides: list[str] | tuple[str, ...] = ()) -> DictConfig:
    """Compose `config_name` from `config_dir` with override strings through Hydra's public compose API.

    The one Hydra path of the project: runs (`compose`) and experiment definitions both come through here.

    Raises:
        ConfigError: one line naming the bad key and what is allowed.
    """
    from hydra import compose as compose_api
    from hydra import initialize_config_dir
    from hydra.core.global_hydra import GlobalHydra

    register()
    if GlobalHydra.instance().is_initialized():
        GlobalHydra.instance().clear()
    try:
        with initialize_config_dir(config_dir=str(config_dir), version_base="1.3", job_name="sim"):
            return compose_api(config_name=config_name, overrides=list(overrides))
    except Exception as exc:  # Hydra and OmegaConf raise many kinds; all are bad input here.
        raise ConfigError(explain_hydra_error(exc)) from None


def compose(overrides: list[str] | tuple[str, ...] = ()) -> DictConfig:
    """Compose the run config from `configs/` and Hydra override strings, then validate it.

    Raises:
        ConfigError: one line naming the bad key and what is allowed.
    """
    return finalize(hydra_compose(CONFIG_DIR, "config", overrides))


def finalize(cfg: DictConfig) -> DictConfig:
    """Drop Hydra's own node, make the config read-only and validate it."""
    try:
        cfg = OmegaConf.merge(schema(), OmegaConf.masked_copy(cfg, [k for k in cfg if k != "hydra"]))
        OmegaConf.resolve(cfg)
    except Exception as exc:
        raise ConfigError(explain_hydra_error(exc)) from None
    validate(cfg)
    check_corridor(cfg)
    OmegaConf.set_readonly(cfg, True)
    return cfg


def check_corridor(cfg: DictConfig) -> None:
    """Build the corridor the config names (its own validation names the bad node or edge) and check
    that focused interdiction names places where enforcement happens."""
    from sim.world.corridor import from_config

    corridor = from_config(cfg)
    enforceable = corridor.checkpoints
    for node in cfg.policy.interdiction_focus:
        if node not in enforceable:
            what = f"unknown node id '{node}'" if node not in corridor.places else f"'{node}' is not a crossing or port"
            raise ConfigError(f"policy.interdiction_focus: {what}; allowed: {', '.join(sorted(enforceable))}")


def _siblings(key: str) -> str:
    """The keys allowed beside `key` in the schema, for 'unknown key' messages."""
    node: Any = schema()
    for part in key.split(".")[:-1]:
        if not isinstance(node, DictConfig) or part not in node:
            break
        node = node[part]
    keys = list(node.keys()) if isinstance(node, DictConfig) else []
    return ", ".join(str(k) for k in keys) if keys else "see docs/ODD.md"


def explain_hydra_error(exc: BaseException) -> str:
    """Turn Hydra's and OmegaConf's multi-line errors into one line naming the key and what is allowed."""
    from omegaconf.errors import OmegaConfBaseException

    cause: BaseException = exc
    while cause.__cause__ is not None and not isinstance(cause, OmegaConfBaseException):
        cause = cause.__cause__
    text = str(cause).strip()
    first = text.splitlines()[0] if text else type(cause).__name__
    key = getattr(cause, "full_key", None)
    match = re.search(r"Could not override '([^']+)'", str(exc))
    if key is None and match:
        key = match.group(1)
    no_group = re.search(r"Could not find '([^']+)'", str(exc))
    if no_group:
        group = no_group.group(1).split("/")[0]
        options = re.findall(r"^\t(\S+)$", str(exc), flags=re.MULTILINE)
        allowed = f"; allowed: {', '.join(options)}" if options else ""
        return f"{group}: unknown option '{no_group.group(1).split('/')[-1]}'{allowed}"
    unknown = re.search(r"Key '([^']+)' not in '(\w+)'", first) or re.search(r"Key '([^']+)' is not in struct", first)
    if unknown:
        return f"{key or unknown.group(1)}: unknown key; allowed: {_siblings(key or unknown.group(1))}"
    if "Invalid value" in first and "expected one of" in first:
        allowed = re.search(r"expected one of \[(.*)\]", first)
        got = re.search(r"Invalid value '([^']*)'", first)
        shown = got.group(1) if got else "?"
        return f"{key}: '{shown}' is not allowed; allowed: {allowed.group(1) if allowed else '?'}"
    if "could not be converted" in first or "Value '" in first:
        want = re.search(r"converted to (\w+)", first) or re.search(r"is not a valid (\w+)", first)
        got = re.search(r"Value '([^']*)'", first)
        kind = {"Integer": "a whole number", "Float": "a number", "Boolean": "true or false", "bool": "true or false",
                "int": "a whole number", "float": "a number"}.get(
            want.group(1) if want else "", want.group(1) if want else "another type"
        )
        return f"{key}: '{got.group(1) if got else '?'}' is not {kind}"
    if key:
        return f"{key}: {first}"
    return first
