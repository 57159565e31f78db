"""Money: laundering of proceeds, financial intelligence, asset freezing."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sim.core.agents.facilitator import Facilitator, FacilitatorKind
from sim.core.agents.organisation import Member

if TYPE_CHECKING:
    from sim.core.agents.organisation import Organisation
    from sim.core.model import CorridorModel

#: Share of dirty money an organisation tries to launder per day (at least `MIN_TRANCHE`).
TRANCHE_SHARE = 0.2
MIN_TRANCHE = 0.1


def launder(model: CorridorModel, org: Organisation) -> None:
    """Turn part of the proceeds into usable cash through a launderer; controls may freeze it.

    Detection per transaction = `finance.detection_base` x `policy.financial_controls` (x1.5 without a
    professional launderer). A detected transaction is partly frozen, with a share of the cash on hand,
    and gives the financial intelligence unit a lead on the launderer (or the leader).
    """
    if org.dirty <= 0:
        return
    m = model
    f = m.cfg.finance
    tranche = min(org.dirty, max(MIN_TRANCHE, TRANCHE_SHARE * org.dirty))
    launderer = m.hire_facilitator(org, "launderer", org.country)
    fee = f.launder_fee * (1.0 if launderer is not None else 2.0)
    detect = f.detection_base * m.cfg.policy.financial_controls * (1.0 if launderer is not None else 1.5)
    org.dirty -= tranche
    m.log.add("laundering", org=org.unique_id, actor=launderer.unique_id if launderer else -1,
              value=tranche)
    if m.rng.random() < min(1.0, detect):
        frozen_tranche = f.freeze_share * tranche
        frozen_cash = f.freeze_share * 0.2 * max(0.0, org.cash)
        org.cash += (tranche - frozen_tranche) * (1.0 - fee) - frozen_cash
        frozen = frozen_tranche + frozen_cash
        m.metrics.count("assets_frozen", frozen)
        m.log.add("asset_freeze", org=org.unique_id, actor=launderer.unique_id if launderer else -1,
                  value=frozen)
        target = launderer if launderer is not None else org.leader()
        m.investigations.open(target, "financial", org.country)
    else:
        org.cash += tranche * (1.0 - fee)


def trace_assets(model: CorridorModel, person: Member | Facilitator) -> None:
    """Under `policy.targeting=financial`, an arrest is followed by tracing and freezing assets.

    A member's organisation loses `finance.arrest_freeze_share` of its cash and unlaundered money; a
    launderer's arrest freezes that share of the unlaundered money of every client.
    """
    m = model
    share = m.cfg.finance.arrest_freeze_share
    if isinstance(person, Member):
        orgs = [person.org]
    elif person.kind is FacilitatorKind.LAUNDERER:
        orgs = [o for o in m.organisations if o.unique_id in person.clients]
    else:
        return
    for org in orgs:
        frozen = share * (max(0.0, org.cash) + org.dirty) if isinstance(person, Member) else share * org.dirty
        if frozen <= 0:
            continue
        if isinstance(person, Member):
            org.cash = max(0.0, org.cash) * (1.0 - share)
        org.dirty *= 1.0 - share
        m.metrics.count("assets_frozen", frozen)
        m.log.add("asset_freeze", org=org.unique_id, target=person.unique_id, value=frozen, detail="arrest")
