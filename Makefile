# The two set-up commands: `make run` and `make test`.
PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export ANONYMIZED_TELEMETRY := False

.PHONY: run test install install-test browser ingest bench eval lint clean

$(BIN)/python:
	$(shell command -v $(PY) >/dev/null 2>&1 && echo $(PY) || echo python3) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

# torch is pinned to the CPU build on this machine; installing it first stops pip pulling CUDA packages.
install: $(BIN)/python
	$(BIN)/pip install -q torch==2.13.0
	$(BIN)/pip install -q -e .

install-test: install
	$(BIN)/pip install -q -e '.[test]'

browser:
	@command -v chromium >/dev/null 2>&1 || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null)

ingest: install
	$(BIN)/assistant ingest

# Ends by starting the chat page on http://127.0.0.1:7860/ (Ctrl+C stops it).
run: ingest
	$(BIN)/assistant serve

test: install-test browser
	$(BIN)/python -m pytest -q

eval: install-test
	$(BIN)/python -m pytest -q eval/

bench: install-test
	$(BIN)/python -m bench

lint: install-test
	$(BIN)/ruff check assistant tests eval bench train app.py

clean:
	rm -rf .assistant eval/out
