"""The viewer's payload (format `sim-replay/1`): one JSON-ready dict holding everything the player draws.

The same dict is served by `python -m sim.replay view` and inlined by `export`, so the live room and the
exported file play identically. Outcome names, labels, units and which way is better come from the
outcome registry (`sim.outcomes`), lever ranges from the config schema: the viewer hard-codes neither.
"""

from __future__ import annotations

import dataclasses
import math
import re
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd
from omegaconf import OmegaConf

from sim import outcomes
from sim.config import LEVER_SPECS, SPECS, ConfigError, FieldSpec, schedule, to_params
from sim.core.policy import PolicyTimeline, cost_breakdown
from sim.replay.branching import branch_name, lever_label, list_branches
from sim.replay.ensemble import DEFAULT_SEEDS, MAX_SEEDS, measured, read_ensemble
from sim.replay.store import Recording, ReplayError, load_recording
from sim.replay.training import load_training
from sim.results import json_text
from sim.world import Corridor, Place, from_config
from sim.world.corridor import CHECKPOINT_KINDS, INFORMAL_KINDS

PAYLOAD_FORMAT = "sim-replay/1"
#: Daily series the viewer charts: registry outcomes with a daily column, then daily levels, marked `chart`.
CHARTS: tuple[outcomes.Outcome, ...] = (tuple(o for o in outcomes.OUTCOMES if o.series and o.chart)
                                        + tuple(o for o in outcomes.LEVELS if o.chart))
#: Every daily series a trainer may pick: the registry's daily columns and levels, then the two the viewer
#: derives to date from the recording (interdiction rate and policy cost have no daily column).
CATALOG: tuple[outcomes.Outcome, ...] = (tuple(o for o in outcomes.OUTCOMES if o.series) + outcomes.LEVELS
                                         + (outcomes.get("interdiction_rate"), outcomes.get(outcomes.COST_KEY)))
#: Series derived to date from the recording (`_series`), not summed again by the viewer.
DERIVED = frozenset({"interdiction_rate", outcomes.COST_KEY})
#: The key indicators of the presenter layout: the registry's headline outcomes, as daily series.
INDICATORS: tuple[str, ...] = outcomes.HEADLINE
#: Outcomes compared at the end of a branch: the registry's default set, as a run prints them.
BRANCH_OUTCOMES: tuple[str, ...] = outcomes.DEFAULT_OUTCOMES
_FMT = re.compile(r"\{:\.(\d+)([f%])\}")


def outcome_info(o: outcomes.Outcome) -> dict[str, Any]:
    """How the viewer shows an outcome: label, unit, better direction (+1, -1, 0), and number format."""
    match = _FMT.fullmatch(o.fmt)
    digits, percent = (int(match.group(1)), match.group(2) == "%") if match else (2, False)
    return {"key": o.key, "label": o.label, "unit": o.unit, "kind": o.kind, "better": int(o.better),
            "percent": percent, "digits": digits, "short": o.short_label, "group": o.group,
            "lower": o.lower, "upper": o.upper}


def chart_info(o: outcomes.Outcome) -> dict[str, Any]:
    """A chart: counters and amounts summed per day are drawn to date (`cumulative`: the viewer sums them),
    the derived series are to date already, levels are read at the end of each day and rates each day
    (`basis` says which, for the chart's heading)."""
    cumulative = o.key not in DERIVED and o in outcomes.OUTCOMES and o.kind in ("count", "amount")
    basis = "to date" if cumulative or o.key in DERIVED else "end of day" if o in outcomes.LEVELS else "each day"
    return {**outcome_info(o), "cumulative": cumulative, "basis": basis}


#: Which unit cost of the `costs` section prices each lever, and how it is applied (as
#: `sim.core.policy.cost_breakdown` prices it); a lever missing here has no cost of its own.
LEVER_COSTS: dict[str, tuple[str, str]] = {
    "intel_sharing": ("intel_sharing", "at full sharing (1), in proportion"),
    "joint_task_force": ("joint_task_force", "while on"),
    "inspection_rate": ("inspection_per_1000", "inspected"),
    "inspection_targeting": ("risk_targeting", "under risk-based targeting (a risk-analysis unit)"),
    "interdiction_focus": ("focus_per_post", "per focused post and unit of multiplier above 1"),
    "focus_multiplier": ("focus_per_post", "per focused post and unit of multiplier above 1"),
    "patrol_allocation": ("intelligence_led_patrols", "under intelligence-led patrols"),
    "financial_controls": ("financial_controls", "at full strength (1), in proportion"),
    "oversight": ("oversight", "at full oversight (1), in proportion"),
    "officer_pay": ("officer_salary", "per unit of pay above today's (1); a cut saves"),
    "whistleblower_protection": ("whistleblower_protection", "while on"),
    "community_engagement": ("community_engagement", "at full engagement (1), in proportion"),
    "victim_protection": ("victim_protection", "at full protection (1), in proportion"),
    "prevention": ("prevention", "at full prevention (1), in proportion"),
}
#: Node kinds an interdiction focus may name (crossings, ports, airports, informal crossings).
FOCUS_KINDS = CHECKPOINT_KINDS | INFORMAL_KINDS


def _range_text(spec: FieldSpec) -> str:
    if spec.type == "bool":
        return "on or off"
    if spec.type == "choice":
        return " / ".join(c.replace("_", " ") for c in spec.choices)
    if spec.type == "list":
        return "crossings and ports, picked on the map"
    low, high = (f"{v:g}" if v is not None else None for v in (spec.low, spec.high))
    text = f"{low}–{high}" if low is not None and high is not None else f"≥ {low}" if low is not None else "any"
    return text + (" (a share)" if spec.unit == "p" else f" {spec.unit}" if spec.unit else "")


def lever_schema(costs: dict[str, Any] | None = None, nodes: list[dict[str, Any]] | None = None
                 ) -> list[dict[str, Any]]:
    """What the viewer's branch form offers and explains: each lever's type, allowed values, label, range,
    unit and note (the schema's), and its unit cost (from `costs`, the run's `costs` section); for the
    interdiction focus, the nodes that may be picked (from `nodes`, the frames' node table)."""
    out: list[dict[str, Any]] = []
    for name, spec in LEVER_SPECS.items():
        entry: dict[str, Any] = {"key": f"policy.{name}", "label": lever_label(name), "unit": spec.unit,
                                 "note": spec.note, "range": _range_text(spec), "cost": None}
        if spec.type == "choice":
            entry.update(type="choice", options=list(spec.choices))
        elif spec.type in ("bool", "list"):
            entry.update(type=spec.type)
        else:
            entry.update(type="number", min=spec.low, max=spec.high, step=1 if spec.type == "integer" else 0.05)
        if name in LEVER_COSTS and costs is not None and LEVER_COSTS[name][0] in costs:
            key, how = LEVER_COSTS[name]
            entry["cost"] = {"key": f"costs.{key}", "value": costs[key], "unit": SPECS[f"costs.{key}"].unit,
                             "how": how}
        if spec.type == "list" and nodes is not None:
            entry["nodes"] = [n["id"] for n in nodes if n.get("kind") in FOCUS_KINDS]
        out.append(entry)
    return out


def _plain(value: Any) -> Any:
    return OmegaConf.to_container(value, resolve=True, enum_to_str=True) if OmegaConf.is_config(value) else value


def _events_table(events: pd.DataFrame) -> dict[str, Any]:
    rows = events.astype(object).where(events.notna(), None).to_numpy().tolist()
    return {"columns": list(events.columns), "rows": rows}


def _series(rec: Recording) -> dict[str, list[float | None]]:
    """Every catalogue series the recording holds, day by day, and the two derived to date: the
    interdiction rate (seized over seized and delivered so far; null before any) and the policy cost."""
    ts = rec.timeseries
    out: dict[str, list[float | None]] = {o.key: [round(float(v), 6) for v in ts[o.key]]
                                          for o in CATALOG if o.key in ts and o.key not in DERIVED}
    if "shipments_seized" in ts and "shipments_delivered" in ts:
        seized = ts["shipments_seized"].to_numpy(float).cumsum()
        ended = seized + ts["shipments_delivered"].to_numpy(float).cumsum()
        out["interdiction_rate"] = [round(float(a / b), 6) if b > 0 else None
                                    for a, b in zip(seized, ended, strict=True)]
    cost = _cost_to_date(rec)
    if cost is not None:
        out[outcomes.COST_KEY] = cost
    return out


def _run_info(rec: Recording) -> dict[str, Any]:
    """Who the run is, and its policy changes (`policy_schedule`, then the branch if it is one) by day."""
    cfg = rec.config
    changes = [{"day": day, "levers": {k: _plain(v) for k, v in levers.items()}} for day, levers in schedule(cfg)]
    return {"path": str(rec.path), "scenario": str(cfg.scenario_name), "seed": int(cfg.seed), "days": int(cfg.days),
            "branch_day": cfg.branch.day, "parent": cfg.branch.parent,
            "branch_levers": _plain(cfg.branch.levers) if cfg.branch.day is not None else {},
            "schedule": changes}


def branch_payload(rec: Recording) -> dict[str, Any]:
    """What the viewer needs of a branch: its name, series and outcomes to overlay and compare, its
    ensemble (`ensemble.json`, if any; a damaged one is left out with its one-line reason), and what the
    map and the feed draw (`view`: frames, organisations, events, journeys), to show it in place of the
    original's."""
    run = _run_info(rec)
    run["name"] = branch_name(run["branch_day"], run["branch_levers"])
    try:
        ensemble, problem = read_ensemble(rec.path), None
    except ReplayError as exc:
        ensemble, problem = None, str(exc)
    return {"run": run, "series": _series(rec),
            "summary": {k: rec.summary.get(k) for k in BRANCH_OUTCOMES},
            "ensemble": ensemble, "ensemble_error": problem,
            "view": {"frames": rec.frames["frames"], "orgs": _orgs(rec), "roles": rec.frames.get("roles", []),
                     "events": _events_table(rec.events), "journeys": journeys(rec)}}


def payload(run_dir: str | Path) -> dict[str, Any]:
    """Everything the viewer draws, as one JSON-ready dict (format `sim-replay/1`)."""
    rec = load_recording(run_dir)
    policy = _plain(rec.config.policy)
    training = load_training(rec.path, int(rec.config.days), [str(n["id"]) for n in rec.frames["nodes"]])
    branches = []
    for path in list_branches(rec.path):
        try:
            branches.append(branch_payload(load_recording(path)))
        except ReplayError:
            continue  # a damaged branch does not stop the parent from playing
    return {
        "format": PAYLOAD_FORMAT,
        "run": _run_info(rec),
        "levers": {f"policy.{k}": v for k, v in policy.items()},
        "lever_schema": lever_schema(_plain(rec.config.costs), rec.frames["nodes"]),
        "countries": sorted({n["country"] for n in rec.frames["nodes"]}),
        "nodes": rec.frames["nodes"],
        "edges": rec.frames["edges"],
        "orgs": _orgs(rec),
        "roles": rec.frames.get("roles", []),
        "frames": rec.frames["frames"],
        "charts": [chart_info(o) for o in CHARTS],
        "chart_catalog": [chart_info(o) for o in CATALOG],
        "indicators": list(INDICATORS),
        "series": _series(rec),
        "journeys": journeys(rec),
        "training": training,
        "events": _events_table(rec.events),
        "summary": rec.summary,
        "outcomes": {k: {**outcome_info(outcomes.get(k)), "measured": measured(k)} for k in BRANCH_OUTCOMES},
        "ensemble_seeds": {"default": DEFAULT_SEEDS, "max": MAX_SEEDS},
        "branch_outcomes": list(BRANCH_OUTCOMES),
        "branches": branches,
    }


def to_json(data: Any) -> str:
    """JSON text of a payload that a browser's JSON.parse accepts, as the live server sends it
    (`sim.results.json_text`): NaN and infinities become null, numpy scalars numbers."""
    return json_text(data)


# ------------------------------------------------------------------------------------------------ derived
# What the viewer shows that no file of the recording holds as such: the policy cost day by day, readable
# organisation names, and each shipment's journey along its route.

#: Readable organisation names, given by position (`org_name`): twelve colours times eleven animals.
_ORG_COLOURS = ("Red", "Black", "Grey", "White", "Blue", "Golden", "Silver", "Green", "Iron", "Scarlet", "Amber",
                "Jade")
_ORG_ANIMALS = ("Lynx", "Heron", "Wolf", "Viper", "Falcon", "Jackal", "Marten", "Raven", "Cobra", "Hyena", "Stag")
#: Events that end a shipment's journey, and how it ended.
_JOURNEY_ENDS = {"delivery": "delivered", "seizure": "seized", "load_lost": "lost"}


def org_name(index: int) -> str:
    """A readable name for the organisation at `index` (its place in the recording, so the same recording
    always gets the same names): "Red Lynx", "Black Heron", ...; unique for the first 132, numbered after."""
    a, q = index % len(_ORG_COLOURS), index // len(_ORG_COLOURS)
    name = f"{_ORG_COLOURS[a]} {_ORG_ANIMALS[(q * (len(_ORG_COLOURS) + 1) + a) % len(_ORG_ANIMALS)]}"
    cycle = len(_ORG_COLOURS) * len(_ORG_ANIMALS)
    return name if index < cycle else f"{name} {index // cycle + 1}"


def _orgs(rec: Recording) -> list[dict[str, Any]]:
    """The recorded organisations with readable names (`name`); the model's own name is kept as `code`."""
    return [{**o, "code": o["name"], "name": org_name(i)} for i, o in enumerate(rec.frames.get("orgs") or [])]


def _cost_to_date(rec: Recording) -> list[float] | None:
    """Policy cost to date, day by day (`cost_per_day` summed), ending exactly at the summary's total."""
    total = rec.summary.get(outcomes.COST_KEY)
    if isinstance(total, bool) or not isinstance(total, int | float) or not math.isfinite(total):
        return None
    per_day = cost_per_day(rec)
    if per_day is None:
        return None
    spent = float(per_day.sum())
    if abs(spent) > 1e-12:
        per_day *= total / spent  # a rounding's worth: the pricing below is the model's own
    else:
        per_day[:] = total / len(per_day)
    return [round(float(v), 6) for v in per_day.cumsum()]


def cost_per_day(rec: Recording) -> np.ndarray | None:
    """The policy's cost on each day of the run: each stretch of its policy timeline priced as the model
    prices the run (`PolicyTimeline.cost`: `cost_breakdown` over the checkpoints' traffic and the force, the
    officers posted at places plus each country's police, analysts and financial investigators)."""
    nodes = rec.frames.get("nodes") or []
    days = int(rec.config.days)
    if not nodes:
        return None
    params = to_params(rec.config)
    changes = schedule(params)
    timeline = PolicyTimeline(params.policy, changes)
    for day in sorted({d for d, _ in changes}):
        timeline.due(day)  # each change on its own day: the run's stretches of days, as the model lives them
    o = params.officers
    countries = {str(n["country"]) for n in nodes}
    officers = sum(int(n.get("officers") or 0) for n in nodes) + len(countries) * (
        o.police_per_country + o.analysts_per_country + o.fiu_per_country)
    pricing = _pricing_corridor(nodes)
    per_day = np.zeros(days)
    ends = [d for d, _ in timeline.stretches[1:]] + [days]
    for (start, policy), end in zip(timeline.stretches, ends, strict=True):
        view = dataclasses.replace(params, policy=policy)
        per_day[start:end] = sum(cost_breakdown(view, pricing, officers, 1.0).values())
    return per_day


def _pricing_corridor(nodes: list[dict[str, Any]]) -> Corridor:
    """The recorded places as a corridor to price a policy with (pricing reads the traffic at checkpoints)."""
    places = {str(n["id"]): Place(str(n["id"]), str(n["kind"]), str(n["country"]),
                                  legit_traffic=float(n.get("legit_traffic") or 0.0)) for n in nodes}
    return Corridor("recorded", places, [], nx.MultiDiGraph())


def journeys(rec: Recording) -> list[dict[str, Any]]:
    """Each shipment's journey, for the map to move it along its route on the days it travels.

    Read from the event log: a departure (organisation, courier, origin, commodity, value), the route chosen
    with it (its checkpoints and days), then the delivery, seizure or lost load of that courier (a courier
    carries one load at a time). The route's places are the corridor's candidate route with those checkpoints
    (the closest in days): `path` indexes the frames' nodes and `at` gives the days after departure at which
    each is reached, not counting waits at posts; `start` and `end` are the event days (`end` null while in
    transit at the end of the run). A seized load's path stops at the post. Loads that left during the
    warm-up are not shown; nothing is when the corridor cannot be rebuilt (a corridor file that is gone).
    """
    try:
        corridor = from_config(rec.config)
    except (ConfigError, OSError, ValueError):
        return []
    index = {str(n["id"]): i for i, n in enumerate(rec.frames.get("nodes") or [])}
    ev = rec.events
    if not {"day", "kind", "org", "actor", "node", "commodity", "value"} <= set(ev.columns):
        return []
    ev = ev[ev["kind"].isin(["shipment_departed", "route_chosen", *_JOURNEY_ENDS])]
    rows = zip(*(ev[c].tolist() for c in ("day", "kind", "org", "actor", "node", "commodity", "value")), strict=True)
    found: list[dict[str, Any]] = []
    travelling: dict[tuple[Any, Any], dict[str, Any]] = {}
    departed: tuple[tuple[Any, Any], dict[str, Any]] | None = None
    for day, kind, org, actor, node, commodity, value in rows:
        if kind == "shipment_departed":
            departed = ((org, actor), {"org": org, "commodity": commodity, "value": round(float(value), 6),
                                       "start": round(float(day), 4), "end": None, "outcome": "in transit",
                                       "origin": str(node)})
        elif kind == "route_chosen" and departed is not None:
            courier, journey = departed
            departed = None
            checkpoints = str(node).split(">") if node else []
            route = _route(corridor, str(commodity), journey.pop("origin"), checkpoints, float(value))
            if route is None or any(n not in index for n in route.nodes):
                continue
            journey["path"] = [index[n] for n in route.nodes]
            journey["at"] = [0.0, *(round(float(t), 4) for t in np.cumsum([leg.days for leg in route.legs]))]
            travelling[courier] = journey
            found.append(journey)
        elif kind in _JOURNEY_ENDS:
            journey = travelling.pop((org, actor), None)
            if journey is None:
                continue
            journey["end"], journey["outcome"] = round(float(day), 4), _JOURNEY_ENDS[kind]
            stop = index.get(str(node))
            if kind == "seizure" and stop in journey["path"]:
                cut = journey["path"].index(stop) + 1
                journey["path"], journey["at"] = journey["path"][:cut], journey["at"][:cut]
    return found


def _route(corridor: Corridor, commodity: str, origin: str, checkpoints: list[str], days: float) -> Any:
    """The corridor's candidate route from `origin` through `checkpoints` closest to `days` long, or None."""
    candidates = [r for r in corridor.routes.get((commodity, origin), []) if list(r.checkpoints) == checkpoints]
    return min(candidates, key=lambda r: abs(r.days - days), default=None)
