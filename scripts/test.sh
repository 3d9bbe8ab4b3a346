#!/usr/bin/env bash
# Sets up, checks the formatting (scripts/format.sh --check), builds everything, runs clang-tidy
# over the library sources (scripts/tidy.sh), runs the whole test suite, including the consumer builds
# (ctest "consumers: *": the installed package through find_package with every component and
# with core only, pkg-config, add_subdirectory, the installed Python module). Then the
# hardening jobs of issue 9: the suite again under AddressSanitizer + UBSan, and every
# libFuzzer target for a bounded time. The main build carries libstdc++'s assertions
# (-D_GLIBCXX_ASSERTIONS: bounds-checked operator[], front() of empty containers, ...), so
# the whole suite runs under them too.
#
# Environment: BERTH_TEST_SANITIZE=0 skips the ASan run, BERTH_TEST_FUZZ_SECONDS (default 10,
# 0 skips) is the time per fuzz target.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --with-browser

# Formatting first: it takes seconds and fails CI on a file .clang-format would change.
scripts/format.sh --check

jobs=2
build=${BERTH_BUILD_DIR:-build}
# ccache (installed by setup.sh) makes repeated runs on one machine cheap.
launcher=()
if command -v ccache >/dev/null; then launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache); fi
# Tests and benchmarks on explicitly: scripts/demo.sh configures the same build/ without them,
# and a cached OFF would otherwise leave ctest with nothing to run.
# Warnings are errors here (BERTH_WERROR; off by default for consumers). The add_subdirectory
# consumer test builds the library again with these same flags, so ccache serves its objects.
library_flags=(-DCMAKE_BUILD_TYPE=Release "-DCMAKE_CXX_FLAGS=-D_GLIBCXX_ASSERTIONS" -DBERTH_WERROR=ON)
cmake -S . -B "$build" -G Ninja "${library_flags[@]}" \
  -DBERTH_BUILD_TESTS=ON -DBERTH_BUILD_BENCH=ON \
  "${launcher[@]}" >/dev/null
cmake --build "$build" -j"$jobs"
# clang-tidy over the library sources (.clang-tidy), with this build's compile commands. The
# CLI's 19 files (tools/) are left to `scripts/tidy.sh` run by hand: tidy costs CI about 4 minutes
# for the 79 library files on 2 cores, and CI must stay under 30 minutes.
scripts/tidy.sh "$build" "$PWD/src/.*\.cpp$"
(cd "$build" && ctest -j"$jobs" --output-on-failure --no-tests=error --timeout 900)

# The whole suite again under ASan + UBSan (minus the etcd server tests: see sanitize.sh). The
# same build holds the libFuzzer targets (SANITIZE_FUZZ): its libraries, compiled once with
# coverage, serve both, where a separate fuzz build compiled them a second time.
fuzz_seconds="${BERTH_TEST_FUZZ_SECONDS:-10}"
hardening="sanitizer suite skipped (BERTH_TEST_SANITIZE=0)"
fuzz_build="$build-fuzz"
if [[ "${BERTH_TEST_SANITIZE:-1}" != 0 ]]; then
  fuzz_in_asan=0
  if [[ "$fuzz_seconds" != 0 ]]; then fuzz_in_asan=1 fuzz_build="$build-asan"; fi
  ASAN_BUILD_DIR="$build-asan" SANITIZE_JOBS="$jobs" SANITIZE_FUZZ="$fuzz_in_asan" \
    scripts/sanitize.sh asan
  hardening="sanitizer suite clean"
fi
# Every parser's fuzz target, with ASan + UBSan, from the seed corpus in fuzz/corpus.
if [[ "$fuzz_seconds" != 0 ]]; then
  BUILD_DIR="$fuzz_build" FUZZ_JOBS="$jobs" scripts/fuzz.sh "$fuzz_seconds"
  hardening+=", fuzz targets clean"
else
  hardening+=", fuzz targets skipped (BERTH_TEST_FUZZ_SECONDS=0)"
fi
echo "hardening: $hardening"
