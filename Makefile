# Set-up is part of every target: a fresh machine needs only `make demo` or `make test`.
VENV  := .venv
PY    := $(VENV)/bin/python
STAMP := $(VENV)/.installed
SUDO  := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: demo test typecheck charts bench system-packages browser

demo: $(STAMP)
	$(VENV)/bin/orgevents demo

test: $(STAMP) browser typecheck
	$(VENV)/bin/ruff check .
	$(PY) -m pytest

# mypy sees the installed layout (projections/ and diagrams/ inside orgevents/) through a tree
# of symbolic links, since it cannot follow setuptools' package-dir mapping.
typecheck: $(STAMP)
	rm -rf build/typecheck && mkdir -p build/typecheck/orgevents
	for f in orgevents/*; do ln -s "$$PWD/$$f" build/typecheck/orgevents/; done
	ln -s "$$PWD/projections" build/typecheck/orgevents/projections
	ln -s "$$PWD/diagrams" build/typecheck/orgevents/diagrams
	cd build/typecheck && ../../$(VENV)/bin/mypy --config-file ../../pyproject.toml \
		--explicit-package-bases orgevents

# System programs, where missing (Debian/Ubuntu): Graphviz's `dot` for charts (everything needs
# it); Chromium and its driver only for the browser tests (Playwright drives the system Chromium;
# it downloads no browser), so `make demo` installs no browser.
system-packages:
	@command -v dot >/dev/null || { \
		$(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq graphviz; }

browser:
	@command -v chromium >/dev/null || { \
		$(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq chromium chromium-driver; }

$(STAMP): pyproject.toml | system-packages
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	touch $(STAMP)

# Regenerate the committed Copenhagen charts in docs/charts (a test fails when they are stale).
charts: $(STAMP)
	$(PY) -m orgevents.diagrams.docs

bench: $(STAMP)
	$(PY) bench/bench_diagrams.py
