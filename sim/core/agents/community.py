"""Residents of one locality, held as arrays inside one Mesa agent.

Each resident is an index into the arrays; the daily update is vectorized (no per-resident loop), which
is what lets a corridor hold a million residents.
"""

from __future__ import annotations

from enum import IntEnum
from typing import TYPE_CHECKING

import mesa
import numpy as np

from sim.core.policy import tip_line

if TYPE_CHECKING:
    from sim.core.model import CorridorModel


def _beta_with_mean(rng: np.random.Generator, mean: float, size: int) -> np.ndarray:
    """Beta(2, b) draws with the given mean (b kept positive, so means of 0 and 1 work too)."""
    mean = min(max(mean, 1e-3), 1.0 - 1e-3)
    return np.clip(rng.beta(2.0, 2.0 * (1.0 - mean) / mean, size), 0.0, 1.0)


class ResidentStatus(IntEnum):
    FREE = 0
    RECRUITED = 1  # joined an organisation as a member
    VICTIM = 2  # trafficked, being exploited
    PROTECTED = 3  # identified and in a shelter / witness protection
    DEPARTED = 4  # smuggled out as a consenting migrant


class Community(mesa.Agent):
    """The residents of one locality: vulnerability, awareness, trust and status, one entry per resident.

    Levers: `policy.prevention` lowers vulnerability over time; `policy.community_engagement` raises
    awareness, trust and the tip rate; `policy.victim_protection` shelters identified victims.
    """

    def __init__(self, model: CorridorModel, node: str, country: str, size: int) -> None:
        super().__init__(model)
        c = model.cfg.community
        rng = model.rng
        self.node = node
        self.country = country
        self.size = size
        self.vulnerability = _beta_with_mean(rng, c.vulnerability_mean, size)
        self.awareness = _beta_with_mean(rng, c.awareness_mean, size)
        self._trust_baseline = _beta_with_mean(rng, c.trust_mean, size)
        self.trust = self._trust_baseline.copy()
        self.status = np.zeros(size, dtype=np.int8)
        self.times_trafficked = np.zeros(size, dtype=np.int16)
        self.protected_until = np.zeros(size, dtype=np.float32)
        self.exploited_until = np.zeros(size, dtype=np.float32)
        # What residents saw since yesterday: (org id, member id) of passing or operating smugglers.
        self.sightings: list[tuple[int, int]] = []
        self.enforcement_seen = 0.0
        self.corruption_seen = 0.0
        self.support_seen = 0.0

    # ------------------------------------------------------------------ daily update (vectorized)
    def daily_update(self, corrupt_share: float) -> None:
        """Prevention lowers vulnerability; engagement builds awareness; trust follows what people see."""
        if self.size == 0:
            self._clear_seen()
            return
        m = self.model
        c = m.cfg.community
        p = m.cfg.policy
        if p.prevention > 0:
            excess = (self.vulnerability - c.vulnerability_floor).clip(0)
            self.vulnerability -= c.prevention_rate * p.prevention * excess
        if p.community_engagement > 0:
            self.awareness += c.awareness_gain_engagement * p.community_engagement * (1.0 - self.awareness)
        per_capita = 5000.0 / self.size
        push = (
            c.trust_gain_enforcement * min(self.enforcement_seen * per_capita, 5.0)
            + c.trust_gain_victim_support * min(self.support_seen * per_capita, 5.0)
            + c.trust_gain_engagement * p.community_engagement
        )
        pull = c.trust_loss_corruption * (min(self.corruption_seen * per_capita, 5.0) + corrupt_share)
        self.trust += push * (1.0 - self.trust) - pull * self.trust
        self.trust += c.trust_reversion * (self._trust_baseline - self.trust)
        np.clip(self.trust, 0.0, 1.0, out=self.trust)
        self._release(m.env.now)
        self._clear_seen()

    def _clear_seen(self) -> None:
        self.enforcement_seen = self.corruption_seen = self.support_seen = 0.0

    def _release(self, now: float) -> None:
        """Shelter stays and exploitation end: residents return home, exploited ones more vulnerable."""
        ended = (self.status == ResidentStatus.PROTECTED) & (self.protected_until <= now)
        if ended.any():
            self.status[ended] = ResidentStatus.FREE
            self.vulnerability[ended] *= 0.7  # recovery support lowers vulnerability
        escaped = (self.status == ResidentStatus.VICTIM) & (self.exploited_until <= now)
        if escaped.any():
            self.status[escaped] = ResidentStatus.FREE
            self.vulnerability[escaped] = np.minimum(1.0, self.vulnerability[escaped] + 0.2)

    # ------------------------------------------------------------------ tips
    def tips(self) -> list[tuple[int, int]]:
        """Sightings that residents report: probability grows with trust, awareness and the tip line."""
        if not self.sightings or self.size == 0:
            self.sightings.clear()
            return []
        m = self.model
        c = m.cfg.community
        rng = m.rng
        line = tip_line(m.cfg)
        reported = []
        n_obs = rng.poisson(c.observers_per_event * min(1.0, self.size / 5000.0), len(self.sightings))
        for (org_id, member_id), k in zip(self.sightings, n_obs, strict=True):
            if k == 0:
                continue
            who = rng.integers(0, self.size, k)
            prob = c.tip_base * (0.2 + self.trust[who]) * (0.5 + self.awareness[who]) * line
            if (rng.random(k) < prob).any():
                reported.append((org_id, member_id))
        self.sightings.clear()
        return reported

    # ------------------------------------------------------------------ recruitment and trafficking
    def _draw(self, n: int, weights: np.ndarray) -> np.ndarray:
        total = weights.sum()
        if n <= 0 or total <= 0:
            return np.empty(0, dtype=np.int64)
        nonzero = int(np.count_nonzero(weights))
        n = min(n, nonzero)
        return self.model.rng.choice(self.size, size=n, replace=False, p=weights / total)

    def recruit(self) -> int | None:
        """One vulnerable free resident joins an organisation, or None when nobody is vulnerable enough."""
        if self.size == 0:
            return None
        c = self.model.cfg.community
        eligible = (self.status == ResidentStatus.FREE) & (self.vulnerability > c.recruit_threshold)
        weights = np.where(eligible, self.vulnerability * (1.0 - self.awareness), 0.0)
        picked = self._draw(1, weights)
        if picked.size == 0:
            return None
        idx = int(picked[0])
        if self.model.rng.random() >= self.vulnerability[idx] * (1.0 - 0.5 * self.awareness[idx]):
            return None  # approached, but said no
        self.status[idx] = ResidentStatus.RECRUITED
        return idx

    def traffic(self, n: int, victim_share: float, exploitation_days: float) -> tuple[int, np.ndarray, int]:
        """Approach n persons for a people shipment; returns (how many went, the victims' indices among
        them, how many of those were re-exploited).

        Each approached resident goes along with probability vulnerability x (1 - awareness / 2), so
        prevention and awareness shrink the supply of people to move.

        Victims are drawn by vulnerability and unawareness; residents trafficked before are likelier to
        be taken again (`victims.reexploitation_weight`); a shelter stay lowers vulnerability on release.
        """
        m = self.model
        free = self.status == ResidentStatus.FREE
        weights = np.where(free, self.vulnerability**2 * (1.0 - 0.8 * self.awareness), 0.0)
        weights *= np.where(self.times_trafficked > 0, m.cfg.victims.reexploitation_weight, 1.0)
        picked = self._draw(n, weights)
        # Each approached person goes along only if need outweighs caution: prevention works here.
        goes = m.rng.random(picked.size) < self.vulnerability[picked] * (1.0 - 0.5 * self.awareness[picked])
        picked = picked[goes]
        is_victim = m.rng.random(picked.size) < victim_share
        victims = picked[is_victim]
        self.status[picked[~is_victim]] = ResidentStatus.DEPARTED
        self.status[victims] = ResidentStatus.VICTIM
        self.exploited_until[victims] = m.env.now + exploitation_days
        again = int(np.count_nonzero(self.times_trafficked[victims] > 0))
        self.times_trafficked[victims] += 1
        return int(picked.size), victims, again

    def current_victims(self, n: int) -> np.ndarray:
        """Up to n residents being exploited now, at random (for identification through tips)."""
        victims = np.flatnonzero(self.status == ResidentStatus.VICTIM)
        if victims.size <= n:
            return victims
        return self.model.rng.choice(victims, size=n, replace=False)

    def identify(self, victims: np.ndarray, shelter_room: int) -> tuple[int, int]:
        """Identify these residents as victims; refer them, and shelter as many as there is room for.

        Returns (identified, protected). Referral grows with `policy.victim_protection`; unsheltered
        victims go home, still vulnerable to re-trafficking.
        """
        m = self.model
        chosen = victims[self.status[victims] == ResidentStatus.VICTIM]
        if chosen.size == 0:
            return 0, 0
        referral = 0.3 + 0.7 * m.cfg.policy.victim_protection
        referred = chosen[m.rng.random(chosen.size) < referral]
        sheltered = referred[: max(0, shelter_room)]
        self.status[sheltered] = ResidentStatus.PROTECTED
        self.protected_until[sheltered] = m.env.now + m.cfg.victims.protection_days
        home = np.setdiff1d(chosen, sheltered, assume_unique=True)
        self.status[home] = ResidentStatus.FREE
        self.support_seen += sheltered.size
        return int(chosen.size), int(sheltered.size)

    # ------------------------------------------------------------------ read-outs
    @property
    def protected_count(self) -> int:
        return int(np.count_nonzero(self.status == ResidentStatus.PROTECTED))

    @property
    def victims_count(self) -> int:
        return int(np.count_nonzero(self.status == ResidentStatus.VICTIM))
