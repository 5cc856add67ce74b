# Thin wrapper: every target calls a script in scripts/ (the logic lives there).
.PHONY: all deps build build-asan run stop test unit fuzz bench format format-check clean

all: build

deps:
	scripts/install-deps.sh

build: deps
	scripts/build.sh release

build-asan: deps
	scripts/build.sh asan

# Installs what is missing, builds, starts PostgreSQL + Redis (and the services, as they land).
run: build
	scripts/run.sh

stop:
	scripts/stop.sh

# Install + both builds + local stack + every test (unit, ASan/UBSan unit, fuzz smoke,
# integration) + stop. Ends with ctest's summary.
test: deps
	scripts/test.sh

# Each libFuzzer target for FUZZ_SECONDS (default 300).
fuzz: deps
	scripts/fuzz.sh

bench: build
	scripts/bench.sh

format:
	scripts/format.sh

format-check:
	scripts/format.sh --check

clean:
	rm -rf build build-asan
