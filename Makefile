# The two commands: `make run` and `make test` (see README.md).
PYTHON ?= python3
# `make run PORT=5050 MAIL_PORT=2525`: another port where 5000 or 8025 is taken.
PORT      ?= 5000
MAIL_PORT ?= 8025
PUBLIC_BASE_URL ?= http://127.0.0.1:$(PORT)
VENV   := .venv
BIN    := $(VENV)/bin
export FLASK_APP := wsgi

.PHONY: run test lint deps dev-deps system-deps translations bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

# Reinstall only when the pinned requirements change.
$(VENV)/.deps: requirements.txt | $(BIN)/python
	$(BIN)/pip install -q -r requirements.txt
	touch $@

$(VENV)/.dev-deps: requirements.txt requirements-dev.txt $(VENV)/.deps
	$(BIN)/pip install -q -r requirements-dev.txt
	touch $@

deps: $(VENV)/.deps
dev-deps: $(VENV)/.dev-deps

# Debian packages: Chromium for browser tests, a CJK font (PDFs and screenshots; without it
# Chinese shows as boxes), poppler for checking PDFs. Installed only when missing and apt works.
system-deps:
	@missing=""; \
	command -v chromium >/dev/null 2>&1 || missing="$$missing chromium"; \
	[ -f /usr/share/fonts/truetype/wqy/wqy-zenhei.ttc ] || missing="$$missing fonts-wqy-zenhei"; \
	command -v pdftoppm >/dev/null 2>&1 || missing="$$missing poppler-utils"; \
	if [ -n "$$missing" ]; then \
	  if command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
	    echo "installing:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else echo "please install with apt:$$missing"; fi; \
	fi

translations: $(VENV)/.deps
	$(BIN)/python tools/i18n.py compile

# Serves on http://127.0.0.1:$(PORT) with demo data; new mail is printed to this terminal (the
# demo's own mail in one line: `.venv/bin/flask outbox show` prints it).
run: dev-deps translations
	@[ -f /usr/share/fonts/truetype/wqy/wqy-zenhei.ttc ] || $(MAKE) --no-print-directory system-deps
	APP_ENV=development $(BIN)/flask db upgrade
	APP_ENV=development PUBLIC_BASE_URL=$(PUBLIC_BASE_URL) $(BIN)/flask seed-demo
	APP_ENV=development PUBLIC_BASE_URL=$(PUBLIC_BASE_URL) PORT=$(PORT) MAIL_PORT=$(MAIL_PORT) \
	  $(BIN)/python tools/devserver.py

lint: dev-deps
	$(BIN)/ruff check .

# The suite in two runs: everything but the browser on every core (pytest-xdist; each worker
# makes its own PostgreSQL database), then the browser walks one at a time.
test: dev-deps system-deps translations lint
	$(BIN)/python -m pytest -m "not e2e" -n auto
	$(BIN)/python -m pytest -m e2e

bench: dev-deps translations
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) instance .pytest_cache .ruff_cache test-artifacts
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
