# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
# Prune and rename (README.md "Ownership"): what nsping owns in the file's
# scope and the file no longer describes goes with the next apply; a renamed
# instance keeps its netns and veth; scopes keep two files apart; destroy
# --all takes every scope's and nothing foreign; another host netns's objects
# (another node of a lab, sharing /run/netns) are never touched. xdp_keys
# comes from datapath.t.sh, tc_bindings from tc.t.sh.

# pr_instance NAME NETNS HOST PEER ADDRESS [KEYS]: one instance group, on the
# uplink PR_UPLINK (eth0) with gateway PR_GW_IP (10.99.0.1) at PR_GW_MAC (GW_MAC).
pr_instance() {
	cat <<EOF
  { name = "$1"; netns = "$2"; uplink = "${PR_UPLINK:-eth0}";
    veth = { host = "$3"; peer = "$4"; };
    address = "$5";
    gateway = { ip = "${PR_GW_IP:-10.99.0.1}"; mac = "${PR_GW_MAC:-$GW_MAC}"; };
    ${6:-} }
EOF
}

# pr_inst I [KEYS]: the lab's instance I (its names, address 10.99.0.(1+I)/24).
pr_inst() {
	pr_instance "$(inst_name "$1")" "$(inst_ns "$1")" "$(inst_host "$1")" "$(inst_peer "$1")" \
		"10.99.0.$((1 + $1))/24" "${2:-}"
}

# pr_conf FILE SCOPE GROUP...: FILE holds the groups, with "scope = SCOPE"
# unless SCOPE is empty.
pr_conf() {
	local f=$1 scope=$2 sep=
	shift 2
	{
		echo 'version = 1;'
		[ -n "$scope" ] && echo "scope = \"$scope\";"
		echo 'instances = ('
		for g in "$@"; do
			printf '%s%s\n' "$sep" "$g"
			sep=,
		done
		echo ');'
	} >"$f"
}

# nspc FILE ARGS...: nsping on another file of the lab, on the node.
nspc() {
	local f=$1
	shift
	"$NSPING" -c "$f" --host-netns "$NODE" --state-dir "$STATE" "$@"
}

# pr_tc_ids DEV: the program ids of every filter at our priority on DEV's ingress in NODE.
pr_tc_ids() {
	tc -n "$NODE" -j filter show dev "$1" ingress 2>/dev/null |
		jq -r '.[] | select(.pref == 20051) | .options.prog.id // empty' | sort -n | paste -sd' ' -
}

# pr_alias NS IF: the ifalias of a link.
pr_alias() { ip -n "$1" -j link show dev "$2" 2>/dev/null | jq -r '.[0].ifalias // ""'; }

# pr_connect NS: a TCP handshake to the gateway's port 10086 from NS, from a
# source port of the worker's range, as tcp_connect does from the isolated netns.
pr_connect() {
	ip netns exec "$1" /usr/bin/python3 -c '
import random, socket, sys
try:
    socket.create_connection(("10.99.0.1", 10086), timeout=30,
                             source_address=("", random.randint(61000, 65535))).close()
except OSError:
    sys.exit(1)'
}

# An instance removed from the file: one apply removes its programs (XDP and
# tc), its veth and its netns, shown per object under its name; the instance
# that stays is not touched.
test_prune_removed_instance() {
	local inode tx rx ids
	lab_up
	pr_conf "$CONF" "" "$(pr_inst 1 "$(xdp_keys)")" "$(pr_inst 2 "$(tc_bindings "$(inst_host 2)")")"
	expect_rc 0 nsp apply
	inode=$(netns_inode) tx=$(xdp_id "$NODE" "$HOSTVETH") rx=$(xdp_id "$NODE" eth0)
	ids="$(pr_tc_ids "$(inst_host 2)") $(pr_tc_ids eth0)"
	[ "$(echo "$ids" | wc -w)" = 2 ] || fail "instance 2's tc programs: '$ids'"
	pr_conf "$CONF" "" "$(pr_inst 1 "$(xdp_keys)")"
	plan_clean
	check_plan_doc "$T/plan.json" "plan --json with an orphan"
	[ "$(plan_ops)" = "delete:link delete:netns delete:tc delete:tc" ] ||
		fail "plan: $(plan_ops)"
	jq -e --arg i "$(inst_name 2)" 'all(.changes[]; .instance == $i and .scope == "default")' \
		"$T/plan.json" >/dev/null || fail "the changes are not the orphan's: $(jq -c .changes "$T/plan.json")"
	nspx plan --detailed-exitcode
	[ "$RC" = 2 ] || fail "plan --detailed-exitcode exits $RC, expected 2"
	grep -qx "instance $(inst_name 2) of scope default, not in the file:" "$T/out" ||
		fail "the plan does not name the orphan: $(cat "$T/out")"
	expect_rc 0 nsp apply
	netns_exists "$(inst_ns 2)" && fail "the orphan's netns is still there"
	[ -z "$(ifindex_of "$NODE" "$(inst_host 2)")" ] || fail "the orphan's veth is still there"
	[ -z "$(pr_tc_ids eth0)" ] || fail "tc filters left on eth0: $(pr_tc_ids eth0)"
	for id in $ids; do
		bpftool prog show id "$id" >/dev/null 2>&1 && fail "program $id is still loaded"
	done
	[ "$(netns_inode)" = "$inode" ] && [ "$(xdp_id "$NODE" "$HOSTVETH")" = "$tx" ] &&
		[ "$(xdp_id "$NODE" eth0)" = "$rx" ] || fail "the instance that stays was touched"
	expect_plan_empty
}

# --no-prune keeps an orphan for one run (plan and apply); the next apply
# removes it.
test_prune_no_prune_keeps_orphans() {
	lab_up
	pr_conf "$CONF" "" "$(pr_inst 1)" "$(pr_inst 2)"
	expect_rc 0 nsp apply
	pr_conf "$CONF" "" "$(pr_inst 1)"
	expect_rc 0 nsp apply --no-prune
	netns_exists "$(inst_ns 2)" && [ -n "$(ifindex_of "$NODE" "$(inst_host 2)")" ] ||
		fail "apply --no-prune removed the orphan"
	nspx plan --no-prune --detailed-exitcode
	[ "$RC" = 0 ] || fail "plan --no-prune --detailed-exitcode exits $RC, expected 0"
	nspx plan --detailed-exitcode
	[ "$RC" = 2 ] || fail "plan --detailed-exitcode exits $RC, expected 2 (the orphan)"
	expect_rc 0 nsp apply
	netns_exists "$(inst_ns 2)" && fail "apply did not remove the orphan"
	expect_plan_empty
}

# The netns renamed in the file: one apply makes the new one, moves the pair
# into it and removes the old one; the new one carries probes through the
# node's DROP rules.
test_prune_netns_renamed() {
	lab_up drop
	pr_conf "$CONF" "" "$(pr_inst 1 "$(xdp_keys)")"
	expect_rc 0 nsp apply
	pr_conf "$CONF" "" "$(pr_instance "$INST" "$(inst_ns 3)" "$HOSTVETH" "$PEER" 10.99.0.2/24 \
		"$(xdp_keys)")"
	expect_rc 0 nsp --json apply
	jq -e '.converged' "$T/out" >/dev/null || fail "not converged: $(cat "$T/out")"
	netns_exists "$PINGNS" && fail "the old netns is still there"
	netns_exists "$(inst_ns 3)" || fail "no new netns"
	[ "$(pr_alias "$(inst_ns 3)" lo)" = "nsping:$INST" ] || fail "the new netns is not marked"
	expect_plan_empty
	lab_listen
	pr_connect "$(inst_ns 3)" || fail "no handshake from the new netns"
}

# uplink changed: rx_ping goes from the old uplink in the same apply.
test_prune_uplink_changed() {
	local mac
	lab_up
	lab_wire "$NODE" eth1 10.98.0.2/24 "$GW" eth1 10.98.0.1/24
	mac=$(ip -n "$GW" -j link show dev eth1 | jq -r '.[0].address')
	pr_conf "$CONF" "" "$(pr_inst 1 'xdp = ( { program = "rx_ping"; interface = "eth0"; attach = "xdp"; } );')"
	expect_rc 0 nsp apply
	[ -n "$(xdp_id "$NODE" eth0)" ] || fail "rx_ping not on eth0"
	pr_conf "$CONF" "" "$(PR_UPLINK=eth1 PR_GW_IP=10.98.0.1 PR_GW_MAC=$mac pr_instance \
		"$INST" "$PINGNS" "$HOSTVETH" "$PEER" 10.98.0.2/24 \
		'xdp = ( { program = "rx_ping"; interface = "eth1"; attach = "xdp"; } );')"
	plan_clean
	jq -e --arg i "$INST" 'any(.changes[]; .op == "delete" and .kind == "xdp" and
		.object == "rx_ping on eth0" and .instance == $i and (has("scope") | not))' \
		"$T/plan.json" >/dev/null || fail "no delete of rx_ping on eth0: $(jq -c .changes "$T/plan.json")"
	expect_rc 0 nsp apply
	[ -z "$(xdp_id "$NODE" eth0)" ] || fail "rx_ping is still on the old uplink"
	[ -n "$(xdp_id "$NODE" eth1)" ] || fail "rx_ping is not on the new uplink"
	expect_plan_empty
}

# An instance renamed, its names kept: lo and both veth ends re-marked in
# place (same netns inode, same ifindexes), its programs replaced.
test_prune_instance_renamed_in_place() {
	local inode host peer tx rx new=${INST}r
	lab_up
	pr_conf "$CONF" "" "$(pr_inst 1 "$(xdp_keys)")"
	expect_rc 0 nsp apply
	inode=$(netns_inode) host=$(ifindex_of "$NODE" "$HOSTVETH") peer=$(ifindex_of "$PINGNS" "$PEER")
	tx=$(xdp_id "$NODE" "$HOSTVETH") rx=$(xdp_id "$NODE" eth0)
	pr_conf "$CONF" "" "$(pr_instance "$new" "$PINGNS" "$HOSTVETH" "$PEER" 10.99.0.2/24 "$(xdp_keys)")"
	expect_plan update:netns update:link update:link update:xdp update:xdp
	expect_rc 0 nsp apply
	[ "$(netns_inode)" = "$inode" ] || fail "the netns was recreated"
	[ "$(ifindex_of "$NODE" "$HOSTVETH")" = "$host" ] && [ "$(ifindex_of "$PINGNS" "$PEER")" = "$peer" ] ||
		fail "the veth pair was recreated"
	for l in "$PINGNS lo" "$NODE $HOSTVETH" "$PINGNS $PEER"; do
		# shellcheck disable=SC2086 # NS IF
		[ "$(pr_alias $l)" = "nsping:$new" ] || fail "$l carries '$(pr_alias $l)'"
	done
	[ "$(xdp_id "$NODE" "$HOSTVETH")" != "$tx" ] && [ "$(xdp_id "$NODE" eth0)" != "$rx" ] ||
		fail "the programs were not replaced"
	status_json
	jq -e '.instances[0].state == "converged" and all(.instances[0].bindings[]; .ours)' \
		"$T/status.json" >/dev/null || fail "status: $(cat "$T/status.json")"
	expect_plan_empty
}

# Renamed with new names too: the old instance's rx_ping on the shared uplink
# is an orphan's program, replaced in place, not a foreign one; its netns
# and veth go.
test_prune_instance_renamed_with_new_names() {
	local rx keys='xdp = ( { program = "rx_ping"; interface = "eth0"; attach = "xdp"; } );'
	lab_up
	pr_conf "$CONF" "" "$(pr_inst 1 "$keys")"
	expect_rc 0 nsp apply
	rx=$(xdp_id "$NODE" eth0)
	pr_conf "$CONF" "" "$(pr_instance "${INST}r" "$(inst_ns 3)" "$(inst_host 3)" "$(inst_peer 3)" \
		10.99.0.2/24 "$keys")"
	plan_clean
	jq -e '.conflicts == [] and any(.changes[]; .op == "update" and .kind == "xdp")' \
		"$T/plan.json" >/dev/null || fail "plan: $(cat "$T/plan.json")"
	expect_rc 0 nsp apply
	netns_exists "$PINGNS" && fail "the old netns is still there"
	[ -z "$(ifindex_of "$NODE" "$HOSTVETH")" ] || fail "the old veth is still there"
	[ -n "$(xdp_id "$NODE" eth0)" ] && [ "$(xdp_id "$NODE" eth0)" != "$rx" ] ||
		fail "rx_ping was not replaced"
	expect_plan_empty
}

# Two files of two scopes on one node: each applies without pruning the
# other's, and each one's marks name its scope.
test_prune_two_scopes_do_not_prune_each_other() {
	local b=$T/b.conf
	lab_up
	pr_conf "$CONF" "a$ID" "$(pr_inst 1 "$(xdp_keys)")"
	pr_conf "$b" "b$ID" "$(pr_inst 2 "$(tc_bindings "$(inst_host 2)")")"
	expect_rc 0 nsp apply
	expect_rc 0 nspc "$b" apply
	expect_rc 0 nsp apply
	expect_rc 0 nspc "$b" apply
	netns_exists "$PINGNS" && netns_exists "$(inst_ns 2)" || fail "a netns is gone"
	[ -n "$(xdp_id "$NODE" eth0)" ] && [ "$(echo "$(pr_tc_ids eth0)" | wc -w)" = 1 ] ||
		fail "a program is gone: xdp $(xdp_id "$NODE" eth0), tc $(pr_tc_ids eth0)"
	[ "$(pr_alias "$PINGNS" lo)" = "nsping:a$ID/$INST" ] &&
		[ "$(pr_alias "$NODE" "$(inst_host 2)")" = "nsping:b$ID/$(inst_name 2)" ] ||
		fail "marks: $(pr_alias "$PINGNS" lo), $(pr_alias "$NODE" "$(inst_host 2)")"
	expect_plan_empty
	expect_rc 0 nspc "$b" plan --detailed-exitcode
}

# destroy --all: every scope's objects on this node, nothing foreign (a
# netns of ip netns add, an XDP program on another interface).
test_prune_destroy_all() {
	local b=$T/b.conf foreign
	lab_up
	pr_conf "$CONF" "" "$(pr_inst 1 "$(xdp_keys)")"
	pr_conf "$b" "b$ID" "$(pr_inst 2 "$(tc_bindings "$(inst_host 2)")")"
	expect_rc 0 nsp apply
	expect_rc 0 nspc "$b" apply
	ip netns add "${LAB_PREFIX}${ID}f" || fail "lab: foreign netns"
	ip -n "$NODE" link add "fx$ID" type veth peer name "fy$ID" || fail "lab: a foreign veth"
	ip -n "$NODE" link set dev "fx$ID" xdpgeneric obj build/bpf/xdp_pass.bpf.o sec xdp ||
		fail "lab: a foreign XDP program"
	foreign=$(xdp_id "$NODE" "fx$ID")
	nspx plan --destroy --all --detailed-exitcode
	[ "$RC" = 2 ] || fail "plan --destroy --all --detailed-exitcode exits $RC, expected 2"
	plan_json --destroy --all
	check_plan_doc "$T/plan.json" "plan --destroy --all"
	jq -e --arg i "$(inst_name 2)" --arg s "b$ID" \
		'[.changes[] | select(.instance == $i and .scope == $s)] | length == 4' "$T/plan.json" \
		>/dev/null || fail "scope b$ID's objects are not all planned: $(jq -c .changes "$T/plan.json")"
	expect_rc 0 nsp destroy --all
	netns_exists "$PINGNS" || netns_exists "$(inst_ns 2)" && fail "a netns of ours is left"
	[ -z "$(ifindex_of "$NODE" "$HOSTVETH")$(ifindex_of "$NODE" "$(inst_host 2)")" ] ||
		fail "a veth of ours is left"
	[ -z "$(xdp_id "$NODE" eth0)" ] && [ -z "$(pr_tc_ids eth0)" ] || fail "a program of ours is left"
	netns_exists "${LAB_PREFIX}${ID}f" || fail "destroy --all removed a foreign netns"
	[ "$(xdp_id "$NODE" "fx$ID")" = "$foreign" ] || fail "destroy --all touched a foreign program"
	nspx plan --destroy --all --detailed-exitcode
	[ "$RC" = 0 ] || fail "a second plan --destroy --all still finds something: $(cat "$T/out")"
}

# A conflict names the owner: an object of another scope at the file's names.
test_prune_conflict_names_the_owner() {
	local b=$T/b.conf id
	lab_up
	pr_conf "$b" "b$ID" "$(pr_inst 1 'xdp = ( { program = "rx_ping"; interface = "eth0"; attach = "xdp"; } );')"
	expect_rc 0 nspc "$b" apply
	snapshot before
	pr_conf "$CONF" "" "$(pr_inst 1)"
	expect_rc 3 nsp apply
	grep -qF "netns $PINGNS exists and is owned by nsping instance $INST of scope b$ID" "$T/err" ||
		fail "the conflict does not name the owner: $(cat "$T/err")"
	pr_conf "$CONF" "" "$(pr_instance "$INST" "$(inst_ns 3)" "$HOSTVETH" "$PEER" 10.99.0.2/24)"
	expect_rc 3 nsp apply
	grep -qF "link $HOSTVETH exists in the host netns and is owned by nsping instance $INST of scope b$ID" \
		"$T/err" || fail "the conflict does not name the owner: $(cat "$T/err")"
	id=$(xdp_id "$NODE" eth0)
	pr_conf "$CONF" "" "$(pr_inst 3 'xdp = ( { program = "rx_ping"; interface = "eth0"; attach = "xdp"; } );')"
	expect_rc 3 nsp apply
	grep -qE "program id $id \"rx_ping\" \((native|generic)\) of nsping instance $INST of scope b$ID is attached to eth0" \
		"$T/err" || fail "the conflict does not name the program's owner: $(cat "$T/err")"
	grep -q 'foreign' "$T/err" && fail "nsping's own program called foreign: $(cat "$T/err")"
	snapshot after
	same_snapshot before after "a refused apply changed something"
}

# /run/netns is shared by every netns of the machine: an instance that
# another node (netns) runs is not this node's orphan, and destroy --all
# leaves it too.
test_prune_leaves_another_hosts_netns() {
	local m=${LAB_PREFIX}${ID}m c=$T/c.conf mac
	lab_up
	ip netns add "$m" || fail "lab: second node"
	lab_wire "$m" eth0 10.96.0.2/24 "$GW" eth2 10.96.0.1/24
	mac=$(ip -n "$GW" -j link show dev eth2 | jq -r '.[0].address')
	pr_conf "$c" "" "$(PR_GW_IP=10.96.0.1 PR_GW_MAC=$mac pr_inst 2)"
	expect_rc 0 "$NSPING" -c "$c" --host-netns "$m" --state-dir "$T/m" apply
	pr_conf "$CONF" "" "$(pr_inst 1)"
	expect_rc 0 nsp apply
	expect_plan_empty
	expect_rc 0 nsp destroy --all
	netns_exists "$(inst_ns 2)" || fail "the other node's instance was removed"
	expect_rc 0 "$NSPING" -c "$c" --host-netns "$m" --state-dir "$T/m" plan --detailed-exitcode
}

# A prune that fails midway (the netns's unmount) leaves what the next apply
# finishes: the netns, its veth already gone, is still proven ours.
test_prune_interrupted_is_finished() {
	lab_up
	pr_conf "$CONF" "" "$(pr_inst 1)" "$(pr_inst 2)"
	expect_rc 0 nsp apply
	pr_conf "$CONF" "" "$(pr_inst 1)"
	strace -f -qq -o /dev/null -e trace=umount2 -e inject=umount2:error=EBUSY \
		"$NSPING" -c "$CONF" --host-netns "$NODE" --state-dir "$STATE" apply >"$T/out" 2>"$T/err"
	[ $? = 1 ] || fail "the injected failure did not fail apply: $(cat "$T/err")"
	netns_exists "$(inst_ns 2)" || fail "lab: the netns went despite the failure"
	[ -z "$(ifindex_of "$NODE" "$(inst_host 2)")" ] || fail "the veth was not deleted first"
	expect_plan delete:netns
	expect_rc 0 nsp apply
	netns_exists "$(inst_ns 2)" && fail "the next apply did not finish the prune"
	expect_plan_empty
}

# pr_lookups: RTM_GETLINK lookups (not dumps) in the last traced run. strace
# cannot name the types on a socket of another netns: numbers too (0x12).
pr_lookups() {
	grep -E 'RTM_GETLINK|nlmsg_type=0x12[^0-9a-f]' "$T/strace.log" | grep -cvE 'NLM_F_DUMP|0x300'
}
pr_traced_apply() {
	strace -f -qq -s 4096 -e verbose=all -e trace=sendmsg -o "$T/strace.log" \
		"$NSPING" -c "$CONF" --host-netns "$NODE" --state-dir "$STATE" --json apply >"$T/out" 2>"$T/err" ||
		fail "apply under strace: $(cat "$T/err")"
	jq -e '.requests == 0' "$T/out" >/dev/null || fail "not a no-op: $(cat "$T/out")"
}

# The cost of finding orphans on a busy node: a netns linked to the node by a
# veth (as a pod's) is read once, from the node, and remembered as not ours;
# a netns nothing links to the node (ip netns add) is never read; no netns
# is entered.
test_prune_foreign_netns_read_once() {
	local i
	lab_up
	for i in $(seq 1 10); do
		ip netns add "${LAB_PREFIX}${ID}f$i" || fail "lab: netns f$i"
		ip -n "$NODE" link add "pd$ID$i" type veth peer name eth0 netns "${LAB_PREFIX}${ID}f$i" ||
			fail "lab: veth to f$i"
	done
	for i in $(seq 1 20); do
		ip netns add "${LAB_PREFIX}${ID}e$i" || fail "lab: netns e$i"
	done
	# the node names their netns (a link dump does): it has an id for each
	ip -n "$NODE" link show >/dev/null
	pr_conf "$CONF" "" "$(pr_inst 1)"
	expect_rc 0 nsp apply
	# each read of a netns's lo is one lookup: a rerun asks for eth0 and the host veth only
	pr_traced_apply
	[ "$(pr_lookups)" = 2 ] || fail "a converged rerun made $(pr_lookups) link lookups, expected 2"
	rm -f "$STATE/sweep.cache"
	pr_traced_apply
	[ "$(pr_lookups)" = 12 ] ||
		fail "without the cache, $(pr_lookups) lookups: expected 2 and the lo of the 10 netns linked to the node"
	pr_traced_apply
	[ "$(pr_lookups)" = 2 ] || fail "the cache was not rewritten: $(pr_lookups) lookups"
	nsp_strace setns apply
	[ "$(grep -c 'setns(' "$T/strace.log")" = 3 ] ||
		fail "setns: $(grep -c 'setns(' "$T/strace.log") calls, expected 3 (the host netns, in and out of the instance's)"
}
