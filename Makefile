# Entry points over CMake: `make demo` sets up, builds and runs the demo; `make test` runs the suite.
PRESET ?= release
BUILD := build/$(PRESET)

.PHONY: all deps build demo test test-sanitize bench clean

all: build

deps:
	@tools/install-deps.sh

build: deps
	cmake --preset $(PRESET) >/dev/null
	cmake --build --preset $(PRESET)

demo: build
	$(BUILD)/trapeze-v2 $(BUILD)/examples/v2-ticks.json

test: build
	ctest --preset $(PRESET) -j2

test-sanitize:
	$(MAKE) test PRESET=sanitize

bench: build
	cmake --build --preset $(PRESET) --target bench

clean:
	rm -rf build
