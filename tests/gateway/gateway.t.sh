# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
# The test gateway (README.md here) on the real kernel, in the lab of
# tests/lib/lab.sh: NODE (10.99.0.2) is the prober, GW (10.99.0.1) the gateway,
# with gw_magic on tc ingress of its eth0 and a kernel listener. Probes go from
# NODE to GW only. Run by tests/run.sh (tests/gateway/selftest.sh).

# MAGIC 0x4E535047: the wire bytes of a probe, of MAGIC_PASS (the gateway's
# decrement lands on the first byte), and of ntohl(MAGIC) - 1, which is not it.
GW_MAGIC_WIRE=4E535047 GW_PASS_WIRE=4D535047

gw() { ip netns exec "$GW" "$TESTGW" "$@"; }

# gw_probe [probe.py ARGS]: one SYN from NODE to GW; its JSON answer in $T/probe.
gw_probe() {
	ip netns exec "$NODE" /usr/bin/python3 "$ROOT/tests/gateway/probe.py" --dst 10.99.0.1 "$@" >"$T/probe"
}

# answered_with WIRE_HEX [probe.py ARGS]: a SYN-ACK came back with TSecr WIRE_HEX
# (waiting up to 30 s: a bound against a hang, not a speed limit).
answered_with() {
	local want=$1 got
	shift
	gw_probe --timeout 30 "$@"
	got=$(jq -r 'select(.answered) | .tsecr' "$T/probe")
	[ "$got" = "$want" ] || fail "want a SYN-ACK with TSecr $want (probe.py $*), got $(cat "$T/probe")"
}

# stats_match JQ_FILTER: the gateway's stats --json satisfy it.
stats_match() {
	gw stats --dev eth0 --json >"$T/stats" || fail "stats --dev eth0 --json exited $?"
	jq -e "$1" "$T/stats" >/dev/null || fail "want $1, got $(cat "$T/stats")"
}

# counters_are DEC PASS: the gateway's probes_decremented and magic_pass, and no errors.
counters_are() {
	stats_match ".counters.probes_decremented == $1 and .counters.magic_pass == $2 and .counters.errors == 0"
}

# The kernel's TCP checksum error count in GW.
tcp_csum_errors() {
	# shellcheck disable=SC2016 # an awk program
	ip netns exec "$GW" awk '/^Tcp:/ { if (!h) { for (i = 1; i <= NF; i++) if ($i == "InCsumErrors") c = i; h = 1 }
		   else print $c }' /proc/net/snmp
}

# attach exits 0 and the tc filter outlives the loader; attaching again
# replaces it (one filter); stats: port, MAGIC, a program, zero counters.
test_gw_attach_and_stats() {
	lab_up
	expect_rc 0 gw attach --dev eth0
	[ "$(ip netns exec "$GW" tc filter show dev eth0 ingress | grep -c gw_magic_tc)" -eq 1 ] ||
		fail "no gw_magic_tc filter after attach"
	expect_rc 0 gw attach --dev eth0
	[ "$(ip netns exec "$GW" tc filter show dev eth0 ingress | grep -c gw_magic_tc)" -eq 1 ] ||
		fail "attach again: not one filter: $(ip netns exec "$GW" tc filter show dev eth0 ingress)"
	stats_match ".port == 10086 and .magic == \"0x$GW_MAGIC_WIRE\" and .prog_id > 0 and
		     .counters.probes_decremented == 0 and .counters.magic_pass == 0"
}

# The MAGIC rule: a probe's TSval is decremented and handed to the stack once
# more, whatever the option layout; the rewritten checksums are right (the
# kernel checks them: the prober's tx checksum offload is off); everything else
# passes untouched.
test_gw_magic_rule() {
	local csum0 other0
	lab_up
	lab_magic_gw
	lab_listen
	csum0=$(tcp_csum_errors)
	answered_with "$GW_PASS_WIRE"
	counters_are 1 1
	answered_with "$GW_PASS_WIRE" --layout odd
	answered_with "$GW_PASS_WIRE" --layout nopnop
	counters_are 3 3
	[ "$(tcp_csum_errors)" -eq "$csum0" ] || fail "the gateway's kernel saw TCP checksum errors"
	# a MAGIC probe with a bad checksum is decremented, then dropped by the
	# stack, which counts it: it checks TCP checksums on this path
	expect_rc 1 gw_probe --bad-csum --timeout 1
	[ "$(tcp_csum_errors)" -eq $((csum0 + 1)) ] ||
		fail "TcpInCsumErrors went from $csum0 to $(tcp_csum_errors), want +1"
	other0=$(gw stats --dev eth0 --json | jq .counters.other_passed)
	answered_with 01020304 --tsval 01020304
	# ntohl(MAGIC) - 1 is not MAGIC_PASS
	answered_with 4E535046 --tsval 4E535046
	# MAGIC_PASS sent by the prober: to the stack, untouched
	answered_with "$GW_PASS_WIRE" --tsval "$GW_PASS_WIRE"
	counters_are 4 5
	stats_match ".counters.other_passed > $other0"
	gw stats --dev eth0 >"$T/stats.txt" || fail "stats (text) exited $?"
	grep -Eq '^probes_decremented +4$' "$T/stats.txt" || fail "stats text: $(cat "$T/stats.txt")"
}

# detach removes the filter; stats and a second detach exit 1; without the
# gateway a MAGIC probe is answered untouched.
test_gw_detach() {
	lab_up
	lab_magic_gw
	lab_listen
	expect_rc 0 gw detach --dev eth0
	expect_rc 1 gw stats --dev eth0
	expect_rc 1 gw detach --dev eth0
	answered_with "$GW_MAGIC_WIRE"
}

# Another port and MAGIC: MAGIC 1 borrows the other way (FFFFFF00); the default
# MAGIC to that port passes untouched.
test_gw_other_port_and_magic() {
	lab_up
	lab_magic_gw --port 10087 --magic 0x00000001
	lab_listen 10087
	answered_with FFFFFF00 --tsval 00000001 --port 10087
	answered_with "$GW_MAGIC_WIRE" --port 10087
	stats_match '.port == 10087 and .magic == "0x00000001" and
		     .counters.probes_decremented == 1 and .counters.magic_pass == 1'
}

test_gw_exit_codes() {
	lab_up
	expect_rc 64 "$TESTGW" frob
	expect_rc 64 "$TESTGW" attach
	expect_rc 64 "$TESTGW" attach --dev eth0 --magic xyz
	expect_rc 64 "$TESTGW" listen --addr 10.1
	expect_rc 1 gw stats --dev nosuch0
}

# The listener ends with exit 0 on SIGTERM.
test_gw_listener_stops_on_sigterm() {
	local pid rc
	lab_up
	ip netns exec "$GW" "$TESTGW" listen --port 10086 >"$T/listener" 2>&1 &
	pid=$!
	bg_pid "$pid"
	wait_for 30 "the listener" lab_listening
	kill -TERM "$pid"
	wait "$pid"
	rc=$?
	bg_forget "$pid"
	[ "$rc" -eq 0 ] || fail "the listener exited $rc on SIGTERM: $(cat "$T/listener")"
}
