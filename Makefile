# Two commands on a fresh machine: `make demo` and `make test` (see README.rst).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: setup demo demo-cors test lint docs screenshots bench system-deps clean

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

lint: setup
	$(VENV)/bin/ruff check .

docs: setup
	$(VENV)/bin/sphinx-build -W -b html docs docs/_build/html

# The guide's pictures: the pages taken by the Chromium tests against the real demos, the
# desktop windows by their tests on Xvfb.
screenshots: system-deps setup
	./build.sh
	UPDATE_SCREENSHOTS=1 $(VENV)/bin/python -m pytest -q tests/test_screenshots.py
	DESKTOP_SCREENSHOTS=docs/_static $(VENV)/bin/python -m pytest -q \
		tests/test_desktop_flaskcors.py tests/test_desktop_flaskcelery.py -k "screenshot or progress_bar"

test: system-deps setup
	$(VENV)/bin/ruff check .
	./build.sh
	$(VENV)/bin/python -m pytest
	$(VENV)/bin/sphinx-build -W -q -b html docs docs/_build/html

bench: system-deps setup
	$(PY) -m bench

clean:
	rm -rf flaskcors/output flaskcelery/output docs/_build instance
