# Set-up and everyday commands; `make help` lists them.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1:8000
PO_FILES := $(wildcard locale/*/LC_MESSAGES/django.po)
MO_FILES := $(PO_FILES:.po=.mo)

.PHONY: help run test lint fmt migrations-check demo clean messages serve load-test bench generate

help:
	@echo "make run               set up, migrate, load demo data, serve on http://$(HOST)"
	@echo "make test              set up and run the whole test suite (DATABASE_URL picks the database)"
	@echo "make lint              ruff check and format check"
	@echo "make fmt               ruff format and fix"
	@echo "make migrations-check  fail if models and migrations differ"
	@echo "make demo              load the demo data and logins only"
	@echo "make messages          update locale/fi/LC_MESSAGES/django.po from the sources"
	@echo "make clean             remove the virtual environment and the SQLite database"
	@echo "make bench-import      benchmark the CSV import (ROWS=100000)"
	@echo "make serve             the production server: gunicorn, static files, migrations"
	@echo "make load-test         reps writing, managers reading against the production server (PostgreSQL)"
	@echo "make bench             every page at 1,000 / 10,000 / 100,000 opportunities, SQLite and PostgreSQL"
	@echo "make generate          a large data set into DATABASE_URL's database (OPPORTUNITIES=100000)"

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

run: $(STAMP) $(MO_FILES)
	DJANGO_DEBUG=true $(BIN)/python manage.py migrate --no-input
	DJANGO_DEBUG=true $(BIN)/python manage.py load_demo --url http://$(HOST)/
	DJANGO_DEBUG=true $(BIN)/python manage.py runserver $(HOST)

demo: $(STAMP) $(MO_FILES)
	DJANGO_DEBUG=true $(BIN)/python manage.py migrate --no-input
	DJANGO_DEBUG=true $(BIN)/python manage.py load_demo

# The translations are compiled with Babel (installed with the project), so
# running the app needs no system gettext.
%.mo: %.po $(STAMP)
	$(BIN)/pybabel -q compile -i $< -o $@

# Extracting messages (make messages, and the test that every message is
# translated) needs GNU gettext's xgettext.
XGETTEXT := /usr/bin/xgettext
$(XGETTEXT):
	@if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq gettext; \
	else sudo apt-get update -qq && sudo apt-get install -y -qq gettext; fi

messages: $(STAMP) $(XGETTEXT)
	DJANGO_DEBUG=true $(BIN)/python manage.py makemessages --locale fi --no-obsolete --add-location file --ignore '.venv/*' --ignore 'tests/*'

# The browser tests drive Debian's Chromium; install it when it is missing.
CHROMIUM := /usr/bin/chromium
$(CHROMIUM):
	@if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium; \
	else sudo apt-get update -qq && sudo apt-get install -y -qq chromium; fi

test: $(STAMP) $(CHROMIUM) $(XGETTEXT) $(MO_FILES)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

fmt: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

migrations-check: $(STAMP)
	DJANGO_DEBUG=true $(BIN)/python manage.py makemigrations --check --dry-run

clean:
	rm -rf $(VENV) db.sqlite3

# Time import_data on generated files (rolled back afterwards); ROWS=1000000 for more.
.PHONY: bench-import
ROWS ?= 100000
bench-import: $(STAMP)
	DJANGO_DEBUG=$${DJANGO_DEBUG:-false} DJANGO_SECRET_KEY=$${DJANGO_SECRET_KEY:-bench-only-not-secret-0123456789abcdefghijklmnopqrstuvwxyz} \
		$(BIN)/python manage.py migrate --no-input -v0
	DJANGO_DEBUG=$${DJANGO_DEBUG:-false} DJANGO_SECRET_KEY=$${DJANGO_SECRET_KEY:-bench-only-not-secret-0123456789abcdefghijklmnopqrstuvwxyz} \
		$(BIN)/python manage.py bench_import --rows $(ROWS)

# The production server. Needs DJANGO_SECRET_KEY and DATABASE_URL (and
# DJANGO_ALLOWED_HOSTS); see the README.
serve: $(STAMP) $(MO_FILES)
	$(BIN)/python manage.py check --deploy
	$(BIN)/python manage.py collectstatic --no-input -v0
	$(BIN)/python manage.py migrate --no-input
	$(BIN)/gunicorn --config crm/gunicorn.conf.py

# Start the production server on LOAD_HOST:LOAD_PORT (plain HTTP), drive it
# with WRITERS reps moving and closing and READERS managers reading (FLOOD:
# password sprayers too) for SECONDS, check the history, stop the server (also
# when interrupted). On DATABASE_URL's database, by default the local
# PostgreSQL's crm_load (created when missing).
LOAD_HOST ?= 127.0.0.1
LOAD_PORT ?= 8001
LOAD_URL := http://$(LOAD_HOST):$(LOAD_PORT)
SECONDS ?= 60
WRITERS ?= 8
READERS ?= 8
FLOOD ?= 0
LOAD_ENV := DATABASE_URL=$${DATABASE_URL:-postgres://root@127.0.0.1:5432/crm_load} \
	DJANGO_SECRET_KEY=$${DJANGO_SECRET_KEY:-load-test-only-not-secret-0123456789abcdefghijklmnop} \
	DJANGO_HTTPS=false DJANGO_LOG_LEVEL=WARNING
load-test: $(STAMP) $(MO_FILES)
	@[ -n "$$DATABASE_URL" ] || createdb -h 127.0.0.1 -U root crm_load 2>/dev/null || true
	$(LOAD_ENV) $(BIN)/python manage.py migrate --no-input -v0
	$(LOAD_ENV) $(BIN)/python manage.py collectstatic --no-input -v0
	$(LOAD_ENV) GUNICORN_BIND=$(LOAD_HOST):$(LOAD_PORT) $(BIN)/gunicorn --config crm/gunicorn.conf.py \
		--access-logfile /dev/null --pid .load-test.pid --daemon
	@stop() { pid=$$(cat .load-test.pid 2>/dev/null) && kill $$pid && \
		while kill -0 $$pid 2>/dev/null; do sleep 0.2; done; rm -f .load-test.pid; }; \
	trap 'stop; exit 130' INT TERM; \
	for _ in $$(seq 50); do curl -fso /dev/null $(LOAD_URL)/accounts/login/ && break; sleep 0.2; done; \
	$(LOAD_ENV) $(BIN)/python manage.py load_test --url $(LOAD_URL) --seconds $(SECONDS) \
		--writers $(WRITERS) --readers $(READERS) --flood $(FLOOD); \
	status=$$?; stop; exit $$status

# Every page's median server time and query count at growing data sizes, on
# SQLite (a file of its own) and on PostgreSQL (database crm_bench, created
# when missing); the data is generated and removed again.
BENCH_SIZES ?= 1000,10000,100000
BENCH_SQLITE := sqlite:///$(CURDIR)/.bench.sqlite3
BENCH_PG ?= postgres://root@127.0.0.1:5432/crm_bench
BENCH_ENV := DJANGO_SECRET_KEY=bench-only-not-secret-0123456789abcdefghijklmnopqrst \
	DJANGO_LOG_LEVEL=WARNING DJANGO_HTTPS=false
bench: $(STAMP) $(MO_FILES)
	$(BENCH_ENV) $(BIN)/python manage.py collectstatic --no-input -v0
	rm -f .bench.sqlite3
	DATABASE_URL=$(BENCH_SQLITE) $(BENCH_ENV) $(BIN)/python manage.py migrate --no-input -v0
	DATABASE_URL=$(BENCH_SQLITE) $(BENCH_ENV) $(BIN)/python manage.py bench_pages --sizes $(BENCH_SIZES)
	rm -f .bench.sqlite3
	@createdb -h 127.0.0.1 -U root crm_bench 2>/dev/null || true
	DATABASE_URL=$(BENCH_PG) $(BENCH_ENV) $(BIN)/python manage.py migrate --no-input -v0
	DATABASE_URL=$(BENCH_PG) $(BENCH_ENV) $(BIN)/python manage.py bench_pages --sizes $(BENCH_SIZES)

# A large, reproducible data set (crm/devtools/generate.py) in DATABASE_URL's database.
OPPORTUNITIES ?= 100000
SEED ?= 1
generate: $(STAMP)
	DJANGO_DEBUG=true $(BIN)/python manage.py migrate --no-input -v0
	DJANGO_DEBUG=true $(BIN)/python manage.py generate_data --opportunities $(OPPORTUNITIES) --seed $(SEED)
