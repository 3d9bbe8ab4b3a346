#!/usr/bin/env bash
# Installs what berth needs to build, test and run, from Debian's packages only.
# Usage: scripts/setup.sh [--with-browser]   (the browser is for the HTML report test)
set -euo pipefail

packages=(cmake ninja-build g++ pkg-config ccache
  nlohmann-json3-dev libfmt-dev catch2 libboost-graph-dev libbenchmark-dev libcli11-dev
  libsqlite3-dev libcpp-httplib-dev librapidcheck-dev etcd-server
  clang-14 libclang-rt-14-dev  # clang's libFuzzer and sanitizer runtimes (scripts/fuzz.sh)
  clang-format-14 clang-tidy-14  # scripts/format.sh --check and scripts/tidy.sh (CI)
  python3-dev pybind11-dev python3-pybind11 python3-pytest python3-matplotlib)  # the Python module, its tests, its example
if [[ "${1:-}" == "--with-browser" ]]; then
  packages+=(chromium)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if ((${#missing[@]} == 0)); then
  exit 0
fi
sudo=""
if [[ $(id -u) -ne 0 ]]; then sudo="sudo"; fi
echo "setup: installing ${missing[*]}" >&2
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
