# Newcomer's path: `make demo` and `make test` each work from a clean clone.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
DEMO_KEYS := .demo-keys.env

.PHONY: setup system-deps native-deps demo report test lint unit integration bench clean

setup: $(STAMP)

# The install builds the optional C extension (cape_udfs/_native, in place for
# `-e`), so a change to it reinstalls too.
NATIVE_SOURCES := setup.py $(wildcard cape_udfs/_native/*.c cape_udfs/_native/*.h)

$(STAMP): pyproject.toml $(NATIVE_SOURCES)
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

# OpenSSL's headers let the compiled HMAC use libcrypto's SHA-256 (SHA-NI, ARMv8
# paths); without them it builds its portable C SHA-256. `make test` runs this
# before the venv install; `make demo` does not install system packages.
native-deps:
	@test -f /usr/include/openssl/sha.h || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libssl-dev >/dev/null; \
	  else echo "OpenSSL headers not installed and cannot apt-get libssl-dev: the compiled HMAC uses its portable SHA-256"; fi; }

# Headless Chromium checks that the HTML report renders; Debian's package.
system-deps: native-deps
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "chromium not installed and cannot apt-get it: the report rendering test will skip"; fi; }

report: demo
	. ./$(DEMO_KEYS) && $(BIN)/cape-udfs report cape_demo.duckdb --quasi-identifiers country,age --out exports/report.html
	@echo "wrote exports/report.html"

# The token tests run again on the pure-Python HMAC route (test_hmac_native.py
# runs both routes itself).
test: system-deps setup lint
	$(BIN)/cape-udfs info
	$(BIN)/python -m pytest -q -p no:cacheprovider
	CAPE_PURE_PYTHON=1 $(BIN)/python -m pytest -q -p no:cacheprovider tests/unit/test_tokenizer.py \
	  tests/unit/test_tokenizer_fast_path.py tests/unit/test_perturbation_keyed_noise.py

# ruff's rules are in pyproject.toml; make test runs it first, so CI does.
lint: setup
	$(BIN)/ruff check .

unit: setup
	$(BIN)/python -m pytest -q tests/unit

integration: setup
	$(BIN)/python -m pytest -q tests/integration

# 3M rows: issue 15's targets (tokenizer model, functions at 2 threads, the
# cape-dataframes comparison at 1M) come from one run; see its Targets table.
ROWS ?= 3000000
bench: setup
	$(BIN)/python -m benchmarks.run $(ROWS)

clean:
	rm -rf target logs dbt_packages exports cape_demo.duckdb .cache
