# Runnel's front door. `make run` and `make test` are all a newcomer needs;
# both install missing Debian packages first (scripts/setup).

BUILD      ?= build
SAN_BUILD  ?= build-san
JOBS       ?= $(shell nproc)
FUZZ_SECONDS ?= 60
PYTHON     := /usr/bin/python3
SCHEMAS    ?= ../shared/kafka-protocol
WERROR     ?= ON
RUN_ARGS   ?=

CMAKE_RELEASE := cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Release -DRUNNEL_WERROR=$(WERROR)
# Sanitizer and fuzzing builds share one clang tree: everything is compiled
# with ASan+UBSan and libFuzzer coverage; only fuzz targets link libFuzzer.
CMAKE_SAN := cmake -S . -B $(SAN_BUILD) -G Ninja -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
	-DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -gline-tables-only" \
	-DCMAKE_C_FLAGS_RELWITHDEBINFO="-O1 -gline-tables-only" \
	-DRUNNEL_SANITIZE=ON -DRUNNEL_FUZZ=ON -DRUNNEL_BENCH=OFF -DRUNNEL_WERROR=$(WERROR)

.PHONY: all setup build run test unit integration check-coawait check-codegen asan fuzz fuzz-smoke bench san-build clean

all: build

setup:
	@bash scripts/setup

build: setup
	@$(CMAKE_RELEASE) >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

run: build
	$(BUILD)/bin/runnel serve $(RUN_ARGS)

unit: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

test: check-coawait unit check-codegen fuzz-smoke integration

# Real clients (kcat, kafka-python, confluent-kafka, kafkajs) against
# `runnel serve`; every test starts its own broker on free ports.
NODE_DEPS := tests/integration/node/node_modules/.package-lock.json

$(NODE_DEPS): tests/integration/node/package.json tests/integration/node/package-lock.json | setup
	cd tests/integration/node && npm ci --no-audit --no-fund

integration: build $(NODE_DEPS)
	RUNNEL_BIN=$(abspath $(BUILD))/bin/runnel $(PYTHON) -m pytest -q -p no:cacheprovider tests/integration

# g++ 12 miscompiles lambdas written inside co_await expressions.
check-coawait:
	@$(PYTHON) tools/check-coawait-lambdas.py

check-codegen: setup
	@if [ -d "$(SCHEMAS)" ]; then \
		$(PYTHON) tools/kafka-codegen/generate.py --schemas $(SCHEMAS) --check; \
	else \
		echo "check-codegen: skipped, $(SCHEMAS) not found"; \
	fi

san-build: setup
	@$(CMAKE_SAN) >/dev/null
	@cmake --build $(SAN_BUILD) -j $(JOBS)

asan: san-build
	cd $(SAN_BUILD) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
		ctest --output-on-failure -j $(JOBS)

# Runs every fuzz target for FUZZ_SECONDS each; any crash, leak or sanitizer
# report fails. The seed is fixed (scripts/fuzz); `make fuzz FUZZ_SECONDS=600
# FUZZ_SEED=0` explores for longer from a fresh seed.
fuzz: san-build
	@bash scripts/fuzz $(SAN_BUILD) $(FUZZ_SECONDS)

fuzz-smoke: fuzz

bench: setup
	@cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Release -DRUNNEL_BENCH=ON >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)
	$(PYTHON) tools/bench-report.py --build $(BUILD) --out docs/benchmarks.md
	$(PYTHON) tools/bench-suite.py --build $(BUILD)

clean:
	rm -rf $(BUILD) $(SAN_BUILD)
