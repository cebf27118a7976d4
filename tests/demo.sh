#!/usr/bin/env bash
# make demo: nsping on a built-in lab of namespaces. A gateway netns "gw" (the
# test gateway's MAGIC rule and a listener on port 10086), a business node netns
# "node" whose iptables DROP port 10086, and the isolated netns that nsping builds
# from the config. Shows a direct check from the node blocked and `nsping run`
# answered through the same rules. Everything is removed at the end, also when
# interrupted.
set -euo pipefail
cd "$(dirname "$0")/.."

id=$$
node=nspd${id}node gw=nspd${id}gw ping=nspd${id}ping
state=$(mktemp -d) conf=$state/nsping.conf
nsping=(./build/nsping -c "$conf" --host-netns "$node" --state-dir "$state")

testgw=./build/tests/nsping-testgw
listener=

cleanup() {
	[ -n "$listener" ] && kill "$listener" 2>/dev/null && wait "$listener" 2>/dev/null
	"${nsping[@]}" -q destroy >/dev/null 2>&1 || true
	ip netns del "$ping" 2>/dev/null || true
	ip netns del "$node" 2>/dev/null || true
	ip netns del "$gw" 2>/dev/null || true
	rm -rf "$state"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

step() { printf '\n\033[1m$ %s\033[0m\n' "$*"; }

echo "Building the lab: netns $gw (gateway 10.99.0.1) <-> netns $node (node, eth0 10.99.0.2)"
ip netns add "$gw"
ip netns add "$node"
ip -n "$node" link add eth0 type veth peer name eth0 netns "$gw"
ip -n "$node" addr add 10.99.0.2/24 dev eth0
ip -n "$gw" addr add 10.99.0.1/24 dev eth0
ip -n "$node" link set eth0 up
ip -n "$gw" link set eth0 up
ip -n "$node" link set lo up
ip -n "$gw" link set lo up
# A wire carries complete checksums (SPEC.md, platform facts); the gateway's
# end takes the frames that tx_ping redirects (GRO gives the veth its NAPI).
ip netns exec "$node" ethtool -K eth0 tx off >/dev/null
ip netns exec "$gw" ethtool -K eth0 tx off gro on >/dev/null
# The node's iptables drop the health checks, both ways.
ip netns exec "$node" iptables -A OUTPUT -p tcp --dport 10086 -j DROP
ip netns exec "$node" iptables -A INPUT -p tcp --sport 10086 -j DROP
# The gateway: the MAGIC rule on its ingress, and a kernel listener on 10086.
ip netns exec "$gw" "$testgw" attach --dev eth0
ip netns exec "$gw" "$testgw" listen --port 10086 &
listener=$!
gw_mac=$(ip -n "$gw" -j link show eth0 | jq -r '.[0].address')
echo "Gateway: the MAGIC rule on tc ingress of eth0, a listener on port 10086."
echo "Node: iptables -A OUTPUT -p tcp --dport 10086 -j DROP; -A INPUT -p tcp --sport 10086 -j DROP"

cat >"$conf" <<CONF
version = 1;
instances = (
  {
    name    = "gwping";
    netns   = "$ping";
    uplink  = "eth0";
    veth    = { host = "vpingh"; peer = "vpingn"; };
    mac     = "inherit";
    address = "inherit";
    gateway = { ip = "10.99.0.1"; mac = "$gw_mac"; };
    xdp     = ( { program = "tx_ping"; interface = "vpingh"; },
                { program = "rx_ping"; interface = "eth0"; } );
    ping    = { port = 10086; interval_ms = 200; targets = ( "10.99.0.1" ); };
  }
);
CONF
echo "Configuration ($conf):"
sed 's/^/    /' "$conf"

step "ip netns exec $node bash -c '</dev/tcp/10.99.0.1/10086'   # a direct check from the node"
if ip netns exec "$node" timeout 3 bash -c '</dev/tcp/10.99.0.1/10086' 2>/dev/null; then
	direct="answered (the DROP rules did not work?)"
else
	direct="blocked by the node's iptables"
fi
echo "$direct"

step nsping plan
"${nsping[@]}" plan || true
step "nsping run --count 5   # apply, verify, then the ping worker"
"${nsping[@]}" run --count 5 | tee "$state/run.out" || true
step "nsping plan   # a rerun finds nothing to do"
"${nsping[@]}" plan
step "nsping status"
"${nsping[@]}" status
step "ip netns exec $gw nsping-testgw stats --dev eth0   # the gateway saw the MAGIC"
ip netns exec "$gw" "$testgw" stats --dev eth0
step nsping destroy
"${nsping[@]}" destroy

sent_rcv=$(grep -oE 'xmt/rcv/%loss = [0-9]+/[0-9]+' "$state/run.out" | grep -oE '[0-9]+/[0-9]+$' || echo "0/0")
magic=$(grep -c ' magic$' "$state/run.out" || true)
printf '\n\033[1mResult\033[0m\n'
echo "  direct TCP connect from the node to 10.99.0.1:10086: $direct"
echo "  nsping probes from the isolated netns: ${sent_rcv#*/} of ${sent_rcv%/*} answered through the same DROP rules,"
echo "  $magic of them by the gateway's MAGIC path (TSecr carries the decremented MAGIC)."
echo "The lab is removed on exit."
