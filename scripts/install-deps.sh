#!/usr/bin/env bash
# Installs every Debian 12 package chainrule needs to build, test, benchmark and run its
# examples. Idempotent; runs as root or through sudo. Nothing is downloaded but Debian packages.
#   scripts/install-deps.sh          # build, tests, examples, benchmarks
#   scripts/install-deps.sh --bench  # also LibTorch (large) and gnuplot for the benchmark report
#   scripts/install-deps.sh --fuzz   # also clang and its libFuzzer runtime (scripts/fuzz.sh)
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config git
  libxtensor-dev libxtensor-blas-dev libxsimd-dev xtl-dev libopenblas-dev
  libboost-dev libboost-graph-dev libboost-test-dev
  libspdlog-dev libbenchmark-dev
  libopenmpi-dev openmpi-bin libboost-mpi-dev  # chainrule::distributed and its tests (optional)
  nlohmann-json3-dev libcli11-dev
  libplplot-dev plplot-driver-cairo graphviz
  doxygen  # the API reference (`docs` target)
)
for arg in "$@"; do
  case "$arg" in
    --bench) packages+=(libtorch-dev gnuplot-nox) ;;
    --fuzz) packages+=(clang libclang-rt-14-dev) ;;
    *) echo "install-deps.sh: unknown option '$arg' (known: --bench, --fuzz)" >&2; exit 2 ;;
  esac
done

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps.sh: all ${#packages[@]} packages already installed"
  exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "install-deps.sh: run as root or install sudo" >&2; exit 1; }
  sudo="sudo"
fi
echo "install-deps.sh: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
