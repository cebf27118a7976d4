# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
# shellcheck disable=SC2034 # I_KEYS: read by write_conf (tests/lib/lab.sh)
# nsping diagnose on a real kernel: a lab broken in one way per test, and the
# verdict line that must name the hop where it breaks. Helpers are prefixed dg_.

# dg_conf [RX_ATTACH [EXTRA_KEYS]]: one instance, tx_ping on the host veth,
# rx_ping on eth0 (attach RX_ATTACH, default tc), quick probes.
dg_conf() {
	I_KEYS[1]="xdp = ( { program = \"tx_ping\"; interface = \"$HOSTVETH\"; },
	                   { program = \"rx_ping\"; interface = \"eth0\"; attach = \"${1:-tc}\"; } );
	    ping = { timeout_ms = 500; };
	    ${2:-}"
	write_conf 1 "${DG_MAC:-inherit}"
}

# dg_lab [RX_ATTACH [EXTRA_KEYS]]: the gateway listening, the node dropping port
# 10086 both ways, the instance applied.
dg_lab() {
	lab_up drop
	lab_listen
	dg_conf "$@"
	expect_rc 0 nsp apply
}

# dg_diagnose RC [ARGS]: diagnose as text ($T/diag) and as JSON ($T/diag.json),
# both expected to exit RC; the JSON validates against its schema.
dg_diagnose() {
	local rc=$1 got
	shift
	nsp diagnose "$@" >"$T/diag" 2>"$T/diag.err"
	got=$?
	sed 's/^/  diag| /' "$T/diag" >&2 # the report, in the test's log
	[ "$got" -eq "$rc" ] || fail "diagnose $* exited $got, expected $rc: $(cat "$T/diag" "$T/diag.err")"
	nsp --json diagnose "$@" >"$T/diag.json" 2>"$T/diag.err"
	got=$?
	[ "$got" -eq "$rc" ] || fail "diagnose --json $* exited $got, expected $rc: $(cat "$T/diag.json" "$T/diag.err")"
	/usr/bin/python3 "$ROOT/tests/schema/check_json.py" "$ROOT/schema/diagnose.schema.json" \
		"$T/diag.json" 2>"$T/schema.err" >/dev/null ||
		fail "diagnose --json does not validate: $(head -3 "$T/schema.err") $(head -c 600 "$T/diag.json")"
}

# dg_verdict HOP PATTERN: the text's last line is "verdict: HOP: ..." matching
# PATTERN (grep -E), and the JSON names the same hop.
dg_verdict() {
	local last
	last=$(tail -1 "$T/diag")
	[[ $last == "verdict: $1: "* ]] || fail "expected a verdict at hop $1: $(cat "$T/diag")"
	grep -qE "$2" <<<"$last" || fail "the verdict does not say /$2/: $last"
	jq -e --arg h "$1" '.instances[0].verdict.hop == $h and (.instances[0].ok | not)' \
		"$T/diag.json" >/dev/null ||
		fail "JSON verdict is not hop $1: $(jq -c '.instances[0].verdict' "$T/diag.json")"
}

# dg_hop HOP STATUS: the JSON reports HOP with STATUS.
dg_hop() {
	jq -e --arg h "$1" --arg s "$2" '.instances[0].hops[] | select(.hop == $h) | .status == $s' \
		"$T/diag.json" >/dev/null ||
		fail "hop $1 is not $2: $(jq -c --arg h "$1" '.instances[0].hops[] | select(.hop == $h)' "$T/diag.json")"
}

test_diagnose_healthy_path() {
	dg_lab
	dg_diagnose 0 --count 3
	tail -1 "$T/diag" | grep -qE '^verdict: ok: 3 of 3 probes answered' ||
		fail "no ok verdict: $(cat "$T/diag")"
	jq -e '.instances[0] | .ok and .sent == 3 and .answered == 3 and .verdict.hop == null and
	       ([.hops[].status] | all(. == "ok"))' "$T/diag.json" >/dev/null ||
		fail "the JSON is not all ok: $(cat "$T/diag.json")"
	# the counters that prove it: tx_ping redirected the probes, rx_ping the replies
	jq -e '.instances[0].hops[] | select(.hop == "tx_ping") | .evidence.redirected >= 3' \
		"$T/diag.json" >/dev/null || fail "tx_ping's evidence: $(cat "$T/diag.json")"
	jq -e '.instances[0].hops[] | select(.hop == "rx_ping") | .evidence.redirected >= 3' \
		"$T/diag.json" >/dev/null || fail "rx_ping's evidence: $(cat "$T/diag.json")"
	# diagnose changes nothing
	expect_plan_empty
	# an instance the file does not have is a usage error
	expect_rc 64 nsp diagnose nosuch
	grep -q 'no instance "nosuch"' "$T/err" || fail "unknown instance: $(cat "$T/err")"
}

# The issue's first case: a MAC that is not the uplink's while the address is
# shared. apply converges; the replies go to the uplink's MAC.
test_diagnose_wrong_mac() {
	DG_MAC=02:5b:00:00:07:55 dg_lab
	dg_diagnose 1 "$INST" --count 3
	dg_verdict rx_ping '02:5b:00:00:07:55 \(pass_wrong_dst_mac\).*mac = "inherit"'
	dg_hop tx_ping ok
	dg_hop gateway ok
}

# rx_ping replaced on the uplink by a program that is not ours.
test_diagnose_foreign_rx_program() {
	local foreign
	dg_lab xdp
	ip -n "$NODE" link set dev eth0 xdp off || fail "lab: detach rx_ping"
	ip -n "$NODE" link set dev eth0 xdp obj build/bpf/xdp_pass.bpf.o sec xdp ||
		fail "lab: attach the foreign program"
	foreign=$(xdp_id "$NODE" eth0)
	dg_diagnose 1 --count 2
	dg_verdict rx_ping "not ours.*id $foreign"
	dg_hop tx_ping ok
}

# rx_ping gone from its tc slot: the replies go to the node's stack (and its DROP).
test_diagnose_rx_detached() {
	dg_lab tc
	ip netns exec "$NODE" tc filter del dev eth0 ingress || fail "lab: delete rx_ping's filter"
	dg_diagnose 1 --count 2
	dg_verdict rx_ping 'rx_ping is not attached to eth0'
}

# The gateway's side leaves TCP checksums to an offload; an XDP rx_ping
# redirect loses CHECKSUM_PARTIAL, and the netns's stack drops the replies.
test_diagnose_partial_checksums() {
	dg_lab xdp
	ip netns exec "$GW" ethtool -K eth0 tx on >/dev/null || fail "lab: tx checksum offload on in $GW"
	dg_diagnose 1 --count 3
	dg_verdict netns_stack 'bad checksums.*attach = "tc"'
	dg_hop rx_ping ok
}

# Nothing answers: the gateway drops the probes.
test_diagnose_gateway_silent() {
	dg_lab
	ip netns exec "$GW" iptables -w -A INPUT -p tcp --dport "$LAB_PORT" -j DROP ||
		fail "lab: DROP in $GW"
	dg_diagnose 1 --count 3
	dg_verdict gateway 'no reply to 3 probes reached eth0.*silent'
	dg_hop uplink_out ok
	dg_hop rx_ping skip
}

# A netfilter rule inside the isolated netns drops the replies.
test_diagnose_netns_netfilter() {
	dg_lab
	ip netns exec "$PINGNS" iptables -w -A INPUT -p tcp --sport "$LAB_PORT" -j DROP ||
		fail "lab: DROP in $PINGNS"
	dg_diagnose 1 --count 3
	dg_verdict netns_stack 'netfilter rule in netns'
	dg_hop rx_ping ok
	dg_hop netns_in ok
}

# GRO off on the netns side: a veth then cannot take XDP-redirected replies.
test_diagnose_gro_off() {
	dg_lab xdp "offload = { gro = false; };"
	dg_diagnose 1 --count 3
	# the host-side veth refuses rx_ping's frames: the uplink (a veth) counts the drops
	dg_verdict rx_ping 'kernel dropped [0-9]+ .*offload\.gro'
}

# The uplink refuses tx_ping's frames (the gateway's end of the uplink veth
# has neither GRO nor an XDP program): the redirect fails in the kernel, the
# host-side veth counts it; the verdict names tx_ping, not a silent gateway.
test_diagnose_uplink_refuses_xdp() {
	dg_lab
	ip netns exec "$GW" ethtool -K eth0 gro off >/dev/null || fail "GRO off at the gateway's end"
	dg_diagnose 1 --count 3
	dg_verdict tx_ping 'the kernel dropped [0-9]+ of them .*refuses XDP frames'
	jq -e '.instances[0].hops[] | select(.hop == "tx_ping") | .evidence.redirect_dropped >= 3' \
		"$T/diag.json" >/dev/null || fail "no redirect_dropped evidence: $(cat "$T/diag.json")"
}
