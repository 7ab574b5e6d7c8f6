# reformdash: `make run` serves the demo, `make test` runs the test suite but its slow tests, `make test-all` all of it.
# Both create .venv and install what pyproject.toml lists the first time (and when it or the lock changes), at the
# exact versions of requirements.lock.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp
LOCK   := requirements.lock
PORT   ?= 8000
PYTEST_ARGS ?=
# The suite runs on every core (pytest-xdist): two workers on two cores halve the wall time. Each
# worker has its own test database and Redis database (tests/conftest.py). `--dist loadfile` sends
# each test file whole to one worker, so a module-scoped fixture (the demo's load in
# test_demo_content.py, the bombs of test_xlsx_bombs.py) is built once, not once per worker;
# xdist_group/--dist loadgroup would be finer but does nothing under pytest 9 (xdist 3.8 renames
# node ids through an attribute pytest 9 no longer reads). XDIST= (empty) runs in one process.
XDIST ?= -n auto --dist loadfile

.PHONY: run test test-slow test-all lint format lock bench install migrate demo messages clean

$(STAMP): pyproject.toml $(LOCK)
	@$(PYTHON) -c 'import sys; sys.exit("reformdash needs Python 3.11 or newer, found " + sys.version.split()[0] if sys.version_info < (3, 11) else 0)'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check -c $(LOCK) -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

migrate: install
	$(PY) manage.py migrate --noinput

# load_demo is idempotent: the second and later runs find the demo and change nothing.
demo: migrate
	$(PY) manage.py load_demo

run: demo
	@$(PY) manage.py show_demo_credentials
	$(PY) manage.py runserver 127.0.0.1:$(PORT)

# `make test`: the newcomer's loop, the suite without the `slow` tests (a real Chromium, processes
# killed and restarted, generated fuzz cases, the demo's loads, the XLSX bombs: about half of the
# run's CPU time in a tenth of the tests), so that a fresh clone answers within four minutes on
# two cores with SQLite, the install included. `make test-all` runs everything, as .ci/run does on
# SQLite and on PostgreSQL + Redis. A `-m` in PYTEST_ARGS replaces make test's `-m "not slow"`.
test: install
	$(PY) -m pytest $(XDIST) -m "not slow" $(PYTEST_ARGS)

test-slow: install
	$(PY) -m pytest $(XDIST) -m slow $(PYTEST_ARGS)

test-all: install
	$(PY) -m pytest $(XDIST) $(PYTEST_ARGS)

# ruff: lint and format check, as .ci/run runs them; `make format` rewrites the files.
lint: install
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

format: install
	$(PY) -m ruff check --fix .
	$(PY) -m ruff format .

# The exact versions every install takes, resolved from pyproject.toml's ranges (all extras, any
# platform). Run after changing a range; commit requirements.lock with pyproject.toml. It needs no
# install first, which the old lock might refuse.
lock:
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check uv
	$(VENV)/bin/uv pip compile pyproject.toml --all-extras --universal --python-version 3.11 --quiet -o $(LOCK)

# Speed as ratios against bare SQL on a database of its own (bench/README.md). BENCH_ARGS=--national for the full size.
BENCH_ARGS ?=
bench: install
	$(PY) -m pip install --quiet --disable-pip-version-check -c $(LOCK) -e '.[bench]'
	$(PY) bench/run.py $(BENCH_ARGS)

# Re-extract and compile the translations after changing user-facing text (needs GNU gettext).
messages: install
	$(PY) manage.py makemessages --locale vi --no-location --ignore '$(VENV)/*' --ignore 'staticfiles/*'
	$(PY) manage.py compilemessages --locale vi --ignore '$(VENV)/*'

clean:
	rm -rf $(VENV) var staticfiles .pytest_cache
