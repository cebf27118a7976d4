#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Contract tests: nsping against a real kernel, written from SPEC.md/DESIGN.md
# only (not from the reconciler's code), observed independently with ip -j,
# ethtool -k, stat and strace.
#
# usage: run.sh [NAME...]      run every test (or the named ones; with or
#                              without the test_ prefix)
#        run.sh --list         list the tests
# env:   NSPING=path           binary under test (default build/nsping; it is
#                              copied first, so a rebuild during the run is harmless)
#        NSPT_TIMEOUT=SEC      per test (default 300)
#        NSPT_LOGDIR=DIR       keep every test's log there (default: a temp dir,
#                              kept only when a test failed)
#
# Prints "ok NAME" or "FAIL NAME: why" per test, then "N passed, N failed";
# exits 1 if any failed. Must run as root. Every test makes its own namespaces
# (nspt<ID>*) and removes them on any exit; the runner checks that none is left.
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../../.." && pwd)
LIB=$ROOT/tests/lib/nspt.sh

test_files() { ls "$HERE"/t[0-9]*_*.sh; }
all_tests() { test_files | xargs grep -hoE '^test_[a-z0-9_]+\(\)' | sed 's/^test_//; s/()$//'; }

# --- one test, in its own process (run.sh --one NAME) ----------------------------
if [ "${1:-}" = --one ]; then
	# shellcheck source=/dev/null
	source "$LIB"
	for f in $(test_files); do
		# shellcheck source=/dev/null
		source "$f"
	done
	lab_init
	trap 'lab_down' EXIT
	trap 'exit 130' INT TERM HUP
	"test_$2"
	exit $?
fi

# shellcheck source=/dev/null
source "$LIB"   # for my_netns

if [ "${1:-}" = --list ]; then
	all_tests
	exit 0
fi

summary_fail() { echo "FAIL $1: $2"; echo "0 passed, 1 failed"; exit 1; }
[ "$(id -u)" -eq 0 ] || summary_fail setup "must run as root"
for tool in ip jq ethtool strace flock stat timeout iptables; do
	command -v "$tool" >/dev/null || summary_fail setup "$tool not installed"
done
SRC=${NSPING:-$ROOT/build/nsping}
[ -x "$SRC" ] || summary_fail setup "$SRC not built (make)"

SUITE=$(mktemp -d /tmp/nspt-suite.XXXXXX)
trap 'rm -rf "$SUITE"' EXIT
LOGDIR=${NSPT_LOGDIR:-$(mktemp -d /tmp/nspt-logs.XXXXXX)}
mkdir -p "$LOGDIR"
cp "$SRC" "$SUITE/nsping"
export NSPING=$SUITE/nsping ROOT
export NSPT_SHIM= NSPING_TRACED=$NSPING
if command -v gcc >/dev/null &&
	gcc -O2 -shared -fPIC -o "$SUITE/ioctl_log.so" "$HERE/ioctl_log.c" -ldl 2>"$SUITE/gcc.log"; then
	NSPT_SHIM=$SUITE/ioctl_log.so
else
	echo "note: ioctl shim not built: SIOCETHTOOL set commands are not counted by strace checks" >&2
fi
if [ $# -gt 0 ]; then
	tests=()
	for t in "$@"; do tests+=("${t#test_}"); done
else
	mapfile -t tests < <(all_tests)
fi

# The runner's own namespace: looked at before and after, never touched.
host_view() {
	{
		ip -j link show | jq -c 'map({ifindex, ifname, address, flags})'
		ip -j addr show | jq -c 'map({ifname, a: [.addr_info[]? | "\(.local)/\(.prefixlen)"]})'
		ip -j route show table all | jq -c .
	} 2>&1
}
host_before=$(host_view)

passed=0 failed=0 any_fail=false
for t in "${tests[@]}"; do
	if ! all_tests | grep -qxF "$t"; then
		echo "FAIL $t: no such test"
		failed=$((failed + 1))
		continue
	fi
	why=$SUITE/$t.why idfile=$SUITE/$t.id
	rm -f "$why" "$idfile"
	t0=$SECONDS
	NSPT_WHY=$why NSPT_IDFILE=$idfile NSPT_NOTES=$SUITE/$t.notes \
		timeout -k 10 "${NSPT_TIMEOUT:-300}" "$0" --one "$t" >"$LOGDIR/$t.log" 2>&1
	rc=$?
	echo "# exit $rc after $((SECONDS - t0))s" >>"$LOGDIR/$t.log"
	msg=
	if [ -s "$why" ]; then
		msg=$(head -n 1 "$why")
	elif [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
		msg="timed out after ${NSPT_TIMEOUT:-300}s"
	elif [ "$rc" -ne 0 ]; then
		msg="exited $rc: $(tail -n 1 "$LOGDIR/$t.log")"
	fi
	# nothing of the test may survive it
	if [ -s "$idfile" ]; then
		id=$(cat "$idfile")
		left=$(ID=$id my_netns | tr '\n' ' ')
		if [ -n "$left" ]; then
			[ -n "$msg" ] || msg="namespaces left behind: $left"
			for ns in $left; do ip netns del "$ns" 2>/dev/null; done
		fi
	fi
	if [ -z "$msg" ]; then
		echo "ok $t"
		passed=$((passed + 1))
	else
		echo "FAIL $t: $msg"
		failed=$((failed + 1))
		any_fail=true
	fi
	if [ -s "$SUITE/$t.notes" ]; then
		sed "s/^/note: $t: /" "$SUITE/$t.notes" >&2
	fi
done

if [ "$(host_view)" != "$host_before" ]; then
	echo "FAIL host_netns_untouched: the runner's own namespace changed during the run"
	failed=$((failed + 1))
	any_fail=true
fi

if $any_fail || [ -n "${NSPT_LOGDIR:-}" ]; then
	echo "note: logs in $LOGDIR" >&2
else
	rm -rf "$LOGDIR"
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
