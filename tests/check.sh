#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# make check: unit tests (cmocka), the BPF program tests, the schema corpus and
# the real-kernel suites (tests/run.sh); then the same cmocka tests and the
# real-kernel suites again against a build with ASan+UBSan, and the fuzzers'
# replays and smoke runs (tests/fuzz/); ends with one summary line,
#   check: N passed, N failed            (", N skipped" added when some were)
# Usage: tests/check.sh CMOCKA_BINARY...
# env:   SAN_BUILD=DIR   the ASan+UBSan build (make check: build-asan) with the
#                        same cmocka binaries under DIR/tests/ and DIR/nsping
#        FUZZ_DIR=DIR    the fuzz harnesses (make check: build/fuzz)
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

# run_suite NAME PROGRAM [ARGS...]   (PROGRAM: a file, or a function of this script)
run_suite() {
	local name=$1 rc
	shift
	echo "== $name"
	if [ "$(type -t "$1")" != function ] && [ ! -x "$1" ]; then
		echo "check: $name: $1 is missing or not executable" | tee "$log"
		rc=1
	else
		"$@" >"$log" 2>&1
		rc=$?
		cat "$log"
	fi
	count "$name" "$rc"
}

# The sanitizer build: any report ends the process with a non-zero exit (ASan
# and LeakSanitizer do by default, UBSan with halt_on_error; the build has
# -fno-sanitize-recover=all too), which fails the suite.
export ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
SAN_BUILD=${SAN_BUILD:-build-asan}

# san_cmocka BINARY...: the sanitized build of each, in turn (all of them run)
san_cmocka() {
	local bin rc=0
	for bin in "$@"; do
		if [ ! -x "$SAN_BUILD/tests/${bin##*/}" ]; then
			echo "check: $SAN_BUILD/tests/${bin##*/} is missing (make check builds it)"
			rc=1
			continue
		fi
		"$SAN_BUILD/tests/${bin##*/}" || rc=1
	done
	return "$rc"
}

for bin in "$@"; do
	run_suite "$(basename "$bin")" "$bin"
done
run_suite schema tests/schema/run.sh
run_suite gateway tests/run.sh tests/gateway
run_suite kernel tests/run.sh tests/kernel
run_suite contract tests/run.sh tests/integration/contract
run_suite package tests/package/run.sh
run_suite metrics tests/metrics/run.sh
run_suite ansible tests/ansible/run.sh
# the cmocka tests of nsping's own code (not the test gateway's) with ASan+UBSan
san_unit=() san_bpf=()
for bin in "$@"; do
	case ${bin##*/} in
	test_gw_*) ;;
	test_bpf_*) san_bpf+=("$bin") ;;
	*) san_unit+=("$bin") ;;
	esac
done
run_suite asan-unit san_cmocka "${san_unit[@]}"
run_suite asan-bpf san_cmocka "${san_bpf[@]}"
run_suite fuzz tests/fuzz/run.sh check "${FUZZ_DIR:-build/fuzz}" "${FUZZ_SMOKE:-5}"
LAB_SANITIZER=1 NSPING=$SAN_BUILD/nsping \
	run_suite asan-kernel tests/run.sh tests/kernel tests/integration/contract

echo
if ((${#suites_failed[@]})); then
	echo "failed suites: ${suites_failed[*]}"
fi
echo "check: $passed passed, $failed failed$([ "$skipped" -eq 0 ] || echo ", $skipped skipped")"
[ "$failed" -eq 0 ]
