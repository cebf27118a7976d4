# SPDX-License-Identifier: GPL-2.0-only
# The XDP bindings on a real kernel: the probe path through the node's DROP
# rules, program identity across reruns, drift, foreign programs, destroy.

xdp_conf() {
	write_conf "xdp = ( { program = \"tx_ping\"; interface = \"vh$ID\"; },
	                    { program = \"rx_ping\"; interface = \"eth0\"; } );"
}

xdp_id() { ip -n "$1" -j -d link show "$2" | jq -r '.[0].xdp.prog.id // empty'; }

# tcp_connect NS: a TCP handshake to the gateway's port 10086 from NS, from
# an ephemeral port, except in the isolated netns: there it plays the worker
# and takes a source port of ping.sport_min..sport_max (default 61000..65535),
# the only replies that rx_ping takes from the uplink.
tcp_connect() {
	local ports="0 0"
	case $1 in "$PINGNS"*) ports="61000 65535" ;; esac
	ip netns exec "$1" /usr/bin/python3 -c '
import random, socket, sys
lo, hi = map(int, sys.argv[1:3])
try:
    socket.create_connection(("10.99.0.1", 10086), timeout=2,
                             source_address=("", random.randint(lo, hi))).close()
except OSError as e:
    sys.exit(1)' $ports
}

gw_listen() {
	ip netns exec "$GW" /usr/bin/python3 -c '
import socket
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("10.99.0.1", 10086)); s.listen(16); s.settimeout(20)
try:
    while True:
        s.accept()[0].close()
except OSError:
    pass' &
	sleep 0.3
}

# The instance shares the node's address (as with address = "inherit"):
# rx_ping must leave the replies to the node's own connections to port 10086
# (from its ephemeral ports) alone, and take only those to the worker's ports.
# (tc.t.sh runs the same check on its bindings.)
rx_wrong_dst_port() {
	nsping --json status | jq '.instances[0].bindings[] | select(.program == "rx_ping") |
		.counters.pass_wrong_dst_port'
}
check_node_connections_untouched() {
	local before after
	expect_rc 0 nsping apply
	gw_listen
	before=$(rx_wrong_dst_port)
	tcp_connect "$NODE" || fail "a connect from the node to port 10086 failed: rx_ping took its reply"
	tcp_connect "$PINGNS" || fail "no handshake from the isolated netns"
	after=$(rx_wrong_dst_port)
	[ "$after" -gt "$before" ] ||
		fail "pass_wrong_dst_port did not count the node's SYN-ACK ($before -> $after)"
	kill %1 2>/dev/null
	true
}
test_node_connections_untouched() {
	xdp_conf
	check_node_connections_untouched
}

test_probe_passes_node_drop_rules() {
	xdp_conf
	node_drop_pings || fail "could not add the node's DROP rules"
	expect_rc 0 nsping apply
	gw_listen
	tcp_connect "$NODE" && fail "the control: a connect from the node passed its DROP rules"
	tcp_connect "$PINGNS" || fail "no handshake from the isolated netns through XDP"
	nsping --json status | jq -e '.instances[0].state == "converged"' >/dev/null ||
		fail "status: $(nsping status)"
	# the reply came back through rx_ping, the SYN left through tx_ping
	nsping --json status | jq -e '[.instances[0].bindings[].counters.redirected] | all(. >= 1)' >/dev/null ||
		fail "counters: $(nsping status)"
	kill %1 2>/dev/null
	true
}

test_rerun_keeps_program_ids() {
	local tx rx
	xdp_conf
	expect_rc 0 nsping apply
	tx=$(xdp_id "$NODE" "vh$ID") rx=$(xdp_id "$NODE" eth0)
	[ -n "$tx" ] && [ -n "$rx" ] || fail "programs not attached"
	expect_rc 0 nsping --json apply
	jq -e '.requests == 0' "$STATE/out" >/dev/null || fail "rerun: $(cat "$STATE/out")"
	[ "$(xdp_id "$NODE" "vh$ID")" = "$tx" ] && [ "$(xdp_id "$NODE" eth0)" = "$rx" ] ||
		fail "program ids changed on a rerun"
}

test_detached_program_comes_back() {
	xdp_conf
	expect_rc 0 nsping apply
	ip -n "$NODE" link set eth0 xdp off
	[ "$(plan_ops)" = "create xdp;" ] || fail "plan: $(plan_ops)"
	expect_rc 0 nsping apply
	[ -n "$(xdp_id "$NODE" eth0)" ] || fail "rx_ping not reattached"
}

test_foreign_program_is_a_conflict() {
	local foreign
	xdp_conf
	ip -n "$NODE" link set eth0 xdp obj build/bpf/xdp_pass.bpf.o sec xdp ||
		fail "could not attach the foreign program"
	foreign=$(xdp_id "$NODE" eth0)
	expect_rc 3 nsping apply
	grep -q "foreign program id $foreign" "$STATE/err" "$STATE/out" ||
		fail "no conflict naming id $foreign: $(cat "$STATE/out" "$STATE/err")"
	[ "$(xdp_id "$NODE" eth0)" = "$foreign" ] || fail "the foreign program was replaced"
	[ -e "/run/netns/$PINGNS" ] && fail "apply changed things despite the conflict"
	expect_rc 0 nsping destroy
	[ "$(xdp_id "$NODE" eth0)" = "$foreign" ] || fail "destroy detached a foreign program"
}

test_destroy_detaches_ours() {
	xdp_conf
	expect_rc 0 nsping apply
	expect_rc 0 nsping destroy
	[ -z "$(xdp_id "$NODE" eth0)" ] || fail "rx_ping left on eth0"
	[ -e "/run/netns/$PINGNS" ] && fail "netns left"
	ip -n "$NODE" link show "vh$ID" >/dev/null 2>&1 && fail "veth left"
	true
}

# A binding removed from the file leaves our program where it was: apply
# detaches it (one change per program), the rerun is converged, and the other
# instance's program and a foreign one are not touched. Destroy with a file
# that binds nothing detaches ours from the uplink as well.
test_removed_binding_is_detached() {
	xdp_conf
	expect_rc 0 nsping apply
	write_conf
	[ "$(plan_ops)" = "delete xdp;delete xdp;" ] || fail "plan: $(plan_ops)"
	expect_rc 0 nsping apply
	[ -z "$(xdp_id "$NODE" eth0)" ] || fail "rx_ping left on eth0"
	[ -z "$(xdp_id "$NODE" "vh$ID")" ] || fail "tx_ping left on vh$ID"
	[ "$(plan_ops)" = "" ] || fail "not converged: $(plan_ops)"
	# a program that is not ours, where ours would be, stays
	ip -n "$NODE" link set dev eth0 xdpgeneric obj build/bpf/xdp_pass.bpf.o sec xdp ||
		fail "could not attach a foreign program"
	[ "$(plan_ops)" = "" ] || fail "plans to touch a foreign program: $(plan_ops)"
	ip -n "$NODE" link set dev eth0 xdpgeneric off
	xdp_conf
	expect_rc 0 nsping apply
	write_conf
	expect_rc 0 nsping destroy
	[ -z "$(xdp_id "$NODE" eth0)" ] || fail "destroy left rx_ping on eth0"
}

# mode = "generic" and "native" on the real path: the kernel reports the mode
# asked for, and probes pass in both.
test_modes_generic_and_native() {
	local mode
	for mode in generic native; do
		write_conf "xdp = ( { program = \"tx_ping\"; interface = \"vh$ID\"; mode = \"$mode\"; },
		                    { program = \"rx_ping\"; interface = \"eth0\"; mode = \"$mode\"; } );"
		expect_rc 0 nsping apply
		[ "$(ip -n "$NODE" -j -d link show eth0 | jq -r '.[0].xdp.mode')" = \
			"$([ $mode = generic ] && echo 2 || echo 1)" ] ||
			fail "$mode: eth0 has $(ip -n "$NODE" -d link show eth0 | grep -o 'xdp[a-z]*' | head -1)"
		nsping --json status | jq -e --arg m "$mode" \
			'[.instances[0].bindings[] | .mode == $m] | all' >/dev/null ||
			fail "$mode: status says $(nsping --json status | jq -c '[.instances[0].bindings[].mode]')"
		gw_listen
		tcp_connect "$PINGNS" || fail "$mode: no handshake from the isolated netns"
		kill %1 2>/dev/null
		wait 2>/dev/null
	done
}

# Ours but stale: a config change that alters the programs' rodata (the
# port) is one update per program, replaced with XDP_FLAGS_REPLACE: new ids,
# nothing detached in between, and the path works with the new port.
test_stale_program_is_replaced() {
	local tx rx
	xdp_conf
	expect_rc 0 nsping apply
	tx=$(xdp_id "$NODE" "vh$ID") rx=$(xdp_id "$NODE" eth0)
	sed -i 's|address = "10.99.0.2/24";|& ping = { port = 10087; };|' "$CONF"
	[ "$(plan_ops)" = "update xdp;update xdp;" ] || fail "plan: $(plan_ops)"
	expect_rc 0 nsping apply
	[ -n "$(xdp_id "$NODE" eth0)" ] && [ "$(xdp_id "$NODE" eth0)" != "$rx" ] &&
		[ "$(xdp_id "$NODE" "vh$ID")" != "$tx" ] || fail "not replaced: $tx $rx"
	[ "$(plan_ops)" = "" ] || fail "not converged: $(plan_ops)"
}

# The node's other links are not read. A node with pods has hundreds of
# veths; a converged rerun asks the kernel for the links the file names (and
# for their XDP programs: libbpf's bpf_xdp_query() dumps every link to find
# one), so 400 more links in the node leave what it reads unchanged.
test_rerun_reads_only_its_links() {
	local i bytes
	xdp_conf
	expect_rc 0 nsping apply
	for ((i = 0; i < 200; i++)); do echo "link add px$i type veth peer name py$i"; done |
		ip -n "$NODE" -batch - || fail "could not add the node's other links"
	nsping_traced recvmsg apply >/dev/null || fail "apply under strace failed"
	# netlink bytes received, peeks left out: one dump of 400 links is over 400 kB
	bytes=$(grep -v MSG_PEEK "$STATE/strace" | sed -n 's/.*) = \([0-9][0-9]*\)$/\1/p' |
		awk '{ s += $1 } END { print s + 0 }')
	[ "$bytes" -gt 0 ] || fail "strace saw no netlink read"
	[ "$bytes" -lt 100000 ] || fail "a converged rerun read $bytes bytes: the node's other links"
	[ "$(plan_ops)" = "" ] || fail "not converged: $(plan_ops)"
}

# A converged rerun asks the kernel for each link the file names once. The
# answer to RTM_GETLINK carries the link's XDP program (IFLA_XDP), so a
# binding needs no query of its own: two lookups, eth0 and the host veth.
test_rerun_asks_once_per_link() {
	local asked
	xdp_conf
	expect_rc 0 nsping apply
	nsping_traced sendmsg apply >/dev/null || fail "apply under strace failed"
	# lookups: RTM_GETLINK (0x12) without NLM_F_DUMP (0x300)
	asked=$(grep -E 'RTM_GETLINK|nlmsg_type=0x12[^0-9a-f]' "$STATE/strace" |
		grep -cvE 'NLM_F_DUMP|0x300')
	[ "$asked" = 2 ] || fail "$asked link lookups, expected 2 (eth0 and the host veth)"
	[ "$(plan_ops)" = "" ] || fail "not converged: $(plan_ops)"
}

# A mode change of our program is one update, not a detach and a create. The
# kernel has no in-place move between modes: the update is a detach and an
# attach, two requests, and "requests" says so (strace counts them apart).
test_mode_change_is_one_update() {
	local sent
	write_conf "xdp = ( { program = \"rx_ping\"; interface = \"eth0\"; mode = \"native\"; } );"
	expect_rc 0 nsping apply
	sed -i 's|mode = "native"|mode = "generic"|' "$CONF"
	[ "$(plan_ops)" = "update xdp;" ] || fail "plan: $(plan_ops)"
	nsping_traced sendmsg,sendto --json apply >"$STATE/out" || fail "apply failed: $(cat "$STATE/out")"
	# RTM_SETLINK (0x13) carries IFLA_XDP: one to detach, one to attach
	sent=$(grep -cE 'RTM_SETLINK|nlmsg_type=0x13[^0-9a-f]' "$STATE/strace")
	[ "$sent" = 2 ] || fail "strace counted $sent RTM_SETLINK, expected 2"
	jq -e '.requests == 2' "$STATE/out" >/dev/null || fail "requests: $(cat "$STATE/out")"
	[ "$(ip -n "$NODE" -j -d link show eth0 | jq -r '.[0].xdp.mode')" = 2 ] ||
		fail "not generic: $(ip -n "$NODE" -d link show eth0 | grep xdp)"
	[ "$(plan_ops)" = "" ] || fail "not converged: $(plan_ops)"
}
