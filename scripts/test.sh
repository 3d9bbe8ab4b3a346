#!/usr/bin/env bash
# Sets up, builds everything, runs the whole test suite, and proves the installed package
# works for a consumer (find_package) and as a subdirectory (add_subdirectory).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
scripts/setup.sh --with-browser

jobs=2
build=${BERTH_BUILD_DIR:-build}
# ccache (installed by setup.sh) makes repeated runs on one machine cheap.
launcher=()
if command -v ccache >/dev/null; then launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache); fi
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release "${launcher[@]}" >/dev/null
cmake --build "$build" -j"$jobs"
(cd "$build" && ctest -j"$jobs" --output-on-failure --timeout 900)

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
# add_subdirectory(berth) from another project.
embed=$(mktemp -d)
cmake -S examples/embedding -B "$embed" -G Ninja -DBERTH_SOURCE="$root" "${launcher[@]}" >/dev/null
cmake --build "$embed" -j"$jobs" >/dev/null
"$embed/embedding"
echo "consumers: 2 passed, 0 failed"
