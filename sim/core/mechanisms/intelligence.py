"""The intelligence picture: what customs and border guards in each country know of which organisations,
risk profiles and crossings are active, built from reports and shared as far as the sharing levers allow.

A report arises at one agency in one country: a seizure (customs at a post, border guards on a trail), a
sighting on a trail (border guards' sensors and locals), a lead (police from tips, talking arrestees,
victims and corruption cases; the financial intelligence unit from financial reports). It names keys:

    ("org", id)                        an organisation
    ("profile", commodity, country)    a risk profile: the kind of load and the country it comes from
    ("node", id)                       a crossing, formal or informal

each with a weight (a seizure 1, a lead its quality, a sighting `investigation.picture_weight_sighting`).
The agency that made it sees it at once; every other agency and country sees it only if it is pooled
(`policy.picture_reach`: a share `policy.intel_sharing` of reports; a joint task force joins the same
agency across the border) and late (`policy.sharing_delay_days`). What an agency knows decays: a report
loses half its weight every `investigation.picture_half_life_days`, and a late report arrives already
aged. The belief that a key is active is activity / (activity + `investigation.picture_belief_half`).

Customs targeting at posts and the deployment of patrols on trails read this picture
(`sim.core.mechanisms.border`); nothing here changes what traffickers do.

Activity is kept per key as (level, time) and decayed when read, and reports on their way to an agency
wait in a heap until it next looks: no per-day pass over the picture and no scan of past reports.
"""

from __future__ import annotations

import heapq
import itertools
import math
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any, Protocol

from sim.core import policy
from sim.core.agents.officer import Agency

if TYPE_CHECKING:
    from sim.core.context import Sim
    from sim.world import Corridor

Key = tuple[Any, ...]
Items = tuple[tuple[Key, float], ...]

#: The agencies whose picture is read: customs (inspection at posts) and border guards (patrols on trails).
READERS = (Agency.CUSTOMS, Agency.BORDER_GUARD)
#: Which agency a lead comes from, by its source (police otherwise).
LEAD_AGENCY = {"financial": Agency.FIU, "seizure": Agency.CUSTOMS}
#: Lead sources from people who travelled with the organisation: they can name a crossing it used.
ROUTE_SOURCES = frozenset({"talk", "victim"})


def org_key(org_id: int) -> Key:
    return ("org", org_id)


def profile_key(commodity: str, country: str) -> Key:
    return ("profile", commodity, country)


def node_key(node: str) -> Key:
    return ("node", node)


class Crossings(Protocol):
    """The crossings an organisation used lately, latest last (what an insider could name)."""

    def recent_crossings(self, org_id: int) -> Sequence[str]: ...


class View:
    """One agency's picture in one country: decaying activity per key, and pooled reports on their way."""

    def __init__(self, rate: float) -> None:
        self.rate = rate  # per day: ln 2 / half-life
        self.level: dict[Key, tuple[float, float]] = {}  # key -> (activity at time t, t)
        self.pending: list[tuple[float, int, float, Items]] = []  # heap of (arrival, seq, origin time, items)

    def add(self, key: Key, weight: float, at: float) -> None:
        """Add a report's weight to a key as of time `at` (the time the information arose)."""
        old = self.level.get(key)
        if old is None:
            self.level[key] = (weight, at)
            return
        value, t = old
        if at >= t:
            self.level[key] = (value * math.exp(-self.rate * (at - t)) + weight, at)
        else:
            self.level[key] = (value + weight * math.exp(-self.rate * (t - at)), t)

    def receive(self, now: float) -> None:
        """Take in the pooled reports that have arrived by `now`."""
        pending = self.pending
        while pending and pending[0][0] <= now:
            _, _, origin, items = heapq.heappop(pending)
            for key, weight in items:
                self.add(key, weight, origin)

    def activity(self, key: Key, now: float) -> float:
        """Decayed sum of report weights on a key (in reports)."""
        old = self.level.get(key)
        if old is None:
            return 0.0
        value, t = old
        return value * math.exp(-self.rate * (now - t)) if now > t else value


class Intelligence:
    """The picture of every reading agency (customs and border guards) in every country.

    Levers: `policy.intel_sharing` and `policy.joint_task_force` (`policy.picture_reach`,
    `policy.sharing_delay_days`) decide which reports reach which picture, and how late. Results: the
    views themselves (`view(agency, country)`), read by `sim.core.mechanisms.border`.
    """

    def __init__(self, sim: Sim, corridor: Corridor) -> None:
        self.sim = sim
        inv = sim.params.investigation
        rate = math.log(2.0) / inv.picture_half_life_days
        self.views: dict[tuple[Agency, str], View] = {
            (agency, country): View(rate) for agency in READERS for country in corridor.countries}
        self._readers = list(self.views)
        self.rng = sim.stream("intelligence")
        self._seq = itertools.count()
        self.crossings: Crossings | None = None
        #: Every risk profile a shipment can have: (commodity, country) of each origin and what it produces.
        self.profiles: tuple[Key, ...] = tuple(dict.fromkeys(
            profile_key(k, p.country) for p in corridor.of_kind("origin") for k in p.commodities))

    def connect(self, crossings: Crossings) -> None:
        """Where insiders' knowledge of routes comes from (`Border.crossings`)."""
        self.crossings = crossings

    # ------------------------------------------------------------------ reports in
    def report(self, agency: Agency, country: str, items: Iterable[tuple[Key, float]]) -> None:
        """A report made by `agency` in `country`: its own picture takes it now; every other reading
        agency and country gets it if pooled, after the sharing delay.

        Two draws per other picture whatever the levers (pooled?, how late), so that the lever changes
        who learns what, not the draws behind it.
        """
        items = tuple(items)
        if not items:
            return
        sim = self.sim
        p = sim.params
        now = sim.env.now
        rng = self.rng
        reach = policy.picture_reach(p)
        for reader in self._readers:
            view = self.views[reader]
            same_agency, cross_border = reader[0] is agency, reader[1] != country
            if policy.own_picture(p, same_agency, cross_border):
                for key, weight in items:
                    view.add(key, weight, now)
                continue
            pooled = rng.random() < reach
            late = float(rng.exponential(policy.sharing_delay_days(p, cross_border)))
            if pooled:
                heapq.heappush(view.pending, (now + late, next(self._seq), now, items))

    def seizure(self, agency: Agency, country: str, shipment: Any) -> None:
        """A seized load tells its organisation, its profile and the crossings of its route (the courier's
        papers and phone), each with the weight of a seizure (`investigation.quality_seizure`)."""
        w = self.sim.params.investigation.quality_seizure
        items = [(org_key(shipment.org.unique_id), w), (profile_key(*shipment.profile), w)]
        items += [(node_key(n), w) for n in shipment.route.checkpoints]
        self.report(agency, country, items)

    def sighting(self, node: str, country: str) -> None:
        """Border guards' sensors or locals noticed a crossing on a trail."""
        weight = self.sim.params.investigation.picture_weight_sighting
        self.report(Agency.BORDER_GUARD, country, [(node_key(node), weight)])

    def lead(self, source: str, country: str, org_ids: Sequence[int], quality: float) -> None:
        """A lead names organisations (a member's, or a facilitator's clients), with its quality as weight.

        A person who travelled with the organisation (an arrestee who talks, a victim) also names, with
        probability `investigation.picture_route_prob`, one of the crossings it used lately.
        """
        if not org_ids:
            return
        inv = self.sim.params.investigation
        items = [(org_key(i), quality) for i in org_ids]
        if source in ROUTE_SOURCES and self.crossings is not None:
            u, pick_u = self.rng.random(), self.rng.random()
            recent = self.crossings.recent_crossings(org_ids[0])
            if recent and u < inv.picture_route_prob:
                items.append((node_key(recent[int(pick_u * len(recent))]), quality))
        self.report(LEAD_AGENCY.get(source, Agency.POLICE), country, items)

    # ------------------------------------------------------------------ the picture out
    def view(self, agency: Agency, country: str) -> View:
        """An agency's picture in a country, with every pooled report that has arrived by now."""
        view = self.views[agency, country]
        view.receive(self.sim.env.now)
        return view

    def belief(self, view: View, key: Key) -> float:
        """How strongly a picture holds a key to be active: a / (a + `investigation.picture_belief_half`)."""
        a = view.activity(key, self.sim.env.now)
        return a / (a + self.sim.params.investigation.picture_belief_half) if a > 0 else 0.0
