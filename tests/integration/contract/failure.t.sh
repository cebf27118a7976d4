# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
# Interrupted and failed applies leave a state the next apply completes
# (README.md, "Ownership": a failed or interrupted apply leaves a state that
# the next apply completes). Sourced by run.sh.

# converges WHAT: a plain apply exits 0 and leaves a complete instance 1 and
# an empty plan.
converges() {
	nspx apply
	[ "$RC" -eq 0 ] || fail "$1: the next apply exits $RC: $(head -n 2 "$T/err" | tr '\n' '|')"
	check_instance 1 "$NODE_MAC"
	nspx plan --detailed-exitcode
	[ "$RC" -eq 0 ] || fail "$1: plan after the repairing apply exits $RC: $(tr '\n' '|' <"$T/out" | head -c 300)"
}

# killed WHAT CMD...: CMD, nsping under strace's SIGKILL injection, must end
# by that SIGKILL (exit 137): a run that finished, or failed otherwise, was
# not interrupted where the test says.
killed() {
	local what=$1 rc
	shift
	"$@" >/dev/null 2>"$T/killed.err"
	rc=$?
	[ "$rc" -eq 137 ] || fail "$what: exit $rc, expected 137 (SIGKILL): $(head -c 300 "$T/killed.err")"
}

# destroys_all WHAT: destroy exits 0 and leaves nothing of the instance.
destroys_all() {
	local left
	nspx destroy
	[ "$RC" -eq 0 ] || fail "$1: destroy exits $RC: $(head -n 2 "$T/err" | tr '\n' '|')"
	left=$(my_netns p | tr '\n' ' ')
	[ -z "$left" ] || fail "$1: destroy left $left"
	[ "$(node_links)" = "eth0 lo" ] || fail "$1: NODE links after destroy: $(node_links)"
}

# 9a. the veth deleted between runs (from either end): recreated in the same
# netns, nothing else touched
veth_deleted() {
	local ino
	lab_up drop
	write_conf 1
	apply_ok
	ino=$(netns_inode "$(inst_ns 1)")
	eval "$1" || fail "could not delete the veth"
	[ -z "$(ifindex_of "$NODE" "$(inst_host 1)")" ] || fail "lab: the host end survived"
	plan_clean
	jq -e 'all(.changes[]; .kind != "netns" and .op != "delete")' "$T/plan.json" >/dev/null ||
		fail "plan after the veth was deleted: $(plan_ops)"
	jq -e 'any(.changes[]; .op == "create" and .kind == "link")' "$T/plan.json" >/dev/null ||
		fail "plan after the veth was deleted creates no link: $(plan_ops)"
	converges "veth deleted"
	[ "$(netns_inode "$(inst_ns 1)")" = "$ino" ] || fail "the netns was recreated"
}
# shellcheck disable=SC2016 # evaluated by veth_deleted
test_peer_deleted_between_runs() { veth_deleted 'ip -n "$(inst_ns 1)" link del "$(inst_peer 1)"'; }
# shellcheck disable=SC2016
test_host_veth_deleted_between_runs() { veth_deleted 'ip -n "$NODE" link del "$(inst_host 1)"'; }

# 9b. the netns deleted behind nsping's back (ip netns del): rebuilt
test_netns_deleted_between_runs() {
	lab_up drop
	write_conf 1
	apply_ok
	ip netns del "$(inst_ns 1)" || fail "lab: ip netns del"
	# the veth dies with the netns (asynchronously: cleanup_net)
	wait_for 60 "the veth to go with its netns" eval '[ -z "$(ifindex_of "$NODE" "$(inst_host 1)")" ]'
	converges "netns deleted"
}

# kill_points: how often a from-scratch apply makes each syscall of
# KILL_SYSCALLS ("name count" lines).
KILL_SYSCALLS="unshare mount sendmsg sendto ioctl"
kill_points() {
	strace -f -qq -o "$T/count.log" -e signal=none -e trace="${KILL_SYSCALLS// /,}" \
		"$NSPING" -c "$CONF" --host-netns "$NODE" --state-dir "$STATE" apply >/dev/null 2>&1 ||
		fail "traced apply from scratch failed"
	for s in $KILL_SYSCALLS; do
		echo "$s $(grep -cE "^([0-9]+ +)?$s\(" "$T/count.log")"
	done
	destroys_all "counting run"
}

# 9c. SIGKILL at the entry of every interesting syscall of a from-scratch apply
# (strace fault injection): the next apply converges, destroy removes all.
test_kill_at_every_step() {
	local s n i total=0
	lab_up drop
	write_conf 1
	kill_points >"$T/points"
	while read -r s n; do
		for i in $(seq 1 "$n"); do
			killed "apply killed at $s #$i" \
				strace -f -qq -o /dev/null -e signal=none -e trace="$s" -e inject="$s:signal=SIGKILL:when=$i" \
				"$NSPING" -c "$CONF" --host-netns "$NODE" --state-dir "$STATE" apply
			log "killed at $s #$i"
			converges "killed at $s #$i"
			destroys_all "killed at $s #$i"
			total=$((total + 1))
		done
	done <"$T/points"
	[ "$total" -ge 5 ] || fail "only $total kill points: $(tr '\n' ' ' <"$T/points")"
	log "$total kill points"
}

# 9d. the same on a built instance whose every object drifted: SIGKILL at each
# changing request of the repair.
test_kill_during_repair() {
	local n i
	lab_up drop
	write_conf 1
	apply_ok
	drift_all() {
		ip -n "$(inst_ns 1)" addr add 10.99.0.77/24 dev "$(inst_peer 1)"
		ip -n "$(inst_ns 1)" route del default
		ip netns exec "$(inst_ns 1)" ethtool -K "$(inst_peer 1)" gro off tx on >/dev/null
		ip -n "$(inst_ns 1)" link set dev "$(inst_peer 1)" address 02:00:00:5a:5a:5a
		ip -n "$NODE" link set dev "$(inst_host 1)" down
	}
	drift_all
	strace -f -qq -o "$T/count.log" -e signal=none -e trace=sendmsg \
		"$NSPING" -c "$CONF" --host-netns "$NODE" --state-dir "$STATE" apply >/dev/null 2>&1 ||
		fail "traced repair failed"
	n=$(grep -cE '^([0-9]+ +)?sendmsg\(' "$T/count.log")
	for i in $(seq 1 "$n"); do
		drift_all 2>/dev/null
		killed "repair killed at sendmsg #$i" \
			strace -f -qq -o /dev/null -e signal=none -e trace=sendmsg -e inject="sendmsg:signal=SIGKILL:when=$i" \
			"$NSPING" -c "$CONF" --host-netns "$NODE" --state-dir "$STATE" apply
		converges "repair killed at sendmsg #$i"
	done
}

# 9e. a request that fails (ENOBUFS injected on the Nth netlink send, each N
# of a from-scratch apply): apply ends with a runtime failure (1) in bounded
# time, never crashes or hangs, and the next apply converges.
test_failed_request_then_converge() {
	local n i rc what problems=()
	lab_up drop
	write_conf 1
	strace -f -qq -o "$T/count.log" -e signal=none -e trace=sendmsg \
		"$NSPING" -c "$CONF" --host-netns "$NODE" --state-dir "$STATE" apply >/dev/null 2>&1 ||
		fail "traced apply failed"
	n=$(grep -cE '^([0-9]+ +)?sendmsg\(' "$T/count.log")
	destroys_all "counting run"
	for i in $(seq 1 "$n"); do
		timeout -k 5 60 strace -f -qq -o "$T/inj.log" -e signal=none -e trace=sendmsg \
			-e inject="sendmsg:error=ENOBUFS:when=$i" \
			"$NSPING" -c "$CONF" --host-netns "$NODE" --state-dir "$STATE" apply >"$T/out" 2>"$T/err"
		rc=$?
		what=$(grep INJECTED "$T/inj.log" | grep -oE 'nlmsg_type=[A-Za-z0-9_]+( /\*[^*]*\*/)?, nlmsg_flags=[A-Z_|0-9x]+' | head -n 1 |
			sed -E 's#nlmsg_type=##; s# /\*[^*]*\*/##; s#^0x12,#RTM_GETLINK,#; s#^0x16,#RTM_GETADDR,#; s#^0x1a,#RTM_GETROUTE,#; s#^0x1e,#RTM_GETNEIGH,#; s#^0x10,#RTM_NEWLINK,#; s#^0x14,#RTM_NEWADDR,#; s#^0x18,#RTM_NEWROUTE,#; s#^0x1c,#RTM_NEWNEIGH,#; s#, nlmsg_flags=# #')
		log "ENOBUFS at sendmsg #$i ($what): exit $rc: $(head -n 1 "$T/err")"
		case $rc in
		0)
			nspx plan --detailed-exitcode
			[ "$RC" -eq 0 ] || problems+=("#$i ($what): exit 0 but not converged")
			;;
		1) ;;
		124 | 137) problems+=("#$i ($what): hangs (killed after 60s)") ;;
		*) problems+=("#$i ($what): exit $rc, expected 1") ;;
		esac
		converges "ENOBUFS at sendmsg #$i"
		destroys_all "ENOBUFS at sendmsg #$i"
	done
	[ ${#problems[@]} -eq 0 ] ||
		fail "ENOBUFS on a netlink send of $n: ${problems[*]}"
}

# 9f. kill -9 after a delay, many times across the ~5ms an apply takes
# (timeout -s KILL: a precise timer, the whole process group). Each run ends
# killed (137) or complete (0); the point is the killed ones, so a test in
# which every apply finished first proved nothing and fails.
test_kill9_timed() {
	local us d hit=0 rc
	lab_up drop
	write_conf 1
	for us in $(seq 500 250 9000); do
		d=$(printf '0.%06d' "$us")
		timeout -s KILL "$d" "$NSPING" -c "$CONF" --host-netns "$NODE" --state-dir "$STATE" apply >/dev/null 2>"$T/kill9.err"
		rc=$?
		case $rc in
		137) hit=$((hit + 1)) ;;
		0) ;;
		*) fail "apply under a kill after ${d}s exited $rc, expected 137 (killed) or 0: $(head -c 300 "$T/kill9.err")" ;;
		esac
		converges "kill -9 after ${d}s"
		destroys_all "kill -9 after ${d}s"
	done
	log "$hit runs killed before they finished"
	[ "$hit" -gt 0 ] || fail "every apply finished before its kill: nothing was interrupted"
}

# 9g. SIGKILL at each step of destroy: the next destroy finishes the job
# (nothing of the instance left, not even a name in ip netns list), and an
# apply after an interrupted destroy converges.
test_kill_during_destroy() {
	local s n i total=0 left problems=()
	lab_up drop
	write_conf 1
	apply_ok
	strace -f -qq -o "$T/count.log" -e signal=none -e trace=sendmsg,umount2,unlink,unlinkat \
		"$NSPING" -c "$CONF" --host-netns "$NODE" --state-dir "$STATE" destroy >/dev/null 2>&1 ||
		fail "traced destroy failed"
	for s in sendmsg umount2 unlink unlinkat; do
		echo "$s $(grep -cE "^([0-9]+ +)?$s\(" "$T/count.log")"
	done >"$T/points"
	while read -r s n; do
		for i in $(seq 1 "$n"); do
			apply_ok
			killed "destroy killed at $s #$i" \
				strace -f -qq -o /dev/null -e signal=none -e trace="$s" -e inject="$s:signal=SIGKILL:when=$i" \
				"$NSPING" -c "$CONF" --host-netns "$NODE" --state-dir "$STATE" destroy
			total=$((total + 1))
			log "destroy killed at $s #$i"
			# odd: destroy again; even: apply first, then destroy
			if [ $((i % 2)) -eq 0 ]; then
				converges "apply after destroy killed at $s #$i"
			fi
			nspx destroy
			[ "$RC" -eq 0 ] || problems+=("killed at $s #$i: the next destroy exits $RC")
			left=$(my_netns p | tr '\n' ' ')
			if [ -n "$left" ]; then
				problems+=("killed at $s #$i: the next destroy (exit $RC) leaves /run/netns/$left($(stat -c '%A, %s bytes' "/run/netns/${left% }"), $(ip netns list | grep -qw "${left% }" && echo listed by ip netns list))")
				ip netns del "${left% }" 2>/dev/null
			fi
			[ "$(node_links)" = "eth0 lo" ] || problems+=("killed at $s #$i: NODE links after the next destroy: $(node_links)")
		done
	done <"$T/points"
	[ "$total" -ge 2 ] || fail "only $total kill points in destroy: $(tr '\n' ' ' <"$T/points")"
	[ ${#problems[@]} -eq 0 ] || fail "interrupted destroy ($total points): ${problems[*]}"
}

# the peer moved out of the isolated netns into the node: apply converges and
# leaves nothing of it in the node
test_peer_moved_to_host() {
	lab_up drop
	write_conf 1
	apply_ok
	ip -n "$(inst_ns 1)" link set dev "$(inst_peer 1)" netns "$NODE" || fail "lab: move the peer"
	converges "peer moved into the node"
	[ "$(node_links)" = "$(printf '%s\n' eth0 lo "$(inst_host 1)" | sort | paste -sd' ' -)" ] ||
		fail "NODE links after repair: $(node_links)"
}
