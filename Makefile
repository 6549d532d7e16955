# ChannelSim: `make demo` runs the baseline scenario; `make test` runs the test suite.
# Both create .venv with a Python >= 3.12 and install the project on first use.
VENV := .venv
STAMP := $(VENV)/.installed-stamp

.PHONY: demo test lint bench clean-venv

demo: $(STAMP)
	$(VENV)/bin/channelsim run baseline

test: $(STAMP)
	$(VENV)/bin/ruff check sim tests benchmarks
	$(VENV)/bin/ruff format --check sim tests benchmarks
	$(VENV)/bin/mypy
	$(VENV)/bin/python -m pytest

lint: $(STAMP)
	$(VENV)/bin/ruff check sim tests benchmarks
	$(VENV)/bin/mypy

bench: $(STAMP)
	$(VENV)/bin/python benchmarks/run_benchmarks.py

$(STAMP): pyproject.toml
	@PY=$$(bash scripts/find_python.sh) || exit 1; \
	if [ ! -x $(VENV)/bin/python ]; then echo "creating $(VENV) with $$PY"; "$$PY" -m venv $(VENV) || exit 1; fi
	$(VENV)/bin/python -m pip install --quiet --upgrade pip
	$(VENV)/bin/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

clean-venv:
	rm -rf $(VENV)
