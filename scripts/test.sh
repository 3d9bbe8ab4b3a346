#!/usr/bin/env bash
# Sets up, builds everything, runs the whole test suite, and proves the installed package
# works for a consumer (find_package) and as a subdirectory (add_subdirectory). Then the
# hardening jobs of issue 9: the suite again under AddressSanitizer + UBSan, and every
# libFuzzer target for a bounded time. The main build carries libstdc++'s assertions
# (-D_GLIBCXX_ASSERTIONS: bounds-checked operator[], front() of empty containers, ...), so
# the whole suite runs under them too.
#
# Environment: BERTH_TEST_SANITIZE=0 skips the ASan run, BERTH_TEST_FUZZ_SECONDS (default 30,
# 0 skips) is the time per fuzz target.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
scripts/setup.sh --with-browser

jobs=2
build=${BERTH_BUILD_DIR:-build}
# ccache (installed by setup.sh) makes repeated runs on one machine cheap.
launcher=()
if command -v ccache >/dev/null; then launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache); fi
# Tests and benchmarks on explicitly: scripts/demo.sh configures the same build/ without them,
# and a cached OFF would otherwise leave ctest with nothing to run.
# Warnings are errors here (BERTH_WERROR; off by default for consumers). The same flags for the
# add_subdirectory embedding below, so that ccache serves its copy of the
# library from this build instead of compiling it a second time.
library_flags=(-DCMAKE_BUILD_TYPE=Release "-DCMAKE_CXX_FLAGS=-D_GLIBCXX_ASSERTIONS" -DBERTH_WERROR=ON)
cmake -S . -B "$build" -G Ninja "${library_flags[@]}" \
  -DBERTH_BUILD_TESTS=ON -DBERTH_BUILD_BENCH=ON \
  "${launcher[@]}" >/dev/null
cmake --build "$build" -j"$jobs"
(cd "$build" && ctest -j"$jobs" --output-on-failure --no-tests=error --timeout 900)

# find_package(berth CONFIG) after cmake --install, with the README's snippet compiled too.
prefix=$(mktemp -d)
cmake --install "$build" --prefix "$prefix" >/dev/null
consumer=$(mktemp -d)
sed -n '/<!-- snippet:library -->/,/<!-- end snippet -->/p' README.md | sed '1,2d;$d' | sed '$d' > "$consumer/readme_snippet.cpp"
test -s "$consumer/readme_snippet.cpp"
cmake -S examples/consumer -B "$consumer/build" -G Ninja -DCMAKE_PREFIX_PATH="$prefix" \
  -DREADME_SNIPPET="$consumer/readme_snippet.cpp" >/dev/null
cmake --build "$consumer/build" -j"$jobs" >/dev/null
"$consumer/build/consumer" "$root/examples/coreos-fleet/cluster.json"
"$consumer/build/readme_snippet"
# pkg-config, from the same prefix: the README snippet built with `pkg-config --cflags --libs`.
PKG_CONFIG_PATH="$(dirname "$(find "$prefix" -name berth.pc | head -1)")" \
  bash -c 'c++ "$1" -o "$2" $(pkg-config --cflags --libs berth)' _ \
  "$consumer/readme_snippet.cpp" "$consumer/readme_snippet_pc"
"$consumer/readme_snippet_pc"
# add_subdirectory(berth) from another project.
embed=$(mktemp -d)
cmake -S examples/embedding -B "$embed" -G Ninja -DBERTH_SOURCE="$root" "${library_flags[@]}" \
  "${launcher[@]}" >/dev/null
cmake --build "$embed" -j"$jobs" >/dev/null
"$embed/embedding"
# The installed Python module imports with the interpreter it was built for, from the prefix.
py=$(sed -n 's/^Python3_EXECUTABLE:FILEPATH=//p' "$build/CMakeCache.txt")
if [[ -n "$py" && -d "$(echo "$prefix"/lib/python3*/*-packages/berth)" ]]; then
  (cd "$consumer" && PYTHONPATH=$(echo "$prefix"/lib/python3*/*-packages) "$py" -c \
    "import berth, pathlib; assert len(berth.place(pathlib.Path('$root/examples/coreos-fleet/cluster.json'))['placements']) == 27")
  echo "installed Python module: imports and places"
fi
echo "consumers: 3 passed (find_package, pkg-config, add_subdirectory), 0 failed"

# The whole suite again under ASan + UBSan (minus the etcd server tests: see sanitize.sh).
hardening="sanitizer suite skipped (BERTH_TEST_SANITIZE=0)"
if [[ "${BERTH_TEST_SANITIZE:-1}" != 0 ]]; then
  ASAN_BUILD_DIR="$build-asan" SANITIZE_JOBS="$jobs" scripts/sanitize.sh asan
  hardening="sanitizer suite clean"
fi
# Every parser's fuzz target, with ASan + UBSan, from the seed corpus in fuzz/corpus.
fuzz_seconds="${BERTH_TEST_FUZZ_SECONDS:-30}"
if [[ "$fuzz_seconds" != 0 ]]; then
  BUILD_DIR="$build-fuzz" FUZZ_JOBS="$jobs" scripts/fuzz.sh "$fuzz_seconds"
  hardening+=", fuzz targets clean"
else
  hardening+=", fuzz targets skipped (BERTH_TEST_FUZZ_SECONDS=0)"
fi
echo "hardening: $hardening"
