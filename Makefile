# Two commands on a fresh machine: `make demo` and `make test` (see README.rst).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: setup demo demo-cors check test-integration test-e2e test test-today lint lock docs screenshots bench system-deps clean

$(STAMP): requirements.txt requirements-dev.txt pyproject.toml scripts/setup-venv.sh
	PYTHON=$(PYTHON) VENV=$(VENV) bash scripts/setup-venv.sh
	touch $(STAMP)

setup: $(STAMP)

# The whole demo on the embedded defaults: page, Flask and a Celery worker.
# Options go in ARGS, e.g. make demo ARGS="--page-port 8080 --api-port 5050".
ARGS ?=
demo: setup
	$(PY) -m flaskcelery $(ARGS)

# Only the CORS example (no worker).
demo-cors: setup
	$(PY) -m flaskcors $(ARGS)

# Debian packages the tests drive for real (scripts/install-system-deps.sh lists them);
# needs root.
system-deps:
	bash scripts/install-system-deps.sh

# The lock files again, from pyproject.toml's ranges: today's pins are kept, new dependencies
# pinned (UV="uv" ... --upgrade moves every pin). Needs uv: pip install uv.
UV ?= uv
lock:
	$(UV) pip compile pyproject.toml --universal --python-version 3.11 -o requirements.txt
	$(UV) pip compile pyproject.toml --extra dev --universal --python-version 3.11 \
		-c requirements.txt -o requirements-dev.txt

lint: setup
	$(VENV)/bin/ruff check .

docs: setup
	$(VENV)/bin/sphinx-build -W -b html docs docs/_build/html

# The guide's pictures: the pages taken by the Chromium tests against the real demos, the
# desktop windows by their tests on Xvfb.
screenshots: system-deps setup
	./build.sh
	UPDATE_SCREENSHOTS=1 $(VENV)/bin/python -m pytest -q tests/e2e/test_screenshots.py
	DESKTOP_SCREENSHOTS=docs/_static $(VENV)/bin/python -m pytest -q \
		tests/e2e/test_desktop_flaskcors.py tests/e2e/test_desktop_flaskcelery.py -k "screenshot or progress_bar"

# The test tiers, each runnable alone (README.rst, "Tests"):
# the library's unit tests, against a tiny app of the tests' own, in under a minute;
check: setup
	$(VENV)/bin/python -m pytest -q tests/unit

# the examples and the library with real processes (servers, Celery workers, brokers);
test-integration: setup
	./build.sh
	$(VENV)/bin/python -m pytest tests/integration

# end to end: browsers, desktop windows, deployments, the docs, benchmarks' smoke, and the
# "today's stack" tier.
test-e2e: system-deps setup
	./build.sh
	$(VENV)/bin/python -m pytest tests/e2e

# Every test, every tier (the "today's stack" tier included, see test-today).
test: system-deps setup
	$(VENV)/bin/ruff check .
	./build.sh
	$(VENV)/bin/python -m pytest
	$(VENV)/bin/sphinx-build -W -q -b html docs docs/_build/html

# Only the "today's stack" tier (also part of make test): Python 3.14, RabbitMQ 4, Redis 8 in
# a Debian testing root, and the quickstart on Debian 12's own python3, both made with
# debootstrap once per machine (needs root).
test-today: system-deps setup
	$(VENV)/bin/python -m pytest tests/e2e/test_today_stack.py tests/e2e/test_debian_python.py

bench: system-deps setup
	$(PY) -m bench

clean:
	rm -rf flaskcors/output flaskcelery/output docs/_build instance
