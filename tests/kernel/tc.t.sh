# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
# shellcheck disable=SC2034 # I_KEYS, I_ADDR: read by write_conf (tests/lib/lab.sh)
# The tc bindings (attach = "tc") on a real kernel: the probe path through the
# node's DROP rules, our slot on clsact ingress (priority 0x4e53 = 20051, a
# handle of the instance, 0x4e53xxxx), program identity across reruns, drift,
# foreign filters, XDP on the same uplink, two instances on one uplink,
# switching attach, destroy. tcp_connect and xdp_conf come from datapath.t.sh.

TC_PRIO=20051

tc_bindings() {
	echo "xdp = ( { program = \"tx_ping\"; interface = \"$1\"; attach = \"tc\"; }," \
		"{ program = \"rx_ping\"; interface = \"eth0\"; attach = \"tc\"; } );"
}

# tc_conf [N]: both programs on tc; N=2 adds instance 2 (10.99.0.3), bound the
# same way to the same uplink.
tc_conf() {
	I_KEYS[1]=$(tc_bindings "$HOSTVETH")
	if [ "${1:-1}" = 2 ]; then
		I_KEYS[2]=$(tc_bindings "$(inst_host 2)") I_ADDR[2]=10.99.0.3/24
	fi
	write_conf "${1:-1}"
}

# tc_handle [INSTANCE]: the handle of instance INSTANCE (index, default 0) as
# tc prints it; status reports it whether or not the filter exists.
tc_handle() {
	status_json
	printf '0x%x' "$(jq ".instances[${1:-0}].bindings[0].handle" "$T/status.json")"
}

# tc_id DEV [HANDLE]: the program id of the bpf filter at HANDLE (default
# $TC_HANDLE) and our priority on DEV's ingress in NODE; empty if none.
tc_id() {
	tc -n "$NODE" -j filter show dev "$1" ingress 2>/dev/null |
		jq -r --arg h "${2:-$TC_HANDLE}" --argjson p "$TC_PRIO" \
			'.[] | select(.pref == $p and .options.handle == $h) | .options.prog.id // empty'
}

# tc_applied: tc_conf, apply, and TC_HANDLE is the instance's handle.
tc_applied() {
	tc_conf
	expect_rc 0 nsp apply
	TC_HANDLE=$(tc_handle)
}

# tc_ids: "TX RX", the program ids in our slots on the host veth and eth0.
tc_ids() {
	echo "$(tc_id "$HOSTVETH") $(tc_id eth0)"
}

status_id() {
	status_json
	jq -r ".instances[${2:-0}].bindings[] | select(.program == \"$1\") | .id // empty" "$T/status.json"
}

test_tc_probe_passes_node_drop_rules() {
	lab_up drop
	tc_applied
	[ "${TC_HANDLE:0:6}" = 0x4e53 ] || fail "handle $TC_HANDLE is not under our priority"
	[ -n "$(tc_id eth0)" ] && [ -n "$(tc_id "$HOSTVETH")" ] ||
		fail "no filter at $TC_HANDLE prio $TC_PRIO: $(tc -n "$NODE" filter show dev eth0 ingress)"
	[ "$(tc_id eth0)" = "$(status_id rx_ping)" ] && [ "$(tc_id "$HOSTVETH")" = "$(status_id tx_ping)" ] ||
		fail "status and tc disagree: $(cat "$T/status.json")"
	[ -z "$(xdp_id "$NODE" eth0)" ] && [ -z "$(xdp_id "$NODE" "$HOSTVETH")" ] ||
		fail "attach = \"tc\" attached XDP"
	lab_listen
	tcp_connect "$NODE" 2 && fail "the control: a connect from the node passed its DROP rules"
	tcp_connect "$PINGNS" || fail "no handshake from the isolated netns through tc"
	status_json
	jq -e '.instances[0].state == "converged"' "$T/status.json" >/dev/null ||
		fail "status: $(cat "$T/status.json")"
	# the SYN left through tx_ping_tc, the reply came back through bpf_redirect_peer
	jq -e '[.instances[0].bindings[] | .attach == "tc" and .ours and .counters.redirected >= 1] |
		length == 2 and all' "$T/status.json" >/dev/null || fail "counters: $(cat "$T/status.json")"
}

test_tc_node_connections_untouched() {
	lab_up
	tc_conf
	check_node_connections_untouched
}

test_tc_rerun_keeps_program_ids() {
	local ids
	lab_up
	tc_applied
	ids=$(tc_ids)
	[[ $ids =~ ^[0-9]+\ [0-9]+$ ]] || fail "filters not attached: $ids"
	expect_rc 0 nsp --json apply
	jq -e '.requests == 0 and (.changes | length) == 0' "$T/out" >/dev/null ||
		fail "rerun: $(cat "$T/out")"
	[ "$(tc_ids)" = "$ids" ] || fail "program ids changed on a rerun: $ids -> $(tc_ids)"
}

test_tc_deleted_filter_comes_back() {
	lab_up
	tc_applied
	tc -n "$NODE" filter del dev eth0 ingress pref "$TC_PRIO" handle "$TC_HANDLE" bpf ||
		fail "could not delete our filter by hand"
	[ -z "$(tc_id eth0)" ] || fail "our filter survived tc filter del"
	expect_plan create:tc
	expect_rc 0 nsp apply
	[ -n "$(tc_id eth0)" ] || fail "rx_ping_tc not reattached"
}

# Ours but stale (another port in its rodata): replaced in place, same slot.
test_tc_stale_program_is_replaced() {
	local tx rx new_tx new_rx
	lab_up
	tc_applied
	read -r tx rx <<<"$(tc_ids)"
	conf_edit 's|address = "10.99.0.2/24";|& ping = { port = 10087; };|'
	expect_plan update:tc update:tc
	expect_rc 0 nsp apply
	read -r new_tx new_rx <<<"$(tc_ids)"
	[ -n "$new_rx" ] && [ "$new_tx" != "$tx" ] && [ "$new_rx" != "$rx" ] ||
		fail "not replaced in our slot: $tx $rx -> $new_tx $new_rx"
	[ "$(tc -n "$NODE" -j filter show dev eth0 ingress | jq '[.[] | select(.options.prog)] | length')" = 1 ] ||
		fail "the old filter is still there: $(tc -n "$NODE" filter show dev eth0 ingress)"
}

# A classifier before our priority that lets frames on (u32 without a
# classid), and another bpf filter after it: not ours, not conflicts.
test_tc_foreign_filters_elsewhere_are_left_alone() {
	local before after
	lab_up drop
	tc_conf
	tc -n "$NODE" qdisc add dev eth0 clsact
	tc -n "$NODE" filter add dev eth0 ingress prio 1 u32 match u32 0 0 ||
		fail "could not add the u32 filter"
	tc -n "$NODE" filter add dev eth0 ingress prio 49152 bpf obj build/bpf/xdp_pass.bpf.o sec xdp ||
		fail "could not add the foreign bpf filter"
	before=$(tc -n "$NODE" -j filter show dev eth0 ingress | jq -c '[.[] | select(.pref != 20051)]')
	expect_rc 0 nsp apply
	TC_HANDLE=$(tc_handle)
	[ -n "$(tc_id eth0)" ] || fail "rx_ping_tc not attached"
	after=$(tc -n "$NODE" -j filter show dev eth0 ingress | jq -c '[.[] | select(.pref != 20051)]')
	[ "$after" = "$before" ] || fail "foreign filters changed: $before -> $after"
	lab_listen
	tcp_connect "$PINGNS" || fail "no handshake with foreign filters around ours"
	expect_rc 0 nsp destroy
	after=$(tc -n "$NODE" -j filter show dev eth0 ingress | jq -c '[.[] | select(.pref != 20051)]')
	[ "$after" = "$before" ] || fail "destroy changed foreign filters: $before -> $after"
}

test_tc_foreign_program_in_our_slot_is_a_conflict() {
	local foreign
	lab_up
	tc_conf
	TC_HANDLE=$(tc_handle)
	tc -n "$NODE" qdisc add dev eth0 clsact
	tc -n "$NODE" filter add dev eth0 ingress prio "$TC_PRIO" handle "$TC_HANDLE" \
		bpf obj build/bpf/xdp_pass.bpf.o sec xdp || fail "could not add the foreign filter"
	foreign=$(tc_id eth0)
	[ -n "$foreign" ] || fail "the foreign filter is not in our slot"
	expect_rc 3 nsp plan
	expect_rc 3 nsp apply
	grep -q "foreign program id $foreign" "$T/err" "$T/out" ||
		fail "no conflict naming id $foreign: $(cat "$T/out" "$T/err")"
	[ "$(tc_id eth0)" = "$foreign" ] || fail "the foreign filter was replaced"
	[ -e "/run/netns/$PINGNS" ] && fail "apply changed things despite the conflict"
	expect_rc 0 nsp destroy
	[ "$(tc_id eth0)" = "$foreign" ] || fail "destroy deleted a foreign filter"
}

# One kind of classifier per priority: a u32 there blocks ours.
test_tc_other_classifier_at_our_priority_is_a_conflict() {
	lab_up
	tc_conf
	tc -n "$NODE" qdisc add dev eth0 clsact
	tc -n "$NODE" filter add dev eth0 ingress prio "$TC_PRIO" u32 match u32 0 0 ||
		fail "could not add the u32 filter"
	expect_rc 3 nsp apply
	grep -q "foreign \"u32\" tc filter holds ingress prio $TC_PRIO on eth0" "$T/err" "$T/out" ||
		fail "no conflict naming the u32 filter: $(cat "$T/out" "$T/err")"
	[ -e "/run/netns/$PINGNS" ] && fail "apply changed things despite the conflict"
	[ "$(tc -n "$NODE" -j filter show dev eth0 ingress | jq '[.[] | select(.kind == "u32")] | length')" -ge 1 ] ||
		fail "the u32 filter is gone"
}

# A gateway's own XDP program on the uplink stays; tc runs after it.
test_tc_coexists_with_foreign_xdp() {
	local foreign
	lab_up drop
	ip -n "$NODE" link set dev eth0 xdpgeneric obj build/bpf/xdp_pass.bpf.o sec xdp ||
		fail "could not attach the foreign XDP program"
	foreign=$(xdp_id "$NODE" eth0)
	tc_applied
	[ -n "$(tc_id eth0)" ] || fail "rx_ping_tc not attached"
	[ "$(xdp_id "$NODE" eth0)" = "$foreign" ] || fail "the foreign XDP program was touched"
	lab_listen
	tcp_connect "$PINGNS" || fail "no handshake through tc behind a foreign XDP program"
	expect_rc 0 nsp destroy
	[ "$(xdp_id "$NODE" eth0)" = "$foreign" ] || fail "destroy detached the foreign XDP program"
}

# Two instances on one uplink, each in its own slot. A reply for the second
# passes the first's filter (TC_ACT_UNSPEC: on to the next filter), and the
# node answers no ARP for 10.99.0.3, so the gateway is told where it is.
test_tc_two_instances_share_the_uplink() {
	local h0 h1
	lab_up drop
	tc_conf 2
	ip -n "$GW" neigh replace 10.99.0.3 lladdr "$NODE_MAC" dev eth0 nud permanent
	expect_rc 0 nsp apply
	h0=$(tc_handle 0) h1=$(tc_handle 1)
	[ "$h0" != "$h1" ] || fail "both instances got handle $h0"
	[ -n "$(tc_id eth0 "$h0")" ] && [ -n "$(tc_id eth0 "$h1")" ] ||
		fail "filters: $(tc -n "$NODE" filter show dev eth0 ingress)"
	lab_listen
	tcp_connect "$PINGNS" || fail "no handshake from the first instance"
	tcp_connect "$(inst_ns 2)" || fail "no handshake from the second instance"
	expect_rc 0 nsp --json apply
	jq -e '.requests == 0' "$T/out" >/dev/null || fail "rerun: $(cat "$T/out")"
	expect_rc 0 nsp destroy
	[ -z "$(tc_id eth0 "$h0")$(tc_id eth0 "$h1")" ] || fail "destroy left filters of ours"
}

# attach = "xdp" -> "tc" and back: the new program goes in, ours at the old
# attach point comes out, and the probes pass all along the way.
test_tc_switch_attach_both_ways() {
	lab_up drop
	xdp_conf
	expect_rc 0 nsp apply
	tc_conf
	expect_plan create:tc create:tc delete:xdp delete:xdp
	expect_rc 0 nsp apply
	TC_HANDLE=$(tc_handle)
	[[ $(tc_ids) =~ ^[0-9]+\ [0-9]+$ ]] || fail "tc filters: $(tc_ids)"
	[ -z "$(xdp_id "$NODE" eth0)$(xdp_id "$NODE" "$HOSTVETH")" ] || fail "our XDP programs stayed"
	lab_listen
	tcp_connect "$PINGNS" || fail "no handshake after the switch to tc"
	xdp_conf
	expect_plan create:xdp create:xdp delete:tc delete:tc
	expect_rc 0 nsp apply
	[ "$(tc_ids)" = " " ] || fail "our tc filters stayed: $(tc_ids)"
	[ -n "$(xdp_id "$NODE" eth0)" ] || fail "rx_ping not attached"
	tcp_connect "$PINGNS" || fail "no handshake after the switch back to XDP"
	true
}

# tc bindings removed from the file: apply takes our filters out of both slots.
test_tc_removed_binding_is_detached() {
	lab_up
	tc_applied
	I_KEYS[1]=
	write_conf 1
	expect_plan delete:tc delete:tc
	expect_rc 0 nsp apply
	[ "$(tc_ids)" = " " ] || fail "left in our slots: $(tc_ids)"
	expect_plan_empty
}

test_tc_destroy_detaches_ours() {
	lab_up
	tc_applied
	expect_rc 0 nsp destroy
	[ -z "$(tc_id eth0)" ] || fail "rx_ping_tc left on eth0"
	[ "$(tc -n "$NODE" -j filter show dev eth0 ingress | jq '[.[] | select(.pref == 20051)] | length')" = 0 ] ||
		fail "something left at our priority: $(tc -n "$NODE" filter show dev eth0 ingress)"
	# documented: the clsact qdisc stays, others may use it
	tc -n "$NODE" qdisc show dev eth0 | grep -q clsact || fail "destroy removed the clsact qdisc"
	[ -e "/run/netns/$PINGNS" ] && fail "netns left"
	ip -n "$NODE" link show "$HOSTVETH" >/dev/null 2>&1 && fail "veth left"
	expect_rc 0 nsp --json destroy
	jq -e '.requests == 0 and (.changes | length) == 0' "$T/out" >/dev/null ||
		fail "second destroy: $(cat "$T/out")"
}
