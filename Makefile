# Two commands do all the set-up on a fresh machine with Python 3.11+:
#   make demo   runs the main job (an instrumented example service, embedded defaults)
#   make test   installs everything, then lint, types and the whole test suite
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# The contrib instrumentors we compare against lag one SDK patch release; they get their own
# environment, pinned to the family they need (see pyproject's `peers` extra).
PEERS_VENV  ?= .venv-peers
PEERS_BIN   := $(PEERS_VENV)/bin
PEERS_STAMP := $(PEERS_VENV)/.installed
PYTEST_ARGS ?=

.PHONY: install install-peers demo test lint typecheck pytest pytest-peers bench constraints clean

define make_venv
	$(PYTHON) -m venv $(1)
	# the stock pip 23 cannot resolve the OpenTelemetry family: upgrade it first
	$(1)/bin/python -m pip install --quiet --upgrade pip
	$(1)/bin/python -m pip install --quiet -c $(2) -e '.[$(3)]'
	touch $(1)/.installed
endef

$(STAMP): pyproject.toml constraints.txt
	$(call make_venv,$(VENV),constraints.txt,dev)

$(PEERS_STAMP): pyproject.toml constraints-peers.txt
	$(call make_venv,$(PEERS_VENV),constraints-peers.txt,dev$(comma)peers)

comma := ,

install: $(STAMP)

install-peers: $(PEERS_STAMP)

demo: $(STAMP)
	$(BIN)/huleedu-otel demo $(ARGS)

test: lint typecheck pytest-peers pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

pytest: $(STAMP)
	$(BIN)/pytest -m "not peers" $(PYTEST_ARGS)

pytest-peers: $(PEERS_STAMP)
	$(PEERS_BIN)/pytest -m peers $(PYTEST_ARGS)

bench: $(PEERS_STAMP)
	$(PEERS_BIN)/python -m benchmarks $(ARGS)

# Re-pin both exact sets after changing pyproject.toml's dependencies.
constraints: $(STAMP) $(PEERS_STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	$(PEERS_BIN)/python -m pip install --quiet -e '.[dev,peers]'
	{ echo "# The exact set CI and the README install: pip install -c constraints.txt -e '.[dev]'."; \
	  echo "# Regenerate after changing pyproject.toml: make constraints"; \
	  $(BIN)/python -m pip freeze --exclude-editable | grep -v '^-e'; } > constraints.txt
	{ echo "# The peers environment (.venv-peers): the OTel family at the release the lagging contrib"; \
	  echo "# instrumentors need. pip install -c constraints-peers.txt -e '.[dev,peers]'. Regenerate: make constraints"; \
	  $(PEERS_BIN)/python -m pip freeze --exclude-editable | grep -v '^-e'; } > constraints-peers.txt

clean:
	rm -rf $(VENV) $(PEERS_VENV) .mypy_cache .ruff_cache .pytest_cache
