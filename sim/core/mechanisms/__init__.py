"""Mechanisms of the model: each owns its state, parameters and rules."""
