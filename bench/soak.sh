#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# The soak (issue 20 item 7): `nsping run` for SOAK_MINUTES at TARGETS targets,
# one probe a second each, with a drift of the instance's datapath and a reload
# of the file every minute. Each minute: RSS and open fds of every process of
# the run (reconciler, worker, opener), their CPU, and what the run printed and
# counted so far (repairs, reloads, probes sent late, timeouts, targets down).
# At the end, the run is stopped with SIGTERM; with a sanitizer build (NSPING=
# build-asan/nsping) its stderr must hold no leak or error report.
#
# Beside it, a 1 ms sleep loop logs the machine's stalls (wake-ups more than
# 10 ms late, as a late send is), and a sampler reads the run's count of late
# sends each second: a late send in a second the loop stalled too is the VM's,
# not nsping's; the end prints how many had no stall beside them. Each minute
# also shows the CPU time the hypervisor took from the VM (steal).
#
# Goals, printed next to the numbers: RSS and fds flat after the warm-up (the
# first WARMUP_MINUTES: at 10,000 targets the worker's RSS settles by the
# eleventh, a reload's old and new tables beside the metrics text), no probe sent
# late, no target down, no sanitizer report. No pass/fail threshold: it exits 1
# only if a step fails.
#
# Lab: tests/lib/lab.sh's (NODE with the DROP rules, GW with a kernel listener
# that owns 10.200.0.0/16, so that every target answers); every name starts
# with nspb<ID>; everything is removed on exit.
#
# Environment: NSPING (build/nsping), SOAK_MINUTES (30), TARGETS (10000),
# WARMUP_MINUTES (10), SOAK_DIR (/dev/shm: where the state dir and the metrics
# file go, a tmpfs as /run is).
set -euo pipefail
export LC_ALL=C
cd "$(dirname "$0")/.."

NSPING=${NSPING:-./build/nsping}
SOAK_MINUTES=${SOAK_MINUTES:-30}
TARGETS=${TARGETS:-10000}
WARMUP_MINUTES=${WARMUP_MINUTES:-10}
SOAK_DIR=${SOAK_DIR:-/dev/shm}

BENCH_NAME=bench/soak
# shellcheck source=bench/lib.sh
source bench/lib.sh
preflight ip ethtool iptables jq awk
NSPING=$(realpath "$NSPING")
TESTGW=$(realpath "$TESTGW")
cleanup_on_exit cleanup_nsping
lab_init
log=$T/log
# nsping.service keeps its state dir and metrics file under /run, a tmpfs; so
# does the soak (SOAK_DIR, /dev/shm: a tmpfs on every Debian host), to measure
# what production runs (/tmp may be a disk's file system).
F=$(mktemp -d "$SOAK_DIR/nspb$ID.XXXXXX")
BENCH_EXTRA_DIR=$F
STATE=$F/state
mkdir -p "$STATE"
lab_up drop
# AnyIP: the gateway's kernel owns (and answers for) every address of 10.200.0.0/16
run ip -n "$GW" route add local 10.200.0.0/16 dev lo
lab_listen
PROM=$F/nsping.prom

# conf INTERVAL_MS: one instance with both bindings at XDP and TARGETS targets.
conf() {
	I_KEYS[1]="xdp = ( { program = \"tx_ping\"; interface = \"$HOSTVETH\"; },
	                   { program = \"rx_ping\"; interface = \"eth0\"; attach = \"xdp\"; } );
	    ping = { interval_ms = $1; timeout_ms = 1000; down_after = 3;
	      targets = ( $(awk -v n="$TARGETS" 'BEGIN {
		for (i = 0; i < n; i++)
			printf "\"10.200.%d.%d\"%s", int(i / 250), 1 + i % 250, i + 1 < n ? ", " : ""
	      }') ); };"
	write_conf 1
}

count() { jq -R "fromjson? | select($1)" "$T/run.out" 2>/dev/null | jq -s length; }
# prom NAME [LABEL_FILTER]: the sum of a metric's samples in the last text
prom() { awk -v m="$1" -v f="${2:-}" '$1 ~ "^" m "({|$)" && index($1, f) { s += $2 } END { printf "%.0f\n", s }' "$PROM" 2>/dev/null; }

rss_kib() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status" 2>/dev/null || echo 0; }
fds() { find "/proc/$1/fd" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l; }
# minflt PID: the minor page faults of a process so far (field 10 of its stat)
minflt() { sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null | awk '{ print $8 }' || echo 0; }
HZ=$(getconf CLK_TCK)
# steal_ticks: the CPU time the hypervisor has taken from this VM so far (all CPUs)
steal_ticks() { awk '$1 == "cpu" { print $9; exit }' /proc/stat; }

# drift N: the Nth minute's drift, one of the kinds run repairs
drift() {
	case $(($1 % 5)) in
	0) ip -n "$PINGNS" route del default ;;
	1) ip -n "$PINGNS" neigh del 10.99.0.1 dev "$PEER" ;;
	2) ip -n "$NODE" link set "$HOSTVETH" xdp off ;;
	3) ip -n "$NODE" link set eth0 xdp off ;;
	4) ip -n "$NODE" link set "$HOSTVETH" down ;;
	esac
}

conf 1000
run "$NSPING" -c "$CONF" --host-netns "$NODE" --state-dir "$STATE" apply
"$NSPING" -c "$CONF" --host-netns "$NODE" --state-dir "$STATE" --json -q run --prom-file "$PROM" \
	>"$T/run.out" 2>"$T/run.err" &
RUN_PID=$!
for _ in $(seq 1 600); do
	[ -s "$PROM" ] && [ "$(prom nsping_target_up)" -gt 0 ] && break
	sleep 0.1
done
[ "$(prom nsping_target_up)" -gt 0 ] || die "no target up after 60 s: $(tail -3 "$T/run.err")"

# stalls: a 1 ms sleep loop beside the run, logging the time and length of each
# wake-up more than 10 ms late. A late send of the worker's that the loop saw
# too is the machine's (the VM's CPU taken away), not nsping's.
: >"$T/stalls"
/usr/bin/python3 -c '
import sys, time
out = open(sys.argv[1], "a", buffering=1)
prev = time.monotonic()
while True:
    time.sleep(0.001)
    now = time.monotonic()
    if now - prev > 0.011:
        out.write("%.3f %.1f\n" % (time.time(), (now - prev - 0.001) * 1000))
    prev = now' "$T/stalls" &
bg_pid $!
# late: each second, the time and the run's count of probes sent late: the
# last family of the metrics file, read from its end (prom would scan all of
# the 28 MB each second); the soak's one instance has one sample of it.
: >"$T/late"
while sleep 1; do
	n=$(tac "$PROM" 2>/dev/null | awk '/^nsping_probes_sent_late_total/ { print $2; exit }') || true
	printf '%s %s\n' "$EPOCHREALTIME" "${n:-0}"
done >>"$T/late" &
bg_pid $!

commit=$(git describe --always --dirty 2>/dev/null || echo unknown)
echo "nsping soak: nsping $commit ($NSPING), $TARGETS targets at 1 probe/s, ${SOAK_MINUTES} min,"
echo "  a drift at :20 and a reload (SIGHUP, interval_ms 1000 <-> 999) at :40 of every minute"
echo "  kernel $(uname -r), $(nproc) CPUs, load average at start $(cut -d' ' -f1-3 /proc/loadavg)"
printf "  %-4s %9s %9s %9s %5s %5s %5s %6s %8s %7s %7s %6s %8s %6s %6s %8s\n" min "rss rec" "rss wrk" "rss opn" \
	"fd r" "fd w" "fd o" "cpu%" "flt/s w" repairs reloads late timeouts down stalls "steal ms"
mapfile -t pids < <(run_pids)
[ "${#pids[@]}" -ge 3 ] || die "expected the reconciler, the worker and its opener: ${pids[*]}"
declare -a rss_w=() fd_w=()
c0=$(run_cpu_ticks "${pids[@]}")
t0=$EPOCHREALTIME
flt0=$(minflt "${pids[1]}")
st0=$(steal_ticks)
interval=1000
for ((m = 1; m <= SOAK_MINUTES; m++)); do
	sleep 20
	drift "$m" || die "the drift of minute $m"
	echo "$EPOCHREALTIME the drift of minute $m" >>"$T/events"
	sleep 20
	interval=$((interval == 1000 ? 999 : 1000))
	conf_edit "s/interval_ms = [0-9]*;/interval_ms = $interval;/"
	kill -HUP "$RUN_PID" || die "run is gone at minute $m: $(tail -3 "$T/run.err")"
	echo "$EPOCHREALTIME the reload of minute $m" >>"$T/events"
	sleep 20
	kill -0 "$RUN_PID" 2>/dev/null || die "run ended at minute $m: $(tail -3 "$T/run.err")"
	c1=$(run_cpu_ticks "${pids[@]}") t1=$EPOCHREALTIME flt1=$(minflt "${pids[1]}") st1=$(steal_ticks)
	rss=() fd=()
	for p in "${pids[@]:0:3}"; do
		rss+=("$(rss_kib "$p")")
		fd+=("$(fds "$p")")
	done
	rss_w+=("${rss[*]}")
	fd_w+=("${fd[*]}")
	secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')
	printf "  %-4d %9s %9s %9s %5s %5s %5s %6.2f %8.0f %7s %7s %6s %8s %6s %6s %8s\n" "$m" \
		"${rss[0]}" "${rss[1]}" "${rss[2]}" "${fd[0]}" "${fd[1]}" "${fd[2]}" \
		"$(awk -v c=$((c1 - c0)) -v hz="$HZ" -v t="$secs" 'BEGIN { print 100 * c / hz / t }')" \
		"$(awk -v f=$((flt1 - flt0)) -v t="$secs" 'BEGIN { print f / t }')" \
		"$(count '.type == "repair" and .result == "repaired"')" \
		"$(grep -c '^nsping: reloaded' "$T/run.err" || true)" \
		"$(prom nsping_probes_sent_late_total)" \
		"$(prom nsping_probes_total 'result="timeout"')" \
		"$(count '.type == "state" and .state == "down"')" \
		"$(wc -l <"$T/stalls")" $(((st1 - st0) * 1000 / HZ))
	c0=$c1 t0=$t1 flt0=$flt1 st0=$st1
done
run_alive
stop_run
w=$((WARMUP_MINUTES < SOAK_MINUTES ? WARMUP_MINUTES : SOAK_MINUTES - 1))
read -r r0 rw0 ro0 <<<"${rss_w[$w]}"
read -r r1 rw1 ro1 <<<"${rss_w[-1]}"
read -r f0 fw0 fo0 <<<"${fd_w[$w]}"
read -r f1 fw1 fo1 <<<"${fd_w[-1]}"
echo "  after the warm-up (minute $((w + 1)) to $SOAK_MINUTES): RSS reconciler $((r1 - r0)) KiB," \
	"worker $((rw1 - rw0)) KiB, opener $((ro1 - ro0)) KiB; fds $((f1 - f0)), $((fw1 - fw0)), $((fo1 - fo0))" \
	"(goal: flat)"
echo "  probes sent late $(prom nsping_probes_sent_late_total) (goal 0); targets down $(count '.type == "state" and .state == "down"')" \
	"(goal 0); timeouts $(prom nsping_probes_total 'result="timeout"'); repairs" \
	"$(count '.type == "repair" and .result == "repaired"'), reloads $(grep -c '^nsping: reloaded' "$T/run.err" || true)"
echo "  stalls of a 1 ms sleep loop beside it (wake-ups more than 10 ms late): $(wc -l <"$T/stalls")" \
	"$(awk '{ print $2 " ms" }' "$T/stalls" | sort -g | tail -n 3 | tr '\n' ' ')"
# Each rise of the late count is matched to the stalls: the worker counts a late
# send when it sends it, right after the stall ends, the metrics file shows it
# within a second, and it is read within the next. A rise with no stall in
# (previous reading - 1.5 s, this reading] is nsping's own; so is a count
# already there at the first reading, which no stall can be matched to. Each
# is placed after the last drift or reload before its reading.
touch "$T/events"
own=$(awk 'FILENAME == ARGV[1] { stall[++n] = $1; next }
	FILENAME == ARGV[2] { ev[++e] = $1; what[e] = substr($0, index($0, " ") + 1); next }
	FNR == 1 { if ($2 > 0) { s += $2; printf "%d before the first reading; ", $2 > "/dev/stderr" } }
	FNR > 1 && $2 > v {
		d = $2 - v
		for (i = 1; i <= n; i++)
			if (stall[i] > t - 1.5 && stall[i] <= $1) { d = 0; break }
		for (j = e; j > 0 && ev[j] > $1; j--)
			;
		if (d) { s += d; printf "%d at most %.1f s after %s; ", d, j ? $1 - ev[j] : 0, j ? what[j] : "the start" > "/dev/stderr" }
	}
	{ t = $1; v = $2 }
	END { print s + 0 }' "$T/stalls" "$T/events" "$T/late" 2>"$T/own.where")
echo "  probes sent late with no stall of the loop beside them: $own $(cat "$T/own.where")(goal 0)"
reports=$(grep -cE 'LeakSanitizer|AddressSanitizer|runtime error:' "$T/run.err" || true)
echo "  sanitizer reports in run's stderr: $reports (goal 0)"
[ "$reports" -eq 0 ] || sed -n '1,40p' "$T/run.err"
