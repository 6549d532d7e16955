# ChannelSim: `make demo` runs the baseline scenario; `make test` runs the test suite.
# Both create .venv with a Python >= 3.12 and install the project on first use.
VENV := .venv
STAMP := $(VENV)/.installed-stamp

.PHONY: demo test lint bench compile clean-venv

demo: compile
	$(VENV)/bin/channelsim run baseline

test: $(STAMP)
	$(VENV)/bin/ruff check sim tests benchmarks
	$(VENV)/bin/ruff format --check sim tests benchmarks
	$(VENV)/bin/mypy
	$(VENV)/bin/python -m pytest

lint: $(STAMP)
	$(VENV)/bin/ruff check sim tests benchmarks
	$(VENV)/bin/mypy

bench: compile
	$(VENV)/bin/python benchmarks/run_benchmarks.py

# Byte-compile the project (the install step does it too). With PYTHONDONTWRITEBYTECODE set,
# Python does not write .pyc files itself and would compile every module of the editable install
# at each start (about 0.1 s of a run); it still reads them, and ignores stale ones (mtime).
compile: $(STAMP)
	$(VENV)/bin/python -m compileall -q sim

$(STAMP): pyproject.toml
	@PY=$$(bash scripts/find_python.sh) || exit 1; \
	if [ ! -x $(VENV)/bin/python ]; then echo "creating $(VENV) with $$PY"; "$$PY" -m venv $(VENV) || exit 1; fi
	$(VENV)/bin/python -m pip install --quiet --upgrade pip
	$(VENV)/bin/python -m pip install --quiet -e '.[dev]'
	$(VENV)/bin/python -m compileall -q sim
	touch $(STAMP)

clean-venv:
	rm -rf $(VENV)
