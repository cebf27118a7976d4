# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
# Two creators of one netns at once (README.md, "Ownership"): nsping holds an
# flock of /run/netns from the mount point's creation to its bind mount, takes
# only its own empty mount point for a leftover, and a race it loses is seen
# on the next look: its own instance's netns (the same file applied twice) is
# adopted, anyone else's is a conflict (exit 3). Never two mounts stacked.

RACE_ROUNDS=${RACE_ROUNDS:-50}

# mounts_on PATH: how many mounts sit on PATH.
mounts_on() { awk -v p="$1" '$5 == p' /proc/self/mountinfo | wc -l; }

test_netns_race_two_applies() {
	local i a b ra rb won
	lab_up
	write_conf 1
	mkdir -p "$T/s1" "$T/s2"
	for ((i = 0; i < RACE_ROUNDS; i++)); do
		"$NSPING" -c "$CONF" --host-netns "$NODE" --state-dir "$T/s1" --json apply >"$T/a.out" 2>"$T/a.err" &
		a=$!
		"$NSPING" -c "$CONF" --host-netns "$NODE" --state-dir "$T/s2" --json apply >"$T/b.out" 2>"$T/b.err" &
		b=$!
		wait "$a"
		ra=$?
		wait "$b"
		rb=$?
		# the loser either adopts what the winner made (the same instance) or,
		# having seen it half built, refuses with a conflict (exit 3)
		[[ $ra$rb == 00 || $ra$rb == 03 || $ra$rb == 30 ]] ||
			fail "round $i: the applies exited $ra and $rb: $(cat "$T/a.err" "$T/b.err")"
		[ "$rb" = 3 ] && { grep -q conflict "$T/b.err" || fail "round $i: exit 3 without a conflict"; }
		[ "$ra" = 3 ] && { grep -q conflict "$T/a.err" || fail "round $i: exit 3 without a conflict"; }
		won=$(cat "$T/a.out" "$T/b.out" | jq -s '[.[] | .changes[]? | select(.kind == "netns" and .op == "create")] | length')
		[ "$won" = 1 ] || fail "round $i: $won applies created the netns"
		expect_rc 0 nsp apply # what the loser left (nothing, or a refused half) is finished
		[ "$(mounts_on "/run/netns/$PINGNS")" = 1 ] ||
			fail "round $i: $(mounts_on "/run/netns/$PINGNS") mounts on /run/netns/$PINGNS"
		expect_plan_empty
		expect_rc 0 nsp destroy
		[ ! -e "/run/netns/$PINGNS" ] || fail "round $i: destroy left /run/netns/$PINGNS"
		[ "$(mounts_on "/run/netns/$PINGNS")" = 0 ] || fail "round $i: destroy left a mount"
	done
}

test_netns_race_with_ip_netns_add() {
	local i ip_rc ns_rc owned nsping_won=0 ip_won=0
	lab_up
	write_conf 1
	for ((i = 0; i < RACE_ROUNDS; i++)); do
		ip netns add "$PINGNS" 2>"$T/ip.err" &
		ip_pid=$!
		nsp apply >"$T/out" 2>"$T/err"
		ns_rc=$?
		wait "$ip_pid"
		ip_rc=$?
		[ "$(mounts_on "/run/netns/$PINGNS")" = 1 ] ||
			fail "round $i: $(mounts_on "/run/netns/$PINGNS") mounts on /run/netns/$PINGNS (ip $ip_rc, nsping $ns_rc)"
		owned=$(ip -n "$PINGNS" -j link show lo | jq -r '.[0].ifalias // ""')
		if [ "$ns_rc" = 0 ] && [ "$ip_rc" != 0 ]; then
			[ "$owned" = "nsping:$INST" ] || fail "round $i: nsping won but lo says '$owned'"
			nsping_won=$((nsping_won + 1))
			expect_rc 0 nsp destroy
		elif [ "$ns_rc" = 3 ] && [ "$ip_rc" = 0 ]; then
			[ -z "$owned" ] || fail "round $i: ip won but lo says '$owned'"
			grep -q "conflict" "$T/err" || fail "round $i: exit 3 without its conflict: $(cat "$T/err")"
			ip_won=$((ip_won + 1))
			ip netns del "$PINGNS" || fail "round $i: ip netns del"
		else
			fail "round $i: ip netns add exited $ip_rc, nsping apply $ns_rc: $(cat "$T/err" "$T/ip.err")"
		fi
		[ ! -e "/run/netns/$PINGNS" ] || fail "round $i: /run/netns/$PINGNS left"
	done
	note "nsping won $nsping_won rounds, ip netns add $ip_won"
}
