"""Border posts (formal checkpoints with lane queues) and trails (informal crossings with patrols).

A post's lanes are a simpy Resource shared by legitimate traffic and shipments: inspecting more
traffic lengthens lane time, so the queue, and the legitimate trade delay, grows. That is the economic
cost of the `policy.inspection_rate` lever.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import TYPE_CHECKING, Any

import simpy

from sim.core.agents.officer import Officer
from sim.core.policy import focus_multiplier

if TYPE_CHECKING:
    from sim.core.mechanisms.shipments import Shipment
    from sim.core.model import CorridorModel
    from sim.world.corridor import Place

MINUTES_PER_DAY = 24 * 60.0
#: Risk-based targeting's starting belief that a profile is worth a look, before any hits or misses.
SUSPICION_PRIOR = 0.5


def confront(model: CorridorModel, shipment: Shipment, node: str, officers: list[Officer],
             detect_prob: float) -> Officer | None:
    """An officer examines a shipment; returns the officer who seizes it, or None if it goes through.

    A corrupt officer who finds the load takes a bribe and lets it pass. An honest one who finds it may
    be offered a bribe on the spot and accept by the corruption rule (`Officer.readiness`), becoming
    corrupt: this is how corruption spreads from contact with traffickers.
    """
    rng = model.rng
    officer = officers[int(rng.integers(len(officers)))]
    if rng.random() >= detect_prob:
        return None
    org = shipment.org
    bribe = model.cfg.shipments.bribe_amount
    if officer.corrupt and org.cash >= bribe:
        model.pay_bribe(org, officer, node, shipment)
        return None
    offered = org.cash >= bribe and rng.random() < model.cfg.border.spot_bribe_prob
    if offered and rng.random() < officer.readiness(bribe, model.peer_share(officer)):
        model.corrupt_officer(officer, org, node)
        model.pay_bribe(org, officer, node, shipment)
        return None
    return officer


class BorderPost:
    """A formal crossing, sea port or airport: lanes, legitimate traffic, customs and border guards.

    Levers: `policy.inspection_rate` (share inspected), `policy.inspection_targeting` (random or by
    learned risk indicators), `policy.interdiction_focus` / `focus_multiplier` (extra enforcement here).
    """

    def __init__(self, model: CorridorModel, place: Place, officers: list[Officer]) -> None:
        self.model = model
        self.place = place
        self.node = place.id
        self.officers = officers
        self.lanes = simpy.Resource(model.env, capacity=max(1, place.lanes))
        # Learned indicator: the hit rate of inspections per (commodity, origin country) profile.
        self.suspicion: dict[tuple[str, str], float] = {}
        model.env.process(self._traffic())

    @property
    def inspection_share(self) -> float:
        return min(1.0, self.model.cfg.policy.inspection_rate * focus_multiplier(self.model.cfg, self.node))

    def _traffic(self) -> Generator[simpy.Event, Any, None]:
        """Legitimate traffic arrives in platoons at random times (a Poisson process)."""
        per_day = self.model.cfg.border.platoons_per_day
        size = self.place.legit_traffic / per_day
        if size <= 0:
            return
        env, rng = self.model.env, self.model.rng
        while True:
            yield env.timeout(float(rng.exponential(1.0 / per_day)))
            env.process(self._platoon(size))

    def _platoon(self, vehicles: float) -> Generator[simpy.Event, Any, None]:
        """A platoon takes one lane; each vehicle is cleared, a share of them inspected.

        When the queue ahead would take longer than `border.max_queue_hours` to clear, legitimate
        traffic is waved through uninspected until it shrinks (shipments are still targeted): the
        practice that keeps real borders from gridlock, and a gap smugglers can use.
        """
        b = self.model.cfg.border
        inspected = b.clearance_minutes + self.inspection_share * b.inspection_minutes
        backlog_hours = len(self.lanes.queue) * vehicles * inspected / 60.0 / self.lanes.capacity
        minutes_each = inspected if backlog_hours <= b.max_queue_hours else b.clearance_minutes
        arrived = self.model.env.now
        with self.lanes.request() as req:
            yield req
            waited_hours = (self.model.env.now - arrived) * 24.0
            self.model.metrics.count("legit_vehicles", vehicles)
            self.model.metrics.count("legit_delay_vehicle_hours", vehicles * (waited_hours + minutes_each / 60.0))
            yield self.model.env.timeout(vehicles * minutes_each / MINUTES_PER_DAY)

    def _selection_prob(self, shipment: Shipment) -> float:
        """Chance this shipment is pulled for inspection: random, or lifted by learned risk indicators."""
        share = self.inspection_share
        if self.model.cfg.policy.inspection_targeting == "risk_based":
            b = self.model.cfg.border
            signal = self.suspicion.get(shipment.profile, SUSPICION_PRIOR)
            if shipment.front_company:
                signal *= 1.0 - self.model.cfg.shipments.front_company_effect
            share *= 1.0 + (b.risk_lift_max - 1.0) * signal
        return min(1.0, share)

    def _learn(self, shipment: Shipment, hit: bool) -> None:
        old = self.suspicion.get(shipment.profile, SUSPICION_PRIOR)
        self.suspicion[shipment.profile] = old + 0.1 * (float(hit) - old)

    def pass_shipment(self, shipment: Shipment) -> Generator[simpy.Event, Any, Officer | None]:
        """Queue for a lane, maybe be inspected; returns the seizing officer or None."""
        m = self.model
        rng = m.rng
        contact = m.contact_on_duty(shipment.org, self.node)
        selected = contact is None and rng.random() < self._selection_prob(shipment)
        b = m.cfg.border
        with self.lanes.request() as req:
            yield req
            hours = b.clearance_minutes / 60.0 + (b.shipment_inspection_hours if selected else 0.0)
            yield m.env.timeout(hours / 24.0)
        if contact is not None:
            m.pay_bribe(shipment.org, contact, self.node, shipment)
            return None
        if not selected:
            return None
        m.log.add("inspection", org=shipment.org.unique_id, actor=shipment.courier.unique_id, node=self.node,
                  commodity=shipment.commodity)
        seizer = confront(m, shipment, self.node, self.officers, shipment.detectability(formal=True))
        if m.cfg.policy.inspection_targeting == "risk_based":
            self._learn(shipment, seizer is not None)
        return seizer


class Trail:
    """An informal crossing watched by border-guard patrols.

    Lever: `policy.patrol_allocation` (static: equal strength on every trail of a country;
    intelligence_led: strength follows recent sightings) and `policy.interdiction_focus`.
    """

    def __init__(self, model: CorridorModel, place: Place, officers: list[Officer]) -> None:
        self.model = model
        self.place = place
        self.node = place.id
        self.officers = officers
        self.strength = 1.0  # relative patrol strength; averages 1 over a country's trails
        self.sightings = 0.0  # smoothed recent sightings: the patrols' intelligence picture

    def encounter_prob(self, signalled: bool = False) -> float:
        """Chance a patrol meets a crossing shipment; intelligence-led patrols wait where a signal says."""
        b = self.model.cfg.border
        base = b.patrol_encounter_prob * self.strength * focus_multiplier(self.model.cfg, self.node)
        if signalled:
            base = max(base, b.signalled_encounter_prob)
        return min(0.95, base)

    def pass_shipment(self, shipment: Shipment) -> Officer | None:
        """Patrols: static ones meet crossings by chance; intelligence-led ones also act on advance
        signals (informants, sensors, tips), which come for `border.signal_prob` of crossings."""
        m = self.model
        if m.rng.random() < 0.3:  # sensors and locals notice some crossings whatever happens
            self.sightings += 1.0
        led = m.cfg.policy.patrol_allocation == "intelligence_led"
        signalled = led and m.rng.random() < m.cfg.border.signal_prob
        if m.rng.random() >= self.encounter_prob(signalled):
            return None
        m.log.add("patrol_encounter", org=shipment.org.unique_id, actor=shipment.courier.unique_id,
                  node=self.node, commodity=shipment.commodity)
        return confront(m, shipment, self.node, self.officers, shipment.detectability(formal=False))


def reallocate_patrols(trails: list[Trail], intelligence_led: bool) -> None:
    """Spread a country's patrol strength over its trails: evenly, or by smoothed sightings."""
    if not trails:
        return
    if intelligence_led:
        weights = [t.sightings + 0.5 for t in trails]
        total = sum(weights)
        for t, w in zip(trails, weights, strict=True):
            t.strength = len(trails) * w / total
    else:
        for t in trails:
            t.strength = 1.0
    for t in trails:
        t.sightings *= 0.8
