"""The catalogue: patterns from the literature that the model should reproduce, each with the experiment
that shows it (arms compared, days, replications) and the statistics with their pass rules.

A pattern is a set of arms (override lists run as paired experiments: replicate r has the same seed in
every arm) and checks on them. An arm's overrides may name `<focus>` (the land crossing with the largest
baseline flow share on the corridor at hand, picked from the pattern's pilot arm) or `<shock_end>` (a
quarter of the run); the runner fills them in per corridor. docs/validation.md describes every pattern.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from omegaconf import OmegaConf

import sim.validate.stats as stats
from sim import outcomes
from sim.validate.stats import CheckResult, Status

FOCUS, SHOCK_END = "<focus>", "<shock_end>"
#: Node kinds that count as crossings when a focus is picked (ports and airports are posts, not crossings).
CROSSING_KINDS = ("crossing", "informal_crossing")


class MissingOutcomeError(KeyError):
    """The model does not (yet) report an outcome a check needs."""


@dataclass
class ArmData:
    """The successful runs of one arm on one corridor: summary rows and daily series, indexed by replicate."""

    runs: pd.DataFrame
    timeseries: pd.DataFrame | None = None

    def column(self, key: str) -> pd.Series:
        if key not in self.runs:
            raise MissingOutcomeError(key)
        return pd.to_numeric(self.runs[key], errors="coerce").astype(float)

    def daily(self, metric: str) -> pd.DataFrame:
        """Measured days (day >= 0) of one daily column: replicate, day, value."""
        ts = self.timeseries
        if ts is None or metric not in ts:
            raise MissingOutcomeError(metric)
        frame = ts.loc[ts["day"] >= 0, ["replicate", "day", metric]]
        return frame.rename(columns={metric: "value"})


def fill(text: str, context: Mapping[str, Any]) -> str:
    """`<focus>` and `<shock_end>` in an override or outcome key, from the corridor's context."""
    for token, key in ((FOCUS, "focus"), (SHOCK_END, "shock_end")):
        if token in text:
            text = text.replace(token, str(context[key]))
    return text


# ------------------------------------------------------------------------------------------------ quantities


@dataclass(frozen=True)
class Outcome:
    """A summary outcome, per run."""

    key: str

    @property
    def label(self) -> str:
        if self.key.startswith(outcomes.FLOW_SHARE_PREFIX):
            return "flow share via the focused crossing" if FOCUS in self.key else outcomes.label(self.key)
        try:
            return outcomes.label(self.key, with_unit=True)
        except KeyError:
            return self.key

    def values(self, data: ArmData, context: Mapping[str, Any]) -> pd.Series:
        return data.column(fill(self.key, context))


@dataclass(frozen=True)
class Ratio:
    """One outcome over another, per run (NaN where the denominator is 0)."""

    num: str
    den: str
    label: str

    def values(self, data: ArmData, context: Mapping[str, Any]) -> pd.Series:
        num, den = data.column(fill(self.num, context)), data.column(fill(self.den, context))
        return num / den.where(den != 0)


@dataclass(frozen=True)
class Share:
    """The sum of some outcomes over that sum plus others, per run (NaN where the whole is 0): e.g. loads taken
    by enforcement, at the border or with their courier, among all loads that left."""

    parts: tuple[str, ...]
    rest: tuple[str, ...]
    label: str

    def values(self, data: ArmData, context: Mapping[str, Any]) -> pd.Series:
        part = sum((data.column(fill(k, context)) for k in self.parts[1:]), data.column(fill(self.parts[0], context)))
        whole = sum((data.column(fill(k, context)) for k in self.rest), part)
        return part / whole.where(whole != 0)


@dataclass(frozen=True)
class Trough:
    """The lowest measured daily level of `metric` relative to the outcome `initial`, per run."""

    metric: str
    initial: str
    label: str

    def values(self, data: ArmData, context: Mapping[str, Any]) -> pd.Series:
        initial = data.column(self.initial)
        low = data.daily(self.metric).groupby("replicate")["value"].min()
        return low / initial.where(initial > 0)


@dataclass(frozen=True)
class Recovered:
    """The share of the dip made good by the end: (final - trough) / (initial - trough) of a daily level
    (NaN for a run whose level never fell below its start)."""

    metric: str
    initial: str
    final: str
    label: str

    def values(self, data: ArmData, context: Mapping[str, Any]) -> pd.Series:
        initial, final = data.column(self.initial), data.column(self.final)
        low = data.daily(self.metric).groupby("replicate")["value"].min()
        dip = (initial - low).where(initial - low > 0)
        return (final - low) / dip


Quantity = Outcome | Ratio | Share | Trough | Recovered


# ---------------------------------------------------------------------------------------------------- checks


def _values(q: Quantity, data: Mapping[str, ArmData], arm: str, context: Mapping[str, Any]) -> pd.Series:
    return q.values(data[arm], context)


@dataclass(frozen=True)
class Difference:
    """Paired difference `b - a` of a quantity, in a stated direction (+1 up, -1 down, 0 either)."""

    name: str
    quantity: Quantity
    a: str
    b: str
    direction: int

    def quantities(self) -> list[Quantity]:
        return [self.quantity]

    def arms(self) -> list[str]:
        return [self.a, self.b]

    def describe(self) -> tuple[str, str]:
        return f"{self.quantity.label}: {self.b} - {self.a}", stats.difference_rule(self.direction)

    def evaluate(self, data: Mapping[str, ArmData], context: Mapping[str, Any]) -> CheckResult:
        return stats.paired_difference(self.name, _values(self.quantity, data, self.a, context),
                                       _values(self.quantity, data, self.b, context), self.direction,
                                       self.describe()[0])


@dataclass(frozen=True)
class Level:
    """A quantity's mean in one arm lies inside (low, high); `high="days"` is the run's length."""

    name: str
    quantity: Quantity
    arm: str
    low: float | None = None
    high: float | str | None = None
    min_finite: float = 0.0

    def quantities(self) -> list[Quantity]:
        return [self.quantity]

    def arms(self) -> list[str]:
        return [self.arm]

    def describe(self) -> tuple[str, str]:
        return f"{self.quantity.label} ({self.arm})", stats.level_rule(self.low, self.high, self.min_finite)

    def evaluate(self, data: Mapping[str, ArmData], context: Mapping[str, Any]) -> CheckResult:
        high = float(context["days"]) if self.high == "days" else self.high
        assert high is None or isinstance(high, float | int)
        return stats.level(self.name, _values(self.quantity, data, self.arm, context), self.describe()[0], self.low,
                           high, self.min_finite)


@dataclass(frozen=True)
class Balloon:
    """Displacement: deliveries fall by much less than the focused post's flow share (`stats.displacement_ratio`)."""

    name: str
    share: Outcome
    flow: Outcome
    base: str
    focus: str
    max_ratio: float

    def quantities(self) -> list[Quantity]:
        return [self.share, self.flow]

    def arms(self) -> list[str]:
        return [self.base, self.focus]

    def describe(self) -> tuple[str, str]:
        return stats.DISPLACEMENT_STATISTIC, stats.displacement_rule(self.max_ratio)

    def evaluate(self, data: Mapping[str, ArmData], context: Mapping[str, Any]) -> CheckResult:
        share = [_values(self.share, data, arm, context) for arm in (self.base, self.focus)]
        flow = [_values(self.flow, data, arm, context) for arm in (self.base, self.focus)]
        return stats.displacement_ratio(self.name, *share, *flow, self.max_ratio)


@dataclass(frozen=True)
class Monotone:
    """A quantity moves one way over increasing lever levels (`stats.monotone_steps`)."""

    name: str
    quantity: Quantity
    levels: tuple[str, ...]
    direction: int

    def quantities(self) -> list[Quantity]:
        return [self.quantity]

    def arms(self) -> list[str]:
        return list(self.levels)

    def describe(self) -> tuple[str, str]:
        return f"{self.quantity.label}: {self.levels[-1]} - {self.levels[0]}", stats.monotone_rule(self.direction)

    def evaluate(self, data: Mapping[str, ArmData], context: Mapping[str, Any]) -> CheckResult:
        series = {arm: _values(self.quantity, data, arm, context) for arm in self.levels}
        return stats.monotone_steps(self.name, series, self.direction, self.describe()[0])


@dataclass(frozen=True)
class Unequal:
    """Over equally spaced lever levels, the first and last steps differ (`stats.unequal_steps`)."""

    name: str
    quantity: Quantity
    levels: tuple[str, ...]

    def quantities(self) -> list[Quantity]:
        return [self.quantity]

    def arms(self) -> list[str]:
        return list(self.levels)

    def describe(self) -> tuple[str, str]:
        return f"{self.quantity.label}: first step - last step", stats.UNEQUAL_RULE

    def evaluate(self, data: Mapping[str, ArmData], context: Mapping[str, Any]) -> CheckResult:
        series = {arm: _values(self.quantity, data, arm, context) for arm in self.levels}
        return stats.unequal_steps(self.name, series, self.describe()[0])


@dataclass(frozen=True)
class Differs:
    """Two arms differ in at least one of several quantities (two-sided, `stats.any_differs`)."""

    name: str
    among: tuple[Quantity, ...]
    a: str
    b: str

    def quantities(self) -> list[Quantity]:
        return list(self.among)

    def arms(self) -> list[str]:
        return [self.a, self.b]

    def describe(self) -> tuple[str, str]:
        return "paired difference in " + " or ".join(q.label for q in self.among), stats.ANY_RULE

    def evaluate(self, data: Mapping[str, ArmData], context: Mapping[str, Any]) -> CheckResult:
        pairs = {f"{q.label} ({self.b} - {self.a})":
                 (_values(q, data, self.a, context), _values(q, data, self.b, context)) for q in self.among}
        return stats.any_differs(self.name, pairs)


Check = Difference | Level | Balloon | Monotone | Unequal | Differs


def evaluate(check: Check, data: Mapping[str, ArmData], context: Mapping[str, Any]) -> CheckResult:
    """A check's result; an outcome the model does not report makes it 'not measurable', never a pass."""
    try:
        return check.evaluate(data, context)
    except MissingOutcomeError as exc:
        statistic, rule = check.describe()
        return CheckResult(check.name, statistic, rule, Status.missing, note=f"outcome missing: {exc.args[0]}")


# --------------------------------------------------------------------------------------------------- patterns


@dataclass(frozen=True)
class Arm:
    """One experimental condition: `key` names it in checks and the report."""

    key: str
    overrides: tuple[str, ...] = ()


@dataclass(frozen=True)
class Pattern:
    """A pattern from the literature and how the model is tested for it.

    `days` and `replications` are the full suite's (`replications`: more than the suite's default where the
    effect is small next to the noise; a power argument, stated in `notes`); `pilot`: the arm whose runs pick
    `<focus>`; `series`: a daily level drawn per arm in the report's figure; `quick`: in the quick subset.
    """

    name: str
    title: str
    description: str
    sources: tuple[str, ...]
    arms: tuple[Arm, ...]
    checks: tuple[Check, ...]
    days: int
    pilot: str | None = None
    series: str | None = None
    quick: bool = False
    notes: tuple[str, ...] = field(default_factory=tuple)
    replications: int | None = None

    def arm(self, key: str) -> Arm:
        return next(a for a in self.arms if a.key == key)

    def needs_focus(self, arm: Arm) -> bool:
        return any(FOCUS in o for o in arm.overrides)


def status_quo(levers: Sequence[str]) -> str:
    """The schema's default values of some policy levers, as the `levers` mapping of a schedule entry:
    what a temporary policy returns to."""
    from sim.config import schema

    policy = schema().policy
    parts = []
    for lever in levers:
        value = OmegaConf.select(policy, lever)
        value = getattr(value, "value", value)  # enums as their text
        parts.append(f"{lever}:{str(value).lower() if isinstance(value, bool) else value}")
    return "{" + ",".join(parts) + "}"


def _shock() -> tuple[str, ...]:
    """A short, hard enforcement push (fused sharing, joint task force, broker targeting, heavy inspection),
    ended at `<shock_end>` when every lever returns to the status quo."""
    levers = ("intel_sharing", "joint_task_force", "targeting", "inspection_rate")
    return ("policy.intel_sharing=1.0", "policy.joint_task_force=true", "policy.targeting=broker",
            "policy.inspection_rate=0.25",
            f"policy_schedule=[{{day:{SHOCK_END},levers:{status_quo(levers)}}}]")


CORRUPTION_LEVELS = ("oversight 0", "oversight 0.3", "oversight 0.6", "oversight 0.9")


#: The border's readers of the intelligence picture: customs targeting and patrol deployment that use it.
PICTURE_READERS = ("policy.inspection_targeting=risk_based", "policy.patrol_allocation=intelligence_led")


def catalogue() -> tuple[Pattern, ...]:
    """Every pattern, in the report's order."""
    members = Ratio("network_members_final", "network_members_initial", "network members at end / at start")
    return (
        Pattern(
            "balloon", "Displacement of flow away from a focused crossing (the balloon effect)",
            "Interdiction focused on one crossing pushes traffickers onto other routes: the focused crossing's "
            "share of shipments falls, while most of the flow still reaches its markets by other crossings.",
            ("Magliocca et al. 2019, PNAS 116(16):7784-92 (NarcoLogic: traffickers re-route around interdiction)",
             "Reuter 2014, The Annals 656 (the balloon effect of supply-side enforcement)"),
            (Arm("baseline"), Arm("focused", (f"policy.interdiction_focus=[{FOCUS}]", "policy.focus_multiplier=5"))),
            (Difference("focused crossing loses flow share", Outcome(f"flow_share.{FOCUS}"), "baseline", "focused", -1),
             Balloon("most flow still arrives", Outcome(f"flow_share.{FOCUS}"), Outcome("shipments_delivered"),
                     "baseline", "focused", 0.5)),
            days=365, pilot="baseline", quick=True,
            notes=("`<focus>` is the land crossing with the largest mean flow share in the baseline arm on each "
                   "corridor.",)),
        Pattern(
            "resilience", "Network resilience and recovery after arrests",
            "A hard enforcement push removes members faster than they are replaced, so the network shrinks; once "
            "the push ends, promotion and recruitment rebuild it over months, not at once.",
            ("Duijn, Kashirin & Sloot 2014, Scientific Reports 4:4238 (criminal networks recover from disruption)",
             "Bright, Greenhill, Britz, Ritter & Morselli 2017, Global Crime 18(4) (vulnerabilities and adaptation)"),
            (Arm("baseline"), Arm("shock", _shock())),
            (Level("recovery time is finite and positive", Outcome("recovery_time_days"), "shock", 0.0, "days", 0.8),
             Level("the push shrinks the network", Trough("network_members", "network_members_initial",
                                                          "lowest network size / size at start"),
                   "shock", None, 0.9),
             Level("the network recovers most of the loss", Recovered(
                 "network_members", "network_members_initial", "network_members_final",
                 "share of the dip made good by the end"), "shock", 0.5, None),
             Level("baseline network holds its size", members, "baseline", 0.7, 1.5)),
            days=730, series="network_members",
            notes=("The push runs from day 0 to `<shock_end>` (a quarter of the run), then every lever returns "
                   "to the status quo.",)),
        Pattern(
            "targeting", "Different disruption from broker, kingpin and random targeting",
            "Which members investigations go after first matters through the network's structure: removing "
            "brokers who bridge cells dismantles more cells and cuts more deliveries than random arrests; "
            "removing leaders differs again.",
            ("Duijn, Kashirin & Sloot 2014, Scientific Reports 4:4238",
             "Bright et al. 2017, Global Crime 18(4)", "Diviák 2023, Trends in Organized Crime (broker roles)"),
            (Arm("random", ("policy.targeting=random",)), Arm("kingpin", ("policy.targeting=kingpin",)),
             Arm("broker", ("policy.targeting=broker",))),
            (Difference("broker dismantles more cells than random", Outcome("cells_dismantled"), "random", "broker", 1),
             Difference("broker cuts deliveries more than random", Outcome("shipments_delivered"), "random", "broker",
                        -1),
             Differs("kingpin differs from random", (Outcome("cells_dismantled"), Outcome("shipments_delivered")),
                     "random", "kingpin")),
            days=730),
        Pattern(
            "recruitment", "Recruitment replaces losses, and prevention slows it",
            "Organisations replace arrested members by recruiting from vulnerable residents through social ties; "
            "education and economic programmes lower vulnerability gradually and so slow recruitment over years.",
            ("Calderoni, Campedelli, Szefer & Savona 2021, J. Quantitative Criminology 38 (PROTON-OC: "
             "recruitment into organised crime and the policies against it)",),
            (Arm("baseline"), Arm("prevention", ("policy.prevention=0.8",))),
            (Level("recruitment at baseline", Outcome("recruits"), "baseline", 0.0),
             Difference("prevention lowers recruitment", Outcome("recruits"), "baseline", "prevention", -1)),
            days=1095),
        Pattern(
            "corruption", "Corruption falls with oversight, pay and protection, non-linearly",
            "Readiness to take bribes falls with the expected penalty (audit chance × penalty), with pay and with "
            "safe reporting by peers; because corruption spreads among peers, the response to oversight is not a "
            "straight line.",
            ("Becker & Stigler 1974, J. Legal Studies 3(1) (malfeasance and the pay of enforcers)",
             "Van Rijckeghem & Weder 2001, J. Development Economics 65(2) (wages and corruption)",
             "Mishra 2006, World Development 34(2) (persistence of corruption, social interaction)"),
            (Arm("oversight 0", ("policy.oversight=0.0",)), Arm("oversight 0.3", ("policy.oversight=0.3",)),
             Arm("oversight 0.6", ("policy.oversight=0.6",)), Arm("oversight 0.9", ("policy.oversight=0.9",)),
             Arm("pay x2", ("policy.oversight=0.3", "policy.officer_pay=2.0")),
             Arm("whistleblower", ("policy.oversight=0.3", "policy.whistleblower_protection=true"))),
            (Monotone("falls with oversight", Outcome("corrupt_officer_share"), CORRUPTION_LEVELS, -1),
             Unequal("non-linear in oversight", Outcome("corrupt_officer_share"), CORRUPTION_LEVELS),
             Difference("falls with pay", Outcome("corrupt_officer_share"), "oversight 0.3", "pay x2", -1),
             Difference("falls with whistleblower protection", Outcome("corrupt_officer_share"), "oversight 0.3",
                        "whistleblower", -1)),
            days=730, series="corrupt_officer_share"),
        Pattern(
            "intel_sharing", "Intelligence sharing shortens time to action and raises seizures at the border",
            "When police, customs and border agencies share leads, investigations act sooner, and customs "
            "targeting and patrols use the shared picture, so more loads are seized at the border.",
            ("Sheptycki 2004, Policing and Society 14(1) (intelligence-led policing and organisational pathologies)",
             "Ratcliffe 2016, Intelligence-Led Policing, 2nd ed., Routledge",
             "the coordination article in the project's seeds (police-customs-intelligence link)"),
            (Arm("siloed", (*PICTURE_READERS, "policy.intel_sharing=0.1")),
             Arm("fused", (*PICTURE_READERS, "policy.intel_sharing=1.0"))),
            (Difference("time to action shorter", Outcome("time_to_action_days"), "siloed", "fused", -1),
             Difference("larger share of loads seized", Outcome("interdiction_rate"), "siloed", "fused", 1)),
            days=365,
            notes=("Both arms use risk-based customs and intelligence-led patrols, the border's readers of the "
                   "picture: with random inspection and static patrols no lead can change what is seized. The "
                   "statistic is the share of loads seized, not their number: fused sharing also brings more "
                   "arrests, which cut the flow, so the count mixes the two effects.",)),
        Pattern(
            "victim_protection", "Victim protection raises prosecutions of organisers",
            "Victims who are sheltered and protected testify; their testimony convicts the organisers of "
            "trafficking, not only the couriers caught with a load.",
            ("Farrell, Owens & McDevitt 2014, Crime, Law and Social Change 61(2) (few trafficking cases: "
             "the role of victim cooperation)", "UNODC 2020, Global Report on Trafficking in Persons"),
            (Arm("baseline"), Arm("protection", ("policy.victim_protection=0.9",))),
            (Difference("more trafficking organisers convicted", Outcome("convictions_trafficking_organisers"),
                        "baseline", "protection", 1),),
            days=1095, replications=80,
            notes=("Victims testify against the lieutenant who controlled them (and name him to investigators), "
                   "so the effect runs only through the trials of the organisers of organisations that move "
                   "people: the statistic counts those (about 10 in three years at baseline). Measured before "
                   "the pattern was fixed: +1.4 to +3 of them, against a standard deviation of the paired "
                   "difference of 4 to 5.5; eighty pairs give a standard error near 0.6 (forty resolve it on "
                   "some maps only). Convictions of all organisers rise less (+0.7 to +2.5, not resolved): the "
                   "victims' leads take investigators' time from drug organisations. Three years let shelters "
                   "fill and trials (months after arrest) conclude.",)),
        Pattern(
            "inspection_delay", "The inspection / trade-delay trade-off",
            "Inspecting more border traffic seizes more loads but slows legitimate trade: enforcement has an "
            "economic cost measured in delay.",
            ("Hummels & Schaur 2013, American Economic Review 103(7) (time as a trade barrier)",
             "WCO 2018, Guide to Measure the Time Required for the Release of Goods (Time Release Study)",
             "Reuter & Kleiman 1986, Crime and Justice 7 (risks and prices of enforcement)"),
            (Arm("inspect 5%", ("policy.inspection_rate=0.05",)), Arm("inspect 20%", ("policy.inspection_rate=0.2",))),
            (Difference("more seizures", Outcome("shipments_seized"), "inspect 5%", "inspect 20%", 1),
             Difference("longer trade delay", Outcome("legit_trade_delay_hours"), "inspect 5%", "inspect 20%", 1)),
            days=365, quick=True),
        Pattern(
            "magnitudes", "Order-of-magnitude checks of the baseline against published figures",
            "The baseline's levels are of the order the field reports: the share of supply intercepted, assets "
            "frozen as a share of criminal proceeds, trafficking victims identified, and the prevalence of "
            "corruption. The bands are deliberately wide (the corridor is not any one real place): they catch "
            "errors of a factor of several, not of a few per cent.",
            ("UNODC 2016, World Drug Report, p. 36 (global cocaine interception 43-68% in 2014); UNODC 2000, Global "
             "Illicit Drug Trends (opiates about 17%)",
             "Europol 2016, Does crime still pay? Criminal asset recovery in the EU (2.2% of estimated proceeds "
             "frozen or seized, 1.1% confiscated)",
             "US Department of State 2023, Trafficking in Persons Report (about 115,000 victims identified "
             "worldwide in 2022); ILO, Walk Free & IOM 2022, Global Estimates of Modern Slavery (27.6 million in "
             "forced labour)",
             "UNODC 2011, Corruption in the Western Balkans: bribery as experienced by the population; "
             "Transparency International 2017, Global Corruption Barometer (about one in four paid a bribe, the "
             "police most often)"),
            (Arm("baseline"),),
            (Level("share of loads intercepted", Share(("shipments_seized", "loads_lost"), ("shipments_delivered",),
                                                       "loads seized at the border or with their courier / loads "
                                                       "that left"), "baseline", 0.05, 0.6),
             Level("assets frozen / criminal revenue", Ratio("assets_frozen", "criminal_revenue",
                                                             "assets frozen / criminal revenue"),
                   "baseline", 0.005, 0.06),
             Level("victims identified / victims trafficked", Ratio(
                 "victims_identified", "victims_trafficked", "victims identified / victims trafficked"),
                   "baseline", None, 0.05),
             Level("corrupt officer share", Outcome("corrupt_officer_share"), "baseline", 0.02, 0.35)),
            days=365,
            notes=("Interception counts every load enforcement takes: seized at a post or on a trail, or taken "
                   "with its courier when a tip or a lead leads the police to him on the way (`loads_lost`), as "
                   "the global figures count police seizures as well as border ones (`interdiction_rate` counts "
                   "border seizures only).",
                   "Bands: interception 5-60% (opiates to cocaine, border seizures being only part of the "
                   "global figure); assets frozen 0.5-6% of revenue (about ×2.5 around Europol's 2.2%); victims "
                   "identified below 5% of those trafficked in the year (global identification is well under "
                   "1% of the stock); corrupt officers 2-35% (survey bribery prevalence).",)),
    )


PATTERNS: dict[str, Pattern] = {p.name: p for p in catalogue()}


# -------------------------------------------------------------------------------------------------- corridors


@dataclass(frozen=True)
class Corridor:
    """A map the catalogue runs on: `default` (built-in) or `gen<K>` (generated with corridor.seed=K)."""

    label: str
    overrides: tuple[str, ...]


def corridor(label: str) -> Corridor:
    """`default` or `gen<K>`; ValueError otherwise (the command line turns it into one error line)."""
    if label == "default":
        return Corridor("default", ())
    if label.startswith("gen") and label[3:].isdigit():
        return Corridor(label, ("corridor=generated", f"corridor.seed={int(label[3:])}"))
    raise ValueError(label)


def pick_focus(pilot: ArmData, kinds: Mapping[str, str]) -> str | None:
    """The land crossing with the largest mean flow share in the pilot runs (ties by name); ports and
    airports only when the corridor has no land crossing with a share. None when no share is reported."""
    prefix = outcomes.FLOW_SHARE_PREFIX
    shares = {c.removeprefix(prefix): float(np.nanmean(pd.to_numeric(pilot.runs[c], errors="coerce")))
              for c in pilot.runs.columns if c.startswith(prefix)}
    shares = {k: v for k, v in shares.items() if math.isfinite(v)}
    crossings = {k: v for k, v in shares.items() if kinds.get(k) in CROSSING_KINDS} or shares
    if not crossings:
        return None
    return min(crossings, key=lambda k: (-crossings[k], k))
