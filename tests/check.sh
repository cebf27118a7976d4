#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# make check: unit tests (cmocka), the BPF program tests, the schema corpus,
# the real-kernel suites (tests/run.sh) and the fuzzers' replays and smoke runs
# (tests/fuzz/); ends with one summary line,
#   check: N passed, N failed            (", N skipped" added when some were)
# Usage: tests/check.sh CMOCKA_BINARY...
# env:   FUZZ_DIR=DIR    the fuzz harnesses (make check: build/fuzz)
#        FUZZ_SMOKE=SEC  each harness's fuzzing time (default 5)
#
# No suite is skipped silently: a suite that is missing or not executable, that
# prints no count, or that ran no test at all counts as a failure. The
# real-kernel suites check their own expected counts (tests/run.sh).
set -uo pipefail
cd "$(dirname "$0")/.."

passed=0 failed=0 skipped=0 suites_failed=()
log=$(mktemp)
trap 'rm -f "$log"' EXIT

# count NAME RC: adds the counts of one suite's output ($log) to the totals.
count() {
	local name=$1 rc=$2 p=0 f=0 s=0 runs line
	if grep -qE '^\[==========\] [0-9]+ test\(s\) run\.' "$log"; then
		# cmocka: "[==========] N test(s) run.", "[  PASSED  ] N test(s).",
		# " N FAILED TEST(S)"
		runs=$(grep -oE '^\[==========\] [0-9]+ test\(s\) run\.' "$log" | awk '{s += $2} END {print s + 0}')
		p=$(grep -oE '^\[  PASSED  \] [0-9]+' "$log" | awk '{s += $NF} END {print s + 0}')
		f=$(grep -oE '^ ?[0-9]+ FAILED TEST' "$log" | awk '{s += $1} END {print s + 0}')
		[ $((p + f)) -eq "$runs" ] || f=$((runs - p))
	elif line=$(grep -E '^[0-9]+ passed, [0-9]+ failed(, [0-9]+ skipped)?$' "$log" | tail -n 1) &&
		[ -n "$line" ]; then
		# scripts: "N passed, N failed[, N skipped]"
		p=$(awk '{print $1}' <<<"$line")
		f=$(awk '{print $3}' <<<"$line")
		s=$(awk '{print ($5 == "" ? 0 : $5)}' <<<"$line")
	else
		echo "check: $name printed no count of its tests"
		f=1
	fi
	if [ $((p + f + s)) -eq 0 ]; then
		echo "check: $name ran no test"
		f=1
	fi
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "check: $name exited $rc without a failed test"
		f=1
	fi
	passed=$((passed + p))
	failed=$((failed + f))
	skipped=$((skipped + s))
	[ "$f" -eq 0 ] || suites_failed+=("$name")
}

# run_suite NAME PROGRAM [ARGS...]
run_suite() {
	local name=$1 rc
	shift
	echo "== $name"
	if [ ! -x "$1" ]; then
		echo "check: $name: $1 is missing or not executable" | tee "$log"
		rc=1
	else
		"$@" >"$log" 2>&1
		rc=$?
		cat "$log"
	fi
	count "$name" "$rc"
}

for bin in "$@"; do
	run_suite "$(basename "$bin")" "$bin"
done
run_suite schema tests/schema/run.sh
run_suite gateway tests/run.sh tests/gateway
run_suite kernel tests/run.sh tests/kernel
run_suite contract tests/run.sh tests/integration/contract
run_suite package tests/package/run.sh
run_suite ansible tests/ansible/run.sh
run_suite fuzz tests/fuzz/run.sh check "${FUZZ_DIR:-build/fuzz}" "${FUZZ_SMOKE:-5}"

echo
if ((${#suites_failed[@]})); then
	echo "failed suites: ${suites_failed[*]}"
fi
echo "check: $passed passed, $failed failed$([ "$skipped" -eq 0 ] || echo ", $skipped skipped")"
[ "$failed" -eq 0 ]
