#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# The test gateway on the real kernel.  Two namespaces made here and removed on
# any exit: C (the prober) wired by a veth to G (the gateway: gw_magic on tc
# ingress of its eth0, and a kernel listener).  Probes go from C to G only.
#
#   C eth0 10.98.0.2/24 ==veth== G eth0 10.98.0.1/24  [tc ingress: gw_magic]
#
# Usage: tests/gateway/selftest.sh   (root; after make build/tests/nsping-testgw)
# Ends with "N passed, N failed"; exits 0 iff nothing failed.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1

TESTGW=${NSPING_TESTGW:-$PWD/build/tests/nsping-testgw}
PROBE=(/usr/bin/python3 "$PWD/tests/gateway/probe.py")
C_ADDR=10.98.0.2 G_ADDR=10.98.0.1
PORT=10086
# MAGIC 0x4E535047: the wire bytes of a probe, of MAGIC_PASS (the gateway's
# decrement lands on the first byte), and of ntohl(MAGIC) - 1, which is not it.
MAGIC_WIRE=4E535047 PASS_WIRE=4D535047

passed=0 failed=0 n=0
SUFFIX=$(printf '%04x%04x' $$ $RANDOM)
C=nspg${SUFFIX}c G=nspg${SUFFIX}g
LISTENERS=()
WORK=$(mktemp -d)

cleanup() {
	local pid ns
	for pid in "${LISTENERS[@]}"; do
		kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	done
	# anything else still running inside our namespaces would keep them alive
	for ns in "$C" "$G"; do
		for pid in $(ip netns pids "$ns" 2>/dev/null); do
			kill "$pid" 2>/dev/null
		done
		ip netns del "$ns" 2>/dev/null
	done
	rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

ok() {
	n=$((n + 1)) passed=$((passed + 1))
	echo "ok $n - $1"
}

not_ok() {
	n=$((n + 1)) failed=$((failed + 1))
	echo "not ok $n - $1${2:+: $2}"
}

# check NAME COMMAND...: one test, passed iff COMMAND succeeds.
check() {
	local name=$1
	shift
	if "$@" >"$WORK/out" 2>&1; then
		ok "$name"
	else
		not_ok "$name" "$(tr '\n' ' ' <"$WORK/out" | head -c 400)"
	fi
}

in_c() { ip netns exec "$C" "$@"; }
in_g() { ip netns exec "$G" "$@"; }
gw() { in_g "$TESTGW" "$@"; }

# probe [probe.py ARGS]: one SYN from C to G; its JSON answer in $WORK/probe.
probe() {
	in_c "${PROBE[@]}" --dst "$G_ADDR" "$@" >"$WORK/probe"
}

# answered_with WIRE_HEX [probe.py ARGS]: a SYN-ACK came back with TSecr WIRE_HEX.
answered_with() {
	local want=$1 got
	shift
	probe "$@"
	got=$(jq -r 'select(.answered) | .tsecr' "$WORK/probe")
	[ "$got" = "$want" ] || {
		echo "want a SYN-ACK with TSecr $want, got $(cat "$WORK/probe")"
		return 1
	}
}

# counters_are DEC PASS: the gateway's probes_decremented and magic_pass, and no errors.
counters_are() {
	local got
	gw stats --dev eth0 --json >"$WORK/stats" || return 1
	got=$(jq -r '.counters | "\(.probes_decremented) \(.magic_pass) \(.errors)"' "$WORK/stats")
	[ "$got" = "$1 $2 0" ] || {
		echo "want decremented/magic_pass/errors $1 $2 0, got $got: $(cat "$WORK/stats")"
		return 1
	}
}

# The kernel's TCP checksum error count in G (no nstat history file).
tcp_csum_errors() {
	# shellcheck disable=SC2016 # an awk program
	in_g awk '/^Tcp:/ { if (!h) { for (i = 1; i <= NF; i++) if ($i == "InCsumErrors") c = i; h = 1 }
		   else print $c }' /proc/net/snmp
}

start_listener() {
	local port=$1
	# not through a function: $! must be the listener (ip netns exec execs it)
	ip netns exec "$G" "$TESTGW" listen --port "$port" >"$WORK/listener.$port" 2>&1 &
	LISTENERS+=($!)
	for _ in $(seq 50); do
		[ -n "$(in_g ss -Hltn "sport = :$port")" ] && return 0
		sleep 0.1
	done
	echo "listener on port $port did not come up: $(cat "$WORK/listener.$port")"
	return 1
}

expect_exit() {
	local want=$1 rc
	shift
	"$@"
	rc=$?
	[ "$rc" -eq "$want" ] || {
		echo "'$*' exited $rc, want $want"
		return 1
	}
}

lab_up() {
	ip netns add "$C" && ip netns add "$G" || return 1
	ip -n "$C" link add eth0 type veth peer name eth0 netns "$G" || return 1
	ip -n "$C" addr add "$C_ADDR/24" dev eth0
	ip -n "$G" addr add "$G_ADDR/24" dev eth0
	for ns in "$C" "$G"; do
		ip -n "$ns" link set lo up
		ip -n "$ns" link set eth0 up
		# a wire carries complete checksums, so the gateway's kernel checks them
		ip netns exec "$ns" ethtool -K eth0 tx off >/dev/null || return 1
	done
}

[ "$(id -u)" -eq 0 ] || {
	echo "selftest: must run as root" >&2
	exit 1
}
[ -x "$TESTGW" ] || {
	echo "selftest: $TESTGW missing; make build/tests/nsping-testgw" >&2
	exit 1
}

attach_twice_one_filter() {
	gw attach --dev eth0 || return 1
	[ "$(in_g tc filter show dev eth0 ingress | grep -c gw_magic_tc)" -eq 1 ]
}

# stats_match JQ_FILTER: the gateway's stats --json satisfy it.
stats_match() {
	gw stats --dev eth0 --json >"$WORK/stats" || return 1
	jq -e "$1" "$WORK/stats" >/dev/null || {
		echo "want $1, got $(cat "$WORK/stats")"
		return 1
	}
}

csum_errors_grew_by() {
	local now
	now=$(tcp_csum_errors)
	[ $((now - csum_errors_before)) -eq "$1" ] || {
		echo "TcpInCsumErrors went from $csum_errors_before to $now, want +$1"
		return 1
	}
}

# The first listener: SIGTERM ends it, with exit code 0.
listener_stops_on_sigterm() {
	local pid=${LISTENERS[0]} rc
	kill -TERM "$pid" || return 1
	wait "$pid"
	rc=$?
	LISTENERS=("${LISTENERS[@]:1}")
	[ "$rc" -eq 0 ] || {
		echo "listener exited $rc"
		return 1
	}
}

check "lab: namespaces $C and $G, veth, tx checksum offload off" lab_up
check "attach exits 0; the tc filter outlives the loader" gw attach --dev eth0
check "attach again replaces it: one filter" attach_twice_one_filter
check "stats: port, MAGIC, zero counters" \
	stats_match ".port == $PORT and .magic == \"0x$MAGIC_WIRE\" and .prog_id > 0 and
		     .counters.probes_decremented == 0 and .counters.magic_pass == 0"
check "listener on port $PORT" start_listener "$PORT"

csum_errors_before=$(tcp_csum_errors)
check "MAGIC probe: SYN-ACK with TSecr $PASS_WIRE" answered_with "$PASS_WIRE"
check "counters: 1 decremented, 1 magic_pass" counters_are 1 1
check "MAGIC probe, TSval at an odd offset: TSecr $PASS_WIRE" \
	answered_with "$PASS_WIRE" --layout odd
check "MAGIC probe, NOP NOP TS: TSecr $PASS_WIRE" answered_with "$PASS_WIRE" --layout nopnop
check "counters: 3 decremented, 3 magic_pass" counters_are 3 3
check "the gateway's kernel saw no TCP checksum error" csum_errors_grew_by 0
check "a MAGIC probe with a bad checksum is not answered" \
	expect_exit 1 probe --bad-csum --timeout 1
check "... the kernel counted it: it checks TCP checksums on this path" csum_errors_grew_by 1

other_before=$(gw stats --dev eth0 --json | jq .counters.other_passed)
check "other TSval: untouched, TSecr 01020304" answered_with 01020304 --tsval 01020304
check "ntohl(MAGIC) - 1 (4E535046) is not MAGIC_PASS: untouched" \
	answered_with 4E535046 --tsval 4E535046
check "MAGIC_PASS sent by the prober: to the stack, untouched" \
	answered_with "$PASS_WIRE" --tsval "$PASS_WIRE"
check "counters: 4 decremented (the bad checksum too), 5 magic_pass" counters_are 4 5
check "other_passed grew" stats_match ".counters.other_passed > $other_before"
check "stats text output" bash -c "ip netns exec '$G' '$TESTGW' stats --dev eth0 |
	grep -Eq '^probes_decremented +4$'"

check "detach" gw detach --dev eth0
check "stats after detach exits 1" expect_exit 1 gw stats --dev eth0
check "detach again exits 1" expect_exit 1 gw detach --dev eth0
check "without the gateway a MAGIC probe is answered untouched" answered_with "$MAGIC_WIRE"

check "attach --port 10087 --magic 0x00000001" \
	gw attach --dev eth0 --port 10087 --magic 0x00000001
check "listener on port 10087" start_listener 10087
check "MAGIC 1 probe: the borrow, TSecr FFFFFF00" \
	answered_with FFFFFF00 --tsval 00000001 --port 10087
check "default MAGIC to port 10087: untouched" answered_with "$MAGIC_WIRE" --port 10087
check "stats: port 10087, MAGIC 0x00000001, 1 decremented, 1 magic_pass" \
	stats_match '.port == 10087 and .magic == "0x00000001" and
		     .counters.probes_decremented == 1 and .counters.magic_pass == 1'

check "usage error: unknown command exits 64" expect_exit 64 "$TESTGW" frob
check "usage error: attach without --dev exits 64" expect_exit 64 "$TESTGW" attach
check "usage error: bad --magic exits 64" expect_exit 64 "$TESTGW" attach --dev eth0 --magic xyz
check "usage error: bad --addr exits 64" expect_exit 64 "$TESTGW" listen --addr 10.1
check "no such interface exits 1" expect_exit 1 gw stats --dev nosuch0
check "listener exits 0 on SIGTERM" listener_stops_on_sigterm

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
