#!/usr/bin/env bash
# Builds berth and runs its test suite twice more: under AddressSanitizer +
# UndefinedBehaviorSanitizer (build-asan), and with libstdc++'s assertions (bounds-checked
# operator[], front() on empty containers, ...; build-assert). Both must be clean.
#
#   scripts/sanitize.sh [asan|assert|all]        (default all)
#
# Environment: SANITIZE_JOBS (default 2), SANITIZE_EXCLUDE (ctest -E regex; default skips the
# tests that need a real etcd server: they measure timeouts and leases, which sanitizer
# slow-downs turn into false failures, and they cost minutes; the memory and SQLite stores run
# the same conformance suite), and the pack test that runs every strategy on the real
# instances of ../shared/data: its 30,000 local-search iterations per instance took 108 s under
# ASan at -O1, the suite's critical path, while the same pack code runs under ASan in the other
# pack tests and in the vbp fuzzer (the main suite still runs it, with libstdc++'s assertions).
# Benchmarks are not built here. SANITIZE_FUZZ=1 also builds the libFuzzer targets
# in build-asan (BERTH_FUZZ: the libraries get coverage instrumentation), so that
# `BUILD_DIR=build-asan scripts/fuzz.sh` runs them without compiling the libraries again: CI
# (scripts/test.sh) does this.
set -euo pipefail
cd "$(dirname "$0")/.."

what="${1:-all}"
jobs="${SANITIZE_JOBS:-2}"
exclude="${SANITIZE_EXCLUDE-[Ee]tcd|every strategy on real instances}"
gen=()
command -v ninja >/dev/null && gen=(-G Ninja)
command -v ccache >/dev/null && gen+=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)

run_suite() {
  local build="$1" optimize="$2"; shift 2
  local start=$SECONDS
  # -g1 (line tables only): sanitizer reports still name file:line, and the build takes about
  # half the time of full debug info (kube.cpp under ASan: 61 s -> 32 s), which keeps CI short.
  cmake -S . -B "$build" "${gen[@]}" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBERTH_BUILD_BENCH=OFF \
    "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=$optimize -g1 -DNDEBUG" \
    -DBERTH_INSTALL=OFF -DBERTH_WERROR=ON "$@" >/dev/null
  cmake --build "$build" -j"$jobs"
  local built=$SECONDS
  (cd "$build" && ctest -j"$jobs" --output-on-failure --timeout 900 ${exclude:+-E "$exclude"})
  echo "sanitize: $build built in $((built - start))s, tests ran in $((SECONDS - built))s"
}

# halt_on_error: the first report fails the test; detect_leaks stays on (LeakSanitizer).
export ASAN_OPTIONS="${ASAN_OPTIONS:-halt_on_error=1:detect_stack_use_after_return=1:strict_string_checks=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}"

# The sanitizer build uses clang at -O1 when it is there (setup.sh installs clang-14 for the
# fuzz targets): compiling berth's CLI commands under ASan+UBSan takes 17 s a file with clang
# -O1 against 31 s with g++ -O2, which is most of CI's time. -O1 is what the sanitizer
# documentation recommends: fast enough to run, and reports still point at the right line.
# SANITIZE_CXX picks another compiler; the libstdc++-assertions build keeps the default one.
asan_cxx="${SANITIZE_CXX:-$(command -v clang++-14 || command -v c++)}"
if [[ "$what" == all || "$what" == asan ]]; then
  run_suite "${ASAN_BUILD_DIR:-build-asan}" -O1 -DCMAKE_CXX_COMPILER="$asan_cxx" \
    -DBERTH_SANITIZE=address,undefined -DBERTH_FUZZ="$([[ "${SANITIZE_FUZZ:-0}" != 0 ]] && echo ON || echo OFF)"
fi
if [[ "$what" == all || "$what" == assert ]]; then
  run_suite "${ASSERT_BUILD_DIR:-build-assert}" -O2 "-DCMAKE_CXX_FLAGS=-D_GLIBCXX_ASSERTIONS"
fi
