# The two commands of README.md: `make demo` and `make test`.
# Python 3.11 (pyproject pins it); fall back to python3 where that is 3.11.
PY      ?= $(shell command -v python3.11 || command -v python3)
VENV    := .venv
BIN     := $(VENV)/bin
ASSETS  := sanfang/static/vendor/htmx.min.js
export SANFANG_VAR ?= $(CURDIR)/var
# Tests run with a throwaway key and without the manifest storage (no collectstatic needed).
TESTENV := SECRET_KEY=tests-only-key PERSON_ID_KEY=tests-only-person-key SANFANG_TESTING=1 DEBUG=0
HOST    ?= 127.0.0.1
PORT    ?= 8000

.PHONY: demo test install assets lint serve messages clean

$(BIN)/sanfang: pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $@

$(ASSETS): package.json package-lock.json scripts/build-assets.mjs
	npm ci --no-audit --no-fund
	npm run build

install: $(BIN)/sanfang $(ASSETS)

# The two keys, made once and kept in var/ (settings read them from there).
$(SANFANG_VAR)/secret_key $(SANFANG_VAR)/person_id_key:
	mkdir -p $(SANFANG_VAR)
	umask 077 && $(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(50))' > $@

demo: install $(SANFANG_VAR)/secret_key $(SANFANG_VAR)/person_id_key
	$(BIN)/sanfang migrate --no-input -v0
	$(BIN)/sanfang collectstatic --no-input -v0
	$(BIN)/sanfang seed demo
	@echo "Serving Sanfang at http://$(HOST):$(PORT)/  (Ctrl-C to stop)"
	$(BIN)/granian --interface wsgi --host $(HOST) --port $(PORT) --workers 2 --blocking-threads 4 \
	  --access-log sanfang.wsgi:application

test: install
	$(BIN)/ruff check .
	env -u DATABASE_URL $(TESTENV) $(BIN)/sanfang makemigrations --check --dry-run
	@echo "== suite on SQLite"
	env -u DATABASE_URL $(TESTENV) $(BIN)/pytest -n 2 -m "not browser"
	@if [ -n "$$DATABASE_URL" ]; then \
	  echo "== suite on PostgreSQL ($$DATABASE_URL)"; \
	  $(TESTENV) $(BIN)/pytest -n 2 -m "not browser"; \
	elif [ -n "$$CI" ]; then echo "CI must run the suite on PostgreSQL: set DATABASE_URL" >&2; exit 1; \
	else echo "== DATABASE_URL not set: PostgreSQL run skipped (CI always runs it)"; fi
	@echo "== browser tests (chromium)"
	env -u DATABASE_URL $(TESTENV) $(BIN)/pytest -m browser -p no:xdist

messages: install
	cd sanfang && $(TESTENV) ../$(BIN)/sanfang makemessages -l zh_Hans --no-obsolete --ignore "browser_tests/*" && $(TESTENV) ../$(BIN)/sanfang compilemessages -l zh_Hans

clean:
	rm -rf $(VENV) node_modules sanfang/static/vendor
