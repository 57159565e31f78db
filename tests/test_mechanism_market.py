"""The facilitator market alone: who is hired where, clients, and refilling after arrests."""

from __future__ import annotations

from collections import Counter

from sim.core.agents.facilitator import FacilitatorKind
from sim.core.agents.status import Status
from sim.core.mechanisms.market import FacilitatorMarket
from tests.tiny_world import FakeOrg, standalone


def market(seed: int = 0, per_kind: int = 3, entry_prob: float = 0.05) -> FacilitatorMarket:
    sim = standalone(seed, facilitators={"per_kind": per_kind, "entry_prob": entry_prob})
    return FacilitatorMarket(sim, ["A", "B"])


def test_every_kind_in_every_country() -> None:
    m = market(per_kind=3)
    counts = Counter((f.kind, f.country) for f in m.facilitators)
    assert counts == {(k, c): 3 for k in FacilitatorKind for c in ("A", "B")}
    assert all(f.active and f.home_country == f.country for f in m.facilitators)


def test_hire_prefers_the_country_and_records_the_client() -> None:
    m = market()
    org = FakeOrg(unique_id=42)
    for _ in range(30):
        f = m.hire(org, "forger", "B")
        assert f.kind is FacilitatorKind.FORGER
        assert f.country == "B"
    forgers_b = [f for f in m.facilitators if f.kind is FacilitatorKind.FORGER and f.country == "B"]
    assert sum(f.jobs for f in forgers_b) == 30
    assert len([f for f in forgers_b if f.jobs]) > 1  # spread over the pool, not always the same one
    assert all(42 in f.clients for f in forgers_b if f.jobs)
    assert set(m.clients_of(42, FacilitatorKind.FORGER)) == {f for f in forgers_b if f.jobs}
    assert m.clients_of(42, FacilitatorKind.LAUNDERER) == []


def test_hire_falls_back_to_any_country_then_to_none() -> None:
    m = market(per_kind=2)
    org = FakeOrg()
    for f in m.facilitators:
        if f.kind is FacilitatorKind.LAUNDERER and f.country == "A":
            f.set_status(Status.CUSTODY)
    for _ in range(10):
        assert m.hire(org, "launderer", "A").country == "B"
    for f in m.facilitators:
        if f.kind is FacilitatorKind.LAUNDERER:
            f.set_status(Status.PRISON)
    assert m.hire(org, "launderer", "A") is None
    assert m.clients_of(org.unique_id, FacilitatorKind.LAUNDERER) == []  # only active ones count


def test_refill_replaces_missing_facilitators_one_a_day() -> None:
    m = market(per_kind=2, entry_prob=1.0)
    for f in m.facilitators:
        if f.kind is FacilitatorKind.BROKER and f.country == "A":
            f.set_status(Status.PRISON)
    before = len(m.facilitators)
    m.refill()
    assert len(m.facilitators) == before + 1  # only the empty pool gains, and by one
    new = m.facilitators[-1]
    assert (new.kind, new.country, new.active) == (FacilitatorKind.BROKER, "A", True)
    m.refill()
    m.refill()  # the pool is full again: no more entries
    assert len(m.facilitators) == before + 2
    assert m.hire(FakeOrg(), "broker", "A").country == "A"


def test_no_entry_without_entry_probability() -> None:
    m = market(per_kind=1, entry_prob=0.0)
    m.facilitators[0].set_status(Status.PRISON)
    before = len(m.facilitators)
    for _ in range(20):
        m.refill()
    assert len(m.facilitators) == before


def test_entry_rate_follows_entry_probability() -> None:
    days = 0
    for seed in range(20):
        m = market(seed, per_kind=1, entry_prob=0.25)
        m.facilitators[0].set_status(Status.PRISON)
        n = len(m.facilitators)
        while len(m.facilitators) == n:
            m.refill()
            days += 1
    assert 2.0 < days / 20 < 7.0  # geometric waiting time, mean 1 / 0.25 = 4 days
