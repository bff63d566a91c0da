# jupyter-itbridge: the two commands of the README, and a few for contributors (CONTRIBUTING.md).
#   make lab          install everything and start JupyterLab with the extension (demo policy)
#   make test         install what the tests need and run the whole suite
#   make test-oldest  the wheel on the oldest supported dependencies, the `oldest` smoke tests
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root,)

.PHONY: lab test install install-test build lint typecheck format bench bench-redact clean wheel test-oldest oldest-venv constraints

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

# CI: redaction's linear-time benchmark; fails on growth > 2, prints the ms per 10 KB figures.
bench-redact:
	$(BIN)/python bench/bench_redact.py --quick --check

# -- CI's second leg: the oldest dependency set the metadata claims ---------------------------
# The wheel is built once into dist/ (the main leg's packaging tests check this very file when
# .ci/run passes it in ITBRIDGE_WHEEL) and installed into its own venv with every direct
# dependency pinned to its lower bound (.ci/constraints-oldest.txt, generated from pyproject).
# Python: the oldest one found that the package supports (3.10), else $(PYTHON).
OLDEST_VENV   ?= .venv-oldest
PYTHON_OLDEST_FOUND := $(shell for p in python3.10 $(HOME)/.pyenv/versions/3.10*/bin/python3.10 $(PYTHON); do \
	$$p -c 'import sys; assert sys.version_info >= (3, 10)' 2>/dev/null && { echo $$p; break; }; done)
PYTHON_OLDEST ?= $(PYTHON_OLDEST_FOUND)
WHEEL_GLOB    := dist/jupyter_itbridge-*.whl
# The test extras' bounds, less pytest-jupyter's [server] extra (it requires ipykernel>=6.14).
OLDEST_TOOLS  := "pytest>=8" "pytest-asyncio>=0.23" pytest-timeout "pytest-jupyter>=0.6" "playwright>=1.40"
OLDEST_TESTS  := tests/kernel/test_oldest_smoke.py tests/browser/test_oldest_lab.py \
	tests/foundation/test_kernel_autoload.py tests/foundation/test_packaging.py tests/backends/test_http.py

wheel: $(BIN)/python
	rm -f $(WHEEL_GLOB)
	$(BIN)/python -m pip wheel --no-deps -q -w dist .

constraints: $(BIN)/python
	$(BIN)/python .ci/oldest_constraints.py

oldest-venv: $(OLDEST_VENV)/.installed

$(OLDEST_VENV)/.installed: .ci/constraints-oldest.txt $(wildcard $(WHEEL_GLOB))
	@test -n "$(PYTHON_OLDEST)" || { echo "no Python >= 3.10 found for $(OLDEST_VENV)"; exit 1; }
	rm -rf $(OLDEST_VENV)
	$(PYTHON_OLDEST) -m venv $(OLDEST_VENV)
	$(OLDEST_VENV)/bin/python -m pip install -q --upgrade pip
	$(OLDEST_VENV)/bin/python -m pip install -q -c .ci/constraints-oldest.txt \
		"$(lastword $(sort $(wildcard $(WHEEL_GLOB))))[lab]" $(OLDEST_TOOLS)
	touch $@

test-oldest:
	@test -n "$(wildcard $(WHEEL_GLOB))" || $(MAKE) --no-print-directory wheel
	@$(MAKE) --no-print-directory oldest-venv
	$(OLDEST_VENV)/bin/python .ci/oldest_constraints.py --verify
	@$(OLDEST_VENV)/bin/python -c 'import sys; print("oldest leg on Python", sys.version.split()[0])'
	@$(OLDEST_VENV)/bin/python -m pytest -m oldest $(OLDEST_TESTS) $(PYTEST_ARGS); code=$$?; \
	if [ $$code -eq 5 ]; then echo "pytest collected no oldest tests: the leg is broken"; exit 1; fi; \
	exit $$code

clean:
	rm -rf jupyter_itbridge/labextension labextension/lib labextension/node_modules dist build artifacts $(OLDEST_VENV)
