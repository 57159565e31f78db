"""Money: laundering of proceeds, financial intelligence, asset freezing."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sim.core import policy
from sim.core.agents.facilitator import Facilitator, FacilitatorKind

if TYPE_CHECKING:
    from sim.core.context import Hiring, Leads, Sim
    from sim.core.mechanisms.market import FacilitatorMarket


class Finance:
    """Laundering and the financial controls that watch it.

    Levers: `policy.financial_controls` (`policy.laundering_detection`); `policy.targeting=financial`
    adds asset tracing after arrests (`trace_assets`).
    """

    def __init__(self, sim: Sim, market: FacilitatorMarket) -> None:
        self.sim = sim
        self.market = market
        self.hiring: Hiring = market
        self.rng = sim.stream("finance")
        self.leads: Leads | None = None
        self.organisations: dict[int, Any] = {}

    def connect(self, organisations: list[Any], leads: Leads) -> None:
        self.organisations = {o.unique_id: o for o in organisations}
        self.leads = leads

    def launder(self, org: Any) -> None:
        """Turn part of the proceeds into usable cash through a launderer; controls may freeze it.

        A tranche of `finance.tranche_share` of dirty money (at least `min_tranche`) a day; without a
        professional launderer it costs more and is seen more easily. A detected transaction is partly
        frozen, with a share of the cash on hand, and gives the financial intelligence unit a lead on the
        launderer (or the leader).
        """
        if org.dirty <= 0:
            return
        p = self.sim.params
        f = p.finance
        tranche = min(org.dirty, max(f.min_tranche, f.tranche_share * org.dirty))
        launderer = self.hiring.hire(org, "launderer", org.country)
        fee = f.launder_fee * (1.0 if launderer is not None else f.no_launderer_fee_factor)
        detect = policy.laundering_detection(p, professional=launderer is not None)
        org.dirty -= tranche
        actor = launderer.unique_id if launderer else -1
        self.sim.record("laundering", org=org.unique_id, actor=actor, value=tranche)
        if self.rng.random() < detect:
            frozen_tranche = f.freeze_share * tranche
            frozen_cash = f.freeze_share * f.freeze_cash_share * max(0.0, org.cash)
            org.cash += (tranche - frozen_tranche) * (1.0 - fee) - frozen_cash
            self.sim.record("asset_freeze", org=org.unique_id, actor=actor, value=frozen_tranche + frozen_cash)
            if self.leads is not None:
                self.leads.open(launderer if launderer is not None else org.leader(), "financial", org.country)
        else:
            org.cash += tranche * (1.0 - fee)

    def trace_assets(self, person: Any) -> None:
        """Under `policy.targeting=financial`, an arrest is followed by tracing and freezing assets.

        A member's organisation loses `finance.arrest_freeze_share` of its cash and unlaundered money; a
        launderer's arrest freezes that share of the unlaundered money of every client.
        """
        if not policy.traces_assets(self.sim.params):
            return
        share = self.sim.params.finance.arrest_freeze_share
        member = not isinstance(person, Facilitator)
        if member:
            orgs = [person.org]
        elif person.kind is FacilitatorKind.LAUNDERER:
            orgs = [self.organisations[i] for i in sorted(person.clients) if i in self.organisations]
        else:
            return
        for org in orgs:
            frozen = share * (max(0.0, org.cash) + org.dirty) if member else share * org.dirty
            if frozen <= 0:
                continue
            if member:
                org.cash = max(0.0, org.cash) * (1.0 - share)
            org.dirty *= 1.0 - share
            self.sim.record("asset_freeze", org=org.unique_id, target=person.unique_id, value=frozen, detail="arrest")
