"""Border posts (formal checkpoints with lane queues) and trails (informal crossings with patrols).

A post's lanes are a first-come-first-served queue with one server per lane, shared by legitimate traffic
and shipments: inspecting more traffic lengthens lane time, so the queue, and the legitimate trade delay,
grows. That is the economic cost of the `policy.inspection_rate` lever.

The queue is kept as arithmetic, not as simpy events: each lane's next free time sits in a heap, and an
arrival at time t starts at max(t, earliest free lane) (Lindley's recursion for c servers). Legitimate
platoons, which arrive as a Poisson process, are admitted in time order up to each shipment's arrival and
at the start of each day; a shipment's wait plus lane time is added to its next stretch of travel. This is
the same FCFS multi-lane queue a simpy Resource would give, at a fraction of the events.
"""

from __future__ import annotations

import heapq
from collections import deque
from typing import TYPE_CHECKING, Any

import numpy as np

from sim.core import policy
from sim.core.agents.officer import Officer
from sim.core.streams import pick

if TYPE_CHECKING:
    from sim.core.context import Sim
    from sim.core.mechanisms.corruption import Corruption
    from sim.world import Place

MINUTES_PER_DAY = 24 * 60.0


def confront(sim: Sim, corruption: Corruption, rng: np.random.Generator, shipment: Any, node: str,
             officers: list[Officer], detect_prob: float) -> Officer | None:
    """An officer examines a shipment; returns the officer who seizes it, or None if it goes through.

    A corrupt officer who finds the load takes a bribe and lets it pass. An honest one who finds it may
    be offered a bribe on the spot (`border.spot_bribe_prob`) and accept by the corruption rule, becoming
    corrupt: this is how corruption spreads from contact with traffickers.
    """
    officer = pick(rng, officers)
    if rng.random() >= detect_prob:
        return None
    org = shipment.org
    bribe = sim.params.shipments.bribe_amount
    if officer.corrupt and org.cash >= bribe:
        corruption.pay_bribe(org, officer, node, shipment)
        return None
    offered = org.cash >= bribe and rng.random() < sim.params.border.spot_bribe_prob
    if offered and corruption.accepts(officer, bribe):
        corruption.corrupt(officer, org, node)
        corruption.pay_bribe(org, officer, node, shipment)
        return None
    return officer


class EnforcementPoint:
    """A place where officers meet shipments: its place, its officers, the corruption they are exposed to,
    and its own random stream (`border.<kind>`, by index)."""

    def __init__(self, sim: Sim, kind: str, index: int, place: Place, officers: list[Officer],
                 corruption: Corruption) -> None:
        self.sim = sim
        self.place = place
        self.node = place.id
        self.officers = officers
        self.corruption = corruption
        self.rng = sim.stream(f"border.{kind}", index)


class BorderPost(EnforcementPoint):
    """A formal crossing, sea port or airport: lanes, legitimate traffic, customs and border guards.

    Levers: `policy.inspection_rate` (share inspected), `policy.inspection_targeting` (random or by
    learned risk indicators), `policy.interdiction_focus` / `focus_multiplier` (extra enforcement here).
    Results: daily legitimate vehicles and their vehicle-hours of delay (`legit_vehicles`, `delay_hours`).
    """

    def __init__(self, sim: Sim, index: int, place: Place, officers: list[Officer], corruption: Corruption,
                 days: int) -> None:
        super().__init__(sim, "post", index, place, officers, corruption)
        self._traffic_rng = sim.stream("border.traffic", index)
        self.lanes = max(1, place.lanes)
        self._free = [0.0] * self.lanes  # heap: when each lane is next free (days)
        self._starts: deque[float] = deque()  # start times of admitted arrivals not yet begun (FCFS: sorted)
        # Learned indicator: the hit rate of inspections per (commodity, origin country) profile.
        self.suspicion: dict[tuple[str, str], float] = {}
        self.legit_vehicles = np.zeros(days)
        self.delay_hours = np.zeros(days)
        self._days = days
        per_day = sim.params.border.platoons_per_day
        self._gaps: list[float] = []
        self._platoon_size = place.legit_traffic / per_day
        self._next_platoon = self._draw_gap() if self._platoon_size > 0 else float("inf")

    def _draw_gap(self) -> float:
        """Time to the next platoon of legitimate traffic (a Poisson process); drawn in blocks, since a
        year holds thousands of platoons per post."""
        if not self._gaps:
            block = self._traffic_rng.exponential(1.0 / self.sim.params.border.platoons_per_day, 256)
            self._gaps = block.tolist()[::-1]
        return self._gaps.pop()

    def _admit(self, arrived: float, service_days: float) -> float:
        """Give the arrival the first lane free (FCFS); returns when it starts."""
        start = max(arrived, heapq.heappop(self._free))
        heapq.heappush(self._free, start + service_days)
        self._starts.append(start)
        return start

    def queue_length(self, now: float) -> int:
        """Arrivals waiting for a lane at time `now`."""
        starts = self._starts
        while starts and starts[0] <= now:
            starts.popleft()
        return len(starts)

    def admit_traffic(self, until: float) -> None:
        """Admit the legitimate platoons that arrive up to `until`, in time order.

        Each vehicle of a platoon is cleared, a share of them inspected. When the queue ahead would take
        longer than `border.max_queue_hours` to clear, legitimate traffic is waved through uninspected until
        it shrinks (shipments are still targeted): the practice that keeps real borders from gridlock, and
        a gap smugglers can use. Delay per vehicle is the wait for a lane plus its own clearance.
        """
        if self._next_platoon > until:
            return
        p = self.sim.params
        b = p.border
        vehicles = self._platoon_size
        # The policy is the same for every platoon admitted here (it changes only at the start of a day).
        inspected = b.clearance_minutes + policy.inspection_share(p, self.node) * b.inspection_minutes
        backlog_per_waiting = vehicles * inspected / 60.0 / self.lanes  # hours
        last_day = self._days - 1
        while self._next_platoon <= until:
            arrived = self._next_platoon
            self._next_platoon = arrived + self._draw_gap()
            waved_through = self.queue_length(arrived) * backlog_per_waiting > b.max_queue_hours
            minutes_each = b.clearance_minutes if waved_through else inspected
            start = self._admit(arrived, vehicles * minutes_each / MINUTES_PER_DAY)
            day = min(int(start), last_day)
            self.legit_vehicles[day] += vehicles
            self.delay_hours[day] += vehicles * ((start - arrived) * 24.0 + minutes_each / 60.0)

    def _selection_prob(self, shipment: Any) -> float:
        """Chance this shipment is pulled for inspection: random, or lifted by learned risk indicators."""
        p = self.sim.params
        share = policy.inspection_share(p, self.node)
        if policy.risk_based(p):
            signal = self.suspicion.get(shipment.profile, p.border.suspicion_prior)
            if shipment.front_company:
                signal *= 1.0 - p.shipments.front_company_effect
            share *= 1.0 + (p.border.risk_lift_max - 1.0) * signal
        return min(1.0, share)

    def _learn(self, shipment: Any, hit: bool) -> None:
        b = self.sim.params.border
        old = self.suspicion.get(shipment.profile, b.suspicion_prior)
        self.suspicion[shipment.profile] = old + b.suspicion_learning_rate * (float(hit) - old)

    def pass_shipment(self, shipment: Any) -> tuple[Officer | None, float]:
        """The shipment arrives now: it is picked for inspection or not, takes a lane when one is free, and
        is seized or passes. Returns the seizing officer (or None) and the days it spends at the post
        (queue plus lane time), which the shipment then waits before travelling on.

        What happens to the load is decided on arrival: a shipment has nothing to change between joining
        the queue and leaving the lane, so waiting first would only add a simpy event per crossing.
        """
        sim = self.sim
        p = sim.params
        contact = self.corruption.contact_on_duty(shipment.org, self.node)
        selected = contact is None and self.rng.random() < self._selection_prob(shipment)
        b = p.border
        now = sim.env.now
        self.admit_traffic(now)
        lane_days = (b.clearance_minutes / 60.0 + (b.shipment_inspection_hours if selected else 0.0)) / 24.0
        held = self._admit(now, lane_days) - now + lane_days
        if contact is not None:
            self.corruption.pay_bribe(shipment.org, contact, self.node, shipment)
            return None, held
        if not selected:
            return None, held
        sim.record("inspection", org=shipment.org.unique_id, actor=shipment.courier.unique_id, node=self.node,
                   commodity=shipment.commodity)
        seizer = confront(sim, self.corruption, self.rng, shipment, self.node, self.officers,
                          shipment.detectability(p, formal=True))
        if policy.risk_based(p):
            self._learn(shipment, seizer is not None)
        return seizer, held


class Trail(EnforcementPoint):
    """An informal crossing watched by border-guard patrols.

    Lever: `policy.patrol_allocation` (static: equal strength on every trail of a country;
    intelligence_led: strength follows recent sightings) and `policy.interdiction_focus`.
    """

    def __init__(self, sim: Sim, index: int, place: Place, officers: list[Officer], corruption: Corruption) -> None:
        super().__init__(sim, "trail", index, place, officers, corruption)
        self.strength = 1.0  # relative patrol strength; averages 1 over a country's trails
        self.sightings = 0.0  # smoothed recent sightings: the patrols' intelligence picture

    def encounter_prob(self, signalled: bool = False) -> float:
        """Chance a patrol meets a crossing shipment; intelligence-led patrols wait where a signal says."""
        p = self.sim.params
        b = p.border
        base = b.patrol_encounter_prob * self.strength * policy.focus_multiplier(p, self.node)
        if signalled:
            base = max(base, b.signalled_encounter_prob)
        return min(b.max_encounter_prob, base)

    def pass_shipment(self, shipment: Any) -> Officer | None:
        """Patrols: static ones meet crossings by chance; intelligence-led ones also act on advance
        signals (informants, sensors, tips), which come for `border.signal_prob` of crossings."""
        p = self.sim.params
        rng = self.rng
        if rng.random() < p.border.trail_sighting_prob:  # sensors and locals notice some crossings
            self.sightings += 1.0
        signalled = policy.intelligence_led(p) and rng.random() < p.border.signal_prob
        if rng.random() >= self.encounter_prob(signalled):
            return None
        self.sim.record("patrol_encounter", org=shipment.org.unique_id, actor=shipment.courier.unique_id,
                        node=self.node, commodity=shipment.commodity)
        return confront(self.sim, self.corruption, rng, shipment, self.node, self.officers,
                        shipment.detectability(p, formal=False))


class Border:
    """Every post and trail of the corridor, and the weekly re-deployment of patrols."""

    def __init__(self, sim: Sim, corridor: Any, corruption: Corruption, days: int) -> None:
        self.sim = sim
        self.days = days
        at = corruption.force.at
        checkpoints = [p for p in corridor.places.values() if p.is_checkpoint]
        informal = [p for p in corridor.places.values() if p.is_informal]
        self.posts = {p.id: BorderPost(sim, i, p, at[p.id], corruption, days) for i, p in enumerate(checkpoints)}
        self.trails = {p.id: Trail(sim, i, p, at[p.id], corruption) for i, p in enumerate(informal)}
        self._trails_of: dict[str, list[Trail]] = {}
        for trail in self.trails.values():
            self._trails_of.setdefault(trail.place.country, []).append(trail)

    def admit_traffic(self, until: float) -> None:
        """Bring every post's legitimate traffic up to time `until` (called at the start of each day)."""
        for post in self.posts.values():
            post.admit_traffic(until)

    def redeploy(self, day: int) -> None:
        """Every `border.patrol_reallocation_days`, spread each country's patrol strength over its trails:
        evenly (static), or by smoothed sightings (`policy.patrol_allocation=intelligence_led`)."""
        b = self.sim.params.border
        if day % b.patrol_reallocation_days != 0:
            return
        led = policy.intelligence_led(self.sim.params)
        for trails in self._trails_of.values():
            if led:
                weights = [t.sightings + b.patrol_weight_floor for t in trails]
                total = sum(weights)
                for t, w in zip(trails, weights, strict=True):
                    t.strength = len(trails) * w / total
            else:
                for t in trails:
                    t.strength = 1.0
            for t in trails:
                t.sightings *= b.sighting_decay

    def legit_totals(self) -> tuple[np.ndarray, np.ndarray]:
        """Daily legitimate vehicles and vehicle-hours of delay, summed over posts."""
        vehicles, hours = np.zeros(self.days), np.zeros(self.days)
        for post in self.posts.values():
            vehicles += post.legit_vehicles
            hours += post.delay_hours
        return vehicles, hours
