"""Border-corridor smuggling simulation: networks trafficking people, drugs and weapons, and the
enforcement policies that try to disrupt them.

    from sim import run_scenario
    r = run_scenario(["scenario=baseline", "policy.oversight=0.8"], seed=3)
    r.summary["interdiction_rate"], r.timeseries, r.events
"""

from sim.api import run_scenario, simulate
from sim.config import ConfigError, compose
from sim.results import RunResult

__version__ = "0.1.0"
__all__ = ["ConfigError", "RunResult", "compose", "run_scenario", "simulate"]
