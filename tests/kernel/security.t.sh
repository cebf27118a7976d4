# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
# What others can put in nsping's way on the file system (docs/DESIGN.md,
# "Threat model"): a state dir that is a symlink is refused, not written
# through; and what a sandbox of systemd's does to the file system side of a
# named netns.

test_state_dir_symlink_refused() {
	lab_up
	write_conf 1
	mkdir -p "$T/elsewhere"
	ln -s "$T/elsewhere" "$T/link"
	"$NSPING" -c "$CONF" --host-netns "$NODE" --state-dir "$T/link" apply >"$T/out" 2>"$T/err"
	[ $? = 1 ] || fail "apply with a symlinked state dir exited $?, expected 1"
	grep -q "the state dir is a symlink" "$T/err" || fail "stderr: $(cat "$T/err")"
	[ -z "$(ls -A "$T/elsewhere")" ] || fail "written through the symlink: $(ls -A "$T/elsewhere")"
	netns_exists "$PINGNS" && fail "the refused apply created the netns"
	true
}

# A sandboxed nsping (systemd's ProtectSystem= and the like give nsping.service
# a mount namespace of its own, a slave of the host's, with /run read-only)
# still names its netns where the host and iproute2 see them: in PID 1's mount
# namespace (common/netns.c). The test's "host" is a pid and mount namespace
# of its own whose PID 1 is a shell, /run/netns shared as on a systemd host;
# the sandbox is a mount namespace made from it as systemd makes one: a slave
# (the host's mounts reach it, its own do not go back), /run/netns read-only.
# Everything mounted in the "host" goes with it when its last process ends.
test_a_sandboxed_nsping_names_its_netns_on_the_host() {
	local r
	lab_up
	write_conf 1
	cat >"$T/host.sh" <<'INNER'
set -u
sandboxed() {
	unshare --mount --propagation slave -- \
		sh -c 'mount -o remount,bind,ro /run/netns && exec "$@"' sandboxed "$@"
}
nsp() { "$NSPING" -c "$CONF" --host-netns "$NODE" --state-dir "$STATE" "$@"; }
listed() { ip netns list | awk '{print $1}' | grep -qxF "$PINGNS"; }
mount --make-shared /run/netns || exit 90
# the sandbox cannot write /run/netns itself
sandboxed touch "/run/netns/$PINGNS.x" 2>/dev/null && exit 91
sandboxed "$NSPING" -c "$CONF" --host-netns "$NODE" --state-dir "$STATE" apply >"$T/apply.out" 2>"$T/apply.err"
echo "apply $?"
listed && echo "listed-after-apply"
ip -n "$PINGNS" -j link show dev "$PEER" | jq -r '.[0].ifalias // empty'
nsp plan --detailed-exitcode >"$T/plan.out" 2>&1
echo "plan $?"
sandboxed "$NSPING" -c "$CONF" --host-netns "$NODE" --state-dir "$STATE" destroy >"$T/destroy.out" 2>"$T/destroy.err"
echo "destroy $?"
listed && echo "listed-after-destroy"
[ -e "/run/netns/$PINGNS" ] && echo "left-behind"
exit 0
INNER
	NSPING=$NSPING CONF=$CONF NODE=$NODE STATE=$STATE PINGNS=$PINGNS PEER=$PEER \
		unshare --pid --fork --mount --propagation slave --mount-proc bash "$T/host.sh" >"$T/host.out" 2>"$T/host.err"
	r=$?
	sed 's/^/  host| /' "$T/host.out" "$T/host.err" "$T"/apply.err "$T"/destroy.err >&2 2>/dev/null
	[ "$r" = 0 ] || fail "the sandbox's host exited $r: $(tr '\n' '|' <"$T/host.err")"
	grep -qx "apply 0" "$T/host.out" || fail "sandboxed apply: $(grep apply "$T/host.out") $(tr '\n' '|' <"$T/apply.err")"
	grep -qx "listed-after-apply" "$T/host.out" || fail "the host's ip netns list does not show $PINGNS"
	grep -qx "nsping:$INST" "$T/host.out" || fail "the host does not see $PEER marked in $PINGNS"
	grep -qx "plan 0" "$T/host.out" || fail "plan on the host after the sandboxed apply: $(tr '\n' '|' <"$T/plan.out")"
	grep -qx "destroy 0" "$T/host.out" || fail "sandboxed destroy: $(tr '\n' '|' <"$T/destroy.err")"
	! grep -qx "listed-after-destroy" "$T/host.out" || fail "$PINGNS still listed on the host after destroy"
	! grep -qx "left-behind" "$T/host.out" || fail "/run/netns/$PINGNS left on the host after destroy"
}
