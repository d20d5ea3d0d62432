# The two commands in README.md: `make book` builds the HTML site and the PDF; `make test` runs
# the tests. Each creates .venv and installs what it needs first.
SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# The notebook environment of `make lab` (below).
LAB_VENV := .venv-lab
LAB_BIN := $(LAB_VENV)/bin
BUILD := _build
HTML := $(BUILD)/html
PDF_NAME := kursk-edition.pdf
export KURSK_BOOK_BUILD := 1
export PYDEVD_DISABLE_FILE_VALIDATION := 1

.PHONY: book html pdf test bench lint lock lab lab-env lock-lab clean system-tex system-browser

book: html pdf
	@echo
	@echo "Built:"
	@echo "  HTML site: $(CURDIR)/$(HTML)/index.html"
	@echo "  PDF:       $(CURDIR)/$(HTML)/$(PDF_NAME)  (also $(BUILD)/stage/_build/latex/book.pdf)"

$(BIN)/.installed: requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $@

system-tex:
	scripts/system-deps.sh tex

system-browser:
	scripts/system-deps.sh browser

# Both build into _build/stage and publish to _build/html only on success (scripts/build.sh).
html: $(BIN)/.installed system-tex
	scripts/build.sh html

pdf: $(BIN)/.installed system-tex html
	scripts/build.sh pdf

# Pinned axe-core and vnu-jar for the accessibility and HTML-validity tests. --ignore-scripts
# skips vnu-jar's postinstall, which would download a Java runtime; the system Java is used.
node_modules/.installed: package.json package-lock.json
	npm ci --ignore-scripts --no-audit --no-fund
	touch $@

test: $(BIN)/.installed $(LAB_BIN)/.installed system-tex system-browser node_modules/.installed
	# Lint and habits: the same hooks as .pre-commit-config.yaml (all local; nothing fetched).
	# safe.directory lets git read a checkout owned by another user (e.g. under sudo in CI).
	GIT_CONFIG_COUNT=1 GIT_CONFIG_KEY_0=safe.directory GIT_CONFIG_VALUE_0=$(CURDIR) \
	  $(BIN)/pre-commit run --all-files --show-diff-on-failure
	# pytest exits 5 when it collected no tests; that is a failure here, not a pass.
	status=0; $(BIN)/python -m pytest || status=$$?; \
	if [ $$status -eq 5 ]; then echo "make test: pytest ran no tests" >&2; exit 1; fi; \
	exit $$status

bench: $(BIN)/.installed $(LAB_BIN)/.installed system-tex
	$(BIN)/python scripts/bench.py

lint: $(BIN)/.installed
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Re-pin requirements.txt from requirements.in in a throwaway environment.
lock:
	rm -rf $(BUILD)/lock-venv
	$(PYTHON) -m venv $(BUILD)/lock-venv
	$(BUILD)/lock-venv/bin/pip install --quiet -r requirements.in
	{ echo "# Exact pins, transitive ones included. Regenerate with: make lock"; \
	  $(BUILD)/lock-venv/bin/pip freeze --exclude-editable; echo "-e ."; } > requirements.txt

# The notebook environment (issue 15): JupyterLab, jupytext, the widget manager, MyST in
# JupyterLab and what the chapters import, in a venv of its own (.venv-lab) with no TeX,
# Chromium, Node or Java. lab/overrides.json makes JupyterLab open a chapter (.md with a
# jupytext header) as a notebook on a double-click and fetch no news; it goes where JupyterLab
# reads an environment's default settings, so nothing is written to the reader's home folder.
$(LAB_BIN)/.installed: requirements-lab.txt pyproject.toml lab/overrides.json
	test -x $(LAB_BIN)/python || $(PYTHON) -m venv $(LAB_VENV)
	$(LAB_BIN)/python -m pip install --quiet --upgrade pip
	$(LAB_BIN)/python -m pip install --quiet -r requirements-lab.txt
	install -D -m 644 lab/overrides.json $(LAB_VENV)/share/jupyter/lab/settings/overrides.json
	touch $@

lab-env: $(LAB_BIN)/.installed

# JupyterLab at the book's root, on this machine only, with nothing fetched from elsewhere.
lab: $(LAB_BIN)/.installed
	$(LAB_BIN)/jupyter lab --notebook-dir="$(CURDIR)" --ServerApp.ip=127.0.0.1 \
	  --LabApp.news_url=None --LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate \
	  --LabApp.extension_manager=readonly $(if $(filter 0,$(shell id -u)),--allow-root)

# Re-pin requirements-lab.txt, keeping every version requirements.txt also pins.
lock-lab:
	rm -rf $(BUILD)/lock-lab-venv
	$(PYTHON) -m venv $(BUILD)/lock-lab-venv
	grep -v '^-e' requirements.txt > $(BUILD)/lab-constraints.txt
	$(BUILD)/lock-lab-venv/bin/pip install --quiet -r requirements-lab.in -c $(BUILD)/lab-constraints.txt
	{ echo "# Exact pins of requirements-lab.in, transitive ones included. Regenerate with: make lock-lab"; \
	  $(BUILD)/lock-lab-venv/bin/pip freeze --exclude-editable; echo "-e ."; } > requirements-lab.txt

clean:
	rm -rf $(BUILD)
