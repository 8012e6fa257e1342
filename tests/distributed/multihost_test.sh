#!/usr/bin/env bash
# backprop_curve --distributed with one rank on each of 3 hosts (network namespaces made here),
# Open MPI over TCP only, against the single-process run: equal costs (1e-12 relative) through
# iteration 2000 and equal final parameters. Exit 77 (CTest: skipped) with the reason when
# namespaces cannot be made here (not root, no CAP_NET_ADMIN).
#   multihost_test.sh MPIRUN BACKPROP_CURVE COMPARE_COSTS INIT_JSON OUT_DIR
# Removes every namespace and process it made on exit, failure, SIGINT or SIGTERM; namespaces
# of a run that was SIGKILLed are removed by the next run (netns_hosts.sh reap).
set -euo pipefail
[ $# = 5 ] || { echo "usage: $0 MPIRUN BACKPROP_CURVE COMPARE_COSTS INIT_JSON OUT_DIR" >&2; exit 2; }
mpirun=$1 program=$2 compare=$3 init=$4 out=$5
hosts_script="$(cd "$(dirname "$0")" && pwd)/netns_hosts.sh"
readonly hosts=3 iterations=2000

if ! reason=$("$hosts_script" check); then
  echo "SKIPPED: $reason"
  exit 77
fi
"$hosts_script" reap

prefix="crmh$$"
mpirun_pid=""
cleanup() {
  local code=$?
  trap - EXIT INT TERM
  [ -n "$mpirun_pid" ] && kill -TERM "$mpirun_pid" 2>/dev/null
  "$hosts_script" down "$prefix"
  exit "$code"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

mkdir -p "$out"
rm -f "$out/single.json" "$out/multihost.json"
mapfile -t names < <("$hosts_script" up "$prefix" "$hosts")
printf '%s slots=1\n' "${names[@]}" >"$out/hostfile"

args=(--noise 0 --iterations "$iterations" --log-every 50 --init "$init")
"$program" "${args[@]}" --json "$out/single.json" >"$out/single.log" 2>&1 ||
  { cat "$out/single.log"; exit 1; }

# mpirun on the first host, as on a login node; every rank reaches the others over the veths
# only. The "hosts" share this machine's cores: waiting ranks yield rather than spin.
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
start_ms=$(($(date +%s%N) / 1000000))
ip netns exec "${names[0]}" timeout -k 5 60 "$mpirun" --hostfile "$out/hostfile" -np "$hosts" \
  --mca plm_rsh_agent "$hosts_script agent" --mca plm_rsh_no_tree_spawn 1 \
  --mca pml ob1 --mca btl tcp,self \
  --mca btl_tcp_if_include mhnet --mca oob_tcp_if_include mhnet --display-map \
  --mca mpi_yield_when_idle 1 \
  "$program" --distributed "${args[@]}" --json "$out/multihost.json" >"$out/multihost.log" 2>&1 &
mpirun_pid=$!
status=0
wait "$mpirun_pid" || status=$?
mpirun_pid=""
echo "mpirun across ${hosts} namespace hosts: exit $status after $(($(date +%s%N) / 1000000 - start_ms)) ms"
if [ "$status" != 0 ]; then
  cat "$out/multihost.log"
  exit 1
fi
# One rank on each host, as planned by mpirun (--display-map).
for ((i = 0; i < hosts; i++)); do
  grep -A3 "Data for node: ${names[i]}" "$out/multihost.log" | grep -q "Process rank: $i\b" ||
    { cat "$out/multihost.log"; echo "rank $i was not placed on ${names[i]}"; exit 1; }
done
"$compare" "$out/single.json" "$out/multihost.json" 1e-12
