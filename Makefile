# jupyter-itbridge: the two commands of the README, and a few for contributors.
#   make lab   install everything and start JupyterLab with the extension (demo policy, local store)
#   make test  install what the tests need and run the whole suite
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root,)

.PHONY: lab test install install-test build lint typecheck format bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

install: $(BIN)/python
	$(BIN)/python -m pip install -e ".[lab]"

install-test: $(BIN)/python
	$(BIN)/python -m pip install -e ".[test]"

lab: install
	JUPYTER_ITBRIDGE_DISABLE= $(BIN)/jupyter lab --config=demo/jupyter_server_config.py $(ROOT_FLAG) $(LAB_ARGS)

# pytest, then the frontend's jest unit tests (labextension/src/__tests__); either failing fails.
test: install-test
	@$(BIN)/python -m pytest $(PYTEST_ARGS); code=$$?; \
	if [ $$code -eq 5 ]; then echo "pytest collected no tests: the suite is broken"; code=1; fi; \
	cd labextension && PATH="$(CURDIR)/$(BIN):$$PATH" jlpm install >/dev/null && \
	PATH="$(CURDIR)/$(BIN):$$PATH" jlpm test || { echo "jest unit tests failed"; [ $$code -ne 0 ] || code=1; }; \
	exit $$code

# Rebuild the labextension after changing TypeScript (pip's build hook skips an existing build).
build: $(BIN)/python
	cd labextension && PATH="$(CURDIR)/$(BIN):$$PATH" jlpm install && PATH="$(CURDIR)/$(BIN):$$PATH" jlpm build:prod
	$(BIN)/python -m pip install -q -e ".[test]"

lint: typecheck
	$(BIN)/ruff check . && $(BIN)/ruff format --check .
	cd labextension && PATH="$(CURDIR)/$(BIN):$$PATH" jlpm lint:check

# mypy over the package, with the settings in pyproject.toml ([tool.mypy]).
typecheck:
	$(BIN)/mypy

format:
	$(BIN)/ruff check --fix . && $(BIN)/ruff format .
	cd labextension && PATH="$(CURDIR)/$(BIN):$$PATH" jlpm lint

bench:
	for b in bench/*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

clean:
	rm -rf jupyter_itbridge/labextension labextension/lib labextension/node_modules dist build artifacts
