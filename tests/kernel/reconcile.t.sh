# SPDX-License-Identifier: GPL-2.0-only
# The reconciler against a real kernel, observed with ip -j, ethtool and strace.

test_apply_from_scratch() {
	write_conf
	expect_rc 0 nsping apply
	[ -e "/run/netns/$PINGNS" ] || fail "no /run/netns/$PINGNS"
	ip -n "$NODE" -j link show "$HOSTVETH" | jq -e '.[0].flags | index("UP")' >/dev/null ||
		fail "host veth not up"
	ip -n "$NODE" -j link show "$HOSTVETH" | jq -e ".[0].ifalias == \"nsping:t$ID\"" >/dev/null ||
		fail "host veth not marked"
	peer_json | jq -e ".address == \"$NODE_MAC\" and (.flags | index(\"UP\")) and .ifalias == \"nsping:t$ID\"" >/dev/null ||
		fail "peer: $(peer_json)"
	ip -n "$PINGNS" -j link show lo | jq -e ".[0].ifalias == \"nsping:t$ID\"" >/dev/null ||
		fail "netns not marked"
	ip -n "$PINGNS" -j addr show "$PEER" |
		jq -e '[.[0].addr_info[] | select(.family == "inet") | "\(.local)/\(.prefixlen)"] == ["10.99.0.2/24"]' >/dev/null ||
		fail "address: $(ip -n "$PINGNS" -br addr)"
	ip -n "$PINGNS" -j route show default |
		jq -e ".[0].gateway == \"10.99.0.1\" and .[0].dev == \"$PEER\" and .[0].protocol == \"78\"" >/dev/null ||
		fail "route: $(ip -n "$PINGNS" route)"
	ip -n "$PINGNS" -j neigh show 10.99.0.1 |
		jq -e ".[0].lladdr == \"$GW_MAC\" and (.[0].state | index(\"PERMANENT\"))" >/dev/null ||
		fail "neighbor: $(ip -n "$PINGNS" neigh)"
	ip netns exec "$PINGNS" ethtool -k "$PEER" | grep -q '^generic-receive-offload: on' ||
		fail "GRO not on"
	ip netns exec "$PINGNS" ethtool -k "$PEER" | grep -q '^tx-checksumming: off' ||
		fail "tx checksumming not off"
	expect_rc 0 nsping plan --detailed-exitcode
	grep -q "No changes" "$STATE/out" || fail "plan after apply: $(cat "$STATE/out")"
}

test_noop_rerun_sends_nothing() {
	write_conf
	expect_rc 0 nsping apply
	expect_rc 0 nsping --json apply
	jq -e '.requests == 0 and .converged and (.changes | length) == 0' "$STATE/out" >/dev/null ||
		fail "rerun: $(cat "$STATE/out")"
	# An independent count: no changing netlink message and no ethtool set leaves the process.
	nsping_traced sendmsg,sendto,ioctl apply >/dev/null || fail "apply under strace failed"
	# strace can't name the types of sockets made in another netns: match numbers too
	# (RTM_GETLINK 0x12; NEW/DEL/SET LINK 0x10 0x11 0x13, ADDR 0x14 0x15,
	# ROUTE 0x18 0x19, NEIGH 0x1c 0x1d)
	grep -qE 'RTM_GETLINK|nlmsg_type=0x12' "$STATE/strace" || fail "strace saw no netlink at all"
	if grep -E 'RTM_(NEW|DEL|SET)|nlmsg_type=0x1[0134589cd][^0-9a-f]' "$STATE/strace"; then
		fail "a converged rerun sent changing requests"
	fi
}

# A plan that apply refuses (an error here: the uplink is missing; a conflict
# alike) is the whole output: one JSON document, the plan with its errors, no
# "requests" or "converged" after it; nothing is created.
test_refused_apply_prints_one_json_document() {
	write_conf
	sed -i 's/uplink = "eth0";/uplink = "eth9";/' "$CONF"
	expect_rc 1 nsping --json apply
	[ "$(jq -s length "$STATE/out")" = 1 ] ||
		fail "$(jq -s length "$STATE/out") JSON documents: $(cat "$STATE/out")"
	jq -e '(.errors | length) > 0 and (has("requests") or has("converged") | not)' \
		"$STATE/out" >/dev/null || fail "$(cat "$STATE/out")"
	[ ! -e "/run/netns/$PINGNS" ] || fail "the refused apply created the netns"
}

# README "Development": a plain build against the system's libraries, and
# --version prints the version of VERSION (the package's too).
test_binary_is_the_plain_build() {
	local lib
	readelf -dW "$NSPING" >"$STATE/dyn" 2>&1 || fail "readelf -d failed"
	for lib in libbpf.so.1 libnl-3.so.200 libnl-route-3.so.200 libconfig.so.9; do
		grep -q "NEEDED.*\[$lib\]" "$STATE/dyn" || fail "not linked against $lib: $(grep NEEDED "$STATE/dyn")"
	done
	expect_rc 0 "$NSPING" --version
	[ "$(cat "$STATE/out")" = "nsping $(cat VERSION)" ] ||
		fail "--version printed '$(cat "$STATE/out")', VERSION says $(cat VERSION)"
}

# -v: where the time went, on stderr; each applied change with its time and the
# requests so far, the last count matching the summary's. Without -v: none of it.
test_verbose_apply_says_where_the_time_went() {
	local n
	write_conf
	nsping -v apply >"$STATE/v.out" 2>"$STATE/v.err" || fail "apply -v: $(cat "$STATE/v.err")"
	grep -qE '^nsping: observed 1 instance in [0-9.]+ ms$' "$STATE/v.err" &&
		grep -qE '^nsping: planned [1-9][0-9]* changes, 0 conflicts in [0-9.]+ ms$' "$STATE/v.err" &&
		grep -q '^nsping: verifying$' "$STATE/v.err" || fail "-v trace: $(cat "$STATE/v.err")"
	n=$(grep -cE '^  [-+~] .*  \([0-9.]+ ms; kernel requests so far: [0-9]+\)$' "$STATE/v.out")
	[ "$n" -ge 7 ] || fail "-v changes without times: $(cat "$STATE/v.out")"
	n=$(sed -nE 's/.*kernel requests so far: ([0-9]+)\)$/\1/p' "$STATE/v.out" | tail -1)
	grep -q "($n kernel requests); verified" "$STATE/v.out" ||
		fail "last count $n is not the summary's: $(tail -1 "$STATE/v.out")"
	nsping destroy >/dev/null 2>&1
	nsping apply >"$STATE/q.out" 2>"$STATE/q.err" || fail "apply: $(cat "$STATE/q.err")"
	[ ! -s "$STATE/q.err" ] && ! grep -q 'ms;' "$STATE/q.out" ||
		fail "timings without -v: $(cat "$STATE/q.out" "$STATE/q.err")"
}

# drift_case SETUP EXPECTED_OPS: break one thing, expect exactly that plan, repair it.
drift_case() {
	local inode ifindex
	write_conf
	expect_rc 0 nsping apply
	inode=$(netns_inode) ifindex=$(host_ifindex)
	eval "$1" || fail "could not make the drift: $1"
	[ "$(plan_ops)" = "$2" ] || fail "after '$1' the plan is '$(plan_ops)', expected '$2'"
	expect_rc 0 nsping apply
	[ "$(plan_ops)" = "" ] || fail "not converged after repair: $(plan_ops)"
	[ "$(netns_inode)" = "$inode" ] || fail "the netns was recreated"
	[ "$(host_ifindex)" = "$ifindex" ] || fail "the veth was recreated"
}

test_drift_neighbor_deleted() {
	drift_case 'ip -n $PINGNS neigh del 10.99.0.1 dev $PEER' 'create neighbor;'
}

test_drift_neighbor_mac() {
	drift_case 'ip -n $PINGNS neigh replace 10.99.0.1 dev $PEER lladdr 02:00:00:00:00:77 nud permanent' 'update neighbor;'
}

test_drift_peer_mac() {
	# the kernel flushes the neighbors of a device whose address changes
	drift_case 'ip -n $PINGNS link set $PEER address 02:00:00:00:00:09' 'create neighbor;update link;'
	peer_json | jq -e ".address == \"$NODE_MAC\"" >/dev/null || fail "MAC not restored"
}

test_drift_peer_down() {
	# a device going down loses its routes and neighbors in the kernel
	drift_case 'ip -n $PINGNS link set $PEER down' 'create neighbor;create route;update link;'
}

test_drift_host_down() {
	drift_case 'ip -n $NODE link set $HOSTVETH down' 'update link;'
}

test_drift_address_deleted() {
	# the kernel takes the route and the neighbor with the last address
	drift_case 'ip -n $PINGNS addr del 10.99.0.2/24 dev $PEER' 'create address;create neighbor;create route;'
}

test_drift_extra_address() {
	drift_case 'ip -n $PINGNS addr add 10.1.1.1/24 dev $PEER' 'delete address;'
}

test_drift_route_deleted() {
	drift_case 'ip -n $PINGNS route del default' 'create route;'
}

test_drift_route_other_gateway() {
	drift_case 'ip -n $PINGNS route replace default via 10.99.0.254 dev $PEER onlink proto 78' 'update route;'
}

test_drift_gro_off() {
	drift_case 'ip netns exec $PINGNS ethtool -K $PEER gro off' 'update offload;'
}

test_drift_tx_checksum_on() {
	drift_case 'ip netns exec $PINGNS ethtool -K $PEER tx on' 'update offload;'
}

test_config_change_mac() {
	write_conf
	expect_rc 0 nsping apply
	write_conf 'mac = "02:00:00:00:00:42";'
	[ "$(plan_ops)" = "create neighbor;update link;" ] || fail "plan: $(plan_ops)"
	expect_rc 0 nsping apply
	peer_json | jq -e '.address == "02:00:00:00:00:42"' >/dev/null || fail "MAC: $(peer_json)"
}

# A new veth.host name renames the veth in place: the same ifindex, peer,
# addresses and programs; nothing is recreated.
test_config_change_veth_host_is_a_rename() {
	local ifindex
	write_conf
	expect_rc 0 nsping apply
	ifindex=$(ip -n "$NODE" -j link show "vh$ID" | jq -r '.[0].ifindex')
	sed -i "s/host = \"vh$ID\"/host = \"vr$ID\"/" "$CONF"
	[ "$(plan_ops)" = "update link;" ] || fail "plan: $(plan_ops)"
	expect_rc 0 nsping apply
	[ "$(ip -n "$NODE" -j link show "vr$ID" | jq -r '.[0].ifindex')" = "$ifindex" ] ||
		fail "not renamed in place: $(ip -n "$NODE" -br link)"
	ip -n "$NODE" link show "vh$ID" >/dev/null 2>&1 && fail "the old name is still there"
	ip -n "$NODE" -j link show "vr$ID" | jq -e '.[0].flags | index("UP")' >/dev/null ||
		fail "renamed veth not up"
	[ "$(plan_ops)" = "" ] || fail "not converged: $(plan_ops)"
}

test_two_instances_and_destroy() {
	local before
	before=$(snapshot "$NODE")
	write_conf "" 1
	expect_rc 0 nsping apply
	ip -n "${PINGNS}2" -j addr show "wn$ID" | jq -e '.[0].addr_info[] | select(.local == "10.99.0.3")' >/dev/null ||
		fail "second instance missing"
	ip -n "$PINGNS" -j link show "wn$ID" >/dev/null 2>&1 && fail "instances share a netns"
	expect_rc 0 nsping destroy
	[ -e "/run/netns/$PINGNS" ] && fail "netns left after destroy"
	[ -e "/run/netns/${PINGNS}2" ] && fail "second netns left after destroy"
	[ "$(snapshot "$NODE")" = "$before" ] || fail "destroy left the node different"
	expect_rc 0 nsping --json destroy
	jq -e '.requests == 0 and (.changes | length) == 0' "$STATE/out" >/dev/null ||
		fail "second destroy: $(cat "$STATE/out")"
}

test_foreign_link_is_a_conflict() {
	local before
	write_conf
	ip -n "$NODE" link add "$HOSTVETH" type veth peer name "x$ID"
	before=$(snapshot "$NODE")
	expect_rc 3 nsping plan
	grep -q "conflict" "$STATE/out" || fail "plan shows no conflict"
	expect_rc 3 nsping apply
	[ "$(snapshot "$NODE")" = "$before" ] || fail "apply changed the node"
	[ -e "/run/netns/$PINGNS" ] && fail "apply created the netns despite the conflict"
	expect_rc 0 nsping destroy
	ip -n "$NODE" link show "$HOSTVETH" >/dev/null 2>&1 || fail "destroy removed a foreign link"
}

# RTM_GETLINK by name matches an altname too, as `ip link show NAME` does.
# An uplink named by its altname is the uplink: its MAC and address are
# inherited, and the rerun is converged.
test_uplink_by_altname() {
	write_conf
	ip -n "$NODE" link property add dev eth0 altname "up$ID"
	ip -n "$NODE" addr del 10.99.0.2/24 dev eth0
	ip -n "$NODE" addr add 10.99.0.9/24 dev eth0
	sed -i "s/uplink = \"eth0\";/uplink = \"up$ID\"; mac = \"inherit\";/" "$CONF"
	sed -i 's#address = "10.99.0.2/24";#address = "inherit";#' "$CONF"
	expect_rc 0 nsping apply
	[ "$(peer_json | jq -r .address)" = "$NODE_MAC" ] ||
		fail "peer MAC $(peer_json | jq -r .address), uplink's $NODE_MAC"
	ip -n "$PINGNS" -j addr show "$PEER" |
		jq -e '[.[0].addr_info[] | select(.family == "inet") | "\(.local)/\(.prefixlen)"] == ["10.99.0.9/24"]' >/dev/null ||
		fail "address: $(ip -n "$PINGNS" -br addr)"
	expect_rc 0 nsping --json apply
	jq -e '.requests == 0 and .converged' "$STATE/out" >/dev/null || fail "rerun: $(cat "$STATE/out")"
}

# A host veth name that is a foreign link's altname is that link: a conflict
# that names it, and nothing changes.
test_foreign_altname_is_a_conflict() {
	local before
	write_conf
	ip -n "$NODE" link property add dev eth0 altname "$HOSTVETH"
	before=$(snapshot "$NODE")
	expect_rc 3 nsping apply
	grep -q "link $HOSTVETH (an altname of eth0) exists in the host netns" "$STATE/out" ||
		fail "conflict not named: $(cat "$STATE/out")"
	[ "$(snapshot "$NODE")" = "$before" ] || fail "apply changed the node"
	[ -e "/run/netns/$PINGNS" ] && fail "apply created the netns despite the conflict"
	expect_rc 0 nsping destroy
	ip -n "$NODE" -j link show eth0 | jq -e ".[0].altnames | index(\"$HOSTVETH\")" >/dev/null ||
		fail "destroy touched eth0: $(ip -n "$NODE" -j link show eth0)"
}

test_foreign_netns_is_a_conflict() {
	local before
	write_conf
	ip netns add "$PINGNS"
	before=$(snapshot "$PINGNS")
	expect_rc 3 nsping apply
	[ "$(snapshot "$PINGNS")" = "$before" ] || fail "apply changed the foreign netns"
	ip -n "$NODE" link show "$HOSTVETH" >/dev/null 2>&1 && fail "apply created the veth"
	expect_rc 0 nsping destroy
	[ -e "/run/netns/$PINGNS" ] || fail "destroy removed a foreign netns"
}

test_bad_configs_change_nothing() {
	local before f
	before=$(snapshot "$NODE")
	for f in tests/configs/bad/syntax-*.conf tests/configs/bad/*unknown*.conf tests/configs/bad/mac-*.conf; do
		[ -e "$f" ] || continue
		"$NSPING" -c "$f" --host-netns "$NODE" --state-dir "$STATE" apply >/dev/null 2>"$STATE/err"
		[ $? -eq 65 ] || fail "$f: not exit 65"
		grep -qE "^$f:[0-9]+: " "$STATE/err" || fail "$f: no FILE:LINE in: $(cat "$STATE/err")"
	done
	[ "$(snapshot "$NODE")" = "$before" ] || fail "a bad config changed the node"
}

# A kernel request fails in the middle of apply (strace injects EIO into the
# 6th sendmsg); the next run completes the job.
test_failure_mid_apply_is_repaired() {
	write_conf
	strace -f -qq -o /dev/null -e trace=sendmsg -e inject=sendmsg:error=EIO:when=6 \
		"$NSPING" -c "$CONF" --host-netns "$NODE" --state-dir "$STATE" apply >/dev/null 2>&1
	[ $? -eq 1 ] || fail "the injected failure did not fail apply"
	[ -n "$(plan_ops)" ] || fail "nothing left to do after a failed apply?"
	expect_rc 0 nsping apply
	[ "$(plan_ops)" = "" ] || fail "not converged: $(plan_ops)"
}

# The host's addresses are read only for address = "inherit": a rerun dumps
# the addresses of the instance's netns, and the host's only when it inherits.
test_host_addresses_read_only_for_inherit() {
	local n
	write_conf
	expect_rc 0 nsping apply
	nsping_traced sendmsg apply >/dev/null || fail "apply under strace failed"
	n=$(grep -cE 'RTM_GETADDR|nlmsg_type=0x16[^0-9a-f]' "$STATE/strace")
	[ "$n" = 1 ] || fail "$n address dumps without inherit, expected 1 (the netns')"
	sed -i 's#address = "10.99.0.2/24";#address = "inherit";#' "$CONF"
	nsping_traced sendmsg apply >/dev/null || fail "apply under strace failed"
	n=$(grep -cE 'RTM_GETADDR|nlmsg_type=0x16[^0-9a-f]' "$STATE/strace")
	[ "$n" = 2 ] || fail "$n address dumps with inherit, expected 2 (the host's, the netns')"
	[ "$(plan_ops)" = "" ] || fail "not converged: $(plan_ops)"
}

# A netlink request whose send fails ends the run with exit 1 and names what
# was being read; nothing waits for an answer that cannot come. (libnl 3.7's
# link cache once dropped the error of its failed send and waited; the
# socket's receive timeout still bounds any wait. `timeout 60` only guards
# against a hang; it is no performance limit.)
test_failed_dump_request_does_not_hang() {
	local rc when
	write_conf
	# the four reads of the host: uplink, its address (for "inherit"), host
	# veth, and (the veth is missing) the dump that looks for it renamed
	sed -i 's#address = "10.99.0.2/24";#address = "inherit";#' "$CONF"
	for when in 1 2 3 4; do
		failed_send_apply "$when"
	done
	[ "$(grep -c "reading the host netns" "$STATE/err")" = 4 ] ||
		fail "not every failure is named: $(cat "$STATE/err")"
	# a rerun finds the veth: it looks for an unbound program of ours in the
	# tc slots of the veth and the uplink (sends 4, 5), then reads the netns:
	# its links, addresses, routes, neighbors (6-9)
	expect_rc 0 nsping apply
	: >"$STATE/err"
	for when in 4 5; do
		failed_send_apply "$when"
	done
	[ "$(grep -c "querying the programs of t$ID" "$STATE/err")" = 2 ] ||
		fail "not every failure is named: $(cat "$STATE/err")"
	: >"$STATE/err"
	for when in 6 7 8 9; do
		failed_send_apply "$when"
	done
	[ "$(grep -c "reading netns $PINGNS" "$STATE/err")" = 4 ] ||
		fail "not every failure is named: $(cat "$STATE/err")"
	expect_rc 0 nsping apply
	[ "$(plan_ops)" = "" ] || fail "not converged: $(plan_ops)"
}
# failed_send_apply N: apply with its Nth sendmsg failing (ENOBUFS) exits 1,
# and does not wait for an answer that cannot come (timeout(1) would say 124);
# its stderr is appended to $STATE/err.
failed_send_apply() {
	local rc
	timeout -k 5 60 strace -f -qq -o /dev/null -e trace=sendmsg \
		-e inject=sendmsg:error=ENOBUFS:when=$1 \
		"$NSPING" -c "$CONF" --host-netns "$NODE" --state-dir "$STATE" apply \
		>/dev/null 2>>"$STATE/err"
	rc=$?
	[ "$rc" -eq 1 ] || fail "apply with send $1 failing exited $rc, expected 1: $(cat "$STATE/err")"
}

# A destroy killed between umount2 and unlink leaves /run/netns/NAME as an
# empty plain file: the next destroy removes it, and an apply reuses it.
test_stale_netns_mount_point() {
	write_conf
	expect_rc 0 nsping apply
	expect_rc 0 nsping destroy
	touch "/run/netns/$PINGNS"
	nsping plan --destroy | grep -q "netns $PINGNS" || fail "plan --destroy ignores the stale name"
	expect_rc 0 nsping destroy
	[ -e "/run/netns/$PINGNS" ] && fail "destroy left /run/netns/$PINGNS"
	touch "/run/netns/$PINGNS"
	expect_rc 0 nsping apply
	ip netns exec "$PINGNS" true || fail "apply did not make a namespace of the stale name"
	[ "$(plan_ops)" = "" ] || fail "not converged: $(plan_ops)"
}

test_lock_bounded_wait() {
	write_conf
	flock "$STATE/lock" sleep 5 &
	sleep 0.3
	expect_rc 75 "$NSPING" -c "$CONF" --host-netns "$NODE" --state-dir "$STATE" --lock-wait 1 apply
	kill %1 2>/dev/null
	wait
}

test_validate_touches_nothing() {
	local before
	write_conf
	before=$(snapshot "$NODE")
	expect_rc 0 nsping validate
	[ "$(snapshot "$NODE")" = "$before" ] || fail "validate changed the node"
	[ -e "/run/netns/$PINGNS" ] && fail "validate created the netns"
	true
}

test_plan_json_matches_schema() {
	write_conf
	nsping --json plan >"$STATE/plan.json"
	/usr/bin/python3 tests/schema/check_json.py schema/plan.schema.json "$STATE/plan.json" ||
		fail "plan JSON does not match the schema"
	jq -e '(.summary.create == ([.changes[] | select(.op == "create")] | length)) and
	       (.summary.update == ([.changes[] | select(.op == "update")] | length))' \
		"$STATE/plan.json" >/dev/null || fail "summary disagrees with changes"
	expect_rc 0 nsping --json apply
	/usr/bin/python3 tests/schema/check_json.py schema/plan.schema.json "$STATE/out" ||
		fail "apply JSON does not match the schema"
}
