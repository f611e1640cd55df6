# Every target creates the virtual environment and installs the kit on first use.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install test report lab bench clean

install: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --upgrade pip
	$(BIN)/python -m pip install -e ".[test]"
	touch $(STAMP)

## Run the whole test suite: unit tests, doctests, property tests, nbval on every notebook.
test: $(STAMP)
	$(BIN)/python -m pytest

## Execute every notebook on the bundled data and write one HTML report each into reports/.
report: $(STAMP)
	$(BIN)/retention-kit report --out reports

## Performance benchmarks (not part of the tests): benchmarks/results/benchmark.md (analyst
## scale, export files), then benchmarks/results/scale.md (a 100M-row Parquet lake on DuckDB,
## Polars and Spark).
bench: $(STAMP)
	$(BIN)/python benchmarks/run.py --out benchmarks/results
	$(BIN)/python benchmarks/scale.py --out benchmarks/results

## Open JupyterLab on the notebooks.
lab: $(STAMP)
	$(BIN)/jupyter lab --notebook-dir=notebooks

clean:
	rm -rf $(VENV) reports
