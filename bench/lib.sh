# SPDX-License-Identifier: GPL-2.0-only
# Shared by the bench scripts. BENCH_NAME prefixes messages; run() keeps the
# command's output in $log, which the script sets.

die() {
	echo "$BENCH_NAME: $*" >&2
	exit 1
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
