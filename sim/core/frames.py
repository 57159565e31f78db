"""Compact daily frames of what the replay viewer draws, collected during every run.

Format `sim-frames/1` (written as `frames.json` beside a run's other files; docs/replay.md):
static tables of nodes, edges and organisations, then one row per day for each frame series.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from sim.core.agents.organisation import Role

if TYPE_CHECKING:
    from sim.core.events import Event
    from sim.core.model import CorridorModel
    from sim.world.corridor import Link

FRAMES_FORMAT = "sim-frames/1"
ROLES = tuple(role.value for role in Role)  # leader, lieutenant, courier, recruiter


class FrameRecorder:
    """Per-day arrays: flows per edge, seizures and arrests per node, corrupt officers and queues per post,
    trust per locality, members, arrests and cash per organisation.

    Listens to the model's event sink (seizures, arrests), reads the day's state when it ends, and takes
    the legs travelled from the shipments' results; the model knows nothing of it (`FrameRecorder.attach`).
    """

    @classmethod
    def attach(cls, model: CorridorModel) -> FrameRecorder:
        recorder = cls(model)
        model.bus.listen(("seizure",), recorder.seizure)
        model.bus.listen(("arrest",), recorder.arrest)
        model.at_end_of_day(recorder.close_day)
        return recorder

    def __init__(self, model: CorridorModel) -> None:
        self.model = model
        c = model.corridor
        days = model.days
        self.days = days
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
        self._orgs = {o.unique_id: o for o in model.organisations}
        # The columns of the places each day's read-out visits, in the order it visits them (fixed for a run).
        index = self.node_index
        self._corrupt_columns = np.array([index[n] for n in model.corruption.corrupt_at], dtype=np.intp)
        self._queue_columns = np.array([index[n] for n in model.border.posts], dtype=np.intp)
        self._trust_columns = np.array([index[n] for n in model.communities], dtype=np.intp)

    def _day(self, event: Event) -> int:
        return min(int(event.day), self.days - 1)

    def seizure(self, event: Event) -> None:
        self.seizures[self._day(event), self.node_index[event.node]] += 1

    def _grow(self) -> None:
        """New organisations entered (`demand.entry_*`): one more column each, zero before they existed."""
        orgs = self.model.organisations
        extra = len(orgs) - self.org_members.shape[1]
        if extra > 0:
            pad = ((0, 0), (0, extra))
            self.org_members = np.pad(self.org_members, pad)
            self.org_arrests = np.pad(self.org_arrests, pad)
            self.org_cash = np.pad(self.org_cash, pad)
            self.org_roles = np.pad(self.org_roles, (*pad, (0, 0)))
            self._org_index = {o.unique_id: i for i, o in enumerate(orgs)}
            self._orgs = {o.unique_id: o for o in orgs}

    def arrest(self, event: Event) -> None:
        day = self._day(event)
        if event.org not in self._orgs:
            self._grow()
        org = self._orgs.get(event.org)
        if org is None:
            return  # a facilitator: no locality, no organisation
        member = org.by_id.get(event.target)
        if member is not None and member.home in self.node_index:
            self.arrests[day, self.node_index[member.home]] += 1
        self.org_arrests[day, self._org_index[event.org]] += 1

    def close_day(self, day: int) -> None:
        """Read the day's state: one row of each array, set at once (places and organisations in their
        columns' order), since a run has thousands of days."""
        m = self.model
        self.corrupt[day, self._corrupt_columns] = list(m.corruption.corrupt_at.values())
        now = m.env.now
        self.queue[day, self._queue_columns] = [post.queue_length(now) for post in m.border.posts.values()]
        self.trust[day, self._trust_columns] = [c.mean_trust if c.size else np.nan for c in m.communities.values()]
        self._grow()
        wealth = m.finance.wealth
        orgs = m.organisations
        if orgs:
            self.org_members[day, :len(orgs)] = [len(org.active_members) for org in orgs]
            self.org_roles[day, :len(orgs)] = [[counts[role] for role in Role]
                                               for counts in (org.role_counts() for org in orgs)]
            self.org_cash[day, :len(orgs)] = [org.cash + org.dirty + wealth(org.unique_id) for org in orgs]

    def to_dict(self) -> dict[str, Any]:
        """The frames as plain lists (JSON-ready), with the static tables the viewer needs."""
        m = self.model
        self._grow()
        self.edge_flow[:] = 0
        column = [self.edge_index[link] for link in m.corridor.links]  # corridor link index -> frame column
        for (day, link), count in m.shipments.leg_use.items():
            if day < self.days:
                self.edge_flow[day, column[link]] += count
        places = m.corridor.places
        officers = {n: len(xs) for n, xs in m.corruption.force.at.items()}
        nodes = [{"id": n, "kind": places[n].kind, "country": places[n].country, "x": places[n].x, "y": places[n].y,
                  "population": places[n].population, "lanes": places[n].lanes,
                  "legit_traffic": places[n].legit_traffic, "officers": officers.get(n, 0)} for n in self.node_ids]
        edges = [{"source": x.source, "target": x.target, "mode": x.mode, "days": x.days} for x in self.edge_index]
        orgs = [{"id": o.unique_id, "name": o.name, "commodities": list(o.commodities), "home": o.home}
                for o in m.organisations]

        def rows(a: np.ndarray, digits: int | None = None) -> list[list[Any]]:
            if digits is None:
                return a.tolist()
            rounded = np.round(a, digits).tolist()
            if not np.isnan(a).any():
                return rounded
            return [[None if v != v else v for v in row] for row in rounded]  # NaN (no residents) as null

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
