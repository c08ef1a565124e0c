# Set-up and everyday commands; `make help` lists them.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1:8000
PO_FILES := $(wildcard locale/*/LC_MESSAGES/django.po)
MO_FILES := $(PO_FILES:.po=.mo)

.PHONY: help run test lint fmt migrations-check demo clean messages

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
