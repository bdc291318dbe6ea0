# Newcomer's path: `make demo` and `make test` each work from a clean clone.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
DEMO_KEYS := .demo-keys.env

.PHONY: setup system-deps demo report test unit integration bench clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e ".[test,spark]"
	touch $(STAMP)

# Demo keys are generated once and kept (git-ignored) so reruns give the same
# tokens; keys already set in the environment win.
$(DEMO_KEYS): | $(STAMP)
	@echo "export CAPE_DEFAULT_KEY=\"\$${CAPE_DEFAULT_KEY:-$$($(BIN)/cape-udfs keygen)}\"" > $@.tmp
	@echo "export CAPE_SUPPORT_KEY=\"\$${CAPE_SUPPORT_KEY:-$$($(BIN)/cape-udfs keygen)}\"" >> $@.tmp
	@mv $@.tmp $@
	@echo "generated demo keys in $@ (not committed)"

demo: setup $(DEMO_KEYS)
	@test -f profiles.yml || cp profiles.example.yml profiles.yml
	@mkdir -p exports
	. ./$(DEMO_KEYS) && $(BIN)/dbt build --profiles-dir . && $(BIN)/python scripts/show_demo.py cape_demo.duckdb

# Headless Chromium checks that the HTML report renders; Debian's package.
system-deps:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "chromium not installed and cannot apt-get it: the report rendering test will skip"; fi; }

report: demo
	. ./$(DEMO_KEYS) && $(BIN)/cape-udfs report cape_demo.duckdb --quasi-identifiers country,age --out exports/report.html
	@echo "wrote exports/report.html"

test: setup system-deps
	$(BIN)/python -m pytest -q -p no:cacheprovider

unit: setup
	$(BIN)/python -m pytest -q tests/unit

integration: setup
	$(BIN)/python -m pytest -q tests/integration

bench: setup
	$(BIN)/python -m benchmarks.run $(ROWS)

clean:
	rm -rf target logs dbt_packages exports cape_demo.duckdb .cache
