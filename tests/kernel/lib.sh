# SPDX-License-Identifier: GPL-2.0-only
# Helpers for the integration tests: a lab of namespaces made and removed by the
# test itself, the nsping command pointed at it, and small assertions.
# Every test runs in a subshell with its own lab; cleanup runs on any exit.

NSPING=${NSPING:-$PWD/build/nsping}

# lab_up: netns NODE (eth0 10.99.0.2/24) wired to netns GW (eth0 10.99.0.1/24).
lab_up() {
	ID=$(printf '%04x%02x' $$ $((RANDOM % 256)))
	NODE=nspk${ID}n GW=nspk${ID}g PINGNS=nspk${ID}p
	STATE=$(mktemp -d) CONF=$STATE/nsping.conf
	trap lab_down EXIT
	ip netns add "$NODE" && ip netns add "$GW" || return 1
	ip -n "$NODE" link add eth0 type veth peer name eth0 netns "$GW"
	ip -n "$NODE" addr add 10.99.0.2/24 dev eth0
	ip -n "$GW" addr add 10.99.0.1/24 dev eth0
	ip -n "$NODE" link set eth0 up
	ip -n "$GW" link set eth0 up
	ip -n "$GW" link set lo up
	# A wire carries full checksums; the gateway side takes XDP-redirected frames (GRO).
	ip netns exec "$NODE" ethtool -K eth0 tx off >/dev/null
	ip netns exec "$GW" ethtool -K eth0 tx off gro on >/dev/null
	GW_MAC=$(ip -n "$GW" -j link show eth0 | jq -r '.[0].address')
	NODE_MAC=$(ip -n "$NODE" -j link show eth0 | jq -r '.[0].address')
}

lab_down() {
	local i
	for i in "$PINGNS" "$PINGNS"2 "$NODE" "$GW"; do
		ip netns del "$i" 2>/dev/null
	done
	rm -rf "$STATE"
}

# node_drop_pings: the node's iptables drop port 10086 both ways, as on a
# business node whose rules catch the health checks.
node_drop_pings() {
	ip netns exec "$NODE" iptables -w -A OUTPUT -p tcp --dport 10086 -j DROP &&
		ip netns exec "$NODE" iptables -w -A INPUT -p tcp --sport 10086 -j DROP
}

# write_conf [EXTRA_INSTANCE_KEYS] [SECOND_INSTANCE(0|1)]
write_conf() {
	local extra=${1:-} two=${2:-0}
	{
		echo "version = 1;"
		echo "instances = ("
		echo "  { name = \"t$ID\"; netns = \"$PINGNS\"; uplink = \"eth0\";"
		echo "    veth = { host = \"vh$ID\"; peer = \"vn$ID\"; };"
		echo "    address = \"10.99.0.2/24\";"
		echo "    gateway = { ip = \"10.99.0.1\"; mac = \"$GW_MAC\"; };"
		echo "    $extra }"
		if [ "$two" = 1 ]; then
			echo "  , { name = \"u$ID\"; netns = \"${PINGNS}2\"; uplink = \"eth0\";"
			echo "    veth = { host = \"wh$ID\"; peer = \"wn$ID\"; };"
			echo "    address = \"10.99.0.3/24\";"
			echo "    gateway = { ip = \"10.99.0.1\"; mac = \"$GW_MAC\"; }; }"
		fi
		echo ");"
	} >"$CONF"
	HOSTVETH=vh$ID PEER=vn$ID
}

nsping() {
	"$NSPING" -c "$CONF" --host-netns "$NODE" --state-dir "$STATE" --lock-wait 2 "$@"
}

# nsping_traced CALLS ARGS...: nsping ARGS under strace -f -e trace=CALLS, the
# calls in $STATE/strace (strace cannot run the nsping function).
nsping_traced() {
	strace -f -qq -e trace="$1" -o "$STATE/strace" \
		"$NSPING" -c "$CONF" --host-netns "$NODE" --state-dir "$STATE" "${@:2}"
}

fail() {
	echo "$*" >&2
	exit 1
}

# expect_rc WANT CMD...: run CMD, fail unless it exits WANT.
expect_rc() {
	local want=$1 rc
	shift
	"$@" >"$STATE/out" 2>"$STATE/err"
	rc=$?
	[ "$rc" -eq "$want" ] ||
		fail "'$*' exited $rc, expected $want: $(head -c 600 "$STATE/err" "$STATE/out")"
}

# plan_ops: "op kind" lines of the current plan, sorted.
plan_ops() {
	nsping --json plan | jq -r '.changes[] | "\(.op) \(.kind)"' | sort | tr '\n' ';'
}

# The observable state of a namespace, for before/after comparisons.
snapshot() {
	{
		ip -n "$1" -j -d link show | jq -S 'map(del(.stats64, .stats))'
		ip -n "$1" -j addr show
		ip -n "$1" -j route show table all
	} 2>/dev/null
	ip netns list | grep -F "nspk$ID" | sort
}

peer_json() { ip -n "$PINGNS" -j link show "$PEER" | jq '.[0]'; }
netns_inode() { stat -L -c %i "/run/netns/$PINGNS"; }
host_ifindex() { ip -n "$NODE" -j link show "$HOSTVETH" | jq '.[0].ifindex'; }
