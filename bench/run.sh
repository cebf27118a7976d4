#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# make bench: nsping against the seed's shell script, on a lab of namespaces.
#
# Lab: netns NODE (the business node: eth0, 10.99.0.2/16) wired by a veth to netns
# GW (10.99.0.1/16): tests/lib/lab.sh's lab. nsping runs with --host-netns NODE;
# bench/seed.sh uses NODE as its "host". Every name starts with nspb<ID>;
# everything is removed on exit, also on failure or interrupt. No packet is sent
# anywhere: only configuration is timed.
#
# Measures, as wall-clock time of the whole process from its spawn to its exit
# (exec included; build/bench-tools/spawntime is the timer), the median of several runs:
#   (a) cold apply:   bench/seed.sh            vs  nsping apply   (torn down between runs)
#   (b) no-op rerun:  bench/seed.sh --check    vs  nsping apply   (on a converged system),
#       also on a busy node (NODE_PAIRS more veth pairs, and NODE_NETNS named netns
#       joined to the node by a veth pair each, as a node with pods has)
#   (c) nsping apply / no-op for 1, 10, 100 instances, with the cost per instance
#   (d) the output of every executable in build/bench/ (the BPF per-packet bench)
# and, if perf is installed, the CPU time (task-clock of the process tree) of (a), (b).
# It reports numbers; it has no pass/fail threshold (exit 1 only if a step fails).
#
# Environment: NSPING (default build/nsping), SPAWNTIME (build/bench-tools/spawntime),
# COLD_RUNS (10), NOOP_RUNS (20),
# NODE_PAIRS (200: veth pairs added to the node for (b) on a busy node; 0 skips it),
# NODE_NETNS (100: named netns, each joined to the node by a veth pair as CNI does
# for a pod, added for (b) on a busy node),
# SCALE ("1 10 100"), SCALE_COLD_RUNS (5), SCALE_NOOP_RUNS (10), SETTLE (0.05 s
# pause before each timed run), SCALE_SETTLE (0.01 s per instance after a destroy
# in (c)), CPU_RUNS (10; 0 skips the CPU time, which needs perf),
# BENCH_TIMEOUT (300 s, for each build/bench/ program), PARTS ("cdefgh": which of
# (c) to (h) run after (a) and (b); "" for (a) and (b) alone).
set -euo pipefail
export LC_ALL=C
cd "$(dirname "$0")/.."

NSPING=${NSPING:-./build/nsping}
SPAWNTIME=${SPAWNTIME:-./build/bench-tools/spawntime}
COLD_RUNS=${COLD_RUNS:-10}
NOOP_RUNS=${NOOP_RUNS:-20}
NODE_PAIRS=${NODE_PAIRS:-200}
NODE_NETNS=${NODE_NETNS:-100}
SCALE=${SCALE:-"1 10 100"}
SCALE_COLD_RUNS=${SCALE_COLD_RUNS:-5}
SCALE_NOOP_RUNS=${SCALE_NOOP_RUNS:-10}
BENCH_TIMEOUT=${BENCH_TIMEOUT:-300}
CPU_RUNS=${CPU_RUNS:-10}
PARTS=${PARTS-cdefgh} # besides (a) and (b), which always run
part() { [[ $PARTS == *"$1"* ]]; }
MAX_PER_FILE=64 # nsping.conf(5): instances is a list of 1..64 groups

BENCH_NAME=bench
# shellcheck source=bench/lib.sh
source bench/lib.sh # the cd above made the repository root the cwd
preflight ip ethtool awk
[ -x "$SPAWNTIME" ] || die "$SPAWNTIME not built (make bench builds it)"

cleanup_on_exit cleanup_lab
lab_init
node=$NODE gw=$GW state=$T
log=$state/log

# timed CMD...: like run; the elapsed wall-clock time in microseconds goes to $elapsed.
# spawntime starts CMD with posix_spawn and reads CLOCK_MONOTONIC around it: the
# time of CMD itself, not of bash forking itself to start it (bench/spawntime.c).
# Each timed run starts after a short pause, so that the asynchronous kernel work
# left by the previous run (netns cleanup, RCU, the mount namespaces of
# `ip netns exec`) does not land on the next one, whichever tool that is.
SETTLE=${SETTLE:-0.05}
SCALE_SETTLE=${SCALE_SETTLE:-0.01} # per instance, after a destroy in (c)
elapsed=0
timed() {
	local rc=0
	sleep "$SETTLE"
	"$SPAWNTIME" "$state/elapsed" "$@" >"$log" 2>&1 || rc=$?
	if [ "$rc" -ne 0 ]; then
		echo "bench: '$*' failed (exit $rc):" >&2
		sed 's/^/    /' "$log" >&2
		exit 1
	fi
	read -r elapsed <"$state/elapsed"
}

# stats US...: "median min max" of microsecond samples.
stats() {
	printf '%s\n' "$@" | sort -n | awk '{ a[NR] = $1 }
		END { m = (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2
		      printf "%d %d %d\n", m, a[1], a[NR] }'
}
ms() { awk -v u="$1" 'BEGIN { printf "%.2f", u / 1000 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.1fx", a / b; else print "-" }'; }

# ---------------------------------------------------------------------------
# The lab.
LAB_PLEN=16 lab_up
up_mac=$NODE_MAC gw_mac=$GW_MAC
gw_ip=10.99.0.1

# instance I: the block of one instance (names and addresses derived from I).
# Each instance gets its own netns and veth pair on the one uplink eth0, a distinct
# address in 10.99.0.0/16, the uplink's MAC and no XDP binding (the seed script
# attaches no XDP either).
instance() {
	local i=$1
	cat <<EOF
  {
    name    = "b$i";
    netns   = "$(inst_ns "$i")";
    uplink  = "eth0";
    veth    = { host = "vnh$i"; peer = "vnn$i"; };
    mac     = "$up_mac";
    address = "10.99.$((1 + i / 250)).$((1 + i % 250))/16";
    gateway = { ip = "$gw_ip"; mac = "$gw_mac"; };
  }
EOF
}

# write_confs N: writes ceil(N/64) files $state/scaleN.K.conf holding instances
# 0..N-1, file K in scope scaleK, and sets confs=(the files).
confs=()
write_confs() {
	local n=$1 i f k=0
	confs=()
	for ((i = 0; i < n; i++)); do
		if ((i % MAX_PER_FILE == 0)); then
			f=$state/scale$n.$k.conf
			k=$((k + 1))
			confs+=("$f")
			# a scope per file: in one scope each file's apply would prune
			# the other's instances (nsping.conf(5), scope)
			printf 'version = 1;\nscope = "scale%d";\ninstances = (\n' "$k" >"$f"
		else
			echo ',' >>"$f"
		fi
		instance "$i" >>"$f"
		if (((i + 1) % MAX_PER_FILE == 0 || i + 1 == n)); then
			echo ');' >>"$f"
		fi
	done
}

# each_cmds ARGS...: $each, nsping ARGS on every file of $confs in order, as the
# ';'-separated commands of one spawntime run (it stops at the first failure).
each_cmds() {
	local f
	each=()
	for f in "${confs[@]}"; do
		[ ${#each[@]} -eq 0 ] || each+=(";")
		each+=("$NSPING" -c "$f" --host-netns "$node" --state-dir "$state" "$@")
	done
}
nsping_each() { each_cmds "$@" && "$SPAWNTIME" /dev/null "${each[@]}"; }
timed_each() { each_cmds "$@" && timed "${each[@]}"; }

# The seed's instance (a)/(b); nsping's is instance 0 of a 1-instance file.
s_ns=$LAB_PREFIX${ID}s s_vh=vsh s_vn=vsn s_ip=10.99.200.1/16
seed=(bench/seed.sh "$node" "$s_ns" "$s_vh" "$s_vn" "$s_ip" "$up_mac" "$gw_ip" "$gw_mac" eth0)
seed_teardown_cmd=(ip -n "$node" link del "$s_vh" ";" ip netns del "$s_ns") # for spawntime
seed_teardown() { "$SPAWNTIME" /dev/null "${seed_teardown_cmd[@]}"; }

# ---------------------------------------------------------------------------
commit=$(git describe --always --dirty 2>/dev/null || echo unknown)
cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null || true)
echo "nsping bench: nsping $commit vs the seed's shell script"
echo "  host:     kernel $(uname -r), ${cpu:-unknown CPU}, $(nproc) CPUs"
echo "  tools:    $(ip -V 2>&1 | head -1), $(ethtool --version 2>&1 | head -1), bash $BASH_VERSION"
echo "  lab:      netns $node (eth0 10.99.0.2/16) <-veth-> netns $gw (10.99.0.1/16)"
echo "  baselines:"
echo "    cold:   bench/seed.sh = the seed's 000 script (ip netns add; ip link add veth;"
echo "            set peer netns; up; ip netns exec bash -c: mac, up, addr, default"
echo "            route, permanent neighbor, ethtool gro on/tx off), host = $node"
echo "    no-op:  bench/seed.sh --check = the same script made idempotent: look up each"
echo "            object with ip/ethtool and skip it when present"
echo "    nsping: $NSPING --host-netns $node --state-dir DIR apply (no XDP bindings;"
echo "            its time includes the verify pass: observe + plan again)"
echo "  times:    wall clock of the whole process, median [min..max] of N runs, ms"
echo "  load:     $(cut -d' ' -f1-3 /proc/loadavg) at start (other work on the host skews the times)"
echo

# Warm-up: page cache, dynamic linker, first netns.
write_confs 1
nsping1=("${confs[@]}")
timed "${seed[@]}"
run seed_teardown
timed_each apply
run nsping_each destroy

# The floor: spawn and exec of a process that does nothing, timed the same
# way: /bin/true, dynamically linked as nsping and each command of the script are.
floor=()
for ((r = 0; r < NOOP_RUNS; r++)); do
	timed /bin/true
	floor+=("$elapsed")
done
read -r fl_m fl_lo fl_hi < <(stats "${floor[@]}")

# (a) cold apply, interleaved so that both see the same system noise.
seed_cold=() ns_cold=() seed_down=() ns_down=()
for ((r = 0; r < COLD_RUNS; r++)); do
	timed "${seed[@]}"
	seed_cold+=("$elapsed")
	timed "${seed_teardown_cmd[@]}"
	seed_down+=("$elapsed")
	timed_each apply
	ns_cold+=("$elapsed")
	timed_each destroy
	ns_down+=("$elapsed")
done

# noop_series SEED_TIMES NSPING_TIMES: NOOP_RUNS no-op reruns of the script and of
# nsping, interleaved, appended to the two arrays named.
noop_series() {
	local -n seed_times=$1 nsping_times=$2
	local r
	for ((r = 0; r < NOOP_RUNS; r++)); do
		timed bench/seed.sh --check "${seed[@]:1}"
		seed_times+=("$elapsed")
		timed_each apply
		nsping_times+=("$elapsed")
	done
}

# (b) no-op rerun on a converged system.
run "${seed[@]}"
run nsping_each apply
seed_noop=() ns_noop=()
noop_series seed_noop ns_noop
run "$NSPING" -c "${nsping1[0]}" --host-netns "$node" --state-dir "$state" --json apply
noop_requests=$(sed -n 's/.*"requests":\([0-9]*\).*/\1/p' "$log")

# (b) again on a busy node: NODE_PAIRS more veth pairs in the node, as a node
# with that many pods has, and NODE_NETNS named netns joined to the node by a
# veth pair each (a pod's netns, /run/netns/cni-... on a node): both tools look
# their own objects up, whatever else the node holds; nsping also looks for
# orphans among them. Removed before (c).
busy_seed=() busy_ns=()
if ((NODE_PAIRS > 0)); then
	for ((i = 0; i < NODE_PAIRS; i++)); do
		echo "link add bpx$i type veth peer name bpy$i"
	done >"$state/pairs"
	run ip -n "$node" -batch "$state/pairs"
	for ((i = 0; i < NODE_NETNS; i++)); do
		run ip netns add "$LAB_PREFIX${ID}q$i"
		echo "link add bpn$i type veth peer name eth0 netns $LAB_PREFIX${ID}q$i"
	done >"$state/pods"
	run ip -n "$node" -batch "$state/pods"
	# the node has an id for each pod's netns once a link dump names it, as any
	# `ip link` on a node does
	run ip -n "$node" link show
	noop_series busy_seed busy_ns
	for ((i = 0; i < NODE_NETNS; i++)); do
		run ip netns del "$LAB_PREFIX${ID}q$i"
	done
	sed 's/^link add \([^ ]*\) .*/link del \1/' "$state/pairs" >"$state/unpairs"
	run ip -n "$node" -batch "$state/unpairs"
fi
run seed_teardown
run nsping_each destroy

# CPU time of the same operations, if perf is there: task-clock counts every
# process of the tree (seed.sh's ip, ethtool and bash too), not the waiting.
cpu_note='' cpu_seed_cold=() cpu_ns_cold=() cpu_seed_noop=() cpu_ns_noop=() cpu_us=0
cpu_timed() {
	local rc=0
	sleep "$SETTLE"
	perf stat -x, -e task-clock -o "$state/perf" -- "$@" >"$log" 2>&1 || rc=$?
	if [ "$rc" -ne 0 ]; then
		echo "bench: 'perf stat $*' failed (exit $rc):" >&2
		sed 's/^/    /' "$log" >&2
		exit 1
	fi
	cpu_us=$(awk -F, '$3 ~ /task-clock/ { printf "%d", $1 * 1000 }' "$state/perf")
	[ -n "$cpu_us" ] || cpu_us=0
}
if ((CPU_RUNS > 0)); then
	if ! command -v perf >/dev/null || ! perf stat -x, -e task-clock -o /dev/null -- true >/dev/null 2>&1; then
		cpu_note="CPU time: not measured (perf stat -e task-clock is not available)"
	else
		for ((r = 0; r < CPU_RUNS; r++)); do
			cpu_timed "${seed[@]}"
			cpu_seed_cold+=("$cpu_us")
			cpu_timed bench/seed.sh --check "${seed[@]:1}"
			cpu_seed_noop+=("$cpu_us")
			run seed_teardown
			cpu_timed "$NSPING" -c "${nsping1[0]}" --host-netns "$node" --state-dir "$state" apply
			cpu_ns_cold+=("$cpu_us")
			cpu_timed "$NSPING" -c "${nsping1[0]}" --host-netns "$node" --state-dir "$state" apply
			cpu_ns_noop+=("$cpu_us")
			run nsping_each destroy
		done
	fi
fi

read -r sc_m sc_lo sc_hi < <(stats "${seed_cold[@]}")
read -r nc_m nc_lo nc_hi < <(stats "${ns_cold[@]}")
read -r sn_m sn_lo sn_hi < <(stats "${seed_noop[@]}")
read -r nn_m nn_lo nn_hi < <(stats "${ns_noop[@]}")
read -r sd_m sd_lo sd_hi < <(stats "${seed_down[@]}")
read -r nd_m nd_lo nd_hi < <(stats "${ns_down[@]}")

echo "(a) cold apply and (b) no-op rerun, 1 instance"
row() { # case runs seed(m lo hi) nsping(m lo hi) goal
	printf '  %-12s %5s  %-26s %-26s %8s %8s  %s\n' "$1" "$2" \
		"$(ms "$3") [$(ms "$4")..$(ms "$5")]" "$(ms "$6") [$(ms "$7")..$(ms "$8")]" \
		"$(ratio "$3" "$6")" "$(ratio "$4" "$7")" "$9"
}
printf '  %-12s %5s  %-26s %-26s %8s %8s  %s\n' case runs "seed.sh (ms)" "nsping apply (ms)" \
	speedup "(min)" goal
row "cold apply" "$COLD_RUNS" "$sc_m" "$sc_lo" "$sc_hi" "$nc_m" "$nc_lo" "$nc_hi" ">= 10x"
row "no-op rerun" "$NOOP_RUNS" "$sn_m" "$sn_lo" "$sn_hi" "$nn_m" "$nn_lo" "$nn_hi" ">= 15x"
if ((NODE_PAIRS > 0)); then
	read -r bs_m bs_lo bs_hi < <(stats "${busy_seed[@]}")
	read -r bn_m bn_lo bn_hi < <(stats "${busy_ns[@]}")
	row "no-op, busy" "$NOOP_RUNS" "$bs_m" "$bs_lo" "$bs_hi" "$bn_m" "$bn_lo" "$bn_hi" ">= 15x"
fi
row "teardown" "$COLD_RUNS" "$sd_m" "$sd_lo" "$sd_hi" "$nd_m" "$nd_lo" "$nd_hi" "-"
echo "  speedup: of the medians; (min): of the fastest runs, the least disturbed by other load"
((NODE_PAIRS == 0)) || echo "  (no-op, busy: the same with $NODE_PAIRS more veth pairs in the node," \
	"$((2 * NODE_PAIRS)) links: as many as a node with $((2 * NODE_PAIRS)) pods has," \
	"and $NODE_NETNS named netns joined to it by a veth pair each)"
echo "  (teardown: ip link del + ip netns del vs nsping destroy)"
echo "  floor: a process that does nothing (/bin/true), spawned and timed the same way," \
	"$(ms "$fl_m") [$(ms "$fl_lo")..$(ms "$fl_hi")] ms"
echo "  ceiling: a process that does nothing, timed so, is $(ratio "$sc_m" "$fl_m") faster than" \
	"seed.sh (cold) and $(ratio "$sn_m" "$fl_m") faster than seed.sh --check (no-op);" \
	"nsping's time above the floor: $(ms $((nc_m - fl_m))) ms cold, $(ms $((nn_m - fl_m))) ms no-op"
echo "  (no-op: seed.sh --check; nsping apply reported \"requests\":${noop_requests:-?}," \
	"i.e. changing kernel requests sent)"
if [ -n "$cpu_note" ]; then
	echo "  $cpu_note"
elif ((CPU_RUNS > 0)); then
	read -r a _ < <(stats "${cpu_seed_cold[@]}")
	read -r b _ < <(stats "${cpu_ns_cold[@]}")
	read -r c _ < <(stats "${cpu_seed_noop[@]}")
	read -r d _ < <(stats "${cpu_ns_noop[@]}")
	echo "  CPU time (perf stat task-clock of the process tree, median of $CPU_RUNS; less" \
		"sensitive to other load):"
	echo "    cold apply   seed.sh $(ms "$a") ms, nsping $(ms "$b") ms: $(ratio "$a" "$b")"
	echo "    no-op rerun  seed.sh $(ms "$c") ms, nsping $(ms "$d") ms: $(ratio "$c" "$d")"
fi
echo

# (c) scaling.
if part c; then
	echo "(c) nsping apply for N instances (one uplink eth0, one netns and veth pair each)"
	printf '  %5s %5s  %-26s %9s %9s  %-26s %9s %9s\n' N files "cold apply (ms)" "/inst" "marginal" \
		"no-op apply (ms)" "/inst" "marginal"
	destroys=() noop_reqs=() first_n='' first_c=0 first_o=0
	for n in $SCALE; do
		write_confs "$n"
		cold=() noop=()
		for ((r = 0; r < SCALE_COLD_RUNS; r++)); do
			timed_each apply
			cold+=("$elapsed")
			if ((r + 1 < SCALE_COLD_RUNS)); then
				run nsping_each destroy
				# The kernel frees a deleted netns asynchronously (cleanup_net,
				# under the rtnl lock); let N of them go before the next run.
				sleep "$(awk -v n="$n" -v s="$SCALE_SETTLE" 'BEGIN { print n * s }')"
			fi
		done
		for ((r = 0; r < SCALE_NOOP_RUNS; r++)); do
			timed_each apply
			noop+=("$elapsed")
		done
		reqs=0
		for f in "${confs[@]}"; do
			run "$NSPING" -c "$f" --host-netns "$node" --state-dir "$state" --json apply
			reqs=$((reqs + $(sed -n 's/.*"requests":\([0-9]*\).*/\1/p' "$log")))
		done
		noop_reqs+=("N=$n: $reqs")
		timed_each destroy
		destroy_us=$elapsed
		read -r c_m c_lo c_hi < <(stats "${cold[@]}")
		read -r o_m o_lo o_hi < <(stats "${noop[@]}")
		if [ -z "$first_n" ]; then
			first_n=$n first_c=$c_m first_o=$o_m
			mc=- mo=-
		else
			mc=$(ms $(((c_m - first_c) / (n - first_n))))
			mo=$(ms $(((o_m - first_o) / (n - first_n))))
		fi
		printf '  %5s %5s  %-26s %9s %9s  %-26s %9s %9s\n' "$n" "${#confs[@]}" \
			"$(ms "$c_m") [$(ms "$c_lo")..$(ms "$c_hi")]" "$(ms $((c_m / n)))" "$mc" \
			"$(ms "$o_m") [$(ms "$o_lo")..$(ms "$o_hi")]" "$(ms $((o_m / n)))" "$mo"
		destroys+=("N=$n: $(ms "$destroy_us") ms")
	done
	echo "  /inst = total / N; marginal = (total(N) - total(${first_n:-?})) / (N - ${first_n:-?}), the cost of one more instance"
	echo "  runs: $SCALE_COLD_RUNS cold (destroy between), $SCALE_NOOP_RUNS no-op; a file holds at most" \
		"$MAX_PER_FILE instances, so N > $MAX_PER_FILE runs nsping once per file, in sequence"
	echo "  nsping destroy (1 run each): ${destroys[*]}"
	echo "  changing kernel requests sent by a no-op apply (\"requests\"): ${noop_reqs[*]}"
	echo
fi

# (d) the BPF per-packet bench, if built.
if part d; then
	found=0
	for b in build/bench/*; do
		[ -f "$b" ] && [ -x "$b" ] || continue
		found=1
		echo "(d) $b"
		rc=0
		timeout "$BENCH_TIMEOUT" "$b" >"$log" 2>&1 || rc=$?
		sed 's/^/  /' "$log"
		[ "$rc" -eq 0 ] || echo "  ($b exited $rc)"
		echo
	done
	[ "$found" -eq 1 ] || echo "(d) no BPF per-packet bench: build/bench/ holds no executable"
fi

# (e) the ping worker: rate and CPU at 1k/10k targets, RTT next to hping3 (own lab).
if part e; then
	echo "(e) bench/ping.sh"
	bench/ping.sh 2>&1 | sed 's/^/  /' || echo "  (bench/ping.sh failed)"
	echo
fi

# (g) the uplink hook's cost to the node's own traffic.
if part g; then
	echo "(g) bench/traffic.sh"
	NSPING=$NSPING bench/traffic.sh 2>&1 | sed 's/^/  /' || echo "  (bench/traffic.sh failed)"
	echo
fi

# (f) run keeping the node converged: repair latency, idle cost, a storm, changes.
if part f; then
	echo "(f) bench/heal.sh"
	NSPING=$NSPING bench/heal.sh 2>&1 | sed 's/^/  /' || echo "  (bench/heal.sh failed)"
	echo
fi

# (h) the /metrics endpoint: the schedule with clients hanging on, scrapes of 10,000 targets.
if part h; then
	echo "(h) bench/metrics.sh"
	bench/metrics.sh 2>&1 | sed 's/^/  /' || echo "  (bench/metrics.sh failed)"
	echo
fi

echo "load at end: $(cut -d' ' -f1-3 /proc/loadavg)"

# Nothing of ours may remain but the lab, which cleanup removes.
left=$(my_netns | { grep -vxF -e "$NODE" -e "$GW" || true; } | tr '\n' ' ')
[ -z "$left" ] || die "namespaces left behind: $left"
