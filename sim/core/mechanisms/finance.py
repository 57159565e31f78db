"""Money: laundering of proceeds, financial intelligence, financial investigations and asset freezing.

Proceeds of delivered loads arrive as unlaundered money (`org.dirty`). Each day a tranche passes through a
launderer; what comes out clean tops up the organisation's working cash (`finance.working_capital`), and
the rest is held as laundered wealth (property, accounts, businesses) that stays within investigators'
reach for a while (`finance.holdings_life_days`) before it is spent or moved beyond it. The organisation
draws on that wealth when its cash runs short.

Two ways to freeze: a suspicious transaction flagged while a tranche is laundered (`policy.financial_controls`
sets how often), and a financial investigation after an arrest, which takes months, succeeds as the
controls and the arrested person's knowledge of the money allow (a launderer or leader knows it, a
courier little), and freezes what the thread leads to: through a launderer, the wealth that passed through
them; through a member, the organisation's bulk cash and the part of its wealth and cash they know of.
Calibration: docs/ODD.md 7.9.
"""

from __future__ import annotations

import math
from collections.abc import Generator
from typing import TYPE_CHECKING, Any

import numpy as np
import simpy

from sim.core import policy
from sim.core.agents.facilitator import Facilitator, FacilitatorKind
from sim.core.agents.organisation import Member, Role

if TYPE_CHECKING:
    from sim.core.context import Hiring, Leads, Sim
    from sim.core.mechanisms.market import FacilitatorMarket

#: Key of wealth an organisation laundered itself, without a professional launderer.
OWN = -1
class Finance:
    """Laundering and the financial controls that watch it; financial investigations after arrests.

    Levers: `policy.financial_controls` (detection of laundering, `policy.laundering_detection`; success of
    investigations, `policy.asset_tracing_success`); `policy.targeting=financial` puts a financial
    investigation behind every arrest (`policy.financial_investigation_share`). Results: `held` (laundered
    wealth within reach, by organisation and launderer); `opened`, `succeeded` and `durations` of the
    financial investigations opened from day 0 (not in the warm-up).
    """

    def __init__(self, sim: Sim, market: FacilitatorMarket) -> None:
        self.sim = sim
        self.market = market
        self.hiring: Hiring = market
        self.leads: Leads | None = None
        self.organisations: dict[int, Any] = {}
        self.held: dict[int, dict[int, float]] = {}  # org id -> launderer id (OWN: itself) -> M within reach
        self._draws: dict[int, np.random.Generator] = {}
        self.opened = 0
        self.succeeded = 0
        self.durations: list[float] = []

    def connect(self, organisations: list[Any], leads: Leads) -> None:
        self.organisations = {o.unique_id: o for o in organisations}
        self.leads = leads

    # ------------------------------------------------------------------ read-outs
    def wealth(self, org_id: int) -> float:
        """Laundered wealth an organisation holds within investigators' reach (M)."""
        return sum(self.held.get(org_id, {}).values())

    def total_wealth(self) -> float:
        return sum(sum(h.values()) for h in self.held.values())

    # ------------------------------------------------------------------ laundering
    def launder(self, org: Any) -> None:
        """The day's money: wealth ages, a tranche of dirty money is laundered, cash is topped up.

        A tranche of `finance.tranche_share` of dirty money (at least `min_tranche`) a day; without a
        professional launderer it costs more and is seen more easily. A flagged transaction is held: the
        share `finance.freeze_share` of the tranche still in the account is frozen, and the financial
        intelligence unit gets a lead on the launderer (or the leader).
        """
        f = self.sim.params.finance
        held = self.held.setdefault(org.unique_id, {})
        if held:
            keep = math.exp(-1.0 / f.holdings_life_days)  # spent, or moved beyond reach
            for key in held:
                held[key] *= keep
        if org.dirty > 0:
            self._tranche(org, held)
        self._draw_on_wealth(org, held)

    def _tranche(self, org: Any, held: dict[int, float]) -> None:
        p = self.sim.params
        f = p.finance
        tranche = min(org.dirty, max(f.min_tranche, f.tranche_share * org.dirty))
        launderer = self.hiring.hire(org, "launderer", org.country)
        fee = f.launder_fee * (1.0 if launderer is not None else f.no_launderer_fee_factor)
        detect = policy.laundering_detection(p, professional=launderer is not None)
        org.dirty -= tranche
        actor = launderer.unique_id if launderer is not None else OWN
        self.sim.record("laundering", org=org.unique_id, actor=actor, value=tranche)
        frozen = 0.0
        if self._rng(org).random() < detect:
            frozen = f.freeze_share * tranche
            self.sim.record("asset_freeze", org=org.unique_id, actor=actor, value=frozen, detail="transaction")
            if self.leads is not None:
                self.leads.open(launderer if launderer is not None else org.leader(), "financial", org.country)
        passed = tranche - frozen
        if passed > 0:
            self.sim.record("expense", org=org.unique_id, actor=actor, value=passed * fee, detail="laundering")
        clean = passed * (1.0 - fee)
        to_cash = 0.0 if org.dissolved else min(clean, max(0.0, f.working_capital - org.cash))
        org.cash += to_cash
        if clean > to_cash:
            held[actor] = held.get(actor, 0.0) + clean - to_cash

    def _draw_on_wealth(self, org: Any, held: dict[int, float]) -> None:
        """Cash short of the working capital is topped up from wealth, evenly from every holding (a dissolved
        organisation keeps no working cash: its cash becomes its members' wealth)."""
        if org.dissolved:
            if org.cash > 0:
                held[OWN] = held.get(OWN, 0.0) + org.cash
                org.cash = 0.0
            return
        gap = self.sim.params.finance.working_capital - org.cash
        total = sum(held.values())
        if gap <= 0 or total <= 0:
            return
        take = min(gap, total)
        left = 1.0 - take / total
        for key in held:
            held[key] *= left
        org.cash += take

    def _rng(self, org: Any) -> np.random.Generator:
        """Each organisation's own detection draws, so one organisation's laundering leaves others' alone."""
        rng = self._draws.get(org.unique_id)
        if rng is None:
            rng = self._draws[org.unique_id] = self.sim.stream("finance.detection", org.unique_id)
        return rng

    # ------------------------------------------------------------------ financial investigations
    def knowledge(self, person: Member | Facilitator) -> float:
        """How much an arrested person knows of the money (`finance.knowledge_*`): 0 for facilitators other
        than launderers."""
        f = self.sim.params.finance
        if isinstance(person, Facilitator):
            return f.knowledge_launderer if person.kind is FacilitatorKind.LAUNDERER else 0.0
        if person.role is Role.LEADER:
            return f.knowledge_leader
        if person.role is Role.LIEUTENANT:
            return f.knowledge_lieutenant
        return f.knowledge_street

    def trace_assets(self, person: Member | Facilitator) -> None:
        """An arrest may be followed by a financial investigation (`policy.financial_investigation_share`:
        every arrest under `policy.targeting=financial`), which runs as a simpy process."""
        knowledge = self.knowledge(person)
        if knowledge <= 0.0:
            return
        day = math.floor(self.sim.env.now)
        rng = self.sim.stream("finance.investigation", person.unique_id, day, keep=False)
        if rng.random() >= policy.financial_investigation_share(self.sim.params):
            return
        measured = self.sim.env.now >= 0
        self.opened += measured
        self.sim.env.process(self._investigate(person, knowledge, rng, measured))

    def _investigate(self, person: Member | Facilitator, knowledge: float, rng: np.random.Generator,
                     measured: bool) -> Generator[simpy.Event, Any, None]:
        """Months of bank and registry requests (`finance.investigation_days`, exponential); then a thread
        to the money is found with chance `policy.asset_tracing_success` x knowledge, and whatever the
        thread leads to is frozen as it stands then (wealth may have moved meanwhile)."""
        env = self.sim.env
        start = env.now
        yield env.timeout(float(rng.exponential(self.sim.params.finance.investigation_days)))
        if measured:
            self.durations.append(env.now - start)
        if rng.random() >= policy.asset_tracing_success(self.sim.params) * knowledge:
            return
        self.succeeded += measured
        for org, actor, amount in self._freeze_trail(person, knowledge):
            if amount > 0:
                self.sim.record("asset_freeze", org=org, actor=actor, target=person.unique_id, value=amount,
                                detail="investigation")

    def _freeze_trail(self, person: Member | Facilitator, knowledge: float) -> list[tuple[int, int, float]]:
        """Take what the person leads to out of the organisations' hands: (org id, launderer id or OWN, M).

        A launderer: all the wealth that passed through them, of every client. A member: the organisation's
        dirty money (the bulk cash), and the part of its wealth and working cash they know of (knowledge x
        each holding and x cash: a leader leads to all of it, a courier to little).
        """
        out: list[tuple[int, int, float]] = []
        if isinstance(person, Facilitator):
            for org_id in sorted(person.clients):
                out.append((org_id, person.unique_id, self.held.get(org_id, {}).pop(person.unique_id, 0.0)))
            return out
        org = person.org
        held = self.held.get(org.unique_id, {})
        for key in sorted(held):
            amount = knowledge * held[key]
            held[key] -= amount
            out.append((org.unique_id, key, amount))
        cash = knowledge * max(0.0, org.cash)
        dirty = max(0.0, org.dirty)
        org.cash -= cash
        org.dirty = 0.0
        out.append((org.unique_id, OWN, cash + dirty))
        return out
