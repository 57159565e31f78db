"""Configuration: the structured schema, its validation, and composing it from override strings.

The schema is a tree of dataclasses registered in Hydra's ConfigStore, so an unknown key or a value of
the wrong type is refused by Hydra itself; `validate` then checks what types cannot say (ranges, allowed
words, node ids that must exist in the corridor). Every refusal is a `ConfigError` whose message is one
line naming the key and what is allowed.
"""

from __future__ import annotations

import math
import os
import re
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from omegaconf import DictConfig, OmegaConf

CONFIG_DIR = Path(os.environ.get("SIM_CONFIG_DIR", Path(__file__).resolve().parents[2] / "configs"))


class ConfigError(ValueError):
    """Bad input: the message is one line naming the key or element and what is allowed."""

    def __init__(self, message: str) -> None:
        # One line, whatever the user typed into a value (newlines are shown escaped).
        super().__init__(message.replace("\r", "\\r").replace("\n", "\\n"))


class InspectionTargeting(StrEnum):
    random = "random"
    risk_based = "risk_based"


class PatrolAllocation(StrEnum):
    static = "static"
    intelligence_led = "intelligence_led"


class InvestigationTargeting(StrEnum):
    random = "random"
    kingpin = "kingpin"
    broker = "broker"
    financial = "financial"


@dataclass
class PolicyConfig:
    """The policy levers (DESIGN.md section 5). Defaults are the `baseline` world: siloed, weak oversight."""

    intel_sharing: float = 0.1
    joint_task_force: bool = False
    inspection_rate: float = 0.05
    inspection_targeting: InspectionTargeting = InspectionTargeting.random
    interdiction_focus: list[str] = field(default_factory=list)
    focus_multiplier: float = 1.0
    patrol_allocation: PatrolAllocation = PatrolAllocation.static
    financial_controls: float = 0.1
    oversight: float = 0.2
    officer_pay: float = 1.0
    whistleblower_protection: bool = False
    community_engagement: float = 0.1
    victim_protection: float = 0.2
    prevention: float = 0.0
    targeting: InvestigationTargeting = InvestigationTargeting.random


@dataclass
class CorridorConfig:
    """Which corridor: the built-in one, a generated one, or a user's file (`file` wins when set)."""

    name: str = "default"
    file: str | None = None
    seed: int = 0
    countries: int = 4
    localities_per_country: int = 3
    crossings_per_border: int = 2
    residents_per_locality: int = 5000


@dataclass
class NetworkConfig:
    """Trafficking organisations: size, structure, money and route learning."""

    organisations: int = 4
    cells_per_org: int = 3
    couriers_per_cell: int = 4
    recruiters_per_cell: int = 1
    lateral_tie_prob: float = 0.3
    initial_cash: float = 3.0
    shipments_per_org_day: float = 0.5
    member_upkeep_per_day: float = 0.002
    recruit_cost: float = 0.02
    promotion_prob: float = 0.7
    risk_prior: float = 0.05
    risk_learning_rate: float = 0.25
    social_learning_weight: float = 0.3
    route_temperature: float = 0.15
    exploration: float = 0.1
    max_routes: int = 12


@dataclass
class ShipmentConfig:
    """Commodity values, detectability and fees (values in millions of currency units)."""

    value_drugs: float = 0.6
    value_weapons: float = 0.3
    fee_per_person: float = 0.01
    persons_per_shipment: int = 6
    victim_share: float = 0.5
    detectability_drugs: float = 0.6
    detectability_people: float = 0.5
    detectability_weapons: float = 0.55
    transport_cost_per_day: float = 0.005
    forger_fee: float = 0.01
    forgery_effect: float = 0.5
    front_company_fee: float = 0.02
    front_company_effect: float = 0.45
    broker_fee: float = 0.01
    bribe_amount: float = 0.02


@dataclass
class BorderConfig:
    """Border posts: lane queues, inspection times and patrols."""

    platoons_per_day: int = 8
    clearance_minutes: float = 1.0
    inspection_minutes: float = 20.0
    max_queue_hours: float = 24.0
    shipment_inspection_hours: float = 2.0
    patrol_encounter_prob: float = 0.25
    risk_lift_max: float = 10.0
    signal_prob: float = 0.35
    signalled_encounter_prob: float = 0.8
    spot_bribe_prob: float = 0.5


@dataclass
class OfficerConfig:
    """Officers, their agencies and the corruption rule."""

    customs_per_post: int = 6
    border_guards_per_post: int = 4
    border_guards_per_trail: int = 4
    police_per_country: int = 12
    analysts_per_country: int = 3
    fiu_per_country: int = 2
    initial_corrupt_share: float = 0.1
    corruption_base: float = -2.0
    peer_weight: float = 3.0
    bribe_weight: float = 40.0
    oversight_weight: float = 3.0
    pay_weight: float = 1.5
    whistleblower_weight: float = 1.0
    cultivation_prob: float = 0.05
    audit_rate: float = 0.02
    peer_report_prob: float = 0.0005
    whistleblower_report_multiplier: float = 4.0


@dataclass
class InvestigationConfig:
    """The lead → analysis → sharing → operation → arrest pipeline (days)."""

    analysis_days: float = 4.0
    operation_days: float = 3.0
    domestic_request_days: float = 12.0
    cross_border_request_days: float = 45.0
    fused_sharing_days: float = 0.5
    lead_loss_when_siloed: float = 0.3
    arrest_prob: float = 0.7
    talk_prob: float = 0.4
    develop_prob: float = 0.5
    tip_lead_prob: float = 0.3
    leak_weight: float = 1.0


@dataclass
class JusticeConfig:
    """Trials after arrest."""

    trial_delay_days: float = 90.0
    conviction_base: float = -0.5
    evidence_weight: float = 1.5
    testimony_weight: float = 1.5
    cross_border_evidence_loss: float = 0.5


@dataclass
class FinanceConfig:
    """Laundering, financial intelligence and asset freezing."""

    launder_fee: float = 0.1
    detection_base: float = 0.3
    freeze_share: float = 0.5
    arrest_freeze_share: float = 0.3


@dataclass
class CommunityConfig:
    """Residents: vulnerability, awareness, trust, tips, recruitment and trafficking."""

    population_scale: float = 1.0
    vulnerability_mean: float = 0.35
    awareness_mean: float = 0.2
    trust_mean: float = 0.4
    observers_per_event: float = 20.0
    tip_base: float = 0.02
    trust_gain_enforcement: float = 0.002
    trust_loss_corruption: float = 0.004
    trust_gain_engagement: float = 0.001
    trust_gain_victim_support: float = 0.003
    trust_reversion: float = 0.002
    awareness_gain_engagement: float = 0.002
    prevention_rate: float = 0.004
    vulnerability_floor: float = 0.05
    recruit_threshold: float = 0.3


@dataclass
class VictimConfig:
    """Identification, protection and re-trafficking."""

    shelter_capacity_per_country: int = 40
    protection_days: float = 180.0
    exploitation_days: float = 365.0
    reexploitation_weight: float = 3.0
    identification_by_tip_prob: float = 0.2


@dataclass
class CostConfig:
    """Unit costs of the levers (millions of currency units per year at lever value 1)."""

    intel_sharing: float = 4.0
    joint_task_force: float = 3.0
    inspection_per_1000: float = 0.05
    focus_per_post: float = 0.8
    intelligence_led_patrols: float = 0.5
    financial_controls: float = 3.0
    oversight: float = 2.5
    officer_salary: float = 0.02
    whistleblower_protection: float = 0.4
    community_engagement: float = 2.0
    victim_protection: float = 3.0
    prevention: float = 5.0


@dataclass
class BranchConfig:
    """A branch: from `day` on, the levers in `levers` (policy keys without `policy.`) take new values.

    The run is the parent (same config and seed) up to `day`, so its events before `day` are the
    parent's; `parent` records which run folder it branched from.
    """

    day: int | None = None
    levers: dict[str, Any] = field(default_factory=dict)
    parent: str | None = None


@dataclass
class SimConfig:
    """One run: which world, which policy, how long, which seed, where to write."""

    seed: int = 0
    days: int = 365
    scenario_name: str = "baseline"
    scenario_description: str = ""
    output_dir: str | None = None
    progress: bool | None = None
    record: bool | None = None
    corridor: CorridorConfig = field(default_factory=CorridorConfig)
    policy: PolicyConfig = field(default_factory=PolicyConfig)
    network: NetworkConfig = field(default_factory=NetworkConfig)
    shipments: ShipmentConfig = field(default_factory=ShipmentConfig)
    border: BorderConfig = field(default_factory=BorderConfig)
    officers: OfficerConfig = field(default_factory=OfficerConfig)
    investigation: InvestigationConfig = field(default_factory=InvestigationConfig)
    justice: JusticeConfig = field(default_factory=JusticeConfig)
    finance: FinanceConfig = field(default_factory=FinanceConfig)
    community: CommunityConfig = field(default_factory=CommunityConfig)
    victims: VictimConfig = field(default_factory=VictimConfig)
    costs: CostConfig = field(default_factory=CostConfig)
    branch: BranchConfig = field(default_factory=BranchConfig)


# Ranges that types cannot express: key -> (low, high); None means unbounded on that side.
_UNIT = (0.0, 1.0)
RANGES: dict[str, tuple[float | None, float | None]] = {
    "days": (1, 36500),
    "seed": (0, 2**63 - 1),
    "policy.intel_sharing": _UNIT,
    "policy.inspection_rate": _UNIT,
    "policy.focus_multiplier": (1.0, 100.0),
    "policy.financial_controls": _UNIT,
    "policy.oversight": _UNIT,
    "policy.officer_pay": (0.0, 10.0),
    "policy.community_engagement": _UNIT,
    "policy.victim_protection": _UNIT,
    "policy.prevention": _UNIT,
    "corridor.countries": (2, 50),
    "corridor.localities_per_country": (1, 1000),
    "corridor.crossings_per_border": (1, 100),
    "corridor.residents_per_locality": (0, 10_000_000),
    "corridor.seed": (0, 2**63 - 1),
    "network.organisations": (1, 1000),
    "network.cells_per_org": (1, 1000),
    "network.couriers_per_cell": (1, 1000),
    "network.recruiters_per_cell": (0, 1000),
    "network.max_routes": (1, 200),
    "shipments.persons_per_shipment": (1, 1000),
    "border.platoons_per_day": (1, 1000),
    "community.population_scale": (0.0, 1000.0),
    "officers.customs_per_post": (1, 10000),
    "officers.border_guards_per_post": (1, 10000),
    "officers.border_guards_per_trail": (1, 10000),
    "officers.police_per_country": (1, 100000),
    "officers.analysts_per_country": (1, 100000),
    "officers.fiu_per_country": (1, 100000),
    "victims.shelter_capacity_per_country": (0, 10_000_000),
}
# Probabilities and shares anywhere in the model tree.
_PROBABILITY_KEYS = re.compile(
    r"(_prob|_share|_mean|_rate|_effect|exploration|lateral_tie_prob|freeze_share|detection_base|"
    r"^shipments\.detectability_|lead_loss_when_siloed|launder_fee|vulnerability_floor|recruit_threshold)"
)
_NON_NEGATIVE_SECTIONS = ("network", "shipments", "border", "officers", "investigation", "justice",
                          "finance", "community", "victims", "costs")
# Weights and intercepts of logistic rules may be negative.
_SIGNED_KEYS = {"officers.corruption_base", "justice.conviction_base"}


def to_params(cfg: DictConfig, kind: type[Any] = SimConfig) -> Any:
    """A config node as plain dataclasses (`kind`): the model reads it millions of times, and OmegaConf
    is slow."""
    params = OmegaConf.to_object(cfg)
    assert isinstance(params, kind)
    return params


def schema() -> DictConfig:
    """The structured default config, with every key and type."""
    return OmegaConf.structured(SimConfig)


def register() -> None:
    """Register the schema in Hydra's ConfigStore as `base_config` (configs/config.yaml extends it)."""
    from hydra.core.config_store import ConfigStore

    ConfigStore.instance().store(name="base_config", node=SimConfig)


def _flat(cfg: DictConfig | dict, prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in cfg.items():
        name = f"{prefix}{key}"
        if isinstance(value, DictConfig | dict):
            out.update(_flat(value, name + "."))
        else:
            out[name] = value
    return out


def flatten(cfg: DictConfig) -> dict[str, Any]:
    """Flat `section.key -> value` view of a resolved config (enums as their names, lists as lists)."""
    plain = OmegaConf.to_container(cfg, resolve=True, enum_to_str=True)
    return _flat(plain)  # type: ignore[arg-type]


def _describe(bounds: tuple[float | None, float | None]) -> str:
    low, high = bounds
    if high is None:
        return f"a number >= {low}"
    return f"a number in [{low}, {high}]"


def validate(cfg: DictConfig) -> None:
    """Check ranges and cross-references that the schema's types cannot; raise ConfigError on the first."""
    flat = flatten(cfg)
    for key, value in flat.items():
        if isinstance(value, bool) or value is None or isinstance(value, str | list):
            continue
        if isinstance(value, float) and not math.isfinite(value):
            raise ConfigError(f"{key}: must be a finite number, got {value}")
        bounds = RANGES.get(key)
        if bounds is None:
            section = key.split(".", 1)[0]
            leaf = key.split(".", 1)[-1]
            if key in _SIGNED_KEYS or section not in _NON_NEGATIVE_SECTIONS:
                continue
            bounds = _UNIT if _PROBABILITY_KEYS.search(key) and not leaf.startswith("shelter") else (0.0, None)
        low, high = bounds
        if (low is not None and value < low) or (high is not None and value > high):
            raise ConfigError(f"{key}: {value} is out of range; allowed: {_describe(bounds)}")
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
    _validate_branch(cfg)


def branch_policy(cfg: DictConfig) -> DictConfig:
    """The policy a branch switches to: the run's policy with `branch.levers` applied (validated)."""
    levers = cfg.branch.levers
    allowed = list(OmegaConf.structured(PolicyConfig).keys())
    for key in levers:
        if key not in allowed:
            raise ConfigError(f"branch.levers.{key}: unknown lever; allowed: {', '.join(allowed)}")
    try:
        merged = OmegaConf.merge(OmegaConf.structured(PolicyConfig), cfg.policy, levers)
    except Exception as exc:
        raise ConfigError(f"branch.levers.{explain_hydra_error(exc)}") from None
    return merged  # type: ignore[return-value]


def _validate_branch(cfg: DictConfig) -> None:
    b = cfg.branch
    if b.day is None:
        if b.levers:
            raise ConfigError("branch.day: required when branch.levers are set")
        return
    if not 0 <= b.day < cfg.days:
        raise ConfigError(f"branch.day: {b.day} is out of range; allowed: a day in [0, {cfg.days - 1}]")
    merged = branch_policy(cfg)
    trial = OmegaConf.merge(schema(), {k: v for k, v in cfg.items() if k != "branch"})
    trial.policy = merged
    try:
        validate(trial)
        check_corridor(trial)
    except ConfigError as exc:
        raise ConfigError(f"branch.levers: {exc}") from None


def compose(overrides: list[str] | tuple[str, ...] = ()) -> DictConfig:
    """Compose the run config from `configs/` and Hydra override strings, then validate it.

    Raises:
        ConfigError: one line naming the bad key and what is allowed.
    """
    from hydra import compose as hydra_compose
    from hydra import initialize_config_dir
    from hydra.core.global_hydra import GlobalHydra

    register()
    if GlobalHydra.instance().is_initialized():
        GlobalHydra.instance().clear()
    try:
        with initialize_config_dir(config_dir=str(CONFIG_DIR), version_base="1.3", job_name="sim"):
            cfg = hydra_compose(config_name="config", overrides=list(overrides))
    except Exception as exc:  # Hydra and OmegaConf raise many kinds; all are bad input here.
        raise ConfigError(explain_hydra_error(exc)) from None
    cfg = finalize(cfg)
    return cfg


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
