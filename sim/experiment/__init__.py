"""Batch experiments: scenarios x design points x worlds x replications (`python -m sim.experiment`)."""

from sim.experiment.runner import *  # noqa: F403
from sim.experiment.runner import DEFAULT_OUTCOMES, load_definition, run_experiment

__all__ = ["DEFAULT_OUTCOMES", "load_definition", "run_experiment"]
