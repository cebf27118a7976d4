# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
# shellcheck disable=SC2034 # I_KEYS: read by write_conf (tests/lib/lab.sh)
# The systemd notify protocol of `run` (nsping.service is Type=notify), without
# systemd: the test listens on the NOTIFY_SOCKET it gives nsping. READY=1 once
# apply has verified and the worker runs, STATUS= with targets up of total,
# a path down named with its cause, WATCHDOG=1 from the worker's loop at half
# WATCHDOG_USEC, the last repair (which instance, when), RELOADING=1 then
# READY=1 around a reload, STOPPING=1 on SIGTERM.

# nt_listen: a datagram socket at $T/notify; every message, one line each, in $T/notify.log
nt_listen() {
	/usr/bin/python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
out = open(sys.argv[2], "a", buffering=1)
while True:
    out.write(s.recv(4096).decode().replace("\n", "|") + "\n")' "$T/notify" "$T/notify.log" &
	bg_pid $!
	wait_for 30 "the notify socket" test -S "$T/notify"
}
nt_count() { grep -c "$1" "$T/notify.log" 2>/dev/null || true; }
nt_has() { [ "$(nt_count "$2")" -ge "$1" ]; }

test_run_notifies_systemd() {
	local ready
	lab_up
	pt_conf "interval_ms = 100; timeout_ms = 300;"
	lab_listen
	nt_listen
	OUT=$T/worker.out
	NOTIFY_SOCKET=$T/notify WATCHDOG_USEC=400000 \
		"$NSPING" -c "$CONF" --host-netns "$NODE" --state-dir "$STATE" --json run >"$OUT" 2>"$OUT.err" &
	WORKER=$!
	bg_pid "$WORKER"
	wait_for 60 "READY=1" nt_has 1 '^READY=1$'
	# ready only after apply verified: the instance is there by then
	netns_exists "$PINGNS" || fail "READY=1 before the netns existed"
	wait_for 60 "a STATUS with the target up" nt_has 1 '^STATUS=targets up 1 of 1; paths up 1 of 1; repairs 0$'
	wait_for 60 "watchdog keep-alives" nt_has 6 '^WATCHDOG=1$'
	# a path down says which and why: a foreign program takes rx_ping's place
	ip -force -n "$NODE" link set dev eth0 xdp obj "$ROOT/build/bpf/xdp_pass.bpf.o" sec xdp ||
		fail "foreign attach"
	wait_for 60 "a STATUS naming the path down and its cause" nt_has 1 \
		"^STATUS=targets up [01] of 1; paths up 0 of 1 ($INST: receive_path_missing); repairs 0\$"
	ip -n "$NODE" link set dev eth0 xdp off || fail "foreign detach"
	wait_for 60 "a STATUS with the path up again" nt_has 1 \
		"^STATUS=targets up 1 of 1; paths up 1 of 1; repairs 1 (last $INST at [0-9][0-9]:[0-9][0-9]:[0-9][0-9])\$"
	conf_edit 's/interval_ms = 100;/interval_ms = 50;/'
	ready=$(nt_count '^READY=1$')
	kill -HUP "$WORKER"
	wait_for 60 "RELOADING=1" nt_has 1 '^RELOADING=1$'
	wait_for 60 "READY=1 after the reload" nt_has $((ready + 1)) '^READY=1$'
	[ "$(grep -n '^RELOADING=1$' "$T/notify.log" | tail -1 | cut -d: -f1)" -lt \
		"$(grep -n '^READY=1$' "$T/notify.log" | tail -1 | cut -d: -f1)" ] ||
		fail "READY=1 before RELOADING=1: $(tr '\n' ' ' <"$T/notify.log" | tail -c 300)"
	pt_stop TERM
	[ "$RC" = 0 ] || pt_fail "run exited $RC"
	nt_has 1 '^STOPPING=1$' || fail "no STOPPING=1: $(tail -5 "$T/notify.log")"
}
