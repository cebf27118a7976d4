# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
# shellcheck disable=SC2034 # I_KEYS, I_ADDR: read by write_conf (tests/lib/lab.sh)
# The plan-time checks (nsping(8) "WARNINGS"): files that converge but cannot
# carry a probe, each warned about by plan and apply in text (stderr) and JSON
# ("warnings"), never blocking apply unless --fatal-warnings (exit 65, nothing
# changed). The node's sysctls set here are NODE's own (ip netns exec): never
# the runner's.

# wn_plan: plan --json into $T/plan.json (exit 0, no error, no conflict), its
# warnings' codes sorted in WN_CODES, and the schema check of the document.
wn_plan() {
	plan_clean
	check_plan_doc "$T/plan.json" "plan --json"
	WN_CODES=$(jq -r '.warnings[].code' "$T/plan.json" | sort | paste -sd' ' -)
}

# wn_expect CODE... : the plan warns exactly these codes (none: no warning),
# in JSON and on stderr, one "nsping: warning: INSTANCE: KEY: ...; fix: ..."
# line per warning.
wn_expect() {
	local want n
	wn_plan
	want=$(printf '%s\n' "$@" | sed '/^$/d' | sort | paste -sd' ' -)
	[ "$WN_CODES" = "$want" ] ||
		fail "plan warns [$WN_CODES], expected [$want]: $(jq -c .warnings "$T/plan.json" | head -c 800)"
	n=$(grep -c '^nsping: warning: ' "$T/err")
	[ "$n" = "$#" ] || fail "$n warning lines on stderr, expected $#: $(head -c 600 "$T/err")"
	# the text plan on stdout, its warnings on stderr too
	nspx plan
	[ "$RC" -eq 0 ] || fail "plan exits $RC with warnings, expected 0"
	n=$(grep -cE "^nsping: warning: $INST: instances\[0\]\.[^ :]+: .+; fix: .+ \($CONF:[0-9]+\)\$" "$T/err")
	[ "$n" = "$#" ] || fail "$n text warnings in the documented form, expected $#: $(head -c 600 "$T/err")"
}

# wn_warning CODE JQ: the plan's warning CODE satisfies JQ (key, line, words).
wn_warning() {
	jq -e --arg c "$1" "[.warnings[] | select(.code == \$c)] | length == 1 and (.[0] | $2)" \
		"$T/plan.json" >/dev/null ||
		fail "warning $1 is not ($2): $(jq -c --arg c "$1" '.warnings[] | select(.code == $c)' "$T/plan.json")"
}

# wn_line KEY: the line of "KEY =" in $CONF.
wn_line() { grep -n "^ *$1 *=" "$CONF" | head -n 1 | cut -d: -f1; }

# A plain file (the lab's, with both programs bound at XDP and every default)
# carries probes: no warning from plan or apply, "warnings":[] in both
# documents, which still follow the schema.
test_warnings_none_for_a_sound_file() {
	lab_up
	I_KEYS[1]="xdp = ( { program = \"tx_ping\"; interface = \"$HOSTVETH\"; mode = \"auto\"; },
	                   { program = \"rx_ping\"; interface = \"eth0\"; mode = \"native\"; } );"
	write_conf 1
	wn_expect
	jq -e '.warnings == []' "$T/plan.json" >/dev/null || fail "plan: $(jq -c .warnings "$T/plan.json")"
	nspx --json apply
	[ "$RC" -eq 0 ] || fail "apply exits $RC: $(head -c 300 "$T/err")"
	check_plan_doc "$T/out" "apply --json"
	jq -e '.warnings == [] and .converged == true' "$T/out" >/dev/null || fail "apply: $(head -c 400 "$T/out")"
	! grep -q 'warning' "$T/err" || fail "apply warned: $(cat "$T/err")"
	expect_plan_empty
	jq -e '.warnings == []' "$T/plan.json" >/dev/null || fail "converged plan: $(jq -c .warnings "$T/plan.json")"
	# the instance's own address (not the node's) and its own MAC: nothing shared
	I_ADDR[1]=10.99.0.3/24
	write_conf 1 02:00:00:00:00:42
	wn_expect
}

# (a) an own MAC with the node's address: replies go to the uplink's MAC. Said
# for address = "inherit" and for the uplink's address written out; not for
# the uplink's own MAC written out, nor for an address of the instance's own.
test_warning_mac_differs_from_uplink() {
	lab_up
	write_conf 1 02:00:00:00:00:42
	wn_expect mac_differs_from_uplink
	wn_warning mac_differs_from_uplink ".instance == \"$INST\" and .key == \"instances[0].mac\" and
		.line == $(wn_line mac) and (.message | contains(\"$NODE_MAC\")) and (.fix | contains(\"inherit\"))"
	conf_edit 's#address = "10.99.0.2/24";#address = "inherit";#'
	wn_expect mac_differs_from_uplink
	# apply without the option: warned, built anyway, and the warning stays
	nspx apply
	[ "$RC" -eq 0 ] || fail "apply with a warning exits $RC, expected 0: $(head -c 300 "$T/err")"
	grep -q '^nsping: warning: .*instances\[0\]\.mac: ' "$T/err" || fail "apply did not warn: $(cat "$T/err")"
	check_instance 1 02:00:00:00:00:42
	wn_expect mac_differs_from_uplink
	write_conf 1 "$NODE_MAC"
	wn_expect
	I_ADDR[1]=10.99.0.3/24
	write_conf 1 02:00:00:00:00:42
	wn_expect
}

# (b) an address outside the gateway's subnet: the route is onlink. The
# node's own address with inherit and a wide enough prefix are fine, and so is
# a /32, whose gateway is onlink by design.
test_warning_gateway_off_subnet() {
	lab_up
	I_ADDR[1]=10.98.0.2/24
	write_conf 1
	wn_expect gateway_off_subnet
	wn_warning gateway_off_subnet '.key == "instances[0].gateway.ip" and
		(.message | contains("10.99.0.1") and contains("10.98.0.0/24"))'
	[ "$(jq -r '.warnings[0].line' "$T/plan.json")" = "$(grep -n 'gateway = {' "$CONF" | cut -d: -f1)" ] ||
		fail "gateway_off_subnet names line $(jq -r '.warnings[0].line' "$T/plan.json")"
	I_ADDR[1]=10.99.7.2/16
	write_conf 1
	wn_expect
	I_ADDR[1]=10.99.0.2/32
	write_conf 1
	wn_expect
	I_ADDR[1]=10.99.0.2/31
	write_conf 1
	wn_expect gateway_off_subnet
	I_ADDR[1]=inherit
	write_conf 1
	wn_expect
}

# (c) source ports among the node's ephemeral ports: read from the host netns
# that --host-netns names (NODE, whose sysctl the test sets), not from the
# runner's. Reserved ports are not picked, so they do not count.
test_warning_sport_in_ephemeral_range() {
	lab_up
	write_conf 1
	ip netns exec "$NODE" sysctl -qw net.ipv4.ip_local_port_range="1024 2000" || fail "sysctl in $NODE"
	wn_expect
	ip netns exec "$NODE" sysctl -qw net.ipv4.ip_local_port_range="32768 62000" || fail "sysctl in $NODE"
	wn_expect sport_in_ephemeral_range
	wn_warning sport_in_ephemeral_range '.key == "instances[0].ping.sport_min" and
		(.message | contains("1001 of the probes") and contains("32768 62000")) and
		(.fix | contains("sport_min = 62001"))'
	ip netns exec "$NODE" sysctl -qw net.ipv4.ip_local_reserved_ports="61000-62000" || fail "sysctl in $NODE"
	wn_expect
	ip netns exec "$NODE" sysctl -qw net.ipv4.ip_local_reserved_ports="61000-61499" || fail "sysctl in $NODE"
	wn_expect sport_in_ephemeral_range
	wn_warning sport_in_ephemeral_range '.message | contains("501 of the probes") and contains("(from 61500)")'
	# the instance's own address: the node's connections never use it
	I_ADDR[1]=10.99.0.3/24
	write_conf 1
	wn_expect
	# the runner's own range was never read: NODE's decides both ways
	I_ADDR[1]=
	I_KEYS[1]='ping = { sport_min = 1500; sport_max = 1600; };'
	write_conf 1
	ip netns exec "$NODE" sysctl -qw net.ipv4.ip_local_port_range="1024 2000" || fail "sysctl in $NODE"
	wn_expect sport_in_ephemeral_range
	wn_warning sport_in_ephemeral_range '.fix | contains("sport_min = 2001")'
}

# (d) mode = "native" on a driver without native XDP (a bridge: the netdev
# family says so); auto there is generic and fine. A veth (the lab's uplink)
# has native XDP.
test_warning_xdp_native_unsupported() {
	lab_up
	ip -n "$NODE" link add br0 type bridge || fail "a bridge in $NODE"
	ip -n "$NODE" addr add 10.99.0.2/24 dev br0 noprefixroute || fail "address on br0"
	ip -n "$NODE" link set br0 up || fail "br0 up"
	I_KEYS[1]='xdp = ( { program = "rx_ping"; interface = "br0"; mode = "native"; } );'
	write_conf 1
	conf_edit 's#uplink  = "eth0";#uplink  = "br0";#'
	nspx plan
	if grep -q 'no netdev netlink family' "$T/err"; then
		skip "this kernel has no netdev netlink family (Linux 6.3): XDP features unknown"
	fi
	wn_expect xdp_native_unsupported
	wn_warning xdp_native_unsupported ".key == \"instances[0].xdp[0].mode\" and .line == $(wn_line '.*mode') and
		(.message | contains(\"br0\")) and (.fix | contains(\"generic\"))"
	conf_edit 's#mode = "native"#mode = "auto"#'
	wn_expect
	# generic there: GRO off on the veth is no matter to a generic redirect
	I_KEYS[1]='offload = { gro = false; };
	  xdp = ( { program = "rx_ping"; interface = "br0"; mode = "auto"; } );'
	write_conf 1
	conf_edit 's#uplink  = "eth0";#uplink  = "br0";#'
	wn_expect
	I_KEYS[1]='xdp = ( { program = "rx_ping"; interface = "eth0"; mode = "native"; } );'
	write_conf 1
	wn_expect
}

# (d) native tx_ping redirects to the uplink, whose driver must take native
# redirects (ndo_xdp_xmit): a veth does only while its peer has NAPI (GRO or
# an XDP program), so the lab's eth0 does not once GW's end has GRO off.
test_warning_xdp_redirect_unsupported() {
	lab_up
	I_KEYS[1]="xdp = ( { program = \"tx_ping\"; interface = \"$HOSTVETH\"; mode = \"auto\"; } );"
	write_conf 1
	wn_expect
	ip netns exec "$GW" ethtool -K eth0 gro off >/dev/null || fail "ethtool -K eth0 gro off in $GW"
	nspx plan
	if grep -q 'no netdev netlink family' "$T/err"; then
		skip "this kernel has no netdev netlink family (Linux 6.3): XDP features unknown"
	fi
	wn_expect xdp_redirect_unsupported
	wn_warning xdp_redirect_unsupported '.key == "instances[0].xdp[0].mode" and (.message | contains("eth0"))'
	conf_edit 's#mode = "auto"#mode = "generic"#'
	wn_expect
}

# (e) offloads of the namespace-side veth that break a native redirect: GRO
# off under a native rx_ping, tx checksum offload on under a native tx_ping.
# At tc, or generic, neither matters.
test_warning_offloads() {
	lab_up
	I_KEYS[1]="offload = { gro = false; tx_checksum = true; };
	  xdp = ( { program = \"tx_ping\"; interface = \"$HOSTVETH\"; mode = \"auto\"; },
	          { program = \"rx_ping\"; interface = \"eth0\"; mode = \"native\"; } );"
	write_conf 1
	wn_expect gro_off tx_checksum_on
	wn_warning gro_off ".key == \"instances[0].offload.gro\" and .line == $(wn_line '.*offload') and
		(.message | contains(\"$HOSTVETH\"))"
	wn_warning tx_checksum_on '.key == "instances[0].offload.tx_checksum" and (.fix | contains("tx_checksum = false"))'
	# rx_ping auto on a veth is native too
	conf_edit 's#mode = "native"#mode = "auto"#'
	wn_expect gro_off tx_checksum_on
	conf_edit 's#mode = "auto"#mode = "generic"#g'
	wn_expect
	I_KEYS[1]="offload = { gro = false; tx_checksum = true; };
	  xdp = ( { program = \"tx_ping\"; interface = \"$HOSTVETH\"; attach = \"tc\"; },
	          { program = \"rx_ping\"; interface = \"eth0\"; attach = \"tc\"; } );"
	write_conf 1
	wn_expect
	I_KEYS[1]="offload = { gro = false; tx_checksum = true; };"
	write_conf 1
	wn_expect
}

# --fatal-warnings: plan exits 65 with its whole plan; apply exits 65 before
# any change (no changing request, the lab as it was), its JSON the plan
# with its warnings and without requests/converged. Without the option the
# same file applies.
test_fatal_warnings_refuse_before_any_change() {
	lab_up
	write_conf 1 02:00:00:00:00:42
	snapshot before
	nspx plan --fatal-warnings
	[ "$RC" -eq 65 ] || fail "plan --fatal-warnings exits $RC, expected 65"
	grep -q 'Plan: ' "$T/out" || fail "plan --fatal-warnings printed no plan: $(head -c 300 "$T/out")"
	grep -q 'fatal with --fatal-warnings' "$T/err" || fail "no reason on stderr: $(cat "$T/err")"
	nspx_traced --json apply --fatal-warnings
	[ "$RC" -eq 65 ] || fail "apply --fatal-warnings exits $RC, expected 65"
	no_changes_traced "apply --fatal-warnings"
	check_plan_doc "$T/out" "apply --fatal-warnings --json"
	jq -e '(.warnings | map(.code)) == ["mac_differs_from_uplink"] and (has("requests") | not) and
		(has("converged") | not) and .summary.create > 0' "$T/out" >/dev/null ||
		fail "apply --fatal-warnings --json: $(head -c 500 "$T/out")"
	grep -q 'refused: nothing was changed' "$T/err" || fail "apply --fatal-warnings: $(cat "$T/err")"
	snapshot after
	same_snapshot before after "apply --fatal-warnings changed something"
	[ -z "$(my_netns p)" ] || fail "apply --fatal-warnings made a netns: $(my_netns p)"
	# no warning, no effect; a warning without the option blocks nothing
	nspx apply
	[ "$RC" -eq 0 ] || fail "apply exits $RC, expected 0"
	check_instance 1 02:00:00:00:00:42
	nspx apply --fatal-warnings
	[ "$RC" -eq 65 ] || fail "converged apply --fatal-warnings exits $RC, expected 65"
	write_conf 1
	nspx apply --fatal-warnings
	[ "$RC" -eq 0 ] || fail "apply --fatal-warnings without warnings exits $RC: $(head -c 300 "$T/err")"
	check_instance 1 "$NODE_MAC"
	nspx plan --fatal-warnings --detailed-exitcode
	[ "$RC" -eq 0 ] || fail "plan --fatal-warnings --detailed-exitcode exits $RC, expected 0"
	# an option of plan and apply only
	expect_rc 64 nsp status --fatal-warnings
}

# validate: the checks that the file alone decides (an own address off the
# gateway's subnet, offloads under an explicit native mode), on stderr and in
# its JSON; none that needs the kernel (a MAC against the uplink's, "auto");
# --fatal-warnings exits 65 with "valid":false.
test_validate_warns_from_the_file_alone() {
	lab_up
	I_ADDR[1]=10.98.0.2/24
	I_KEYS[1]="offload = { tx_checksum = true; gro = false; };
	  xdp = ( { program = \"tx_ping\"; interface = \"$HOSTVETH\"; mode = \"native\"; },
	          { program = \"rx_ping\"; interface = \"eth0\"; mode = \"auto\"; } );"
	write_conf 1 02:00:00:00:00:42
	expect_rc 0 nsp --json validate
	jq -e '.valid == true and .instances == 1 and
		(.warnings | map(.code)) == ["gateway_off_subnet", "tx_checksum_on"]' "$T/out" >/dev/null ||
		fail "validate --json: $(cat "$T/out")"
	[ "$(grep -c '^nsping: warning: ' "$T/err")" = 2 ] || fail "validate: stderr $(cat "$T/err")"
	expect_rc 0 nsp validate
	grep -q ': valid, 1 instance, 2 warnings$' "$T/out" || fail "validate: $(cat "$T/out")"
	expect_rc 65 nsp --json validate --fatal-warnings
	jq -e '.valid == false and (.warnings | length) == 2' "$T/out" >/dev/null ||
		fail "validate --fatal-warnings --json: $(cat "$T/out")"
	grep -q 'fatal with --fatal-warnings' "$T/err" || fail "validate --fatal-warnings: $(cat "$T/err")"
	I_ADDR[1]=
	I_KEYS[1]=
	write_conf 1 02:00:00:00:00:42
	expect_rc 0 nsp --json validate --fatal-warnings
	jq -e '.valid == true and .warnings == []' "$T/out" >/dev/null || fail "validate --json: $(cat "$T/out")"
}
