"""The residents of every locality: what they see and report, how their trust moves, who can be recruited.

Residents live as arrays inside one `Community` agent per locality (`sim.core.agents.community`); this
mechanism holds them all and runs their daily round: tips from yesterday's sightings become leads, tips
find victims, and attitudes move with what people saw and with the corrupt share of their country.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sim.core.agents.community import Community

if TYPE_CHECKING:
    from sim.core.context import Leads, Sim
    from sim.core.mechanisms.victims import Victims
    from sim.world import Corridor


class Communities:
    """Every locality's residents, by node and by country."""

    def __init__(self, sim: Sim, corridor: Corridor) -> None:
        self.sim = sim
        self.rng = sim.stream("tips")
        self.by_node: dict[str, Community] = {}
        self.of_country: dict[str, list[Community]] = {c: [] for c in corridor.countries}
        model: Any = sim
        for place in corridor.places.values():
            if place.population > 0:
                community = Community(model, len(self.by_node), place.id, place.country, int(place.population))
                self.by_node[place.id] = community
                self.of_country[place.country].append(community)
        self.leads: Leads | None = None
        self.organisations: dict[int, Any] = {}

    def connect(self, leads: Leads, organisations: list[Any]) -> None:
        """Where tips go (the investigations), and whose members a tip can name."""
        self.leads = leads
        self.organisations = {o.unique_id: o for o in organisations}

    def daily(self, victims: Victims, corrupt_share: dict[str, float]) -> None:
        """Yesterday's sightings become tips, tips find victims, then attitudes move."""
        sim = self.sim
        now = sim.env.now
        p = sim.params
        for community in self.by_node.values():
            for org_id, member_id in community.tips(now):
                sim.record("tip", org=org_id, target=member_id, node=community.node)
                if self.rng.random() < p.investigation.tip_lead_prob and self.leads is not None:
                    org = self.organisations.get(org_id)
                    self.leads.open(org.by_id.get(member_id) if org else None, "tip", community.country)
            victims.found_by_tips(community)
        for country, communities in self.of_country.items():
            share = corrupt_share[country]
            for community in communities:
                community.daily_update(share)

    def observe(self, country: str, what: str, amount: float = 1.0) -> None:
        """Residents of a country notice enforcement, corruption or victim support."""
        for community in self.of_country.get(country, ()):
            community.notice(what, amount)

    def recruit(self, node: str) -> bool:
        """One vulnerable resident of a locality joins an organisation, if anyone will."""
        community = self.by_node.get(node)
        return community is not None and community.recruit() is not None

    def mean_trust(self) -> float:
        total = sum(c.size for c in self.by_node.values())
        if total == 0:
            return 0.0
        return sum(c.mean_trust * c.size for c in self.by_node.values()) / total
