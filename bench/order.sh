#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# bench/order.sh [OUT]: write the link order of build/nsping's functions
# (default reconciler/nsping.order), for ld.lld --symbol-ordering-file.
#
# A no-op apply touches about 100 pages of nsping's 1.7 MB of code, and on a
# paravirtualised VM every first touch of a page costs a process 1.4-2.7 us
# (11 us when it faults). The functions a run uses, libc's start-up and
# libnl's included, fit in about 40 pages when they sit together. This script
# records them in the order a run first calls them: a cold apply's and a
# no-op's, traced instruction by instruction (valgrind --tool=lackey) on a
# throwaway lab of namespaces, mapped to symbols with nm. A function that a
# later build renames or drops is only a missing line (lld is told not to warn).
#
# Root; namespaces nspo<pid>*, removed on exit. Needs valgrind (not in make
# deps: only this script uses it).
set -euo pipefail
cd "$(dirname "$0")/.."

NSPING=${NSPING:-./build/nsping}
OUT=${1:-reconciler/nsping.order}
BENCH_NAME=order
# shellcheck source=bench/lib.sh
source bench/lib.sh
preflight ip valgrind nm awk

prefix=nspo$$
node=${prefix}node gw=${prefix}gw
state=$(mktemp -d /tmp/nsping-order.XXXXXX)
log=$state/log

cleanup_on_exit cleanup_lab

run ip netns add "$node"
run ip netns add "$gw"
run ip -n "$node" link add eth0 type veth peer name eth0 netns "$gw"
run ip -n "$node" addr add 10.99.0.2/16 dev eth0
run ip -n "$node" link set eth0 up
run ip -n "$gw" link set eth0 up
gw_mac=$(ip -n "$gw" -j link show dev eth0 | sed -n 's/.*"address":"\([0-9a-f:]*\)".*/\1/p')
[ -n "$gw_mac" ] || die "cannot read the gateway's MAC"
cat >"$state/conf" <<EOF
version = 1;
instances = ( {
    name    = "order";
    netns   = "${prefix}n";
    uplink  = "eth0";
    veth    = { host = "${prefix:0:8}h"; peer = "${prefix:0:8}p"; };
    address = "10.99.1.1/16";
    gateway = { ip = "10.99.0.1"; mac = "$gw_mac"; };
} );
EOF

# traced RUN: nsping apply under lackey; the trace goes to $state/RUN.trace.
traced() {
	run valgrind --tool=lackey --trace-mem=yes --log-file="$state/$1.trace" \
		"$NSPING" -c "$state/conf" --host-netns "$node" --state-dir "$state" apply
}
traced cold
traced noop

# Instruction addresses in the order first executed, cold apply first, each
# mapped to the function (text symbol with a size) that holds it.
nm -S --defined-only "$NSPING" | awk 'NF == 4 && $3 ~ /^[tTwWiI]$/' >"$state/syms"
cat "$state/cold.trace" "$state/noop.trace" | awk -v syms="$state/syms" '
	function hex(s,   i, n, c) {
		n = 0
		for (i = 1; i <= length(s); i++) {
			c = index("0123456789abcdef", tolower(substr(s, i, 1))) - 1
			n = n * 16 + c
		}
		return n
	}
	BEGIN {
		while ((getline line < syms) > 0) {
			split(line, f, " ")
			n++; start[n] = hex(f[1]); end[n] = start[n] + hex(f[2]); name[n] = f[4]
		}
		# sort by start (insertion sort of indexes: a few thousand symbols)
		for (i = 1; i <= n; i++) idx[i] = i
		for (i = 2; i <= n; i++) {
			v = idx[i]; j = i - 1
			while (j > 0 && start[idx[j]] > start[v]) { idx[j + 1] = idx[j]; j-- }
			idx[j + 1] = v
		}
	}
	$1 == "I" {
		split($2, a, ",")
		if (a[1] in done) next
		done[a[1]] = 1
		x = hex(a[1]); lo = 1; hi = n
		while (lo < hi) { mid = int((lo + hi + 1) / 2); if (start[idx[mid]] <= x) lo = mid; else hi = mid - 1 }
		k = idx[lo]
		if (x < start[k] || x >= end[k] || (name[k] in seen)) next
		seen[name[k]] = 1
		print name[k]
	}' >"$state/order"
[ -s "$state/order" ] || die "no function found in the traces"
{
	echo "# ld.lld --symbol-ordering-file for build/nsping: functions in the order a"
	echo "# cold apply, then a no-op apply, first runs them. Written by bench/order.sh."
	cat "$state/order"
} >"$OUT"
echo "order: $(grep -vc '^#' "$OUT") functions -> $OUT"
