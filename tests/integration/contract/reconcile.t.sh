# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
# Building, rerunning, repairing, changing and destroying (README.md "Usage",
# "Ownership", "JSON"; docs/DESIGN.md marks and output). Sourced by run.sh.

# 1. apply from scratch builds everything the contract lists.
test_apply_from_scratch() {
	lab_up drop
	write_conf 1
	node_base before
	nspx plan --detailed-exitcode
	[ "$RC" -eq 2 ] || fail "plan --detailed-exitcode on an empty node exits $RC, expected 2"
	netns_exists "$(inst_ns 1)" && fail "plan created the netns"
	nspx_traced --json apply
	[ "$RC" -eq 0 ] || fail "apply exits $RC: $(head -n 3 "$T/err" | tr '\n' '|')"
	jq -e '.converged == true' "$T/out" >/dev/null 2>&1 || fail "apply --json: not converged: $(head -c 300 "$T/out")"
	[ "$(json_requests)" = "$(strace_changes | grep -c .)" ] ||
		fail "apply --json requests=$(json_requests), strace counted $(strace_changes | grep -c .): $(strace_changes | sort | uniq -c | tr -s ' \n' ' ')"
	check_instance 1 "$NODE_MAC"
	node_base after
	same_snapshot before after "apply changed NODE's eth0, routes or iptables"
	[ "$(node_links)" = "$(printf '%s\n' eth0 lo "$(inst_host 1)" | sort | paste -sd' ' -)" ] ||
		fail "NODE links after apply: $(node_links)"
	expect_plan_empty
}

# 2. a converged rerun sends no changing request: apply --json says 0 and strace
# sees none.
test_noop_rerun() {
	local before m0 other changes
	lab_up drop
	write_conf 1
	apply_ok
	before=$(ids 1)
	m0=$(mounts_of_run_netns)
	nspx_traced --json apply
	[ "$RC" -eq 0 ] || fail "second apply exits $RC"
	jq -e . "$T/out" >/dev/null 2>&1 || fail "apply --json: not JSON: $(head -c 200 "$T/out")"
	[ "$(json_requests)" = 0 ] || fail "second apply --json: requests=$(json_requests), expected 0"
	jq -e '.converged == true and (.changes | length) == 0' "$T/out" >/dev/null ||
		fail "second apply --json: $(head -c 300 "$T/out")"
	grep -qE 'sendmsg\(|sendto\(' "$T/strace.log" || fail "strace saw no netlink traffic at all: tracing broken"
	changes=$(strace_changes | sort | uniq -c | tr -s ' \n' ' ')
	[ -z "$changes" ] || fail "strace: the no-op rerun sent changing requests:$changes"
	other=$(strace_other_changes | tr '\n' ' ')
	[ -z "$other" ] || fail "strace: the no-op rerun made: $other"
	require_shim
	[ "$(ids 1)" = "$before" ] || fail "netns inode/ifindexes changed on a no-op rerun: $before -> $(ids 1)"
	[ "$(mounts_of_run_netns)" = "$m0" ] || fail "mounts on /run/netns: $m0 -> $(mounts_of_run_netns)"
	check_instance 1 "$NODE_MAC"
}

# drift_repair ALLOWED_REQUESTS OP:KIND[:ATTRIBUTE]... -- the function "drift"
# (defined by the caller) makes the drift on a built instance 1. The plan must
# be exactly the listed changes, which name the kernel's own side effects too
# (a link going down, the last address going away and a MAC change flush the
# default route and the gateway neighbor): each create:route/create:neighbor
# listed must be missing as ip sees it, each not listed present. The repair
# sends only ALLOWED_REQUESTS (regex over strace_changes lines), as many as
# apply --json reports, never recreates the netns or the veth, and converges.
drift_repair() {
	local allowed=$1 before want=() c sent n req applied planned mac k
	shift
	lab_up drop
	mac=${DRIFT_MAC:-$NODE_MAC}
	write_conf 1 "${CONF_MAC:-inherit}"
	apply_ok
	check_instance 1 "$mac"
	before=$(ids 1)
	drift || fail "could not make the drift"
	for c in "$@"; do
		want+=("$(cut -d: -f1-2 <<<"$c")")
	done
	for k in route neighbor; do
		case " ${want[*]} " in
		*" create:$k "*) present "$k" && fail "the drift left the $k that the test expects the kernel to flush" ;;
		*) present "$k" || fail "the drift took the $k too (as ip sees it), not listed by the test" ;;
		esac
	done
	expect_plan "${want[@]}"
	for c in "$@"; do
		[ "$(tr -cd : <<<"$c")" = :: ] && expect_attr "$(cut -d: -f1 <<<"$c")" "$(cut -d: -f2 <<<"$c")" "$(cut -d: -f3 <<<"$c")"
	done
	planned=$(plan_ops)
	nspx plan --detailed-exitcode
	[ "$RC" -eq 2 ] || fail "plan --detailed-exitcode with drift exits $RC, expected 2"
	nspx_traced --json apply
	[ "$RC" -eq 0 ] || fail "repairing apply exits $RC: $(head -n 2 "$T/err" | tr '\n' '|')"
	jq -e '.converged == true' "$T/out" >/dev/null || fail "apply --json: converged is not true: $(head -c 300 "$T/out")"
	applied=$(jq -r '.changes[] | "\(.op):\(.kind)"' "$T/out" | sort | paste -sd' ' -)
	[ "$applied" = "$planned" ] || fail "apply --json changes [$applied] differ from the plan [$planned]"
	require_shim
	sent=$(strace_changes)
	n=$(grep -c . <<<"$sent")
	req=$(json_requests)
	[ "$n" -ge 1 ] || fail "strace saw no changing request for the repair"
	[ "$req" = "$n" ] || fail "apply --json requests=$req, strace counted $n: $(tr '\n' ' ' <<<"$sent")"
	c=$(grep -vE "^($allowed)$" <<<"$sent" | sort | uniq -c | tr -s ' \n' ' ')
	[ -z "$c" ] || fail "repair sent requests beyond the drift:$c (allowed: $allowed)"
	c=$(strace_other_changes | tr '\n' ' ')
	[ -z "$c" ] || fail "repair made: $c"
	[ "$(ids 1)" = "$before" ] || fail "netns inode / veth ifindexes changed (recreated): $before -> $(ids 1)"
	check_instance 1 "$mac"
	expect_plan_empty
}

# present route|neighbor: instance 1 has a default route, or a neighbor entry
# for the gateway (in any state), as ip -j sees it.
present() {
	case $1 in
	route) [ "$(ip -n "$(P1)" -j route show default | jq length)" -ge 1 ] ;;
	neighbor) [ "$(ip -n "$(P1)" -j neigh show 10.99.0.1 dev "$(PEER1)" | jq length)" -ge 1 ] ;;
	esac
}

P1() { inst_ns 1; }
PEER1() { inst_peer 1; }
ETH_GRO='SIOCETHTOOL:0x2c|SIOCETHTOOL:0x3b|ethtool-nl-set:x0c'
ETH_TX='SIOCETHTOOL:0x17|SIOCETHTOOL:0x3b|ethtool-nl-set:x0c'
LINK_REQ='RTM_NEWLINK|RTM_SETLINK|SIOCSIFFLAGS|SIOCSIFHWADDR'

# 3. each drift repaired with the smallest change
test_drift_neighbor_deleted() {
	drift() {
		ip -n "$(P1)" neigh del 10.99.0.1 dev "$(PEER1)" &&
			[ "$(ip -n "$(P1)" -j neigh show 10.99.0.1 nud permanent | jq length)" -eq 0 ]
	}
	drift_repair 'RTM_NEWNEIGH' create:neighbor
}

test_drift_peer_mac() {
	drift() { ip -n "$(P1)" link set dev "$(PEER1)" address 02:00:00:5a:5a:5a; }
	# the kernel flushes the device's neighbors on a MAC change
	drift_repair "$LINK_REQ|RTM_NEWNEIGH" update:link:mac create:neighbor
}

test_drift_peer_down() {
	drift() { ip -n "$(P1)" link set dev "$(PEER1)" down; }
	# a link going down loses its routes and neighbors
	drift_repair "$LINK_REQ|RTM_NEWROUTE|RTM_NEWNEIGH" update:link:state create:route create:neighbor
}

test_drift_host_veth_down() {
	drift() { ip -n "$NODE" link set dev "$(inst_host 1)" down; }
	# the peer loses its carrier, not its routes
	drift_repair "$LINK_REQ" update:link:state
}

test_drift_address_deleted() {
	drift() { ip -n "$(P1)" addr del 10.99.0.2/24 dev "$(PEER1)"; }
	# the last address going away flushes the route and the neighbor too
	drift_repair 'RTM_NEWADDR|RTM_NEWROUTE|RTM_NEWNEIGH' create:address create:route create:neighbor
}

test_drift_extra_address() {
	drift() { ip -n "$(P1)" addr add 10.99.0.77/24 dev "$(PEER1)"; }
	drift_repair 'RTM_DELADDR' delete:address
}

test_drift_route_deleted() {
	drift() { ip -n "$(P1)" route del default; }
	drift_repair 'RTM_NEWROUTE' create:route
}

test_drift_route_other_gateway() {
	drift() {
		ip -n "$(P1)" route replace default via 10.99.0.3 dev "$(PEER1)" proto 78 &&
			[ "$(ip -n "$(P1)" -j route show default | jq -r '.[0].gateway')" = 10.99.0.3 ]
	}
	drift_repair 'RTM_NEWROUTE|RTM_DELROUTE' update:route
}

test_drift_gro_off() {
	drift() {
		ip netns exec "$(P1)" ethtool -K "$(PEER1)" gro off &&
			[ "$(feature "$(P1)" "$(PEER1)" generic-receive-offload)" = off ]
	}
	drift_repair "$ETH_GRO" update:offload:gro
}

test_drift_tx_checksum_on() {
	drift() {
		ip netns exec "$(P1)" ethtool -K "$(PEER1)" tx on &&
			[ "$(feature "$(P1)" "$(PEER1)" tx-checksumming)" = on ]
	}
	drift_repair "$ETH_TX" update:offload:tx-checksumming
}

# 3b. the same repairs with an explicit MAC instead of "inherit"
test_drift_peer_mac_explicit() {
	CONF_MAC=02:00:00:00:12:34 DRIFT_MAC=02:00:00:00:12:34
	drift() { ip -n "$(P1)" link set dev "$(PEER1)" address "$NODE_MAC"; }
	drift_repair "$LINK_REQ|RTM_NEWNEIGH" update:link:mac create:neighbor
}

# 4. a changed MAC in the file is one update of the peer
test_config_change_mac() {
	local before new
	lab_up drop
	write_conf 1
	apply_ok
	before=$(ids 1)
	new=02:00:00:${ID:0:2}:${ID:2:2}:01
	write_conf 1 "$new"
	# the kernel flushes the neighbors of a device whose MAC changes: the plan
	# puts the gateway's back
	expect_plan update:link create:neighbor
	expect_attr update link mac
	jq -e --arg m "$new" '.changes[] | select(.kind == "link") | .to | ascii_downcase | contains($m)' "$T/plan.json" >/dev/null ||
		fail "plan: the link update's 'to' does not name $new: $(jq -c '.changes[] | select(.kind == "link")' "$T/plan.json")"
	apply_ok
	[ "$(ids 1)" = "$before" ] || fail "netns/veth recreated for a MAC change: $before -> $(ids 1)"
	check_instance 1 "$new"
	expect_plan_empty
}

# 5. two instances in one file: both built, each in its own netns; destroy
# removes both.
test_two_instances() {
	local mac2=02:00:00:${ID:0:2}:${ID:2:2}:02 l1 l2
	lab_up drop
	write_conf 2 inherit "$mac2"
	apply_ok
	check_instance 1 "$NODE_MAC"
	check_instance 2 "$mac2"
	l1=$(ip -n "$(inst_ns 1)" -j link show | jq -r '.[].ifname' | sort | paste -sd' ' -)
	l2=$(ip -n "$(inst_ns 2)" -j link show | jq -r '.[].ifname' | sort | paste -sd' ' -)
	[ "$l1" = "lo $(inst_peer 1)" ] || fail "links in $(inst_ns 1): $l1"
	[ "$l2" = "lo $(inst_peer 2)" ] || fail "links in $(inst_ns 2): $l2"
	[ "$(netns_inode "$(inst_ns 1)")" != "$(netns_inode "$(inst_ns 2)")" ] || fail "both instances share one netns"
	ip -n "$(inst_ns 1)" -j route show table all | jq -e --arg p "$(inst_peer 2)" 'all(.[]; .dev != $p)' >/dev/null ||
		fail "$(inst_ns 1) routes through instance 2's peer"
	expect_plan_empty
	plan_json --destroy
	[ "$RC" -eq 0 ] || fail "plan --destroy --json exits $RC"
	jq -e 'all(.changes[]; .op == "delete") and (.changes | length) > 0' "$T/plan.json" >/dev/null ||
		fail "plan --destroy: $(plan_ops)"
	for i in 1 2; do
		jq -e --arg n "$(inst_ns $i)" 'any(.changes[]; .kind == "netns" and (.object | contains($n)))' "$T/plan.json" >/dev/null ||
			fail "plan --destroy does not delete netns $(inst_ns $i): $(plan_ops)"
	done
	nspx destroy
	[ "$RC" -eq 0 ] || fail "destroy exits $RC"
	for i in 1 2; do
		netns_exists "$(inst_ns $i)" && fail "destroy left netns $(inst_ns $i)"
		[ -e "/run/netns/$(inst_ns $i)" ] && fail "destroy left /run/netns/$(inst_ns $i)"
		[ -n "$(ifindex_of "$NODE" "$(inst_host $i)")" ] && fail "destroy left $(inst_host $i) in NODE"
	done
	[ "$(node_links)" = "eth0 lo" ] || fail "NODE links after destroy: $(node_links)"
}

# 6. destroy removes exactly what apply made; a second destroy is a no-op.
test_destroy() {
	local c m0
	lab_up drop
	write_conf 1
	node_base before
	apply_ok
	nspx_traced --json destroy
	[ "$RC" -eq 0 ] || fail "destroy exits $RC: $(head -n 2 "$T/err" | tr '\n' '|')"
	if jq -e 'has("requests")' "$T/out" >/dev/null 2>&1; then
		[ "$(json_requests)" = "$(strace_changes | grep -c .)" ] ||
			fail "destroy --json requests=$(json_requests), strace counted $(strace_changes | grep -c .): $(strace_changes | sort | uniq -c | tr -s ' \n' ' ')"
	else
		fail "destroy --json has no requests member: $(head -c 300 "$T/out")"
	fi
	netns_exists "$(inst_ns 1)" && fail "destroy left netns $(inst_ns 1) in ip netns list"
	[ -e "/run/netns/$(inst_ns 1)" ] && fail "destroy left /run/netns/$(inst_ns 1)"
	awk -v m="/run/netns/$(inst_ns 1)" '$5 == m {f = 1} END {exit !f}' /proc/self/mountinfo &&
		fail "destroy left a mount on /run/netns/$(inst_ns 1)"
	[ "$(node_links)" = "eth0 lo" ] || fail "NODE links after destroy: $(node_links) (expected eth0 lo)"
	node_base after
	same_snapshot before after "destroy changed NODE's eth0, routes or iptables"
	m0=$(mounts_of_run_netns)
	nspx_traced --json destroy
	[ "$RC" -eq 0 ] || fail "second destroy exits $RC"
	jq -e '(.changes | length) == 0' "$T/out" >/dev/null 2>&1 ||
		fail "second destroy --json reports changes: $(head -c 300 "$T/out")"
	if jq -e 'has("requests")' "$T/out" >/dev/null 2>&1; then
		[ "$(json_requests)" = 0 ] || fail "second destroy --json: requests=$(json_requests)"
	fi
	c=$(strace_changes | sort | uniq -c | tr -s ' \n' ' ')
	[ -z "$c" ] || fail "strace: the second destroy sent changing requests:$c"
	c=$(strace_other_changes | tr '\n' ' ')
	[ -z "$c" ] || fail "strace: the second destroy made: $c"
	[ "$(mounts_of_run_netns)" = "$m0" ] || fail "mounts on /run/netns changed on a no-op destroy"
	node_base after2
	same_snapshot before after2 "the second destroy changed NODE"
	nspx plan --destroy --detailed-exitcode
	[ "$RC" -eq 0 ] || fail "plan --destroy --detailed-exitcode after destroy exits $RC, expected 0"
}

# 10. plan --json follows schema/plan.schema.json and its summary counts the
# changes by op (from scratch, with drift, and apply --json).
test_plan_json() {
	local k
	lab_up drop
	write_conf 1
	plan_clean
	check_plan_doc "$T/plan.json" "plan --json from scratch"
	for k in netns link address route neighbor; do
		jq -e --arg k "$k" 'any(.changes[]; .op == "create" and .kind == $k)' "$T/plan.json" >/dev/null ||
			fail "plan --json from scratch has no create of kind $k: $(plan_ops)"
	done
	jq -e 'all(.changes[]; .instance == "'"$(inst_name 1)"'")' "$T/plan.json" >/dev/null ||
		fail "plan --json: a change without instance $(inst_name 1)"
	jq -e 'all(.changes[]; .op != "create" or .from == null)' "$T/plan.json" >/dev/null ||
		fail "plan --json: a create with from != null"
	nspx --json apply
	[ "$RC" -eq 0 ] || fail "apply --json exits $RC"
	cp "$T/out" "$T/apply.json"
	check_plan_doc "$T/apply.json" "apply --json"
	jq -e '.converged == true and (.requests | type) == "number" and .requests > 0' "$T/apply.json" >/dev/null ||
		fail "apply --json: converged/requests: $(jq -c '{converged, requests}' "$T/apply.json")"
	[ "$(jq -c '.summary' "$T/apply.json")" = "$(jq -c '.summary' "$T/plan.json")" ] ||
		fail "apply --json summary $(jq -c .summary "$T/apply.json") differs from the plan's $(jq -c .summary "$T/plan.json")"
	# drift of three kinds
	ip -n "$(inst_ns 1)" neigh del 10.99.0.1 dev "$(inst_peer 1)"
	ip -n "$(inst_ns 1)" addr add 10.99.0.77/24 dev "$(inst_peer 1)"
	ip netns exec "$(inst_ns 1)" ethtool -K "$(inst_peer 1)" gro off
	plan_clean
	check_plan_doc "$T/plan.json" "plan --json with drift"
	[ "$(plan_ops)" = "create:neighbor delete:address update:offload" ] ||
		fail "plan --json with drift: $(plan_ops)"
	jq -e '.summary == {"create": 1, "update": 1, "delete": 1}' "$T/plan.json" >/dev/null ||
		fail "plan --json with drift: summary $(jq -c .summary "$T/plan.json")"
	jq -e 'all(.changes[]; .op != "delete" or .to == null)' "$T/plan.json" >/dev/null ||
		fail "plan --json: a delete with to != null"
	apply_ok
	plan_clean
	check_plan_doc "$T/plan.json" "plan --json, empty"
}

# 3c. more drift of the objects nsping owns (DESIGN.md marks)
test_drift_neighbor_lladdr() {
	drift() { ip -n "$(P1)" neigh replace 10.99.0.1 lladdr 02:00:00:00:00:99 nud permanent dev "$(PEER1)"; }
	drift_repair 'RTM_NEWNEIGH|RTM_DELNEIGH' update:neighbor
}

test_drift_neighbor_not_permanent() {
	drift() {
		ip -n "$(P1)" neigh replace 10.99.0.1 lladdr "$GW_MAC" nud stale dev "$(PEER1)" &&
			[ "$(ip -n "$(P1)" -j neigh show 10.99.0.1 nud permanent | jq length)" -eq 0 ]
	}
	drift_repair 'RTM_NEWNEIGH|RTM_DELNEIGH' update:neighbor
}

test_drift_host_alias_lost() {
	# README: a pair whose other end lives in our netns is ours even if the
	# mark was lost, and the mark is restored
	drift() { ip -n "$NODE" link set dev "$(inst_host 1)" alias ""; }
	drift_repair "$LINK_REQ" update:link:alias
}

# 4b. the gateway's MAC changes in the file: the neighbor is updated in place
test_config_change_gateway_mac() {
	local before
	lab_up drop
	write_conf 1
	apply_ok
	before=$(ids 1)
	GW_MAC_OLD=$GW_MAC
	GW_MAC=02:00:00:00:0a:0b
	write_conf 1
	expect_plan update:neighbor
	apply_ok
	[ "$(ids 1)" = "$before" ] || fail "netns/veth recreated for a gateway MAC change"
	check_instance 1 "$NODE_MAC"
	expect_plan_empty
	[ -n "$GW_MAC_OLD" ]
}

# address = "inherit": the uplink's primary IPv4 address
test_address_inherit() {
	lab_up drop
	write_conf 1
	conf_edit 's#address = "10.99.0.2/24";#address = "inherit";#'
	apply_ok
	check_instance 1 "$NODE_MAC"
	expect_plan_empty
}

# --host-netns as a path (/proc/PID/ns/net and /run/netns/NAME)
test_host_netns_path() {
	local pid
	lab_up drop
	write_conf 1
	ip netns exec "$NODE" sleep 300 &
	pid=$!
	bg_pid "$pid"
	wait_for 30 "a helper process in NODE" \
		eval '[ "$(stat -L -c %i "/proc/$pid/ns/net" 2>/dev/null)" = "$(netns_inode "$NODE")" ]'
	"$NSPING" -c "$CONF" --host-netns "/proc/$pid/ns/net" --state-dir "$STATE" apply >"$T/out" 2>"$T/err"
	RC=$?
	[ "$RC" -eq 0 ] || fail "apply --host-netns /proc/$pid/ns/net exits $RC: $(head -n 2 "$T/err" | tr '\n' '|')"
	check_instance 1 "$NODE_MAC"
	"$NSPING" -c "$CONF" --host-netns "/run/netns/$NODE" --state-dir "$STATE" plan --detailed-exitcode >"$T/out" 2>"$T/err"
	RC=$?
	[ "$RC" -eq 0 ] || fail "plan --host-netns /run/netns/$NODE after apply exits $RC: $(head -c 300 "$T/out")"
	kill "$pid"
}

# the uplink does not exist: a runtime failure (1) that changes nothing
test_uplink_missing() {
	lab_up drop
	write_conf 1
	conf_edit 's#uplink  = "eth0";#uplink  = "eth9";#'
	snapshot before
	nspx apply
	[ "$RC" -eq 1 ] || fail "apply with a missing uplink exits $RC, expected 1"
	snapshot after
	same_snapshot before after "apply with a missing uplink changed something"
	plan_json
	[ "$RC" -eq 1 ] || fail "plan --json with a missing uplink exits $RC, expected 1"
	jq -e '(.errors // []) | length > 0' "$T/plan.json" >/dev/null ||
		fail "plan --json with a missing uplink lists no error: $(head -c 300 "$T/plan.json")"
	check_plan_doc "$T/plan.json" "plan --json with a missing uplink"
}

# plan and status change nothing (from scratch, with drift)
test_plan_status_change_nothing() {
	local c cmd
	lab_up drop
	write_conf 1
	snapshot before
	for cmd in plan status; do
		nspx_traced "$cmd"
		[ "$RC" -eq 0 ] || fail "$cmd exits $RC, expected 0 (drift alone)"
		c=$( (
			strace_changes
			strace_other_changes
		) | tr '\n' ' ')
		[ -z "$c" ] || fail "$cmd on an empty node made: $c"
	done
	snapshot after
	same_snapshot before after "plan/status on an empty node changed something"
	apply_ok
	ip -n "$(inst_ns 1)" neigh del 10.99.0.1 dev "$(inst_peer 1)"
	ip -n "$(inst_ns 1)" addr add 10.99.0.77/24 dev "$(inst_peer 1)"
	ns_snapshot "$(inst_ns 1)" ns_before
	for cmd in plan status; do
		nspx_traced "$cmd"
		[ "$RC" -eq 0 ] || fail "$cmd exits $RC, expected 0 (drift alone)"
		c=$( (
			strace_changes
			strace_other_changes
		) | tr '\n' ' ')
		[ -z "$c" ] || fail "$cmd with drift made: $c"
	done
	status_json 0
	jq -e '.instances[0].state == "drifted"' "$T/status.json" >/dev/null ||
		fail "status --json with drift: state $(jq -c '.instances[0].state' "$T/status.json"), expected \"drifted\""
	ns_snapshot "$(inst_ns 1)" ns_after
	same_snapshot ns_before ns_after "plan/status changed the netns"
	apply_ok
	status_json 0
	jq -e '.instances[0].state == "converged"' "$T/status.json" >/dev/null ||
		fail "status --json after apply: state $(jq -c '.instances[0].state' "$T/status.json"), expected \"converged\""
}

# several applies at once: the lock serializes them. While another process
# holds the lock, every apply waits (strace shows its flock refused) and
# nothing changes; one that may not wait (--lock-wait 0) exits 75 at once.
# Released, they run one after the other: all exit 0, exactly one changes
# the kernel and the others find nothing to do.
test_concurrent_applies() {
	local pids=() p i bad=0 n
	lab_up drop
	write_conf 2 inherit 02:00:00:00:33:02
	hold_lock
	snapshot before
	for i in 1 2 3 4 5; do
		strace -f -qq -e trace=flock -o "$T/flock.$i" \
			"$NSPING" -c "$CONF" --host-netns "$NODE" --state-dir "$STATE" --lock-wait 600 --json apply \
			>"$T/c$i.out" 2>"$T/c$i.err" &
		pids+=($!)
		bg_pid "$!"
	done
	wait_for 120 "five applies waiting for the lock" all_refused 5
	nspx --lock-wait 0 apply
	[ "$RC" -eq 75 ] || fail "apply --lock-wait 0 while the lock is held exits $RC, expected 75"
	snapshot while
	same_snapshot before while "applies waiting for the lock changed something"
	release_lock
	for p in "${pids[@]}"; do
		wait "$p" || bad=$((bad + 1))
		bg_forget "$p"
	done
	[ "$bad" -eq 0 ] || fail "$bad of 5 concurrent applies failed: $(cat "$T"/c*.err | sort -u | head -n 3 | tr '\n' '|')"
	n=$(cat "$T"/c[1-5].out | jq -s '[.[] | select(.requests > 0)] | length')
	[ "$n" = 1 ] || fail "$n applies sent requests, expected exactly one: $(cat "$T"/c[1-5].out | jq -c '.requests' | tr '\n' ' ')"
	cat "$T"/c[1-5].out | jq -se 'all(.converged) and ([.[] | select(.requests == 0 and (.changes | length) == 0)] | length) == 4' >/dev/null ||
		fail "the applies after the first did not find everything done: $(cat "$T"/c[1-5].out | jq -c '{requests, n: (.changes | length)}' | tr '\n' ' ')"
	check_instance 1 "$NODE_MAC"
	check_instance 2 02:00:00:00:33:02
	expect_plan_empty
}
# all_refused N: each of $T/flock.1..N shows a non-blocking flock refused.
all_refused() {
	local i
	for i in $(seq 1 "$1"); do
		grep -qE 'flock\([0-9]+, LOCK_EX\|LOCK_NB\) += -1 E(AGAIN|WOULDBLOCK)' "$T/flock.$i" 2>/dev/null || return 1
	done
}

# destroy after partial loss (veth gone, netns left) removes the rest
test_destroy_partial() {
	lab_up drop
	write_conf 1
	apply_ok
	ip -n "$NODE" link del "$(inst_host 1)"
	nspx destroy
	[ "$RC" -eq 0 ] || fail "destroy without the veth exits $RC"
	[ -e "/run/netns/$(inst_ns 1)" ] && fail "destroy left the netns when the veth was already gone"
	[ "$(node_links)" = "eth0 lo" ] || fail "NODE links after destroy: $(node_links)"
	return 0
}

# many instances in one file: built, a no-op rerun sends nothing, destroyed
test_many_instances() {
	local n=16 i c
	lab_up drop
	write_conf "$n"
	apply_ok
	for i in $(seq 1 "$n"); do check_instance "$i" "$NODE_MAC"; done
	nspx_traced --json apply
	[ "$RC" -eq 0 ] || fail "rerun with $n instances exits $RC"
	[ "$(json_requests)" = 0 ] || fail "rerun with $n instances: requests=$(json_requests)"
	c=$(strace_changes | sort | uniq -c | tr -s ' \n' ' ')
	[ -z "$c" ] || fail "rerun with $n instances sent:$c"
	expect_plan_empty
	nspx destroy
	[ "$RC" -eq 0 ] || fail "destroy of $n instances exits $RC"
	c=$(my_netns p | tr '\n' ' ')
	[ -z "$c" ] || fail "destroy left $c"
	[ "$(node_links)" = "eth0 lo" ] || fail "NODE links after destroy: $(node_links)"
}
