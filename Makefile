# qscore - a thin wrapper over CMake so a newcomer needs nothing else.
#   make demo     install missing packages (as root), build, run qscore on examples/
#   make test     build plain and with ASan+UBSan, run every test through ctest in both
#   make bench    run the benchmarks (bench/README.md)
#   make fuzz     run every libFuzzer harness for FUZZ_SECONDS (default 60) under ASan+UBSan (clang)
#   make install  install the binary and the instrument library (PREFIX=/usr/local)

PREFIX ?= /usr/local
BUILD ?= build
ASAN_BUILD ?= build-asan
FUZZ_BUILD ?= build-fuzz
FUZZ_SECONDS ?= 60
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE_FLAGS ?=

.PHONY: all build asan deps test demo install bench clean format fuzz

all: build

deps:
	@scripts/deps.sh

$(BUILD)/CMakeCache.txt:
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_INSTALL_PREFIX=$(PREFIX) $(CMAKE_FLAGS)

$(ASAN_BUILD)/CMakeCache.txt:
	cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DQS_SANITIZE=ON $(CMAKE_FLAGS)

build: deps $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j $(JOBS)

asan: deps $(ASAN_BUILD)/CMakeCache.txt
	cmake --build $(ASAN_BUILD) -j $(JOBS)

test: build asan
	ctest --test-dir $(BUILD) --output-on-failure -j $(JOBS)
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		ctest --test-dir $(ASAN_BUILD) --output-on-failure -j $(JOBS)

demo: build
	@examples/demo.sh $(BUILD)/qscore

# The install prefix is compiled in (where qscore looks for shipped instruments), so install
# reconfigures with it.
install: deps
	cmake -S . -B $(BUILD) -DCMAKE_INSTALL_PREFIX=$(PREFIX)
	cmake --build $(BUILD) -j $(JOBS)
	cmake --install $(BUILD)

bench: build
	@bench/run.sh $(BUILD)
	@bench/incremental.sh $(BUILD)
	@bench/workbook.sh $(BUILD)
	@bench/export.sh $(BUILD)

format:
	clang-format -i $$(find cmd include src reports tests bench fuzz -name '*.[ch]')

# The harnesses in fuzz/ (fuzz/run.sh says where crashes go); `make test` stays on gcc.
fuzz:
	@scripts/deps.sh --fuzz
	CC=clang cmake -S . -B $(FUZZ_BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DQS_SANITIZE=ON \
		-DQS_FUZZ=ON -DQS_WERROR=OFF $(CMAKE_FLAGS)
	cmake --build $(FUZZ_BUILD) -j $(JOBS) --target fuzz_targets
	fuzz/run.sh $(FUZZ_BUILD) $(FUZZ_SECONDS)

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD)
