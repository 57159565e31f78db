"""The run configuration's schema: every key, its type, default, allowed range and unit.

A tree of dataclasses registered in Hydra's ConfigStore, so an unknown key or a value of the wrong type
is refused by Hydra itself. Each number is declared with `param(default, low, high, unit)`: the range
lives beside the key as field metadata, and `sim.config.compose.validate` checks values against it. The
model reads the same tree as plain dataclasses (`to_params`), so a parameter has one name everywhere.

Units: `M` is millions of currency units; `p` a probability or share in [0, 1]; `/day` a daily rate.
"""

from __future__ import annotations

import dataclasses
import functools
import os
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from omegaconf import DictConfig, OmegaConf

from sim.errors import ConfigError

CONFIG_DIR = Path(os.environ.get("SIM_CONFIG_DIR", Path(__file__).resolve().parents[2] / "configs"))

__all__ = ["CONFIG_DIR", "ConfigError"]  # extended at the end of the module

P = "p"  # unit of probabilities and shares


def param(default: Any, low: float | None = None, high: float | None = None, unit: str = "", note: str = "") -> Any:
    """A numeric config field with its allowed range [low, high] (None: open on that side) and unit."""
    return field(default=default, metadata={"low": low, "high": high, "unit": unit, "note": note})


def prob(default: float, note: str = "") -> Any:
    """A probability or share: a number in [0, 1]."""
    return param(default, 0.0, 1.0, P, note)


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

    intel_sharing: float = prob(0.1, "0 siloed agencies ... 1 a fused picture")
    joint_task_force: bool = False
    inspection_rate: float = prob(0.05, "share of border traffic inspected")
    inspection_targeting: InspectionTargeting = InspectionTargeting.random
    interdiction_focus: list[str] = field(default_factory=list)
    focus_multiplier: float = param(1.0, 1.0, 100.0, "x", "enforcement at focused posts relative to others")
    patrol_allocation: PatrolAllocation = PatrolAllocation.static
    financial_controls: float = prob(0.1, "strength of laundering detection and asset freezing")
    oversight: float = prob(0.2, "audits and penalties against corruption")
    officer_pay: float = param(1.0, 0.0, 10.0, "x today's pay")
    whistleblower_protection: bool = False
    community_engagement: float = prob(0.1, "trust building, tip line, awareness")
    victim_protection: float = prob(0.2, "shelters, witness protection, non-punishment")
    prevention: float = prob(0.0, "education and economic programmes")
    targeting: InvestigationTargeting = InvestigationTargeting.random


@dataclass
class ScheduleEntry:
    """From `day` on, the levers in `levers` (policy keys without `policy.`) take these values."""

    day: int = param(0, 0, 36500, "day")
    levers: dict[str, Any] = field(default_factory=dict)


@dataclass
class CorridorConfig:
    """Which corridor: the built-in one, a generated one, or a user's file (`file` wins when set)."""

    name: str = "default"
    file: str | None = None
    seed: int = param(0, 0, 2**63 - 1)
    countries: int = param(4, 2, 50, "countries")
    localities_per_country: int = param(3, 1, 1000, "localities")
    crossings_per_border: int = param(2, 1, 100, "crossings")
    residents_per_locality: int = param(5000, 0, 10_000_000, "residents")


@dataclass
class NetworkConfig:
    """Trafficking organisations: size, structure, money, tempo and route learning."""

    organisations: int = param(4, 1, 1000, "organisations")
    cells_per_org: int = param(3, 1, 1000, "cells")
    couriers_per_cell: int = param(4, 1, 1000, "members")
    recruiters_per_cell: int = param(1, 0, 1000, "members")
    lateral_tie_prob: float = prob(0.3, "chance two members of a cell (or two lieutenants) know each other")
    initial_cash: float = param(3.0, 0.0, None, "M")
    courier_rest_days: float = param(1.0, 0.0, 365.0, "days", "a courier's time off after a route, before the next")
    shipments_per_org_day: float = param(0.5, 0.0, 100.0, "/day", "tempo of an organisation with all cells up")
    member_upkeep_per_day: float = param(0.002, 0.0, None, "M/member/day")
    recruit_cost: float = param(0.02, 0.0, None, "M/recruit")
    recruit_base_prob: float = prob(0.15, "daily chance a short cell finds a recruit, per recruiter + 1")
    recruiter_facilitator_lift: float = param(1.5, 1.0, 10.0, "x", "recruitment with a hired recruiter")
    promotion_prob: float = prob(0.7, "daily chance a vacancy at the top is filled by promotion")
    leaderless_pause_prob: float = prob(0.5, "chance a leaderless organisation ships nothing on a day")
    consignment_tempo: float = prob(0.25, "share of tempo a broke organisation keeps on fronted loads")
    cash_comfort: float = param(0.5, 1e-6, None, "M", "cash at which an organisation ships at full tempo")
    risk_prior: float = prob(0.05, "believed seizure risk at a formal checkpoint before any experience")
    informal_risk_prior_factor: float = param(0.6, 0.0, 10.0, "x", "prior risk at informal vs formal crossings")
    risk_learning_rate: float = prob(0.25, "weight of the latest own outcome in the learned risk")
    social_learning_weight: float = prob(0.3, "weight of others' seizures relative to own")
    route_temperature: float = param(0.15, 0.0, None, "share of load value", "softmax spread of route choice")
    exploration: float = prob(0.1, "chance a route is picked at random")
    max_routes: int = param(12, 1, 200, "routes")


@dataclass
class ShipmentConfig:
    """Commodity values, detectability and fees (values in millions of currency units)."""

    value_drugs: float = param(0.6, 0.0, None, "M/load")
    value_weapons: float = param(0.3, 0.0, None, "M/load")
    value_sigma: float = param(0.3, 0.0, 3.0, "log units", "spread of load values (lognormal)")
    purchase_share: float = prob(0.25, "share of a load's value paid up front (lost if seized)")
    fee_per_person: float = param(0.01, 0.0, None, "M/person")
    persons_per_shipment: int = param(6, 1, 1000, "persons")
    victim_share: float = prob(0.5, "share of moved persons who are trafficking victims")
    detectability_drugs: float = prob(0.6)
    detectability_people: float = prob(0.5)
    detectability_weapons: float = prob(0.55)
    transport_cost_per_day: float = param(0.005, 0.0, None, "M/day")
    forger_fee: float = param(0.01, 0.0, None, "M")
    forgery_effect: float = prob(0.5, "detectability removed by forged papers at formal posts")
    front_company_fee: float = param(0.02, 0.0, None, "M")
    front_company_effect: float = prob(0.45, "detectability removed by a front company")
    broker_fee: float = param(0.01, 0.0, None, "M")
    bribe_amount: float = param(0.02, 0.0, None, "M")


@dataclass
class BorderConfig:
    """Border posts: lane queues, inspection times, risk targeting and patrols."""

    platoons_per_day: int = param(8, 1, 1000, "/day")
    clearance_minutes: float = param(1.0, 0.0, None, "min/vehicle")
    inspection_minutes: float = param(20.0, 0.0, None, "min/vehicle")
    max_queue_hours: float = param(24.0, 0.0, None, "h")
    shipment_inspection_hours: float = param(2.0, 0.0, None, "h")
    risk_lift_max: float = param(10.0, 1.0, 1000.0, "x", "selection lift of a profile believed fully risky")
    suspicion_prior: float = prob(0.5, "risk targeting's belief in an unseen profile")
    suspicion_learning_rate: float = prob(0.1, "weight of the latest inspection in a profile's hit rate")
    patrol_encounter_prob: float = prob(0.25, "chance a patrol of average strength meets a crossing")
    max_encounter_prob: float = prob(0.95, "cap on the encounter chance, however strong the patrol")
    signal_prob: float = prob(0.35, "share of crossings an intelligence-led patrol gets advance word of")
    signalled_encounter_prob: float = prob(0.8)
    trail_sighting_prob: float = prob(0.3, "chance sensors or locals notice a crossing")
    patrol_weight_floor: float = param(0.5, 0.0, None, "sightings", "weight of a trail with no sightings")
    sighting_decay: float = prob(0.8, "share of the sightings picture kept at each re-deployment")
    patrol_reallocation_days: int = param(7, 1, 365, "days")
    spot_bribe_prob: float = prob(0.5, "chance a courier caught by an honest officer offers a bribe")


@dataclass
class OfficerConfig:
    """Officers, their agencies and the corruption rule."""

    customs_per_post: int = param(6, 1, 10000, "officers")
    border_guards_per_post: int = param(4, 1, 10000, "officers")
    border_guards_per_trail: int = param(4, 1, 10000, "officers")
    police_per_country: int = param(12, 1, 100000, "officers")
    police_team_size: int = param(3, 1, 1000, "officers", "police officers per operation team")
    analysts_per_country: int = param(3, 1, 100000, "officers")
    fiu_per_country: int = param(2, 1, 100000, "officers")
    initial_corrupt_share: float = prob(0.1)
    corruption_base: float = param(-2.0, -20.0, 20.0, "logit")
    peer_weight: float = param(3.0, 0.0, 100.0, "logit")
    bribe_weight: float = param(40.0, 0.0, 10000.0, "logit/M")
    oversight_weight: float = param(3.0, 0.0, 100.0, "logit")
    pay_weight: float = param(1.5, 0.0, 100.0, "logit")
    whistleblower_weight: float = param(1.0, 0.0, 100.0, "logit")
    cultivation_prob: float = prob(0.05, "daily chance an organisation courts an officer")
    cultivate_post_share: float = prob(0.5, "share of courting aimed at a post on the routes (else police)")
    retainer_bribes: float = param(3.0, 0.0, 100.0, "bribes", "a standing contact's retainer")
    contact_on_duty_prob: float = prob(0.6, "chance a cultivated contact is on duty when a load comes")
    peer_recruitment_prob: float = prob(0.01, "daily chance a corrupt officer approaches a peer")
    audit_rate: float = prob(0.02, "daily audit chance at full oversight")
    peer_report_prob: float = prob(0.0005, "daily chance one honest peer reports a corrupt one")
    whistleblower_report_multiplier: float = param(4.0, 1.0, 1000.0, "x")
    case_lead_prob: float = prob(0.5, "chance a corruption case gives a lead on one of the organisation's "
                                 "lieutenants (its go-between with the officer)")
    integrity_sd: float = param(0.5, 0.0, 10.0, "logit", "spread of officers' integrity (normal, mean 0)")


@dataclass
class InvestigationConfig:
    """The lead → analysis → sharing → operation → arrest pipeline (days)."""

    analysis_days: float = param(4.0, 0.0, None, "days")
    operation_days: float = param(3.0, 0.0, None, "days")
    domestic_request_days: float = param(12.0, 0.0, None, "days")
    cross_border_request_days: float = param(45.0, 0.0, None, "days")
    fused_sharing_days: float = param(0.5, 0.0, None, "days")
    lead_loss_when_siloed: float = prob(0.3, "chance a cross-border lead is lost between siloed agencies")
    domestic_loss_factor: float = prob(0.5, "domestic lead loss relative to cross-border")
    arrest_prob: float = prob(0.7)
    arrest_quality_weight: float = prob(0.5, "how much the arrest chance depends on the lead's quality")
    talk_prob: float = prob(0.4, "chance an arrestee names an accomplice")
    develop_prob: float = prob(0.5)
    tip_lead_prob: float = prob(0.3)
    seizure_facilitator_lead_prob: float = prob(0.3, "chance a seizure gives a lead on a hired facilitator")
    leak_weight: float = param(1.0, 0.0, 10.0, "x", "leak chance per unit of police corrupt share")
    quality_seizure: float = prob(1.0, "evidence value of a lead from a seizure")
    quality_talk: float = prob(0.6)
    quality_tip: float = prob(0.3)
    quality_financial: float = prob(0.8)
    quality_corruption: float = prob(0.5)
    quality_victim: float = prob(0.7)


@dataclass
class JusticeConfig:
    """Trials after arrest."""

    trial_delay_days: float = param(90.0, 0.0, None, "days")
    trial_delay_sigma: float = param(0.3, 0.0, 3.0, "log units")
    conviction_base: float = param(-0.5, -20.0, 20.0, "logit")
    evidence_weight: float = param(1.5, 0.0, 100.0, "logit")
    testimony_weight: float = param(1.5, 0.0, 100.0, "logit")
    testimony_base: float = prob(0.2, "chance a victim testifies without protection")
    testimony_protection_gain: float = prob(0.7, "added chance at full victim protection")
    cross_border_evidence_loss: float = prob(0.5)


@dataclass
class FinanceConfig:
    """Laundering, financial intelligence and asset freezing."""

    launder_fee: float = prob(0.1, "launderer's share of a tranche")
    tranche_share: float = prob(0.2, "share of dirty money laundered per day")
    min_tranche: float = param(0.1, 0.0, None, "M")
    no_launderer_fee_factor: float = param(2.0, 1.0, 10.0, "x", "cost of laundering without a professional")
    no_launderer_detection_factor: float = param(1.5, 1.0, 10.0, "x")
    detection_base: float = prob(0.3, "detection per transaction at full financial controls")
    freeze_share: float = prob(0.5, "share of a detected tranche frozen")
    freeze_cash_share: float = prob(0.2, "share of cash on hand frozen with a detected tranche, times freeze_share")
    arrest_freeze_share: float = prob(0.3)


@dataclass
class CommunityConfig:
    """Residents: vulnerability, awareness, trust, tips, recruitment and trafficking."""

    population_scale: float = param(1.0, 0.0, 1000.0, "x")
    vulnerability_mean: float = prob(0.35)
    awareness_mean: float = prob(0.2)
    trust_mean: float = prob(0.4)
    observers_per_event: float = param(20.0, 0.0, 10000.0, "residents", "in a locality of reference size")
    reference_population: float = param(5000.0, 1.0, None, "residents", "scale of observers and reactions")
    tip_base: float = prob(0.02)
    tip_trust_floor: float = param(0.2, 0.0, 10.0, "x", "reporting at zero trust, relative")
    tip_awareness_floor: float = param(0.5, 0.0, 10.0, "x", "reporting at zero awareness, relative")
    tip_line_gain: float = param(3.0, 0.0, 100.0, "x", "reporting added by the tip line at full engagement")
    trust_gain_enforcement: float = param(0.002, 0.0, 1.0, "/day")
    trust_loss_corruption: float = param(0.004, 0.0, 1.0, "/day")
    trust_gain_engagement: float = param(0.001, 0.0, 1.0, "/day")
    trust_gain_victim_support: float = param(0.003, 0.0, 1.0, "/day")
    trust_reversion: float = param(0.002, 0.0, 1.0, "/day")
    seen_cap: float = param(5.0, 0.0, None, "events per reference population", "most a day's news can weigh")
    seen_per_bribe: float = param(0.2, 0.0, 10.0, "events", "how much residents notice one bribe paid")
    seen_per_corruption_case: float = param(0.5, 0.0, 10.0, "events", "how much residents notice a dismissal")
    awareness_gain_engagement: float = param(0.002, 0.0, 1.0, "/day")
    prevention_rate: float = param(0.004, 0.0, 1.0, "/day")
    vulnerability_floor: float = prob(0.05)
    recruit_threshold: float = prob(0.3)
    acceptance_awareness_weight: float = prob(0.5, "how much awareness lowers saying yes to a recruiter")
    victim_selection_awareness_weight: float = prob(0.8, "how much awareness protects from being chosen")
    shelter_recovery_factor: float = prob(0.7, "vulnerability kept after a shelter stay")
    exploitation_vulnerability_gain: float = prob(0.2, "vulnerability added by exploitation")


@dataclass
class VictimConfig:
    """Identification, protection and re-trafficking."""

    shelter_capacity_per_country: int = param(40, 0, 10_000_000, "places")
    shelter_capacity_floor: float = param(0.25, 0.0, 10.0, "x", "capacity at zero victim protection")
    shelter_capacity_gain: float = param(1.5, 0.0, 100.0, "x", "capacity added at full victim protection")
    referral_base: float = prob(0.3, "chance an identified victim is referred without protection policy")
    referral_gain: float = prob(0.7, "added referral at full victim protection")
    protection_days: float = param(180.0, 0.0, None, "days")
    exploitation_days: float = param(365.0, 0.0, None, "days")
    reexploitation_weight: float = param(3.0, 0.0, 1000.0, "x")
    identification_by_tip_prob: float = prob(0.2, "monthly chance per exploited victim at full trust")


@dataclass
class FacilitatorConfig:
    """The market of facilitators: how many of each kind per country, and how fast vacancies refill."""

    per_kind: int = param(3, 0, 10000, "facilitators per kind and country")
    entry_prob: float = prob(0.05, "daily chance a missing facilitator is replaced")


@dataclass
class CostConfig:
    """Unit costs of the levers (millions of currency units per year at lever value 1)."""

    intel_sharing: float = param(4.0, 0.0, None, "M/year")
    joint_task_force: float = param(3.0, 0.0, None, "M/year")
    inspection_per_1000: float = param(0.05, 0.0, None, "M/1000 vehicles")
    focus_per_post: float = param(0.8, 0.0, None, "M/year/post/x")
    intelligence_led_patrols: float = param(0.5, 0.0, None, "M/year")
    financial_controls: float = param(3.0, 0.0, None, "M/year")
    oversight: float = param(2.5, 0.0, None, "M/year")
    officer_salary: float = param(0.02, 0.0, None, "M/officer/year")
    whistleblower_protection: float = param(0.4, 0.0, None, "M/year")
    community_engagement: float = param(2.0, 0.0, None, "M/year")
    victim_protection: float = param(3.0, 0.0, None, "M/year")
    prevention: float = param(5.0, 0.0, None, "M/year")


@dataclass
class BranchConfig:
    """A branch: from `day` on, the levers in `levers` (policy keys without `policy.`) take new values.

    The run is the parent (same config and seed) up to `day`, so its events before `day` are the
    parent's; `parent` records which run folder it branched from. A branch is one entry of the policy
    schedule, added after the run's own entries.
    """

    day: int | None = param(None, 0, 36500, "day")
    levers: dict[str, Any] = field(default_factory=dict)
    parent: str | None = None


@dataclass
class SimConfig:
    """One run: which world, which policy, how long, which seed, where to write."""

    seed: int = param(0, 0, 2**63 - 1)
    days: int = param(365, 1, 36500, "days")
    scenario_name: str = "baseline"
    scenario_description: str = ""
    output_dir: str | None = None
    progress: bool | None = None
    record: bool | None = None
    corridor: CorridorConfig = field(default_factory=CorridorConfig)
    policy: PolicyConfig = field(default_factory=PolicyConfig)
    policy_schedule: list[ScheduleEntry] = field(default_factory=list)
    network: NetworkConfig = field(default_factory=NetworkConfig)
    shipments: ShipmentConfig = field(default_factory=ShipmentConfig)
    border: BorderConfig = field(default_factory=BorderConfig)
    officers: OfficerConfig = field(default_factory=OfficerConfig)
    investigation: InvestigationConfig = field(default_factory=InvestigationConfig)
    justice: JusticeConfig = field(default_factory=JusticeConfig)
    finance: FinanceConfig = field(default_factory=FinanceConfig)
    community: CommunityConfig = field(default_factory=CommunityConfig)
    victims: VictimConfig = field(default_factory=VictimConfig)
    facilitators: FacilitatorConfig = field(default_factory=FacilitatorConfig)
    costs: CostConfig = field(default_factory=CostConfig)
    branch: BranchConfig = field(default_factory=BranchConfig)


# ------------------------------------------------------------------------------------------------ reading the schema


@dataclass(frozen=True)
class FieldSpec:
    """What the schema says about one key: type, default, range, unit, allowed words."""

    key: str
    type: str  # "number", "integer", "bool", "choice", "list", "text", "mapping"
    default: Any
    low: float | None = None
    high: float | None = None
    unit: str = ""
    note: str = ""
    choices: tuple[str, ...] = ()

    def describe_range(self) -> str:
        what = "a whole number" if self.type == "integer" else "a number"
        if self.low is not None and self.high is not None:
            return f"{what} in [{self.low}, {self.high}]"
        if self.low is not None:
            return f"{what} >= {self.low}"
        if self.high is not None:
            return f"{what} <= {self.high}"
        return what


def _kind(tp: Any) -> tuple[str, tuple[str, ...]]:
    if isinstance(tp, type) and issubclass(tp, StrEnum):
        return "choice", tuple(m.value for m in tp)
    name = tp if isinstance(tp, str) else getattr(tp, "__name__", str(tp))
    for word, kind in (("bool", "bool"), ("int", "integer"), ("float", "number"), ("list", "list"),
                       ("dict", "mapping"), ("str", "text")):
        if name.startswith(word) or f"[{word}" in name or name.endswith(f"| {word}"):
            return kind, ()
    return "text", ()


def field_specs(node: type[Any] = SimConfig, prefix: str = "") -> dict[str, FieldSpec]:
    """Every leaf key of a schema node (nested sections flattened to `section.key`) with its spec."""
    import typing

    hints = typing.get_type_hints(node)
    out: dict[str, FieldSpec] = {}
    for f in dataclasses.fields(node):
        tp = hints[f.name]
        key = f"{prefix}{f.name}"
        if dataclasses.is_dataclass(tp):
            out.update(field_specs(tp, key + "."))
            continue
        kind, choices = _kind(tp)
        default = f.default if f.default is not dataclasses.MISSING else (
            f.default_factory() if f.default_factory is not dataclasses.MISSING else None)
        if isinstance(default, StrEnum):
            default = default.value
        meta = f.metadata
        out[key] = FieldSpec(key, kind, default, meta.get("low"), meta.get("high"), meta.get("unit", ""),
                             meta.get("note", ""), choices)
    return out


#: Every leaf key of a run config with its spec (ranges checked by `validate`).
SPECS: dict[str, FieldSpec] = field_specs()
#: The policy levers, by name without `policy.`.
LEVER_SPECS: dict[str, FieldSpec] = {k.removeprefix("policy."): s for k, s in SPECS.items()
                                     if k.startswith("policy.")}


def to_params(cfg: DictConfig, kind: type[Any] = SimConfig) -> Any:
    """A config node as plain dataclasses (`kind`): the model reads it millions of times, and OmegaConf
    is slow."""
    params = OmegaConf.to_object(cfg)
    assert isinstance(params, kind)
    return params


@functools.cache
def schema() -> DictConfig:
    """The structured default config, with every key and type: shared, so merge it, never change it.

    Built once per process: turning the dataclasses into a config tree is a large share of a compose.
    """
    return OmegaConf.structured(SimConfig)


@functools.cache
def register() -> None:
    """Register the schema in Hydra's ConfigStore as `base_config` (configs/config.yaml extends it);
    once per process."""
    from hydra.core.config_store import ConfigStore

    ConfigStore.instance().store(name="base_config", node=schema())


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


__all__ += [
    "LEVER_SPECS", "SPECS", "BorderConfig", "BranchConfig", "CommunityConfig", "CorridorConfig", "CostConfig",
    "FacilitatorConfig", "FieldSpec", "FinanceConfig", "InspectionTargeting", "InvestigationConfig",
    "InvestigationTargeting", "JusticeConfig", "NetworkConfig", "OfficerConfig", "PatrolAllocation", "PolicyConfig",
    "ScheduleEntry", "ShipmentConfig", "SimConfig", "VictimConfig", "field_specs", "flatten", "param", "prob",
    "register", "schema", "to_params",
]
