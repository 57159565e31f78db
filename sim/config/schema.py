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
#: Upper bounds of amounts of money, unit costs and durations. They are not findings: each lies far beyond any
#: value the model is meant for, so that a typo or a hostile `1e300` is refused with one line instead of running
#: into an absurd policy cost or a pipeline stage that never ends. Model money: 1 M is 50 officer-years
#: (costs.officer_salary 0.02 M a year); the default corridor's criminal revenue is about 250 M a year.
MAX_MONEY = 10_000.0  # M: an amount (cash, credit, a load's value, a fee): 500,000 officer-years, 40 years' revenue
MAX_UNIT_COST = 1_000.0  # M per year (or per unit) of a lever: the pay of 50,000 officers, a national border force
MAX_DAYS = 3_650.0  # ten years: longer than any stage of the pipelines on record (trials take a year or two)
MAX_MINUTES = 1_440.0  # a whole day for one vehicle at a post
MAX_HOURS = 720.0  # a month


def param(default: Any, low: float | None = None, high: float | None = None, unit: str = "", note: str = "") -> Any:
    """A numeric config field with its allowed range [low, high] (None: open on that side) and unit."""
    return field(default=default, metadata={"low": low, "high": high, "unit": unit, "note": note})


def note(text: str) -> dict[str, str]:
    """Metadata of a switch, choice or list field: what it means (the viewer's lever help shows it)."""
    return {"note": text}


def prob(default: float, note: str = "") -> Any:
    """A probability or share: a number in [0, 1]."""
    return param(default, 0.0, 1.0, P, note)


class InspectionTargeting(StrEnum):
    random = "random"
    risk_based = "risk_based"


class PatrolAllocation(StrEnum):
    static = "static"
    intelligence_led = "intelligence_led"


class WarmupPolicy(StrEnum):
    status_quo = "status_quo"
    run = "run"


class InvestigationTargeting(StrEnum):
    random = "random"
    kingpin = "kingpin"
    broker = "broker"
    financial = "financial"


@dataclass
class PolicyConfig:
    """The policy levers (DESIGN.md section 5). Defaults are the `baseline` world: siloed, weak oversight."""

    intel_sharing: float = prob(0.1, "0 siloed agencies ... 1 a fused picture")
    joint_task_force: bool = field(default=False, metadata=note(
        "cross-border joint operations: arrests and evidence cross jurisdictions without delay"))
    inspection_rate: float = prob(0.05, "share of border traffic inspected")
    inspection_targeting: InspectionTargeting = field(default=InspectionTargeting.random, metadata=note(
        "how traffic is picked for inspection: at random, or by customs' picture of "
        "which organisations, loads and routes are active (seizures and shared leads)"))
    interdiction_focus: list[str] = field(default_factory=list, metadata=note(
        "crossings or ports that get extra enforcement (focus_multiplier times the others)"))
    focus_multiplier: float = param(1.0, 1.0, 100.0, "x", "enforcement at focused posts relative to others")
    patrol_allocation: PatrolAllocation = field(default=PatrolAllocation.static, metadata=note(
        "where border patrols go: fixed rounds, or where the intelligence picture points"))
    financial_controls: float = prob(0.1, "strength of laundering detection and asset freezing")
    oversight: float = prob(0.2, "audits and penalties against corruption")
    officer_pay: float = param(1.0, 0.0, 10.0, "x today's pay", "relative pay of officers (1 = today): better "
                               "pay makes a bribe less tempting")
    whistleblower_protection: bool = field(default=False, metadata=note(
        "officers who report corrupt peers are protected, so more are reported"))
    community_engagement: float = prob(0.1, "trust building, tip line, awareness")
    victim_protection: float = prob(0.2, "shelters, witness protection, non-punishment")
    prevention: float = prob(0.0, "education and economic programmes")
    targeting: InvestigationTargeting = field(default=InvestigationTargeting.random, metadata=note(
        "whom investigations go after first: anyone (random), leaders (kingpin), brokers between cells, or the "
        "money (financial)"))


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
    countries: int = param(4, 2, 20, "countries")
    localities_per_country: int = param(3, 1, 100, "localities")
    crossings_per_border: int = param(2, 1, 20, "crossings")
    residents_per_locality: int = param(5000, 0, 10_000_000, "residents")


@dataclass
class NetworkConfig:
    """Trafficking organisations: size, structure, money, route learning, disruption and recovery."""

    organisations: int = param(4, 1, 1000, "organisations")
    cells_per_org: int = param(3, 1, 100, "cells")
    couriers_per_cell: int = param(4, 1, 100, "members")
    recruiters_per_cell: int = param(1, 0, 100, "members")
    lateral_tie_prob: float = prob(0.3, "chance two members of a cell (or two lieutenants) know each other")
    initial_cash: float = param(3.0, 0.0, MAX_MONEY, "M")
    courier_rest_days: float = param(3.0, 0.0, 365.0, "days", "a courier's time at home between trips")
    member_upkeep_per_day: float = param(0.002, 0.0, MAX_MONEY, "M/member/day")
    recruit_cost: float = param(0.02, 0.0, MAX_MONEY, "M/recruit")
    recruit_base_prob: float = prob(0.15, "daily chance a short cell finds a recruit, per recruiter + 1")
    recruiter_facilitator_lift: float = param(1.5, 1.0, 10.0, "x", "recruitment with a hired recruiter")
    # Structure, disruption and recovery (Duijn, Kashirin & Sloot 2014; Bright et al. 2017; Morselli 2009).
    leader_tie_prob: float = prob(0.5, "chance a lieutenant answers to the leader directly; the others reach "
                                       "the core through a lieutenant who does (a broker)")
    promotion_prob: float = prob(0.05, "daily chance a qualified member fills a vacancy above him: a leader "
                                       "or lieutenant is replaced in about 20 days, not overnight")
    lieutenant_min_tenure_days: float = param(180.0, 0.0, 3650.0, "days",
                                              "time in the organisation before a member is trusted to run a cell")
    leader_min_tenure_days: float = param(365.0, 0.0, 3650.0, "days",
                                          "time in the organisation before a lieutenant can lead it")
    founding_tenure_days: float = param(1095.0, 0.0, 7300.0, "days",
                                        "members present at the start joined up to this long before")
    reconnect_prob: float = prob(0.03, "daily chance a cell cut off from the core re-establishes a tie to it "
                                       "(through a vouching member): about a month")
    dismantle_days: float = param(45.0, 1.0, 3650.0, "days",
                                  "a cell without a working lieutenant or cut off from the core this long "
                                  "breaks up: its members disperse")
    cell_reform_prob: float = prob(0.02, "daily chance an organisation re-forms a dismantled cell around a "
                                         "trusted member (about 50 days), who then recruits couriers")
    leaderless_pause_prob: float = prob(0.5, "chance a leaderless organisation turns an order down")
    courier_capacity: float = param(1.0, 0.05, 100.0, "standard loads", "what one courier carries; larger "
                                    "orders are split over several couriers")
    courier_return_factor: float = param(1.0, 0.0, 5.0, "x route days", "a courier's way back home after "
                                         "a delivery, as a multiple of the outbound travel time")
    novice_detectability: float = param(0.5, 0.0, 5.0, "x", "extra detectability of a courier with no "
                                        "experience, fading with tenure (skill)")
    skill_learning_days: float = param(90.0, 1.0, 3650.0, "days", "time scale on which a courier's "
                                       "extra detectability fades")
    supplier_credit: float = param(0.5, 0.0, MAX_MONEY, "M", "purchases a supplier fronts on consignment when "
                                   "an organisation lacks cash; repaid from proceeds")
    risk_prior: float = prob(0.05, "believed seizure risk at a formal checkpoint before any experience")
    informal_risk_prior_factor: float = param(0.6, 0.0, 10.0, "x", "prior risk at informal vs formal crossings")
    risk_learning_rate: float = prob(0.25, "weight of the latest own outcome in the learned risk")
    social_learning_weight: float = prob(0.3, "weight of others' seizures relative to own")
    route_temperature: float = param(0.15, 0.0, 100.0, "share of load value", "softmax spread of route choice; at "
                                     "most 100 (far beyond it every route is already about equally likely)")
    exploration: float = prob(0.1, "chance a route is picked at random")
    max_routes: int = param(12, 1, 200, "routes")


@dataclass
class DemandConfig:
    """Destination markets: orders, prices that follow risk, and entry of new organisations.

    Base orders are standard loads a day per market demanding the commodity, at the base price (price
    index 1); a standard load is worth `shipments.value_drugs` (or `value_weapons`; people: persons x
    `fee_per_person`) at that price.
    """

    orders_drugs: float = param(0.9, 0.0, 1000.0, "loads/day/market", "calibrated so the default corridor's "
                                "flow matches its courier capacity at about two thirds of use")
    orders_people: float = param(0.6, 0.0, 1000.0, "groups/day/market", "groups seeking passage")
    orders_weapons: float = param(0.5, 0.0, 1000.0, "loads/day/market")
    elasticity_drugs: float = param(-0.5, -3.0, 0.0, "%/%", "price elasticity of demand; meta-analyses put "
                                    "illicit drugs near -0.5 (Gallet 2014, Health Economics 23(1))")
    elasticity_people: float = param(-0.3, -3.0, 0.0, "%/%", "migrants keep coming as fees rise (UNODC Global "
                                     "Study on Smuggling of Migrants 2018): inelastic")
    elasticity_weapons: float = param(-0.5, -3.0, 0.0, "%/%", "no firm estimate; taken as for drugs")
    risk_premium: float = param(2.0, 0.0, 20.0, "x seizure share", "price index rise per unit share of loads "
                                "seized: replacing lost loads (~1/(1-s)) plus pay for arrest risk (Reuter & "
                                "Kleiman 1986; Caulkins & Reuter 1998)")
    scarcity_premium: float = param(0.5, 0.0, 20.0, "x unmet share", "price index rise per unit share of "
                                    "orders unfilled")
    risk_memory: float = prob(0.05, "weight of the latest load in the market's seizure share (~20 loads)")
    scarcity_memory: float = prob(0.02, "weight of the latest order in the unmet share (~50 orders)")
    load_sigma: float = param(0.4, 0.0, 3.0, "log units", "spread of order sizes (lognormal, median one load)")
    entry_check_days: int = param(30, 1, 365, "days", "how often would-be organisations weigh entering")
    entry_sensitivity: float = param(1.0, 0.0, 10.0, "p per unmet share", "chance of entry per check per unit "
                                     "share of orders unfilled above the threshold, times the price index")
    entry_threshold: float = prob(0.15, "share of orders unfilled below which nobody enters: entry barriers "
                                        "(violence, trust, supply contacts); about the share a working market "
                                        "misses through couriers' timing alone")
    max_organisations: int = param(1000, 1, 1000, "organisations", "entry stops at this many")


@dataclass
class ShipmentConfig:
    """Commodity values, detectability and fees (values in millions of currency units)."""

    value_drugs: float = param(0.6, 0.0, MAX_MONEY, "M/load")
    value_weapons: float = param(0.3, 0.0, MAX_MONEY, "M/load")
    purchase_share: float = prob(0.25, "share of a load's value paid up front (lost if seized)")
    fee_per_person: float = param(0.01, 0.0, MAX_MONEY, "M/person")
    persons_per_shipment: int = param(6, 1, 1000, "persons")
    victim_share: float = prob(0.5, "share of moved persons who are trafficking victims")
    detectability_drugs: float = prob(0.6)
    detectability_people: float = prob(0.5)
    detectability_weapons: float = prob(0.55)
    transport_cost_per_day: float = param(0.005, 0.0, MAX_MONEY, "M/day")
    forger_fee: float = param(0.01, 0.0, MAX_MONEY, "M")
    forgery_effect: float = prob(0.5, "detectability removed by forged papers at formal posts")
    front_company_fee: float = param(0.02, 0.0, MAX_MONEY, "M")
    front_company_effect: float = prob(0.45, "share of a load's risk-profile suspicion a front company removes "
                                                  "(risk-based selection; its organisation is hidden too)")
    broker_fee: float = param(0.01, 0.0, MAX_MONEY, "M")
    courier_arrest_post: float = prob(0.9, "chance the courier is taken when a load is seized at a formal post "
                                          "(drivers rarely get away from an inspection lane)")
    courier_arrest_trail: float = prob(0.4, "chance the courier is taken when a patrol seizes a load on a "
                                           "trail (many drop the load and run)")


@dataclass
class BorderConfig:
    """Border posts: lane queues, inspection times, risk targeting and patrols."""

    platoons_per_day: int = param(8, 1, 1000, "/day")
    clearance_minutes: float = param(1.0, 0.0, MAX_MINUTES, "min/vehicle")
    inspection_minutes: float = param(20.0, 0.0, MAX_MINUTES, "min/vehicle")
    max_queue_hours: float = param(24.0, 0.0, MAX_HOURS, "h")
    shipment_inspection_hours: float = param(2.0, 0.0, MAX_HOURS, "h")
    # Risk-based targeting (docs/ODD.md 7.3): the same inspections, spent where customs' picture points.
    targeting_concentration: float = param(9.0, 0.0, 1000.0, "x", "how much likelier customs are to pick a "
                                           "vehicle matching a fully believed picture than one matching nothing, "
                                           "before the budget is rescaled (9: ten times, a selectivity system's "
                                           "red lane against its green)")
    target_weight_org: float = prob(0.6, "weight of the believed activity of the vehicle's organisation (carrier, "
                                         "driver or trader known from seizures and leads; hidden by a front "
                                         "company)")
    target_weight_profile: float = prob(0.2, "weight of the believed activity of its risk profile (kind of load, "
                                             "origin country)")
    target_weight_route: float = prob(0.2, "weight of the most active other crossing on its declared itinerary")
    profile_traffic_share: float = prob(0.15, "share of a post's legitimate traffic that matches one risk profile: "
                                              "suspicion of a profile draws inspections onto that much traffic too")
    selection_memory_days: float = param(7.0, 0.01, 365.0, "days", "time constant of a post's running mean "
                                         "suspicion of its traffic, which rescales risk-based selection so that "
                                         "it inspects as many vehicles as random selection")
    patrol_encounter_prob: float = prob(0.25, "chance a patrol of average strength meets a crossing")
    max_encounter_prob: float = prob(0.95, "cap on the encounter chance, however strong the patrol")
    trail_sighting_prob: float = prob(0.3, "chance sensors or locals notice a crossing")
    patrol_weight_floor: float = param(0.5, 0.0, 1000.0, "reports", "weight of a trail with no reported activity "
                                       "when intelligence-led patrols are re-deployed; at most 1000 (a bound against "
                                       "typos, not a finding)")
    patrol_reallocation_days: int = param(7, 1, 365, "days")
    spot_bribe_prob: float = prob(0.5, "chance a courier caught by an honest officer offers a bribe")


@dataclass
class OfficerConfig:
    """Officers, their agencies and the corruption rule (docs/ODD.md 7.6).

    Calibration target: a baseline corrupt share that stays near 20% of officers (15-30%). Transparency
    International's Global Corruption Barometer finds one in four or five users of public services paying a
    bribe in weak-governance regions, the police among the most bribed (GCB Africa 2019, GCB Latin America and
    the Caribbean 2019); the share of officers ready to take a bribe is taken in that range. Under the
    levers' plausible range the share falls at the pace of the exits (turnover, quitting, audits, reports):
    by about half in a year, not in weeks (docs/ODD.md 7.6).
    """

    customs_per_post: int = param(6, 1, 1000, "officers")
    border_guards_per_post: int = param(4, 1, 1000, "officers")
    border_guards_per_trail: int = param(4, 1, 1000, "officers")
    police_per_country: int = param(12, 1, 10000, "officers")
    police_team_size: int = param(3, 1, 1000, "officers", "police officers per operation team")
    analysts_per_country: int = param(3, 1, 10000, "officers")
    fiu_per_country: int = param(2, 1, 10000, "officers")
    initial_corrupt_share: float = prob(0.22, "near the baseline's stationary share (target 15-30%, see the class "
                                        "note), so that the warm-up starts close to it")
    corruption_base: float = param(-2.0, -20.0, 20.0, "logit", "readiness of an average officer with no corrupt "
                                   "peers, no bribe and no deterrence: sigmoid(-2) = 0.12")
    peer_weight: float = param(2.0, 0.0, 100.0, "logit", "logit added when every peer of the unit is corrupt "
                               "(peer norms: a corrupt unit makes a bribe look normal and safe)")
    bribe_weight: float = param(1000.0, 0.0, 100000.0, "logit/M", "pull of a bribe at today's pay: 1000/M is "
                                "0.82 logit for a half-month's pay (bribe_wage_days 15 at costs.officer_salary "
                                "0.02 M/yr), 2.5 for a retainer of three")
    bribe_wage_days: float = param(15.0, 0.0, 365.0, "days of pay", "a bribe per shipment in days of an "
                                   "officer's pay: from a day's to a few weeks' pay (UNODC bribery surveys in "
                                   "the Western Balkans 2011 and Afghanistan 2010: an average bribe of about a "
                                   "third to a half of a monthly wage); a fraction of the payroll, not more")
    oversight_weight: float = param(2.0, 0.0, 100.0, "logit", "at full oversight (an expected penalty that "
                                    "outweighs a few bribes)")
    pay_weight: float = param(1.0, 0.0, 100.0, "logit", "per unit of pay above today's (less need, more to lose)")
    whistleblower_weight: float = param(1.0, 0.0, 100.0, "logit", "colleagues can report safely: the risk of "
                                        "being reported weighs on every bribe")
    cultivation_prob: float = prob(0.005, "daily chance an organisation courts an officer through a broker: "
                                   "about two a year (calibrated to the stationary share above)")
    cultivate_post_share: float = prob(0.5, "share of courting aimed at a post on the routes (else police)")
    retainer_bribes: float = param(3.0, 0.0, 100.0, "bribes", "a standing contact's retainer")
    contact_on_duty_prob: float = prob(0.6, "chance a cultivated contact is on duty when a load comes")
    peer_recruitment_prob: float = prob(0.002, "daily chance an honest officer is pressed to join when every "
                                        "peer is corrupt (x the corrupt share of peers): under once a year")
    reconsider_rate: float = param(0.5, 0.0, 365.0, "/year", "how often a corrupt officer weighs going on, each "
                                   "time quitting unless the readiness rule still holds them: about every two "
                                   "years (judgement: the leverage traffickers hold over a paid officer makes "
                                   "quitting rare and slow)")
    attrition_rate: float = param(0.08, 0.0, 1.0, "/year", "officers who retire, resign or rotate out, replaced "
                                  "by clean recruits: police leaving rates are 5-10% a year (Home Office, Police "
                                  "workforce England and Wales: about 6-8%; PERF US workforce surveys: 8-10%)")
    audit_rate: float = prob(0.0008, "daily chance an audit catches a corrupt officer at full oversight: "
                             "about 0.3 a year (integrity testing and asset checks in reformed forces; judgement)")
    peer_report_prob: float = prob(0.00002, "daily chance one honest peer reports a corrupt one: under 1% a "
                                   "year (the police code of silence: Klockars et al. 2004)")
    whistleblower_report_multiplier: float = param(4.0, 1.0, 1000.0, "x", "reports when reporting is safe "
                                                   "(judgement: fear of retaliation is the main reason not to report)")
    case_lead_prob: float = prob(0.5, "chance a corruption case gives a lead on one of the organisation's "
                                 "lieutenants (its go-between with the officer)")
    integrity_sd: float = param(0.5, 0.0, 10.0, "logit", "spread of officers' integrity (normal, mean 0)")


@dataclass
class InvestigationConfig:
    """The lead → analysis → sharing → operation → arrest pipeline (days)."""

    analysis_days: float = param(4.0, 0.0, MAX_DAYS, "days")
    operation_days: float = param(3.0, 0.0, MAX_DAYS, "days")
    domestic_request_days: float = param(12.0, 0.0, MAX_DAYS, "days")
    cross_border_request_days: float = param(45.0, 0.0, MAX_DAYS, "days")
    fused_sharing_days: float = param(0.5, 0.0, MAX_DAYS, "days")
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
    # The intelligence picture (docs/ODD.md 7.16): reports weighted as seizures (1) or their lead's quality.
    picture_half_life_days: float = param(30.0, 1.0, 3650.0, "days", "a report in a picture loses half its weight "
                                          "in this time: tactical intelligence on routes, vehicles and couriers "
                                          "goes stale in weeks as traffickers rotate them (reasoning)")
    picture_belief_half: float = param(1.0, 0.01, 1000.0, "reports", "decayed activity (in seizure-equivalents) at "
                                       "which a picture holds an organisation, profile or crossing active with "
                                       "belief 1/2")
    picture_weight_sighting: float = param(0.5, 0.0, 10.0, "reports", "weight of a sensor or local sighting of a "
                                           "trail crossing, relative to a seizure: it shows where, not who")
    picture_route_prob: float = prob(0.5, "chance an arrestee who talks, or a victim, also names a crossing the "
                                          "organisation used lately")
    informant_crossings: int = param(8, 1, 1000, "crossings", "how many of its organisation's latest crossings "
                                     "such a person can name from (a few trips' worth)")


@dataclass
class JusticeConfig:
    """Trials after arrest (docs/ODD.md 7.8). Trials still running at the end of a run are reported as
    pending (`trials_pending`), not as acquittals."""

    trial_delay_days: float = param(90.0, 0.0, MAX_DAYS, "days", "median from arrest to verdict: first-instance "
                                    "criminal cases take months in most European courts (CEPEJ evaluations)")
    trial_delay_sigma: float = param(0.3, 0.0, 3.0, "log units")
    conviction_base: float = param(-0.5, -20.0, 20.0, "logit", "a case without evidence or testimony: "
                                   "sigmoid(-0.5) = 0.38")
    evidence_weight: float = param(1.5, 0.0, 100.0, "logit", "per unit of evidence: a seizure (evidence 1) "
                                   "convicts 73%, a tip (0.3) 49%")
    testimony_weight: float = param(1.5, 0.0, 100.0, "logit", "a victim's testimony: a tip case rises from 49% to "
                                    "81%; prosecutions of trafficking rest largely on victims' statements "
                                    "(UNODC GLOTIP 2020)")
    testimony_base: float = prob(0.2, "chance a victim testifies without protection (fear of reprisals, "
                                 "deportation: GRETA reports)")
    testimony_protection_gain: float = prob(0.7, "added chance at full victim protection (reflection period, "
                                            "witness protection, residence permit)")
    cross_border_evidence_loss: float = prob(0.5)


@dataclass
class FinanceConfig:
    """Laundering, financial intelligence, financial investigations and asset freezing.

    Calibrated so that at the baseline (`policy.financial_controls` 0.1) assets frozen are about 2% of
    criminal revenue a year: Europol (2016), "Does crime still pay? Criminal asset recovery in the EU
    2010-2014": 2.2% of estimated criminal proceeds provisionally seized or frozen, 1.1% confiscated. At
    strong controls (0.9) 10-20%: above any EU-wide figure, in reach of the strongest regimes (Italy's
    financial police report some 3.6 bn EUR a year seized from mafias, 2014-2019 (ANSA 2019), against
    mafia revenues estimated at 10.7 bn EUR a year (Calderoni 2014), a stock-to-flow ratio that flatters).
    Both routes to a freeze grow about linearly with the lever. docs/ODD.md 7.9 has the arithmetic.
    """

    launder_fee: float = prob(0.1, "launderer's commission on a tranche; professional laundering is quoted at "
                              "5-20% of the sum (UNODC 2011, Estimating illicit financial flows; FATF typologies)")
    tranche_share: float = prob(0.2, "share of dirty money placed per day: bulk cash is moved within about a "
                                "week of the sale (judgement)")
    min_tranche: float = param(0.1, 0.0, MAX_MONEY, "M", "smallest tranche worth placing; below it the rest goes "
                               "at once")
    no_launderer_fee_factor: float = param(2.0, 1.0, 10.0, "x", "fee of self-laundering (cash purchases, "
                                           "relatives' accounts) relative to a professional's (judgement)")
    no_launderer_detection_factor: float = param(1.5, 1.0, 10.0, "x", "amateurs are flagged more often than "
                                                 "professionals (judgement)")
    detection_base: float = prob(0.25, "chance a tranche is flagged by a suspicious-transaction report and held, "
                                 "at controls 1 (x controls below). Baseline: 0.1 x 0.25 x freeze_share 0.5 "
                                 "= 1.25% of proceeds frozen this way, most of Europol's 2.2%")
    freeze_share: float = prob(0.5, "share of a flagged tranche still in the account when the hold comes; the "
                               "rest has moved on (judgement)")
    working_capital: float = param(3.0, 0.0, MAX_MONEY, "M", "cash an organisation keeps for purchases, fees, bribes "
                                   "and pay, about a month of outlays at the default tempo (~0.1 M/day); "
                                   "laundered money above it is held as wealth")
    holdings_life_days: float = param(180.0, 1.0, 3650.0, "days", "mean time laundered wealth stays within "
                                      "investigators' reach before it is spent or moved beyond it (judgement: "
                                      "most proceeds are consumed or moved abroad within the year, UNODC 2011)")
    parallel_investigation_share: float = prob(0.3, "share of arrests followed by a financial investigation "
                                               "unless targeting is financial: a minority in practice (Europol "
                                               "2016 asks for more; FATF R.30 evaluations find them under-used)")
    investigation_days: float = param(90.0, 0.0, 3650.0, "days", "mean length of a financial investigation "
                                      "(exponential): production orders to banks and registries take months "
                                      "(judgement)")
    trace_success_base: float = prob(0.05, "chance an investigation finds the thread to the money at controls 0, "
                                     "when the arrested person knows it all (judgement: police work alone)")
    trace_success_gain: float = prob(0.45, "added at controls 1: ownership registers, bank cooperation, "
                                     "asset-recovery offices (judgement, calibrated to the 10-20% above)")
    knowledge_launderer: float = prob(1.0, "a launderer's knowledge of the money: the trail is theirs")
    knowledge_leader: float = prob(1.0, "a leader's: controls the organisation's money")
    knowledge_lieutenant: float = prob(0.4, "a lieutenant's: handles the cells' cash, not its laundering")
    knowledge_street: float = prob(0.05, "a courier's or recruiter's: carries cash, knows little more")


@dataclass
class CommunityConfig:
    """Residents: vulnerability, awareness, trust, tips, recruitment and trafficking."""

    population_scale: float = param(1.0, 0.0, 100.0, "x")
    vulnerability_mean: float = prob(0.35)
    awareness_mean: float = prob(0.2)
    trust_mean: float = prob(0.4, "trust in police and officials as surveyed: about 40% trust them 'somewhat' "
                             "or 'a lot' in weak-governance regions (Afrobarometer, LAPOP); the stationary level "
                             "at the reference experience below")
    observers_per_event: float = param(20.0, 0.0, 10000.0, "residents", "in a locality of reference size")
    reference_population: float = param(5000.0, 1.0, 10_000_000, "residents", "scale of observers and reactions")
    tip_base: float = prob(0.02)
    tip_trust_floor: float = param(0.2, 0.0, 10.0, "x", "reporting at zero trust, relative")
    tip_awareness_floor: float = param(0.5, 0.0, 10.0, "x", "reporting at zero awareness, relative")
    tip_line_gain: float = param(3.0, 0.0, 100.0, "x", "reporting added by the tip line at full engagement")
    trust_gain_enforcement: float = param(0.002, 0.0, 1.0, "/day", "per enforcement event seen per reference "
                                          "population (an arrest, a seizure, a dismissed corrupt officer)")
    trust_loss_corruption: float = param(0.004, 0.0, 1.0, "/day", "per unit of corrupt share of the country's "
                                         "officers plus bribes seen per reference population")
    trust_gain_engagement: float = param(0.001, 0.0, 1.0, "/day", "at full community engagement: trust built "
                                         "over a year or two, not weeks (community policing evaluations)")
    trust_gain_victim_support: float = param(0.003, 0.0, 1.0, "/day", "per victim sheltered, per reference "
                                             "population, in the victim's own community")
    trust_reversion: float = param(0.002, 0.0, 1.0, "/day", "pull back to each resident's anchor: with the pushes "
                                   "and pulls, trust moves with a time scale of about a year")
    trust_reference_enforcement: float = param(0.06, 0.0, 1000.0, "events/day per reference population",
                                               "enforcement residents were used to when surveyed: the baseline "
                                               "corridor's arrests, seizures and cases seen (0.06, resident-weighted); "
                                               "at most 1000, a bound against typos")
    trust_reference_corruption: float = prob(0.29, "corruption residents were used to when surveyed: the "
                                             "baseline's corrupt share where they live (0.27, resident-weighted: "
                                             "police at home of organisations are the more corrupt) plus bribes "
                                             "seen (0.02 a day per reference population)")
    trust_reference_engagement: float = prob(0.1, "community engagement residents were used to when surveyed: "
                                             "today's (the baseline policy's)")
    seen_cap: float = param(5.0, 0.0, 1000.0, "events per reference population", "most a day's news can weigh; "
                            "at most 1000 (200 times the default; a bound against typos, not a finding)")
    seen_per_bribe: float = param(0.2, 0.0, 10.0, "events", "how much residents notice one bribe paid")
    seen_per_corruption_case: float = param(0.5, 0.0, 10.0, "events", "how much residents notice a dismissal")
    awareness_gain_engagement: float = param(0.002, 0.0, 1.0, "/day")
    prevention_rate: float = param(0.004, 0.0, 1.0, "/day", "share of excess vulnerability removed per day at "
                                   "full prevention: a time scale of eight months, so education and jobs "
                                   "programmes show over months to years")
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
    protection_days: float = param(180.0, 0.0, MAX_DAYS, "days")
    exploitation_days: float = param(365.0, 0.0, MAX_DAYS, "days")
    reexploitation_weight: float = param(3.0, 0.0, 1000.0, "x")
    identification_by_tip_prob: float = prob(0.002, "monthly chance an exploited victim is found by tips and "
                                             "outreach, at full trust and no tip line: about 1% a year at the "
                                             "baseline (trust 0.4, tip line 1.3); with screening at seizures a "
                                             "few percent a year in all, against about 0.2% worldwide (UNODC "
                                             "GLOTIP: ~50,000 detected a year; ILO 2022: 27.6 M in forced labour)")
    screening_base: float = prob(0.2, "chance a victim on a seized people shipment is recognised as one without "
                                 "a victim-protection policy: most are processed as irregular migrants (GRETA, "
                                 "OSCE reports on identification at borders)")
    screening_gain: float = prob(0.5, "added at full victim protection: trained first-line officers, "
                                 "non-punishment")
    lead_prob_sheltered: float = prob(0.4, "chance a sheltered victim names a recruiter or lieutenant of the "
                                      "organisation that trafficked them (safe, supported, a reflection period)")
    lead_prob_unsheltered: float = prob(0.1, "the same for a victim sent home unsupported: fear of reprisals")
    witness_days: float = param(730.0, 0.0, 36500.0, "days", "how long a sheltered victim stays available to "
                                "testify against the organisation that trafficked them (witness protection "
                                "until trial: trafficking trials come a year or two after identification)")


@dataclass
class FacilitatorConfig:
    """The market of facilitators: how many of each kind per country, and how fast vacancies refill."""

    per_kind: int = param(3, 0, 1000, "facilitators per kind and country")
    entry_prob: float = prob(0.05, "daily chance a missing facilitator is replaced")


@dataclass
class CostConfig:
    """Unit costs of the levers (millions of currency units per year at lever value 1)."""

    intel_sharing: float = param(4.0, 0.0, MAX_UNIT_COST, "M/year")
    joint_task_force: float = param(3.0, 0.0, MAX_UNIT_COST, "M/year")
    inspection_per_1000: float = param(0.05, 0.0, MAX_UNIT_COST, "M/1000 vehicles")
    focus_per_post: float = param(0.8, 0.0, MAX_UNIT_COST, "M/year/post/x")
    intelligence_led_patrols: float = param(0.5, 0.0, MAX_UNIT_COST, "M/year")
    financial_controls: float = param(3.0, 0.0, MAX_UNIT_COST, "M/year")
    oversight: float = param(2.5, 0.0, MAX_UNIT_COST, "M/year")
    officer_salary: float = param(0.02, 0.0, MAX_UNIT_COST, "M/officer/year")
    whistleblower_protection: float = param(0.4, 0.0, MAX_UNIT_COST, "M/year")
    community_engagement: float = param(2.0, 0.0, MAX_UNIT_COST, "M/year")
    victim_protection: float = param(3.0, 0.0, MAX_UNIT_COST, "M/year")
    prevention: float = param(5.0, 0.0, MAX_UNIT_COST, "M/year")
    risk_targeting: float = param(0.3, 0.0, MAX_UNIT_COST, "M/year", "a customs risk-analysis unit and targeting "
                                  "system under risk-based inspection: about ten analysts at officer_salary, plus "
                                  "systems")


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
    #: Burn-in before day 0: the corridor runs, nothing is measured or recorded. A year lets corruption,
    #: trust, recruitment and route risk settle from their initial values (docs/ODD.md, initialization).
    warmup_days: int = param(365, 0, 3650, "days", note="simulated days before day 0; not measured")
    #: The policy in force during warm-up: `status_quo` (the schema's defaults, today's policy, so that
    #: every scenario starts day 0 from the same state and paired runs are identical until day 0) or `run`
    #: (the run's own policy from the start: the steady state under it).
    warmup_policy: WarmupPolicy = WarmupPolicy.status_quo
    scenario_name: str = "baseline"
    scenario_description: str = ""
    output_dir: str | None = None
    progress: bool | None = None
    record: bool | None = None
    corridor: CorridorConfig = field(default_factory=CorridorConfig)
    policy: PolicyConfig = field(default_factory=PolicyConfig)
    policy_schedule: list[ScheduleEntry] = field(default_factory=list)
    network: NetworkConfig = field(default_factory=NetworkConfig)
    demand: DemandConfig = field(default_factory=DemandConfig)
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


__all__ += [
    "LEVER_SPECS",
    "SPECS",
    "BorderConfig",
    "BranchConfig",
    "CommunityConfig",
    "CorridorConfig",
    "CostConfig",
    "DemandConfig",
    "FacilitatorConfig",
    "FieldSpec",
    "FinanceConfig",
    "InspectionTargeting",
    "InvestigationConfig",
    "InvestigationTargeting",
    "JusticeConfig",
    "NetworkConfig",
    "OfficerConfig",
    "PatrolAllocation",
    "PolicyConfig",
    "ScheduleEntry",
    "ShipmentConfig",
    "SimConfig",
    "VictimConfig",
    "WarmupPolicy",
    "field_specs",
    "flatten",
    "param",
    "prob",
    "register",
    "schema",
    "to_params",
]
