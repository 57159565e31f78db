"""Residents of one locality, held as arrays inside one Mesa agent.

Each resident is an index into the arrays; the daily update is vectorized (no per-resident loop), which
is what lets a corridor hold a million residents.
"""

from __future__ import annotations

import heapq
from enum import IntEnum
from typing import TYPE_CHECKING

import mesa
import numpy as np

from sim.core import policy

if TYPE_CHECKING:
    from sim.config.schema import SimConfig
    from sim.core.context import Sim


def _beta_with_mean(rng: np.random.Generator, mean: float, size: int) -> np.ndarray:
    """Beta(2, b) draws with the given mean (b kept positive, so means of 0 and 1 work too)."""
    mean = min(max(mean, 1e-3), 1.0 - 1e-3)
    return np.clip(rng.beta(2.0, 2.0 * (1.0 - mean) / mean, size), 0.0, 1.0)


#: What residents notice and react to (`Community.notice`).
SEEN = ("enforcement", "corruption", "support")


def trust_anchor(p: SimConfig, surveyed: np.ndarray) -> np.ndarray:
    """Each resident's anchor: the trust they revert to, set so that their surveyed trust is stationary under
    the experience they were used to when surveyed (`community.trust_reference_enforcement`,
    `trust_reference_corruption`, `trust_reference_engagement`), whatever policy a run then applies.

    Stationary trust T under daily push u, pull d and reversion r towards anchor A (`Community.daily_update`):
    T = (T (1 - u - d) + u)(1 - r) + r A, so A = (T (1 - (1 - u - d)(1 - r)) - u (1 - r)) / r. Trust then stays
    where surveys put it while the corridor stays as it was, and moves when what residents see changes.
    """
    c = p.community
    r = c.trust_reversion
    if r <= 0.0:
        return surveyed.copy()
    push = (c.trust_gain_enforcement * c.trust_reference_enforcement
            + c.trust_gain_engagement * c.trust_reference_engagement)
    pull = c.trust_loss_corruption * c.trust_reference_corruption
    kept = (1.0 - push - pull) * (1.0 - r)
    return np.clip((surveyed * (1.0 - kept) - push * (1.0 - r)) / r, 0.0, 1.0)


class DailyMap:
    """A resident attribute that every day moves by the same affine map for all residents of a locality,
    kept lazily: value = base x scale + anchor x pull + shift, with three numbers updated each day instead
    of a pass over every resident. Passes happen only where whole arrays are read (`settle`); single
    residents are read through `at`. On a million residents the daily passes were a quarter of a run.

    The values equal the day-by-day update up to floating-point rounding (the same maps, composed in
    another order): a difference of the order of 1e-16, far below anything a draw can tell.
    """

    __slots__ = ("anchor", "base", "pull", "scale", "shift")

    #: Settle before `scale` shrinks further: base x scale stays well within float64's range and precision.
    MIN_SCALE = 1e-3

    def __init__(self, base: np.ndarray, anchor: np.ndarray | None = None) -> None:
        self.base = base
        self.anchor = anchor
        self.scale, self.pull, self.shift = 1.0, 0.0, 0.0

    def move(self, scale: float, shift: float, pull: float = 0.0) -> None:
        """Today's map for every resident: value' = value x scale + anchor x pull + shift."""
        if pull and self.anchor is None:
            raise ValueError("DailyMap.move: a pull needs an anchor to pull towards")
        self.scale *= scale
        self.pull = self.pull * scale + pull
        self.shift = self.shift * scale + shift
        if abs(self.scale) < self.MIN_SCALE:
            self.settle()

    def at(self, residents: np.ndarray) -> np.ndarray:
        """The values of these residents (indices), without a pass over the others."""
        values = self.base[residents] * self.scale
        if self.anchor is not None and self.pull:
            values += self.anchor[residents] * self.pull
        values += self.shift
        return values

    def settle(self) -> np.ndarray:
        """Apply the maps kept so far to every resident; returns the values (the array itself: in-place
        changes to it stand)."""
        if self.scale != 1.0 or self.pull or self.shift:
            base = self.base
            base *= self.scale
            if self.anchor is not None and self.pull:
                base += self.anchor * self.pull
            base += self.shift
            self.scale, self.pull, self.shift = 1.0, 0.0, 0.0
        return self.base


class ResidentStatus(IntEnum):
    FREE = 0
    RECRUITED = 1  # joined an organisation as a member
    VICTIM = 2  # trafficked, being exploited
    PROTECTED = 3  # identified and in a shelter / witness protection
    DEPARTED = 4  # smuggled out as a consenting migrant


# Plain ints for array comparisons (an IntEnum member costs an enum lookup each time it is read).
FREE, RECRUITED, VICTIM, PROTECTED, DEPARTED = (int(s) for s in ResidentStatus)


class Community(mesa.Agent):
    """The residents of one locality: vulnerability, awareness, trust and status, one entry per resident.

    Levers: `policy.prevention` lowers vulnerability over time; `policy.community_engagement` raises
    awareness, trust and the tip rate; `policy.victim_protection` shelters identified victims.
    """

    def __init__(self, model: mesa.Model, index: int, node: str, country: str, size: int) -> None:
        super().__init__(model)
        sim: Sim = model  # type: ignore[assignment]
        self.sim = sim
        c = sim.params.community
        rng = sim.stream("build.community", index)
        self.draws = sim.stream("community.tips", index)  # and a stream per other kind of draw:
        self.trafficking_draws = sim.stream("community.trafficking", index)
        self.recruit_draws = sim.stream("community.recruitment", index)
        self.care_draws = sim.stream("community.identification", index)
        self.node = node
        self.country = country
        self.size = size
        self.vulnerability = _beta_with_mean(rng, c.vulnerability_mean, size)
        self._awareness = DailyMap(_beta_with_mean(rng, c.awareness_mean, size))
        trust = _beta_with_mean(rng, c.trust_mean, size)
        self._trust_anchor = trust_anchor(sim.params, trust)
        self._trust = DailyMap(trust, self._trust_anchor)
        self._anchor_mean = float(self._trust_anchor.mean()) if size else 0.0
        self.mean_trust = float(trust.mean()) if size else 0.0  # kept with each daily update
        self.status = np.zeros(size, dtype=np.int8)
        self.trafficked_by = np.full(size, -1, dtype=np.int32)  # organisation that last trafficked each resident
        self.handled_by = np.full(size, -1, dtype=np.int64)  # member who controlled them then (a lieutenant)
        self.times_trafficked = np.zeros(size, dtype=np.int16)
        self.protected_until = np.zeros(size, dtype=np.float32)
        self.exploited_until = np.zeros(size, dtype=np.float32)
        # What residents will have seen: (time, org id, member id) of smugglers passing through.
        self.sightings: list[tuple[float, int, int]] = []  # a heap by time (`sighted` adds)
        # Trafficking weights of residents and their running sum, kept while statuses and attitudes stand.
        self._weights: np.ndarray | None = None
        self._stale = 0.0  # weight in the running sums of residents taken since they were built
        self.victims_count = 0  # residents being exploited now (kept as statuses change)
        self.protected_count = 0  # residents in a shelter now
        self._next_release = np.inf  # earliest end of a shelter stay or of exploitation
        self._cdf: np.ndarray | None = None
        self._candidates = 0
        # What residents noticed since yesterday, by what: enforcement, corruption, support (victim support).
        self.seen = dict.fromkeys(SEEN, 0.0)

    # ------------------------------------------------------------------ daily update (vectorized)
    def daily_update(self, corrupt_share: float) -> None:
        """Prevention lowers vulnerability; engagement builds awareness; trust follows what people see.

        Trust is pushed up by enforcement and victim support seen and by engagement, pulled down by corruption
        seen and the corrupt share of the country's officers, and reverts to each resident's anchor
        (`trust_anchor`): a mean-reverting level set by experience, stationary while experience is.

        Levers: `policy.prevention` (`policy.vulnerability_decline`), `policy.community_engagement`
        (`policy.awareness_gain`, `policy.engagement_trust_push`).
        """
        if self.size == 0:
            self._clear_seen()
            return
        p = self.sim.params
        c = p.community
        decline, gain = policy.vulnerability_decline(p), policy.awareness_gain(p)
        if decline > 0 or gain > 0:
            self._changed()
        if decline > 0:
            excess = (self.vulnerability - c.vulnerability_floor).clip(0)
            self.vulnerability -= decline * excess
        if gain > 0:  # awareness += gain (1 - awareness)
            self._awareness.move(1.0 - gain, gain)
        per_capita = c.reference_population / self.size
        cap = c.seen_cap
        push = (
            c.trust_gain_enforcement * min(self.seen["enforcement"] * per_capita, cap)
            + c.trust_gain_victim_support * min(self.seen["support"] * per_capita, cap)
            + policy.engagement_trust_push(p)
        )
        pull = c.trust_loss_corruption * (min(self.seen["corruption"] * per_capita, cap) + corrupt_share)
        # trust += push (1 - trust) - pull trust, then reverts towards its anchor:
        # trust' = (trust (1 - push - pull) + push) (1 - r) + r anchor
        r = c.trust_reversion
        keep, add = (1.0 - push - pull) * (1.0 - r), push * (1.0 - r)
        self._trust.move(keep, add, r)
        if keep < 0.0 or push + pull > 1.0:  # only then can trust leave [0, 1] (all terms are >= 0)
            trust = self._trust.settle()
            np.minimum(trust, 1.0, out=trust)
            np.maximum(trust, 0.0, out=trust)
            self.mean_trust = float(trust.mean())
        else:  # the same affine map moves the mean: no pass over the residents needed
            self.mean_trust = self.mean_trust * keep + r * self._anchor_mean + add
        self._release(self.sim.env.now)
        self._clear_seen()

    @property
    def trust(self) -> np.ndarray:
        """Each resident's trust in the authorities, in [0, 1] (a pass over the residents: hot paths read
        single residents through `_trust.at`)."""
        return self._trust.settle()

    @property
    def awareness(self) -> np.ndarray:
        """Each resident's awareness of trafficking risks, in [0, 1] (see `trust`)."""
        return self._awareness.settle()

    def notice(self, what: str, amount: float = 1.0) -> None:
        """Residents notice enforcement, corruption or victim support (`SEEN`); trust reacts tomorrow."""
        self.seen[what] += amount

    def _clear_seen(self) -> None:
        for key in self.seen:
            self.seen[key] = 0.0

    def _release(self, now: float) -> None:
        """Shelter stays and exploitation end: residents return home, exploited ones more vulnerable."""
        if now < self._next_release:  # nobody's shelter stay or exploitation ends yet
            return
        ended = (self.status == PROTECTED) & (self.protected_until <= now)
        c = self.sim.params.community
        if ended.any():
            self._changed()
            self.protected_count -= int(np.count_nonzero(ended))
            self.status[ended] = FREE
            self.vulnerability[ended] *= c.shelter_recovery_factor  # recovery support lowers vulnerability
        escaped = (self.status == VICTIM) & (self.exploited_until <= now)
        if escaped.any():
            self._changed()
            self.victims_count -= int(np.count_nonzero(escaped))
            self.status[escaped] = FREE
            self.vulnerability[escaped] = np.minimum(1.0, self.vulnerability[escaped]
                                                     + c.exploitation_vulnerability_gain)
        self._next_release = min(
            float(self.protected_until[self.status == PROTECTED].min(initial=np.inf)),
            float(self.exploited_until[self.status == VICTIM].min(initial=np.inf)))

    # ------------------------------------------------------------------ tips
    def sighted(self, when: float, org_id: int, member_id: int) -> None:
        """Residents will see this smuggler pass at time `when` (a shipment registers its towns ahead)."""
        heapq.heappush(self.sightings, (when, org_id, member_id))

    def tips(self, now: float) -> list[tuple[int, int]]:
        """Sightings before `now` that residents report, as (org id, member id).

        Each sighting has Poisson(observers) witnesses drawn at random among residents; one of them
        reports with probability tip_base x (trust floor + trust) x (awareness floor + awareness) x the tip
        line (`policy.tip_line`). All sightings of the day are drawn at once (vectorized).
        """
        pending = self.sightings
        due = []
        while pending and pending[0][0] < now:
            due.append(heapq.heappop(pending))
        if not due or self.size == 0:
            return []
        p = self.sim.params
        c = p.community
        rng = self.draws
        witnesses = rng.poisson(c.observers_per_event * min(1.0, self.size / c.reference_population),
                                len(due)).tolist()
        total = sum(witnesses)
        if total == 0:
            return []
        who = rng.integers(0, self.size, total)
        prob = (c.tip_base * (c.tip_trust_floor + self._trust.at(who))
                * (c.tip_awareness_floor + self._awareness.at(who)) * policy.tip_line(p))
        told = (rng.random(total) < prob).tolist()
        # A day has a few sightings with a few witnesses each: plain Python beats numpy's per-call cost here.
        reported, first = [], 0
        for sighting, count in zip(due, witnesses, strict=True):
            if True in told[first:first + count]:
                reported.append(sighting[1:])
            first += count
        return reported

    # ------------------------------------------------------------------ recruitment and trafficking
    def _draw_one(self, weights: np.ndarray) -> int | None:
        """One resident drawn with probability proportional to `weights` (None if all weigh 0).

        The same arithmetic and the same single uniform as numpy's `choice(size, 1, replace=False, p=w/total)`
        (normalised cumulative sum, then a right-sided search), so the draws match it exactly, without its
        validation passes over the array, which cost several times the draw itself.
        """
        total = weights.sum()
        if total <= 0:
            return None
        cdf = np.cumsum(weights / total)
        cdf /= cdf[-1]
        return int(cdf.searchsorted(self.recruit_draws.random((1,)), side="right")[0])

    def _approach(self, n: int) -> np.ndarray:
        """n distinct free residents drawn with the trafficking weights (see `traffic`), without replacement.

        The cumulative weights are kept between calls and rebuilt only after attitudes move or residents
        become free again (daily update, identification, release): a people shipment then costs a binary
        search, not a pass over every resident. Residents taken since (trafficked, recruited) keep their
        old weight in the sums but are passed over when drawn, which samples exactly the remaining free
        residents by their weights; the sums are rebuilt once such stale weight is half of the total.
        Draws repeat the weighted pick until n distinct residents are found, which is how numpy's
        `choice(replace=False, p=...)` samples too.
        """
        if self._weights is None:
            p = self.sim.params
            c = p.community
            weights = np.where(self.status == FREE,
                               self.vulnerability**2 * (1.0 - c.victim_selection_awareness_weight * self.awareness),
                               0.0)
            weights *= np.where(self.times_trafficked > 0, p.victims.reexploitation_weight, 1.0)
            self._weights, self._cdf = weights, None
        if self._cdf is None:
            self._cdf = np.cumsum(self._weights)
            self._candidates = int(np.count_nonzero(self._weights))
            self._stale = 0.0
        cdf = self._cdf
        total = float(cdf[-1]) if cdf.size else 0.0
        n = min(n, self._candidates)
        if n <= 0 or total <= self._stale:
            return np.empty(0, dtype=np.int64)
        picked: list[int] = []
        status = self.status
        while len(picked) < n:
            for i in np.searchsorted(cdf, self.trafficking_draws.random(n - len(picked)) * total, side="right"):
                i = min(int(i), self.size - 1)
                if status[i] == FREE and i not in picked:
                    picked.append(i)
        return np.array(picked, dtype=np.int64)

    def _changed(self) -> None:
        """Residents became free again, or vulnerability or awareness moved: recompute the weights."""
        self._weights = self._cdf = None

    def _taken(self, residents: np.ndarray) -> None:
        """These residents are no longer free: they drop out of the trafficking weights (see `_approach`)."""
        if self._weights is None or not residents.size:
            return
        weights = self._weights[residents]
        self._weights[residents] = 0.0
        if self._cdf is not None:
            self._candidates -= int(np.count_nonzero(weights))
            self._stale += float(weights.sum())
            if self._stale > 0.5 * float(self._cdf[-1]):
                self._cdf = None

    def recruit(self) -> int | None:
        """One vulnerable free resident joins an organisation, or None when nobody is vulnerable enough."""
        if self.size == 0:
            return None
        c = self.sim.params.community
        eligible = (self.status == FREE) & (self.vulnerability > c.recruit_threshold)
        weights = np.where(eligible, self.vulnerability * (1.0 - self.awareness), 0.0)
        idx = self._draw_one(weights)
        if idx is None:
            return None
        if self.recruit_draws.random() >= self.vulnerability[idx] * (
                1.0 - c.acceptance_awareness_weight * self.awareness[idx]):
            return None  # approached, but said no
        self.status[idx] = RECRUITED
        self._taken(np.array([idx]))
        return idx

    def traffic(self, n: int, victim_share: float, exploitation_days: float,
                org_id: int = -1, handler: int = -1) -> tuple[int, np.ndarray, int]:
        """Approach n persons for a people shipment of organisation `org_id`, whose victims are controlled by
        the member `handler` (the courier's lieutenant); returns (how many went, the victims' indices among
        them, how many of those were re-exploited). Victims remember who trafficked them (`trafficked_by`)
        and who controlled them (`handled_by`): once identified they can point investigators to that
        organisation and testify against that man.

        Each approached resident goes along with probability vulnerability x (1 - w x awareness), w =
        `community.acceptance_awareness_weight`, so
        prevention and awareness shrink the supply of people to move.

        Victims are drawn by vulnerability and unawareness; residents trafficked before are likelier to
        be taken again (`victims.reexploitation_weight`); a shelter stay lowers vulnerability on release.
        """
        c = self.sim.params.community
        picked = self._approach(n)
        # Each approached person goes along only if need outweighs caution: prevention works here.
        goes = self.trafficking_draws.random(picked.size) < self.vulnerability[picked] * (
            1.0 - c.acceptance_awareness_weight * self._awareness.at(picked))
        picked = picked[goes]
        is_victim = self.trafficking_draws.random(picked.size) < victim_share
        victims = picked[is_victim]
        self.status[picked[~is_victim]] = DEPARTED
        self.status[victims] = VICTIM
        self.trafficked_by[victims] = org_id
        self.handled_by[victims] = handler
        self.victims_count += int(victims.size)
        self.exploited_until[victims] = self.sim.env.now + exploitation_days
        if victims.size:
            self._next_release = min(self._next_release, self.sim.env.now + exploitation_days)
        again = int(np.count_nonzero(self.times_trafficked[victims] > 0))
        self.times_trafficked[victims] += 1
        self._taken(picked)
        return int(picked.size), victims, again

    def current_victims(self, n: int) -> np.ndarray:
        """Up to n residents being exploited now, at random (for identification through tips)."""
        victims = np.flatnonzero(self.status == VICTIM)
        if victims.size <= n:
            return victims
        return self.care_draws.choice(victims, size=n, replace=False)

    def identify(self, victims: np.ndarray, shelter_room: int) -> tuple[np.ndarray, np.ndarray]:
        """Identify these residents as victims; refer them, and shelter as many as there is room for.

        Returns (identified, sheltered) resident indices. Referral grows with `policy.victim_protection`
        (`policy.referral_prob`); unsheltered victims go home, still vulnerable to re-trafficking.
        """
        p = self.sim.params
        chosen = victims[self.status[victims] == VICTIM]
        if chosen.size == 0:
            return chosen, chosen
        self.victims_count -= int(chosen.size)
        referred = chosen[self.care_draws.random(chosen.size) < policy.referral_prob(p)]
        sheltered = referred[: max(0, shelter_room)]
        self.status[sheltered] = PROTECTED
        self.protected_until[sheltered] = self.sim.env.now + p.victims.protection_days
        self.protected_count += int(sheltered.size)
        if sheltered.size:
            self._next_release = min(self._next_release, self.sim.env.now + p.victims.protection_days)
        home = np.setdiff1d(chosen, sheltered, assume_unique=True)
        self.status[home] = FREE
        self._changed()
        self.notice("support", float(sheltered.size))
        return chosen, sheltered

    # ------------------------------------------------------------------ read-outs
    def counts(self) -> dict[str, int]:
        """Residents by status, counted from the arrays (the kept counts must agree; tests check)."""
        return {s.name.lower(): int(np.count_nonzero(self.status == s)) for s in ResidentStatus}
