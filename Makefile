# peacemap — the two commands: `make run` and `make test` (README, DESIGN §7).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test install assets system-deps system-deps-test check-python bench fuzz clean

run: system-deps install
	$(BIN)/peacemap start

test: system-deps-test install
	$(BIN)/pytest -q
	$(BIN)/python bench/gaps.py --scale 0.1

install: $(STAMP) assets

# Leaflet JS/CSS for the pages, from the npm registry (no CDN at run time).
assets:
	@sh frontend/install_assets.sh

$(STAMP): pyproject.toml | check-python
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $@

check-python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "peacemap needs Python 3.11 or newer (found " + sys.version.split()[0] + ")")'
	@$(PYTHON) -c 'import venv, ensurepip' 2>/dev/null || { echo "peacemap: Python's venv module is missing: apt-get install python3-venv" >&2; exit 1; }

system-deps:
	@bash scripts/system-deps.sh

system-deps-test:
	@bash scripts/system-deps.sh --test

bench: install
	$(BIN)/python bench/gaps.py --scale 0.1

# Every operation of /openapi.json fuzzed (schemathesis), 10 000+ cases: bench/README.md.
fuzz: system-deps-test install
	$(BIN)/python bench/fuzz.py --cases 10000

clean:
	-$(BIN)/peacemap db down
	rm -rf .peacemap $(VENV) *.egg-info tests/artifacts
