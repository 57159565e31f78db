"""Demand and prices at the destination markets: where the flow comes from.

Each day the markets place orders for loads of each commodity (Poisson, at a rate that falls as the price
rises); each order goes to an organisation that moves the commodity, chosen in proportion to its working
couriers; an organisation that cannot fill it (no free courier in a working cell, no cash or credit, no
route) passes it to the next, and an order nobody fills is lost. So flow is limited by demand and by what
the networks can do: arrests, frozen cash and lost contacts reduce deliveries through these channels.

Prices follow risk (Reuter & Kleiman 1986, "risks and prices"): traffickers are paid for the loads they
lose, so the price of a commodity rises with the recent share of its loads seized and, a little, with
unmet orders (scarcity). Higher prices lower the quantity demanded (elasticity, `demand.elasticity_*`)
and draw new organisations in where the money left on the table is large (entry, `demand.entry_*`).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sim.core.context import Sim
    from sim.world import Corridor


@dataclass
class Order:
    """A market's order: a commodity and a size in standard loads (people: persons come from the community)."""

    commodity: str
    loads: float


class Demand:
    """Orders, prices and entry per commodity. Results: `orders`, `filled`, `unfilled` (per commodity,
    counts of orders over the measured days), `price` (the current price index per commodity, 1 = base)."""

    def __init__(self, sim: Sim, corridor: Corridor) -> None:
        self.sim = sim
        self.rng = sim.stream("demand")
        self.entry_rng = sim.stream("demand.entry")
        markets = corridor.of_kind("market")
        # Markets demanding each commodity (every commodity produced somewhere has at least one).
        self.markets = {k: sum(1 for m in markets if k in m.demand) for k in corridor.commodities}
        self.commodities = tuple(k for k, n in self.markets.items() if n > 0)
        self.risk = dict.fromkeys(self.commodities, 0.0)  # smoothed share of loads seized
        self.scarcity = dict.fromkeys(self.commodities, 0.0)  # smoothed share of orders unfilled
        self.price = dict.fromkeys(self.commodities, 1.0)
        self.orders = dict.fromkeys(self.commodities, 0)
        self.filled = dict.fromkeys(self.commodities, 0)
        self.unfilled = dict.fromkeys(self.commodities, 0)
        self._month = {k: [0, 0] for k in self.commodities}  # orders, unfilled since the last entry check
        self.on_entry: Callable[[str], Any] | None = None  # the model founds an organisation

    # ------------------------------------------------------------------ prices
    def _update_price(self, k: str) -> None:
        d = self.sim.params.demand
        self.price[k] = 1.0 + d.risk_premium * self.risk[k] + d.scarcity_premium * self.scarcity[k]

    def outcome(self, commodity: str, seized: bool) -> None:
        """A load reached the market or was seized: the market's view of risk moves toward it."""
        if commodity not in self.risk:
            return
        rate = self.sim.params.demand.risk_memory
        self.risk[commodity] += rate * (float(seized) - self.risk[commodity])
        self._update_price(commodity)

    def base_rate(self, k: str) -> float:
        """Orders a day at the base price: per market demanding `k`."""
        d = self.sim.params.demand
        per_market = {"drugs": d.orders_drugs, "people": d.orders_people, "weapons": d.orders_weapons}[k]
        return per_market * self.markets[k]

    def rate(self, k: str) -> float:
        """Orders a day at today's price: base x price^elasticity (a constant-elasticity demand curve)."""
        d = self.sim.params.demand
        elasticity = {"drugs": d.elasticity_drugs, "people": d.elasticity_people,
                      "weapons": d.elasticity_weapons}[k]
        return self.base_rate(k) * self.price[k] ** elasticity

    # ------------------------------------------------------------------ the day's orders
    def today(self) -> list[Order]:
        """Today's orders, every commodity, in a random order (so no commodity is always served first)."""
        d = self.sim.params.demand
        rng = self.rng
        out: list[Order] = []
        for k in self.commodities:
            n = int(rng.poisson(self.rate(k)))
            for _ in range(n):
                out.append(Order(k, float(rng.lognormal(0.0, d.load_sigma))))
        if len(out) > 1:
            order = rng.permutation(len(out))
            out = [out[i] for i in order]
        return out

    def served(self, order: Order, filled: bool) -> None:
        """Count an order's fate; unmet orders raise scarcity (and with it the price)."""
        k = order.commodity
        measured = self.sim.env.now >= 0
        if measured:
            self.orders[k] += 1
        self._month[k][0] += 1
        if filled:
            if measured:
                self.filled[k] += 1
        else:
            if measured:
                self.unfilled[k] += 1
            self._month[k][1] += 1
            self.sim.record("order_unfilled", commodity=k, value=order.loads)
        rate = self.sim.params.demand.scarcity_memory
        self.scarcity[k] += rate * ((0.0 if filled else 1.0) - self.scarcity[k])
        self._update_price(k)

    # ------------------------------------------------------------------ entry
    def entry(self, day: int) -> None:
        """Every `demand.entry_check_days`, where many orders went unfilled at a high price, a new organisation
        may form: chance = entry_sensitivity x (unmet share - entry_threshold)+ x price index (money left on
        the table; the threshold stands for the barriers of violence, trust and supply contacts that keep
        a few missed orders from drawing anyone in)."""
        d = self.sim.params.demand
        if day % d.entry_check_days != 0:
            return
        for k in self.commodities:
            placed, unmet = self._month[k]
            self._month[k] = [0, 0]
            if placed == 0 or self.on_entry is None:
                continue
            chance = min(1.0, d.entry_sensitivity * max(0.0, unmet / placed - d.entry_threshold) * self.price[k])
            if self.entry_rng.random() < chance:
                self.on_entry(k)

    def price_index(self) -> float:
        """The mean price index over commodities (1 = base price)."""
        return math.fsum(self.price.values()) / len(self.price) if self.price else 1.0
