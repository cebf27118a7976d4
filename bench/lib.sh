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
