#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# make check: unit tests (cmocka), the schema corpus, the BPF program tests and
# the real-kernel integration tests; ends with one summary line.
# Usage: tests/check.sh UNIT_BINARY...
set -uo pipefail
cd "$(dirname "$0")/.."

passed=0 failed=0 suites_failed=()
log=$(mktemp)
trap 'rm -f "$log"' EXIT

# Adds the counts of one suite's output to the totals.
count() {
	local name=$1 rc=$2 p f
	# cmocka: "[  PASSED  ] N test(s)." and " N FAILED TEST(S)"
	p=$(grep -oE '^\[  PASSED  \] [0-9]+' "$log" | awk '{s+=$NF} END {print s+0}')
	f=$(grep -oE '^ ?[0-9]+ FAILED TEST' "$log" | awk '{s+=$1} END {print s+0}')
	# scripts: "N passed, N failed"
	if grep -qE '^[0-9]+ passed, [0-9]+ failed' "$log"; then
		p=$((p + $(grep -oE '^[0-9]+ passed' "$log" | tail -1 | awk '{print $1}')))
		f=$((f + $(grep -oE '[0-9]+ failed' "$log" | tail -1 | awk '{print $1}')))
	fi
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1 # crashed or failed without counting
	fi
	passed=$((passed + p))
	failed=$((failed + f))
	[ "$f" -eq 0 ] || suites_failed+=("$name")
}

run_suite() {
	local name=$1
	shift
	echo "== $name"
	"$@" >"$log" 2>&1
	local rc=$?
	cat "$log"
	count "$name" "$rc"
}

for bin in "$@"; do
	run_suite "$(basename "$bin")" "$bin"
done
[ -x tests/schema/run.sh ] && run_suite schema tests/schema/run.sh
run_suite gateway tests/gateway/selftest.sh
run_suite kernel tests/kernel/run.sh
run_suite contract tests/integration/contract/run.sh
run_suite package tests/package/run.sh
run_suite ansible tests/ansible/run.sh

echo
if ((${#suites_failed[@]})); then
	echo "failed suites: ${suites_failed[*]}"
fi
echo "check: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
