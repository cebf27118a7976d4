# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
# shellcheck disable=SC2034 # I_KEYS, I_ADDR: read by write_conf (tests/lib/lab.sh)
# shellcheck disable=SC2016 # jq programs and eval'd conditions expand later
# nsping monitor (nsping(8), MONITOR): the programs' events while a monitor
# listens, their filters, two monitors at once, the rate limit, and the
# events off again afterwards with no drift. pt_conf, pt_ping, pt_connect
# come from ping.t.sh, tc_bindings from tc.t.sh. Helpers here are prefixed mt_.

# mt_start ARGS...: nsping monitor ARGS in the background, stdout in $MOUT,
# stderr in $MOUT.err, its pid in MON; returns once it says it listens (its
# signal handlers are in place: a background job of a script starts with
# SIGINT ignored) and every program of the instance counts one monitor more
# than before (MT_WANT monitors, if set), or the monitor has already ended
# (--count: a frame of the lab's own, a late segment of an earlier
# connection, may be its events before the test's).
mt_start() {
	local before
	before=$((${MT_WANT:-$(mt_monitors) + 1} - 1))
	MOUT=$T/monitor.$((++MT_N))
	"$NSPING" -c "$CONF" --host-netns "$NODE" --state-dir "$STATE" --lock-wait 5 monitor "$@" \
		>"$MOUT" 2>"$MOUT.err" &
	MON=$!
	bg_pid "$MON"
	mt_wait 30 "monitor $* to listen" "$MOUT" 'grep -q "^nsping: monitor: listening to " "$MOUT.err"'
	mt_wait 30 "monitor $* to switch the events on, or to end" "$MOUT" \
		'mt_monitors_are $((before + 1)) || ! alive "$MON"'
}
MT_N=0

# mt_monitors: how many monitors hold the events of the instance's programs
# on (status --json; the least of the bindings' of instance index MT_I, 0).
mt_monitors() {
	nsp --json status 2>/dev/null |
		jq "[.instances[${MT_I:-0}].bindings[] | .monitor.monitors // 0] | min // 0"
}
mt_monitors_are() { [ "$(mt_monitors)" = "$1" ]; }

# mt_stop PID [SIGNAL]: signal a monitor (INT by default) and reap it; its exit code in RC.
mt_stop() {
	local i
	kill -"${2:-INT}" "$1" || fail "monitor $1 is gone before SIG${2:-INT}"
	for ((i = 0; i < 300; i++)); do
		alive "$1" || break
		sleep 0.1
	done
	alive "$1" && fail "monitor $1 did not end within 30s of SIG${2:-INT}"
	wait "$1"
	RC=$?
	bg_forget "$1"
}

# mt_wait SECONDS WHAT FILE SHELL: wait_for SHELL (eval'd), failing with the end of FILE.
mt_wait() {
	local i
	for ((i = 0; i < $1 * 10; i++)); do
		eval "$4" && return 0
		sleep 0.1
	done
	fail "monitor output (end): $(tail -c 1500 "$3"; tail -c 500 "$3.err")
waited $1s for $2"
}

# mt_events FILE FILTER: how many JSON events of FILE match the jq FILTER.
mt_events() { jq -R "fromjson? | select(.type == \"event\") | select($2)" "$1" 2>/dev/null | jq -s length; }

# mt_any FILE [JQ ARGS...] FILTER: some JSON event of FILE satisfies FILTER.
mt_any() {
	local f=$1
	shift
	jq -R 'fromjson? | select(.type == "event")' "$f" | jq -se "${@:1:$#-1}" "any(.[]; ${*: -1})" >/dev/null
}

# mt_off: the events of every binding are off, no monitor is left, and the
# plan is empty (the monitor's control is not desired state).
mt_off() {
	status_json
	jq -e '[.instances[].bindings[] | .monitor | .enabled == false and .monitors == 0] |
	       length >= 2 and all' "$T/status.json" >/dev/null ||
		fail "events still on: $(jq -c '[.instances[].bindings[] | .monitor]' "$T/status.json")"
	expect_rc 0 nsp plan --detailed-exitcode
}

mt_lab() {
	lab_up "$@"
	pt_conf "interval_ms = 20; timeout_ms = 2000;"
	lab_listen
	expect_rc 0 nsp apply
}

# The events of both programs while a monitor listens: the probes tx_ping
# redirects to the uplink, the replies rx_ping redirects into the netns, each
# with its addresses, ports and flags, one JSON object per line (the schema);
# SIGINT ends it with exit 0, its summary, and the events off again.
test_monitor_events() {
	local ev
	mt_lab drop
	status_json
	jq -e '[.instances[0].bindings[] | .monitor | .enabled == false and .events == 0] |
	       length == 2 and all' "$T/status.json" >/dev/null ||
		fail "before any monitor: $(jq -c '[.instances[0].bindings[] | .monitor]' "$T/status.json")"
	pt_ping ping --count 3 >/dev/null 2>&1 || fail "ping without a monitor"
	status_json
	jq -e '[.instances[0].bindings[] | .monitor.events] | all(. == 0)' "$T/status.json" >/dev/null ||
		fail "events without a monitor: $(jq -c '[.instances[0].bindings[] | .monitor]' "$T/status.json")"

	mt_start --json
	pt_ping ping --count 5 >/dev/null 2>&1 || fail "ping with a monitor"
	ev=$MOUT
	wait_for 30 "rx_ping's events" eval \
		'[ "$(mt_events "$ev" ".program == \"rx_ping\" and .verdict == \"redirected\"")" -ge 5 ]'
	mt_stop "$MON"
	[ "$RC" -eq 0 ] || fail "monitor exited $RC after SIGINT: $(cat "$ev.err")"
	mt_any "$ev" --arg inst "$INST" --arg h "$HOSTVETH" '
	  .program == "tx_ping" and .verdict == "redirected" and .tcp_flags == 2 and
	  .instance == $inst and .interface == $h and .protocol == "tcp" and
	  .saddr == "10.99.0.2" and .daddr == "10.99.0.1" and .dport == 10086 and
	  .sport >= 61000 and .len >= 54' ||
		fail "no probe of tx_ping: $(head -c 1500 "$ev")"
	[ "$(mt_events "$ev" '.program == "tx_ping" and .tcp_flags == 2')" -ge 5 ] ||
		fail "fewer than 5 probes: $(head -c 1500 "$ev")"
	mt_any "$ev" --arg inst "$INST" '
	  .program == "rx_ping" and .verdict == "redirected" and .instance == $inst and
	  .interface == "eth0" and .saddr == "10.99.0.1" and .daddr == "10.99.0.2" and
	  .sport == 10086 and .tcp_flags == 18' ||
		fail "no reply of rx_ping: $(head -c 1500 "$ev")"
	# every event validates against the schema; so do the summaries
	while IFS= read -r line; do
		printf '%s\n' "$line" >"$T/line.json"
		/usr/bin/python3 "$ROOT/tests/schema/check_json.py" "$ROOT/schema/monitor.schema.json" \
			"$T/line.json" 2>"$T/schema.err" >/dev/null ||
			fail "a line of monitor --json does not validate: $(head -3 "$T/schema.err") $line"
	done <"$ev"
	[ "$(jq -R 'fromjson? | select(.type == "summary")' "$ev" | jq -s length)" = 2 ] ||
		fail "not a summary per program: $(grep summary "$ev")"
	mt_off
}

# The filters: --verdict, --target and the instance; text lines carry the
# time, instance, program, interface, verdict and the addresses with ports;
# an unknown instance, verdict or address is a usage error (64); monitor
# before apply finds nothing to listen to (1); --count ends it (0).
test_monitor_filters() {
	local all all_pid tgt tgt_pid none none_pid verd verd_pid m
	lab_up
	pt_conf "interval_ms = 20; timeout_ms = 2000;"
	expect_rc 1 nsp monitor --count 1
	grep -q "no program" "$T/err" || fail "monitor before apply: $(cat "$T/err")"
	lab_listen
	expect_rc 0 nsp apply
	expect_rc 64 nsp monitor nosuch
	grep -q 'no instance "nosuch"' "$T/err" || fail "unknown instance: $(cat "$T/err")"
	expect_rc 64 nsp monitor --verdict nosuch
	grep -q '"nosuch" is not a verdict' "$T/err" || fail "unknown verdict: $(cat "$T/err")"
	# options after an instance's name are options
	expect_rc 64 nsp monitor "$INST" --verdict nosuch
	grep -q '"nosuch" is not a verdict' "$T/err" || fail "an option after a name: $(cat "$T/err")"
	expect_rc 64 nsp monitor --target 10.99.0.300
	expect_rc 64 nsp monitor --rate 0
	expect_rc 64 nsp monitor --count 0
	expect_rc 64 nsp monitor --nosuch

	mt_start "$INST"
	all=$MOUT all_pid=$MON
	mt_start --target 10.99.0.1 --verdict redirected
	tgt=$MOUT tgt_pid=$MON
	mt_start --json --target 10.99.0.77
	none=$MOUT none_pid=$MON
	mt_start --json --verdict wrong_dst_port,redirect_error
	verd=$MOUT verd_pid=$MON
	pt_ping ping --count 3 >/dev/null 2>&1 || fail "ping with monitors"
	# the node's own connection to port 10086: its reply goes to the node's
	# stack (an ephemeral port, outside the worker's source ports)
	pt_connect "$NODE" || fail "the node's own connection"
	mt_wait 30 "the node's reply in the verdict filter's output" "$verd" \
		'[ "$(mt_events "$verd" ".verdict == \"pass_wrong_dst_port\"")" -ge 1 ]'
	mt_wait 30 "three replies in the first monitor's output" "$all" \
		'[ "$(grep -cE "^[0-9:.]+ $INST rx_ping eth0 redirected tcp 10.99.0.1:10086 > 10.99.0.2:[0-9]+ \[SA\] len [0-9]+$" "$all")" -ge 3 ]'
	grep -qE "^[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6} $INST tx_ping $HOSTVETH redirected tcp 10.99.0.2:[0-9]+ > 10.99.0.1:10086 \[S\] len [0-9]+$" "$all" ||
		fail "no probe in the text lines: $(cat "$all")"
	grep -q "rx_ping eth0 pass_wrong_dst_port tcp 10.99.0.1:10086 > 10.99.0.2:" "$all" ||
		fail "no node reply in the text lines: $(cat "$all")"
	for m in $all_pid $tgt_pid $none_pid $verd_pid; do
		mt_stop "$m" TERM
		[ "$RC" -eq 0 ] || fail "monitor $m exited $RC after SIGTERM"
	done
	grep -q "pass_wrong_dst_port" "$tgt" && fail "--verdict redirected let another verdict through: $(cat "$tgt")"
	grep -q " redirected tcp" "$tgt" || fail "--target 10.99.0.1 --verdict redirected: nothing: $(cat "$tgt")"
	[ "$(mt_events "$none" true)" = 0 ] || fail "--target 10.99.0.77 printed events: $(head -3 "$none")"
	[ "$(mt_events "$verd" '.verdict != "pass_wrong_dst_port"')" = 0 ] ||
		fail "--verdict wrong_dst_port let others through: $(head -3 "$verd")"
	grep -q "summary" "$none" || fail "no summary in --json: $(cat "$none")"
	grep -q "events, .* printed" "$all.err" || fail "no summary on stderr: $(cat "$all.err")"
	mt_off
	# --count: the first event ends it
	mt_start --count 1
	m=$MON
	pt_ping ping --count 1 >/dev/null 2>&1
	wait_for 30 "monitor --count 1 to end" eval '! alive "$m"'
	wait "$m"
	RC=$?
	bg_forget "$m"
	[ "$RC" -eq 0 ] || fail "monitor --count 1 exited $RC: $(cat "$MOUT.err")"
	[ "$(wc -l <"$MOUT")" = 1 ] || fail "monitor --count 1 printed: $(cat "$MOUT")"
	mt_off
}

# Two monitors at once: the events stay on while either listens, at the
# higher of their rates, and go off with the last; one killed (SIGKILL: no
# leave) is pruned by the next monitor that joins or leaves.
test_monitor_two_monitors() {
	local a a_out b
	mt_lab
	mt_start --rate 50
	a=$MON a_out=$MOUT
	mt_start --rate 200
	b=$MON
	status_json
	jq -e '[.instances[0].bindings[] | .monitor | .enabled and .monitors == 2 and .rate == 200] |
	       length == 2 and all' "$T/status.json" >/dev/null ||
		fail "two monitors: $(jq -c '[.instances[0].bindings[] | .monitor]' "$T/status.json")"
	expect_rc 0 nsp status
	[ "$(grep -c ', monitor on (2 monitors, 200 events/s)$' "$T/out")" = 2 ] ||
		fail "status text with two monitors: $(cat "$T/out")"
	mt_stop "$b"
	[ "$RC" -eq 0 ] || fail "the second monitor exited $RC"
	status_json
	jq -e '[.instances[0].bindings[] | .monitor | .enabled and .monitors == 1 and .rate == 50] |
	       length == 2 and all' "$T/status.json" >/dev/null ||
		fail "one monitor left: $(jq -c '[.instances[0].bindings[] | .monitor]' "$T/status.json")"
	expect_rc 0 nsp plan --detailed-exitcode
	# the survivor still prints
	pt_ping ping --count 2 >/dev/null 2>&1 || fail "ping"
	wait_for 30 "the first monitor's events" eval '[ "$(grep -c " redirected " "$a_out")" -ge 2 ]'
	mt_stop "$a"
	[ "$RC" -eq 0 ] || fail "the first monitor exited $RC"
	mt_off
	# a monitor killed stays an owner until the next one comes and goes
	mt_start
	a=$MON
	kill -KILL "$a"
	wait "$a" 2>/dev/null
	bg_forget "$a"
	mt_monitors_are 1 || fail "the killed monitor's place: $(mt_monitors)"
	MT_WANT=1 mt_start
	b=$MON
	mt_stop "$b"
	mt_off
}

# The in-BPF rate limit: probes faster than --rate events a second are
# dropped and counted (status, the drops lines), the events that pass stay
# within the rate, and the datapath still redirects every frame.
test_monitor_rate_limit() {
	local ev n t0 max
	mt_lab
	mt_start --json --rate 5
	ev=$MOUT
	t0=$(date +%s)
	pt_ping ping --count 100 >/dev/null 2>&1 || fail "ping with a rate-limited monitor"
	wait_for 30 "a drops report" eval 'grep -q "\"type\":\"drops\"" "$ev"'
	status_json
	jq -e '[.instances[0].bindings[] | .monitor | .rate == 5 and .rate_limited > 0] | all' \
		"$T/status.json" >/dev/null ||
		fail "no drops counted: $(jq -c '[.instances[0].bindings[] | .monitor]' "$T/status.json")"
	jq -e '[.instances[0].bindings[] | .counters.redirected] | all(. >= 100)' "$T/status.json" >/dev/null ||
		fail "the datapath lost frames: $(jq -c '[.instances[0].bindings[] | .counters]' "$T/status.json")"
	mt_stop "$MON"
	[ "$RC" -eq 0 ] || fail "monitor exited $RC"
	# 100 probes at 20 ms take 2 s or more: a program lets through its burst
	# of 5, then at most 5 a second while the monitor listened
	max=$((5 + 5 * ($(date +%s) - t0 + 1)))
	n=$(mt_events "$ev" '.program == "rx_ping"')
	{ [ "$n" -ge 5 ] && [ "$n" -le "$max" ]; } || fail "rx_ping's events at --rate 5: $n (at most $max)"
	jq -R 'fromjson? | select(.type == "summary")' "$ev" | jq -se 'length == 2 and all(.rate_limited > 0)' >/dev/null ||
		fail "summaries without drops: $(grep summary "$ev")"
	mt_off
}

# The tc variants, and an instance of two: monitor INSTANCE listens to that
# instance's programs only (instance 1's rx_ping_tc sees instance 2's
# replies, as pass_wrong_dst_ip, and is not told). A program apply
# replaces (new sport range: new rodata) is followed: the monitor says it
# is gone, listens to the new one, and leaves the new one off at the end.
test_monitor_tc() {
	local ev inst2 ids
	lab_up drop
	I_KEYS[1]=$(tc_bindings "$HOSTVETH")
	I_KEYS[2]=$(tc_bindings "$(inst_host 2)") I_ADDR[2]=10.99.0.3/24
	write_conf 2
	# the node answers no ARP for 10.99.0.3: the gateway is told where it is
	ip -n "$GW" neigh replace 10.99.0.3 lladdr "$NODE_MAC" dev eth0 nud permanent
	lab_listen
	expect_rc 0 nsp apply
	inst2=$(inst_name 2)
	MT_I=1 mt_start --json "$inst2"
	ev=$MOUT
	pt_ping ping --count 3 >"$T/ping.out" 2>&1 || fail "ping of two instances: $(tail -c 1000 "$T/ping.out")"
	mt_wait 30 "instance 2's replies" "$ev" \
		'[ "$(mt_events "$ev" ".program == \"rx_ping_tc\" and .verdict == \"redirected\"")" -ge 3 ]'
	[ "$(mt_events "$ev" ".instance != \"$inst2\"")" = 0 ] ||
		fail "events of another instance: $(head -c 1500 "$ev")"
	mt_any "$ev" --arg h "$(inst_host 2)" '.program == "tx_ping_tc" and .verdict == "redirected" and
	  .interface == $h and .saddr == "10.99.0.3" and .dport == 10086 and .tcp_flags == 2' ||
		fail "no probe of tx_ping_tc: $(head -c 1500 "$ev")"
	mt_any "$ev" '.program == "rx_ping_tc" and .interface == "eth0" and .daddr == "10.99.0.3" and
	  .sport == 10086 and .tcp_flags == 18' || fail "no reply of rx_ping_tc: $(head -c 1500 "$ev")"
	status_json
	jq -e '(.instances[0].bindings | map(.monitor.enabled) | all(. == false)) and
	       (.instances[1].bindings | map(.monitor.enabled) | all)' "$T/status.json" >/dev/null ||
		fail "monitor of instance 2: $(jq -c '[.instances[].bindings[] | .monitor]' "$T/status.json")"
	ids=$(jq -c '[.instances[1].bindings[].id]' "$T/status.json")
	# apply replaces instance 2's programs
	I_KEYS[2]="$(tc_bindings "$(inst_host 2)") ping = { sport_min = 61500; };"
	write_conf 2
	expect_rc 0 nsp apply
	status_json
	[ "$(jq -c '[.instances[1].bindings[].id]' "$T/status.json")" != "$ids" ] ||
		fail "apply did not replace the programs: $ids"
	mt_wait 30 "the monitor to follow the new programs" "$ev" \
		'grep -q "is gone" "$ev.err" && MT_I=1 mt_monitors_are 1'
	cp "$ev" "$T/before"
	pt_ping ping --count 3 >/dev/null 2>&1 || fail "ping after the replace"
	mt_wait 30 "replies through the new rx_ping_tc" "$ev" \
		'[ "$(mt_events "$ev" ".program == \"rx_ping_tc\" and .verdict == \"redirected\" and
		     .dport >= 61500")" -gt "$(mt_events "$T/before" ".program == \"rx_ping_tc\" and
		     .verdict == \"redirected\" and .dport >= 61500")" ]'
	mt_stop "$MON"
	[ "$RC" -eq 0 ] || fail "monitor exited $RC"
	mt_off
}

# Under run, which keeps the node converged: a monitor switching the events
# on and off is no drift to repair, the events of run's worker's probes come
# through, and rx_ping detached and put back by run keeps telling them.
test_monitor_under_run() {
	local ev id n
	mt_lab drop
	pt_worker --json run
	pt_wait 60 "run's worker to be answered" pt_has 1 '.type == "probe" and .result == "answered"'
	mt_start --json
	ev=$MOUT
	mt_wait 30 "events of run's probes" "$ev" \
		'[ "$(mt_events "$ev" ".program == \"rx_ping\" and .verdict == \"redirected\"")" -ge 3 ]'
	# run repairs a detached rx_ping with the program it holds: the same
	# program, its events still on for the monitor
	id=$(pt_xdp_id eth0)
	ip -n "$NODE" link set dev eth0 xdp off || fail "detaching rx_ping"
	pt_wait 60 "run's repair of rx_ping" pt_has 1 '.type == "repair" and .result == "repaired"'
	[ "$(pt_xdp_id eth0)" = "$id" ] || fail "run attached another rx_ping: $id -> $(pt_xdp_id eth0)"
	n=$(mt_events "$ev" '.program == "rx_ping"')
	mt_wait 30 "events after the repair" "$ev" '[ "$(mt_events "$ev" ".program == \"rx_ping\"")" -gt "$n" ]'
	mt_stop "$MON"
	[ "$RC" -eq 0 ] || fail "monitor exited $RC"
	# a second, then no more repair from run, and nothing to plan
	sleep 1
	[ "$(pt_count '.type == "repair"')" = 1 ] || pt_fail "run repaired something after a monitor"
	mt_off
	pt_stop TERM
}
