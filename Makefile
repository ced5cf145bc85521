# The two commands a newcomer needs: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
DEMO_ADDR ?= 127.0.0.1:8000
# Serving the demo beyond this machine needs DEMO_PUBLIC=i-understand (DEBUG pages, a sandbox that
# signs anyone in): the demo refuses a non-loopback DEMO_ADDR without it.
DEMO_PUBLIC ?=
# The sandbox registers the demo's callback URL from this, so sign-in works on any DEMO_ADDR.
PORTAL_PUBLIC_URL ?= http://$(DEMO_ADDR)
CHROMIUM ?= /usr/bin/chromium

LOCK := requirements/dev.txt

.PHONY: install lock lock-upgrade check demo test test-fast bench check-browser clean

# Installs exactly what the lock says, every file checked against its hash; the portal itself is
# installed editable without touching the network again.
$(STAMP): pyproject.toml $(LOCK)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --require-hashes -r $(LOCK)
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $(STAMP)

install: $(STAMP)

## make lock: after changing dependencies in pyproject.toml, pin them (with hashes) in requirements/:
## base.txt is what the production image installs, dev.txt adds the test and check tools.
## Existing pins are kept; `make lock-upgrade` moves everything to the newest allowed versions.
lock: install
	CUSTOM_COMPILE_COMMAND="make lock" $(BIN)/pip-compile $(LOCK_FLAGS) --output-file requirements/base.txt pyproject.toml
	CUSTOM_COMPILE_COMMAND="make lock" $(BIN)/pip-compile $(LOCK_FLAGS) --extra test --extra dev \
	  --constraint requirements/base.txt --output-file requirements/dev.txt pyproject.toml

lock-upgrade: LOCK_FLAGS := --upgrade
lock-upgrade: lock

## make check: lint, formatting and types — run it before every landing.
check: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

## make demo: the portal and its embedded Procore sandbox on http://$(DEMO_ADDR), with a worker.
demo: export PORTAL_PUBLIC_URL := $(PORTAL_PUBLIC_URL)
ifeq ($(DEMO_PUBLIC),i-understand)
# The person said they understand: the sandbox answers clients beyond this machine too.
demo: export SANDBOX_ALLOWED_CLIENTS := *
endif
demo: install
	$(BIN)/python manage.py demo_check_address "$(DEMO_ADDR)" --public "$(DEMO_PUBLIC)"
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py sandbox_seed
	$(BIN)/python manage.py demo_banner --url "http://$(DEMO_ADDR)"
	$(BIN)/python manage.py qcluster & worker=$$!; \
	  trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	  $(BIN)/python manage.py runserver --noreload $(DEMO_ADDR)

## make test: the whole suite (unit, integration against the live sandbox, browser tests), in
## TEST_WORKERS processes (pytest-xdist; each has its own test database, live server and S3 server,
## and runs whole files). Much of the suite waits on servers, browsers, worker processes and real
## clock windows, so more processes than cores pays: with five, the waiting files run beside the
## busy ones and two cores stay busy to the end; TEST_WORKERS=0 runs it in this process alone.
TEST_WORKERS ?= 5
# pytest keeps the test modules it has rewritten (for its assertion messages) in __pycache__
# (gitignored) even where the environment sets PYTHONDONTWRITEBYTECODE: rewriting the suite again
# costs every test process about 5 s.
PYTEST := PYTHONDONTWRITEBYTECODE= $(BIN)/python -m pytest
test: install check-browser
	DJANGO_ALLOW_ASYNC_UNSAFE=true $(PYTEST) -n $(TEST_WORKERS) --dist loadfile --no-loadscope-reorder

## make test-fast: the fast layer, to run on every change: no live server, no browser, no
## production processes (the markers come from the fixtures a test uses; see conftest.py). It keeps
## its test databases between runs, flushed as each run starts, and only applies new migrations
## (--reuse-db); after editing a migration, `make test-fast PYTEST_ADDOPTS=--create-db` builds them again. Its tests keep the CPU
## busy, so it runs in one process per core (TEST_FAST_WORKERS=0: in this process alone).
TEST_FAST_WORKERS ?= auto
test-fast: install
	$(PYTEST) -n $(TEST_FAST_WORKERS) --dist loadfile --reuse-db -m "not live and not e2e and not deploy"

check-browser:
	@test -x $(CHROMIUM) || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else \
	    echo "Browser tests need Chromium at $(CHROMIUM): sudo apt-get install chromium" >&2; exit 1; \
	  fi; }

## make bench: every benchmark in bench/, each ending with a RESULT line.
bench: install
	@for script in bench/*.py; do echo "== $$script"; $(BIN)/python $$script || exit 1; done

clean:
	rm -rf $(VENV) var staticfiles .pytest_cache
