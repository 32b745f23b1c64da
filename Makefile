# peacemap — the two commands: `make run` and `make test` (README); `make lint`
# runs the linters alone (docs/architecture.md#tools-that-keep-it-so).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: bytecode catalogues messages run test test-thorough lint hooks install assets system-deps system-deps-test check-python bench fuzz clean

run: system-deps install
	$(BIN)/peacemap start

# The suite, then the engagement-gap benchmark at scale 0.1 as a smoke test
# that fails when the analysis disagrees with naive PostGIS on any field (on
# every 5th community, to keep CI short; `make bench` compares them all),
# with the resident run and the cache (which fail when they differ from a
# fresh run); the geopandas and cold-start timings are left to `make bench`.
test: system-deps-test install lint
	$(BIN)/pytest -q
	$(BIN)/python bench/gaps.py --scale 0.1 --naive-every 5 --parts end-to-end,resident,naive,cache

# The suite with the property tests' "thorough" Hypothesis profile (2 000
# examples each instead of the default's 60; tests/conftest.py).
test-thorough: system-deps-test install
	HYPOTHESIS_PROFILE=thorough $(BIN)/pytest -q
# ruff (lint rules and the formatting), mypy (geo/, api/, layers/) and the
# import-linter contracts; every setting is in pyproject.toml.
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

# The same checks before each commit (.pre-commit-config.yaml, local hooks
# that call the tools in .venv); pre-commit itself comes from PyPI.
hooks: $(STAMP)
	$(BIN)/python -m pip install --quiet pre-commit
	$(BIN)/pre-commit install

install: $(STAMP) assets catalogues bytecode

# The project's bytecode, written once here: the editable install compiles none, and with
# PYTHONDONTWRITEBYTECODE (set on this machine and in the Dockerfile) every server start would
# compile ~180 modules from source again (≈ 15 % of the app's import; bench/README.md, "Cold start").
# A source edited since is compiled in memory at import, as before: never stale, only slower.
bytecode: $(STAMP)
	$(BIN)/python -m compileall -q api geo layers frontend

# The working languages' message catalogues: each committed .po compiled to its .mo (geo/i18n.py).
catalogues: $(STAMP)
	$(BIN)/pybabel compile -d geo/locale

# Leaflet JS/CSS for the pages, from the npm registry (no CDN at run time).
assets:
	@sh frontend/install_assets.sh

$(STAMP): pyproject.toml | check-python
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,lint]'
	$(BIN)/python -c 'from geo.analysis import kernels, wire; kernels.compile_all(); wire.compile_all()'  # numba's disk cache: no compile at a server's first analysis
	@touch $@

check-python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "peacemap needs Python 3.11 or newer (found " + sys.version.split()[0] + ")")'
	@$(PYTHON) -c 'import venv, ensurepip' 2>/dev/null || { echo "peacemap: Python's venv module is missing: apt-get install python3-venv" >&2; exit 1; }

system-deps:
	@bash scripts/system-deps.sh

system-deps-test:
	@bash scripts/system-deps.sh --test

# The message catalogues (geo/i18n.py): extract the msgids of the code and the
# templates (babel.cfg), merge them into each language's .po, compile the .mo
# (not committed: `make install` compiles them; tests/test_messages.py checks
# they are current and every msgid is translated). A new language:
# `.venv/bin/pybabel init -i geo/locale/messages.pot -d geo/locale -l ar`, translate, `make messages`.
messages: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k Nn_:1,2 --no-location --sort-output --project=peacemap -o geo/locale/messages.pot .
	$(BIN)/pybabel update -i geo/locale/messages.pot -d geo/locale --no-fuzzy-matching
	$(BIN)/pybabel compile -d geo/locale --statistics

bench: install
	$(BIN)/python bench/gaps.py --scale 0.1

# Every operation of /openapi.json fuzzed (schemathesis), 10 000+ cases: bench/README.md.
fuzz: system-deps-test install
	$(BIN)/python bench/fuzz.py --cases 10000

clean:
	-$(BIN)/peacemap db down
	rm -rf .peacemap $(VENV) *.egg-info tests/artifacts .mypy_cache .ruff_cache
