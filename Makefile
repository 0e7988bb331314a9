# claimgraph: `make serve` and `make test` are all a newcomer needs (see README.md).
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
STORE ?= data/store
CORPUS ?= corpus

.PHONY: serve test quick test-servers layers venv install FORCE ingest check-corpus check ontology docs bench bench-ingest bench-1m bench-load copycheck vendor clean help

help:
	@echo "make serve   set up, ingest the corpus if needed, serve the API on 127.0.0.1:$(PORT)"
	@echo "make test    set up and run the tests"
	@echo "make quick   the fast tests only (units and doctests), while editing"
	@echo "make ingest | check-corpus | check | ontology | docs | layers | bench | bench-ingest | bench-1m | bench-load | copycheck | vendor | clean"

# The set-up: a virtual environment, then the package and its pinned dependencies, marked done by
# $(INSTALLED) only once everything is in. A set-up stopped half-way (Ctrl-C during the first
# `make serve`) can leave a .venv whose python runs no pip, or has no python at all: such a .venv
# is found on the next run and made again.
INSTALLED := $(VENV)/.installed
VENV_BROKEN := $(shell test -e $(VENV) && ! $(BIN)/python -m pip --version >/dev/null 2>&1 && echo yes)

$(VENV)/pyvenv.cfg: $(if $(VENV_BROKEN),FORCE)
	@test -n "$(PYTHON)" || { echo "Python 3.11 is needed (python3.11 or python3 on PATH)"; exit 2; }
	@if [ -e $(VENV) ]; then echo "$(VENV) is incomplete (its python runs no pip: an interrupted set-up?); making it again"; \
		rm -rf $(VENV); fi
	$(PYTHON) -m venv $(VENV)

$(INSTALLED): pyproject.toml constraints.txt $(VENV)/pyvenv.cfg
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade "pip>=24"
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e ".[test]"
	@touch $@

venv: $(VENV)/pyvenv.cfg

install: $(INSTALLED)

FORCE:

ingest: install
	$(BIN)/claimgraph ingest $(CORPUS) --store $(STORE)

check-corpus: install
	$(BIN)/claimgraph ingest $(CORPUS) --dry-run

serve: ingest
	$(BIN)/claimgraph serve --host 127.0.0.1 --port $(PORT) --store $(STORE)

test: install
	$(BIN)/python -m pytest

# The loop while editing: units and doctests, no store, server, browser or Java (under 30 s).
quick: install
	$(BIN)/python -m pytest -q -m "not slow"

# The import contract of pyproject.toml ([tool.importlinter]): the folders import one way.
layers: install
	$(BIN)/python -m tools.layers

# Only the tests against real servers (Oxigraph server and Virtuoso, started on loopback).
test-servers: install
	$(BIN)/python -m pytest tests/servers

# Benchmarks (not tests): synthetic corpora of 10k and 100k claims through the real ingestion path,
# every question on each store (each one's first page over HTTP, cold and repeated, beside the
# minimal engine query; then engine and product on every backend); then the load benchmark.
# Figures go to docs/benchmarks.md. Takes a while.
bench: install
	$(BIN)/python -m tools.bench --sizes 10000 100000 --repeat 30 --out docs/benchmarks.md
	$(BIN)/python -m tools.load --clients 50 --seconds 60 --out docs/benchmarks.md

# The load benchmark alone: 50 clients for 60 s on the real corpus, questions and /sparql mixed.
bench-load: install
	$(BIN)/python -m tools.load --clients 50 --seconds 60 --out docs/benchmarks.md

# Ingestion alone (full ingest claims/s, one-article add/edit/delete, peak RSS) at 10k and 100k.
bench-ingest: install
	$(BIN)/python -m tools.bench --sizes 10000 100000 --ingest-only --out docs/benchmarks-ingest.md

# 1M claims (long, and memory-hungry: run on a quiet machine): ingestion (full, one-article changes,
# peak RSS), then each question's first page over HTTP, cold and repeated, beside the minimal engine
# query, and the server's peak RSS (no per-backend runs at this size).
bench-1m: install
	$(BIN)/python -m tools.bench --sizes 1000000 --changes 3 --http-only --backends embedded --repeat 10 \
		--out docs/benchmarks-1m.md

# Regenerate claimgraph.owl and namespace.py from ontology/claimgraph.ttl. A file that Protégé
# saved elsewhere becomes the source with ONTOLOGY_SOURCE=path/to/saved.owl (generate --adopt).
ontology: install
	$(BIN)/python -m claimgraph.ontology.generate $(if $(ONTOLOGY_SOURCE),--source "$(ONTOLOGY_SOURCE)" --adopt)

# HermiT over the ontology and the ingested corpus (exit 1 if inconsistent, naming the offending
# individuals), then the SPARQL quality checks of ontology/checks/ (exit 1 on any violation).
check: ingest
	@java -version >/dev/null 2>&1 || { echo "make check runs the HermiT reasoner, which needs Java 8 or later:" \
		"install a Java runtime (e.g. apt-get install default-jre-headless) and put java on the PATH"; exit 2; }
	$(BIN)/claimgraph check --store $(STORE)
	$(BIN)/claimgraph check --quality --store $(STORE)

# build/docs/: ontology.html (every class, property and controlled value with an example from the
# store), ontology.ttl, ontology.owl, context.jsonld. Generated; `make serve` serves them at /ontology.
docs: ingest
	$(BIN)/claimgraph docs --store $(STORE) --out build/docs

copycheck:
	python3 ../shared/tools/copycheck.py .

# Re-vendor the dashboard's scripts and styles from their pinned npm versions (needs npm);
# `tools/vendor_web.py --check` verifies the vendored files against their manifest offline.
vendor: install
	$(BIN)/python tools/vendor_web.py

clean:
	rm -rf data .pytest_cache
