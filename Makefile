# Commands for contributors: `make demo`, `make test` (what CI runs) and `make quick`. Each builds its own
# virtual environment in .venv and installs what it needs.
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp

.PHONY: demo test quick lint bench messages

$(STAMP): pyproject.toml setup.cfg
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	touch $(STAMP)

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

test: $(STAMP)
	bash .ci/services.sh
	$(MAKE) lint
	$(PY) -m pytest

# The unit tier, for the edit-test loop: no browsers, wheels, heavy loops, other processes
# or store matrix (see docs/contributing.md). CI runs `make test`.
quick: $(STAMP)
	$(PY) -m pytest -q -m "not slow and not browser and not stores"

# Refresh every shipped catalogue from the source strings, then compile them (needs GNU
# gettext). The copied admin login template is left out: its strings are the admin's own,
# which Django's catalogues translate; tests/catalogues.py extracts the same way. A new
# language: the same makemessages with -l <locale> instead of --all (docs/i18n.md).
messages: $(STAMP)
	cd django_captcha_guard && $(abspath $(VENV))/bin/django-admin makemessages --all -i 'templates/captcha_guard/admin/*'
	cd django_captcha_guard && $(abspath $(VENV))/bin/django-admin compilemessages

# The store comes from CAPTCHA_GUARD_STORE (database, session, memory or cache), the address
# from HOST and PORT (see demo_site/README.md).
HOST ?= 127.0.0.1
PORT ?= 8000
demo: $(STAMP)
	$(PY) demo_site/manage.py migrate --noinput
	@echo "Demo: http://$(HOST):$(PORT) (sign in with demo / demo; store: $${CAPTCHA_GUARD_STORE:-database}; set HOST and PORT to move it)"
	$(PY) demo_site/manage.py runserver $(HOST):$(PORT)

# One table: rendering, stores, and HTTP load (wrk against gunicorn) next to
# django-simple-captcha, which gets its own venv in .bench/. Takes about 6 minutes.
bench: $(STAMP)
	bash .ci/services.sh
	command -v wrk >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk)
	$(PY) -m pip install -q -e '.[bench]'
	$(PY) -m benchmarks.run
