# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
# shellcheck disable=SC2034 # I_KEYS, I_ADDR: read by write_conf (tests/lib/lab.sh)
# The ping worker on a real kernel: probes through the node's DROP rules, the
# JSON lines, closed ports, ICMP errors, hysteresis, a netns or veth that goes
# away under the running worker, least privilege, signals, Prometheus output,
# `run`, and two instances.
#
# Helpers here are prefixed pt_. Background processes are registered with
# bg_pid (tests/lib/lab.sh): lab_down ends them.

# pt_conf PING_KEYS: one instance with both XDP bindings and ping = { PING_KEYS }
# (rx_ping at XDP, said so: its default is tc, which tc.t.sh covers).
pt_conf() {
	I_KEYS[1]="xdp = ( { program = \"tx_ping\"; interface = \"$HOSTVETH\"; },
	                   { program = \"rx_ping\"; interface = \"eth0\"; attach = \"xdp\"; } );
	    ping = { $1 };"
	write_conf 1
}

# pt_wait SECONDS WHAT CMD...: poll CMD every 0.1 s; fail naming WHAT, with the
# end of the worker's output, after SECONDS (a hang guard, not a speed limit).
pt_wait() {
	local limit=$1 what=$2 i
	shift 2
	for ((i = 0; i < limit * 10; i++)); do
		"$@" && return 0
		sleep 0.1
	done
	pt_fail "waited ${limit}s for $what"
}

# pt_ping ARGS...: nsping in the foreground with a generous hang guard.
pt_ping() {
	timeout -k 5 120 "$NSPING" -c "$CONF" --host-netns "$NODE" --state-dir "$STATE" \
		--lock-wait 2 "$@"
}

# pt_worker ARGS...: nsping in the background, stdout to $OUT, stderr to $OUT.err;
# its pid in WORKER. Call it directly (not in $(...)) so that WORKER is set.
pt_worker() {
	OUT=$T/worker.out
	"$NSPING" -c "$CONF" --host-netns "$NODE" --state-dir "$STATE" --lock-wait 2 "$@" \
		>"$OUT" 2>"$OUT.err" &
	WORKER=$!
	bg_pid "$WORKER"
}

# pt_stop SIGNAL: signal the worker and reap it (hang guard 60 s); its exit code in RC.
pt_stop() {
	local i
	kill -"$1" "$WORKER" || pt_fail "the worker is gone before SIG$1"
	for ((i = 0; i < 600; i++)); do
		alive "$WORKER" || break
		sleep 0.1
	done
	alive "$WORKER" && fail "the worker did not end within 60s of SIG$1"
	wait "$WORKER"
	RC=$?
	bg_forget "$WORKER"
}

pt_tail() {
	[ -n "${OUT:-}" ] && [ -e "$OUT" ] && { tail -c 1500 "$OUT"; tail -c 500 "$OUT.err"; }
}
# The runner shows the last lines of a failure: the data first, then what failed.
# pt_failv WHAT DATA: fail with DATA, then WHAT.
pt_failv() {
	fail "$2
^ $1"
}
# pt_fail WHAT: fail with the end of the worker's output, then WHAT.
pt_fail() {
	fail "worker output (end): $(pt_tail)
$*"
}

# pt_count FILTER: JSON lines of $OUT matching the jq FILTER (a partial last
# line of a running worker is skipped).
pt_count() { jq -R "fromjson? | select($1)" "$OUT" 2>/dev/null | jq -s length; }
# pt_has N FILTER: at least N lines match.
pt_has() { [ "$(pt_count "$2")" -ge "$1" ]; }
# pt_last_line FILTER: the number (1-based) of the last line of $OUT matching FILTER, or 0.
pt_last_line() {
	jq -R "fromjson? // {} | select($1) | input_line_number" "$OUT" 2>/dev/null | tail -1 |
		grep . || echo 0
}

# pt_connect NS [WAIT]: a TCP handshake from NS to the gateway's port 10086
# (waiting WAIT s, default 30; a control that must fail passes a short one),
# then an abortive close: one RST, no FIN that could be retransmitted later.
pt_connect() {
	ip netns exec "$1" /usr/bin/python3 -c '
import socket, struct, sys
s = socket.socket()
s.settimeout(float(sys.argv[1]))
s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
try:
    s.connect(("10.99.0.1", 10086))
except OSError:
    sys.exit(1)
s.close()' "${2:-30}"
}

pt_ipt_pkts() { ip netns exec "$1" iptables -w -nvxL "$2" 1 | awk '{print $1}'; }
pt_nstat() { ip netns exec "$1" nstat -az "$2" | awk -v k="$2" '$1 == k {print $2}'; }
pt_xdp_id() { ip -n "$NODE" -j -d link show "$1" | jq -r '.[0].xdp.prog.id // empty'; }

# The proof of the mission: the node's iptables drop port 10086 both ways, a
# TCP connect from the node fails, and the worker's probes are answered.
test_ping_through_drop() {
	local s in0
	lab_up
	pt_conf "interval_ms = 20; timeout_ms = 5000;"
	lab_listen
	pt_connect "$NODE" || fail "the control without rules: no connect from the node to the listener"
	lab_drop_rules
	pt_connect "$NODE" 2 && fail "the control: a connect from the node passed its DROP rules"
	[ "$(pt_ipt_pkts "$NODE" OUTPUT)" -ge 1 ] || fail "the control SYN did not hit the OUTPUT rule"
	s=$(pt_ipt_pkts "$NODE" OUTPUT) in0=$(pt_ipt_pkts "$NODE" INPUT)

	expect_rc 0 nsp apply
	pt_ping --json ping --count 100 >"$T/ping.json" 2>"$T/ping.err" ||
		pt_failv "ping --count 100 exited $?" "$(tail -3 "$T/ping.json") $(cat "$T/ping.err")"
	jq -se '[.[] | select(.type == "summary")] | length == 1 and
	        (.[0] | .target == "10.99.0.1" and .sent == 100 and .received >= 99)' \
		"$T/ping.json" >/dev/null ||
		pt_failv "summary" "$(grep summary "$T/ping.json")"
	# Neither the probes nor their replies went through the node's netfilter...
	[ "$(pt_ipt_pkts "$NODE" OUTPUT)" -eq "$s" ] ||
		fail "probes hit the node's OUTPUT rule: $(pt_ipt_pkts "$NODE" OUTPUT) > $s"
	[ "$(pt_ipt_pkts "$NODE" INPUT)" -eq "$in0" ] ||
		fail "replies hit the node's INPUT rule: $(pt_ipt_pkts "$NODE" INPUT) > $in0"
	# ...they went through the XDP programs, and the node still can't connect.
	status_json
	jq -e '[.instances[0].bindings[] | .counters.redirected] | length == 2 and all(. >= 99)' \
		"$T/status.json" >/dev/null ||
		pt_failv "XDP counters" "$(jq -c '.instances[0].bindings' "$T/status.json")"
	pt_connect "$NODE" 2 && fail "after apply a connect from the node passed its DROP rules"
	true
}

# Every line of `--json ping` is one JSON object of a known type with the
# fields of README.md ("JSON"); the summary is consistent with the probe lines.
# The lab pins what the README leaves open: RTTs from kernel timestamps (veth
# stamps both ways), and a plain kernel listener's answer does not carry the
# gateway's MAGIC (gateway_magic false; test_ping_gateway_magic has the true).
# (The first probe of a new worker may lack the kernel's rx stamp: the kernel
# turns receive timestamps on for the system from a work item, net_enable_timestamp(),
# so the packets of the first moment can pass unstamped.)
test_ping_json_shapes() {
	local out=$T/ping.json
	lab_up
	pt_conf "interval_ms = 50; timeout_ms = 5000;"
	lab_listen
	expect_rc 0 nsp apply
	pt_ping --json ping --count 5 >"$out" 2>"$T/ping.err" ||
		pt_failv "ping exited $?" "$(cat "$out" "$T/ping.err")"
	[ -s "$out" ] || fail "no output"
	while IFS= read -r line; do
		jq -e 'type == "object" and (.type | IN("probe", "state", "path", "summary"))' \
			<<<"$line" >/dev/null 2>&1 || fail "not a JSON line of a known type: $line"
	done <"$out"
	jq -se --arg inst "$INST" '
	  def n: type == "number" and . >= 0 and floor == .;
	  (map(select(.type == "probe")) | length == 5 and
	     all(.instance == $inst and .target == "10.99.0.1" and (.seq | n) and
	         .result == "answered" and (.rtt_us | n) and
	         (.rtt_source == "kernel" or (.seq == 0 and (.rtt_source | IN("user_tx", "user")))) and
	         .gateway_magic == false and
	         (has("from") or has("icmp_type") or has("icmp_code") | not)) and
	     (map(.seq) | sort == [0, 1, 2, 3, 4])) and
	  (map(select(.type == "path")) | length == 1 and .[0].instance == $inst and
	     .[0].state == "up") and
	  (map(select(.type == "state")) | length == 1 and .[0].state == "up" and
	     .[0].target == "10.99.0.1") and
	  (.[-1].type == "summary") and
	  (map(select(.type == "summary")) | length == 1 and (.[0] |
	     .instance == $inst and .target == "10.99.0.1" and .sent == 5 and .received == 5 and
	     keys == ["closed", "duplicate", "instance", "late", "loss_pct", "path", "path_down",
	              "received", "rtt_avg_us", "rtt_last_us", "rtt_max_us", "rtt_mdev_us", "rtt_min_us",
	              "sent", "state", "target", "timeouts", "type", "unreachable"] and
	     .closed == 0 and .unreachable == 0 and .timeouts == 0 and .late == 0 and .duplicate == 0 and
	     .path_down == 0 and .path == "up" and (.rtt_mdev_us | n) and (.rtt_last_us | n) and
	     (.loss_pct | type == "number") and .loss_pct == 0 and
	     (.rtt_min_us | n) and (.rtt_avg_us | n) and (.rtt_max_us | n) and
	     .rtt_min_us <= .rtt_avg_us and .rtt_avg_us <= .rtt_max_us and .rtt_max_us > 0 and
	     (.state | IN("up", "down")) and .state == "up"))
	' "$out" >/dev/null || pt_failv "shapes" "$(cat "$out")"
	# The summary's RTTs are those of the probe lines.
	jq -se '(map(select(.type == "probe") | .rtt_us)) as $r | (.[-1] |
	        .rtt_min_us == ($r | min) and .rtt_max_us == ($r | max) and
	        (.rtt_avg_us - ($r | add / length) | fabs) <= 1)' "$out" >/dev/null ||
		pt_failv "summary RTTs do not match the probes" "$(cat "$out")"
}

# No listener: the gateway's RST makes every probe "closed", the target down,
# and --count exit 1.
test_ping_closed_port() {
	local out=$T/ping.json
	lab_up
	pt_conf "interval_ms = 100; timeout_ms = 1000;"
	expect_rc 0 nsp apply
	pt_ping --json ping --count 3 >"$out" 2>"$T/ping.err"
	[ $? -eq 1 ] || pt_failv "ping --count 3 to a closed port did not exit 1" "$(cat "$out")"
	jq -se '(map(select(.type == "probe")) | length == 3 and all(.result == "closed")) and
	        (map(select(.type == "state")) | length == 1 and .[0].state == "down") and
	        (map(select(.type == "summary")) | length == 1 and (.[0] |
	          .sent == 3 and .received == 0 and .closed == 3 and .loss_pct == 100 and
	          .state == "down"))' "$out" >/dev/null || pt_failv "output" "$(cat "$out")"
}

# --count N exits 0 only if every target answered: one answering target and
# one that can't answer is exit 1, with the answering one's counts intact.
test_ping_count_needs_every_target() {
	local out=$T/ping.json
	lab_up
	pt_conf "interval_ms = 100; timeout_ms = 2000; targets = ( \"10.99.0.1\", \"10.99.0.77\" );"
	lab_listen
	expect_rc 0 nsp apply
	pt_ping --json ping --count 3 >"$out" 2>"$T/ping.err"
	[ $? -eq 1 ] || pt_failv "one silent target of two: ping --count 3 did not exit 1" "$(cat "$out")"
	jq -se 'map(select(.type == "summary")) | length == 2 and
	        (map(select(.target == "10.99.0.1"))[0] | .sent == 3 and .received == 3 and .state == "up") and
	        (map(select(.target == "10.99.0.77"))[0] | .sent == 3 and .received == 0 and .state == "down")' \
		"$out" >/dev/null || pt_failv "summaries" "$(grep summary "$out")"
}

# pt_check_hysteresis FILE DOWN UP: replays the probe results of FILE (one
# target) through the hysteresis rule and requires a state line right after the
# probe line that completes DOWN misses or UP answers in a row, and nowhere else.
# Prints the errors; empty if none.
pt_check_hysteresis() {
	jq -rs --argjson down "$2" --argjson up "$3" '
	  reduce .[] as $l ({ok: 0, miss: 0, st: "unknown", want: null, err: [], n: 0};
	    .n += 1
	    | if .want != null then
	        (if $l.type == "state" and $l.state == .want then .
	         else .err += ["line \(.n): expected a \(.want) state line, got \($l | tojson)"] end)
	        | .want = null
	      elif $l.type == "state" then .err += ["line \(.n): unexpected \($l | tojson)"]
	      else . end
	    | if $l.type == "probe" and ($l.result | IN("late", "duplicate") | not) then
	        if $l.result == "answered" then
	          .miss = 0 | .ok += 1
	          | if .ok >= $up and .st != "up" then .st = "up" | .want = "up" else . end
	        else
	          .ok = 0 | .miss += 1
	          | if .miss >= $down and .st != "down" then .st = "down" | .want = "down" else . end
	        end
	      else . end)
	  | .err[]' "$1"
}

# down_after = 3, up_after = 2: "down" exactly after the 3rd timeout in a row,
# "up" exactly after the 2nd answer in a row.
test_ping_hysteresis() {
	local errs
	lab_up
	pt_conf "interval_ms = 100; timeout_ms = 500; down_after = 3; up_after = 2;"
	lab_listen
	expect_rc 0 nsp apply
	pt_worker --json ping
	pt_wait 30 "the target to come up" pt_has 1 '.type == "state" and .state == "up"'
	ip netns exec "$GW" iptables -w -A INPUT -p tcp --dport 10086 -j DROP
	pt_wait 30 "the target to go down" pt_has 1 '.type == "state" and .state == "down"'
	pt_has 3 '.type == "probe" and .result == "timeout"' || pt_fail "down without 3 timeouts"
	ip netns exec "$GW" iptables -w -D INPUT -p tcp --dport 10086 -j DROP
	pt_wait 30 "the target to come up again" pt_has 2 '.type == "state" and .state == "up"'
	alive "$WORKER" || pt_fail "the worker ended"
	pt_stop TERM
	[ "$RC" -eq 0 ] || pt_fail "SIGTERM: exit $RC, expected 0"
	jq -se '.[-1] | .type == "summary" and .state == "up" and .timeouts >= 3 and .received >= 4' \
		"$OUT" >/dev/null || pt_fail "no summary after SIGTERM"
	errs=$(pt_check_hysteresis "$OUT" 3 2)
	[ -z "$errs" ] || fail "hysteresis: $errs"
	# The transitions, in order: up, down, up.
	[ "$(jq -r 'select(.type == "state") | .state' "$OUT" | tr '\n' ' ')" = "up down up " ] ||
		pt_failv "state lines" "$(grep '"state"' "$OUT")"
}

# The checker itself must catch a state line that comes one probe early.
test_ping_hysteresis_checker() {
	local f=$T/h.json
	{
		echo '{"type":"probe","result":"answered"}'
		echo '{"type":"probe","result":"answered"}'
		echo '{"type":"state","state":"up"}'
		echo '{"type":"probe","result":"timeout"}'
		echo '{"type":"probe","result":"late"}'
		echo '{"type":"probe","result":"timeout"}'
		echo '{"type":"probe","result":"closed"}'
		echo '{"type":"state","state":"down"}'
	} >"$f"
	[ -z "$(pt_check_hysteresis "$f" 3 2)" ] || fail "a correct sequence was refused"
	sed -i '6a {"type":"state","state":"down"}' "$f"
	[ -n "$(pt_check_hysteresis "$f" 3 2)" ] || fail "a down after 2 misses was accepted"
	[ -n "$(pt_check_hysteresis "$f" 3 1)" ] || fail "a late up was accepted"
}

# pt_path_cycle BREAK REASON [CAUSE]: with the worker running and answered, BREAK
# the path; require a path down line whose reason matches the regex REASON (a
# first one may name the failed send; a retry names the cause), and whose cause
# is CAUSE when given (every down line names one), while the worker keeps
# running; repair with apply; require a path up line and answered probes after it.
pt_path_cycle() {
	local down up
	pt_wait 30 "a first answer" pt_has 1 '.type == "probe" and .result == "answered"'
	eval "$1" || fail "could not break the path: $1"
	pt_wait 60 "a path down line matching /$2/${3:+ with cause $3}" \
		pt_has 1 ".type == \"path\" and .state == \"down\" and (.reason | test(\"$2\")) and
			  (\"${3:-}\" == \"\" or .cause == \"${3:-}\")"
	[ "$(pt_count '.type == "path" and .state == "down" and (.cause | type) != "string"')" = 0 ] ||
		pt_failv "a path down line without a cause" "$(grep '"path"' "$OUT")"
	down=$(pt_last_line '.type == "path" and .state == "down"')
	[ "$(pt_count '.type == "path" and .state == "up"')" -eq 1 ] ||
		pt_fail "path up while broken"
	alive "$WORKER" || pt_fail "the worker ended when the path went down"
	expect_rc 0 nsp apply
	pt_wait 60 "a path up line after the repair" pt_path_up_after "$down"
	up=$(pt_last_line '.type == "path" and .state == "up"')
	pt_wait 60 "an answer after the path came back" pt_answered_after "$up"
	alive "$WORKER" || pt_fail "the worker ended"
	pt_stop TERM
	[ "$RC" -eq 0 ] || pt_fail "SIGTERM: exit $RC, expected 0"
	jq -se '.[-1] | .type == "summary" and .path == "up" and .path_down >= 1' "$OUT" \
		>/dev/null || pt_fail "summary"
}
pt_path_up_after() { [ "$(pt_last_line '.type == "path" and .state == "up"')" -gt "$1" ]; }
pt_answered_after() {
	[ "$(pt_last_line '.type == "probe" and .result == "answered"')" -gt "$1" ]
}

# The netns name is deleted under the running worker (ip netns del: the old
# netns lives on while the worker's sockets and opener hold it, so sends still
# work): the once-a-second check sees the name gone, path down, the worker
# stays; apply makes a new netns: path up, probes answered through the new one.
test_ping_netns_deleted() {
	lab_up
	pt_conf "interval_ms = 100; timeout_ms = 300;"
	lab_listen
	expect_rc 0 nsp apply
	pt_worker --json ping
	pt_path_cycle 'old=$(netns_inode); ip netns del "$PINGNS"' \
		"^netns $PINGNS: No such file or directory$" netns_gone
	[ "$(netns_inode)" != "$old" ] || fail "apply did not make a new netns"
	[ "$(jq -r 'select(.type == "path" and .state == "down") | .reason' "$OUT" | head -1)" = \
		"netns $PINGNS: No such file or directory" ] ||
		pt_failv "the first path down line is not the check's" "$(grep '"path"' "$OUT")"
}

# nsp destroy under the running worker (netns, veth and programs go):
# path down, the worker stays; apply: path up, probes answered again.
test_ping_netns_destroyed() {
	lab_up
	pt_conf "interval_ms = 100; timeout_ms = 300;"
	lab_listen
	expect_rc 0 nsp apply
	pt_worker --json ping
	pt_path_cycle 'old=$(netns_inode); expect_rc 0 nsp destroy' "^netns $PINGNS: "
	[ "$(netns_inode)" != "$old" ] || fail "apply did not make a new netns"
}

# Destroyed and recreated at once, possibly between two checks of the worker.
test_ping_netns_recreated() {
	lab_up
	pt_conf "interval_ms = 100; timeout_ms = 300;"
	lab_listen
	expect_rc 0 nsp apply
	pt_worker --json ping
	pt_wait 30 "a first answer" pt_has 1 '.type == "probe" and .result == "answered"'
	local ino down
	ino=$(netns_inode)
	expect_rc 0 nsp destroy
	expect_rc 0 nsp apply
	[ "$(netns_inode)" != "$ino" ] || fail "not a new netns"
	pt_wait 60 "a path down line" pt_has 1 '.type == "path" and .state == "down"'
	down=$(pt_last_line '.type == "path" and .state == "down"')
	pt_wait 60 "a path up line" pt_path_up_after "$down"
	pt_wait 60 "an answer through the new netns" \
		pt_answered_after "$(pt_last_line '.type == "path" and .state == "up"')"
	pt_stop TERM
	[ "$RC" -eq 0 ] || pt_fail "SIGTERM: exit $RC"
}

# The netns-side veth goes down (its routes go with it): path down; apply sets
# it up: path up again.
test_ping_veth_down() {
	lab_up
	pt_conf "interval_ms = 100; timeout_ms = 300;"
	lab_listen
	expect_rc 0 nsp apply
	pt_worker --json ping
	pt_path_cycle 'ip -n "$PINGNS" link set "$PEER" down' "unreachable"
}

# The host-side veth goes down: the netns side keeps its routes but loses its
# carrier, so probes would vanish silently; the worker's link check sees it.
test_ping_veth_no_carrier() {
	lab_up
	pt_conf "interval_ms = 100; timeout_ms = 300;"
	lab_listen
	expect_rc 0 nsp apply
	pt_worker --json ping
	pt_path_cycle 'ip -n "$NODE" link set "$HOSTVETH" down' "^$PEER is up but has no carrier$" \
		veth_down
}

# The worker runs with no capability and no_new_privs; its opener child keeps
# exactly CAP_NET_RAW and CAP_SYS_ADMIN.
test_ping_least_privilege() {
	local kids opener f
	lab_up
	pt_conf "interval_ms = 100; timeout_ms = 500;"
	lab_listen
	expect_rc 0 nsp apply
	pt_worker --json ping
	pt_wait 30 "a first answer" pt_has 1 '.type == "probe" and .result == "answered"'
	f=/proc/$WORKER/status
	for k in CapInh CapPrm CapEff CapBnd CapAmb; do
		grep -qx "$k:[[:space:]]*0000000000000000" "$f" ||
			fail "worker: $(grep "^$k:" "$f"), expected 0"
	done
	grep -qx 'NoNewPrivs:[[:space:]]*1' "$f" || pt_failv "worker" "$(grep NoNewPrivs "$f")"
	kids=$(cat /proc/"$WORKER"/task/*/children | xargs)
	[ "$(wc -w <<<"$kids")" -eq 1 ] || fail "worker children: '$kids', expected one opener"
	opener=$kids f=/proc/$opener/status
	[ "$(cat "/proc/$opener/comm")" = nsping-opener ] ||
		pt_failv "child comm" "$(cat "/proc/$opener/comm")"
	# CAP_NET_RAW is bit 13, CAP_SYS_ADMIN bit 21.
	for k in CapPrm CapEff CapBnd; do
		grep -qx "$k:[[:space:]]*0000000000202000" "$f" ||
			fail "opener: $(grep "^$k:" "$f"), expected 0000000000202000"
	done
	for k in CapInh CapAmb; do
		grep -qx "$k:[[:space:]]*0000000000000000" "$f" || pt_failv "opener" "$(grep "^$k:" "$f")"
	done
	grep -qx 'NoNewPrivs:[[:space:]]*1' "$f" || pt_failv "opener" "$(grep NoNewPrivs "$f")"
	# Still probing with those privileges.
	local n
	n=$(pt_count '.type == "probe" and .result == "answered"')
	pt_wait 30 "more answers" pt_has $((n + 2)) '.type == "probe" and .result == "answered"'
	# The opener ends with the worker.
	pt_stop TERM
	[ "$RC" -eq 0 ] || fail "SIGTERM: exit $RC"
	pt_wait 10 "the opener to end" eval '! alive "$opener"'
}

# SIGUSR1 prints the summaries and the worker goes on; SIGTERM and SIGINT end
# it with the summaries and exit 0.
test_ping_signals() {
	local n
	lab_up
	pt_conf "interval_ms = 50; timeout_ms = 500;"
	lab_listen
	expect_rc 0 nsp apply
	pt_worker --json ping
	pt_wait 30 "a first answer" pt_has 1 '.type == "probe" and .result == "answered"'
	[ "$(pt_count '.type == "summary"')" -eq 0 ] || fail "a summary before any signal"
	kill -USR1 "$WORKER"
	pt_wait 30 "a summary after SIGUSR1" pt_has 1 '.type == "summary"'
	kill -USR1 "$WORKER"
	pt_wait 30 "a second summary after SIGUSR1" pt_has 2 '.type == "summary"'
	n=$(pt_last_line '.type == "summary"')
	pt_wait 30 "probes after SIGUSR1" pt_answered_after "$n"
	alive "$WORKER" || fail "SIGUSR1 ended the worker"
	jq -R 'fromjson? | select(.type == "summary")' "$OUT" | jq -se '
	  length == 2 and all(.target == "10.99.0.1" and .received >= 1 and .state == "up") and
	  .[1].sent >= .[0].sent' >/dev/null || pt_failv "summaries" "$(grep summary "$OUT")"
	pt_stop TERM
	[ "$RC" -eq 0 ] || pt_fail "SIGTERM: exit $RC, expected 0"
	[ "$(pt_count '.type == "summary"')" -eq 3 ] || pt_fail "no summary at SIGTERM"
	jq -se '.[-1].type == "summary"' "$OUT" >/dev/null || fail "SIGTERM: the last line is not a summary"

	# SIGINT, in text mode: the summary is an xmt/rcv/%loss line.
	pt_worker ping
	pt_wait 30 "a first text answer" grep -q 'syn-ack' "$OUT"
	pt_stop INT
	[ "$RC" -eq 0 ] || pt_fail "SIGINT: exit $RC, expected 0"
	tail -1 "$OUT" | grep -Eq "^$INST 10\.99\.0\.1 : xmt/rcv/%loss = [0-9]+/[0-9]+/[0-9]+%.*, up$" ||
		pt_fail "SIGINT: no text summary"
}

# status shows the worker (README.md, "status --json": "worker"): not running, then
# running with its pid, path and targets, then not running after SIGTERM (its
# state file removed) and after SIGKILL (the file left behind, its writer gone).
pt_status() { status_is "$1"; } # JQ: status --json exits 0 and satisfies JQ
pt_status_worker() { pt_status ".instances[0].worker | $1"; }
test_status_shows_the_worker() {
	local file=$STATE/$INST.worker
	lab_up
	pt_conf "interval_ms = 100; timeout_ms = 500;"
	lab_listen
	expect_rc 0 nsp apply
	pt_status_worker '. == {"running": false}' || fail "before: $(cat "$T/status.json")"
	pt_worker --json ping
	pt_wait 30 "status: the worker running, its target up" pt_status_worker \
		".running and .pid == $WORKER and .path == \"up\" and .targets == 1 and
		 .targets_up == 1 and .received >= 1 and .sent >= .received and
		 .updated >= .since"
	expect_rc 0 nsp status
	grep -Eq "^  worker   pid $WORKER, running since [0-9-]+ [0-9:]+ UTC; path up; targets up 1 of 1; probes sent [0-9]+, answered [1-9][0-9]*; repairs 0\$" \
		"$T/out" || fail "status text: $(grep worker "$T/out")"
	pt_stop TERM
	[ ! -e "$file" ] || fail "SIGTERM left $file"
	pt_status_worker '. == {"running": false}' || fail "after SIGTERM: $(cat "$T/status.json")"

	pt_worker --json ping
	pt_wait 30 "status: the second worker running" pt_status_worker ".running and .pid == $WORKER"
	pt_stop KILL
	[ "$RC" -eq 137 ] || fail "the worker killed by SIGKILL exited $RC, expected 137"
	[ -e "$file" ] || fail "SIGKILL: no state file left to test with"
	pt_status_worker '. == {"running": false}' || fail "after SIGKILL: $(cat "$T/status.json")"
	expect_rc 0 nsp status
	grep -q '^  worker   not running$' "$T/out" || fail "status text: $(grep worker "$T/out")"
}

# Prometheus: the textfile (replaced by rename, never left as *.tmp) and the
# HTTP listener in the host netns serve the same metrics.
test_ping_prometheus() {
	local port=$((20000 + RANDOM % 20000)) prom=$T/nsping.prom ino http labels
	lab_up
	labels="nsping_instance=\"$INST\",target=\"10.99.0.1\""
	pt_conf "interval_ms = 100; timeout_ms = 500;"
	lab_listen
	ip -n "$NODE" link set lo up
	expect_rc 0 nsp apply
	pt_worker --json ping --prom-file "$prom" --prom-listen "127.0.0.1:$port"
	pt_wait 30 "an answered probe in $prom" pt_prom_answered "$prom" "$labels"
	grep -qx "nsping_target_up{$labels} 1" "$prom" || pt_failv "target_up" "$(grep target_up "$prom")"
	grep -qx "nsping_path_up{nsping_instance=\"$INST\"} 1" "$prom" || pt_failv "path_up" "$(grep path_up "$prom")"
	# Every sample is NAME{LABELS} VALUE, every metric has HELP and TYPE.
	grep -v '^#' "$prom" | grep -Ev '^nsping_[a-z_]+\{[^}]*\} [0-9.e+-]+$' &&
		fail "malformed samples in $prom"
	for m in $(grep -v '^#' "$prom" | grep -o '^nsping_[a-z_]*' | sort -u); do
		grep -q "^# TYPE $m \(counter\|gauge\)$" "$prom" ||
			grep -q "^# TYPE ${m%_*} histogram$" "$prom" || fail "no TYPE for $m"
		grep -q "^# HELP $m " "$prom" || grep -q "^# HELP ${m%_*} " "$prom" || fail "no HELP for $m"
	done
	# Rewritten by rename: a new inode, never the old one truncated.
	ino=$(stat -c %i "$prom")
	pt_wait 30 "a rewrite of $prom" eval '[ "$(stat -c %i "$prom")" != "$ino" ]'
	http=$(ip netns exec "$NODE" curl -sS --max-time 10 -D "$T/http.head" \
		"http://127.0.0.1:$port/metrics") || fail "no HTTP answer on 127.0.0.1:$port in the node"
	head -1 "$T/http.head" | grep -q ' 200' || pt_failv "HTTP" "$(cat "$T/http.head")"
	grep -qi '^content-type: text/plain' "$T/http.head" || pt_failv "HTTP" "$(cat "$T/http.head")"
	[ "$(grep -o '^nsping_[a-z_]*' <<<"$http" | sort -u)" = \
		"$(grep -o '^nsping_[a-z_]*' "$prom" | sort -u)" ] ||
		fail "HTTP and file metrics differ: $http"
	grep -Eq "^nsping_probes_total\{$labels,result=\"answered\"\} [1-9]" <<<"$http" ||
		pt_failv "HTTP" "$(grep answered <<<"$http")"
	pt_stop TERM
	[ "$RC" -eq 0 ] || fail "SIGTERM: exit $RC"
	# No temporary file left; the last file agrees with the final summary.
	[ -z "$(find "$STATE" -name '*.tmp')" ] || fail "left behind: $(find "$STATE" -name '*.tmp')"
	jq -se --argjson sent "$(pt_prom_value "$prom" nsping_probes_sent_total "$labels")" \
		--argjson rcv "$(pt_prom_value "$prom" nsping_probes_total "$labels,result=\"answered\"")" \
		'.[-1] | .type == "summary" and .sent == $sent and .received == $rcv' "$OUT" \
		>/dev/null || fail "final file ($(grep -E 'sent|answered' "$prom")) vs $(tail -1 "$OUT")"
	ip netns exec "$NODE" curl -s --max-time 5 "http://127.0.0.1:$port/metrics" >/dev/null &&
		fail "the listener outlived the worker"
	true
}
pt_prom_value() { awk -v k="$2{$3}" '$1 == k {print $2}' "$1"; }
pt_prom_answered() {
	local v
	v=$(pt_prom_value "$1" nsping_probes_total "$2,result=\"answered\"" 2>/dev/null)
	[ -n "$v" ] && [ "$v" != 0 ]
}

# pt_all_unreachable FILE N FROM: FILE holds N probe lines, every one ICMP host
# unreachable (type 3, code 1) from FROM.
pt_all_unreachable() {
	jq -se --argjson n "$2" --arg from "$3" 'map(select(.type == "probe")) | length == $n and
	        all(.result == "unreachable" and .from == $from and .icmp_type == 3 and
	            .icmp_code == 1)' "$1" >/dev/null
}

# An on-link target that no one answers ARP for: the netns' own kernel gives up
# on the neighbor and reports ICMP host unreachable, "from" the netns address.
test_ping_unreachable_local() {
	local out=$T/ping.json icmp0
	lab_up
	pt_conf "interval_ms = 100; timeout_ms = 10000; targets = ( \"10.99.0.77\" );"
	expect_rc 0 nsp apply
	icmp0=$(pt_nstat "$PINGNS" IcmpOutDestUnreachs)
	pt_ping --json ping --count 1 >"$out" 2>"$T/ping.err"
	[ $? -eq 1 ] || pt_failv "ping --count 1 of an unreachable target did not exit 1" "$(cat "$out")"
	pt_all_unreachable "$out" 1 10.99.0.2 ||
		fail "expected unreachable from 10.99.0.2: $(grep probe "$out");" \
			"the netns sent $(($(pt_nstat "$PINGNS" IcmpOutDestUnreachs) - icmp0)) ICMP" \
			"unreachables; its lo: $(ip -n "$PINGNS" -br link show lo)"
}

# A target behind the gateway that the gateway cannot route: the gateway
# answers with ICMP host unreachable from its own address. rx_ping takes the
# error from the uplink (it quotes a probe) past a node that drops all ICMP,
# and the worker reports it instead of a timeout.
test_ping_unreachable_beyond_node() {
	local out=$T/ping.json
	lab_up
	pt_conf "interval_ms = 100; timeout_ms = 3000; targets = ( \"10.123.0.1\" );"
	ip -n "$GW" route add unreachable 10.123.0.0/16 || fail "no unreachable route in the gateway"
	ip netns exec "$GW" sysctl -qw net.ipv4.ip_forward=1 net.ipv4.icmp_ratelimit=0 \
		net.ipv4.icmp_msgs_per_sec=100000 net.ipv4.icmp_msgs_burst=10000 ||
		fail "could not set the gateway's sysctls"
	ip netns exec "$NODE" iptables -w -A INPUT -p icmp -j DROP || fail "no node ICMP DROP rule"
	expect_rc 0 nsp apply
	pt_ping --json ping --count 3 >"$out" 2>"$T/ping.err"
	[ $? -eq 1 ] || pt_failv "ping --count 3 of an unroutable target did not exit 1" "$(cat "$out")"
	pt_all_unreachable "$out" 3 10.99.0.1 ||
		fail "expected 3 unreachables from the gateway 10.99.0.1: $(grep probe "$out");" \
			"status: $(nsp status)"
}

# run on a fresh lab: apply, then ping. A second run changes nothing (0 kernel
# requests, the same XDP programs) and still pings.
test_ping_run_handoff() {
	local out=$T/run.json tx rx
	lab_up
	pt_conf "interval_ms = 100; timeout_ms = 5000;"
	lab_listen
	[ -e "/run/netns/$PINGNS" ] && fail "the netns exists before run"
	pt_ping run --count 3 >"$T/run.txt" 2>"$T/run.err" ||
		pt_failv "run --count 3 exited $?" "$(cat "$T/run.txt" "$T/run.err")"
	[ -e "/run/netns/$PINGNS" ] || fail "run did not create the netns"
	grep -q '^Apply complete' "$T/run.txt" || pt_failv "no apply report" "$(cat "$T/run.txt")"
	grep -Eq "^$INST 10\.99\.0\.1 : xmt/rcv/%loss = 3/3/0%" "$T/run.txt" ||
		pt_failv "no summary" "$(cat "$T/run.txt")"
	tx=$(pt_xdp_id "$HOSTVETH") rx=$(pt_xdp_id eth0)
	[ -n "$tx" ] && [ -n "$rx" ] || fail "run attached no programs"
	pt_ping --json run --count 1 >"$out" 2>"$T/run.err" ||
		pt_failv "second run exited $?" "$(cat "$out" "$T/run.err")"
	head -1 "$out" | jq -e '.requests == 0 and .converged == true and (.changes | length) == 0' \
		>/dev/null || pt_failv "second run's apply document" "$(head -1 "$out")"
	tail -n +2 "$out" | jq -se 'length >= 3 and all(.type | IN("probe", "state", "path", "summary")) and
	        (.[-1] | .type == "summary" and .sent == 1 and .received == 1)' >/dev/null ||
		pt_failv "second run's ping lines" "$(cat "$out")"
	[ "$(pt_xdp_id "$HOSTVETH")" = "$tx" ] && [ "$(pt_xdp_id eth0)" = "$rx" ] ||
		fail "program ids changed: $tx $rx -> $(pt_xdp_id "$HOSTVETH") $(pt_xdp_id eth0)"
}

# The worker sends each batch of probes with one sendmmsg(2) system call, not
# one sendmsg per probe. strace, following the
# worker and its opener, sees every probe leave in a sendmmsg that sent more
# than one, and no probe in a sendmsg or sendto.
test_ping_sends_a_batch_per_syscall() {
	local targets i out=$T/ping.json probes calls sent
	lab_up
	targets=$(for ((i = 0; i < 500; i++)); do printf '"10.200.%d.%d",' $((i / 250)) $((i % 250 + 1)); done)
	pt_conf "interval_ms = 1000; timeout_ms = 1000; targets = ( ${targets%,} );"
	ip -n "$GW" route add local 10.200.0.0/16 dev lo || fail "cannot make the gateway answer 10.200.0.0/16"
	lab_listen
	expect_rc 0 nsp apply
	timeout -k 5 120 strace -f -qq -e trace=sendmmsg,sendmsg,sendto -o "$T/strace.log" \
		"$NSPING" -c "$CONF" --host-netns "$NODE" --state-dir "$STATE" --json -q ping --count 2 \
		>"$out" 2>"$T/ping.err" || pt_failv "ping --count 2 under strace failed" "$(cat "$T/ping.err")"
	probes=$(jq -s 'map(select(.type == "summary") | .sent) | add' "$out")
	[ "$probes" = 1000 ] || pt_fail "the worker sent $probes probes, expected 1000"
	read -r calls sent < <(awk '/sendmmsg\(/ { n++; s += $NF } END { print n + 0, s + 0 }' "$T/strace.log")
	[ "$sent" = "$probes" ] || pt_failv "sendmmsg sent $sent messages of $probes probes" "$(head "$T/strace.log")"
	[ "$calls" -lt "$probes" ] || pt_fail "$calls sendmmsg calls for $probes probes: no batching"
	! grep -E '(sendmsg|sendto)\([0-9]+, .*sin_addr=inet_addr\("10\.200\.' "$T/strace.log" >/dev/null ||
		pt_failv "probes sent with sendmsg or sendto" "$(grep -m3 -E 'sendmsg|sendto' "$T/strace.log")"
}

# Two instances, each with its own netns, uplink and gateway, in one worker.
# (Two on one uplink: test_ping_two_instances_shared_uplink.)
test_ping_two_instances() {
	local out=$T/ping.json gw1_mac
	lab_up
	lab_wire "$NODE" eth1 10.98.0.2/24 "$GW" eth1 10.98.0.1/24
	gw1_mac=$(ip -n "$GW" -j link show eth1 | jq -r '.[0].address')
	pt_conf "interval_ms = 100; timeout_ms = 5000;"
	conf_edit '$d' # the closing ");"
	cat >>"$CONF" <<EOF
  , { name = "$(inst_name 2)"; netns = "$(inst_ns 2)"; uplink = "eth1";
    veth = { host = "$(inst_host 2)"; peer = "$(inst_peer 2)"; };
    address = "10.98.0.2/24";
    gateway = { ip = "10.98.0.1"; mac = "$gw1_mac"; };
    xdp = ( { program = "tx_ping"; interface = "$(inst_host 2)"; },
            { program = "rx_ping"; interface = "eth1"; attach = "xdp"; } );
    ping = { interval_ms = 100; timeout_ms = 5000; }; }
);
EOF
	lab_listen
	lab_drop_rules
	expect_rc 0 nsp apply
	pt_ping --json ping --count 3 >"$out" 2>"$T/ping.err" ||
		pt_failv "ping --count 3 exited $?" "$(cat "$out" "$T/ping.err")"
	jq -se --arg a "$INST" --arg b "$(inst_name 2)" '
	  (map(select(.type == "path" and .state == "up")) | map(.instance) | sort == [$a, $b]) and
	  (map(select(.type == "probe" and .result == "answered")) |
	     (map(select(.instance == $a and .target == "10.99.0.1")) | length == 3) and
	     (map(select(.instance == $b and .target == "10.98.0.1")) | length == 3)) and
	  (map(select(.type == "summary")) | length == 2 and all(.sent == 3 and .received == 3 and .state == "up"))
	' "$out" >/dev/null || pt_failv "output" "$(cat "$out")"
	# status: one worker, one state per instance, each with its own target
	pt_worker --json ping
	pt_wait 30 "status: the worker on both instances" pt_status \
		"[.instances[].worker | .running and .pid == $WORKER and .path == \"up\" and
		  .targets == 1 and .targets_up == 1] == [true, true]"
	pt_stop TERM
	ls "$STATE"/*.worker >/dev/null 2>&1 && fail "SIGTERM left $(ls "$STATE"/*.worker)"
	return 0
}

# write_conf's two instances on one uplink: the first with XDP, the second with
# rx_ping on tc behind it (an XDP_PASS reaches tc ingress). The node has no
# 10.99.0.3, so the gateway is told where it is.
test_ping_two_instances_shared_uplink() {
	local out=$T/ping.json
	lab_up
	I_KEYS[1]="xdp = ( { program = \"tx_ping\"; interface = \"$HOSTVETH\"; },
	                   { program = \"rx_ping\"; interface = \"eth0\"; attach = \"xdp\"; } );
	           ping = { interval_ms = 100; timeout_ms = 5000; };"
	I_KEYS[2]="xdp = ( { program = \"tx_ping\"; interface = \"$(inst_host 2)\"; },
	                   { program = \"rx_ping\"; interface = \"eth0\"; attach = \"tc\"; } );
	           ping = { interval_ms = 100; timeout_ms = 5000; };"
	I_ADDR[2]=10.99.0.3/24
	write_conf 2
	ip -n "$GW" neigh replace 10.99.0.3 lladdr "$NODE_MAC" dev eth0 nud permanent
	lab_listen
	lab_drop_rules
	expect_rc 0 nsp apply
	pt_ping --json ping --count 3 >"$out" 2>"$T/ping.err" ||
		pt_failv "ping --count 3 exited $?" "$(cat "$out" "$T/ping.err")"
	jq -se --arg a "$INST" --arg b "$(inst_name 2)" '
	  (map(select(.type == "path" and .state == "up")) | map(.instance) | sort == [$a, $b]) and
	  (map(select(.type == "probe" and .result == "answered" and .target == "10.99.0.1")) |
	     (map(select(.instance == $a)) | length == 3) and
	     (map(select(.instance == $b)) | length == 3)) and
	  (map(select(.type == "summary")) | length == 2 and
	     all(.sent == 3 and .received == 3 and .state == "up"))
	' "$out" >/dev/null || pt_failv "output" "$(cat "$out")"
}

# An option given last without its value is named in the message, a global
# one and a command's alike.
test_option_without_value_is_named() {
	local args want
	lab_up
	pt_conf "interval_ms = 100;"
	for args in "-c" "--config" "ping --count" "run --prom-listen"; do
		# shellcheck disable=SC2086
		expect_rc 64 "$NSPING" --host-netns "$NODE" --state-dir "$STATE" $args
		want="a value is missing after the option \"${args##* }\""
		grep -qF "$want" "$T/err" || fail "'$args': no $want in: $(cat "$T/err")"
	done
}

# Bad worker options are usage errors (64), found before anything is applied:
# `run` with one creates no netns.
test_ping_bad_options_change_nothing() {
	local args
	lab_up
	pt_conf "interval_ms = 100;"
	for args in "--count 0" "--count x" "--max-rate 0" "--prom-listen 127.0.0.1:99999" \
		"--prom-listen nonsense:1" "--prom-listen" "--bogus" "--detailed-exitcode"; do
		# shellcheck disable=SC2086
		expect_rc 64 nsp run $args
		[ -s "$T/err" ] || fail "run $args: exit 64 without a message"
		grep -q '^nsping: run: ' "$T/err" ||
			fail "run $args: the message does not say nsping and the command: $(cat "$T/err")"
		[ -e "/run/netns/$PINGNS" ] && fail "run $args created the netns"
		# shellcheck disable=SC2086
		expect_rc 64 nsp ping $args
	done
	true
}

# The test gateway's MAGIC rule (tests/gateway/) answers: every probe is
# answered with gateway_magic true (README.md: the answer's TSecr carries the
# gateway's decremented MAGIC), the gateway counted each one, and the text
# output marks the lines "magic".
test_ping_gateway_magic() {
	local out=$T/ping.json
	lab_up drop
	lab_magic_gw
	lab_listen
	pt_conf "interval_ms = 100; timeout_ms = 5000;"
	expect_rc 0 nsp apply
	pt_ping --json ping --count 5 >"$out" 2>"$T/ping.err" ||
		pt_failv "ping --count 5 exited $?" "$(cat "$out" "$T/ping.err")"
	jq -se 'map(select(.type == "probe")) | length == 5 and
	        all(.result == "answered" and .gateway_magic == true and .rtt_source == "kernel")' \
		"$out" >/dev/null || pt_failv "probes" "$(grep probe "$out")"
	ip netns exec "$GW" "$TESTGW" stats --dev eth0 --json >"$T/gw.json" || fail "nsping-testgw stats failed"
	jq -e '.counters.probes_decremented == 5 and .counters.magic_pass == 5 and .counters.errors == 0' \
		"$T/gw.json" >/dev/null || fail "the gateway's counters: $(cat "$T/gw.json")"
	pt_ping ping --count 2 >"$out" 2>"$T/ping.err" ||
		pt_failv "ping --count 2 exited $?" "$(cat "$out" "$T/ping.err")"
	[ "$(grep -c "^$INST 10.99.0.1 : \[[01]\], syn-ack, .* magic\$" "$out")" = 2 ] ||
		pt_failv "text lines without magic" "$(cat "$out")"
}

# pt_late_dup KIND: the worker's --json -q output ($OUT, stopped) holds only
# KIND (late|duplicate) probe lines, each with target, seq and an RTT of at
# least MIN_US; the summary counts them under KIND, apart from the answers.
pt_late_dup() {
	jq -se --arg inst "$INST" --arg kind "$1" --argjson min "$2" '
	  (map(select(.type == "probe")) as $p | $p | length >= 2 and
	     all(.result == $kind and .instance == $inst and .target == "10.99.0.1" and
	         (.seq | type == "number") and (.rtt_us | type == "number" and . >= $min) and
	         (keys == ["instance", "result", "rtt_us", "seq", "target", "type"])) and
	     ($p | map(.seq) | unique | length) == ($p | length)) and
	  (map(select(.type == "probe")) | length) as $n |
	  (.[-1] | .type == "summary" and .[$kind] == $n)' "$OUT" >/dev/null ||
		pt_fail "$1 lines or their count in the summary"
}

# pt_text_quiet_about KIND METRIC: a text worker without -v ($OUT) printed no
# KIND answer although its Prometheus file counted at least two (METRIC).
pt_text_quiet_about() {
	local prom=$T/nsping.prom labels="nsping_instance=\"$INST\",target=\"10.99.0.1\""
	pt_worker ping --prom-file "$prom"
	pt_wait 120 "two $1 answers counted in $prom" \
		eval "[ \"\$(pt_prom_value \"$prom\" $2 '$labels' 2>/dev/null || echo 0)\" -ge 2 ]"
	pt_stop TERM
	[ "$RC" -eq 0 ] || pt_fail "SIGTERM: exit $RC"
	grep -q "$1 syn-ack" "$OUT" && pt_fail "the text output without -v shows $1 answers"
	return 0
}

# Late answers (README.md "The ping worker": late and duplicate answers are
# counted apart): the gateway drops the first SYN-ACK to each probe's source
# port (iptables hashlimit: the first packet per port is within its limit), so
# its kernel sends it again about a second later, after the 300 ms timeout.
# Each probe is a timeout, then a late answer with its RTT; --json prints them
# even with -q; the text output only with -v.
test_ping_late() {
	lab_up drop
	lab_listen
	ip netns exec "$GW" iptables -w -A OUTPUT -p tcp --sport 10086 --tcp-flags SYN,ACK SYN,ACK \
		-m hashlimit --hashlimit-upto 1/hour --hashlimit-burst 1 --hashlimit-mode dstport \
		--hashlimit-name "late$ID" -j DROP || fail "lab: the gateway's hashlimit rule"
	pt_conf "interval_ms = 500; timeout_ms = 300; down_after = 100;"
	expect_rc 0 nsp apply
	pt_worker --json -q ping
	pt_wait 120 "two late answers" pt_has 2 '.type == "probe" and .result == "late"'
	pt_stop TERM
	[ "$RC" -eq 0 ] || pt_fail "SIGTERM: exit $RC"
	pt_late_dup late 300000
	jq -se '.[-1] | .received == 0 and .timeouts >= .late' "$OUT" >/dev/null || pt_fail "summary"
	pt_worker -v ping
	pt_wait 120 "a late answer in text with -v" grep -qE "^$INST 10.99.0.1 : \[[0-9]+\], late syn-ack, [0-9.]+ ms\$" "$OUT"
	pt_stop TERM
	pt_text_quiet_about late nsping_replies_late_total
}

# Duplicate answers: the gateway drops the RSTs the isolated netns sends to
# its SYN-ACKs, so its kernel sends each SYN-ACK again (1 s, 3 s, ... later):
# each probe is answered, then answered again: a duplicate, with its RTT.
test_ping_duplicate() {
	lab_up drop
	lab_listen
	ip netns exec "$GW" iptables -w -A INPUT -p tcp --dport 10086 --tcp-flags RST RST -j DROP ||
		fail "lab: the gateway's RST rule"
	pt_conf "interval_ms = 500; timeout_ms = 5000;"
	expect_rc 0 nsp apply
	pt_worker --json -q ping
	pt_wait 120 "two duplicate answers" pt_has 2 '.type == "probe" and .result == "duplicate"'
	pt_stop TERM
	[ "$RC" -eq 0 ] || pt_fail "SIGTERM: exit $RC"
	pt_late_dup duplicate 500000
	jq -se '.[-1] | .received >= .duplicate and .timeouts == 0' "$OUT" >/dev/null || pt_fail "summary"
	pt_worker -v ping
	pt_wait 120 "a duplicate answer in text with -v" \
		grep -qE "^$INST 10.99.0.1 : \[[0-9]+\], duplicate syn-ack, [0-9.]+ ms\$" "$OUT"
	pt_stop TERM
	pt_text_quiet_about duplicate nsping_replies_duplicate_total
}

# ICMP time exceeded from a real TTL expiry: the gateway routes the target
# 10.124.0.1 to a router netns that routes it back (a loop). The probe (TTL
# 64) bounces until the router gets it with TTL 1 and answers ICMP time
# exceeded, which rx_ping takes from the uplink (it quotes a probe) past a node
# that drops all ICMP. Each probe is "time_exceeded" from the router.
test_ping_time_exceeded() {
	local out=$T/ping.json
	lab_up drop
	lab_router
	ip -n "$GW" route add 10.124.0.0/16 via 10.97.0.2 || fail "lab: the gateway's route to the router"
	ip netns exec "$ROUTER" sysctl -qw net.ipv4.ip_forward=1 net.ipv4.icmp_ratelimit=0 ||
		fail "lab: the router's sysctls"
	ip netns exec "$GW" sysctl -qw net.ipv4.icmp_ratelimit=0 || fail "lab: the gateway's sysctls"
	ip netns exec "$NODE" iptables -w -A INPUT -p icmp -j DROP || fail "lab: node ICMP DROP rule"
	pt_conf "interval_ms = 100; timeout_ms = 5000; targets = ( \"10.124.0.1\" );"
	expect_rc 0 nsp apply
	pt_ping --json ping --count 3 >"$out" 2>"$T/ping.err"
	[ $? -eq 1 ] || pt_failv "ping --count 3 of a target in a routing loop did not exit 1" "$(cat "$out")"
	jq -se 'map(select(.type == "probe")) | length == 3 and
	        all(.result == "time_exceeded" and .target == "10.124.0.1" and .from == "10.97.0.2" and
	            .icmp_type == 11 and .icmp_code == 0 and (has("rtt_us") | not))' "$out" >/dev/null ||
		pt_failv "expected 3 time_exceeded from the router 10.97.0.2" "$(cat "$out")"
	jq -se '.[-1] | .type == "summary" and .sent == 3 and .received == 0 and .state == "down"' "$out" >/dev/null ||
		pt_failv "summary" "$(tail -n 1 "$out")"
	pt_ping ping --count 1 >"$out" 2>"$T/ping.err"
	grep -qE "^$INST 10.124.0.1 : \[0\], time exceeded from 10.97.0.2, icmp type 11 code 0" "$out" ||
		pt_failv "text line" "$(cat "$out")"
}

# --max-rate caps the probes per second over all targets: 100 targets, one
# probe each, at most 20 a second, take at least (100 - 1) / 20 s (less a
# fifth: a floor, never a ceiling on how fast anything goes), and every probe
# is still sent and answered.
test_ping_max_rate() {
	local targets i t0 t1 ms out=$T/ping.json
	targets=$(for ((i = 1; i <= 100; i++)); do printf '"10.200.0.%d",' "$i"; done)
	lab_up drop
	ip -n "$GW" route add local 10.200.0.0/16 dev lo || fail "lab: the gateway's AnyIP route"
	lab_listen
	pt_conf "interval_ms = 1000; timeout_ms = 10000; targets = ( ${targets%,} );"
	expect_rc 0 nsp apply
	t0=$(date +%s%N)
	pt_ping --json -q ping --count 1 --max-rate 20 >"$out" 2>"$T/ping.err" ||
		pt_failv "ping --count 1 --max-rate 20 exited $?" "$(tail -n 3 "$out") $(cat "$T/ping.err")"
	t1=$(date +%s%N)
	ms=$(((t1 - t0) / 1000000))
	jq -se 'map(select(.type == "summary")) | length == 100 and all(.sent == 1 and .received == 1)' \
		"$out" >/dev/null || pt_failv "summaries" "$(grep -c summary "$out") summaries"
	[ "$ms" -ge 3960 ] || fail "100 probes at --max-rate 20 took ${ms} ms: the rate is not capped (at least 3960 ms)"
}
