#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# What the uplink hook costs the node's own traffic (issue 19): business
# traffic through the uplink with no hook on it, with rx_ping in XDP native
# and generic mode, and with rx_ping_tc, while the worker probes 1,000 targets;
# on request (setup tc-pass), with the empty tc program on the uplink's tc
# ingress: what the hook itself costs, before rx_ping_tc parses anything.
#
# Lab: tests/lib/lab.sh's (netns NODE with the DROP rules, eth0 wired to GW);
# GW answers every address of 10.200.0.0/16 (route local ... dev lo, a kernel
# listener on port 10086), so the worker's 1,000 targets (interval 1 s) are real
# load on the uplink. tx_ping stays on the host veth in every setup; only the
# uplink's hook changes, applied by nsping itself. Every name starts with
# nspb<ID>; everything is removed on exit. No packet leaves the lab.
#
# Per setup and round, interleaved (ROUNDS rounds, each setup once a round):
#   TCP throughput, gateway -> node and node -> gateway (iperf3, SECS s)
#   request/response latency p50 and p99 (sockperf ping-pong over TCP, SECS s)
#   UDP small-packet rate, 64-byte datagrams, gateway -> node (iperf3 -u -b 0)
# and the uplink's offload switches before and after the hook went on.
# Every other round runs the setups in reverse order (ABBA). Then, per setup
# with a hook, one more TCP and one UDP run with the kernel's BPF run-time
# statistics on (bench/progstats.c): how often the uplink's program ran, its
# nanoseconds per run, and its share of the CPU time the run kept busy.
# Reported: median [min..max] per setup, and the ratio of the medians to no
# hook. Goal (issue 19): the default setup at least 0.97 of the no-hook
# throughput, and its p99 at most 1.05 of no hook's.
#
# Environment: NSPING (build/nsping), PROGSTATS (build/bench-tools/progstats),
# ROUNDS (4), SECS (3), TARGETS (1000),
# SETUPS ("none xdp-native xdp-generic tc"; tc-pass too on request), UPLINK_GRO (off: the lab's uplink
# is a veth, whose GRO is off unless asked for; "on" is what a NIC's driver
# does by default, and then the tc hook runs once per aggregate, not per packet).
set -euo pipefail
export LC_ALL=C
cd "$(dirname "$0")/.."

NSPING=${NSPING:-./build/nsping}
ROUNDS=${ROUNDS:-4}
SECS=${SECS:-3}
TARGETS=${TARGETS:-1000}
SETUPS=${SETUPS:-"none xdp-native xdp-generic tc"}
UPLINK_GRO=${UPLINK_GRO:-off}

BENCH_NAME=bench/traffic
# shellcheck source=bench/lib.sh
source bench/lib.sh
preflight ip tc ethtool iptables jq awk iperf3 sockperf bpftool
NSPING=$(realpath "$NSPING")
TESTGW=$(realpath "$TESTGW")
TC_PASS=$(dirname "$NSPING")/bpf/tc_pass.bpf.o
PROGSTATS=${PROGSTATS:-$(dirname "$NSPING")/bench-tools/progstats}
[ -x "$PROGSTATS" ] || die "no $PROGSTATS: make $PROGSTATS"

cleanup_on_exit cleanup_nsping
lab_init
log=$T/log
lab_up drop
ip netns exec "$NODE" ethtool -K eth0 gro "$UPLINK_GRO" || die "ethtool -K eth0 gro $UPLINK_GRO in the node"
ip -n "$GW" route add local 10.200.0.0/16 dev lo || die "AnyIP route in the gateway"
lab_listen

targets=$(for ((i = 1; i <= TARGETS; i++)); do printf '"10.200.%d.%d", ' $((i / 250)) $((i % 250 + 1)); done)
# conf SETUP: the instance with tx_ping, and the uplink hook of SETUP.
conf() {
	local rx
	case $1 in
	none | tc-pass) rx= ;;
	xdp-native) rx=", { program = \"rx_ping\"; interface = \"eth0\"; mode = \"native\"; }" ;;
	xdp-generic) rx=", { program = \"rx_ping\"; interface = \"eth0\"; mode = \"generic\"; }" ;;
	tc) rx=", { program = \"rx_ping\"; interface = \"eth0\"; attach = \"tc\"; }" ;;
	esac
	I_KEYS[1]="xdp = ( { program = \"tx_ping\"; interface = \"$HOSTVETH\"; } $rx );
	    ping = { interval_ms = 1000; timeout_ms = 1000; targets = ( ${targets%, } ); };"
	write_conf 1
}

# tc_pass_off; tc_pass_on: the empty tc program (bpf/tc_pass.bpf.c) on the
# uplink's tc ingress, at a priority of its own, for setup tc-pass only.
tc_pass_off() { tc -n "$NODE" filter del dev eth0 ingress pref 1 2>/dev/null || true; }
tc_pass_on() {
	[ -f "$TC_PASS" ] || die "no $TC_PASS: make $TC_PASS"
	tc -n "$NODE" qdisc add dev eth0 clsact 2>/dev/null || true
	tc -n "$NODE" filter add dev eth0 ingress pref 1 bpf da obj "$TC_PASS" sec tc ||
		die "the empty tc program on the uplink"
}
# setup SETUP: the uplink's hook of SETUP, applied by nsping (and tc for tc-pass)
setup() {
	tc_pass_off
	conf "$1"
	run "$NSPING" -c "$CONF" --host-netns "$NODE" --state-dir "$STATE" apply
	[ "$1" != tc-pass ] || tc_pass_on
}

features() {
	ip netns exec "$NODE" ethtool -k eth0 |
		awk -F': ' '/^(generic-receive-offload|large-receive-offload|rx-gro-hw|tcp-segmentation-offload|generic-segmentation-offload|rx-gro-list|rx-udp-gro-forwarding):/ {printf "%s=%s ", $1, $2}'
}

# The servers, in the node (the business workload).
ip netns exec "$NODE" iperf3 -s -B 10.99.0.2 -D --logfile "$T/iperf3.log" || die "iperf3 server"
ip netns exec "$NODE" sockperf sr --tcp -i 10.99.0.2 -p 11111 >"$T/sockperf.log" 2>&1 &
bg_pid $!
for _ in $(seq 1 50); do
	ip netns exec "$NODE" ss -Htln 'sport = :5201' | grep -q . && break
	sleep 0.1
done
iperf3_pid=$(pgrep -f "iperf3 -s -B 10.99.0.2" | head -1)
[ -n "$iperf3_pid" ] && bg_pid "$iperf3_pid"

conf none
run "$NSPING" -c "$CONF" --host-netns "$NODE" --state-dir "$STATE" apply
"$NSPING" -c "$CONF" --host-netns "$NODE" --state-dir "$STATE" -q ping >"$T/ping.out" 2>&1 &
PING_PID=$!
bg_pid $PING_PID
# the probe load: a worker that is there, before and after every measurement
probing() {
	kill -0 "$PING_PID" 2>/dev/null || die "the worker probing $TARGETS targets ended: $(tail -c 500 "$T/ping.out")"
}
sleep 1
probing

# The client runs, the same for the measured runs and the hook-time runs:
# IPERF, gw -> node for SECS s with a JSON report; UDP64 makes it the 64-byte
# UDP flood.
IPERF=(ip netns exec "$GW" iperf3 -c 10.99.0.2 -t "$SECS" -J)
UDP64=(-u -b 0 -l 64)
tcp() { # ARGS: iperf3 client options; prints Gb/s received
	"${IPERF[@]}" "$@" 2>/dev/null |
		jq -r '.end.sum_received.bits_per_second / 1e9'
}
udp() { # packets/s received, 64-byte datagrams
	"${IPERF[@]}" "${UDP64[@]}" 2>/dev/null |
		jq -r '.end.sum | (.packets - .lost_packets) / .seconds'
}
rr() { # "p50 p99" in microseconds
	ip netns exec "$GW" sockperf pp --tcp -i 10.99.0.2 -p 11111 -t "$SECS" 2>/dev/null |
		awk '/percentile 50.000 =/ {p50 = $NF} /percentile 99.000 =/ {p99 = $NF} END {print p50, p99}'
}

declare -A R
echo "setups: $SETUPS; $ROUNDS rounds of ${SECS} s runs, interleaved; $TARGETS targets probed at 1/s meanwhile; the uplink's GRO $UPLINK_GRO"
for s in $SETUPS; do
	before=$(features)
	setup "$s"
	echo "  $s: uplink offloads with the hook: $(features)"
	[ "$(features)" = "$before" ] || echo "    (before: $before)"
done
# ABBA: every other round runs the setups in reverse order, so that a drift of
# the VM's speed within a round favours no setup (run first in every round,
# no hook would get the fresher minute each time).
read -ra order <<<"$SETUPS"
for ((r = 0; r < ROUNDS; r++)); do
	for ((k = 0; k < ${#order[@]}; k++)); do
		s=${order[r % 2 ? ${#order[@]} - 1 - k : k]}
		setup "$s"
		sleep 0.5
		R[$s,in]+="$(tcp) " R[$s,out]+="$(tcp -R) " R[$s,udp]+="$(udp) "
		read -r p50 p99 < <(rr)
		R[$s,p50]+="$p50 " R[$s,p99]+="$p99 "
	done
done
probing

# uplink_progs SETUP: the ids of the programs on the uplink's hook of SETUP
# (bpftool as the observer: what the kernel runs, not what nsping says).
uplink_progs() {
	local q='.[0].tc[]? | select(.kind == "clsact/ingress") | .id'
	case $1 in xdp-*) q='.[0].xdp[]? | .id' ;; esac
	ip netns exec "$NODE" bpftool -j net show dev eth0 | jq -r "$q"
}
# The hook's own time: one more gw->node TCP run and one UDP run per setup,
# with the kernel's BPF run-time statistics on (bench/progstats.c); these runs'
# rates are not reported (the statistics cost two clock reads per run).
declare -A H
for s in $SETUPS; do
	[ "$s" = none ] && continue
	setup "$s"
	sleep 0.5
	ids=$(uplink_progs "$s" | tr '\n' ' ')
	[ -n "$ids" ] || die "$s: no program on the uplink's hook (bpftool net show)"
	for kind in tcp udp; do
		args=()
		[ "$kind" = udp ] && args=("${UDP64[@]}")
		# shellcheck disable=SC2086
		"$PROGSTATS" "$T/hook" $ids -- "${IPERF[@]}" "${args[@]}" >/dev/null ||
			die "$s: progstats over iperf3 $kind"
		H[$s,$kind]=$(awk '{r += $2; ns += $3; busy = $4} END {
			printf "%.0f/s, %.0f ns each: %.2f%% of the busy CPU", r / '"$SECS"', (r ? ns / r : 0), (busy ? 100 * ns / busy : 0) }' "$T/hook")
	done
done
probing

# med_range VALUES...: "median [min..max]"; med: the median alone
med() { printf '%s\n' "$@" | sort -g | awk '{v[NR] = $1} END {print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2)}'; }
med_range() { printf '%s\n' "$@" | sort -g | awk '{v[NR] = $1} END {m = (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2); printf "%.3g [%.3g..%.3g]", m, v[1], v[NR]}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.3f", a / b; else print "-" }'; }
# paired "VALUES" "BASE_VALUES": the median of the rounds' own ratios (each round's
# value over the same round's no-hook value, taken a few seconds apart), with their
# range: a slow minute of the VM then moves both sides of a ratio, not one median
paired() {
	local -a a b r=()
	local i
	read -ra a <<<"$1"
	read -ra b <<<"$2"
	for i in "${!a[@]}"; do
		[ "${b[$i]:-0}" != 0 ] && r+=("$(ratio "${a[$i]}" "${b[$i]}")")
	done
	[ "${#r[@]}" -gt 0 ] && med_range "${r[@]}" || echo -
}

echo
printf '  %-12s %-22s %-22s %-24s %-24s %s\n' setup "TCP gw->node Gb/s" "TCP node->gw Gb/s" "UDP 64 B kpps" "RR p50 us" "RR p99 us"
for s in $SETUPS; do
	# shellcheck disable=SC2086,SC2046
	printf '  %-12s %-22s %-22s %-24s %-24s %s\n' "$s" "$(med_range ${R[$s,in]})" "$(med_range ${R[$s,out]})" \
		"$(med_range $(for v in ${R[$s,udp]}; do awk -v v="$v" 'BEGIN {print v / 1000}'; done))" \
		"$(med_range ${R[$s,p50]})" "$(med_range ${R[$s,p99]})"
done
echo
echo "  ratios of the medians to no hook (goal for the default: throughput >= 0.97, p99 <= 1.05):"
for s in $SETUPS; do
	[ "$s" = none ] && continue
	# shellcheck disable=SC2086
	printf '  %-12s in %s, out %s, udp %s, p50 %s, p99 %s\n' "$s" \
		"$(ratio "$(med ${R[$s,in]})" "$(med ${R[none,in]})")" \
		"$(ratio "$(med ${R[$s,out]})" "$(med ${R[none,out]})")" \
		"$(ratio "$(med ${R[$s,udp]})" "$(med ${R[none,udp]})")" \
		"$(ratio "$(med ${R[$s,p50]})" "$(med ${R[none,p50]})")" \
		"$(ratio "$(med ${R[$s,p99]})" "$(med ${R[none,p99]})")"
done
echo "  the rounds' own ratios to no hook, median [min..max]:"
for s in $SETUPS; do
	[ "$s" = none ] && continue
	printf '  %-12s in %s, out %s, udp %s, p50 %s, p99 %s\n' "$s" \
		"$(paired "${R[$s,in]}" "${R[none,in]}")" "$(paired "${R[$s,out]}" "${R[none,out]}")" \
		"$(paired "${R[$s,udp]}" "${R[none,udp]}")" "$(paired "${R[$s,p50]}" "${R[none,p50]}")" \
		"$(paired "${R[$s,p99]}" "${R[none,p99]}")"
done

echo "  the uplink program's own time in one more ${SECS} s run of each (BPF run-time statistics):"
for s in $SETUPS; do
	[ "$s" = none ] && continue
	printf '  %-12s TCP gw->node %s; UDP 64 B %s\n' "$s" "${H[$s,tcp]}" "${H[$s,udp]}"
done
