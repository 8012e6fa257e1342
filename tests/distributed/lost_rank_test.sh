#!/usr/bin/env bash
# A rank of `mpirun -np 2 backprop_curve --distributed` dies (SIGKILL) mid-run:
#  1. the job ends within seconds with a non-zero exit code, no rank left behind (no hang of
#     the survivor blocked in MPI_Allreduce);
#  2. the last complete checkpoint (--checkpoint-every) is intact: `--resume DIR` alone (the
#     settings come from the checkpoint) continues from it;
#  3. and ends with exactly (tolerance 0) the costs and final parameters of a run that was
#     never interrupted, also with noise (the generator's state is in the checkpoint).
#   lost_rank_test.sh MPIRUN BACKPROP_CURVE COMPARE_COSTS INIT_JSON OUT_DIR NOISE VICTIM_RANK
# MPIRUN is the whole launcher command (with its options), as one ;-list or space-separated.
set -euo pipefail
[ $# = 7 ] || { echo "usage: $0 MPIRUN BACKPROP_CURVE COMPARE_COSTS INIT OUT NOISE RANK" >&2; exit 2; }
read -r -a mpirun <<<"${1//;/ }"
program=$2 compare=$3 init=$4 out=$5 noise=$6 victim=$7
# Long enough that the kill lands mid-run on a fast machine (a 1 200-iteration run once ended
# between its first checkpoint and the kill); the resumed run is ~1 s.
readonly ranks=2 iterations=20000 every=100 deadline_s=10

job=""
cleanup() {
  local code=$?
  trap - EXIT INT TERM
  if [ -n "$job" ]; then
    pkill -KILL -P "$job" 2>/dev/null || true  # the ranks (children of mpirun) …
    kill -KILL "$job" 2>/dev/null || true       # … and mpirun
  fi
  exit "$code"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

fail() {
  echo "FAILED: $*"
  for log in "$out"/*.log; do echo "--- $log"; tail -n 20 "$log"; done
  exit 1
}

now_ms() { echo $(($(date +%s%N) / 1000000)); }

# The pid of rank $1 among mpirun $2's children (mpirun starts local ranks itself).
rank_pid() {
  local pid
  for pid in $(pgrep -P "$2"); do
    if tr '\0' '\n' <"/proc/$pid/environ" 2>/dev/null | grep -qx "OMPI_COMM_WORLD_RANK=$1"; then
      echo "$pid"
      return
    fi
  done
}

rm -rf "$out" && mkdir -p "$out"
settings=(--iterations "$iterations" --log-every "$every" --init "$init" --noise "$noise"
  --seed 11)

# The run that is never interrupted.
"${mpirun[@]}" -np "$ranks" "$program" --distributed "${settings[@]}" \
  --json "$out/whole.json" >"$out/whole.log" 2>&1 || fail "the uninterrupted run failed"

# The run that loses a rank: once a checkpoint exists, freeze both ranks (so the kill lands
# mid-run however fast the machine is), SIGKILL the victim, let the survivor go on.
"${mpirun[@]}" -np "$ranks" "$program" --distributed "${settings[@]}" \
  --save "$out/checkpoint" --checkpoint-every "$every" \
  --json "$out/killed.json" >"$out/killed.log" 2>&1 &
job=$!
# Polls every 10 ms until "$@" succeeds; fails when the job ends first or after 30 s.
await() {
  local what=$1 waited
  shift
  for ((waited = 0; ; waited += 10)); do
    "$@" && return
    kill -0 "$job" 2>/dev/null || fail "the job ended before $what"
    ((waited < 30000)) || fail "no $what after 30 s"
    sleep 0.01
  done
}
found_rank() { pid=$(rank_pid "$1" "$job") && [ -n "$pid" ]; }
# The ranks' pids first, so that little happens between the first checkpoint and the freeze.
pids=()
for ((r = 0; r < ranks; r++)); do
  await "rank $r started" found_rank "$r"
  pids+=("$pid")
done
await "its first checkpoint" test -f "$out/checkpoint/manifest.json"
kill -STOP "${pids[@]}"
kill -KILL "${pids[victim]}"
killed_at=$(now_ms)
kill -CONT "${pids[@]}" 2>/dev/null || true

status=0
while kill -0 "$job" 2>/dev/null; do
  (($(now_ms) - killed_at < deadline_s * 1000)) || fail "the job still runs ${deadline_s} s after the kill"
  sleep 0.05
done
wait "$job" || status=$?
job=""
ended_ms=$(($(now_ms) - killed_at))
echo "rank $victim killed: the job ended after ${ended_ms} ms with exit code $status"
[ "$status" != 0 ] || fail "the job lost a rank but exited with 0"
# Gone, or a zombie waiting for init to reap it (it no longer runs).
alive() { [ -e "/proc/$1" ] && ! grep -q '^State:.*Z' "/proc/$1/status" 2>/dev/null; }
for pid in "${pids[@]}"; do
  for ((tries = 0; tries < 20; tries++)); do alive "$pid" || break; sleep 0.1; done
  ! alive "$pid" || fail "rank process $pid survived the job: $(ps -o pid,stat,cmd -p "$pid")"
done
[ ! -e "$out/killed.json" ] || fail "the killed job wrote its final results"
saved=$(grep -o '"iteration": *"[0-9]*"' "$out/checkpoint/manifest.json" | grep -o '[0-9][0-9]*')
echo "last complete checkpoint: iteration $saved of $iterations"
((saved > 0 && saved < iterations)) || fail "checkpoint at iteration '$saved'"

# Resume with no settings given: they come from the checkpoint.
"${mpirun[@]}" -np "$ranks" "$program" --distributed --resume "$out/checkpoint" \
  --log-every "$every" --json "$out/resumed.json" >"$out/resumed.log" 2>&1 ||
  fail "the resumed run failed"
"$compare" "$out/whole.json" "$out/resumed.json" 0 || fail "the resumed run differs"
