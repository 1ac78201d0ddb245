# Two commands on a fresh machine with Python 3.11+: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTANCE := $(or $(MSSP_INSTANCE_DIR),instance)
DEMO_ADMIN_EMAIL ?= admin@mssp.example
DEMO_ADMIN_PASSWORD ?= orbit-lantern-2026
SYSTEM_PG_URL ?= postgresql://postgres@127.0.0.1:5432/test
export FLASK_APP := run.py

.PHONY: install run test test-fast test-e2e test-fuzz e2e-deps test-system-pg lint migrate stop

$(VENV)/.installed: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $@

install: $(VENV)/.installed

migrate: install
	$(BIN)/flask db upgrade

run: migrate
	MSSP_ADMIN_EMAIL=$(DEMO_ADMIN_EMAIL) MSSP_ADMIN_PASSWORD=$(DEMO_ADMIN_PASSWORD) $(BIN)/flask mssp init
	@test -f $(INSTANCE)/.demo-data-loaded || ($(BIN)/flask mssp seed-demo && touch $(INSTANCE)/.demo-data-loaded)
	@echo ""
	@echo "  MSSP Client Management on http://127.0.0.1:8080"
	@echo "  Sign in as $(DEMO_ADMIN_EMAIL) with password $(DEMO_ADMIN_PASSWORD)"
	@echo "  (demo users manager@, am@, engineer@mssp.example: password demo-password-2026)"
	@echo "  (the job scheduler runs beside the web server and stops with it)"
	@echo ""
	$(BIN)/flask mssp scheduler & scheduler=$$!; trap 'kill $$scheduler 2>/dev/null' EXIT INT TERM; \
		$(BIN)/gunicorn -c gunicorn.conf.py run:app

test: install e2e-deps
	$(BIN)/ruff check .
	$(BIN)/pytest

# The real-browser tests drive Debian's Chromium (Playwright's own browser download does not
# work here): installed with apt when missing and we are root; otherwise they are skipped.
e2e-deps:
	@command -v chromium >/dev/null 2>&1 || { \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium \
			|| echo "!! chromium could not be installed: the e2e tests will be skipped"; \
		else \
			echo "!! no chromium and not root with apt-get: the e2e tests will be skipped"; \
		fi; }

test-e2e: install e2e-deps
	$(BIN)/pytest -m e2e

test-fast: install
	$(BIN)/pytest -m "not e2e and not fuzz"

# The bounded schemathesis lane over /api/v1/_openapi alone (make test runs it too).
test-fuzz: install
	$(BIN)/pytest -m fuzz

# The migration, smoke and ingestion-plan tests again, against a system PostgreSQL (CI: the
# Debian PostgreSQL 15 of the machine): a plan measured on the embedded 18 must hold on 15 too.
test-system-pg: install
	TEST_DATABASE_URL=$(SYSTEM_PG_URL) $(BIN)/pytest -m "migrations or smoke or server_plans or failover"

lint: install
	$(BIN)/ruff check .

stop: install
	$(BIN)/flask mssp stop-db
