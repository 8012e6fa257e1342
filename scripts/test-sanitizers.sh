#!/usr/bin/env bash
# Builds a sanitizer preset and runs the test suite under it; any sanitizer report fails the run
# (the presets make every report fatal). Run scripts/install-deps.sh first.
#   scripts/test-sanitizers.sh        # asan: AddressSanitizer + UBSan + LeakSanitizer, whole suite,
#                                     # then the MPI tests (label distributed) with leak detection
#                                     # off (asan-mpi: Open MPI's unloaded plugins leak)
#   scripts/test-sanitizers.sh tsan   # ThreadSanitizer: the tests labelled threads only
# Measured on 2 cores shared with other builds: asan build from scratch ~25 min, suite ~5 min.
set -euo pipefail
cd "$(dirname "$0")/.."
preset=${1:-asan}
case "$preset" in
  asan) tests=(--preset asan) ;;
  tsan) tests=(--preset tsan --label-regex threads) ;;
  *) echo "test-sanitizers.sh: unknown preset '$preset' (known: asan, tsan)" >&2; exit 2 ;;
esac
start=$SECONDS
cmake --preset "$preset"
if [ "$preset" = tsan ]; then
  cmake --build --preset tsan --target hardening_threads_test hardening_shared_parameter_test
else
  cmake --build --preset "$preset"
fi
ctest "${tests[@]}"
if [ "$preset" = asan ]; then ctest --preset asan-mpi; fi
echo "test-sanitizers.sh: $preset build and tests took $((SECONDS - start)) s"
