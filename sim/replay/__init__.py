"""Replay recorded runs: verify, view in a browser, branch, export (`python -m sim.replay`).

The parts, one concept each (import them from their module):

- `recording`: the daily frames a run collects for the viewer (the model imports it while it runs)
- `store`: reading and checking a recording (`load_recording`, `Recording`, `ReplayError`)
- `verification`: re-simulating a recording and comparing event logs (`verify`, `first_difference`)
- `branching`: a recording re-run to a day, then with changed levers (`branch`, `list_branches`)
- `viewer_data`: the viewer's JSON payload (`payload`), outcome and lever metadata from the registries
- `page`: the static player page (`viewer/`) and its single-file export (`viewer_html`, `export`)
- `server`: the live viewer's HTTP server (`make_server`); `cli`: the command line (`main`)

This face names only what `store` defines: the model imports `sim.replay.recording`, which runs this file
first, so nothing here may import what imports the model (verification, branching and the rest do).
"""

from sim.replay.store import Recording, ReplayError, load_recording

__all__ = ["Recording", "ReplayError", "load_recording"]
