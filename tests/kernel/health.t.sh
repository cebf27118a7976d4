# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
# shellcheck disable=SC2034 # I_KEYS: read by write_conf (tests/lib/lab.sh)
# status --health (README.md, "Exit codes"): 0 converged and healthy, 2 drift,
# 3 conflict, 1 error, 4 worker not running or stale, 5 a path or target down.

# hh_rc: the exit code of status --health (its report to $T/out).
hh_rc() {
	nsp status --health >"$T/out" 2>"$T/err"
	echo $?
}
hh_is() { [ "$(hh_rc)" = "$1" ]; }

# hh_schema WHAT: status --json validates against schema/status.schema.json.
hh_schema() {
	nsp --json status >"$T/status.json" 2>/dev/null
	/usr/bin/python3 "$ROOT/tests/schema/check_json.py" "$ROOT/schema/status.schema.json" \
		"$T/status.json" 2>"$T/schema.err" >/dev/null ||
		fail "status --json $1 does not validate: $(head -3 "$T/schema.err") $(head -c 400 "$T/status.json")"
}

test_status_health() {
	lab_up drop
	lab_listen
	pt_conf "interval_ms = 100; timeout_ms = 300;"
	hh_schema "before apply"
	expect_rc 0 nsp apply
	[ "$(hh_rc)" = 4 ] || fail "no worker: status --health exited $(hh_rc): $(cat "$T/err")"
	hh_schema "without a worker"
	grep -q "worker is not running" "$T/err" || fail "no worker: $(cat "$T/err")"
	pt_worker --json ping
	wait_for 60 "healthy (0)" hh_is 0
	hh_schema "with a worker"
	# a worker stopped: its state file ages, and it is stale, not running
	kill -STOP "$WORKER"
	wait_for 60 "a stale worker (4)" hh_is 4
	grep -q "stale" "$T/err" || fail "stopped worker: $(cat "$T/err")"
	hh_schema "with a stale worker"
	nsp --json status >"$T/status.json"
	jq -e '.instances[0].worker | .running == false and .stale == true and (.pid | type == "number")' \
		"$T/status.json" >/dev/null || fail "status --json of a stopped worker: $(jq -c '.instances[0].worker' "$T/status.json")"
	kill -CONT "$WORKER"
	wait_for 60 "healthy again (0)" hh_is 0
	# drift
	ip -n "$PINGNS" route del default || fail "route del"
	[ "$(hh_rc)" = 2 ] || fail "drift: exited $(hh_rc): $(cat "$T/err")"
	expect_rc 0 nsp apply
	wait_for 60 "healthy after the repair" hh_is 0
	# the gateway stops answering: targets down
	ip netns exec "$GW" iptables -w -A INPUT -p tcp --dport 10086 -j DROP || fail "gw rule"
	wait_for 60 "targets down (5)" hh_is 5
	grep -q "0 of 1 targets up" "$T/err" || fail "targets down: $(cat "$T/err")"
	ip netns exec "$GW" iptables -w -D INPUT -p tcp --dport 10086 -j DROP
	pt_stop TERM
	# a conflict, then an error
	ip -n "$NODE" link add "vx$ID" type dummy 2>/dev/null || ip -n "$NODE" link add "vx$ID" type veth peer name "vy$ID"
	conf_edit "s|$HOSTVETH|vx$ID|g"
	[ "$(hh_rc)" = 3 ] || fail "conflict: exited $(hh_rc)"
	hh_schema "with a conflict"
	conf_edit "s|vx$ID|$HOSTVETH|g; s|\"eth0\"|\"eth9\"|g"
	[ "$(hh_rc)" = 1 ] || fail "error: exited $(hh_rc)"
}
