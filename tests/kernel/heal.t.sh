# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
# shellcheck disable=SC2034 # I_KEYS, I_ADDR: read by write_conf (tests/lib/lab.sh)
# `run` keeps the node converged (README.md, "nsping run"): every drift of a
# configured or owned object is repaired while the worker probes, a local
# fault never takes a target down, a foreign object is reported and left
# alone, SIGHUP reloads the file; and every config change converges in one
# `apply`. Uses the pt_ helpers of ping.t.sh (the runner sources every file
# of the suite).

# hl_run [tc]: the lab, listener and DROP rules, `run --json` in the background
# with fast probes (both programs at tc with "tc"), and its first answer.
hl_run() {
	lab_up drop
	if [ "${1:-}" = tc ]; then
		I_KEYS[1]="$(tc_bindings "$HOSTVETH") ping = { interval_ms = 50; timeout_ms = 300; };"
		write_conf 1
	else
		pt_conf "interval_ms = 50; timeout_ms = 300;"
	fi
	lab_listen
	pt_worker --json run
	pt_wait 60 "a first answer" pt_has 1 '.type == "probe" and .result == "answered"'
}

# hl_repairs: how many repair lines of result "repaired" run printed.
hl_repairs() { pt_count '.type == "repair" and .result == "repaired"'; }

# hl_drift WHAT CMD...: make the drift, then wait for a repair line more.
hl_drift() {
	local what=$1 before
	shift
	before=$(hl_repairs)
	"$@" || fail "could not make the drift '$what': $*"
	pt_wait 60 "a repair of '$what'" pt_has $((before + 1)) '.type == "repair" and .result == "repaired"'
}

hl_status_repairs() {
	nsp --json status >"$T/status.json" 2>/dev/null
	jq -e --argjson n "$1" '.instances[0].worker | .repairs >= $n and .path == "up"' \
		"$T/status.json" >/dev/null
}

hl_no_down() {
	[ "$(pt_count '.type == "state" and .state == "down"')" = 0 ] ||
		pt_fail "a target went down during local drift"
}

# Each drift of README's list is repaired by run, and no probe lost to it is
# counted against the gateway: no target goes down, no timeout is recorded.
test_run_repairs_every_drift() {
	hl_run
	hl_drift "neighbor deleted" ip -n "$PINGNS" neigh del 10.99.0.1 dev "$PEER"
	hl_drift "default route deleted" ip -n "$PINGNS" route del default
	hl_drift "address flushed" ip -n "$PINGNS" addr flush dev "$PEER"
	hl_drift "host veth down" ip -n "$NODE" link set "$HOSTVETH" down
	hl_drift "peer MAC changed" ip -n "$PINGNS" link set "$PEER" address 02:11:22:33:44:55
	hl_drift "tx_ping detached" ip -n "$NODE" link set "$HOSTVETH" xdp off
	hl_drift "rx_ping detached" ip -n "$NODE" link set eth0 xdp off
	pt_wait 60 "answers after the last repair" pt_answered_after "$(pt_last_line '.type == "repair"')"
	expect_rc 0 nsp plan --detailed-exitcode
	# the worker's state file is rewritten once a second
	pt_wait 30 "status to count the 7 repairs" hl_status_repairs 7
	pt_stop TERM
	[ "$RC" = 0 ] || pt_fail "run exited $RC after SIGTERM"
	hl_no_down
	jq -se '[.[] | select(.type == "summary")] | length == 1 and .[0].timeouts == 0' "$OUT" >/dev/null ||
		pt_failv "probes lost to local drift counted as timeouts" "$(grep summary "$OUT")"
	grep -q "^nsping: .*repaired" "$OUT.err" && fail "--json repair lines went to stderr"
	true
}

# hl_hold_id END: the XDP program that END of run's hold pair carries (empty:
# none); fails when END is missing or up (docs/DESIGN.md, "A re-attach
# without a grace period").
hl_hold_id() {
	local j
	j=$(ip -n "$PINGNS" -j -d link show "$1" 2>/dev/null) || return 1
	jq -e '.[0].flags | index("UP") | not' <<<"$j" >/dev/null || return 1
	jq -r '.[0].xdp.prog.id // empty' <<<"$j"
}

# hl_held: run's hold pair carries the programs attached on the host veth and
# the uplink.
hl_held() {
	local tx rx
	tx=$(hl_hold_id nsping-hold-tx) && rx=$(hl_hold_id nsping-hold-rx) || return 1
	[ -n "$tx" ] && [ "$tx" = "$(pt_xdp_id "$HOSTVETH")" ] &&
		[ -n "$rx" ] && [ "$rx" = "$(pt_xdp_id eth0)" ]
}

# run attaches its XDP programs a second time, to a veth pair of its own that
# it keeps down in the netns, so that a detach by another tool and run's
# re-attach are no change to the kernel's XDP dispatcher: the repair
# re-attaches the held program itself. A binding moved to tc leaves its end
# empty; run's exit deletes the pair.
test_run_holds_its_xdp_programs() {
	local tx
	hl_run
	pt_wait 60 "the programs held" hl_held
	tx=$(pt_xdp_id "$HOSTVETH")
	hl_drift "tx_ping detached" ip -n "$NODE" link set "$HOSTVETH" xdp off
	[ "$(pt_xdp_id "$HOSTVETH")" = "$tx" ] ||
		pt_fail "tx_ping re-attached as program $(pt_xdp_id "$HOSTVETH"), not the held $tx"
	hl_held || pt_fail "the hold after the repair: $(ip -n "$PINGNS" -d link show)"
	conf_edit 's/attach = "xdp";/attach = "tc";/'
	expect_rc 0 nsp apply
	pt_wait 60 "rx_ping's end emptied" eval '[ -z "$(hl_hold_id nsping-hold-rx)" ] &&
		[ "$(hl_hold_id nsping-hold-tx)" = "$tx" ]'
	pt_stop TERM
	[ "$RC" = 0 ] || pt_fail "run exited $RC"
	ip -n "$PINGNS" link show nsping-hold-tx >/dev/null 2>&1 && fail "the hold pair outlived run"
	true
}

# A link of someone else's under one of the hold pair's names (here a veth
# whose peer is named otherwise) is left alone: run says why it holds nothing,
# probes and repairs go on, and the link is still there, without XDP, after
# run ends.
test_run_leaves_a_foreign_link_under_a_hold_name() {
	lab_up drop
	pt_conf "interval_ms = 50; timeout_ms = 300;"
	lab_listen
	expect_rc 0 nsp apply
	ip -n "$PINGNS" link add nsping-hold-tx type veth peer name nspfor0 || fail "foreign veth"
	pt_worker --json run
	pt_wait 60 "a first answer" pt_has 1 '.type == "probe" and .result == "answered"'
	pt_wait 30 "run's reason" eval 'grep -q "holding its XDP programs in netns $PINGNS: File exists" "$OUT.err"'
	hl_drift "tx_ping detached" ip -n "$NODE" link set "$HOSTVETH" xdp off
	pt_stop TERM
	[ "$RC" = 0 ] || pt_fail "run exited $RC"
	ip -n "$PINGNS" -j -d link show nsping-hold-tx | jq -e '.[0].xdp == null' >/dev/null ||
		fail "the foreign link was touched: $(ip -n "$PINGNS" -d link show nsping-hold-tx 2>&1)"
	ip -n "$PINGNS" link show nspfor0 >/dev/null || fail "its peer is gone"
	ip -n "$PINGNS" link show nsping-hold-rx >/dev/null 2>&1 && fail "run made a half pair"
	hl_no_down
}

# hl_gw_mac_of_node: the MAC the gateway holds for the node's address.
hl_gw_mac_of_node() { ip -n "$GW" -j neigh show 10.99.0.2 dev eth0 | jq -r '.[0].lladdr // empty'; }

# hl_dropped: tx_ping's drop_not_ipv4 counter, as status shows it.
hl_dropped() {
	nsp --json status 2>/dev/null |
		jq -r --arg vh "$HOSTVETH" '.instances[0].bindings[] | select(.interface == $vh) | .counters.drop_not_ipv4'
}

# The netns's ARP never reaches the wire (docs/DESIGN.md, "What the netns may
# send: IPv4 only"), at either attach of tx_ping. A changed peer MAC flushes the peer's
# neighbours, the gateway's permanent entry too; a connection from the netns
# then asks for the gateway, from the node's address, with the drifted MAC.
# On the wire, that request would make the gateway send the node's traffic to
# that MAC; the gateway must keep the node's, and tx_ping count the drop.
test_netns_arp_stays_off_the_wire() {
	local attach before
	lab_up
	for attach in xdp tc; do
		I_KEYS[1]="xdp = ( { program = \"tx_ping\"; interface = \"$HOSTVETH\"; attach = \"$attach\"; },
		                   { program = \"rx_ping\"; interface = \"eth0\"; } );"
		write_conf 1
		expect_rc 0 nsp apply
		# no IPv6 in the netns: what the counter gains below is the ARP request
		ip netns exec "$PINGNS" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 ||
			fail "$attach: could not turn IPv6 off in $PINGNS"
		# the gateway resolves the node's address: the node answers with its MAC
		ip netns exec "$GW" timeout 2 bash -c 'echo >/dev/tcp/10.99.0.2/1' 2>/dev/null
		[ "$(hl_gw_mac_of_node)" = "$NODE_MAC" ] ||
			fail "$attach: the gateway did not learn the node's MAC: $(ip -n "$GW" neigh show)"
		before=$(hl_dropped)
		[[ $before =~ ^[0-9]+$ ]] || fail "$attach: status shows no drop_not_ipv4 for tx_ping: $before"
		ip -n "$PINGNS" link set "$PEER" address 02:11:22:33:44:55
		[ -z "$(ip -n "$PINGNS" neigh show 10.99.0.1 dev "$PEER")" ] ||
			fail "$attach: the MAC change left the gateway's entry: nothing would ask for it"
		ip netns exec "$PINGNS" timeout 2 bash -c 'echo >/dev/tcp/10.99.0.1/1' 2>/dev/null
		[ "$(hl_dropped)" -gt "$before" ] ||
			fail "$attach: tx_ping dropped no ARP (drop_not_ipv4 $before -> $(hl_dropped))"
		[ "$(hl_gw_mac_of_node)" = "$NODE_MAC" ] ||
			fail "$attach: the netns's ARP reached the gateway: $(ip -n "$GW" neigh show 10.99.0.2)"
		expect_rc 0 nsp apply
		expect_rc 0 nsp plan --detailed-exitcode
	done
}

# pt_answered_after LINE: an answer after line LINE of $OUT.
pt_answered_after() { [ "$(pt_last_line '.type == "probe" and .result == "answered"')" -gt "$1" ]; }

# The text form: one line per repair on stderr, with what changed and how long.
test_run_logs_repairs_as_text() {
	lab_up drop
	pt_conf "interval_ms = 50; timeout_ms = 300;"
	lab_listen
	pt_worker -q run
	pt_wait 60 "run to converge and start" eval 'grep -q "path up" "$OUT.err"'
	ip -n "$PINGNS" route del default || fail "route del"
	pt_wait 60 "a repair line" eval \
		"grep -Eq '^nsping: $INST: repaired in [0-9.]+ ms: \\+ route default dev $PEER \\(via 10.99.0.1\\)\$' \"\$OUT.err\""
	pt_stop TERM
	[ "$RC" = 0 ] || pt_fail "run exited $RC"
}

# A foreign program that takes the uplink is never overwritten: run reports the
# instance blocked, the worker's path goes down with that reason, and its
# target keeps its state; once the foreign program is gone, run repairs.
test_run_leaves_a_foreign_program() {
	local obj=$ROOT/build/bpf/xdp_pass.bpf.o id
	[ -f "$obj" ] || fail "$obj not built"
	hl_run
	ip -force -n "$NODE" link set dev eth0 xdp obj "$obj" sec xdp || fail "foreign attach"
	id=$(pt_xdp_id eth0)
	pt_wait 60 "run to report the instance blocked" pt_has 1 \
		'.type == "repair" and .result == "blocked" and .cause == "receive_path_missing" and
		 (.reason | test("foreign program"))'
	pt_wait 60 "the worker's path down with the cause and the reason" pt_has 1 \
		'.type == "path" and .state == "down" and .cause == "receive_path_missing" and
		 (.reason | test("^datapath: .*foreign program"))'
	# status exits 3 (the conflict), and its worker names the cause
	pt_wait 30 "status to name the cause" eval \
		"nsp --json status >'$T/status.json' 2>/dev/null; jq -e '.instances[0].worker |
		 .path == \"down\" and .path_cause == \"receive_path_missing\"' '$T/status.json' >/dev/null"
	sleep 1 # the notifications of the attach have been read: nothing may overwrite it
	[ "$(pt_xdp_id eth0)" = "$id" ] || fail "the foreign program $id was replaced by $(pt_xdp_id eth0)"
	ip -n "$NODE" link set dev eth0 xdp off || fail "foreign detach"
	pt_wait 60 "a repair once the foreign program left" pt_has 1 '.type == "repair" and .result == "repaired"'
	pt_wait 60 "the path up again" pt_has 2 '.type == "path" and .state == "up"'
	pt_stop TERM
	hl_no_down
}

# Notifications about other links (pods' veths coming and going) repair
# nothing and change nothing.
test_run_ignores_other_links() {
	local i
	hl_run
	for i in $(seq 1 100); do
		ip -n "$NODE" link add "x$i" type veth peer name "y$i" || fail "veth $i"
	done
	for i in $(seq 1 100); do
		ip -n "$NODE" link del "x$i" || fail "del $i"
	done
	sleep 1.5 # long enough for a check to have run and printed
	[ "$(pt_count '.type == "repair"')" = 0 ] || pt_fail "run repaired something after other links came and went"
	pt_stop TERM
}

# SIGHUP: a valid file is applied and handed to the worker, which keeps the
# statistics of the target that stays; an invalid one changes nothing.
test_run_reloads_on_sighup() {
	local sent
	lab_up
	pt_conf "interval_ms = 100; timeout_ms = 300;"
	lab_listen
	pt_worker --json run
	pt_wait 60 "a few answers" pt_has 5 '.type == "probe" and .result == "answered"'
	conf_edit 's/interval_ms = 100;/interval_ms = 50; targets = ( "10.99.0.1", "10.99.0.9" );/'
	kill -HUP "$WORKER" || fail "SIGHUP"
	pt_wait 60 "probes to the new target" pt_has 1 '.type == "probe" and .target == "10.99.0.9"'
	grep -q '^nsping: reloaded ' "$OUT.err" || pt_fail "no reload line on stderr"
	expect_rc 0 nsp plan --detailed-exitcode
	echo "this is not libconfig" >>"$CONF"
	kill -HUP "$WORKER" || fail "SIGHUP"
	pt_wait 30 "the invalid file refused" eval 'grep -q "keeping the running configuration" "$OUT.err"'
	pt_wait 30 "probes going on" pt_has 40 '.type == "probe" and .target == "10.99.0.1"'
	pt_stop TERM
	[ "$RC" = 0 ] || pt_fail "run exited $RC"
	# one summary per target; the old target's count covers both configurations
	sent=$(jq -s '[.[] | select(.type == "probe" and .target == "10.99.0.1")] | length' "$OUT")
	jq -se --argjson n "$sent" '[.[] | select(.type == "summary")] |
		length == 2 and (map(select(.target == "10.99.0.1"))[0].sent >= $n - 1)' "$OUT" >/dev/null ||
		pt_failv "summaries after the reload (10.99.0.1 had $sent probe lines)" "$(grep summary "$OUT")"
}

# plan shows a running worker whose settings differ from the file's; apply has
# it reload, and the worker then runs the file's settings.
test_apply_reloads_a_running_worker() {
	lab_up
	pt_conf "interval_ms = 100; timeout_ms = 300;"
	lab_listen
	expect_rc 0 nsp apply
	pt_worker --json ping
	pt_wait 60 "a first answer" pt_has 1 '.type == "probe" and .result == "answered"'
	expect_rc 0 nsp plan --detailed-exitcode
	conf_edit 's/interval_ms = 100;/interval_ms = 40;/'
	plan_json
	jq -e '.changes == [{"op":"update","kind":"ping","instance":"'"$INST"'","object":"worker of '"$INST"'","attribute":"settings","from":"interval_ms=100","to":"interval_ms=40"}]' \
		"$T/plan.json" >/dev/null || fail "plan: $(jq -c .changes "$T/plan.json")"
	expect_rc 2 nsp plan --detailed-exitcode
	expect_rc 0 nsp apply
	expect_rc 0 nsp plan --detailed-exitcode
	grep -q 'ping port=10086 .*interval_ms=40 ' "$STATE/$INST.worker" ||
		fail "the worker's state: $(cat "$STATE/$INST.worker")"
	pt_stop TERM
}

# hl_change WHAT SED [probes]: from the converged state, one edit of the file,
# one apply (exit 0), then plan --detailed-exitcode 0; with "probes", the
# path still carries probes.
hl_change() {
	conf_edit "$2"
	expect_rc 0 nsp apply
	nspx plan --detailed-exitcode
	[ "$RC" = 0 ] || fail "$1: one apply did not converge: $(cat "$T/out")"
	if [ "${3:-}" = probes ]; then
		pt_ping ping --count 3 >"$T/ping.out" 2>&1 ||
			fail "$1: probes fail after the change: $(tail -2 "$T/ping.out")"
	fi
}

# Every change of the file converges in one apply (README.md, "apply"), and
# probes pass where the path is meant to survive.
test_config_changes_converge_in_one_apply() {
	lab_up drop
	lab_listen
	pt_conf "interval_ms = 50; timeout_ms = 500;"
	expect_rc 0 nsp apply
	pt_ping ping --count 3 >/dev/null || fail "probes fail before any change"
	hl_change "address prefix" 's|10.99.0.2/24|10.99.0.2/25|' probes
	hl_change "address in the subnet" 's|10.99.0.2/25|10.99.0.7/25|'
	hl_change "address back" 's|10.99.0.7/25|10.99.0.2/24|' probes
	hl_change "gateway mac" "s|mac = \"$GW_MAC\"|mac = \"02:00:00:00:00:99\"|"
	hl_change "gateway mac back" "s|mac = \"02:00:00:00:00:99\"|mac = \"$GW_MAC\"|" probes
	hl_change "mac" 's|mac     = "inherit"|mac     = "02:00:00:00:00:42"|'
	hl_change "mac back" 's|mac     = "02:00:00:00:00:42"|mac     = "inherit"|' probes
	hl_change "peer renamed" "s|peer = \"$PEER\"|peer = \"r$PEER\"|" probes
	hl_change "host veth renamed" "s|$HOSTVETH|h$ID|g" probes
	hl_change "ping port, magic, source ports" \
		's|interval_ms = 50;|interval_ms = 50; port = 10086; magic = 0x01020304; sport_min = 62000; sport_max = 63000;|' probes
	hl_change "xdp to tc" 's|attach = "xdp"; }|attach = "tc"; }|' probes
	hl_change "tc to xdp generic" 's|attach = "tc"; }|attach = "xdp"; mode = "generic"; }|' probes
	hl_change "bindings removed" 's|xdp = (.*|xdp = ( );|; /program = "rx_ping"/d'
	hl_change "bindings back" \
		"s|xdp = ( );|xdp = ( { program = \"tx_ping\"; interface = \"h$ID\"; }, { program = \"rx_ping\"; interface = \"eth0\"; } );|" probes
}

# apply of a changed file while run keeps the node: apply makes the change and
# has run reload before it lets the lock go, so run keeps the new state
# instead of repairing the node back. destroy is refused while run runs, and a
# second run on the same state dir is refused.
test_apply_while_run_runs() {
	hl_run
	conf_edit "s|peer = \"$PEER\"|peer = \"r$PEER\"|"
	expect_rc 0 nsp apply
	pt_wait 60 "run to reload the changed file" eval 'grep -q "^nsping: reloaded " "$OUT.err"'
	sleep 1.5 # run has read the notifications of the change: nothing to repair back
	expect_rc 0 nsp plan --detailed-exitcode
	[ -n "$(link_json "$PINGNS" "r$PEER")" ] || fail "the renamed peer is gone: run put the old name back"
	[ "$(pt_count '.type == "repair" and .result == "repaired"')" = 0 ] ||
		pt_fail "run repaired the node back to the old file"
	expect_rc 1 nsp destroy
	grep -q "nsping run (pid $WORKER) keeps" "$T/err" || fail "destroy: $(cat "$T/err")"
	netns_exists "$PINGNS" || fail "the refused destroy removed the netns"
	expect_rc 75 nsp run --count 1
	grep -q "another nsping run (pid $WORKER" "$T/err" || fail "second run: $(cat "$T/err")"
	pt_stop TERM
	[ "$RC" = 0 ] || pt_fail "run exited $RC"
	[ ! -e "$STATE/run" ] || fail "run left $STATE/run behind"
	expect_rc 0 nsp destroy
}

# A reload whose file no longer names an instance prunes it, as apply would.
test_run_reload_prunes() {
	lab_up
	write_conf 2
	lab_listen
	pt_worker --json run
	pt_wait 60 "both paths up" pt_has 2 '.type == "path" and .state == "up"'
	netns_exists "$(inst_ns 2)" || fail "the second instance's netns is missing"
	write_conf 1
	kill -HUP "$WORKER" || fail "SIGHUP"
	pt_wait 60 "the second instance pruned" pt_has 1 '.type == "repair" and .result == "pruned"'
	pt_wait 30 "its netns gone" eval '! netns_exists "$(inst_ns 2)"'
	[ -z "$(link_json "$NODE" "$(inst_host 2)")" ] || fail "its host veth is left"
	netns_exists "$PINGNS" || fail "the first instance's netns went too"
	expect_rc 0 nsp plan --detailed-exitcode
	pt_stop TERM
	[ "$RC" = 0 ] || pt_fail "run exited $RC"
}

# hl_ids [tc]: "TX RX", the program ids of our bindings on the host veth and the
# uplink (tc_ids: tc.t.sh).
hl_ids() {
	if [ "${1:-}" = tc ]; then
		tc_ids
	else
		echo "$(pt_xdp_id "$HOSTVETH") $(pt_xdp_id eth0)"
	fi
}

# A driver reload: the uplink goes and comes back with a new ifindex (and its
# own MAC). While it is gone or without carrier the path is down with the
# reason, the target keeps its state; run then gives both programs the new
# ifindex in place (their uplink_now) and puts rx_ping back on the new uplink:
# the same programs, no new load (docs/DESIGN.md, "A re-attach without a grace
# period"), at XDP and at tc. Probes pass again.
hl_recreated_uplink() {
	local attach=$1 old ids
	hl_run "$attach"
	[ "$attach" = tc ] && TC_HANDLE=$(tc_handle)
	old=$(ifindex_of "$NODE" eth0)
	ids=$(hl_ids "$attach")
	[ -n "${ids% *}" ] && [ -n "${ids#* }" ] || fail "$attach: programs before the drift: '$ids'"
	ip -n "$NODE" link del eth0 || fail "uplink del"
	pt_wait 60 "the path down with the cause and the reason" pt_has 1 \
		'.type == "path" and .state == "down" and (.cause | IN("uplink_missing", "uplink_down")) and
		 (.reason | test("uplink eth0"))'
	ip -n "$NODE" link add eth0 address "$NODE_MAC" type veth peer name eth0 address "$GW_MAC" \
		netns "$GW" || fail "uplink add"
	ip -n "$NODE" addr add 10.99.0.2/24 dev eth0 && ip -n "$GW" addr add 10.99.0.1/24 dev eth0 &&
		ip netns exec "$NODE" ethtool -K eth0 tx off >/dev/null &&
		ip netns exec "$GW" ethtool -K eth0 tx off gro on >/dev/null &&
		ip -n "$NODE" link set eth0 up && ip -n "$GW" link set eth0 up || fail "uplink setup"
	[ "$(ifindex_of "$NODE" eth0)" != "$old" ] || fail "the new uplink has the old ifindex"
	pt_wait 60 "a repair on the new uplink" pt_has 1 '.type == "repair" and .result == "repaired"'
	pt_wait 60 "answers again" pt_answered_after "$(pt_last_line '.type == "repair" and .result == "repaired"')"
	expect_rc 0 nsp plan --detailed-exitcode
	[ "$(hl_ids "$attach")" = "$ids" ] ||
		pt_fail "$attach: new programs (tx_ping rx_ping): $ids -> $(hl_ids "$attach")"
	[ "$attach" = tc ] || pt_wait 30 "the programs held" hl_held
	pt_stop TERM
	hl_no_down
}

test_run_repairs_a_recreated_uplink() { hl_recreated_uplink xdp; }
test_run_repairs_a_recreated_uplink_at_tc() { hl_recreated_uplink tc; }

# An uplink that refuses tx_ping's frames (here the gateway's end of the
# uplink veth loses its NAPI: GRO off, no XDP program) sends no notification;
# run's transmit watch sees every redirected probe dropped. The path is down
# with the cause uplink_tx_errors in the worker's lines, status, the metrics
# and run's own line; no target goes down, no probe counts as a timeout; once
# the uplink takes the frames again, the path is up and probes are answered.
test_run_names_uplink_tx_errors() {
	local prom=$T/nsping.prom
	lab_up drop
	pt_conf "interval_ms = 50; timeout_ms = 1000;"
	lab_listen
	pt_worker --json run --prom-file "$prom"
	pt_wait 60 "a first answer" pt_has 1 '.type == "probe" and .result == "answered"'
	ip netns exec "$GW" ethtool -K eth0 gro off >/dev/null || fail "GRO off at the gateway's end"
	pt_wait 60 "run to say the transmit path fails" pt_has 1 \
		'.type == "repair" and .result == "failing" and .cause == "uplink_tx_errors" and
		 (.reason | test("uplink eth0 lost every probe"))'
	pt_wait 60 "the path down with its cause" pt_has 1 \
		'.type == "path" and .state == "down" and .cause == "uplink_tx_errors"'
	pt_wait 30 "status to name the cause" pt_status_worker \
		'.path == "down" and .path_cause == "uplink_tx_errors"'
	nsp status >"$T/status.txt" 2>&1
	grep -q "path down (uplink_tx_errors: uplink eth0 lost" "$T/status.txt" ||
		pt_failv "status text without the cause" "$(cat "$T/status.txt")"
	pt_wait 30 "the metrics to name the cause" grep -qx \
		"nsping_path_cause{nsping_instance=\"$INST\",cause=\"uplink_tx_errors\"} 1" "$prom"
	grep -qx "nsping_path_up{nsping_instance=\"$INST\"} 0" "$prom" ||
		pt_failv "nsping_path_up is not 0" "$(grep path "$prom")"
	ip netns exec "$GW" ethtool -K eth0 gro on >/dev/null || fail "GRO on at the gateway's end"
	pt_wait 60 "run to say the probes flow again" pt_has 1 \
		'.type == "repair" and .result == "flowing" and .cause == "uplink_tx_errors"'
	pt_wait 60 "the path up again" pt_has 2 '.type == "path" and .state == "up"'
	pt_wait 60 "answers again" pt_answered_after "$(pt_last_line '.type == "repair" and .result == "flowing"')"
	pt_wait 30 "the metrics to say none" grep -qx \
		"nsping_path_cause{nsping_instance=\"$INST\",cause=\"none\"} 1" "$prom"
	pt_stop TERM
	[ "$RC" = 0 ] || pt_fail "run exited $RC"
	hl_no_down
	jq -se '[.[] | select(.type == "summary")] | length == 1 and .[0].timeouts == 0' "$OUT" >/dev/null ||
		pt_failv "probes lost on the uplink counted as timeouts" "$(grep summary "$OUT")"
}

# hl_alarm_links: the ids of the programs on the tracepoint bpf links that run's
# process (WORKER) holds, one a line (a tp_btf program's link is a
# raw_tracepoint link, or a tracing one, by kernel).
hl_alarm_links() {
	grep -lE '^link_type:[[:space:]]*(raw_tracepoint|tracing)$' /proc/"$WORKER"/fdinfo/* 2>/dev/null |
		xargs -r awk '/^prog_id:/ { print $2 }'
}

hl_has_alarm_links() { [ -n "$(hl_alarm_links)" ]; }

# hl_wakeups: how many times run's main thread has gone to sleep and been woken.
hl_wakeups() { awk '/^voluntary_ctxt_switches:/ { print $2 }' "/proc/$WORKER/status"; }

# The kernel's alarm for lost probes (reconciler/txalarm.h): while run runs it
# holds the links of bpf/txloss.bpf.c's two tracepoint programs; while no probe
# is lost its reconciler reads no counters on a timer (over 5 idle seconds it
# wakes less than 5 times: a reading every 500 ms, as before the alarm, is 10);
# the first lost probe wakes it, and the path is named failing, with no probe
# counted as a timeout; the links go with run.
test_run_wakes_for_a_lost_probe_not_on_a_timer() {
	local progs before after
	lab_up drop
	pt_conf "interval_ms = 200; timeout_ms = 1000;"
	lab_listen
	pt_worker --json run
	pt_wait 60 "a first answer" pt_has 1 '.type == "probe" and .result == "answered"'
	# run attaches the alarm beside its first pass, and the worker's first
	# answer can come before the links do (make check saw it once, 1 s in)
	pt_wait 60 "run's tracepoint links" hl_has_alarm_links
	progs=$(hl_alarm_links | sort -n | tr '\n' ' ')
	[ -n "$progs" ] || pt_failv "run holds no tracepoint link" "$(ls -l /proc/"$WORKER"/fd)"
	for p in $progs; do
		bpftool -j prog show id "$p" | jq -r .name
	done | sort | tr '\n' ' ' >"$T/alarm.names"
	[ "$(cat "$T/alarm.names")" = "txloss_redirect txloss_xmit " ] ||
		pt_failv "run's tracing programs are not the alarm's" "$(cat "$T/alarm.names")"
	sleep 1 # run's start (its first checks and readings) is over
	before=$(hl_wakeups)
	sleep 5
	after=$(hl_wakeups)
	[ $((after - before)) -lt 5 ] ||
		pt_failv "run woke $((after - before)) times in 5 idle seconds" "$(cat "/proc/$WORKER/status")"
	ip netns exec "$GW" ethtool -K eth0 gro off >/dev/null || fail "GRO off at the gateway's end"
	pt_wait 60 "run to say the transmit path fails" pt_has 1 \
		'.type == "repair" and .result == "failing" and .cause == "uplink_tx_errors"'
	ip netns exec "$GW" ethtool -K eth0 gro on >/dev/null || fail "GRO on at the gateway's end"
	pt_wait 60 "run to say the probes flow again" pt_has 1 \
		'.type == "repair" and .result == "flowing" and .cause == "uplink_tx_errors"'
	pt_stop TERM
	[ "$RC" = 0 ] || pt_fail "run exited $RC"
	hl_no_down
	jq -se '[.[] | select(.type == "summary")] | length == 1 and .[0].timeouts == 0' "$OUT" >/dev/null ||
		pt_failv "probes lost on the uplink counted as timeouts" "$(grep summary "$OUT")"
	for p in $progs; do
		bpftool prog show id "$p" >/dev/null 2>&1 && pt_fail "program $p of the alarm outlived run"
	done
	return 0
}
