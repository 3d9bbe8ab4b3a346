#!/usr/bin/env bash
# Runs clang-tidy (.clang-tidy: checks for real bugs and needless copies, warnings are errors)
# over every library and CLI source, with the compile commands of an existing build (default
# build/, as scripts/test.sh configures it). Fails on any finding. scripts/test.sh runs it, so
# CI does.
#
#   scripts/tidy.sh [BUILD_DIR] [FILE_REGEX]
set -euo pipefail
cd "$(dirname "$0")/.."
build="${1:-build}"
files="${2:-$PWD/(src|tools)/.*\.cpp$}"
run_tidy="$(command -v run-clang-tidy-14 || command -v run-clang-tidy)"
tidy="$(command -v clang-tidy-14 || command -v clang-tidy)"
if [[ ! -f "$build/compile_commands.json" ]]; then
  echo "tidy: $build/compile_commands.json is missing; configure the build first" >&2
  exit 1
fi
start=$SECONDS
# -quiet: only findings. run-clang-tidy exits non-zero when any file has one (WarningsAsErrors).
if ! "$run_tidy" -clang-tidy-binary "$tidy" -p "$build" -j "${TIDY_JOBS:-2}" -quiet "$files" \
    >"$build/tidy.log" 2>&1; then
  # run-clang-tidy always asks for colour: strip it, keep one line per finding.
  sed 's/\x1b\[[0-9;]*m//g' "$build/tidy.log" | grep -E 'error:|warning:' | sort -u >&2 || true
  echo "tidy: findings above (whole log: $build/tidy.log)" >&2
  exit 1
fi
echo "tidy: clean ($(grep -c -- ' -p=' "$build/tidy.log" || true) files, $((SECONDS - start)) s)"
