#!/usr/bin/env bash
# The benchmark report (issue 6): builds the benchmarks in their own Release build directory,
# runs every program with JSON output at 1 and then 2 threads (LibTorch and OpenBLAS alike),
# measures peak memory, and writes benchmarks/README.md and benchmarks/ratios.png
# (through benchmarks/report.py). Raw results go to benchmarks/results/.
#
#   benchmarks/report.sh [--repetitions N] [--min-time S] [--threads "1 2"] [--native]
#                        [--build-dir DIR] [--skip-build] [--wait-quiet LOAD [--max-wait MIN]]
#                        [--quick]
#
#   --repetitions N   repetitions per benchmark; the report uses their median (default 5)
#   --min-time S      Google Benchmark's minimum time per repetition, seconds (default 0.25)
#   --threads LIST    thread counts to compare at (default "1 2")
#   --native          build with CHAINRULE_NATIVE=ON (-march=native, xsimd)
#   --wait-quiet L    before running, wait until the 1-minute load is below L
#   --max-wait MIN    ... for at most MIN minutes (default 30), then run anyway
#   --quick           1 repetition, 0.05 s: checks the pipeline, numbers are not meaningful
#
# The machine is shared: run it when `uptime` shows a low load (see --wait-quiet).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
build="$root/build/bench-report"
repetitions=5
min_time=0.25
threads="1 2"
native=OFF
skip_build=0
wait_load=""
max_wait=30

while [ $# -gt 0 ]; do
  case "$1" in
    --repetitions) repetitions=$2; shift 2 ;;
    --min-time) min_time=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    --native) native=ON; shift ;;
    --build-dir) build=$2; shift 2 ;;
    --skip-build) skip_build=1; shift ;;
    --wait-quiet) wait_load=$2; shift 2 ;;
    --max-wait) max_wait=$2; shift 2 ;;
    --quick) repetitions=1; min_time=0.05; shift ;;
    -h|--help) sed -n '2,22p' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) echo "report.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
  esac
done

programs=(bench_assignment bench_heights bench_scaling bench_overhead bench_training peak_memory)
if [ "$skip_build" -eq 0 ]; then
  cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
    -DCHAINRULE_BUILD_TESTS=OFF -DCHAINRULE_BUILD_EXAMPLES=OFF -DCHAINRULE_NATIVE="$native" >/dev/null
  targets=("${programs[@]}")
  if grep -q '^Torch_DIR:PATH=.*cmake/Torch$' "$build/CMakeCache.txt"; then
    targets+=(bench_torch peak_memory_torch)
  fi
  cmake --build "$build" --target "${targets[@]}" -- -j2
fi
bin="$build/benchmarks"
have_torch=0
[ -x "$bin/bench_torch" ] && have_torch=1

results="$here/results"
rm -rf "$results"
mkdir -p "$results"

if [ -n "$wait_load" ]; then
  for _ in $(seq $((max_wait * 6))); do
    load=$(cut -d' ' -f1 /proc/loadavg)
    awk -v l="$load" -v m="$wait_load" 'BEGIN { exit !(l < m) }' && break
    echo "report.sh: load $load >= $wait_load, waiting" >&2
    sleep 10
  done
fi
cat /proc/loadavg >"$results/load_before.txt"
date -u +%Y-%m-%dT%H:%M:%SZ >"$results/started.txt"

# LibTorch runs its elementwise work on OpenMP threads and its float64 GEMMs on OpenBLAS's own
# pthreads. With libgomp's default (active) wait policy the idle OpenMP workers spin on the
# cores OpenBLAS needs, and LibTorch at 2 threads on 2 cores becomes 4-5x slower than at 1.
# PASSIVE is LibTorch's best setting here; chainrule does not use OpenMP.
omp_wait=PASSIVE
echo "$omp_wait" >"$results/omp_wait_policy.txt"

# run <name> <threads> <program> [args]: one program, JSON to results/<name>-t<threads>.json.
run() {
  local name=$1 t=$2 program=$3
  shift 3
  echo "report.sh: $name, $t thread(s)" >&2
  echo "$name-t$t $(cut -d' ' -f1 /proc/loadavg)" >>"$results/loads.txt"
  OPENBLAS_NUM_THREADS=$t OMP_NUM_THREADS=$t OMP_WAIT_POLICY=$omp_wait "$bin/$program" --threads="$t" \
    --benchmark_repetitions="$repetitions" --benchmark_min_time="$min_time" \
    --benchmark_report_aggregates_only=true --benchmark_enable_random_interleaving=true \
    --benchmark_format=json --benchmark_out_format=json \
    --benchmark_out="$results/$name-t$t.json" "$@" >/dev/null
}

for t in $threads; do
  # chainrule and LibTorch back to back, so that both see the same machine.
  run assignment "$t" bench_assignment
  run heights "$t" bench_heights
  run overhead "$t" bench_overhead
  run training "$t" bench_training --benchmark_filter=/steps:10000
  run scaling "$t" bench_scaling
  if [ "$have_torch" -eq 1 ]; then
    run torch "$t" bench_torch --benchmark_filter=-/steps:100$
  fi
done

# Peak memory: one process per measurement, three of each (the report takes the median).
: >"$results/peak_memory.jsonl"
for _ in 1 2 3; do
  OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 "$bin/peak_memory" autodiff >>"$results/peak_memory.jsonl"
  OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 "$bin/peak_memory" manual >>"$results/peak_memory.jsonl"
  if [ "$have_torch" -eq 1 ]; then
    OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 "$bin/peak_memory_torch" >>"$results/peak_memory.jsonl"
  fi
done
cat /proc/loadavg >"$results/load_after.txt"

python3 "$here/report.py" --results "$results" --build "$build" --out "$here/README.md" \
  --plot "$here/ratios.png" --repetitions "$repetitions" --min-time "$min_time" --threads "$threads"
