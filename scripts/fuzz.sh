#!/usr/bin/env bash
# Builds berth's libFuzzer targets (fuzz/, clang) and runs each for a bounded time, one per core,
# failing if any finds a crash, leak, timeout or broken invariant.
#
#   scripts/fuzz.sh [SECONDS_PER_TARGET]     (default 60)
#
# Environment: BUILD_DIR (default build-fuzz), FUZZ_SANITIZE (default address,undefined;
# empty = fuzzer only, several times faster), FUZZ_TARGETS (default: all), FUZZ_JOBS (build
# parallelism, default 2), FUZZ_PARALLEL (targets run at once, default FUZZ_JOBS), FUZZ_RUNS
# (optional -runs cap per target), FUZZ_MAX_LEN (longest input, default 65536; long runs go
# faster with libFuzzer's usual 4096, as inputs otherwise grow towards the cap).
# New inputs found go to $BUILD_DIR/corpus/<target> (never into the repo); crash inputs to
# $BUILD_DIR/artifacts/<target>/. Turn a crash into a regression test under tests/bad_input/.
# BUILD_DIR may also be a top-level build configured with BERTH_FUZZ=ON (CI's sanitizer build,
# scripts/sanitize.sh with SANITIZE_FUZZ=1): its targets are used as they are, FUZZ_SANITIZE
# then being whatever that build was configured with.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${1:-60}"
build="${BUILD_DIR:-build-fuzz}"
sanitize="${FUZZ_SANITIZE-address,undefined}"
targets="${FUZZ_TARGETS:-spec_json quantity unit_file machines vbp kube_json place events_json catalogue_json}"
cxx="${CXX_FUZZ:-$(command -v clang++-14 || command -v clang++)}"

launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
if [[ -f "$build/CMakeCache.txt" ]] && grep -q '^BERTH_FUZZ:BOOL=ON$' "$build/CMakeCache.txt"; then
  echo "fuzz: targets of the sanitizer build $build (BERTH_FUZZ=ON)"
else
  cmake -S fuzz -B "$build" -DCMAKE_CXX_COMPILER="$cxx" "${launcher[@]}" \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O2 -g1 -DNDEBUG" \
    -DBERTH_FUZZ_SANITIZE="$sanitize" >/dev/null  # -g1: line tables for reports, half the build time
fi
fuzz_binaries=()
for t in $targets; do fuzz_binaries+=("${t}_fuzz"); done
cmake --build "$build" -j"${FUZZ_JOBS:-2}" --target "${fuzz_binaries[@]}"

# One fuzzer per core (FUZZ_PARALLEL, default FUZZ_JOBS): each is single-threaded, so two on two
# cores halve the wall time of the step without shortening any target's run.
run_target() {
  local t="$1"
  local corpus="$build/corpus/$t" artifacts="$build/artifacts/$t" log="$build/$t.log"
  mkdir -p "$corpus" "$artifacts"
  # -rss_limit_mb: a small input must never make a parser allocate gigabytes.
  # -timeout: no single input may take more than 10 s (hangs are bugs too).
  # The repo's seed corpus is read-only input; new finds go to the build dir.
  if ! "$build/${t}_fuzz" "$corpus" "fuzz/corpus/$t" -max_total_time="$seconds" -timeout=10 \
        -rss_limit_mb=2048 -max_len="${FUZZ_MAX_LEN:-65536}" -print_final_stats=1 \
        ${FUZZ_RUNS:+-runs=$FUZZ_RUNS} -artifact_prefix="$artifacts/" >"$log" 2>&1; then
    echo "!! $t failed; see $log and $artifacts/"
    tail -n 40 "$log"
    return 1
  fi
  local execs
  execs="$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || true)"
  echo "== fuzz $t: ok, ${execs:-?} executions in at most ${seconds}s"
}

parallel="${FUZZ_PARALLEL:-${FUZZ_JOBS:-2}}"
status=0
running=0
for t in $targets; do
  if ((running >= parallel)); then
    wait -n || status=1
    running=$((running - 1))
  fi
  run_target "$t" &
  running=$((running + 1))
done
while ((running > 0)); do
  wait -n || status=1
  running=$((running - 1))
done
exit $status
