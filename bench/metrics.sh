#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# The worker's /metrics endpoint and the probe schedule, on a lab of namespaces.
#
# Lab: netns NODE (eth0 10.99.0.2/24) wired by a veth to netns GW (eth0
# 10.99.0.1/24, a kernel listener on port 10086 and the route "local
# 10.200.0.0/16 dev lo": the kernel answers for every target). nsping apply
# --host-netns NODE makes the isolated netns; the worker's --prom-listen binds
# 127.0.0.1:PORT inside NODE, and every client runs there (ip netns exec
# NODE). Every name starts with nspbm<random>; everything is removed on exit.
# No packet leaves the lab.
#
# Measures:
#   (a) the schedule while clients hang on the endpoint: one target, one probe
#       every 200 ms (the issue's case), for WINDOW seconds with no client,
#       with 8 idle + 1 slow client (the issue's), with 50 idle + 10 slow (the
#       goal); probes sent (the worker's summaries, SIGUSR1 at both ends) against
#       those due, late sends (nsping_probes_sent_late_total, sent more than
#       10 ms after their time; "-" for a worker without it) and the time of a
#       scrape made in the middle of the window.
#   (b) 10,000 targets, one probe a second each: the time of SCRAPES scrapes
#       (curl's time_total, one a second; median, min, max) and the text's
#       size; the late sends and the worker's CPU in the same window, and
#       again in a window with no scrape, and the worker's CPU without
#       --prom-listen at all (what the metrics cost).
# Goals (from the issue): the worker sends every probe on time (no late send)
# with 50 idle and 10 slow clients; a scrape of 10,000 targets in under 50 ms.
# It reports numbers; it has no pass/fail threshold (exit 1 only if a step fails).
#
# Environment: NSPING (build/nsping), WINDOW (10 s), SCRAPES (10).
# NSPING may be an older build (its probes and scrape times are measured the
# same way; late sends only where it counts them).
set -euo pipefail
export LC_ALL=C
cd "$(dirname "$0")/.."

NSPING=${NSPING:-./build/nsping}
WINDOW=${WINDOW:-10}
SCRAPES=${SCRAPES:-10}
PY=/usr/bin/python3
PORT=10086
CLIENTS=$(realpath tests/metrics/clients.py)

BENCH_NAME=bench/metrics
# shellcheck source=bench/lib.sh
source bench/lib.sh
preflight ip ethtool jq awk curl "$PY"
NSPING=$(realpath "$NSPING")

prefix=nspbm$(od -An -N3 -tx1 /dev/urandom | tr -d ' \n')
node=${prefix}n gw=${prefix}g pingns=${prefix}p
state=$(mktemp -d /tmp/nsping-metricsbench.XXXXXX)
log=$state/log
worker_pid='' listener_pid='' holder_pid='' conf=''
hport=$((20000 + RANDOM % 20000))

cleanup() {
	local rc=$? p
	cleanup_done
	for p in $holder_pid $worker_pid $listener_pid; do
		kill -TERM "$p" 2>/dev/null || true
	done
	for p in $holder_pid $worker_pid $listener_pid; do
		wait "$p" 2>/dev/null || true
	done
	if [ -n "$conf" ] && [ -e "/run/netns/$node" ]; then
		timeout 60 "$NSPING" -c "$conf" --host-netns "$node" --state-dir "$state" \
			--lock-wait 5 destroy >/dev/null 2>&1 || true
	fi
	for p in "$pingns" "$node" "$gw"; do
		[ -e "/run/netns/$p" ] && ip netns del "$p" 2>/dev/null || true
	done
	rm -rf "$state"
	exit "$rc"
}
cleanup_on_exit cleanup

# ---- the lab ----
run ip netns add "$node"
run ip netns add "$gw"
run ip -n "$node" link add eth0 type veth peer name eth0 netns "$gw"
run ip -n "$node" addr add 10.99.0.2/24 dev eth0
run ip -n "$gw" addr add 10.99.0.1/24 dev eth0
for ns in "$node" "$gw"; do
	run ip -n "$ns" link set lo up
	run ip -n "$ns" link set eth0 up
done
run ip netns exec "$node" ethtool -K eth0 tx off
run ip netns exec "$gw" ethtool -K eth0 tx off gro on
run ip -n "$gw" route add local 10.200.0.0/16 dev lo
gw_mac=$(ip -n "$gw" -j link show eth0 | jq -r '.[0].address')
ip netns exec "$gw" "$PY" -c '
import socket
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", '"$PORT"'))
s.listen(4096)
while True:
    s.accept()[0].close()' >"$state/listener.log" 2>&1 &
listener_pid=$!

# write_conf FILE INTERVAL_MS TARGET...|anyip:N
write_conf() {
	local f=$1 interval=$2
	shift 2
	{
		echo 'version = 1;'
		echo "instances = ( { name = \"bench\"; netns = \"$pingns\"; uplink = \"eth0\";"
		echo '  veth = { host = "vbh"; peer = "vbn"; }; address = "10.99.0.2/24";'
		echo "  gateway = { ip = \"10.99.0.1\"; mac = \"$gw_mac\"; };"
		echo '  xdp = ( { program = "tx_ping"; interface = "vbh"; },'
		echo '          { program = "rx_ping"; interface = "eth0"; } );'
		echo "  ping = { port = $PORT; interval_ms = $interval; timeout_ms = 1000; targets = ("
		case "$1" in
		anyip:*)
			awk -v n="${1#anyip:}" 'BEGIN { for (i = 0; i < n; i++)
				printf "    \"10.200.%d.%d\"%s\n", int(i / 250), 1 + i % 250, i + 1 < n ? "," : "" }'
			;;
		*) printf '    "%s"\n' "$1" ;;
		esac
		echo '  ); }; } );'
	} >"$f"
}

nsping() { "$NSPING" -c "$conf" --host-netns "$node" --state-dir "$state" --lock-wait 5 "$@"; }
in_node() { ip netns exec "$node" "$@"; }
now_us() { echo "${EPOCHREALTIME/./}"; }
HZ=$(getconf CLK_TCK)
cpu_ticks() { awk '{ sub(/.*\) /, ""); print $12 + $13 }' "/proc/$1/stat" 2>/dev/null || echo 0; }

# start_worker ARGS...: the worker, JSON lines and -q, its file in $state/w.prom.
start_worker() {
	"$NSPING" -c "$conf" --host-netns "$node" --state-dir "$state" --json -q ping \
		--prom-file "$state/w.prom" "$@" >"$state/w.out" 2>"$state/w.err" &
	worker_pid=$!
}
stop_worker() {
	kill -TERM "$worker_pid" 2>/dev/null || true
	wait "$worker_pid" 2>/dev/null || true
	worker_pid=''
}
# summaries_wait N: the worker's output holds N summary lines (30 s at most).
summaries_wait() {
	local i
	for ((i = 0; i < 300; i++)); do
		[ "$(grep -c '"type":"summary".*}$' "$state/w.out" || true)" -ge "$1" ] &&
			[ -z "$(tail -c 1 "$state/w.out")" ] && return 0
		kill -0 "$worker_pid" 2>/dev/null || die "the worker died: $(tail -c 400 "$state/w.err")"
		sleep 0.1
	done
	die "no summaries from the worker: $(tail -c 400 "$state/w.err")"
}
# sent_total: the probes sent so far, from the summaries of a SIGUSR1.
nsum=0
sent_total() {
	local n=$1
	kill -USR1 "$worker_pid"
	nsum=$((nsum + n))
	summaries_wait "$nsum"
	grep '"type":"summary"' "$state/w.out" | tail -n "$n" | jq -s '[.[].sent] | add'
}
# late_total: nsping_probes_sent_late_total from the file (the worker rewrites
# it once a second), or "-" if this nsping does not count them.
late_total() {
	awk '$1 ~ /^nsping_probes_sent_late_total\{/ { s += $2; n++ } END { if (n) print s; else print "-" }' \
		"$state/w.prom" 2>/dev/null || echo -
}
# scrape: "CODE SIZE SECONDS" of one GET /metrics from inside NODE (hang guard 60 s).
scrape() {
	in_node curl -s --max-time 60 -o /dev/null -w '%{http_code} %{size_download} %{time_total}' \
		"http://127.0.0.1:$hport/metrics" || echo "000 0 -"
}

commit=$(git describe --always --dirty 2>/dev/null || echo unknown)
echo "nsping metrics bench: $NSPING ($("$NSPING" --version 2>&1)), tree $commit"
echo "  host: kernel $(uname -r), $(nproc) CPUs; load $(cut -d' ' -f1-3 /proc/loadavg) at start"
echo "  goals: no late send with 50 idle + 10 slow clients; a scrape of 10,000 targets under 50 ms"
echo

# ---- (a) ----
conf=$state/one.conf
write_conf "$conf" 200 10.99.0.1
run nsping apply
start_worker --prom-listen "127.0.0.1:$hport"
sleep 2
fmt='  %-24s %8s %8s %8s %12s  %s\n'
echo "(a) one target, a probe every 200 ms, windows of $WINDOW s"
printf "$fmt" clients due sent late scrape "clients' sockets at the end"
for spec in "0 0" "8 1" "50 10"; do
	read -r idle slow <<<"$spec"
	t0=$(now_us)
	s0=$(sent_total 1)
	sleep 1.1
	l0=$(late_total)
	holder_pid=''
	if [ "$idle$slow" != 00 ]; then
		in_node "$PY" "$CLIENTS" hold "$hport" "$idle" "$slow" "$WINDOW" >"$state/hold.out" 2>&1 &
		holder_pid=$!
	fi
	sleep "$(awk -v w="$WINDOW" 'BEGIN { print w / 2 }')"
	sc=$(scrape)
	if [ -n "$holder_pid" ]; then
		wait "$holder_pid" || true
		holder_pid=''
	else
		sleep "$(awk -v w="$WINDOW" 'BEGIN { print w / 2 }')"
	fi
	sleep 1.1
	l1=$(late_total)
	s1=$(sent_total 1)
	t1=$(now_us)
	late=-
	[ "$l0" = - ] || [ "$l1" = - ] || late=$((l1 - l0))
	read -r code _ secs <<<"$sc"
	printf "$fmt" "$idle idle + $slow slow" "$(((t1 - t0) / 200000))" "$((s1 - s0))" "$late" \
		"$(awk -v c="$code" -v s="$secs" 'BEGIN { if (c == 200) printf "%.1f ms", s * 1000; else printf "%s (%s s)", c, s }')" \
		"$(tail -1 "$state/hold.out" 2>/dev/null || echo -)"
	rm -f "$state/hold.out"
done
stop_worker
echo "  due: the window's length / 200 ms; sent: the difference of the worker's summaries"
echo "  (SIGUSR1) at its ends; late: sent more than 10 ms after their time; scrape: one"
echo "  GET /metrics in the middle of the window (curl's time_total)"
echo

# ---- (b) ----
conf=$state/big.conf
write_conf "$conf" 1000 anyip:10000
run nsping apply
nsum=0
measure_big() { # LABEL SCRAPE(0|1): a window with or without scrapes, one a second
	local label=$1 do_scrape=$2 c0 c1 t0 t1 u0 u1 l0 l1 s0 s1 times=() i r code size secs
	u0=$(now_us)
	s0=$(sent_total 10000)
	sleep 1.1
	l0=$(late_total)
	c0=$(cpu_ticks "$worker_pid")
	t0=$(now_us)
	for ((i = 0; i < SCRAPES; i++)); do
		if [ "$do_scrape" = 1 ]; then
			r=$(scrape)
			read -r code size secs <<<"$r"
			[ "$code" = 200 ] || die "scrape: $r"
			times+=("$secs")
		fi
		sleep 1
	done
	t1=$(now_us)
	c1=$(cpu_ticks "$worker_pid")
	sleep 1.1
	l1=$(late_total)
	s1=$(sent_total 10000)
	u1=$(now_us)
	local late=-
	[ "$l0" = - ] || [ "$l1" = - ] || late=$((l1 - l0))
	printf '  %-34s %10s %8s %8s %9s   %s\n' "$label" "$(((u1 - u0) / 100))" "$((s1 - s0))" "$late" \
		"$(awk -v d="$((c1 - c0))" -v hz="$HZ" -v t="$((t1 - t0))" 'BEGIN { printf "%.1f%%", 100 * d / hz / (t / 1e6) }')" \
		"$(if [ "${#times[@]}" -gt 0 ]; then printf '%s\n' "${times[@]}" | sort -n | awk -v sz="$size" '
			{ a[NR] = $1 * 1000 } END { printf "median %.1f ms, min %.1f, max %.1f (%d scrapes, %.1f MB)",
				a[int((NR + 1) / 2)], a[1], a[NR], NR, sz / 1e6 }'; else echo -; fi)"
}
echo "(b) 10,000 targets, a probe a second each; $SCRAPES s windows"
printf '  %-34s %10s %8s %8s %9s   %s\n' "" "due(~)" sent late "CPU" "scrape time"
start_worker
sleep 4
measure_big "--prom-file, no --prom-listen" 0
stop_worker
nsum=0
start_worker --prom-listen "127.0.0.1:$hport"
sleep 4
measure_big "--prom-listen, no scrape" 0
measure_big "--prom-listen, a scrape a second" 1
stop_worker
echo "  due(~): 10,000 a second between the two SIGUSR1 (which print 10,000 summaries each);"
echo "  sent, late: as in (a), over a window a second or two longer than the scrapes' (the"
echo "  summaries and the file are read outside it); CPU: the worker process over the scrapes'"
echo "  window (every thread: the loop, the formatter, the HTTP server), % of one core"
echo
echo "load at end: $(cut -d' ' -f1-3 /proc/loadavg)"
