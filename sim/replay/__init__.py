"""Replay recorded runs: verify, view in a browser, branch, export (`python -m sim.replay`)."""

from sim.replay.app import (
    Recording,
    ReplayError,
    branch,
    export,
    first_difference,
    load_recording,
    make_server,
    payload,
    verify,
    viewer_html,
)

__all__ = ["Recording", "ReplayError", "branch", "export", "first_difference", "load_recording", "make_server",
           "payload", "verify", "viewer_html"]
