"""Corruption among officers: cultivation by traffickers, contagion among peers, audits and reports.

Whether an officer accepts a bribe is `Officer.readiness` (one rule for every way corruption starts);
this module decides when the offers are made and when corrupt officers are caught.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from sim.core.agents.organisation import Organisation
    from sim.core.model import CorridorModel

#: A retainer for a standing contact is several bribes' worth.
RETAINER_BRIBES = 3.0
PEER_RECRUITMENT_PROB = 0.01


def cultivate(model: CorridorModel, org: Organisation) -> None:
    """Through a corrupt-contact broker, an organisation courts an officer on its routes or in its police."""
    m = model
    o = m.cfg.officers
    rng = m.rng
    if rng.random() >= o.cultivation_prob:
        return
    retainer = RETAINER_BRIBES * m.cfg.shipments.bribe_amount
    if org.cash < retainer + m.cfg.shipments.broker_fee:
        return
    broker = m.hire_facilitator(org, "broker", org.country)
    if broker is None:
        return
    org.cash -= m.cfg.shipments.broker_fee
    posts = org.checkpoints_on_routes
    if posts and rng.random() < 0.5:
        node = posts[int(rng.integers(len(posts)))]
        pool = [x for x in m.officers_at[node] if not x.corrupt]
    else:
        pool = [x for x in m.police_of[org.country] if not x.corrupt]
        node = ""
    if not pool:
        return
    officer = pool[int(rng.integers(len(pool)))]
    if rng.random() < officer.readiness(retainer, m.peer_share(officer)):
        m.corrupt_officer(officer, org, officer.post or node)
        m.pay_bribe(org, officer, officer.post or node, None, amount=retainer)


def contagion(model: CorridorModel) -> None:
    """Corrupt officers draw in peers of their unit, who accept by the same readiness rule."""
    m = model
    rng = m.rng
    bribe = m.cfg.shipments.bribe_amount
    for officer in [x for x in m.officer_list if x.corrupt]:
        if rng.random() >= PEER_RECRUITMENT_PROB:
            continue
        peers = [x for x in m.units[officer.unit] if not x.corrupt]
        if not peers:
            continue
        peer = peers[int(rng.integers(len(peers)))]
        if rng.random() < peer.readiness(bribe, m.peer_share(peer)):
            org = next((o for o in m.organisations if o.unique_id == officer.corrupt_for), None)
            m.corrupt_officer(peer, org, peer.post or "")


def detect(model: CorridorModel) -> None:
    """Audits (`policy.oversight`) and peer reports (`policy.whistleblower_protection`) catch corrupt officers.

    Daily chance for a corrupt officer: 1 - (1 - audit_rate x oversight) x (1 - report)^honest_peers,
    with report = peer_report_prob, times `whistleblower_report_multiplier` under protection.
    """
    m = model
    o = m.cfg.officers
    p = m.cfg.policy
    corrupt = [x for x in m.officer_list if x.corrupt]
    if not corrupt:
        return
    report = o.peer_report_prob * (o.whistleblower_report_multiplier if p.whistleblower_protection else 1.0)
    honest = np.array([m.unit_size[x.unit] - m.unit_corrupt[x.unit] for x in corrupt], dtype=float)
    caught_prob = 1.0 - (1.0 - o.audit_rate * p.oversight) * (1.0 - min(report, 1.0)) ** honest
    caught = m.rng.random(len(corrupt)) < caught_prob
    for officer, hit in zip(corrupt, caught, strict=True):
        if hit:
            m.corruption_case(officer)
