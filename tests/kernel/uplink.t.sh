# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
# shellcheck disable=SC2034 # I_KEYS: read by write_conf (tests/lib/lab.sh)
# The uplink carries the node's own traffic (README.md, "Configuration",
# xdp[].attach): rx_ping's default is tc ingress, which leaves the uplink's
# features as they were; an explicit attach or mode is honoured.

# up_features: the uplink's ethtool features, one line each.
up_features() { ip netns exec "$NODE" ethtool -k eth0 | grep -v '^Features for'; }

test_rx_ping_default_is_tc_and_keeps_offloads() {
	lab_up drop
	lab_listen
	I_KEYS[1]="xdp = ( { program = \"tx_ping\"; interface = \"$HOSTVETH\"; },
	                   { program = \"rx_ping\"; interface = \"eth0\"; } );"
	write_conf 1
	up_features >"$T/before"
	expect_rc 0 nsp apply
	up_features >"$T/after"
	diff "$T/before" "$T/after" >"$T/diff" || fail "the uplink's features changed: $(cat "$T/diff")"
	[ -z "$(xdp_id "$NODE" eth0)" ] || fail "an XDP program on the uplink: $(xdp_id "$NODE" eth0)"
	tc -n "$NODE" filter show dev eth0 ingress | grep -q 'rx_ping_tc' ||
		fail "no rx_ping_tc at tc ingress: $(tc -n "$NODE" filter show dev eth0 ingress)"
	status_json
	jq -e '.instances[0].bindings[1] | .attach == "tc" and .attached and .ours and
	       (.uplink_offloads | keys == ["gro", "lro", "tso"])' "$T/status.json" >/dev/null ||
		fail "status: $(jq -c '.instances[0].bindings[1]' "$T/status.json")"
	pt_ping ping --count 3 >"$T/ping.out" 2>&1 || fail "probes through the default hook: $(tail -2 "$T/ping.out")"
	# an explicit mode means XDP
	conf_edit 's|{ program = "rx_ping"; interface = "eth0"; }|{ program = "rx_ping"; interface = "eth0"; mode = "generic"; }|'
	expect_rc 0 nsp apply
	[ -n "$(xdp_id "$NODE" eth0)" ] || fail "mode given: rx_ping is not at XDP"
	tc -n "$NODE" filter show dev eth0 ingress | grep -q 'rx_ping_tc' && fail "the tc filter was left"
	pt_ping ping --count 3 >"$T/ping.out" 2>&1 || fail "probes through XDP generic: $(tail -2 "$T/ping.out")"
	true
}
