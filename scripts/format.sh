#!/usr/bin/env bash
# Formats every C++ file of the project with clang-format (.clang-format: Google style, 100
# columns), or with --check lists the files that are not formatted and fails (scripts/test.sh
# runs the check, so CI fails on an unformatted file).
#
#   scripts/format.sh [--check]
set -euo pipefail
cd "$(dirname "$0")/.."
clang_format="${CLANG_FORMAT:-$(command -v clang-format-14 || command -v clang-format)}"
mapfile -t files < <(git ls-files '*.cpp' '*.hpp' '*.h' | grep -v '^fuzz/corpus/')
if [[ "${1:-}" == --check ]]; then
  bad=()
  for f in "${files[@]}"; do
    if ! "$clang_format" --dry-run --Werror "$f" >/dev/null 2>&1; then bad+=("$f"); fi
  done
  if ((${#bad[@]} > 0)); then
    printf 'not formatted (run scripts/format.sh): %s\n' "${bad[@]}" >&2
    exit 1
  fi
  echo "format: ${#files[@]} files formatted as .clang-format says"
else
  "$clang_format" -i "${files[@]}"
fi
