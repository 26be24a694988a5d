# Entry points over CMake: `make demo` sets up, builds and runs the demo; `make linux` boots Linux
# to a shell; `make test` runs the suite;
# `make grade VERSION=vN SUBMISSION=DIR [JSON=results.json]` grades a student's handlers;
# `make gradescope VERSION=vN` packs the Gradescope autograder for that version.
PRESET ?= release
BUILD := build/$(PRESET)

.PHONY: all deps build demo linux test test-sanitize test-tsan bench grade gradescope clean

all: build

# The packages, then Debian's arm64 Linux kernel and a busybox initramfs for the Linux boot
# tests (build/linux; fetched once).
deps:
	@tools/install-deps.sh
	@tools/fetch-linux.sh build/linux

build: deps
	cmake --preset $(PRESET) >/dev/null
	cmake --build --preset $(PRESET)

demo: build
	$(BUILD)/trapeze-v2 $(BUILD)/examples/v2-ticks.json

# Debian's Linux on trapeze-v3, to busybox's shell on the console (Ctrl-A x quits; exit powers off).
linux: build
	BUILD=$(BUILD) tools/boot-linux.sh trapeze-v3

# A test gets a second run before it counts as failed: the terminal (tmux) and QEMU tests
# wait on processes that a loaded machine can starve; one that fails twice is a failure.
test: build
	ctest --preset $(PRESET) -j2 --repeat until-pass:2

test-sanitize:
	$(MAKE) test PRESET=sanitize

# The threaded mode's tests (tests/threads) under ThreadSanitizer, with fewer repetitions of
# the guest runs (TRAPEZE_THREAD_RUNS, set by the tsan test preset): a few minutes.
test-tsan: deps
	cmake --preset tsan >/dev/null
	cmake --build --preset tsan
	ctest --preset tsan

bench: build
	cmake --build --preset $(PRESET) --target bench

grade: deps
	@if [ -z "$(VERSION)" ] || [ -z "$(SUBMISSION)" ]; then \
	  echo "usage: make grade VERSION=vN SUBMISSION=DIR [JSON=results.json]"; exit 2; fi
	cmake --preset $(PRESET) >/dev/null
	cmake --build --preset $(PRESET) --target trapeze-grade
	$(BUILD)/tools/grade/trapeze-grade --version $(VERSION) $(if $(JSON),--json $(JSON)) $(SUBMISSION)

gradescope:
	@if [ -z "$(VERSION)" ]; then echo "usage: make gradescope VERSION=vN"; exit 2; fi
	tools/gradescope/make_zip.sh $(VERSION) build/gradescope/trapeze-autograder-$(VERSION).zip

clean:
	rm -rf build
