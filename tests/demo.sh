#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# make demo: nsping on a built-in lab of namespaces. A gateway netns "gw", a
# business node netns "node" whose iptables DROP port 10086, and the isolated
# netns that nsping builds from the config. Everything is removed at the end,
# also when interrupted.
set -euo pipefail
cd "$(dirname "$0")/.."

id=$$
node=nspd${id}node gw=nspd${id}gw ping=nspd${id}ping
state=$(mktemp -d) conf=$state/nsping.conf
nsping=(./build/nsping -c "$conf" --host-netns "$node" --state-dir "$state")

cleanup() {
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
# A wire carries complete checksums (SPEC.md, platform facts).
ip netns exec "$node" ethtool -K eth0 tx off >/dev/null
ip netns exec "$gw" ethtool -K eth0 tx off >/dev/null
ip netns exec "$node" iptables -A OUTPUT -p tcp --dport 10086 -j DROP
ip netns exec "$node" iptables -A INPUT -p tcp --sport 10086 -j DROP
gw_mac=$(ip -n "$gw" -j link show eth0 | jq -r '.[0].address')

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
    ping    = { port = 10086; targets = ( "10.99.0.1" ); };
  }
);
CONF
echo "Configuration ($conf):"
sed 's/^/    /' "$conf"

step nsping plan
"${nsping[@]}" plan || true
step nsping apply
"${nsping[@]}" apply
step nsping plan "   # a rerun finds nothing to do"
"${nsping[@]}" plan
step ip -n "$ping" -br addr "; " ip -n "$ping" route
ip -n "$ping" -br addr
ip -n "$ping" route
step "nsping status"
"${nsping[@]}" status
step "ip -n $node link set vpingh down   # drift"
ip -n "$node" link set vpingh down
step nsping apply "   # repairs exactly that"
"${nsping[@]}" apply
step nsping destroy
"${nsping[@]}" destroy
echo
echo "Demo done: the lab is removed on exit."
