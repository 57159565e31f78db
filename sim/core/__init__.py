"""The simulation core: the model, its agents, its mechanisms and the policy levers that drive them."""
