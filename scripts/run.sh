#!/usr/bin/env bash
# Installs the dependencies, builds (release preset) and runs the example programs.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake --preset release
cmake --build --preset release
for example in gradient_demo; do
  echo "== $example"
  "build/release/examples/$example/$example"
done
