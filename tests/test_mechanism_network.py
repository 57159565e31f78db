"""An organisation's network alone, on the tiny world: brokers and the core, cells cut off by arrests,
replacement that takes tenure and time, dismantling, reconnection, re-forming, recovery time, and money
(cash, supplier credit)."""

from __future__ import annotations

import numpy as np
import pytest

from sim.core.agents.organisation import Member, Organisation, Role
from sim.core.agents.status import Status
from tests.tiny_world import FakeHiring, corridor, organisation, standalone


class NoRecruits:
    """Residents who never join (`Recruiting`): the network can only repair itself from within."""

    def recruit(self, node: str) -> bool:
        return False


def org_of(seed: int = 0, **network: float) -> Organisation:
    sim = standalone(seed, network=dict(network))
    return organisation(sim, corridor())


def lieutenants(org: Organisation) -> list[Member]:
    return sorted((x for x in org.members if x.role is Role.LIEUTENANT), key=lambda x: x.cell)


def arrest(org: Organisation, member: Member) -> None:
    org.set_status(member, Status.CUSTODY)


def days(org: Organisation, n: int, hiring: FakeHiring | None = None) -> None:
    """Let `n` days pass, repairing once a day."""
    env = org.sim.env
    for _ in range(n):
        env.run(until=env.now + 1)
        org.replace_losses(hiring or FakeHiring(), NoRecruits())


def test_every_lieutenant_reaches_the_leader_at_the_start() -> None:
    for seed in range(10):
        org = org_of(seed, cells_per_org=4, leader_tie_prob=0.3)
        assert org.capacity() == 4 * org.sim.params.network.couriers_per_cell
        assert org._read()["cells_up"] == 4


def test_a_broker_arrest_cuts_off_the_cells_that_reach_the_core_through_him() -> None:
    # Lieutenants of cells 1 and 2 answer only to the broker (cell 0's lieutenant); no lateral ties.
    org = org_of(0, cells_per_org=3, leader_tie_prob=0.0, lateral_tie_prob=0.0)
    broker, *others = lieutenants(org)
    leader = org.leader()
    assert leader is not None
    assert org.graph.has_edge(leader.unique_id, broker.unique_id)
    assert all(org.graph.has_edge(broker.unique_id, x.unique_id) for x in others)
    assert org.brokerage(broker) > org.brokerage(others[0])
    arrest(org, broker)
    assert org._read()["cells_up"] == 0
    assert org.capacity() == 0
    assert not org.accepts()


def test_a_new_leader_keeps_only_his_own_ties() -> None:
    org = org_of(0, cells_per_org=3, leader_tie_prob=1.0, lateral_tie_prob=0.0, promotion_prob=1.0,
                 leader_min_tenure_days=0.0, reconnect_prob=0.0, lieutenant_min_tenure_days=10_000.0)
    leader = org.leader()
    assert leader is not None
    arrest(org, leader)
    assert org._read()["cells_up"] == 1  # the lieutenant next in line holds only his own cell
    days(org, 1)
    new = org.leader()
    assert new is not None
    assert new.role is Role.LEADER
    # His old cell has no lieutenant (nobody is trusted enough yet); the other two answered to the old
    # leader alone and are cut off: no working cell until promotions and reconnections.
    assert org._read()["cells_up"] == 0


def test_only_members_with_enough_tenure_are_promoted() -> None:
    org = org_of(0, cells_per_org=1, promotion_prob=1.0, lieutenant_min_tenure_days=10_000.0,
                 founding_tenure_days=100.0)
    (lt,) = lieutenants(org)
    arrest(org, lt)
    days(org, 30)
    assert not any(x.active and x.role is Role.LIEUTENANT for x in org.members)  # nobody trusted enough


def test_a_headless_cell_recovers_by_promotion_and_the_outage_is_timed() -> None:
    org = org_of(0, cells_per_org=1, promotion_prob=1.0, lieutenant_min_tenure_days=0.0, reconnect_prob=1.0,
                 dismantle_days=1000.0)
    (lt,) = lieutenants(org)
    arrest(org, lt)
    days(org, 5)
    assert org._read()["cells_up"] == 1
    (outage,) = org.recoveries
    assert 1.0 <= outage <= 3.0  # down at the first repair, promoted, reconnected, up again
    assert [e.kind for e in org.sim.events].count("cell_recovered") == 1


def test_recovery_takes_longer_when_promotion_and_reconnection_are_rarer() -> None:
    def mean_outage(promotion: float, reconnect: float) -> float:
        outages = []
        for seed in range(12):
            org = org_of(seed, cells_per_org=1, promotion_prob=promotion, reconnect_prob=reconnect,
                         lieutenant_min_tenure_days=0.0, dismantle_days=10_000.0)
            arrest(org, lieutenants(org)[0])
            days(org, 400)
            outages += org.recoveries
        assert outages
        return float(np.mean(outages))

    assert mean_outage(0.02, 0.02) > 3 * mean_outage(0.3, 0.3)


def test_a_cell_down_for_dismantle_days_breaks_up_and_its_members_disperse() -> None:
    org = org_of(0, cells_per_org=2, promotion_prob=0.0, dismantle_days=10.0, cell_reform_prob=0.0)
    lt = lieutenants(org)[1]
    arrest(org, lt)
    days(org, 9)
    assert org.dismantled == set()
    days(org, 3)
    assert org.dismantled == {1}
    assert all(x.status in (Status.DISPERSED, Status.CUSTODY) for x in org.cells[1])
    assert [e.kind for e in org.sim.events].count("cell_dismantled") == 1
    assert org._read()["cells_up"] == 1  # the other cell works on


def test_a_dismantled_cell_is_reformed_around_a_trusted_member_of_a_working_cell() -> None:
    org = org_of(0, cells_per_org=2, promotion_prob=0.0, dismantle_days=5.0, cell_reform_prob=1.0,
                 lieutenant_min_tenure_days=0.0)
    arrest(org, lieutenants(org)[1])
    days(org, 8)
    assert org.dismantled == set()
    new_lt = next(x for x in org.cells[1] if x.active and x.role is Role.LIEUTENANT)
    assert new_lt.tenure(org.sim.env.now) > 0  # a member, not a new recruit
    assert org._read()["cells_up"] == 2
    assert org.recoveries
    assert org.recoveries[0] >= 5.0


def test_only_couriers_of_working_cells_take_loads() -> None:
    org = org_of(0, cells_per_org=2, leader_tie_prob=1.0)
    arrest(org, lieutenants(org)[0])
    couriers = org.free_couriers(0.0, 100)
    assert couriers
    assert {x.cell for x in couriers} == {1}


def test_purchases_are_fronted_from_cash_then_supplier_credit_up_to_its_limit() -> None:
    org = org_of(0, supplier_credit=0.5)
    org.cash = 0.3
    assert org.front(0.2)
    assert org.cash == pytest.approx(0.1)
    assert org.owed == 0.0
    assert org.front(0.4)
    assert org.owed == pytest.approx(0.4)
    assert not org.front(0.2)  # credit exhausted
    org.cash = 1.0
    org.pay_upkeep()  # credit is repaid from cash after upkeep
    assert org.owed == 0.0
    assert org.cash == pytest.approx(1.0 - 0.4 - org.sim.params.network.member_upkeep_per_day
                                     * len(org.active_members))


def test_founding_members_have_tenure_and_new_couriers_start_with_none() -> None:
    org = org_of(0, founding_tenure_days=1000.0)
    tenures = [x.tenure(0.0) for x in org.members]
    assert all(0.0 <= t <= 1000.0 for t in tenures)
    assert max(tenures) == pytest.approx(1000.0)  # the leader founded it

    class Joins:
        def recruit(self, node: str) -> bool:
            return True

    org = org_of(0, cells_per_org=1, recruit_base_prob=1.0)
    courier = next(x for x in org.members if x.role is Role.COURIER)
    arrest(org, courier)
    org.sim.env.run(until=5.0)
    org.replace_losses(FakeHiring(), Joins())
    recruit = org.members[-1]
    assert recruit.role is Role.COURIER
    assert recruit.tenure(5.0) == 0.0
    assert org.graph.has_edge(recruit.unique_id, lieutenants(org)[0].unique_id)  # tied to his sponsor


def test_crew_cut_off_by_a_promotion_reconnect_to_the_new_lieutenant_and_do_not_count_meanwhile() -> None:
    # No lateral ties: each courier answered to the lieutenant alone. One is promoted; the others are cut off.
    org = org_of(0, cells_per_org=1, lateral_tie_prob=0.0, promotion_prob=1.0, lieutenant_min_tenure_days=0.0,
                 reconnect_prob=0.0, dismantle_days=1000.0)
    (lt,) = lieutenants(org)
    arrest(org, lt)
    days(org, 2)
    new = next(x for x in org.cells[0] if x.active and x.role is Role.LIEUTENANT)
    leader = org.leader()
    assert leader is not None
    org._tie(new, leader)  # the new lieutenant has reached the leader; his old crew mates not yet
    crew = [x for x in org.cells[0] if x.active and x is not new]
    assert org._read()["cells_up"] == 1
    assert org.capacity() == 0  # the couriers are free, but nobody in the organisation reaches them
    assert not org._settled  # cut-off crew are a vacancy: the cell keeps repairing
    org.sim.params.network.reconnect_prob = 1.0
    days(org, 1)
    assert all(org.graph.has_edge(new.unique_id, x.unique_id) for x in crew)
    assert org.capacity() == sum(1 for x in crew if x.role is Role.COURIER)


def test_a_working_cell_recruits_for_places_its_cut_off_couriers_leave_empty() -> None:
    class Joins:
        def recruit(self, node: str) -> bool:
            return True

    org = org_of(0, cells_per_org=1, lateral_tie_prob=0.0, promotion_prob=1.0, lieutenant_min_tenure_days=0.0,
                 reconnect_prob=0.0, recruit_base_prob=1.0, dismantle_days=1000.0, initial_cash=10.0)
    (lt,) = lieutenants(org)
    arrest(org, lt)
    days(org, 2)  # a courier is promoted; the other couriers are cut off
    new = next(x for x in org.cells[0] if x.active and x.role is Role.LIEUTENANT)
    leader = org.leader()
    assert leader is not None
    org._tie(new, leader)
    before = len(org.members)
    env = org.sim.env
    env.run(until=env.now + 1)
    org.replace_losses(FakeHiring(), Joins())
    assert len(org.members) == before + 1
    assert org.members[-1].role is Role.COURIER
    assert org.capacity() == 1  # the recruit, tied to his sponsor


def test_an_organisation_without_a_working_cell_for_dismantle_days_dissolves() -> None:
    org = org_of(0, cells_per_org=2, leader_tie_prob=1.0, promotion_prob=0.0, reconnect_prob=0.0,
                 dismantle_days=10.0, cell_reform_prob=1.0)
    for x in lieutenants(org):
        arrest(org, x)
    days(org, 9)
    assert not org.dissolved
    days(org, 12)
    assert org.dissolved
    assert [e.kind for e in org.sim.events].count("organisation_dissolved") == 1
    assert not org.accepts()
    assert org.capacity() == 0
    assert not org.active_members  # the leader too: there is nothing left to lead
    # An acquitted lieutenant has nothing to return to.
    lt = lieutenants(org)[0]
    org.reinstate(lt)
    assert lt.status is Status.DISPERSED


def test_an_organisation_with_one_working_cell_does_not_dissolve() -> None:
    org = org_of(0, cells_per_org=2, leader_tie_prob=1.0, promotion_prob=0.0, reconnect_prob=0.0,
                 dismantle_days=10.0, cell_reform_prob=0.0)
    arrest(org, lieutenants(org)[1])
    days(org, 40)
    assert org.dismantled == {1}
    assert not org.dissolved
    assert org.accepts()
