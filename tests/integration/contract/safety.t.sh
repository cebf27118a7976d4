# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
# What nsping must not touch: foreign objects (README.md "Ownership"), broken
# configurations, a held lock, validate. Sourced by run.sh.

# conflict_case WHAT KIND NAME: with a foreign object in place (made by the
# caller), plan shows a conflict naming NAME, apply exits 3 and changes nothing,
# destroy leaves it.
conflict_case() {
	local what=$1 kind=$2 name=$3 c
	snapshot before
	plan_json
	check_plan_doc "$T/plan.json" "plan --json with a foreign $what"
	jq -e --arg n "$name" 'any(.conflicts[]?; .object | contains($n))' "$T/plan.json" >/dev/null ||
		fail "plan --json shows no conflict naming $name: $(jq -c '.conflicts' "$T/plan.json")"
	jq -e --arg n "$name" --arg k "$kind" 'any(.conflicts[]?; (.object | contains($n)) and .kind == $k)' "$T/plan.json" >/dev/null ||
		fail "plan --json: the conflict on $name is not of kind $kind: $(jq -c '.conflicts' "$T/plan.json")"
	[ "$RC" -eq 3 ] || fail "plan --json with a foreign $what exits $RC, expected 3"
	nspx plan
	[ "$RC" -eq 3 ] || fail "plan with a foreign $what exits $RC, expected 3"
	grep -qi conflict "$T/out" "$T/err" || fail "plan does not show the conflict: $(head -c 300 "$T/out")"
	nspx_traced apply
	[ "$RC" -eq 3 ] || fail "apply with a foreign $what exits $RC, expected 3"
	c=$(strace_changes | sort | uniq -c | tr -s ' \n' ' ')
	[ -z "$c" ] || fail "apply with a conflict sent changing requests:$c"
	c=$(strace_other_changes | tr '\n' ' ')
	[ -z "$c" ] || fail "apply with a conflict made: $c"
	snapshot after
	same_snapshot before after "apply with a conflict changed something"
	nspx --json apply
	[ "$RC" -eq 3 ] || fail "apply --json with a foreign $what exits $RC, expected 3"
	nspx destroy
	case $RC in 0 | 3) ;; *) fail "destroy with a foreign $what exits $RC" ;; esac
	snapshot after2
	same_snapshot before after2 "destroy touched the foreign $what (or something else)"
}

# foreign_link NAME: an interface NAME in NODE that nsping did not make: a
# dummy, or a bridge where the kernel has no dummy driver.
foreign_link() {
	ip -n "$NODE" link add "$1" type dummy 2>/dev/null ||
		ip -n "$NODE" link add "$1" type bridge || fail "lab: neither dummy nor bridge $1"
	ip -n "$NODE" link set dev "$1" up
}

# 7a. an interface of the host veth's name that is not ours
test_foreign_link() {
	lab_up drop
	write_conf 1
	foreign_link "$(inst_host 1)"
	conflict_case "interface $(inst_host 1)" link "$(inst_host 1)"
	[ -n "$(ifindex_of "$NODE" "$(inst_host 1)")" ] || fail "the foreign dummy is gone"
	netns_exists "$(inst_ns 1)" && fail "a netns was created despite the conflict"
	return 0
}

# 7b. a veth pair (both ends in NODE) using the host veth's name, marked by
# nobody
test_foreign_veth() {
	lab_up drop
	write_conf 1
	ip -n "$NODE" link add "$(inst_host 1)" type veth peer name "fv${ID}" || fail "lab: veth"
	conflict_case "veth $(inst_host 1)" link "$(inst_host 1)"
	return 0
}

# 7c. a netns of the configured name made by ip netns add
test_foreign_netns() {
	local ino
	lab_up drop
	write_conf 1
	ip netns add "$(inst_ns 1)" || fail "lab: ip netns add"
	ino=$(netns_inode "$(inst_ns 1)")
	ns_snapshot "$(inst_ns 1)" ns_before
	conflict_case "netns $(inst_ns 1)" netns "$(inst_ns 1)"
	[ "$(netns_inode "$(inst_ns 1)")" = "$ino" ] || fail "the foreign netns was replaced or removed"
	ns_snapshot "$(inst_ns 1)" ns_after
	same_snapshot ns_before ns_after "something changed inside the foreign netns"
	[ -z "$(ifindex_of "$NODE" "$(inst_host 1)")" ] || fail "the host veth was created despite the conflict"
	return 0
}

# 7d. a foreign netns whose lo carries some other instance's mark is not ours
# either
test_foreign_netns_other_mark() {
	lab_up drop
	write_conf 1
	ip netns add "$(inst_ns 1)" || fail "lab: ip netns add"
	ip -n "$(inst_ns 1)" link set dev lo alias "nsping:someoneelse"
	conflict_case "netns $(inst_ns 1) marked for another instance" netns "$(inst_ns 1)"
	return 0
}

# 7e. a conflict in one instance changes nothing for the other
test_conflict_blocks_all_instances() {
	lab_up drop
	write_conf 2
	foreign_link "$(inst_host 2)"
	snapshot before
	nspx apply
	[ "$RC" -eq 3 ] || fail "apply with a conflict in instance 2 exits $RC, expected 3"
	netns_exists "$(inst_ns 1)" && fail "instance 1 was built although instance 2 has a conflict"
	snapshot after
	same_snapshot before after "apply with a conflict changed something"
}

# bad_config NAME KEY LINE: $CONF is broken; apply, plan and validate exit 65
# with "FILE:LINE: KEY: ..." and change nothing.
bad_config() {
	local name=$1 key=$2 line=$3 cmd c
	snapshot before
	for cmd in apply plan validate; do
		nspx_traced "$cmd"
		[ "$RC" -eq 65 ] || fail "$name: $cmd exits $RC, expected 65"
		grep -qF "$CONF:$line: $key: " "$T/err" ||
			fail "$name: $cmd: stderr lacks '$CONF:$line: $key: ...': $(head -n 2 "$T/err" | tr '\n' '|')"
		c=$( (
			strace_changes
			strace_other_changes
		) | tr '\n' ' ')
		[ -z "$c" ] || fail "$name: $cmd made kernel changes: $c"
	done
	snapshot after
	same_snapshot before after "$name: apply changed something"
}

# line_of REGEX: line number of the first match in $CONF
line_of() { grep -nE "$1" "$CONF" | head -n 1 | cut -d: -f1; }

# 8. broken configurations change nothing
test_bad_config_syntax() {
	lab_up drop
	write_conf 1
	conf_edit 's/^\( *mac *=\) "inherit";/\1 = "inherit";/'
	bad_config syntax syntax "$(line_of '^ *mac *= =')"
}

test_bad_config_unknown_key() {
	local l
	lab_up drop
	write_conf 1
	l=$(line_of '^ *mac *=')
	conf_edit "${l}a\\    colour  = \"blue\";"
	bad_config unknown-key "instances[0].colour" "$((l + 1))"
}

test_bad_config_bad_mac() {
	lab_up drop
	write_conf 1 02:00:00:00:00:zz
	bad_config bad-mac "instances[0].mac" "$(line_of '^ *mac *=')"
}

test_bad_config_multicast_mac() {
	lab_up drop
	write_conf 1 01:00:5e:00:00:01
	bad_config multicast-mac "instances[0].mac" "$(line_of '^ *mac *=')"
}

test_bad_config_long_ifname() {
	lab_up drop
	write_conf 1
	conf_edit "s/host = \"$(inst_host 1)\"/host = \"vph${ID}1234567890\"/"
	bad_config long-ifname "instances[0].veth.host" "$(line_of '^ *veth *=')"
}

test_bad_config_second_instance() {
	# an error in the second instance: nothing of the (valid) first is built
	lab_up drop
	write_conf 2
	local l
	l=$(grep -n '^ *address *=' "$CONF" | sed -n 2p | cut -d: -f1)
	conf_edit "${l}s#10.99.0.2/24#10.99.0.2/33#"
	bad_config bad-prefix-2nd "instances[1].address" "$l"
	netns_exists "$(inst_ns 1)" && fail "instance 1 was built"
	return 0
}

# 11. the lock (README.md: --state-dir, --lock-wait, exit 75): held elsewhere
# past --lock-wait, apply, destroy and run exit 75 and change nothing; apply
# waits at least --lock-wait first; released, apply goes through.
test_lock_held() {
	local t0 t1 ms cmd
	lab_up drop
	write_conf 1
	hold_lock
	snapshot before
	t0=$(date +%s%N)
	nspx --lock-wait 1 apply
	t1=$(date +%s%N)
	ms=$(((t1 - t0) / 1000000))
	[ "$RC" -eq 75 ] || fail "apply with the lock held elsewhere exits $RC, expected 75"
	[ "$ms" -ge 900 ] || fail "apply gave up after ${ms}ms, before --lock-wait 1"
	for cmd in apply destroy "run --count 1"; do
		# shellcheck disable=SC2086 # run takes its option
		nspx --lock-wait 0 $cmd
		[ "$RC" -eq 75 ] || fail "$cmd with the lock held elsewhere exits $RC, expected 75"
	done
	snapshot after
	same_snapshot before after "apply, destroy or run without the lock changed something"
	release_lock
	nspx --lock-wait 5 apply
	[ "$RC" -eq 0 ] || fail "apply after the lock was released exits $RC"
	check_instance 1 "$NODE_MAC"
}

# 12. validate touches no kernel state
test_validate_no_kernel() {
	local c
	lab_up drop
	write_conf 2
	snapshot before
	nspx_traced validate
	[ "$RC" -eq 0 ] || fail "validate on a good config exits $RC: $(head -n 2 "$T/err" | tr '\n' '|')"
	c=$( (
		strace_changes
		strace_other_changes
		grep -oE 'setns\(' "$T/strace.log" | head -n 1
	) | tr '\n' ' ')
	[ -z "$c" ] || fail "validate made kernel calls: $c"
	snapshot after
	same_snapshot before after "validate changed something"
	netns_exists "$(inst_ns 1)" && fail "validate created a netns"
	[ -d "$STATE" ] && [ -n "$(ls -A "$STATE")" ] && note "validate left files in the state dir: $(ls -A "$STATE")"
	return 0
}

# usage errors are 64 and change nothing
test_usage_error() {
	lab_up drop
	write_conf 1
	snapshot before
	nspx frobnicate
	[ "$RC" -eq 64 ] || fail "an unknown command exits $RC, expected 64"
	nspx --no-such-option apply
	[ "$RC" -eq 64 ] || fail "an unknown option exits $RC, expected 64"
	nspx plan --no-such-flag
	[ "$RC" -eq 64 ] || fail "an unknown plan flag exits $RC, expected 64"
	snapshot after
	same_snapshot before after "a usage error changed something"
}

test_bad_config_netns_escape() {
	# a netns name that would escape /run/netns
	lab_up drop
	write_conf 1
	conf_edit "s#netns   = \"$(inst_ns 1)\";#netns   = \"../$(inst_ns 1)\";#"
	bad_config netns-escape "instances[0].netns" "$(line_of '^ *netns *=')"
	[ -e "/run/$(inst_ns 1)" ] && fail "a file /run/$(inst_ns 1) appeared"
	return 0
}

test_bad_config_duplicate_host_veth() {
	# two instances clash on veth.host: the second one is named
	local l
	lab_up drop
	write_conf 2
	l=$(grep -n '^ *veth *=' "$CONF" | sed -n 2p | cut -d: -f1)
	conf_edit "${l}s#host = \"$(inst_host 2)\"#host = \"$(inst_host 1)\"#"
	bad_config dup-veth-host "instances[1].veth.host" "$l"
}
