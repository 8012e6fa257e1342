#!/usr/bin/env bash
# netns_hosts.sh on its own: bad arguments are refused with a message naming them; as root, the
# hosts it makes are reachable by the agent as separate machines, `reap` removes the hosts of a
# dead owner and leaves a live owner's, `down` removes the rest. Exit 77 (skipped) for the root
# part when namespaces cannot be made here.
set -euo pipefail
hosts="$(cd "$(dirname "$0")" && pwd)/netns_hosts.sh"

fail() {
  echo "FAILED: $*"
  exit 1
}

# expect_error "message regex" args…: exit code 1 and the message on stderr.
expect_error() {
  local pattern=$1 err code=0
  shift
  err=$("$hosts" "$@" 2>&1 >/dev/null) || code=$?
  [ "$code" = 1 ] || fail "netns_hosts.sh $*: exit code $code, expected 1"
  [[ $err =~ $pattern ]] || fail "netns_hosts.sh $*: message '$err' does not match '$pattern'"
}
expect_error "usage: netns_hosts.sh" bogus
expect_error "usage: netns_hosts.sh"
expect_error "PREFIX 'lab' is not crmh<pid>" up lab 2
expect_error "N '12' is not a host count 1..9" up crmh1 12
expect_error "N 'x' is not a host count 1..9" up crmh1 x
expect_error "agent: 'node7' is not a namespace host" agent -x node7 true
echo "argument errors: ok"

if ! reason=$("$hosts" check); then
  echo "SKIPPED (the namespace part): $reason"
  exit 77
fi
sleep 0 &
wait $!
dead="crmh$!"  # the pid of a process that has ended
live="crmh$$"
cleanup() {
  "$hosts" down "$dead"
  "$hosts" down "$live"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

mapfile -t names < <("$hosts" up "$dead" 2)
[ "${names[*]}" = "$dead-h0 $dead-h1" ] || fail "up printed '${names[*]}'"
"$hosts" up "$live" 1 >/dev/null
# The agent runs a command line "on" a host: its own host name, network namespace and address.
seen=$("$hosts" agent "$dead-h1" 'echo $(hostname) $(readlink /proc/self/ns/net)' \
  '$(ip -4 -o addr show mhnet | grep -o "10.77.0.[0-9]*")')
read -r name netns address <<<"$seen"
[ "$name" = "$dead-h1" ] || fail "agent: host name '$name'"
[ "$netns" != "$(readlink /proc/self/ns/net)" ] || fail "agent: ran in the caller's namespace"
[ "$address" = 10.77.0.2 ] || fail "agent: address '$address'"
echo "hosts and agent: ok"

"$hosts" reap 2>/dev/null
left=$(ip netns list | awk '{print $1}' | grep -c "^$dead-" || true)
[ "$left" = 0 ] || fail "reap left $left namespaces of the dead owner $dead"
ip netns list | awk '{print $1}' | grep -q "^$live-h0$" || fail "reap removed the live owner's host"
"$hosts" down "$live"
! ip netns list | awk '{print $1}' | grep -q "^$live-" || fail "down left namespaces of $live"
echo "reap and down: ok"
