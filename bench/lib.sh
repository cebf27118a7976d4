# SPDX-License-Identifier: GPL-2.0-only
# Shared by the bench scripts. BENCH_NAME prefixes messages; run() keeps the
# command's output in $log, which the script sets. The lab (its names, lab_up,
# the DROP rules, lab_down) is the tests' own: tests/lib/lab.sh, with the
# namespaces named nspb<ID>...

LAB_PREFIX=nspb
# shellcheck source=tests/lib/lab.sh
source tests/lib/lab.sh # the bench scripts cd to the repository root first

die() {
	echo "$BENCH_NAME: $*" >&2
	exit 1
}

# preflight TOOL...: root, bash >= 5, every TOOL on PATH and $NSPING built, or die.
preflight() {
	local tool
	[ "$(id -u)" -eq 0 ] || die "must run as root (it creates network namespaces)"
	[ -n "${EPOCHREALTIME:-}" ] || die "needs bash >= 5 (\$EPOCHREALTIME)"
	for tool in "$@"; do
		command -v "$tool" >/dev/null || die "$tool not found (tests/deps.sh installs it)"
	done
	[ -x "$NSPING" ] || die "$NSPING not built (make)"
}

# cleanup_on_exit FUNCTION: FUNCTION runs when the script ends for any reason:
# exit, failure, INT/TERM, the terminal gone (HUP), or the reader of its output
# gone (PIPE: run.sh killed while ping.sh writes to it). FUNCTION calls
# cleanup_done first (after reading $?), so that it runs once.
cleanup_on_exit() {
	trap "$1" EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	trap 'exit 141' PIPE
	trap 'exit 129' HUP
}
cleanup_done() { trap - EXIT INT TERM PIPE HUP; }

# cleanup_lab: the EXIT handler (cleanup_on_exit cleanup_lab) of a script that
# built a lab with lab_init/lab_up: lab_down removes its namespaces and $T; the
# script's exit status is kept.
cleanup_lab() {
	local rc=$?
	cleanup_done
	lab_down
	exit "$rc"
}

# A `nsping run` the script started in the background (RUN_PID): stop_run
# ends it with SIGTERM and reaps it; run_pids lists it and its descendants
# (the worker and its opener); run_cpu_ticks PIDS... sums their utime+stime.
RUN_PID=
# run_alive: the background run is still there, or die with the end of its stderr
# (a measurement of a run that ended says nothing).
run_alive() {
	kill -0 "$RUN_PID" 2>/dev/null || die "run ended before the measurement did: $(tail -c 400 "$T/run.err" 2>/dev/null)"
}
stop_run() {
	[ -n "$RUN_PID" ] || return 0
	kill -TERM "$RUN_PID" 2>/dev/null || true
	wait "$RUN_PID" 2>/dev/null || true
	RUN_PID=
}
run_pids() {
	local p=$RUN_PID kids
	echo "$p"
	kids=$(pgrep -P "$p" || true)
	for k in $kids; do
		echo "$k"
		pgrep -P "$k" || true
	done
}
run_cpu_ticks() { for p in "$@"; do awk '{print $14 + $15}' "/proc/$p/stat" 2>/dev/null; done | awk '{s += $1} END {print s + 0}'; }

# cleanup_nsping: the EXIT handler of a script that applied $CONF in the lab:
# stops its run, destroys what nsping made (bounded: a hang must not keep the
# lab), removes the lab and BENCH_EXTRA_DIR (a directory of the script's
# outside $T, if any); the script's exit status is kept.
cleanup_nsping() {
	local rc=$?
	cleanup_done
	stop_run
	[ -e "/run/netns/${NODE:-none}" ] && [ -f "${CONF:-none}" ] &&
		timeout 30 "$NSPING" -c "$CONF" --host-netns "$NODE" --state-dir "$STATE" destroy \
			>/dev/null 2>&1
	lab_down
	[ -z "${BENCH_EXTRA_DIR:-}" ] || rm -rf -- "$BENCH_EXTRA_DIR"
	exit "$rc"
}

# run CMD...: runs CMD with its output in $log; on failure shows it and aborts.
run() {
	local rc=0
	"$@" >"$log" 2>&1 || rc=$?
	if [ "$rc" -ne 0 ]; then
		echo "$BENCH_NAME: '$*' failed (exit $rc):" >&2
		sed 's/^/    /' "$log" >&2
		exit 1
	fi
}
