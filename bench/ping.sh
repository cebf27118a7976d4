#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# The ping worker under load, and its RTT against hping3, on a lab of namespaces.
#
# Lab: netns NODE (the business node: eth0 10.99.0.2/24, iptables DROP of port
# 10086 both ways) wired by a veth to netns GW (eth0 10.99.0.1/24, a kernel
# listener on 0.0.0.0:10086 and the route "local 10.200.0.0/16 dev lo", so that the
# kernel answers for every address of 10.200.0.0/16: AnyIP): tests/lib/lab.sh's
# lab. nsping apply --host-netns NODE makes the isolated netns PINGNS with
# tx_ping on the host veth and rx_ping on NODE's eth0. Every name starts with
# nspb<ID>; everything is removed on exit, also on failure or interrupt. No
# packet leaves the lab.
#
# Measures:
#   (a) `nsping --json -q ping` with 1,000 and 10,000 targets, each probed once a
#       second (interval_ms = timeout_ms = 1000): probes sent per second and the
#       answered fraction (from the worker's summaries, SIGUSR1 at both ends of the
#       window), and the CPU of the worker and of its opener child: (utime+stime)
#       from /proc/PID/stat over a steady window after a warm-up, as % of one core.
#       Each twice: with the gateway's eth0 NAPI inline (softirq, which this kernel
#       bills to the task that raised it: the worker's sendto) and threaded (a
#       kernel thread of its own, as if the gateway were another host).
#   (b) RTT to the gateway 10.99.0.1:10086 over the same path (through tx_ping and
#       rx_ping), in the same run: `nsping --json ping --count N` (rtt_us of each
#       probe line) vs `hping3 -S -p 10086 -s 62000 -c N -i u<interval>` run in PINGNS
#       (source ports from 62000 on: inside ping.sport_min..sport_max, the only
#       replies rx_ping takes for the isolated netns).
# Goals (from the issue), printed next to the numbers: 10,000 targets at one probe
# a second each under 5% of one core; nsping's median RTT no higher than hping3's.
# It reports numbers; it has no pass/fail threshold: it exits 1 only if a step fails
# (the lab cannot be built, a tool is missing, the worker dies or prints nothing).
#
# Environment: NSPING (default build/nsping), TARGETS ("1000 10000"), WARMUP (3 s),
# WINDOW (10 s), NAPI_MODES ("inline thread"), RTT_COUNT (200), RTT_INTERVAL_MS
# (100), HPING3 (hping3).
set -euo pipefail
export LC_ALL=C
cd "$(dirname "$0")/.."

NSPING=${NSPING:-./build/nsping}
TARGETS=${TARGETS:-"1000 10000"}
WARMUP=${WARMUP:-3}
WINDOW=${WINDOW:-10}
NAPI_MODES=${NAPI_MODES:-"inline thread"}
RTT_COUNT=${RTT_COUNT:-200}
RTT_INTERVAL_MS=${RTT_INTERVAL_MS:-100}
HPING3=${HPING3:-hping3}
HPING_SPORT=62000 # hping3's first source port; it adds one per probe
PY=/usr/bin/python3
PORT=10086
GOAL_CPU=5 # % of one core, at 10,000 targets

BENCH_NAME=bench/ping
# shellcheck source=bench/lib.sh
source bench/lib.sh # the cd above made the repository root the cwd
preflight ip ethtool iptables jq awk nstat "$HPING3" "$PY"
[ $((HPING_SPORT + RTT_COUNT)) -le 65536 ] ||
	die "RTT_COUNT $RTT_COUNT takes hping3 past port 65535 (first $HPING_SPORT)"
NSPING=$(realpath "$NSPING")

worker_pid='' state=''

cleanup() {
	local rc=$?
	cleanup_done
	if [ -n "$worker_pid" ]; then
		kill -TERM "$worker_pid" 2>/dev/null || true
		wait "$worker_pid" 2>/dev/null || true
	fi
	if [ -e "/run/netns/$node" ] && [ -f "$state/rtt.conf" ]; then
		timeout 30 "$NSPING" -c "$state/rtt.conf" --host-netns "$node" --state-dir "$state" \
			--lock-wait 2 destroy >/dev/null 2>&1 || true
	fi
	# the listener, every namespace of the lab (deleting NODE removes the
	# veths, and with them the XDP programs), $T
	lab_down
	exit "$rc"
}
cleanup_on_exit cleanup
lab_init
node=$NODE gw=$GW pingns=$PINGNS state=$T
log=$state/log

nsping() { "$NSPING" -c "$1" --host-netns "$node" --state-dir "$state" --lock-wait 5 "${@:2}"; }

# now_us: wall clock (CLOCK_REALTIME) in microseconds, no fork.
now_us() { echo "${EPOCHREALTIME/./}"; }

# cpu_ticks PID: utime+stime of PID in clock ticks (0 if gone); the fields after
# "(comm)" start at the state, so utime and stime are the 12th and 13th.
cpu_ticks() {
	local s
	s=$(cat "/proc/$1/stat" 2>/dev/null) || {
		echo 0 0 0
		return
	}
	s=${s##*) }
	awk '{ print $12 + $13, $12, $13 }' <<<"$s"
}
# run_ns PID: the time PID ran on a CPU, in ns (schedstat; not sampled).
run_ns() { awk '{ print $1 }' "/proc/$1/schedstat" 2>/dev/null || echo 0; }
# ctxsw PID: voluntary + involuntary context switches of PID (its wake-ups, mostly).
ctxsw() { awk '/ctxt_switches/ { n += $2 } END { print n + 0 }' "/proc/$1/status" 2>/dev/null || echo 0; }
# host_cpu: "busy softirq" jiffies of all CPUs (/proc/stat).
host_cpu() { awk '$1 == "cpu" { print $2 + $3 + $4 + $7 + $8 + $9, $8; exit }' /proc/stat; }
HZ=$(getconf CLK_TCK)

# nstat_get NS COUNTER...: the absolute values of the counters in NS.
nstat_get() {
	local ns=$1 c out
	shift
	out=$(ip netns exec "$ns" nstat -asz 2>/dev/null)
	for c in "$@"; do
		awk -v c="$c" '$1 == c { v = $2 } END { print v + 0 }' <<<"$out"
	done
}

# drop_counters: "WHERE:COUNTER VALUE" lines, every drop and error counter of the
# lab's four interfaces (ip -s link, ethtool -S of the veths) and the drops of the
# raw sockets in the isolated netns (the worker's, /proc/net/raw).
drop_counters() {
	local spec ns dev label
	for spec in "$node eth0 node" "$node vbh node" "$gw eth0 gw" "$pingns vbn ping"; do
		read -r ns dev label <<<"$spec"
		ip -n "$ns" -j -s link show "$dev" 2>/dev/null | jq -r --arg p "$label/$dev" \
			'.[0].stats64 | "\($p):rx_dropped \(.rx.dropped)", "\($p):tx_dropped \(.tx.dropped)"'
		ip netns exec "$ns" ethtool -S "$dev" 2>/dev/null |
			awk -v p="$label/$dev" '$1 ~ /(drops|errors):$/ { sub(":$", "", $1); print p ":" $1, $2 }'
	done
	ip netns exec "$pingns" cat /proc/net/raw 2>/dev/null |
		awk 'NR > 1 { n += $NF } END { print "ping/raw_sockets:drops", n + 0 }'
}
# drop_delta BEFORE AFTER: the counters that grew, "name +N, ...", or "none".
drop_delta() {
	awk 'NR == FNR { a[$1] = $2; next } $2 - a[$1] > 0 { printf "%s%s +%d", n++ ? ", " : "", $1, $2 - a[$1] }
		END { if (!n) printf "none" }' <(echo "$1") <(echo "$2")
}

# ---------------------------------------------------------------------------
# The lab; the node's own TCP to port 10086 is blocked: the probes can only
# pass through XDP.
lab_up drop
# AnyIP: the gateway's kernel owns every address of 10.200.0.0/16.
run ip -n "$gw" route add local 10.200.0.0/16 dev lo
gw_mac=$GW_MAC
# The gateway's listener: the kernel sends the SYN-ACKs (backlog SOMAXCONN); it
# accepts and closes whatever completes (nothing should: the isolated netns
# resets every SYN-ACK).
lab_listen "$PORT"

# bench_conf FILE INTERVAL_MS TIMEOUT_MS TARGET...|"anyip:N": one instance with
# the XDP bindings; "anyip:N" stands for N addresses of 10.200.0.0/16.
bench_conf() {
	local f=$1 interval=$2 timeout=$3
	shift 3
	{
		echo 'version = 1;'
		echo 'instances = ('
		echo "  { name = \"bench\"; netns = \"$pingns\"; uplink = \"eth0\";"
		echo '    veth = { host = "vbh"; peer = "vbn"; };'
		echo '    address = "10.99.0.2/24";'
		echo "    gateway = { ip = \"10.99.0.1\"; mac = \"$gw_mac\"; };"
		echo '    xdp = ( { program = "tx_ping"; interface = "vbh"; },'
		echo '            { program = "rx_ping"; interface = "eth0"; } );'
		echo "    ping = { port = $PORT; interval_ms = $interval; timeout_ms = $timeout;"
		echo '      targets = ('
		case "$1" in
		anyip:*)
			awk -v n="${1#anyip:}" 'BEGIN {
				for (i = 0; i < n; i++)
					printf "        \"10.200.%d.%d\"%s\n", int(i / 250), 1 + i % 250, i + 1 < n ? "," : ""
			}'
			;;
		*)
			local t sep=''
			for t in "$@"; do
				printf '%s        "%s"' "$sep" "$t"
				sep=$',\n'
			done
			echo
			;;
		esac
		echo '      ); }; }'
		echo ');'
	} >"$f"
}

bench_conf "$state/rtt.conf" "$RTT_INTERVAL_MS" 1000 10.99.0.1
run nsping "$state/rtt.conf" apply
[ -e "/run/netns/$pingns" ] || die "nsping apply made no netns $pingns"

# ---------------------------------------------------------------------------
commit=$(git describe --always --dirty 2>/dev/null || echo unknown)
cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null || true)
echo "nsping ping bench: nsping $commit, the ping worker under load and its RTT vs hping3"
echo "  host:     kernel $(uname -r), ${cpu:-unknown CPU}, $(nproc) CPUs, HZ(ticks) $HZ"
echo "  tools:    $(ip -V 2>&1 | head -1), $("$HPING3" --version 2>&1 | head -1 | cut -d'(' -f1)"
echo "  lab:      netns $node (eth0 10.99.0.2/24, iptables DROP tcp port $PORT) <-veth->"
echo "            netns $gw (eth0 10.99.0.1/24, kernel listener 0.0.0.0:$PORT backlog 4096,"
echo "            route local 10.200.0.0/16 dev lo: the kernel answers for every target);"
echo "            nsping apply --host-netns $node: netns $pingns, tx_ping on vbh, rx_ping on eth0"
echo "  baseline: (a) none: the goal is absolute; (b) hping3 -S -p $PORT in netns $pingns, same path"
echo "  goals:    (a) 10,000 targets, 1 probe/s each, worker under ${GOAL_CPU}% of one core;"
echo "            (b) nsping's median RTT no higher than hping3's"
echo "  load:     $(cut -d' ' -f1-3 /proc/loadavg) at start (other work on the host skews the numbers)"
echo

# ---------------------------------------------------------------------------
# (a) rate and CPU.

# summaries_wait FILE N: waits (at most 30 s) until FILE holds N summary lines.
summaries_wait() {
	local i
	for ((i = 0; i < 300; i++)); do
		[ "$(grep -c '"type":"summary"' "$1" || true)" -ge "$2" ] && return 0
		kill -0 "$worker_pid" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}

# gw_napi 0|1: the gateway's eth0 NAPI inline (softirq, in the context of whoever
# raised it: the worker's sendto) or in a kernel thread of its own (threaded NAPI).
# Sets $napi_pid to the new thread (napi/eth0-ID, not there before), if threaded.
napi_threads() { grep -l '^napi/eth0-' /proc/[0-9]*/comm 2>/dev/null | cut -d/ -f3 | sort; }
napi_pid=''
gw_napi() {
	local before
	before=$(napi_threads)
	napi_pid=''
	# ip netns exec mounts the sysfs of GW on /sys; GW holds only eth0 and lo, so a
	# /sys of any other netns (the one we started in) is refused.
	ip netns exec "$gw" sh -c '[ "$(ls /sys/class/net | tr "\n" " ")" = "eth0 lo " ] &&
		echo "$1" >/sys/class/net/eth0/threaded' sh "$1" 2>/dev/null || return 1
	[ "$1" = 1 ] || return 0
	sleep 0.2
	napi_pid=$(comm -13 <(echo "$before") <(napi_threads) | head -1)
	[ -n "$napi_pid" ]
}

pct() { awk -v d="$1" -v t="$2" -v hz="$HZ" 'BEGIN { printf "%.2f%%", 100 * d / hz / (t / 1e6) }'; }

# measure N MODE: the worker with N targets for WARMUP + WINDOW seconds, the
# gateway's NAPI MODE (inline|thread); adds a row to $rows and lines to $notes.
rows=() notes=()
measure() {
	local n=$1 mode=$2 conf=$state/load$1.conf out=$state/load$1.$2.out err=$state/load$1.$2.err
	local opener_pid rc ta tb t0 t1 w0 wu0 ws0 w1 wu1 ws1 r0 r1 o0 o1 h0 hs0 h1 hs1 g0 g1 wall
	local d_sent d_recv d_to d_late d_dup d_closed d_unr d_pd rtt_avg up rate ans goal gcpu
	local gw0 gw1 pn0 pn1 npid='' c0 c1 dr0 dr1

	[ -f "$conf" ] || bench_conf "$conf" 1000 1000 "anyip:$n"
	if [ "$mode" = thread ]; then
		gw_napi 1 || {
			notes+=("$n targets, gateway NAPI threaded: not available (/sys/class/net/eth0/threaded), skipped")
			return 0
		}
		npid=$napi_pid
	else
		gw_napi 0 || true
	fi
	mapfile -t gw0 < <(nstat_get "$gw" TcpExtSyncookiesSent TcpExtListenDrops TcpExtListenOverflows TcpExtTCPReqQFullDrop TcpInSegs TcpExtTCPSynRetrans)
	mapfile -t pn0 < <(nstat_get "$pingns" TcpOutRsts)
	dr0=$(drop_counters)
	# The binary itself, not the function: $! must be the worker (SIGUSR1, /proc).
	"$NSPING" -c "$conf" --host-netns "$node" --state-dir "$state" --json -q ping >"$out" 2>"$err" &
	worker_pid=$!
	sleep "$WARMUP"
	kill -0 "$worker_pid" 2>/dev/null ||
		die "the worker ($n targets) exited during the warm-up: $(head -c 600 "$err")"
	opener_pid=$(awk '{ print $1 }' "/proc/$worker_pid/task/$worker_pid/children" 2>/dev/null)
	# The summaries at the start of the window, then (once written) the CPU times;
	# at the end, the CPU times first, then the summaries.
	ta=$(now_us)
	kill -USR1 "$worker_pid"
	summaries_wait "$out" "$n" || die "no summaries from the worker ($n targets): $(head -c 600 "$err")"
	sleep 0.5
	read -r w0 wu0 ws0 < <(cpu_ticks "$worker_pid")
	r0=$(run_ns "$worker_pid")
	c0=$(ctxsw "$worker_pid")
	read -r o0 _ < <(cpu_ticks "${opener_pid:-0}")
	read -r g0 _ < <(cpu_ticks "${npid:-0}")
	read -r h0 hs0 < <(host_cpu)
	t0=$(now_us)
	sleep "$WINDOW"
	read -r w1 wu1 ws1 < <(cpu_ticks "$worker_pid")
	r1=$(run_ns "$worker_pid")
	c1=$(ctxsw "$worker_pid")
	read -r o1 _ < <(cpu_ticks "${opener_pid:-0}")
	read -r g1 _ < <(cpu_ticks "${npid:-0}")
	read -r h1 hs1 < <(host_cpu)
	t1=$(now_us)
	tb=$(now_us)
	kill -USR1 "$worker_pid"
	summaries_wait "$out" $((2 * n)) ||
		die "no second summaries from the worker ($n targets): $(head -c 600 "$err")"
	kill -TERM "$worker_pid"
	rc=0
	wait "$worker_pid" || rc=$?
	worker_pid=''
	[ "$rc" -eq 0 ] || notes+=("$n targets, $mode: the worker exited $rc on SIGTERM: $(head -c 300 "$err")")
	mapfile -t gw1 < <(nstat_get "$gw" TcpExtSyncookiesSent TcpExtListenDrops TcpExtListenOverflows TcpExtTCPReqQFullDrop TcpInSegs TcpExtTCPSynRetrans)
	mapfile -t pn1 < <(nstat_get "$pingns" TcpOutRsts)
	dr1=$(drop_counters)
	gw_napi 0 || true

	# The difference of the two sets of summaries (the first n, then the next n).
	read -r d_sent d_recv d_to d_late d_dup d_closed d_unr d_pd rtt_avg up < <(
		jq -rs --argjson n "$n" '
			[.[] | select(.type == "summary")] as $s
			| def tot($a; $k): [$a[][$k]] | add;
			  ($s[0:$n]) as $a | ($s[$n:2 * $n]) as $b
			| [ tot($b; "sent") - tot($a; "sent"), tot($b; "received") - tot($a; "received"),
			    tot($b; "timeouts") - tot($a; "timeouts"), tot($b; "late") - tot($a; "late"),
			    tot($b; "duplicate") - tot($a; "duplicate"), tot($b; "closed") - tot($a; "closed"),
			    tot($b; "unreachable") - tot($a; "unreachable"),
			    tot($b; "path_down") - tot($a; "path_down"),
			    (([$b[] | .rtt_avg_us * .received] | add)
			     / ([$b[].received] | add | if . == 0 then 1 else . end) | floor),
			    ([$b[] | select(.state == "up")] | length) ]
			| @tsv' "$out")
	rate=$(awk -v s="$d_sent" -v a="$ta" -v b="$tb" 'BEGIN { printf "%.0f", s * 1e6 / (b - a) }')
	ans=$(awk -v s="$d_sent" -v r="$d_recv" 'BEGIN { if (s) printf "%.2f%%", 100 * r / s; else print "-" }')
	wall=$((t1 - t0))
	gcpu=-
	[ -z "$npid" ] || gcpu=$(pct $((g1 - g0)) "$wall")
	if [ "$n" -eq 10000 ]; then goal="< ${GOAL_CPU}%"; else goal=-; fi
	rows+=("$(printf "$fmt" "$n" "$mode" "$n" "$rate" "$ans" "$d_to" "$d_late" \
		"$(pct $((w1 - w0)) "$wall")" "$(pct $((wu1 - wu0)) "$wall")" "$(pct $((ws1 - ws0)) "$wall")" \
		"$(awk -v d="$((r1 - r0))" -v t="$wall" 'BEGIN { printf "%.2f%%", 100 * d / 1e3 / t }')" \
		"$(pct $((o1 - o0)) "$wall")" "$gcpu" "$(pct $((h1 - h0)) "$wall")" "$(pct $((hs1 - hs0)) "$wall")" \
		"$goal")")
	notes+=("$n targets, $mode, window $(awk -v u="$((tb - ta))" 'BEGIN { printf "%.2f", u / 1e6 }') s: sent $d_sent, answered $d_recv, timeouts $d_to, late $d_late, duplicate $d_dup, closed $d_closed, unreachable $d_unr, path_down $d_pd; targets up at the end $up/$n; mean RTT $rtt_avg us; worker context switches $(awk -v d="$((c1 - c0))" -v t="$wall" 'BEGIN { printf "%.0f", d * 1e6 / t }')/s ($(awk -v d="$((c1 - c0))" -v s="$d_sent" -v w="$wall" -v a="$((tb - ta))" 'BEGIN { if (s) printf "%.2f", d / (s * w / a); else print "-" }') per probe), CPU per probe $(awk -v d="$((r1 - r0))" -v s="$d_sent" -v w="$wall" -v a="$((tb - ta))" 'BEGIN { if (s) printf "%.1f", d / 1e3 / (s * w / a); else print "-" }') us (sched)")
	notes+=("$n targets, $mode, gateway netns over the whole run: SYN cookies sent $((gw1[0] - gw0[0])), listen drops $((gw1[1] - gw0[1])), overflows $((gw1[2] - gw0[2])), request queue full $((gw1[3] - gw0[3])), TCP segments in $((gw1[4] - gw0[4])), SYN-ACK retransmits $((gw1[5] - gw0[5])); RSTs sent by $pingns $((pn1[0] - pn0[0])); drops and errors in the lab: $(drop_delta "$dr0" "$dr1")")
	sleep 1
}

fmt='  %7s %-6s %7s %7s %8s %7s %5s %8s %7s %7s %8s %7s %8s %8s %8s  %s'
for n in $TARGETS; do
	for mode in $NAPI_MODES; do
		measure "$n" "$mode"
	done
done

echo "(a) probe rate and CPU: each target probed once a second (interval_ms = timeout_ms = 1000)"
echo "    ${WARMUP} s warm-up, then a window of ${WINDOW} s; CPU in % of one core"
printf "$fmt\n" targets "gw" "want/s" "sent/s" answered timeout late worker "(user" "sys)" "(sched)" \
	opener "gw-napi" host-all "(softirq)" goal
printf '%s\n' "${rows[@]}"
echo "  sent/s, answered: the difference of the worker's summaries (SIGUSR1) at both ends of the window"
echo "  worker: (utime+stime)/wall of the nsping process, /proc/PID/stat; (sched): its run time"
echo "  from /proc/PID/schedstat (ns, not sampled); opener: its privileged child"
echo "  gw inline: this kernel has no IRQ time accounting, and the gateway's eth0 NAPI runs in"
echo "  the softirq raised by the worker's own sendto: the whole round trip (tx_ping, the"
echo "  gateway's TCP answer, rx_ping, the isolated netns' RST) is billed to the worker's sys"
echo "  time. gw thread: the gateway's eth0 NAPI in a kernel thread (threaded NAPI), as if the"
echo "  gateway were another host; that thread's CPU is gw-napi, the worker keeps its syscalls"
echo "  and tx_ping's redirect (what a real uplink costs it)"
echo "  host-all: busy time of all CPUs (/proc/stat: user+nice+system+irq+softirq), the softirq"
echo "  part apart; it counts everything on the host, other work too"
printf '  %s\n' "${notes[@]}"
echo

# ---------------------------------------------------------------------------
# (b) RTT: nsping vs hping3, one after the other, the same path.
run_nsping_rtt() {
	local rc=0
	nsping "$state/rtt.conf" --json ping --count "$RTT_COUNT" >"$state/rtt.out" 2>"$state/rtt.err" || rc=$?
	[ "$rc" -eq 0 ] || echo "  (nsping ping --count $RTT_COUNT exited $rc: $(head -c 300 "$state/rtt.err"))"
}
# xdp_redirected: "TX RX", the redirected counters of tx_ping and rx_ping.
xdp_redirected() {
	nsping "$state/rtt.conf" --json status 2>/dev/null | jq -r '[.instances[0].bindings[]
		| select(.program == "tx_ping" or .program == "rx_ping")
		| {(.program): (.counters.redirected // 0)}] | add | "\(.tx_ping // 0) \(.rx_ping // 0)"' ||
		echo "0 0"
}
read -r x0 y0 < <(xdp_redirected)
run_nsping_rtt
read -r x1 y1 < <(xdp_redirected)
rc=0
# hping3's source ports (a base it increments per probe) must be the worker's:
# rx_ping takes from the uplink only replies to ping.sport_min..sport_max.
ip netns exec "$pingns" "$HPING3" -S -p "$PORT" -s "$HPING_SPORT" -c "$RTT_COUNT" \
	-i "u$((RTT_INTERVAL_MS * 1000))" 10.99.0.1 \
	>"$state/hping.out" 2>"$state/hping.err" || rc=$?
read -r x2 y2 < <(xdp_redirected)
[ "$rc" -eq 0 ] || notes_b="hping3 exited $rc: $(head -c 300 "$state/hping.err")"

jq -r 'select(.type == "probe" and .result == "answered") | .rtt_us' "$state/rtt.out" >"$state/rtt.ns"
sed -n 's/.*flags=SA .*rtt=\([0-9.]*\) ms.*/\1/p' "$state/hping.out" |
	awk '{ printf "%d\n", $1 * 1000 + 0.5 }' >"$state/rtt.hp"
sources=$(jq -r 'select(.type == "probe" and .result == "answered") | .rtt_source' "$state/rtt.out" |
	sort | uniq -c | awk '{ printf "%s%s %s", (NR > 1 ? ", " : ""), $2, $1 }')
magic=$(jq -r 'select(.type == "probe" and .result == "answered" and .gateway_magic) | 1' "$state/rtt.out" | wc -l)

# rtt_stats FILE: "n min median p90 max" of microsecond samples (nearest rank).
rtt_stats() {
	sort -n "$1" | awk '{ a[NR] = $1 }
		END { if (!NR) { print 0, "-", "-", "-", "-"; exit }
		      m = int((NR + 1) / 2); p = int(0.9 * NR + 0.999999); if (p < 1) p = 1
		      print NR, a[1], a[m], a[p], a[NR] }'
}
read -r nn nmin nmed np90 nmax < <(rtt_stats "$state/rtt.ns")
read -r hn hmin hmed hp90 hmax < <(rtt_stats "$state/rtt.hp")

echo "(b) RTT to 10.99.0.1:$PORT through tx_ping/rx_ping, $RTT_COUNT probes each, one every $RTT_INTERVAL_MS ms,"
echo "    nsping first, then hping3, in netns $pingns; microseconds"
printf '  %-42s %9s %8s %8s %8s %8s  %s\n' tool replies min median p90 max goal
printf '  %-42s %9s %8s %8s %8s %8s  %s\n' "nsping --json ping --count $RTT_COUNT" "$nn/$RTT_COUNT" \
	"$nmin" "$nmed" "$np90" "$nmax" "median <= hping3's"
printf '  %-42s %9s %8s %8s %8s %8s  %s\n' "hping3 -S -p $PORT -s $HPING_SPORT -i u$((RTT_INTERVAL_MS * 1000))" \
	"$hn/$RTT_COUNT" "$hmin" "$hmed" "$hp90" "$hmax" "(baseline)"
ratio=$(awk -v a="$nmed" -v b="$hmed" 'BEGIN { if (b > 0 && a != "-") printf "%.2fx", a / b; else print "-" }')
echo "  median nsping / hping3: $ratio"
echo "  the path: tx_ping redirected $((x1 - x0)) frames, rx_ping $((y1 - y0)) during nsping;" \
	"$((x2 - x1)) and $((y2 - y1)) during hping3 (a SYN and the isolated netns' RST out, a SYN-ACK in)"
echo "  nsping rtt_source: ${sources:-none}; replies with the gateway's MAGIC: $magic"
echo "  nsping: kernel software timestamps (tx from the error queue, rx on the socket) when"
echo "  rtt_source is kernel; hping3: gettimeofday around libpcap, printed with 0.1 ms resolution"
[ -z "${notes_b:-}" ] || echo "  $notes_b"
echo
echo "load at end: $(cut -d' ' -f1-3 /proc/loadavg)"
