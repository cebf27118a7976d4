#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# make demo: nsping on the lab of tests/lib/lab.sh. A gateway netns (the test
# gateway's MAGIC rule and a listener on port 10086), a business node netns
# whose iptables DROP port 10086, and the isolated netns that nsping builds
# from the config. Shows a direct check from the node blocked and `nsping run`
# answered through the same rules. Everything is removed at the end, also when
# interrupted.
set -euo pipefail
cd "$(dirname "$0")/.."

LAB_PREFIX=nspd
# shellcheck source=tests/lib/lab.sh
source tests/lib/lab.sh

cleanup() {
	nsp -q destroy >/dev/null 2>&1 || true
	lab_down
}
trap cleanup EXIT
trap 'exit 130' INT TERM

step() { printf '\n\033[1m$ %s\033[0m\n' "$*"; }

lab_init
echo "Building the lab: netns $GW (gateway 10.99.0.1) <-> netns $NODE (node, eth0 10.99.0.2)"
lab_up drop
# The gateway: the MAGIC rule on its ingress, and a kernel listener on 10086.
lab_magic_gw
lab_listen
echo "Gateway: the MAGIC rule on tc ingress of eth0, a listener on port 10086."
echo "Node: iptables -A OUTPUT -p tcp --dport 10086 -j DROP; -A INPUT -p tcp --sport 10086 -j DROP"

cat >"$CONF" <<CONF
version = 1;
instances = (
  {
    name    = "gwping";
    netns   = "$PINGNS";
    uplink  = "eth0";
    veth    = { host = "vpingh"; peer = "vpingn"; };
    mac     = "inherit";
    address = "inherit";
    gateway = { ip = "10.99.0.1"; mac = "$GW_MAC"; };
    xdp     = ( { program = "tx_ping"; interface = "vpingh"; },
                { program = "rx_ping"; interface = "eth0"; } );
    ping    = { port = 10086; interval_ms = 200; targets = ( "10.99.0.1" ); };
  }
);
CONF
echo "Configuration ($CONF):"
sed 's/^/    /' "$CONF"

step "ip netns exec $NODE bash -c '</dev/tcp/10.99.0.1/10086'   # a direct check from the node"
if ip netns exec "$NODE" timeout 3 bash -c '</dev/tcp/10.99.0.1/10086' 2>/dev/null; then
	direct="answered (the DROP rules did not work?)"
else
	direct="blocked by the node's iptables"
fi
echo "$direct"

step nsping plan
nsp plan || true
step "nsping run --count 5   # apply, verify, then the ping worker"
nsp run --count 5 | tee "$T/run.out" || true
step "nsping plan   # a rerun finds nothing to do"
nsp plan
step "nsping status"
nsp status
step "ip netns exec $GW nsping-testgw stats --dev eth0   # the gateway saw the MAGIC"
ip netns exec "$GW" "$TESTGW" stats --dev eth0
step nsping destroy
nsp destroy

sent_rcv=$(grep -oE 'xmt/rcv/%loss = [0-9]+/[0-9]+' "$T/run.out" | grep -oE '[0-9]+/[0-9]+$' || echo "0/0")
magic=$(grep -c ' magic$' "$T/run.out" || true)
printf '\n\033[1mResult\033[0m\n'
echo "  direct TCP connect from the node to 10.99.0.1:10086: $direct"
echo "  nsping probes from the isolated netns: ${sent_rcv#*/} of ${sent_rcv%/*} answered through the same DROP rules,"
echo "  $magic of them by the gateway's MAGIC path (TSecr carries the decremented MAGIC)."
echo "The lab is removed on exit."
