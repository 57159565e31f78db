"""Compact daily frames of what the replay viewer draws, collected during every run.

Format `sim-frames/1` (written as `frames.json` beside a run's other files; docs/replay.md):
static tables of nodes, edges and organisations, then one row per day for each frame series.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from sim.core.model import CorridorModel
    from sim.world.corridor import Link

FRAMES_FORMAT = "sim-frames/1"
ROLES = ("leader", "lieutenant", "courier", "recruiter")


class FrameRecorder:
    """Per-day arrays: flows per edge, seizures and arrests per node, corrupt officers and queues per post,
    trust per locality, members, arrests and cash per organisation."""

    def __init__(self, model: CorridorModel) -> None:
        self.model = model
        c = model.corridor
        days = model.days
        self.node_ids = list(c.places)
        self.node_index = {n: i for i, n in enumerate(self.node_ids)}
        self.edge_index: dict[Link, int] = {}
        for link in c.links:
            self.edge_index.setdefault(link, len(self.edge_index))
        n_nodes, n_orgs = len(self.node_ids), len(model.organisations)
        self.edge_flow = np.zeros((days, len(self.edge_index)), dtype=np.int32)
        self.seizures = np.zeros((days, n_nodes), dtype=np.int32)
        self.arrests = np.zeros((days, n_nodes), dtype=np.int32)
        self.corrupt = np.zeros((days, n_nodes), dtype=np.int32)
        self.queue = np.zeros((days, n_nodes), dtype=np.int32)
        self.trust = np.full((days, n_nodes), np.nan)
        self.org_members = np.zeros((days, n_orgs), dtype=np.int32)
        self.org_arrests = np.zeros((days, n_orgs), dtype=np.int32)
        self.org_cash = np.zeros((days, n_orgs))
        self.org_roles = np.zeros((days, n_orgs, len(ROLES)), dtype=np.int32)
        self._org_index = {o.unique_id: i for i, o in enumerate(model.organisations)}

    def _day(self) -> int:
        return min(int(self.model.env.now), self.model.days - 1)

    def leg(self, link: Link) -> None:
        self.edge_flow[self._day(), self.edge_index[link]] += 1

    def seizure(self, node: str) -> None:
        self.seizures[self._day(), self.node_index[node]] += 1

    def arrest(self, node: str | None, org_id: int) -> None:
        day = self._day()
        if node in self.node_index:
            self.arrests[day, self.node_index[node]] += 1
        if org_id in self._org_index:
            self.org_arrests[day, self._org_index[org_id]] += 1

    def close_day(self, day: int) -> None:
        m = self.model
        for node, officers in m.officers_at.items():
            self.corrupt[day, self.node_index[node]] = sum(1 for x in officers if x.corrupt)
        for node, post in m.posts.items():
            self.queue[day, self.node_index[node]] = len(post.lanes.queue)
        for node, community in m.communities.items():
            self.trust[day, self.node_index[node]] = float(community.trust.mean()) if community.size else np.nan
        for i, org in enumerate(m.organisations):
            active = org.active_members
            self.org_members[day, i] = len(active)
            for member in active:
                self.org_roles[day, i, ROLES.index(member.role.value)] += 1
            self.org_cash[day, i] = org.cash + org.dirty

    def to_dict(self) -> dict[str, Any]:
        """The frames as plain lists (JSON-ready), with the static tables the viewer needs."""
        m = self.model
        places = m.corridor.places
        officers = {n: len(xs) for n, xs in m.officers_at.items()}
        nodes = [{"id": n, "kind": places[n].kind, "country": places[n].country, "x": places[n].x, "y": places[n].y,
                  "population": places[n].population, "lanes": places[n].lanes,
                  "legit_traffic": places[n].legit_traffic, "officers": officers.get(n, 0)} for n in self.node_ids]
        edges = [{"source": x.source, "target": x.target, "mode": x.mode, "days": x.days} for x in self.edge_index]
        orgs = [{"id": o.unique_id, "name": o.name, "commodities": list(o.commodities), "home": o.home}
                for o in m.organisations]

        def rows(a: np.ndarray, digits: int | None = None) -> list[list[Any]]:
            if digits is None:
                return a.tolist()
            return [[None if np.isnan(v) else round(float(v), digits) for v in row] for row in a]

        return {
            "format": FRAMES_FORMAT,
            "days": m.days,
            "nodes": nodes,
            "edges": edges,
            "orgs": orgs,
            "frames": {
                "edge_flow": rows(self.edge_flow),
                "seizures": rows(self.seizures),
                "arrests": rows(self.arrests),
                "corrupt": rows(self.corrupt),
                "queue": rows(self.queue),
                "trust": rows(self.trust, 4),
                "org_members": rows(self.org_members),
                "org_arrests": rows(self.org_arrests),
                "org_cash": rows(self.org_cash, 4),
                "org_roles": self.org_roles.tolist(),
            },
            "roles": list(ROLES),
        }
