#!/usr/bin/env bash
# Installs everything Tessera needs on Debian 12 (by package name; idempotent, non-interactive), then configures
# and builds into build/ (or $TESSERA_BUILD_DIR).
#   scripts/setup.sh                 install + Release build
#   TESSERA_CMAKE_ARGS="-DTESSERA_SANITIZE=ON" TESSERA_BUILD_DIR=build-asan scripts/setup.sh
#   TESSERA_WITH_TORCH=1 scripts/setup.sh   also installs libtorch-dev, the peer the benchmarks compare with
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(g++ cmake ninja-build ccache pkg-config make
          libgtest-dev libgmock-dev libbenchmark-dev libopenblas-openmp-dev libdnnl-dev zlib1g-dev
          nlohmann-json3-dev libcli11-dev dataset-fashion-mnist
          libprotobuf-dev protobuf-compiler libpng-dev python3-venv
          ocl-icd-opencl-dev)  # Debian's dnnl CMake config looks for OpenCL (only recommended by libdnnl-dev)
if [[ ${TESSERA_WITH_TORCH:-0} == 1 ]]; then packages+=(libtorch-dev); fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  sudo=""
  [[ $(id -u) == 0 ]] || sudo="sudo"
  echo "setup: installing ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

build=${TESSERA_BUILD_DIR:-build}
# shellcheck disable=SC2086 # TESSERA_CMAKE_ARGS is a list of flags
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release ${TESSERA_CMAKE_ARGS:-}
cmake --build "$build" -j "${TESSERA_JOBS:-$(nproc)}"
