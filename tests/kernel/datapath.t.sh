# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
# shellcheck disable=SC2034 # I_KEYS, I_ADDR: read by write_conf (tests/lib/lab.sh)
# The XDP bindings on a real kernel: the probe path through the node's DROP
# rules, program identity across reruns, drift, foreign programs, destroy.

# xdp_keys [MODE]: both programs bound as XDP (mode MODE, default auto).
xdp_keys() {
	echo "xdp = ( { program = \"tx_ping\"; interface = \"$HOSTVETH\"; mode = \"${1:-auto}\"; },
	              { program = \"rx_ping\"; interface = \"eth0\"; mode = \"${1:-auto}\"; } );"
}
xdp_conf() {
	I_KEYS[1]=$(xdp_keys "$@")
	write_conf 1
}

# tcp_connect NS [WAIT]: a TCP handshake to the gateway's port 10086 from NS,
# from an ephemeral port, except in the isolated netns: there it plays the
# worker and takes a source port of ping.sport_min..sport_max (default
# 61000..65535), the only replies that rx_ping takes from the uplink. WAIT
# (default 30 s) bounds a connect that should succeed; a control that must
# fail passes a short one.
tcp_connect() {
	local ports="0 0"
	case $1 in "$PINGNS" | "$(inst_ns 2)") ports="61000 65535" ;; esac
	# shellcheck disable=SC2086 # two numbers
	ip netns exec "$1" /usr/bin/python3 -c '
import random, socket, sys
lo, hi, wait = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
try:
    socket.create_connection(("10.99.0.1", 10086), timeout=wait,
                             source_address=("", random.randint(lo, hi))).close()
except OSError as e:
    sys.exit(1)' $ports "${2:-30}"
}

# The instance shares the node's address (as with address = "inherit"):
# rx_ping must leave the replies to the node's own connections to port 10086
# (from its ephemeral ports) alone, and take only those to the worker's ports.
# (tc.t.sh runs the same check on its bindings.)
rx_wrong_dst_port() {
	status_json
	jq '.instances[0].bindings[] | select(.program == "rx_ping") | .counters.pass_wrong_dst_port' \
		"$T/status.json"
}
check_node_connections_untouched() {
	local before after
	expect_rc 0 nsp apply
	lab_listen
	before=$(rx_wrong_dst_port)
	tcp_connect "$NODE" || fail "a connect from the node to port 10086 failed: rx_ping took its reply"
	tcp_connect "$PINGNS" || fail "no handshake from the isolated netns"
	after=$(rx_wrong_dst_port)
	[ "$after" -gt "$before" ] ||
		fail "pass_wrong_dst_port did not count the node's SYN-ACK ($before -> $after)"
}
test_node_connections_untouched() {
	lab_up
	xdp_conf
	check_node_connections_untouched
}

# The proof of the mission (README.md, first paragraph), by hand: with the
# DROP rules in the node, a
# TCP connect from the node fails, one from the isolated netns passes.
test_probe_passes_node_drop_rules() {
	lab_up drop
	xdp_conf
	expect_rc 0 nsp apply
	lab_listen
	tcp_connect "$NODE" 2 && fail "the control: a connect from the node passed its DROP rules"
	tcp_connect "$PINGNS" || fail "no handshake from the isolated netns through XDP"
	status_json
	jq -e '.instances[0].state == "converged"' "$T/status.json" >/dev/null ||
		fail "status: $(cat "$T/status.json")"
	# the reply came back through rx_ping, the SYN left through tx_ping
	jq -e '[.instances[0].bindings[].counters.redirected] | length == 2 and all(. >= 1)' \
		"$T/status.json" >/dev/null || fail "counters: $(cat "$T/status.json")"
}

test_rerun_keeps_program_ids() {
	local tx rx
	lab_up
	xdp_conf
	expect_rc 0 nsp apply
	tx=$(xdp_id "$NODE" "$HOSTVETH") rx=$(xdp_id "$NODE" eth0)
	[ -n "$tx" ] && [ -n "$rx" ] || fail "programs not attached"
	expect_rc 0 nsp --json apply
	jq -e '.requests == 0' "$T/out" >/dev/null || fail "rerun: $(cat "$T/out")"
	[ "$(xdp_id "$NODE" "$HOSTVETH")" = "$tx" ] && [ "$(xdp_id "$NODE" eth0)" = "$rx" ] ||
		fail "program ids changed on a rerun"
}

test_detached_program_comes_back() {
	lab_up
	xdp_conf
	expect_rc 0 nsp apply
	ip -n "$NODE" link set eth0 xdp off
	expect_plan create:xdp
	expect_rc 0 nsp apply
	[ -n "$(xdp_id "$NODE" eth0)" ] || fail "rx_ping not reattached"
	expect_plan_empty
}

# README.md "Ownership": any other program on a bound interface is a conflict
# naming its id, name and mode; apply exits 3 and changes nothing, destroy
# leaves it.
test_foreign_program_is_a_conflict() {
	local foreign name mode iplink
	lab_up
	xdp_conf
	for mode in native generic; do
		iplink=xdpdrv
		[ "$mode" = generic ] && iplink=xdpgeneric
		ip -n "$NODE" link set dev eth0 "$iplink" obj build/bpf/xdp_pass.bpf.o sec xdp ||
			fail "could not attach the foreign program ($iplink)"
		foreign=$(xdp_id "$NODE" eth0)
		name=$(bpftool -j prog show id "$foreign" | jq -r .name)
		[ -n "$name" ] && [ "$name" != null ] || fail "bpftool does not know program $foreign"
		snapshot before
		expect_rc 3 nsp apply
		grep -qF "foreign program id $foreign \"$name\" ($mode) is attached to eth0" "$T/out" ||
			fail "no conflict naming id $foreign, \"$name\" and $mode: $(cat "$T/out" "$T/err")"
		expect_rc 3 nsp plan
		grep -qF "foreign program id $foreign \"$name\" ($mode)" "$T/out" ||
			fail "plan names no foreign program: $(cat "$T/out")"
		snapshot after
		same_snapshot before after "apply with a foreign program changed something"
		[ "$(xdp_id "$NODE" eth0)" = "$foreign" ] || fail "the foreign program was replaced"
		[ -e "/run/netns/$PINGNS" ] && fail "apply changed things despite the conflict"
		expect_rc 0 nsp destroy
		[ "$(xdp_id "$NODE" eth0)" = "$foreign" ] || fail "destroy detached a foreign program"
		ip -n "$NODE" link set dev eth0 "$iplink" off || fail "lab: detach the foreign program"
	done
}

test_destroy_detaches_ours() {
	lab_up
	xdp_conf
	expect_rc 0 nsp apply
	expect_rc 0 nsp destroy
	[ -z "$(xdp_id "$NODE" eth0)" ] || fail "rx_ping left on eth0"
	[ -e "/run/netns/$PINGNS" ] && fail "netns left"
	ip -n "$NODE" link show "$HOSTVETH" >/dev/null 2>&1 && fail "veth left"
	return 0
}

# A binding removed from the file leaves our program where it was: apply
# detaches it (one change per program), the rerun is converged, and a foreign
# program where ours would be is not touched. Destroy with a file that binds
# nothing detaches ours from the uplink as well.
test_removed_binding_is_detached() {
	lab_up
	xdp_conf
	expect_rc 0 nsp apply
	I_KEYS[1]=
	write_conf 1
	expect_plan delete:xdp delete:xdp
	expect_rc 0 nsp apply
	[ -z "$(xdp_id "$NODE" eth0)" ] || fail "rx_ping left on eth0"
	[ -z "$(xdp_id "$NODE" "$HOSTVETH")" ] || fail "tx_ping left on $HOSTVETH"
	expect_plan_empty
	# a program that is not ours, where ours would be, stays
	ip -n "$NODE" link set dev eth0 xdpgeneric obj build/bpf/xdp_pass.bpf.o sec xdp ||
		fail "could not attach a foreign program"
	expect_plan_empty
	ip -n "$NODE" link set dev eth0 xdpgeneric off
	xdp_conf
	expect_rc 0 nsp apply
	I_KEYS[1]=
	write_conf 1
	expect_rc 0 nsp destroy
	[ -z "$(xdp_id "$NODE" eth0)" ] || fail "destroy left rx_ping on eth0"
}

# mode = "generic" and "native" on the real path: the kernel reports the mode
# asked for, and probes pass in both.
test_modes_generic_and_native() {
	local mode
	lab_up
	lab_listen
	for mode in generic native; do
		xdp_conf "$mode"
		expect_rc 0 nsp apply
		[ "$(ip -n "$NODE" -j -d link show eth0 | jq -r '.[0].xdp.mode')" = \
			"$([ $mode = generic ] && echo 2 || echo 1)" ] ||
			fail "$mode: eth0 has $(ip -n "$NODE" -d link show eth0 | grep -o 'xdp[a-z]*' | head -1)"
		status_json
		jq -e --arg m "$mode" '[.instances[0].bindings[] | .mode == $m] | all' "$T/status.json" >/dev/null ||
			fail "$mode: status says $(jq -c '[.instances[0].bindings[].mode]' "$T/status.json")"
		tcp_connect "$PINGNS" || fail "$mode: no handshake from the isolated netns"
	done
}

# Ours but stale: a config change that alters the programs' rodata (the
# port) is one update per program, replaced with XDP_FLAGS_REPLACE: new ids,
# nothing detached in between.
test_stale_program_is_replaced() {
	local tx rx
	lab_up
	xdp_conf
	expect_rc 0 nsp apply
	tx=$(xdp_id "$NODE" "$HOSTVETH") rx=$(xdp_id "$NODE" eth0)
	conf_edit 's|address = "10.99.0.2/24";|& ping = { port = 10087; };|'
	expect_plan update:xdp update:xdp
	expect_rc 0 nsp apply
	[ -n "$(xdp_id "$NODE" eth0)" ] && [ "$(xdp_id "$NODE" eth0)" != "$rx" ] &&
		[ "$(xdp_id "$NODE" "$HOSTVETH")" != "$tx" ] || fail "not replaced: $tx $rx"
	expect_plan_empty
}

# The node's other links are not read. A node with pods has hundreds of
# veths; a converged rerun asks the kernel for the links the file names (and
# for their XDP programs: libbpf's bpf_xdp_query() dumps every link to find
# one), so 400 more links in the node leave what it reads unchanged.
test_rerun_reads_only_its_links() {
	local i bytes
	lab_up
	xdp_conf
	expect_rc 0 nsp apply
	for ((i = 0; i < 200; i++)); do echo "link add px$i type veth peer name py$i"; done |
		ip -n "$NODE" -batch - || fail "could not add the node's other links"
	nsp_strace recvmsg apply
	# netlink bytes received, peeks left out: one dump of 400 links is over 400 kB
	bytes=$(grep -v MSG_PEEK "$T/strace.log" | sed -n 's/.*) = \([0-9][0-9]*\)$/\1/p' |
		awk '{ s += $1 } END { print s + 0 }')
	[ "$bytes" -gt 0 ] || fail "strace saw no netlink read"
	[ "$bytes" -lt 100000 ] || fail "a converged rerun read $bytes bytes: the node's other links"
	expect_plan_empty
}

# A converged rerun asks the kernel for each link the file names once. The
# answer to RTM_GETLINK carries the link's XDP program (IFLA_XDP), so a
# binding needs no query of its own: two lookups, eth0 and the host veth.
test_rerun_asks_once_per_link() {
	local asked
	lab_up
	xdp_conf
	expect_rc 0 nsp apply
	nsp_strace sendmsg apply
	# lookups: RTM_GETLINK (0x12) without NLM_F_DUMP (0x300)
	asked=$(grep -E 'RTM_GETLINK|nlmsg_type=0x12[^0-9a-f]' "$T/strace.log" |
		grep -cvE 'NLM_F_DUMP|0x300')
	[ "$asked" = 2 ] || fail "$asked link lookups, expected 2 (eth0 and the host veth)"
	expect_plan_empty
}

# A mode change of our program is one update, not a detach and a create. The
# kernel has no in-place move between modes: the update is a detach and an
# attach, two requests, and "requests" says so (strace counts them apart).
test_mode_change_is_one_update() {
	local sent
	lab_up
	I_KEYS[1]='xdp = ( { program = "rx_ping"; interface = "eth0"; mode = "native"; } );'
	write_conf 1
	expect_rc 0 nsp apply
	conf_edit 's|mode = "native"|mode = "generic"|'
	expect_plan update:xdp
	nsp_strace sendmsg,sendto --json apply
	# RTM_SETLINK (0x13) carries IFLA_XDP: one to detach, one to attach
	sent=$(grep -cE 'RTM_SETLINK|nlmsg_type=0x13[^0-9a-f]' "$T/strace.log")
	[ "$sent" = 2 ] || fail "strace counted $sent RTM_SETLINK, expected 2"
	jq -e '.requests == 2' "$T/out" >/dev/null || fail "requests: $(cat "$T/out")"
	[ "$(ip -n "$NODE" -j -d link show eth0 | jq -r '.[0].xdp.mode')" = 2 ] ||
		fail "not generic: $(ip -n "$NODE" -d link show eth0 | grep xdp)"
	expect_plan_empty
}
