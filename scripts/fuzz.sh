#!/usr/bin/env bash
# Builds the libFuzzer targets (fuzz preset: clang++, ASan + UBSan) and runs each for a bounded
# time from its seed corpus in tests/fuzz/corpus/<target>/. New inputs go to build/fuzz/corpus/,
# crashing inputs to build/fuzz/findings/; copy a crash into tests/fuzz/corpus/<target>/ (as
# crash-<what>) with its fix, and fuzz_replay_test keeps it fixed. Inputs up to 2 MiB (large
# enough for nesting and size attacks), with a dictionary for the JSON and .npy readers.
# Needs: install-deps.sh --fuzz. Runs at low priority (nice), one target at a time.
#   scripts/fuzz.sh [SECONDS] [TARGET...]   # default 60 s for each of the four targets
#   scripts/fuzz.sh replay [TARGET...]      # each seed input once (CI: deterministic, seconds;
#                                           # also checks that the library compiles with clang)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
shift || true
replay=0
if [ "$seconds" = replay ]; then
  replay=1
elif ! [[ "$seconds" =~ ^[1-9][0-9]{0,5}$ ]]; then
  echo "fuzz.sh: SECONDS must be a whole number from 1 to 999999 or 'replay', got '$seconds'" >&2
  exit 2
fi
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(heights init_weights manifest npy)

cmake --preset fuzz >/dev/null
cmake --build --preset fuzz --target "${targets[@]/#/fuzz_}"

mkdir -p build/fuzz/findings
failed=()
# A 10 s input or 2 GB is a finding; inputs up to 2 MiB (nesting and size attacks).
limits=(-timeout=10 -rss_limit_mb=2048 -max_len=2097152)
if [ "$replay" = 1 ]; then
  for t in "${targets[@]}"; do
    build/fuzz/tests/fuzz/fuzz_"$t" -runs=0 "${limits[@]}" "tests/fuzz/corpus/$t" \
      >"build/fuzz/$t-replay.log" 2>&1 ||
      { tail -n 30 "build/fuzz/$t-replay.log" >&2; echo "fuzz.sh: $t: a seed input fails" >&2; exit 1; }
    echo "fuzz.sh: $t: $(find "tests/fuzz/corpus/$t" -type f | wc -l) seed inputs replayed, no findings"
  done
  exit 0
fi
for t in "${targets[@]}"; do
  mkdir -p "build/fuzz/corpus/$t"
  log="build/fuzz/$t.log"
  dict=()
  case "$t" in
    init_weights | manifest) dict=(-dict=tests/fuzz/json.dict) ;;
    npy) dict=(-dict=tests/fuzz/npy.dict) ;;
  esac
  # A leak, a sanitizer report, an escaped exception or one of the limits are all findings.
  if nice -n 15 build/fuzz/tests/fuzz/fuzz_"$t" -max_total_time="$seconds" "${limits[@]}" \
      "${dict[@]}" -print_final_stats=1 -artifact_prefix="build/fuzz/findings/$t-" \
      "build/fuzz/corpus/$t" "tests/fuzz/corpus/$t" >"$log" 2>&1; then
    verdict="no findings"
  else
    verdict="FINDING (see $log, build/fuzz/findings/$t-*)"
    failed+=("$t")
  fi
  executions=$(awk '/stat::number_of_executed_units/ {print $2}' "$log")
  echo "fuzz.sh: $t: ${executions:-?} executions in ${seconds} s: $verdict"
done
[ ${#failed[@]} -eq 0 ] || { echo "fuzz.sh: findings in ${failed[*]}" >&2; exit 1; }
