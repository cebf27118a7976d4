#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Real-kernel integration tests. Runs every test_* function of tests/kernel/*.t.sh
# (or those named on the command line), each in its own subshell with its own
# lab of namespaces, and ends with "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/../.."

[ "$(id -u)" -eq 0 ] || { echo "integration tests need root"; echo "0 passed, 1 failed"; exit 1; }
for f in tests/kernel/*.t.sh; do
	# shellcheck source=/dev/null
	source "$f"
done
source tests/kernel/lib.sh

tests=("$@")
[ ${#tests[@]} -gt 0 ] || mapfile -t tests < <(declare -F | awk '{print $3}' | grep '^test_')
passed=0 failed=0
for t in "${tests[@]}"; do
	out=$( (lab_up && "$t") 2>&1 )
	if [ $? -eq 0 ]; then
		echo "ok   $t"
		passed=$((passed + 1))
	else
		echo "FAIL $t: $(echo "$out" | tail -3)"
		failed=$((failed + 1))
	fi
done
left=$(ip netns list | grep -c '^nspk' || true)
if [ "$left" -ne 0 ]; then
	echo "FAIL cleanup: $left test namespaces left behind"
	failed=$((failed + 1))
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
