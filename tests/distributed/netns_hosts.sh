#!/usr/bin/env bash
# Hosts as Linux network namespaces, for running Open MPI across "machines" on one box (root).
#
#   netns_hosts.sh check             why namespaces cannot be made here (exit 1), or nothing (exit 0)
#   netns_hosts.sh up PREFIX N       N hosts PREFIX-h0 … on a bridge in PREFIX-sw; prints their names
#   netns_hosts.sh down PREFIX       deletes every namespace named PREFIX-*
#   netns_hosts.sh reap              deletes namespaces of earlier runs whose owner process is gone
#   netns_hosts.sh agent [-opts] HOST CMD…   Open MPI's plm_rsh_agent: runs CMD "on" HOST
#
# PREFIX must be $NETNS_BASE<pid>: the pid of the process that owns the hosts (the test), so
# `reap` can tell a killed run's leftovers from a running one's. Each host has lo up, one veth
# `mhnet` (10.77.0.(i+1)/24) whose peer sits on the bridge, and its own UTS host name (its
# namespace name), so it looks like a separate machine to Open MPI. Nothing is added to the
# calling (root) namespace.
set -euo pipefail

readonly NETNS_BASE=crmh
readonly HOST_IF=mhnet

die() {
  echo "netns_hosts.sh: $*" >&2
  exit 1
}

check() {
  [ "$(id -u)" = 0 ] || { echo "not root (uid $(id -u)): network namespaces need root"; return 1; }
  command -v ip >/dev/null || { echo "no 'ip' command (iproute2)"; return 1; }
  command -v unshare >/dev/null || { echo "no 'unshare' command (util-linux)"; return 1; }
  local probe="${NETNS_BASE}$$-probe" err
  if ! err=$(ip netns add "$probe" 2>&1); then
    echo "cannot create a network namespace: $err"
    return 1
  fi
  if ! err=$(ip -n "$probe" link add probe0 type veth peer name probe1 2>&1); then
    ip netns del "$probe" 2>/dev/null || true
    echo "cannot create a veth pair: $err"
    return 1
  fi
  ip netns del "$probe"
}

# A namespace lives on while processes are in it: end them (ranks, orted, mpirun) first.
remove() {
  local pids
  pids=$(ip netns pids "$1" 2>/dev/null || true)
  [ -z "$pids" ] || kill -KILL $pids 2>/dev/null || true
  ip netns del "$1" 2>/dev/null || true
}

down() {
  local prefix=$1 ns
  for ns in $(ip netns list | awk '{print $1}' | grep -E "^${prefix}-" || true); do
    remove "$ns"
  done
}

reap() {
  local ns pid
  for ns in $(ip netns list | awk '{print $1}' | grep -E "^${NETNS_BASE}[0-9]+-" || true); do
    pid=${ns#"$NETNS_BASE"}
    pid=${pid%%-*}
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "netns_hosts.sh: removing '$ns' left by an earlier run (process $pid is gone)" >&2
      remove "$ns"
    fi
  done
}

up() {
  local prefix=$1 n=$2 i ns sw="$1-sw"
  [[ $prefix =~ ^${NETNS_BASE}[0-9]+$ ]] || die "up: PREFIX '$prefix' is not ${NETNS_BASE}<pid>"
  [[ $n =~ ^[1-9]$ ]] || die "up: N '$n' is not a host count 1..9"
  ip netns add "$sw"
  ip -n "$sw" link set lo up
  ip -n "$sw" link add br0 type bridge
  ip -n "$sw" link set br0 up
  for ((i = 0; i < n; i++)); do
    ns="$prefix-h$i"
    ip netns add "$ns"
    ip -n "$ns" link set lo up
    # Both ends are made in the host's namespace, then the peer moves to the switch.
    ip -n "$ns" link add "$HOST_IF" type veth peer name "port$i"
    ip -n "$ns" link set "port$i" netns "$sw"
    ip -n "$sw" link set "port$i" master br0 up
    ip -n "$ns" addr add "10.77.0.$((i + 1))/24" dev "$HOST_IF"
    ip -n "$ns" link set "$HOST_IF" up
    echo "$ns"
  done
}

# mpirun calls `agent [ssh-style options] HOST orted-command-words…`; the words form one shell
# command line (as ssh would hand it to the remote shell).
agent() {
  while [[ ${1:-} == -* ]]; do shift; done
  local host=${1:?agent: no host} ns
  shift
  ns=$host
  [[ $ns =~ ^${NETNS_BASE}[0-9]+-h[0-9]$ ]] || die "agent: '$host' is not a namespace host"
  exec ip netns exec "$ns" unshare --uts sh -c 'hostname "$0" && eval "$*"' "$ns" "$*"
}

case ${1:-} in
  check) check ;;
  up) up "${2:?up PREFIX N}" "${3:?up PREFIX N}" ;;
  down) down "${2:?down PREFIX}" ;;
  reap) reap ;;
  agent) shift && agent "$@" ;;
  *) die "usage: netns_hosts.sh check | up PREFIX N | down PREFIX | reap | agent HOST CMD…" ;;
esac
