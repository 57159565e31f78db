"""Border posts (formal checkpoints with lane queues) and trails (informal crossings with patrols).

A post's lanes are a first-come-first-served queue with one server per lane, shared by legitimate traffic
and shipments: inspecting more traffic lengthens lane time, so the queue, and the legitimate trade delay,
grows. That is the economic cost of the `policy.inspection_rate` lever.

The queue is kept as arithmetic, not as simpy events: each lane's next free time sits in a heap, and an
arrival at time t starts at max(t, earliest free lane) (Lindley's recursion for c servers). Legitimate
platoons, which arrive as a Poisson process, are admitted in time order up to each shipment's arrival and
at the start of each day; a shipment's wait plus lane time is added to its next stretch of travel. This is
the same FCFS multi-lane queue a simpy Resource would give, at a fraction of the events.

Who is inspected, and where patrols stand, comes from the intelligence picture of the post's customs or
the trail's border guards (`sim.core.mechanisms.intelligence`): seizures and sightings here feed it, and
shared leads from other agencies and countries reach it as far as the sharing levers allow.
"""

from __future__ import annotations

import heapq
import math
from collections import deque
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from sim.core import policy
from sim.core.agents.officer import Agency, Officer
from sim.core.mechanisms.intelligence import Intelligence, node_key, org_key, profile_key
from sim.core.streams import pick

if TYPE_CHECKING:
    from sim.core.context import Sim
    from sim.core.mechanisms.corruption import Corruption
    from sim.world import Corridor, Place

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
    bribe = corruption.bribe_amount
    if officer.corrupt and org.cash >= bribe:
        corruption.pay_bribe(org, officer, node, shipment)
        return None
    offered = org.cash >= bribe and rng.random() < sim.params.border.spot_bribe_prob
    if offered and corruption.accepts(officer, bribe):
        corruption.corrupt(officer, org, node)
        corruption.pay_bribe(org, officer, node, shipment)
        return None
    return officer


class CrossingLog:
    """The crossings each organisation used lately, latest last: what an insider could tell investigators
    (`Intelligence.lead` draws a named crossing from here). Kept as truth, read only through leads."""

    def __init__(self, memory: int) -> None:
        self.memory = max(1, int(memory))
        self._by_org: dict[int, deque[str]] = {}

    def passed(self, org_id: int, node: str) -> None:
        recent = self._by_org.get(org_id)
        if recent is None:
            recent = self._by_org[org_id] = deque(maxlen=self.memory)
        recent.append(node)

    def recent_crossings(self, org_id: int) -> Sequence[str]:
        return self._by_org.get(org_id, ())


class EnforcementPoint:
    """A place where officers meet shipments: its place, its officers, the corruption they are exposed to,
    the intelligence picture it reports to and reads, and its own random stream (`border.<kind>`, by index)."""

    def __init__(self, sim: Sim, kind: str, index: int, place: Place, officers: list[Officer],
                 corruption: Corruption, picture: Intelligence, crossings: CrossingLog) -> None:
        self.sim = sim
        self.place = place
        self.node = place.id
        self.country = place.country
        self.officers = officers
        self.corruption = corruption
        self.picture = picture
        self.crossings = crossings
        self.rng = sim.stream(f"border.{kind}", index)


class BorderPost(EnforcementPoint):
    """A formal crossing, sea port or airport: lanes, legitimate traffic, customs and border guards.

    Levers: `policy.inspection_rate` (share inspected), `policy.inspection_targeting` (random, or the same
    number of inspections spent by customs' intelligence picture), `policy.interdiction_focus` /
    `focus_multiplier` (extra enforcement here). Results per day: legitimate vehicles, their vehicle-hours
    of delay and how many of them were inspected (`legit_vehicles`, `delay_hours`, `legit_inspected`).
    """

    def __init__(self, sim: Sim, index: int, place: Place, officers: list[Officer], corruption: Corruption,
                 days: int, picture: Intelligence, crossings: CrossingLog) -> None:
        super().__init__(sim, "post", index, place, officers, corruption, picture, crossings)
        self._traffic_rng = sim.stream("border.traffic", index)
        self.lanes = max(1, place.lanes)
        self._free = [float(sim.env.now)] * self.lanes  # heap: when each lane is next free (days; from the start,
        # which is negative during a warm-up)
        self._starts: deque[float] = deque()  # start times of admitted arrivals not yet begun (FCFS: sorted)
        # Per-day sums as Python lists: the platoon loop adds to them tens of thousands of times, and a
        # numpy element costs several times a list's. Read as arrays (`legit_vehicles`, ...).
        self._vehicles = [0.0] * days
        self._delay = [0.0] * days
        self._inspected = [0.0] * days  # expected inspected legitimate vehicles (lane time is a mean)
        self._days = days
        # Running (decayed) sums of the traffic under risk-based targeting: legitimate vehicles, shipments,
        # the shipments' weights, and when they were last decayed. They rescale selection (`_mean_weight`).
        self._recent = [0.0, 0.0, 0.0, float(sim.env.now)]
        per_day = sim.params.border.platoons_per_day
        self._platoon_size = place.legit_traffic / per_day
        self._gaps: list[float] = self._gap_block() if self._platoon_size > 0 else []
        self._next_platoon = sim.env.now + self._gaps.pop() if self._platoon_size > 0 else float("inf")

    @property
    def legit_vehicles(self) -> np.ndarray:
        """Legitimate vehicles admitted, by day."""
        return np.array(self._vehicles)

    @property
    def delay_hours(self) -> np.ndarray:
        """Vehicle-hours of delay of legitimate traffic (queue plus clearance), by day."""
        return np.array(self._delay)

    @property
    def legit_inspected(self) -> np.ndarray:
        """Legitimate vehicles inspected (expected), by day."""
        return np.array(self._inspected)

    def _gap_block(self) -> list[float]:
        """The next 256 gaps between platoons of legitimate traffic (a Poisson process), to be taken from the
        end (`pop`): drawn in blocks, since a year holds thousands of platoons per post."""
        return self._traffic_rng.exponential(1.0 / self.sim.params.border.platoons_per_day, 256).tolist()[::-1]

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

    # ------------------------------------------------------------------ risk-based selection
    def suspicion(self, shipment: Any) -> float:
        """How suspicious customs' picture makes a shipment (0 with no picture):

            target_weight_profile x belief(profile) [x (1 - front_company_effect) with a front company]
          + target_weight_org     x belief(organisation)   [0 with a front company: a clean trader's name]
          + target_weight_route   x max belief(another crossing on its route)
        """
        b = self.sim.params.border
        picture = self.picture
        view = picture.view(Agency.CUSTOMS, self.country)
        fronted = shipment.front_company
        profile = picture.belief(view, profile_key(*shipment.profile))
        org = 0.0
        if fronted:
            profile *= 1.0 - self.sim.params.shipments.front_company_effect
        else:
            org = picture.belief(view, org_key(shipment.org.unique_id))
        route = max((picture.belief(view, node_key(n)) for n in shipment.route.checkpoints if n != self.node),
                    default=0.0)
        return b.target_weight_profile * profile + b.target_weight_org * org + b.target_weight_route * route

    def traffic_suspicion(self) -> float:
        """How suspicious the picture makes a legitimate vehicle, on average: each risk profile matches
        `border.profile_traffic_share` of legitimate traffic (at most an even split over the profiles); no
        legitimate vehicle matches an organisation or a route in the picture."""
        b = self.sim.params.border
        picture = self.picture
        view = picture.view(Agency.CUSTOMS, self.country)
        profiles = picture.profiles
        if not profiles:
            return 0.0
        share = min(b.profile_traffic_share, 1.0 / len(profiles))
        return b.target_weight_profile * share * sum(picture.belief(view, key) for key in profiles)

    def _mean_weight(self, at: float, legit_weight: float, vehicles: float = 0.0,
                     shipment_weight: float | None = None) -> float:
        """Add an arrival (a platoon of `vehicles`, or a shipment of `shipment_weight`) to the recent traffic
        and return its mean selection weight, which divides every vehicle's weight: so the post inspects, on
        average, `inspection_share` of its traffic whatever the picture says.

        Recent traffic is counted with memory `border.selection_memory_days`; legitimate vehicles all weigh
        `legit_weight` (today's picture), shipments what they weighed when they came.
        """
        r = self._recent
        if at > r[3]:
            decay = math.exp(-(at - r[3]) / self.sim.params.border.selection_memory_days)
            r[0] *= decay
            r[1] *= decay
            r[2] *= decay
            r[3] = at
        r[0] += vehicles
        if shipment_weight is not None:
            r[1] += 1.0
            r[2] += shipment_weight
        return (r[0] * legit_weight + r[2]) / (r[0] + r[1])

    def _selection_prob(self, shipment: Any) -> float:
        """Chance this shipment is pulled for inspection: the inspection share at random; under risk-based
        targeting, the share x its weight (1 + `border.targeting_concentration` x suspicion) / the traffic's
        mean weight, so that suspicion moves inspections between vehicles without adding any."""
        p = self.sim.params
        share = policy.inspection_share(p, self.node)
        if not policy.risk_based(p):
            return share
        concentration = p.border.targeting_concentration
        weight = 1.0 + concentration * self.suspicion(shipment)
        legit = 1.0 + concentration * self.traffic_suspicion() if self._recent[0] > 0 else 1.0
        return min(1.0, share * weight / self._mean_weight(self.sim.env.now, legit, shipment_weight=weight))

    # ------------------------------------------------------------------ traffic
    def admit_traffic(self, until: float) -> None:
        """Admit the legitimate platoons that arrive up to `until`, in time order.

        Each vehicle of a platoon is cleared, a share of them inspected (under risk-based targeting, the
        share its average suspicion earns it out of the same budget). When the queue ahead would take
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
        share = policy.inspection_share(p, self.node)
        targeted = policy.risk_based(p)
        weight = 1.0 + b.targeting_concentration * self.traffic_suspicion() if targeted else 1.0
        last_day = self._days - 1
        # The loop runs for every platoon of the run (tens of thousands): the lane heap, the queue and the
        # gap draws are inlined (`_admit` and `queue_length` do the same for one arrival).
        free, starts, gaps = self._free, self._starts, self._gaps
        lanes = self.lanes
        clearance, inspection_minutes, max_queue = b.clearance_minutes, b.inspection_minutes, b.max_queue_hours
        legit_vehicles, delay_hours, legit_inspected = self._vehicles, self._delay, self._inspected
        each = share
        inspected = clearance + each * inspection_minutes  # minutes a vehicle; per platoon when targeted
        popleft, heapreplace, floor, minutes_per_day = starts.popleft, heapq.heapreplace, math.floor, MINUTES_PER_DAY
        arriving = self._next_platoon
        while arriving <= until:
            arrived = arriving
            if not gaps:
                gaps = self._gaps = self._gap_block()
            arriving = arrived + gaps.pop()
            if targeted:
                each = min(1.0, share * weight / self._mean_weight(arrived, weight, vehicles))
                inspected = clearance + each * inspection_minutes
            while starts and starts[0] <= arrived:
                popleft()
            # Waved through when the backlog ahead (hours) is longer than the queue allowed.
            waved_through = len(starts) * vehicles * inspected / 60.0 / lanes > max_queue
            minutes_each = clearance if waved_through else inspected
            first_free = free[0]
            start = first_free if first_free > arrived else arrived
            heapreplace(free, start + vehicles * minutes_each / minutes_per_day)
            starts.append(start)
            day = floor(start)
            if day < 0:  # the warm-up is not measured
                continue
            if day > last_day:
                day = last_day
            legit_vehicles[day] += vehicles
            delay_hours[day] += vehicles * ((start - arrived) * 24.0 + minutes_each / 60.0)
            if not waved_through:
                legit_inspected[day] += vehicles * each
        self._next_platoon = arriving

    def pass_shipment(self, shipment: Any) -> tuple[Officer | None, float]:
        """The shipment arrives now: it is picked for inspection or not, takes a lane when one is free, and
        is seized or passes. Returns the seizing officer (or None) and the days it spends at the post
        (queue plus lane time), which the shipment then waits before travelling on.

        What happens to the load is decided on arrival: a shipment has nothing to change between joining
        the queue and leaving the lane, so waiting first would only add a simpy event per crossing. A
        seizure goes into customs' picture.
        """
        sim = self.sim
        p = sim.params
        now = sim.env.now
        self.crossings.passed(shipment.org.unique_id, self.node)
        contact = self.corruption.contact_on_duty(shipment.org, self.node)
        self.admit_traffic(now)  # the traffic ahead of it, in the lanes and in the selection's running mean
        selected = contact is None and self.rng.random() < self._selection_prob(shipment)
        b = p.border
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
        if seizer is not None:
            self.picture.seizure(Agency.CUSTOMS, self.country, shipment)
        return seizer, held


class Trail(EnforcementPoint):
    """An informal crossing watched by border-guard patrols.

    Lever: `policy.patrol_allocation` (static: equal strength on every trail of a country;
    intelligence_led: strength follows the activity the border guards' picture puts on each trail) and
    `policy.interdiction_focus`.
    """

    def __init__(self, sim: Sim, index: int, place: Place, officers: list[Officer], corruption: Corruption,
                 picture: Intelligence, crossings: CrossingLog) -> None:
        super().__init__(sim, "trail", index, place, officers, corruption, picture, crossings)
        self.strength = 1.0  # relative patrol strength; averages 1 over a country's trails

    def encounter_prob(self) -> float:
        """Chance a patrol meets a crossing shipment: encounter x strength x focus, capped."""
        p = self.sim.params
        b = p.border
        base = b.patrol_encounter_prob * self.strength * policy.focus_multiplier(p, self.node)
        return min(b.max_encounter_prob, base)

    def pass_shipment(self, shipment: Any) -> Officer | None:
        """Sensors and locals notice some crossings (a sighting in the border guards' picture); a patrol
        meets the shipment by its encounter chance; a seizure goes into the picture."""
        p = self.sim.params
        rng = self.rng
        self.crossings.passed(shipment.org.unique_id, self.node)
        if rng.random() < p.border.trail_sighting_prob:
            self.picture.sighting(self.node, self.country)
        if rng.random() >= self.encounter_prob():
            return None
        self.sim.record("patrol_encounter", org=shipment.org.unique_id, actor=shipment.courier.unique_id,
                        node=self.node, commodity=shipment.commodity)
        seizer = confront(self.sim, self.corruption, rng, shipment, self.node, self.officers,
                          shipment.detectability(p, formal=False))
        if seizer is not None:
            self.picture.seizure(Agency.BORDER_GUARD, self.country, shipment)
        return seizer


class Border:
    """Every post and trail of the corridor, and the weekly re-deployment of patrols.

    `picture` is the intelligence picture its officers report to and read (built here when not given);
    `crossings` the log of recent crossings per organisation, which the picture draws insiders' leads from.
    """

    def __init__(self, sim: Sim, corridor: Corridor, corruption: Corruption, days: int,
                 picture: Intelligence | None = None) -> None:
        self.sim = sim
        self.days = days
        self.picture = picture if picture is not None else Intelligence(sim, corridor)
        self.crossings = CrossingLog(sim.params.investigation.informant_crossings)
        self.picture.connect(self.crossings)
        at = corruption.force.at
        checkpoints = [p for p in corridor.places.values() if p.is_checkpoint]
        informal = [p for p in corridor.places.values() if p.is_informal]
        self.posts = {p.id: BorderPost(sim, i, p, at[p.id], corruption, days, self.picture, self.crossings)
                      for i, p in enumerate(checkpoints)}
        self.trails = {p.id: Trail(sim, i, p, at[p.id], corruption, self.picture, self.crossings)
                       for i, p in enumerate(informal)}
        self._trails_of: dict[str, list[Trail]] = {}
        for trail in self.trails.values():
            self._trails_of.setdefault(trail.country, []).append(trail)

    def admit_traffic(self, until: float) -> None:
        """Bring every post's legitimate traffic up to time `until` (called at the start of each day)."""
        for post in self.posts.values():
            post.admit_traffic(until)

    def redeploy(self, day: int) -> None:
        """Every `border.patrol_reallocation_days`, spread each country's patrol strength over its trails:
        evenly (static), or by the activity the border guards' picture holds on each trail, plus
        `border.patrol_weight_floor` (`policy.patrol_allocation=intelligence_led`). Mean strength stays 1."""
        b = self.sim.params.border
        if day % b.patrol_reallocation_days != 0:
            return
        led = policy.intelligence_led(self.sim.params)
        now = self.sim.env.now
        for country, trails in self._trails_of.items():
            weights = [1.0] * len(trails)
            if led:
                view = self.picture.view(Agency.BORDER_GUARD, country)
                weights = [view.activity(node_key(t.node), now) + b.patrol_weight_floor for t in trails]
            total = sum(weights)
            for t, w in zip(trails, weights, strict=True):
                t.strength = len(trails) * w / total if total > 0 else 1.0

    def legit_totals(self) -> tuple[np.ndarray, np.ndarray]:
        """Daily legitimate vehicles and vehicle-hours of delay, summed over posts."""
        vehicles, hours = np.zeros(self.days), np.zeros(self.days)
        for post in self.posts.values():
            vehicles += post.legit_vehicles
            hours += post.delay_hours
        return vehicles, hours

    def inspected_totals(self) -> np.ndarray:
        """Daily legitimate vehicles inspected (expected), summed over posts; shipments inspected are
        `inspection` events."""
        total = np.zeros(self.days)
        for post in self.posts.values():
            total += post.legit_inspected
        return total
