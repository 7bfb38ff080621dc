# The project's verbs. `make run` and `make test` are all a newcomer needs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000

.PHONY: run test lint format messages check-deploy bench clean

# Runtime dependencies; reinstalled when pyproject.toml changes.
$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	touch $@

# Development dependencies on top: the test runner, factories, Playwright, ruff.
$(VENV)/.installed-dev: $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

# Links in mails, feeds and the API name the port served, unless FORUM_SITE_URL says otherwise.
run: $(VENV)/.installed
	DJANGO_DEBUG=true $(BIN)/python manage.py migrate --noinput
	DJANGO_DEBUG=true $(BIN)/python manage.py loadseed
	DJANGO_DEBUG=true FORUM_SITE_URL=$${FORUM_SITE_URL:-http://127.0.0.1:$(PORT)} \
	    $(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

test: $(VENV)/.installed-dev
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	DJANGO_DEBUG=true $(BIN)/python manage.py makemigrations --check --dry-run

format: $(VENV)/.installed-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# The Spanish catalogues (README, "Languages"): new strings of ours into the .po files,
# then the .mo files Django reads. Needs GNU gettext (Debian's gettext package).
MAKEMESSAGES_ARGS := -l es --add-location=file --ignore=.venv --ignore=tests --ignore=bench \
	--ignore=seeds --ignore=staticfiles --ignore=forum/importers --ignore=forum/exporters \
	--ignore=forum/management
messages: $(VENV)/.installed
	DJANGO_DEBUG=true $(BIN)/python manage.py makemessages $(MAKEMESSAGES_ARGS)
	DJANGO_DEBUG=true $(BIN)/python manage.py compilemessages -l es --ignore=.venv

# `manage.py check --deploy` as production runs it: debug off, a real secret key.
check-deploy: $(VENV)/.installed
	DJANGO_DEBUG=false DJANGO_ALLOWED_HOSTS=forum.example.org \
	DJANGO_SECRET_KEY="$$($(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(50))')" \
	$(BIN)/python manage.py check --deploy --fail-level WARNING

# The performance targets (bench/README.md): in process on SQLite and on PostgreSQL, a
# 100,000-comment WordPress import into each, then gunicorn under wrk over PostgreSQL and
# Redis. Prints one table and PASS or FAIL per target; fails if any target does.
# BENCH_ARGS="--quick" to try it out, "--only-import" for the import alone. wrk is Debian's
# package, installed here when missing (as root); without it the load test says so.
BENCH_DATABASE_URL ?= postgres://root@127.0.0.1:5432/forum_bench
bench: $(VENV)/.installed
	@command -v wrk >/dev/null || { echo "wrk is missing: installing Debian's package"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk \
	    >/dev/null || echo "Could not install wrk (as root?): the load test will fail"; }
	BENCH_DATABASE_URL=$(BENCH_DATABASE_URL) $(BIN)/python -m bench $(BENCH_ARGS)

clean:
	rm -rf $(VENV) staticfiles test-results bench/results .pytest_cache .ruff_cache *.egg-info
