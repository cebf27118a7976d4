#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Seeds of fuzz_nl: real rtnetlink answers (nlcapture) from a lab
# (tests/lib/lab.sh) where nsping applied two instances, one with XDP and one
# with tc bindings, plus a gateway with a secondary address, a multipath route
# and a learnt neighbour. Root; make build/nsping build/fuzz/nlcapture first.
#
#   tests/fuzz/capture-nl.sh [DIR]     (default tests/fuzz/corpus/nl)
#
# The answers carry the lab's random names and MACs, so each capture differs;
# commit a new one only when the kernel or what nsping reads changed.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
OUT=$(mkdir -p "${1:-$ROOT/tests/fuzz/corpus/nl}" && cd "${1:-$ROOT/tests/fuzz/corpus/nl}" && pwd)
CAPTURE=${NLCAPTURE:-$ROOT/build/fuzz/nlcapture}
cd "$ROOT"
# shellcheck source=tests/lib/lab.sh
source tests/lib/lab.sh
[ -x "$CAPTURE" ] || fail "$CAPTURE not built (make $CAPTURE)"
lab_init
trap lab_down EXIT
lab_up
I_KEYS[1]="xdp = ( { program = \"tx_ping\"; interface = \"$HOSTVETH\"; },
                   { program = \"rx_ping\"; interface = \"eth0\"; mode = \"generic\"; } );"
I_KEYS[2]="xdp = ( { program = \"tx_ping\"; interface = \"$(inst_host 2)\"; attach = \"tc\"; },
                   { program = \"rx_ping\"; interface = \"eth0\"; attach = \"tc\"; } );"
I_ADDR[2]=10.99.0.3/24
write_conf 2
nsp apply >/dev/null || fail "nsping apply failed"
ip -n "$GW" addr add 10.99.0.9/24 dev eth0
ip -n "$GW" addr add 10.98.0.1/24 dev eth0
ip -n "$GW" route add 10.50.0.0/16 proto static \
	nexthop via 10.99.0.2 dev eth0 weight 1 nexthop via 10.99.0.3 dev eth0 weight 2
# a connection refused by the node: the gateway learns its MAC
ip netns exec "$GW" timeout 5 bash -c ': </dev/tcp/10.99.0.2/9' 2>/dev/null || true
ip -n "$GW" neigh show 10.99.0.2 | grep -q lladdr || fail "the gateway did not learn the node's MAC"
ip netns exec "$NODE" "$CAPTURE" "$OUT/node" eth0 "$HOSTVETH"
ip netns exec "$PINGNS" "$CAPTURE" "$OUT/netns" "$PEER"
ip netns exec "$GW" "$CAPTURE" "$OUT/gateway" eth0
# stable names: the lab's interface names are random
mv "$OUT/node-getlink-$HOSTVETH" "$OUT/node-getlink-hostveth"
mv "$OUT/netns-getlink-$PEER" "$OUT/netns-getlink-peer"
nsp destroy >/dev/null || fail "nsping destroy failed"
