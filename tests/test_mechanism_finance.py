"""Money alone: laundering tranches and fees, detection by financial controls, freezes and financial leads,
and asset tracing after arrests under financial targeting."""

from __future__ import annotations

import math

import pytest

from sim.core.agents.facilitator import Facilitator, FacilitatorKind
from sim.core.agents.organisation import Role
from sim.core.mechanisms.finance import Finance
from sim.core.mechanisms.market import FacilitatorMarket
from tests.tiny_world import FakeLeads, FakeOrg, corridor, organisation, standalone


class Money:
    def __init__(self, seed: int = 0, launderers: bool = True, **sections) -> None:
        sections = {k: dict(v) for k, v in sections.items()}
        if not launderers:
            sections.setdefault("facilitators", {})["per_kind"] = 0
        self.sim = standalone(seed, **sections)
        self.world = corridor()
        self.market = FacilitatorMarket(self.sim, self.world.countries)
        self.finance = Finance(self.sim, self.market)
        self.leads = FakeLeads()
        self.org = organisation(self.sim, self.world, cash=1.0)
        self.finance.connect([self.org], self.leads)

    def kinds(self, kind: str) -> list:
        return [e for e in self.sim.events if e.kind == kind]


def test_nothing_to_launder_does_nothing() -> None:
    m = Money()
    m.org.dirty = 0.0
    m.finance.launder(m.org)
    assert m.sim.events == []
    assert m.org.cash == 1.0


@pytest.mark.parametrize(("dirty", "tranche"), [(10.0, 2.0), (0.3, 0.1), (0.05, 0.05)])
def test_a_tranche_is_a_share_of_dirty_money_with_a_minimum(dirty: float, tranche: float) -> None:
    """tranche = min(dirty, max(min_tranche 0.1, tranche_share 0.2 x dirty))."""
    m = Money(policy={"financial_controls": 0.0})
    m.org.dirty = dirty
    m.finance.launder(m.org)
    (event,) = m.kinds("laundering")
    assert event.value == pytest.approx(tranche)
    assert m.org.dirty == pytest.approx(dirty - tranche)
    assert m.org.cash == pytest.approx(1.0 + tranche * (1 - m.sim.params.finance.launder_fee))


def test_without_financial_controls_nothing_is_ever_frozen() -> None:
    for seed in range(3):
        m = Money(seed, policy={"financial_controls": 0.0})
        for _ in range(100):
            m.org.dirty = 50.0
            m.finance.launder(m.org)
        assert m.kinds("asset_freeze") == []
        assert m.leads.calls == []
        assert len(m.kinds("laundering")) == 100


def test_certain_detection_freezes_the_share_and_opens_a_lead_on_the_launderer() -> None:
    m = Money(policy={"financial_controls": 1.0}, finance={"detection_base": 1.0})
    f = m.sim.params.finance
    m.org.dirty, m.org.cash = 5.0, 2.0
    m.finance.launder(m.org)
    tranche = f.tranche_share * 5.0
    frozen_tranche, frozen_cash = f.freeze_share * tranche, f.freeze_share * f.freeze_cash_share * 2.0
    (freeze,) = m.kinds("asset_freeze")
    assert freeze.value == pytest.approx(frozen_tranche + frozen_cash)
    assert m.org.cash == pytest.approx(2.0 + (tranche - frozen_tranche) * (1 - f.launder_fee) - frozen_cash)
    assert m.org.dirty == pytest.approx(5.0 - tranche)
    (laundering,) = m.kinds("laundering")
    (target, source, country, _), = m.leads.calls
    assert isinstance(target, Facilitator)
    assert target.kind is FacilitatorKind.LAUNDERER
    assert (source, country, target.unique_id) == ("financial", "A", laundering.actor)
    assert m.org.unique_id in target.clients


def test_without_a_launderer_it_costs_more_and_the_lead_is_on_the_leader() -> None:
    for controls in (0.0, 1.0):
        m = Money(launderers=False, policy={"financial_controls": controls}, finance={"detection_base": 1.0})
        f = m.sim.params.finance
        assert m.market.hire(m.org, "launderer", "A") is None
        m.org.dirty, m.org.cash = 1.0, 0.0
        m.finance.launder(m.org)
        tranche = f.tranche_share * 1.0
        fee = f.launder_fee * f.no_launderer_fee_factor
        assert m.kinds("laundering")[0].actor == -1
        if controls == 0.0:
            assert m.org.cash == pytest.approx(tranche * (1 - fee))
            assert m.leads.calls == []
        else:
            assert m.org.cash == pytest.approx((tranche - f.freeze_share * tranche) * (1 - fee))
            assert m.leads.calls == [(m.org.leader(), "financial", "A", False)]


def detected_share(professional: bool, controls: float, n: int = 1500) -> float:
    m = Money(launderers=professional, policy={"financial_controls": controls}, finance={"detection_base": 0.3})
    for _ in range(n):
        m.org.dirty = 10.0
        m.finance.launder(m.org)
    return len(m.kinds("asset_freeze")) / n


def test_detection_follows_controls_and_amateurs_are_seen_more() -> None:
    n = 1500
    for professional, controls, expected in ((True, 0.5, 0.15), (False, 0.5, 0.225), (True, 1.0, 0.3)):
        share = detected_share(professional, controls, n)
        assert abs(share - expected) < 4 * math.sqrt(expected * (1 - expected) / n), (professional, controls)


# ------------------------------------------------------------------------------------------------ asset tracing


def test_no_asset_tracing_unless_targeting_is_financial() -> None:
    for targeting in ("random", "kingpin", "broker"):
        m = Money(policy={"targeting": targeting})
        m.org.dirty, m.org.cash = 4.0, 2.0
        m.finance.trace_assets(m.org.members[0])
        assert (m.org.cash, m.org.dirty) == (2.0, 4.0)
        assert m.sim.events == []


def test_a_members_arrest_freezes_a_share_of_cash_and_dirty_money() -> None:
    m = Money(policy={"targeting": "financial"})
    a = m.sim.params.finance.arrest_freeze_share
    m.org.dirty, m.org.cash = 4.0, 2.0
    courier = next(x for x in m.org.members if x.role is Role.COURIER)
    m.finance.trace_assets(courier)
    assert m.org.cash == pytest.approx(2.0 * (1 - a))
    assert m.org.dirty == pytest.approx(4.0 * (1 - a))
    (freeze,) = m.kinds("asset_freeze")
    assert (freeze.value, freeze.target, freeze.org, freeze.detail) == (
        pytest.approx(a * 6.0), courier.unique_id, m.org.unique_id, "arrest")


def test_a_launderers_arrest_freezes_dirty_money_of_every_client() -> None:
    m = Money(policy={"targeting": "financial"})
    a = m.sim.params.finance.arrest_freeze_share
    other = FakeOrg(unique_id=m.org.unique_id + 100, cash=1.0, dirty=2.0)
    stranger = FakeOrg(unique_id=m.org.unique_id + 200, cash=1.0, dirty=2.0)
    m.finance.connect([m.org, other, stranger], m.leads)
    launderer = Facilitator(m.sim, FacilitatorKind.LAUNDERER, "A")
    launderer.hire(m.org.unique_id)
    launderer.hire(other.unique_id)
    m.org.dirty, m.org.cash = 4.0, 2.0
    m.finance.trace_assets(launderer)
    assert (m.org.cash, other.cash) == (2.0, 1.0)  # cash is not touched through a launderer
    assert m.org.dirty == pytest.approx(4.0 * (1 - a))
    assert other.dirty == pytest.approx(2.0 * (1 - a))
    assert stranger.dirty == 2.0
    assert sorted(e.value for e in m.kinds("asset_freeze")) == pytest.approx(sorted([a * 4.0, a * 2.0]))


def test_other_facilitators_arrests_freeze_nothing() -> None:
    m = Money(policy={"targeting": "financial"})
    forger = Facilitator(m.sim, FacilitatorKind.FORGER, "A")
    forger.hire(m.org.unique_id)
    m.org.dirty = 4.0
    m.finance.trace_assets(forger)
    assert m.org.dirty == 4.0
    assert m.sim.events == []
