# `make run` and `make test` set everything up themselves: a virtual environment in .venv with the
# package and its dependencies installed, then run. Nothing needs installing by hand.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint bench validate clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

run: $(STAMP)
	$(BIN)/python -m sim.experiment experiment=policy_comparison $(ARGS)

test: $(STAMP)
	$(BIN)/python -m ruff check sim tests benchmarks
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/python -m ruff check sim tests benchmarks

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_run.py
	$(BIN)/python benchmarks/bench_experiment.py

# The validation suite: the catalogue of patterns from the literature on the default and generated
# corridors (docs/validation.md); resumable. Options through ARGS, e.g. ARGS="--patterns balloon --jobs 4".
validate: $(STAMP)
	$(BIN)/python -m sim.validate $(ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis
