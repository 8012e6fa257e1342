#!/usr/bin/env bash
# Installs the dependencies, builds (release preset) and runs the whole test suite with CTest.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake --preset release
cmake --build --preset release
ctest --preset release --parallel 2
