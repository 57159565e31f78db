"""The corridor model: it builds the mechanisms, wires them, and runs the days. Nothing else.

The order of one simulated day is written down once, in `CorridorModel.step`. Everything between two
days (shipments on the move, queues at posts, investigations, trials) runs as simpy processes on the
same `Environment`; the daily Mesa step is itself a simpy process. Each mechanism owns its state and rules
(`sim.core.mechanisms`), reaches the others only through the narrow protocols of `sim.core.context`, and
draws from its own random stream (`sim.core.streams`).
"""

from __future__ import annotations

import contextlib
import dataclasses
import gc
import math
from collections.abc import Callable, Generator, Iterator
from typing import Any

import mesa
import numpy as np
import simpy

from sim.config.compose import schedule
from sim.config.schema import PolicyConfig, SimConfig, WarmupPolicy
from sim.core.agents.organisation import Organisation
from sim.core.events import Counters, EventBus, EventLog
from sim.core.mechanisms.border import Border
from sim.core.mechanisms.communities import Communities
from sim.core.mechanisms.corruption import Corruption
from sim.core.mechanisms.demand import Demand
from sim.core.mechanisms.finance import Finance
from sim.core.mechanisms.investigation import Investigations
from sim.core.mechanisms.justice import Justice
from sim.core.mechanisms.market import FacilitatorMarket
from sim.core.mechanisms.shipments import Shipments
from sim.core.mechanisms.victims import Victims
from sim.core.metrics import Levels, summarise, timeseries
from sim.core.policy import PolicyTimeline
from sim.core.streams import Streams
from sim.world import Corridor, from_config


@contextlib.contextmanager
def few_collections() -> Iterator[None]:
    """Let Python's cycle collector run rarely while a run runs and its outputs are collected.

    A year allocates millions of short-lived objects (simpy events, processes, shipments) and keeps tens
    of thousands (the event log), so with the default thresholds the collector rescans the long-lived
    ones over and over (measured: about 15% of a 64-organisation year). Objects alive at the start are
    frozen out of its scans, and a collection waits for 100,000 new allocations instead of 700; the few
    cycles a run makes (a finished simpy process and its events) are still collected.
    """
    threshold = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(100_000, 50, 100)
    try:
        yield
    finally:
        gc.set_threshold(*threshold)
        gc.unfreeze()


class DayStart(simpy.Event):
    """The start of a day: fires before any other event due at the same time (simpy's URGENT priority),
    so that a day's levels are read after everything of that day and before anything of the next, the
    same cut the daily counters make with floor(time)."""

    def __init__(self, env: simpy.Environment, delay: float) -> None:
        super().__init__(env)
        self._ok = True
        self._value = None
        env.schedule(self, simpy.events.URGENT, delay)


class CorridorModel(mesa.Model):
    """Trafficking organisations, facilitators, officers and communities in a border corridor.

    Args:
        params: the run's parameters (`sim.config.to_params(cfg)`, or a `SimConfig` built in code).
        corridor: a prebuilt corridor; by default the one `params.corridor` names.
    """

    def __init__(self, params: SimConfig, corridor: Corridor | None = None) -> None:
        self.streams = Streams(params.seed)
        super().__init__(rng=self.streams("mesa"))
        self.params = dataclasses.replace(params)  # the policy part changes on schedule; keep the caller's
        self.days = int(params.days)
        self.warmup_days = int(params.warmup_days)
        self.corridor = corridor if corridor is not None else from_config(params)
        # Warm-up runs on negative time, so day 0 is the first measured day whatever the warm-up's length.
        self.env = simpy.Environment(initial_time=-self.warmup_days)
        self.bus = EventBus(self.env)
        # The one event sink (`sim.core.events`): the log, the counters and the frames listen on the bus.
        self.record = self.bus.record
        self.log = EventLog(self.bus)
        self.counters = Counters(self.bus, self.days)
        self.levels = Levels(self.days)
        self.timeline = PolicyTimeline(self.params.policy, schedule(params))
        self._run_policy = self.params.policy
        if self.warmup_days and params.warmup_policy == WarmupPolicy.status_quo:
            self.params.policy = PolicyConfig()  # today's policy until day 0
        self._end_of_day: list[Callable[[int], None]] = []

        c = self.corridor
        self.communities_mechanism = Communities(self, c)
        self.communities = self.communities_mechanism.by_node
        self.market = FacilitatorMarket(self, c.countries)
        self.corruption = Corruption(self, c)
        self.victims = Victims(self, self.communities_mechanism.of_country)
        self.justice = Justice(self)
        self.investigations = Investigations(self, c.countries, self.justice, self.market)
        self.finance = Finance(self, self.market)
        self.border = Border(self, c, self.corruption, self.days)
        self.organisations = self._build_organisations()
        self.demand = Demand(self, c)
        self.demand.on_entry = self._found_organisation
        self.shipments = Shipments(self, c, self.border, self.communities, self.victims, self.days)

        orgs, residents, leads = self.organisations, self.communities_mechanism, self.investigations
        self.corruption.connect(orgs, self.market, leads, residents)
        self.investigations.connect(orgs, residents, self.finance, self.corruption, self.border.picture)
        self.finance.connect(orgs, leads)
        self.communities_mechanism.connect(leads, orgs)
        self.shipments.connect(orgs, self.market, leads, leads, residents, self.demand)
        self.victims.connect(leads, orgs)
        self.justice.connect(self.victims)
        self.network_members_initial = self.active_members()  # read again at day 0, after the warm-up
        self.env.process(self._days())

    # ------------------------------------------------------------------ the Sim context
    def stream(self, name: str, *key: int, keep: bool = True) -> np.random.Generator:
        """The random stream of a mechanism and purpose (`sim.core.streams`); `keep=False` for one occasion."""
        return self.streams(name, *key, keep=keep)

    def at_end_of_day(self, callback: Callable[[int], None]) -> None:
        """Call `callback(day)` once each day has ended (the replay frames read the day's state there)."""
        self._end_of_day.append(callback)

    # ------------------------------------------------------------------ construction
    def _build_organisations(self) -> list[Organisation]:
        commodities = self.corridor.commodities
        organisations = []
        for i in range(self.params.network.organisations):
            primary = commodities[i % len(commodities)]
            # Every second organisation also runs the next commodity: mixed portfolios exist.
            mix = (primary,) if i % 2 == 0 or len(commodities) == 1 else (
                primary, commodities[(i + 1) % len(commodities)])
            organisations.append(self._organisation(i, mix, (i // len(commodities))))
        return organisations

    def _organisation(self, i: int, mix: tuple[str, ...], slot: int, cells: int | None = None,
                      cash: float | None = None) -> Organisation:
        """Organisation `i` moving `mix`, based at the `slot`-th origin of its first commodity."""
        c = self.corridor
        n = self.params.network
        places = c.places
        origins = [p.id for p in c.of_kind("origin") if mix[0] in p.commodities]
        home = origins[slot % len(origins)]
        # Candidate routes per commodity (from every origin producing it), each once.
        routes_for = {k: [r for key, rs in c.routes.items() if key[0] == k for r in rs] for k in mix}
        seen: list[tuple[str, str]] = []
        for rs in routes_for.values():
            for r in rs:
                for node in r.nodes:
                    if places[node].kind in ("origin", "town", "hub") and (node, places[node].country) not in seen:
                        seen.append((node, places[node].country))
        prior = {node: n.risk_prior * (n.informal_risk_prior_factor if places[node].is_informal else 1.0)
                 for node in c.checkpoints}
        return Organisation(self, i, mix, home, places[home].country, routes_for,
                            seen or [(home, places[home].country)], prior, cells=cells, cash=cash)

    def _found_organisation(self, commodity: str) -> Organisation | None:
        """Entry: a new organisation of one cell forms where orders go unmet (`demand.entry_*`); it joins
        the same list every mechanism reads."""
        if len(self.organisations) >= self.params.demand.max_organisations:
            return None
        i = len(self.organisations)
        slot = int(self.stream("entry.origin", i, keep=False).integers(1 << 16))  # one draw: not kept
        org = self._organisation(i, (commodity,), slot, cells=1,
                                 cash=self.params.network.initial_cash / self.params.network.cells_per_org)
        self.organisations.append(org)  # the list shipments and the day's loop read
        for mechanism in (self.communities_mechanism, self.corruption, self.investigations, self.finance,
                          self.victims):
            mechanism.organisations[org.unique_id] = org  # each keeps organisations by id
        self.record("organisation_founded", org=org.unique_id, node=org.home, commodity=commodity)
        return org

    # ------------------------------------------------------------------ the day
    def _days(self) -> Generator[simpy.Event, Any, None]:
        while True:
            day = math.floor(self.env.now)
            self.border.admit_traffic(self.env.now)  # legitimate traffic up to now, at the policy of yesterday
            if day == 0:
                self._start_measuring()
            if day >= 0:
                self._apply_schedule(day)
            self.step()
            yield DayStart(self.env, 1.0)

    def _start_measuring(self) -> None:
        """Day 0: the warm-up is over; the run's policy takes effect and measurement starts."""
        self.params.policy = self._run_policy
        self.network_members_initial = self.active_members()

    def _apply_schedule(self, day: int) -> None:
        """From a scheduled day on, its levers replace the run's (`policy_schedule`, `branch`)."""
        for levers, new_policy in self.timeline.due(day):
            self.params.policy = new_policy
            changed = ",".join(f"{k}={v}" for k, v in sorted(levers.items()))
            self.record("policy_change", value=float(day), detail=changed)

    def _close_day(self, day: int) -> None:
        money = sum(o.cash + o.dirty for o in self.organisations) + self.finance.total_wealth()
        self.levels.sample(day, self.corruption.share(), self.communities_mechanism.mean_trust(),
                           self.active_members(), money, self.shipments.in_transit)
        for callback in self._end_of_day:
            callback(day)

    def step(self) -> None:
        """One day, in this order: communities, officers, organisations, the market and patrols."""
        day = math.floor(self.env.now)
        if day > 0:
            self._close_day(day - 1)
        # 1. Communities: yesterday's sightings become tips, tips find victims, then attitudes move.
        shares = {country: self.corruption.share(country) for country in self.corridor.countries}
        self.communities_mechanism.daily(self.victims, shares)
        # 2. Officers: audits and reports catch some corrupt officers; others draw in peers.
        self.corruption.exits()
        self.corruption.contagion()
        # 3. Organisations, in random order (Mesa's shuffle, on the model's own stream): pay, launder,
        #    repair the network, court officers.
        for org in self.agents_by_type[Organisation].shuffle():
            if org.dissolved:
                self.finance.launder(org)  # its dirty money is still laundered; wealth ages
                continue
            org.pay_upkeep()
            self.finance.launder(org)
            org.replace_losses(self.market, self.communities_mechanism)
            self.corruption.cultivate(org)
        # 4. The markets' orders go to organisations that can fill them; new ones may enter.
        for order in self.demand.today():
            self.shipments.fill(order, self.organisations)
        self.demand.entry(day)
        # 5. The facilitator market refills; patrols re-deploy.
        self.market.refill()
        self.border.redeploy(day)

    def run(self, on_day: Callable[[int], None] | None = None) -> None:
        """Run the warm-up and all days; `on_day(day)` after each, warm-up days (<= 0) included (a progress bar,
        say: the core draws none itself)."""
        with few_collections():
            for day in range(1 - self.warmup_days, self.days + 1):
                self.env.run(until=day)
                if on_day is not None:
                    on_day(day)
            self.border.admit_traffic(self.days)
            self._close_day(self.days - 1)

    # ------------------------------------------------------------------ read-outs
    def active_members(self) -> int:
        return sum(len(o.active_members) for o in self.organisations)

    def policy_cost(self) -> float:
        """Lever costs over the run, each stretch of days at the policy then in force."""
        return self.timeline.cost(self.params, self.corridor, len(self.corruption.force.officers), self.days)

    def summary(self) -> dict[str, Any]:
        vehicles, hours = self.border.legit_totals()
        return summarise(self.counters, self.levels, vehicles, hours, self.investigations, self.shipments,
                         self.corridor.checkpoints, self.network_members_initial, self.active_members(),
                         self.corruption.share(), self.communities_mechanism.mean_trust(), self.policy_cost(),
                         [d for o in self.organisations for d in o.recoveries], self.demand.price_index())

    def timeseries(self) -> Any:
        vehicles, hours = self.border.legit_totals()
        return timeseries(self.counters, self.levels, vehicles, hours)
