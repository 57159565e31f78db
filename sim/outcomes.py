"""The outcome registry: every outcome a run reports, with its label, unit and better direction.

This is the only list of outcome names. The summary (`sim.core.metrics`), the table printed after a run
(`sim.run`), experiment validation and reports (`sim.experiment`), and the replay viewer (`sim.replay`) all
read it; adding an outcome means adding one `Outcome` here and computing it in `sim.core.metrics`.

Per-node route shares (`flow_share.<node_id>`) are one family (`FLOW_SHARE_PREFIX`), not listed per node.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum


class Better(IntEnum):
    """Which way an outcome should move for policy to count as doing better."""

    LOWER = -1
    NEUTRAL = 0  # describes the world, does not judge a policy
    HIGHER = 1


@dataclass(frozen=True)
class Outcome:
    """One outcome: its summary key, how people read it, and how to judge and show it.

    `kind`: `count` (whole numbers, never below zero), `amount` (money; never below zero but for a net
    amount, `criminal_profit`), `share`
    (a fraction 0-1), `rate` (a non-negative real, e.g. hours or days). `fmt` formats a value for tables.
    `headline`: among the first outcomes a planner sees; `reported`: in reports by default; `chart`: its
    daily series is one of the replay viewer's charts (a few, so that a room can read them); `series`: a
    daily column of timeseries.parquet.
    `short`: a label of a word or two for crowded places (figure panels, narrow columns). `cost_per`: what one
    unit of gain is called when policy cost is divided by it ("extra seizure"; a share in percent gains in
    percentage points); set, the outcome is one of the `OBJECTIVES` a report ranks packages on. `lower`: the
    least value a level can take (None: unbounded, e.g. a net amount), so intervals and axes stay inside it.
    """

    key: str
    label: str
    unit: str
    better: Better
    kind: str = "count"
    fmt: str = "{:.0f}"
    group: str = "interdiction"
    headline: bool = False
    chart: bool = False
    series: bool = False  # also a daily column in timeseries.parquet
    reported: bool = True  # in reports and the run table by default
    description: str = ""
    short: str = ""
    cost_per: str = ""
    lower: float | None = 0.0
    over: str = ""  # how it is taken over the run, when its kind and label do not say (`measured`)

    def format(self, value: float | None) -> str:
        return "n/a" if value is None else self.fmt.format(value)

    @property
    def short_label(self) -> str:
        return self.short or self.label

    @property
    def measured(self) -> str:
        """How it is taken over the run, in plain words (a total, a mean, a median, the value at the end), so
        that a difference is never read as the wrong one."""
        if self.over:
            return self.over
        if self.key.endswith("_final") or "(end)" in self.label or self.label.endswith(" at the end"):
            return "at the end"
        for word in ("median", "mean"):
            if f"({word})" in self.label:
                return f"{word} over the run"
        if self.kind in ("count", "amount"):
            return "total over the run"
        return "mean over the run" if self.kind == "rate" else "over the whole run"  # a share of totals

    @property
    def upper(self) -> float | None:
        """The greatest value a level can take: 1 for a share, else unbounded."""
        return 1.0 if self.kind == "share" else None

    @property
    def percent(self) -> bool:
        """Shown as a percentage (its differences in percentage points)."""
        return self.kind == "share" and self.fmt.endswith("%}")


H, L, N = Better.HIGHER, Better.LOWER, Better.NEUTRAL

#: Every summary outcome, in the order of DESIGN.md section 6 (and of summary.json).
OUTCOMES: tuple[Outcome, ...] = (
    Outcome("shipments_attempted", "shipments attempted", "shipments", N, series=True,
            description="loads that left their origin"),
    Outcome("shipments_delivered", "shipments delivered", "shipments", L, series=True, reported=False),
    Outcome("shipments_seized", "shipments seized", "shipments", H, series=True, chart=True, headline=False,
            short="seizures", cost_per="extra seizure"),
    Outcome("interdiction_rate", "interdiction rate", "share of shipments", H, "share", "{:.1%}", headline=True,
            description="seized / (seized + delivered)", short="interdiction"),
    Outcome("seized_value", "value seized", "M", H, "amount", "{:.1f}", series=True, reported=False),
    Outcome("delivered_value", "value delivered", "M", L, "amount", "{:.1f}", series=True, reported=False),
    Outcome("arrests", "arrests", "persons", H, series=True, chart=True, headline=True, short="arrests"),
    Outcome("convictions", "convictions", "persons", H, series=True),
    Outcome("convictions_organisers", "convictions of organisers", "persons", H, reported=False,
            description="convictions of leaders and lieutenants (among convictions), where victims' testimony "
                        "counts most"),
    Outcome("convictions_trafficking_organisers", "convictions of trafficking organisers", "persons", H,
            reported=False,
            description="convictions of leaders and lieutenants of organisations that move people (among "
                        "convictions of organisers): those victims can testify against"),
    Outcome("trials_pending", "trials pending at the end", "persons", N, reported=False,
            description="arrested persons whose trial had not ended by the last day: neither convicted nor "
                        "acquitted yet"),
    Outcome("cells_dismantled", "cells dismantled", "cells", H, series=True, reported=False),
    Outcome("recovery_time_days", "cell recovery time (median)", "days", L, "rate", "{:.0f}",
            description="median days from a cell stopping (headless, cut off from its core or dismantled) "
                        "to its working again, over outages that ended in the run"),
    Outcome("orders_unfilled", "market orders unfilled", "orders", H, series=True, reported=False,
            description="orders no organisation could ship (no working courier, cash, credit or route)"),
    Outcome("loads_lost", "loads lost with arrested couriers", "shipments", H, series=True, reported=False,
            description="loads whose courier was arrested on the way (through a tip or a lead)"),
    Outcome("organisations_entered", "organisations entered", "organisations", L, series=True, reported=False,
            description="new organisations drawn in by unmet demand at high prices"),
    Outcome("organisations_dissolved", "organisations dissolved", "organisations", H, series=True, reported=False,
            description="organisations that broke up after going without a working cell for network.dismantle_days"),
    Outcome("price_index_final", "price index (end)", "x base price", N, "rate", "{:.2f}", reported=False,
            description="mean over commodities of the market price relative to the base: risk and scarcity"),
    Outcome("disruption_depth", "disruption depth", "share of arrests", H, "share", "{:.2f}",
            description="share of arrests that took a leader or lieutenant"),
    Outcome("network_members_initial", "network members at start", "persons", N, reported=False,
            over="at the start"),
    Outcome("network_members_final", "network members at end", "persons", L, reported=False),
    Outcome("recruits", "recruits", "persons", L, series=True, reported=False),
    Outcome("criminal_revenue", "criminal revenue (gross)", "M", L, "amount", "{:.1f}", series=True,
            description="the organisations' gross proceeds: what delivered loads sold for, before any cost "
                        "(the same sum as delivered_value); net of costs it is criminal_profit",
            short="criminal revenue", cost_per="M of criminal revenue removed"),
    Outcome("criminal_profit", "criminal profit (net)", "M", L, "amount", "{:.1f}", series=True,
            description="criminal revenue less what the organisations spent: purchases, transport, facilitator "
                        "and laundering fees, bribes, pay and recruitment (before assets frozen); can be negative",
            lower=None),
    Outcome("assets_frozen", "assets frozen", "M", H, "amount", "{:.1f}", series=True),
    Outcome("time_to_action_days", "time to action (median)", "days", L, "rate", "{:.1f}", group="interdiction",
            description="median days from a lead to the police operation it reached (an arrest, a failed "
                        "arrest or a leak), over leads that reached one; dropped leads are in leads_dropped_share"),
    Outcome("leads_dropped_share", "leads dropped", "share of leads", L, "share", "{:.1%}", group="interdiction",
            description="share of leads settled in the run that never reached a police operation: lost between "
                        "agencies, or stale (the target no longer free when the police could act)"),
    Outcome("corrupt_officer_share", "corrupt officer share (mean)", "share of officers", L, "share", "{:.1%}",
            group="corruption", headline=True, short="corruption", cost_per="point of corruption share"),
    Outcome("corrupt_officer_share_final", "corrupt officer share (end)", "share of officers", L, "share",
            "{:.1%}", group="corruption", reported=False),
    Outcome("bribes_paid", "bribes paid", "M", L, "amount", "{:.2f}", group="corruption", series=True,
            reported=False),
    Outcome("corruption_cases_detected", "corruption cases detected", "officers", H, group="corruption",
            series=True, reported=False),
    Outcome("victims_trafficked", "victims trafficked", "persons", L, group="victims", series=True, chart=True,
            headline=True, short="victims trafficked", cost_per="victim averted"),
    Outcome("victims_identified", "victims identified", "persons", H, group="victims", series=True),
    Outcome("victims_protected", "victims protected", "persons", H, group="victims", series=True, chart=True),
    Outcome("victims_reexploited", "victims re-exploited", "persons", L, group="victims", series=True),
    Outcome("tips_received", "tips received", "tips", H, group="community", series=True),
    Outcome("community_trust_final", "community trust (end)", "0-1 scale", H, "share", "{:.3f}", group="community"),
    Outcome("legit_trade_delay_hours", "legitimate trade delay", "hours per vehicle", L, "rate", "{:.2f}",
            group="trade", series=True, chart=True, headline=True, short="trade delay"),
    Outcome("route_entropy", "route entropy", "bits", N, "rate", "{:.2f}", group="routes",
            description="spread of shipments over routes", reported=False, over="over the whole run"),
    Outcome("policy_cost", "policy cost", "M", L, "amount", "{:.1f}", group="cost", headline=True, short="cost"),
)

#: Daily levels in timeseries.parquet that are not summary outcomes (sampled at the end of each day).
LEVELS: tuple[Outcome, ...] = (
    Outcome("corrupt_officer_share", "corrupt officer share", "share of officers", L, "share", "{:.1%}",
            group="corruption", chart=True),
    Outcome("community_trust", "community trust", "0-1 scale", H, "share", "{:.3f}", group="community", chart=True),
    Outcome("network_members", "network members", "persons", L, chart=True),
    Outcome("criminal_cash", "criminal cash", "M", L, "amount", "{:.1f}"),
    Outcome("in_transit", "shipments in transit", "shipments", N),
)

FLOW_SHARE_PREFIX = "flow_share."

BY_KEY: dict[str, Outcome] = {o.key: o for o in OUTCOMES}
SUMMARY_KEYS: tuple[str, ...] = tuple(o.key for o in OUTCOMES)
HEADLINE: tuple[str, ...] = tuple(o.key for o in OUTCOMES if o.headline)
#: The outcomes an experiment reports, and a run prints, when nothing else is asked for.
DEFAULT_OUTCOMES: tuple[str, ...] = tuple(o.key for o in OUTCOMES if o.reported)
#: What a report ranks policy packages on against the baseline: the headline outcomes that judge a policy and
#: those with a cost-effectiveness unit, in registry order; policy cost is what they are bought with.
OBJECTIVES: tuple[str, ...] = tuple(o.key for o in OUTCOMES if (o.headline or o.cost_per) and o.group != "cost"
                                    and o.better != Better.NEUTRAL)
#: The outcome the objectives are paid with.
COST_KEY = "policy_cost"
#: Daily counter columns of timeseries.parquet that are outcomes of the same name summed over days.
SERIES_KEYS: tuple[str, ...] = tuple(o.key for o in OUTCOMES if o.series)


def get(key: str) -> Outcome:
    """The registry entry of an outcome or daily level (`flow_share.<node>` included)."""
    if key in BY_KEY:
        return BY_KEY[key]
    for level in LEVELS:
        if level.key == key:
            return level
    if key.startswith(FLOW_SHARE_PREFIX):
        node = key.removeprefix(FLOW_SHARE_PREFIX)
        return Outcome(key, f"flow share via {node}", "share of shipments", N, "share", "{:.1%}", group="routes")
    raise KeyError(key)


def is_outcome(key: str) -> bool:
    """True for a summary outcome key, including any `flow_share.<node>`."""
    return key in BY_KEY or key.startswith(FLOW_SHARE_PREFIX)


def better_direction(key: str) -> int:
    """+1 if more of the outcome is better for policy, -1 if less is, 0 if it has no better side."""
    return int(get(key).better)


def label(key: str, with_unit: bool = False) -> str:
    """How people read an outcome; `with_unit` adds the unit where the label does not already say it
    (counts name what they count, shares are shown as percentages)."""
    o = get(key)
    if with_unit and o.unit and o.kind in ("amount", "rate"):
        return f"{o.label} ({o.unit})"
    return o.label
