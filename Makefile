# The two commands of the README: `make demo` and `make test`.
# Everything else here is what those two need on a fresh machine.

PYTHON ?= python3
VENV ?= .venv
PORT ?= 5000
HOST ?= 127.0.0.1
# The demo PKI's CRL/OCSP/TSA port; unset, lk demo takes LK_PKI_PORT, the existing PKI's, or 8765.
PKI_PORT ?=
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell sha1sum pyproject.toml | cut -c1-12)

.PHONY: demo test test-sqlite test-postgres install bytecode system-deps lint typecheck bench messages clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test]'
	rm -f $(VENV)/.installed-*
	touch $@

install: $(STAMP) bytecode

# The portal's own modules compiled ahead (as the image does): with PYTHONDONTWRITEBYTECODE
# set, as on this CI machine and in the image, Python would otherwise compile ~300 modules
# in every process it starts — each `lk` command, worker, test subprocess — ~0.4 s of CPU a
# start. Only files changed since the last run are compiled again.
bytecode: $(STAMP)
	$(BIN)/python -m compileall -q lk_corporate signing documents

## make demo: set up and start the demo (SQLite, demo PKI, local CRL/OCSP/TSA, mail to files)
demo: $(STAMP) bytecode
	$(BIN)/lk demo --host $(HOST) --port $(PORT)$(if $(PKI_PORT), --pki-port $(PKI_PORT))

## make test: install what the tests need, lint (ruff) and type-check (mypy), run the tests
## (SQLite unless LK_TEST_DATABASE_URL is set)
test: $(STAMP) bytecode system-deps lint typecheck
	$(BIN)/python -m pytest $(PYTEST_ARGS)

test-postgres: $(STAMP) bytecode system-deps
	LK_TEST_DATABASE_URL=$${LK_TEST_DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/postgres} \
		$(BIN)/python -m pytest $(PYTEST_ARGS)

system-deps:
	bash scripts/install-system-deps.sh

lint: $(STAMP)
	$(BIN)/ruff check lk_corporate signing documents tests bench scripts

typecheck: $(STAMP)
	$(BIN)/mypy

bench: $(STAMP) bytecode system-deps
	for b in bench/bench_*.py; do $(BIN)/python $$b || exit 1; done

## messages: re-extract translatable strings into the ru/en catalogues and compile them
messages: $(STAMP)
	$(BIN)/python scripts/i18n.py extract

clean:
	rm -rf $(VENV) instance .pytest_cache
