#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The runner of every real-kernel suite (tests/kernel, tests/integration/contract,
# tests/gateway): nsping against a real kernel, in namespaces each test makes
# with tests/lib/lab.sh.
#
# usage: tests/run.sh [--list] SUITE_DIR... [NAME...]
#   SUITE_DIR   a directory of *.t.sh files and their "expected" file
#   NAME        run only these tests (with or without the test_ prefix)
#   --list      list the tests of the suites
# env:  NSPING=path     binary under test (default build/nsping; copied first, so
#                       that a rebuild during the run is harmless)
#       LAB_TIMEOUT=SEC per test (default 300): then the test's process group is
#                       sent SIGTERM (its cleanup runs), SIGKILL 15 s later, and
#                       the test fails with "timed out"
#       LAB_LOGDIR=DIR  keep every test's log there (default: a temporary
#                       directory, kept only when a test failed)
#       LAB_SANITIZER=1 NSPING is a build with ASan+UBSan: each test's reports
#                       go to files of its own (ASAN_OPTIONS and UBSAN_OPTIONS
#                       get a log_path), so that a test that ignores nsping's
#                       stderr or exit code still sees them, and a test with a
#                       report fails ("sanitizer report: ..."), the report in
#                       its log (an empty log file is no report: it is noted
#                       in the log and ignored). LeakSanitizer can't work in a traced process
#                       (it ptraces the process's threads itself and dies):
#                       nsping under strace runs without the leak check.
#
# A test is a function test_NAME in a SUITE_DIR/*.t.sh file. The file
# SUITE_DIR/expected lists every *.t.sh of the directory with the number of
# tests it defines ("FILE COUNT"). Before running anything the runner checks
# that each listed file exists and parses (bash -n), that it defines exactly
# that many test_ functions at the start of a line, that sourcing every file
# defines exactly those functions (no name twice), and that no *.t.sh is left
# out; each mismatch is a failure. A suite that ran no test fails.
#
# Each test runs in its own process (its own process group, under timeout) with
# the lab library and every file of its suite sourced, after lab_init, with
# lab_down as its EXIT trap. Verdicts:
#   ok NAME        exit 0, nothing written by fail
#   FAIL NAME: WHY fail was called (even in a subshell), or a non-zero exit, or
#                  a timeout, or the test left namespaces of its ID or processes
#                  of its group behind, or the runner's own netns changed
#   SKIP NAME: WHY skip was called (exit 77)
# then "N passed, N failed, N skipped"; exits 1 if any failed.
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
LIB=$ROOT/tests/lib/lab.sh
export ROOT

# suite_files DIR: the test files DIR/expected lists, in its order.
suite_files() { awk '!/^#/ && NF { print $1 }' "$1/expected" 2>/dev/null; }
# file_tests FILE: the test names FILE defines (without test_), in order.
file_tests() { grep -hoE '^test_[a-z0-9_]+\(\)' "$1" | sed 's/^test_//; s/()$//'; }

# --- one test, in its own process: run.sh --one SUITE_DIR NAME -------------------
if [ "${1:-}" = --one ]; then
	# shellcheck source=tests/lib/lab.sh
	source "$LIB"
	for f in $(suite_files "$2"); do
		# shellcheck source=/dev/null
		source "$2/$f" || fail "sourcing $2/$f failed"
	done
	trap 'lab_down' EXIT
	trap 'exit 143' TERM
	trap 'exit 130' INT
	trap 'exit 129' HUP
	lab_init
	"test_$3"
	exit $?
fi

list=false
suites=() names=()
for a in "$@"; do
	if [ "$a" = --list ]; then
		list=true
	elif [ -d "$a" ]; then
		suites+=("$(cd "$a" && pwd)")
	else
		names+=("${a#test_}")
	fi
done
[ ${#suites[@]} -gt 0 ] || {
	echo "usage: tests/run.sh [--list] SUITE_DIR... [NAME...]" >&2
	exit 64
}

passed=0 failed=0 skipped=0
# verdict KIND NAME TEXT
verdict() {
	case $1 in
	ok) passed=$((passed + 1)) && echo "ok $2${3:+ $3}" ;;
	FAIL) failed=$((failed + 1)) && echo "FAIL $2: $3" ;;
	SKIP) skipped=$((skipped + 1)) && echo "SKIP $2: $3" ;;
	esac
}
summary() {
	echo "$passed passed, $failed failed, $skipped skipped"
	[ "$failed" -eq 0 ]
	exit
}

# check_suite DIR: the suite's files against its expected file; prints
# "SUITE_DIR NAME" per test to run on stdout, failures (as verdicts) first.
declare -a plan_dirs=() plan_names=()
declare -A expected_total=()
check_suite() {
	local dir=$1 sname f n want got defined listed
	sname=${dir#"$ROOT"/}
	if [ ! -f "$dir/expected" ]; then
		verdict FAIL "$sname" "no file $sname/expected (FILE COUNT per test file)"
		return
	fi
	listed=$(suite_files "$dir")
	for f in "$dir"/*.t.sh; do
		[ -e "$f" ] || continue
		grep -qxF "${f##*/}" <<<"$listed" ||
			verdict FAIL "$sname" "${f##*/} is not listed in $sname/expected: its tests would not run"
	done
	expected_total[$dir]=0
	while read -r f want; do
		[ -n "$f" ] || continue
		expected_total[$dir]=$((expected_total[$dir] + want))
		if [ ! -f "$dir/$f" ]; then
			verdict FAIL "$sname/$f" "listed in $sname/expected ($want tests) but missing"
			continue
		fi
		if ! bash -n "$dir/$f" 2>"$SUITE/bash-n.err"; then
			verdict FAIL "$sname/$f" "does not parse: $(head -n 3 "$SUITE/bash-n.err" | tr '\n' '|')"
			continue
		fi
		got=$(file_tests "$dir/$f" | grep -c .)
		[ "$got" = "$want" ] ||
			verdict FAIL "$sname/$f" "defines $got tests, $sname/expected says $want"
		for n in $(file_tests "$dir/$f"); do
			plan_dirs+=("$dir") plan_names+=("$n")
		done
	done < <(awk '!/^#/ && NF { print $1, $2 }' "$dir/expected")
	# what sourcing defines: the same functions, none twice
	defined=$(
		cd "$ROOT" || exit 1
		# shellcheck source=tests/lib/lab.sh
		source "$LIB" >/dev/null 2>&1
		for f in $listed; do
			# shellcheck source=/dev/null
			source "$dir/$f" >/dev/null 2>&1
		done
		declare -F | awk '{print $3}' | grep '^test_' | sed 's/^test_//' | sort
	)
	got=$(for f in $listed; do [ -f "$dir/$f" ] && file_tests "$dir/$f"; done | sort)
	n=$(uniq -d <<<"$got" | tr '\n' ' ')
	[ -z "$n" ] || verdict FAIL "$sname" "tests defined twice: $n"
	[ "$(uniq <<<"$got")" = "$defined" ] ||
		verdict FAIL "$sname" "sourcing defines other test functions than the files list: $(diff <(uniq <<<"$got") <(echo "$defined") | grep '^[<>]' | tr '\n' ' ')"
	[ "${expected_total[$dir]}" -gt 0 ] || verdict FAIL "$sname" "expects no test at all"
}

SUITE=$(mktemp -d /tmp/nsping-tests.XXXXXX)
trap 'rm -rf "$SUITE"' EXIT
for d in "${suites[@]}"; do check_suite "$d"; done

if $list; then
	for i in "${!plan_names[@]}"; do echo "${plan_dirs[$i]#"$ROOT"/} ${plan_names[$i]}"; done
	exit 0
fi

[ "$(id -u)" -eq 0 ] || { verdict FAIL setup "must run as root"; summary; }
for tool in ip jq ethtool strace flock stat timeout iptables tc ss pgrep /usr/bin/python3; do
	command -v "$tool" >/dev/null || { verdict FAIL setup "$tool not installed (tests/deps.sh)"; summary; }
done
SRC=${NSPING:-$ROOT/build/nsping}
[ -x "$SRC" ] || { verdict FAIL setup "$SRC not built (make)"; summary; }
LOGDIR=${LAB_LOGDIR:-$(mktemp -d /tmp/nsping-logs.XXXXXX)}
mkdir -p "$LOGDIR"
cp "$SRC" "$SUITE/nsping"
export NSPING=$SUITE/nsping LAB_SHIM=
if gcc -O2 -shared -fPIC -o "$SUITE/ioctl_log.so" "$ROOT/tests/lib/ioctl_log.c" -ldl 2>"$SUITE/gcc.log"; then
	LAB_SHIM=$SUITE/ioctl_log.so
else
	echo "note: the ioctl shim does not build: tests that count ethtool sets will fail: $(head -n 2 "$SUITE/gcc.log")" >&2
fi
TIMEOUT=${LAB_TIMEOUT:-300}
SAN=${LAB_SANITIZER:-}
if [ -n "$SAN" ]; then
	mkdir -p "$SUITE/bin"
	printf '#!/bin/sh\nASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" exec %s "$@"\n' \
		"$(command -v strace)" >"$SUITE/bin/strace"
	chmod +x "$SUITE/bin/strace"
	export PATH=$SUITE/bin:$PATH
fi

# The runner's own namespace: looked at before and after each test, never touched.
host_view() {
	{
		ip -j link show | jq -c 'map({ifindex, ifname, address, flags, xdp: (.xdp // null)})'
		ip -j addr show | jq -c 'map({ifname, a: [.addr_info[]? | "\(.local)/\(.prefixlen)"]})'
		ip -j route show table all | jq -c .
	} 2>&1 | head -c 100000
}
host_before=$(host_view)

current_pgid=
on_signal() {
	[ -n "$current_pgid" ] && kill -TERM -- "-$current_pgid" 2>/dev/null
	sleep 2
	[ -n "$current_pgid" ] && kill -KILL -- "-$current_pgid" 2>/dev/null
	echo "interrupted"
	summary
}
trap on_signal INT TERM HUP

ran=()
declare -A ran_in=()
for i in "${!plan_names[@]}"; do
	dir=${plan_dirs[$i]} t=${plan_names[$i]}
	if [ ${#names[@]} -gt 0 ]; then
		printf '%s\n' "${names[@]}" | grep -qxF "$t" || continue
	fi
	ran+=("$t")
	ran_in[$dir]=$((${ran_in[$dir]:-0} + 1))
	sname=${dir#"$ROOT"/}
	mkdir -p "$LOGDIR/$sname"
	logf=$LOGDIR/$sname/$t.log
	why=$SUITE/$t.why skipf=$SUITE/$t.skip idfile=$SUITE/$t.id notes=$SUITE/$t.notes
	rm -f "$why" "$skipf" "$idfile" "$notes"
	san=$SUITE/$t.san
	rm -rf "$san"
	t0=$SECONDS
	(
		cd "$ROOT" || exit 1
		if [ -n "$SAN" ]; then
			mkdir -p "$san"
			export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}log_path=$san/asan"
			export UBSAN_OPTIONS="${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}log_path=$san/ubsan"
		fi
		LAB_WHY=$why LAB_SKIP=$skipf LAB_IDFILE=$idfile LAB_NOTES=$notes \
			exec timeout -k 15 "$TIMEOUT" "$HERE/run.sh" --one "$dir" "$t"
	) >"$logf" 2>&1 &
	current_pgid=$!
	wait "$current_pgid"
	rc=$?
	took=$((SECONDS - t0))
	echo "# exit $rc after ${took}s" >>"$logf"
	msg='' kind=ok
	if [ -s "$why" ]; then
		msg=$(tr '\n' '|' <"$why" | sed 's/|$//; s/|/ | /g' | head -c 600)
	elif [ "$rc" -eq 124 ] || { [ "$rc" -eq 137 ] && [ "$took" -ge "$TIMEOUT" ]; }; then
		msg="timed out after ${TIMEOUT}s (LAB_TIMEOUT)"
	elif [ "$rc" -eq 77 ] || { [ "$rc" -eq 0 ] && [ -s "$skipf" ]; }; then
		kind=SKIP msg=$(head -n 1 "$skipf" 2>/dev/null)
		[ -n "$msg" ] || msg="exit 77 without a reason"
	elif [ "$rc" -ne 0 ]; then
		msg="exited $rc: $(grep -v '^# exit' "$logf" | tail -n 1)"
	fi
	[ -n "$msg" ] && [ "$kind" = ok ] && kind=FAIL
	# nothing of the test may survive it: its processes, its namespaces
	# (a process being reaped, like an opener whose worker was killed, gets a
	# few seconds to go)
	for ((w = 0; w < 100; w++)); do
		left=$(for p in $(pgrep -g "$current_pgid"); do
			grep -q '^State:[[:space:]]*Z' "/proc/$p/status" 2>/dev/null || [ ! -e "/proc/$p" ] || echo "$p"
		done | tr '\n' ' ')
		[ -z "$left" ] && break
		sleep 0.1
	done
	if [ -n "$left" ]; then
		kill -KILL -- "-$current_pgid" 2>/dev/null
		[ "$kind" = FAIL ] || kind=FAIL msg="processes left behind: $(for p in $left; do tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null | head -c 80; echo -n '; '; done)"
	fi
	current_pgid=
	# An empty log holds no report: the sanitizer opens its file as it starts
	# to write, and a process the test SIGKILLs can die between the two. It
	# is noted in the test's log and removed; any other file fails the test.
	for f in "$san"/*; do
		if [ -f "$f" ] && [ ! -s "$f" ]; then
			echo "# empty sanitizer log ${f##*/} (opened, nothing written), ignored" >>"$logf"
			rm -f "$f"
		fi
	done
	if [ -n "$SAN" ] && [ -n "$(ls -A "$san" 2>/dev/null)" ]; then
		cat "$san"/* >>"$logf"
		kind=FAIL msg="sanitizer report: $(grep -h -m 1 -E 'ERROR: |runtime error|SUMMARY' "$san"/* | head -n 1 | head -c 300) ($(ls "$san" | tr '\n' ' '))"
	fi
	if [ -s "$idfile" ]; then
		prefix_id=$(cat "$idfile")
		left=$(for f in /run/netns/"$prefix_id"*; do
			[ -e "$f" ] || continue
			f=${f##*/}
			[[ $f =~ ^${prefix_id}[a-z][0-9]*$ ]] && echo "$f"
		done | tr '\n' ' ')
		if [ -n "$left" ]; then
			[ "$kind" = FAIL ] || kind=FAIL msg="namespaces left behind: $left"
			for ns in $left; do ip netns del "$ns" 2>/dev/null; done
		fi
		left=$(compgen -G "/tmp/$prefix_id.*" | tr '\n' ' ')
		if [ -n "$left" ]; then
			[ "$kind" = FAIL ] || kind=FAIL msg="temporary files left behind: $left"
			rm -rf $left
		fi
	fi
	host_now=$(host_view)
	if [ "$host_now" != "$host_before" ]; then
		[ "$kind" = FAIL ] || kind=FAIL msg="the runner's own namespace changed: $(diff <(echo "$host_before") <(echo "$host_now") | grep '^[<>]' | head -c 300)"
		host_before=$host_now
	fi
	if [ "$kind" = ok ]; then
		verdict ok "$t" "(${took}s)"
	else
		verdict "$kind" "$t" "$msg (${took}s)"
	fi
	if [ "$kind" = FAIL ]; then
		grep -v '^# exit' "$logf" | tail -n 12 | sed 's/^/    | /'
		echo "    log: $logf"
	fi
	if [ -s "$notes" ]; then
		sed "s/^/note: $t: /" "$notes" >&2
	fi
done

# Every suite ran as many tests as it expects (all of them, unless some were named).
for d in "${suites[@]}"; do
	sname=${d#"$ROOT"/}
	if [ ${#names[@]} -eq 0 ]; then
		[ "${ran_in[$d]:-0}" = "${expected_total[$d]:-0}" ] ||
			verdict FAIL "$sname" "ran ${ran_in[$d]:-0} tests, $sname/expected says ${expected_total[$d]:-0}"
	fi
	[ "${ran_in[$d]:-0}" -gt 0 ] || [ ${#names[@]} -gt 0 ] || verdict FAIL "$sname" "ran no test"
done
for n in "${names[@]}"; do
	printf '%s\n' "${ran[@]}" | grep -qxF "$n" || verdict FAIL "$n" "no such test"
done

if [ "$failed" -gt 0 ] || [ -n "${LAB_LOGDIR:-}" ]; then
	echo "note: logs in $LOGDIR" >&2
else
	rm -rf "$LOGDIR"
fi
summary
