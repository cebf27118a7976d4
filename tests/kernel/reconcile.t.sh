# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
# The reconciler against a real kernel, observed with ip -j, ethtool and strace.
# (Building, every drift, the no-op rerun, conflicts, the lock and interrupted
# applies are the contract suite's: tests/integration/contract/.)

# A plan that apply refuses (an error here: the uplink is missing; a conflict
# alike) is the whole output: one JSON document, the plan with its errors, no
# "requests" or "converged" after it; nothing is created (README.md, "JSON").
test_refused_apply_prints_one_json_document() {
	lab_up
	write_conf 1
	conf_edit 's/uplink  = "eth0";/uplink  = "eth9";/'
	expect_rc 1 nsp --json apply
	[ "$(jq -s length "$T/out")" = 1 ] ||
		fail "$(jq -s length "$T/out") JSON documents: $(cat "$T/out")"
	jq -e '(.errors | length) > 0 and (has("requests") or has("converged") | not)' \
		"$T/out" >/dev/null || fail "$(cat "$T/out")"
	[ ! -e "/run/netns/$PINGNS" ] || fail "the refused apply created the netns"
}

# README "Development": a plain build against the system's libraries, and
# --version prints the version of VERSION (the package's too).
test_binary_is_the_plain_build() {
	local lib
	readelf -dW "$NSPING" >"$T/dyn" 2>&1 || fail "readelf -d failed"
	for lib in libbpf.so.1 libnl-3.so.200 libnl-route-3.so.200 libconfig.so.9; do
		grep -q "NEEDED.*\[$lib\]" "$T/dyn" || fail "not linked against $lib: $(grep NEEDED "$T/dyn")"
	done
	expect_rc 0 "$NSPING" --version
	[ "$(cat "$T/out")" = "nsping $(cat VERSION)" ] ||
		fail "--version printed '$(cat "$T/out")', VERSION says $(cat VERSION)"
}

# -v: where the time went, on stderr; each applied change with its time and the
# requests so far, the last count matching the summary's. Without -v: none of it.
test_verbose_apply_says_where_the_time_went() {
	local n
	lab_up
	write_conf 1
	expect_rc 0 nsp -v apply
	grep -qE '^nsping: observed 1 instance in [0-9.]+ ms$' "$T/err" &&
		grep -qE '^nsping: planned [1-9][0-9]* changes, 0 conflicts in [0-9.]+ ms$' "$T/err" &&
		grep -q '^nsping: verifying$' "$T/err" || fail "-v trace: $(cat "$T/err")"
	n=$(grep -cE '^  [-+~] .*  \([0-9.]+ ms; kernel requests so far: [0-9]+\)$' "$T/out")
	[ "$n" -ge 7 ] || fail "-v changes without times: $(cat "$T/out")"
	n=$(sed -nE 's/.*kernel requests so far: ([0-9]+)\)$/\1/p' "$T/out" | tail -1)
	grep -q "($n kernel requests); verified" "$T/out" ||
		fail "last count $n is not the summary's: $(tail -1 "$T/out")"
	expect_rc 0 nsp destroy
	expect_rc 0 nsp apply
	[ ! -s "$T/err" ] && ! grep -q 'ms;' "$T/out" ||
		fail "timings without -v: $(cat "$T/out" "$T/err")"
}

# A new veth.host name renames the veth in place: the same ifindex, peer,
# addresses and programs; nothing is recreated.
test_config_change_veth_host_is_a_rename() {
	local ifindex
	lab_up
	write_conf 1
	expect_rc 0 nsp apply
	ifindex=$(ifindex_of "$NODE" "$HOSTVETH")
	conf_edit "s/host = \"$HOSTVETH\"/host = \"vr$ID\"/"
	expect_plan update:link
	expect_attr update link name
	expect_rc 0 nsp apply
	[ "$(ifindex_of "$NODE" "vr$ID")" = "$ifindex" ] ||
		fail "not renamed in place: $(ip -n "$NODE" -br link)"
	ip -n "$NODE" link show "$HOSTVETH" >/dev/null 2>&1 && fail "the old name is still there"
	ip -n "$NODE" -j link show "vr$ID" | jq -e '.[0].flags | index("UP")' >/dev/null ||
		fail "renamed veth not up"
	expect_plan_empty
}

# RTM_GETLINK by name matches an altname too, as `ip link show NAME` does.
# An uplink named by its altname is the uplink: its MAC and address are
# inherited, and the rerun is converged.
test_uplink_by_altname() {
	lab_up
	write_conf 1
	ip -n "$NODE" link property add dev eth0 altname "up$ID" || fail "lab: altname"
	ip -n "$NODE" addr del 10.99.0.2/24 dev eth0
	ip -n "$NODE" addr add 10.99.0.9/24 dev eth0
	conf_edit "s/uplink  = \"eth0\";/uplink  = \"up$ID\";/"
	conf_edit 's#address = "10.99.0.2/24";#address = "inherit";#'
	expect_rc 0 nsp apply
	check_instance 1 "$NODE_MAC" 10.99.0.9/24
	expect_rc 0 nsp --json apply
	jq -e '.requests == 0 and .converged' "$T/out" >/dev/null || fail "rerun: $(cat "$T/out")"
}

# A host veth name that is a foreign link's altname is that link: a conflict
# that names it, and nothing changes.
test_foreign_altname_is_a_conflict() {
	lab_up
	write_conf 1
	ip -n "$NODE" link property add dev eth0 altname "$HOSTVETH" || fail "lab: altname"
	snapshot before
	expect_rc 3 nsp apply
	grep -q "link $HOSTVETH (an altname of eth0) exists in the host netns" "$T/out" ||
		fail "conflict not named: $(cat "$T/out")"
	snapshot after
	same_snapshot before after "apply with a conflict changed something"
	[ -e "/run/netns/$PINGNS" ] && fail "apply created the netns despite the conflict"
	expect_rc 0 nsp destroy
	ip -n "$NODE" -j link show eth0 | jq -e ".[0].altnames | index(\"$HOSTVETH\")" >/dev/null ||
		fail "destroy touched eth0: $(ip -n "$NODE" -j link show eth0)"
}

# The corpus of bad files (tests/configs/bad/: syntax, unknown keys, MACs),
# handed to apply: exit 65 with FILE:LINE, no kernel change.
test_bad_configs_change_nothing() {
	local f n=0
	lab_up
	snapshot before
	for f in tests/configs/bad/syntax-*.conf tests/configs/bad/*unknown*.conf tests/configs/bad/mac-*.conf; do
		[ -e "$f" ] || continue
		expect_rc 65 "$NSPING" -c "$f" --host-netns "$NODE" --state-dir "$STATE" apply
		grep -qE "^$f:[0-9]+: " "$T/err" || fail "$f: no FILE:LINE in: $(cat "$T/err")"
		n=$((n + 1))
	done
	[ "$n" -ge 5 ] || fail "only $n bad files matched: the corpus moved?"
	snapshot after
	same_snapshot before after "a bad config changed something"
}

# The host's addresses are read only for address = "inherit": a rerun dumps
# the addresses of the instance's netns, and the host's only when it inherits.
test_host_addresses_read_only_for_inherit() {
	local n
	lab_up
	write_conf 1
	expect_rc 0 nsp apply
	nsp_strace sendmsg apply
	n=$(grep -cE 'RTM_GETADDR|nlmsg_type=0x16[^0-9a-f]' "$T/strace.log")
	[ "$n" = 1 ] || fail "$n address dumps without inherit, expected 1 (the netns')"
	conf_edit 's#address = "10.99.0.2/24";#address = "inherit";#'
	nsp_strace sendmsg apply
	n=$(grep -cE 'RTM_GETADDR|nlmsg_type=0x16[^0-9a-f]' "$T/strace.log")
	[ "$n" = 2 ] || fail "$n address dumps with inherit, expected 2 (the host's, the netns')"
	expect_plan_empty
}

# A netlink request whose send fails ends the run with exit 1 and names what
# was being read; nothing waits for an answer that cannot come (libnl 3.7's
# link cache once dropped the error of its failed send and waited; a hang
# would be this test's timeout in tests/run.sh).
test_failed_dump_request_does_not_hang() {
	local when
	lab_up
	write_conf 1
	# the four reads of the host: uplink, its address (for "inherit"), host
	# veth, and (the veth is missing) the dump that looks for it renamed
	conf_edit 's#address = "10.99.0.2/24";#address = "inherit";#'
	: >"$T/errs"
	for when in 1 2 3 4; do
		failed_send_apply "$when"
	done
	[ "$(grep -c "reading the host netns" "$T/errs")" = 4 ] ||
		fail "not every failure is named: $(cat "$T/errs")"
	# a rerun finds the veth: it looks for an unbound program of ours in the
	# tc slots of the veth and the uplink (sends 4, 5), then reads the netns:
	# its links, addresses, routes, neighbors (6-9)
	expect_rc 0 nsp apply
	: >"$T/errs"
	for when in 4 5; do
		failed_send_apply "$when"
	done
	[ "$(grep -c "querying the programs of $INST" "$T/errs")" = 2 ] ||
		fail "not every failure is named: $(cat "$T/errs")"
	: >"$T/errs"
	for when in 6 7 8 9; do
		failed_send_apply "$when"
	done
	[ "$(grep -c "reading netns $PINGNS" "$T/errs")" = 4 ] ||
		fail "not every failure is named: $(cat "$T/errs")"
	expect_rc 0 nsp apply
	expect_plan_empty
}
# failed_send_apply N: apply with its Nth sendmsg failing (ENOBUFS) exits 1;
# its stderr is appended to $T/errs.
failed_send_apply() {
	local rc
	strace -f -qq -o /dev/null -e trace=sendmsg -e inject=sendmsg:error=ENOBUFS:when="$1" \
		"$NSPING" -c "$CONF" --host-netns "$NODE" --state-dir "$STATE" apply \
		>/dev/null 2>>"$T/errs"
	rc=$?
	[ "$rc" -eq 1 ] || fail "apply with send $1 failing exited $rc, expected 1: $(cat "$T/errs")"
}

# A destroy killed between umount2 and unlink leaves /run/netns/NAME as an
# empty plain file: the next destroy removes it, and an apply reuses it.
test_stale_netns_mount_point() {
	lab_up
	write_conf 1
	expect_rc 0 nsp apply
	expect_rc 0 nsp destroy
	# what an interrupted create of nsping's leaves: an empty file of mode 0400
	install -m 0400 /dev/null "/run/netns/$PINGNS"
	expect_rc 0 nsp plan --destroy
	grep -q "netns $PINGNS" "$T/out" || fail "plan --destroy ignores the stale name: $(cat "$T/out")"
	expect_rc 0 nsp destroy
	[ -e "/run/netns/$PINGNS" ] && fail "destroy left /run/netns/$PINGNS"
	install -m 0400 /dev/null "/run/netns/$PINGNS"
	expect_rc 0 nsp apply
	ip netns exec "$PINGNS" true || fail "apply did not make a namespace of the stale name"
	check_instance 1 "$NODE_MAC"
	expect_plan_empty
	expect_rc 0 nsp destroy
	# an empty file of another mode is not ours (ip netns add makes its mount
	# point with mode 0 before it mounts): a conflict, left alone
	install -m 0 /dev/null "/run/netns/$PINGNS"
	expect_rc 3 nsp apply
	grep -q "is not nsping's" "$T/err" || fail "apply over a foreign mount point: $(cat "$T/err")"
	[ "$(stat -c %a "/run/netns/$PINGNS")" = 0 ] || fail "the foreign mount point was touched"
	rm -f "/run/netns/$PINGNS"
}
