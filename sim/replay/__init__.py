"""Replay recorded runs: verify, view in a browser, branch, export (`python -m sim.replay`).

The parts, one concept each (import them from their module):

- `store`: reading and checking a recording (`load_recording`, `Recording`, `ReplayError`)
- `verification`: re-simulating a recording and comparing event logs (`verify`, `first_difference`)
- `branching`: a recording re-run to a day, then with changed levers (`branch`, `list_branches`)
- `viewer_data`: the viewer's JSON payload (`payload`), outcome and lever metadata from the registries
- `page`: the static player page (`viewer/`) and its single-file export (`viewer_html`, `export`)
- `server`: the live viewer's HTTP server (`make_server`); `cli`: the command line (`main`)

The frames the viewer draws are collected by every run (`sim.core.frames`); replay only reads them.
This face names what `store` defines, so that importing it runs no simulation code.
"""

from sim.replay.store import Recording, ReplayError, load_recording

__all__ = ["Recording", "ReplayError", "load_recording"]
