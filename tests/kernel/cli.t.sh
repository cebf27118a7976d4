# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
# shellcheck disable=SC2034 # I_KEYS, I_ADDR: read by write_conf (tests/lib/lab.sh)
# The command line as README.md ("Usage", "Exit codes", "JSON") and
# docs/nsping.8 document it: exit codes of every command, -q, validate --json,
# status --json field by field, unreadable files, a --host-netns that cannot
# be entered. pt_conf and friends come from ping.t.sh.

# foreign_host_veth: a veth pair in NODE whose one end has instance 1's host
# veth name, marked by nobody: a conflict (README.md "Ownership").
foreign_host_veth() {
	ip -n "$NODE" link add "$HOSTVETH" type veth peer name "x$ID" || fail "lab: foreign veth"
}

# README "Exit codes": status is 0 with drift alone, 1 when an instance has an
# error (the uplink is missing), 3 when one is in conflict; the instance's
# state says which. The text report exits the same.
test_status_exit_codes() {
	lab_up
	write_conf 1
	status_json 0
	jq -e '.instances[0].state == "drifted"' "$T/status.json" >/dev/null ||
		fail "status before apply: $(jq -c '.instances[0].state' "$T/status.json"), expected drifted"
	expect_rc 0 nsp apply
	status_json 0
	jq -e '.instances[0].state == "converged"' "$T/status.json" >/dev/null ||
		fail "status after apply: $(jq -c '.instances[0].state' "$T/status.json")"
	ip -n "$PINGNS" route del default || fail "lab: drift"
	status_json 0
	jq -e '.instances[0].state == "drifted"' "$T/status.json" >/dev/null ||
		fail "status with drift: $(jq -c '.instances[0].state' "$T/status.json")"
	expect_rc 0 nsp status
	conf_edit 's/uplink  = "eth0";/uplink  = "eth9";/'
	status_json 1
	jq -e '.instances[0].state == "error" and (.errors | length) == 1 and
	       (.errors[0].reason | contains("eth9"))' "$T/status.json" >/dev/null ||
		fail "status with a missing uplink: $(jq -c '[.instances[0].state, .errors]' "$T/status.json")"
	expect_rc 1 nsp status
	expect_rc 0 nsp destroy
	write_conf 1
	foreign_host_veth
	status_json 3
	jq -e --arg h "$HOSTVETH" '.instances[0].state == "conflict" and
	       (.conflicts | length) == 1 and .conflicts[0].object == $h' "$T/status.json" >/dev/null ||
		fail "status with a foreign link: $(jq -c '[.instances[0].state, .conflicts]' "$T/status.json")"
	expect_rc 3 nsp status
}

# README "Exit codes": plan is 0 with changes, 2 with --detailed-exitcode, 1
# when an instance has an error, 3 with a conflict (with --detailed-exitcode too).
test_plan_exit_codes() {
	lab_up
	write_conf 1
	expect_rc 0 nsp plan
	expect_rc 2 nsp plan --detailed-exitcode
	conf_edit 's/uplink  = "eth0";/uplink  = "eth9";/'
	expect_rc 1 nsp plan
	grep -q "eth9" "$T/out" "$T/err" || fail "plan does not name the missing uplink: $(cat "$T/out" "$T/err")"
	expect_rc 1 nsp plan --detailed-exitcode
	plan_json
	[ "$RC" -eq 1 ] || fail "plan --json with a missing uplink exits $RC, expected 1"
	write_conf 1
	foreign_host_veth
	expect_rc 3 nsp plan
	expect_rc 3 nsp plan --detailed-exitcode
	[ -e "/run/netns/$PINGNS" ] && fail "plan created the netns"
	return 0
}

# README "Exit codes": run with a conflict is 3 and nothing is changed: no
# netns, no veth, no worker, no probe.
test_run_conflict_changes_nothing() {
	lab_up drop
	lab_listen
	pt_conf "interval_ms = 100; timeout_ms = 5000;"
	foreign_host_veth
	snapshot before
	expect_rc 3 pt_ping run --count 1
	grep -q "conflict: link $HOSTVETH exists in the host netns" "$T/out" ||
		fail "run does not show the conflict: $(cat "$T/out")"
	grep -q 'syn-ack\|xmt/rcv' "$T/out" && fail "run probed despite the conflict: $(cat "$T/out")"
	expect_rc 3 pt_ping --json run --count 1
	[ "$(jq -s length "$T/out")" = 1 ] || fail "run --json printed more than the plan: $(cat "$T/out")"
	jq -e '(.conflicts | length) == 1 and (has("requests") | not)' "$T/out" >/dev/null ||
		fail "run --json: $(cat "$T/out")"
	snapshot after
	same_snapshot before after "run with a conflict changed something"
	[ -e "/run/netns/$PINGNS" ] && fail "run created the netns"
	compgen -G "$STATE/*.worker" >/dev/null && fail "a worker state file: $(ls "$STATE")"
	return 0
}

# README "Exit codes": 65 when the file cannot be read (a path that does not
# exist, a directory), for every command, with the file named on stderr; no
# kernel call is made (no netlink socket, no setns).
test_unreadable_config_is_65() {
	local f cmd
	lab_up
	mkdir "$T/a-directory"
	snapshot before
	for f in "$T/no-such-file.conf" "$T/a-directory"; do
		for cmd in validate plan apply status destroy "ping --count 1" "run --count 1"; do
			# shellcheck disable=SC2086 # the command and its option
			strace -f -qq -e trace=socket,setns -o "$T/strace.log" \
				"$NSPING" -c "$f" --host-netns "$NODE" --state-dir "$STATE" $cmd >"$T/out" 2>"$T/err"
			RC=$?
			[ "$RC" -eq 65 ] || fail "$cmd -c $f exits $RC, expected 65: $(cat "$T/err")"
			grep -q "^$f: " "$T/err" || fail "$cmd -c $f: the file is not named: $(cat "$T/err")"
			[ ! -s "$T/out" ] || fail "$cmd -c $f printed on stdout: $(cat "$T/out")"
			grep -qE 'AF_NETLINK|setns\(' "$T/strace.log" &&
				fail "$cmd -c $f made a kernel call: $(grep -E 'AF_NETLINK|setns' "$T/strace.log" | head -n 2)"
		done
	done
	snapshot after
	same_snapshot before after "an unreadable file changed something"
}

# README "--host-netns": a namespace that cannot be entered (no such name, a
# namespace of another kind, a plain file under /run/netns) is exit 1 for every
# command that touches the kernel; validate ignores it.
test_host_netns_cannot_be_entered() {
	local ns cmd stale=$LAB_PREFIX${ID}x
	lab_up
	write_conf 1
	: >"/run/netns/$stale"
	snapshot before
	for ns in "$LAB_PREFIX${ID}q" /proc/self/ns/mnt "$stale"; do
		for cmd in plan apply status destroy "ping --count 1" "run --count 1"; do
			# shellcheck disable=SC2086 # the command and its option
			expect_rc 1 "$NSPING" -c "$CONF" --host-netns "$ns" --state-dir "$STATE" $cmd
			grep -q "$ns" "$T/err" || fail "--host-netns $ns $cmd: not named: $(cat "$T/err")"
		done
		expect_rc 0 "$NSPING" -c "$CONF" --host-netns "$ns" --state-dir "$STATE" validate
	done
	snapshot after
	same_snapshot before after "a --host-netns that cannot be entered changed something"
	[ -e "/run/netns/$PINGNS" ] && fail "a netns was created"
	return 0
}

# README "-q": validate, plan, apply and destroy print nothing on stdout (the
# exit code unchanged, conflicts still on stderr); status still prints its
# report; ping and run print no probe results, only state changes, path changes
# (on stderr) and the summaries; with --json no probe objects. Of -v and -q the
# last one given wins.
test_quiet_prints_no_results() {
	lab_up drop
	lab_listen
	pt_conf "interval_ms = 100; timeout_ms = 5000;"
	expect_rc 0 nsp -q validate
	[ ! -s "$T/out" ] || fail "-q validate printed: $(cat "$T/out")"
	expect_rc 2 nsp -q plan --detailed-exitcode
	[ ! -s "$T/out" ] || fail "-q plan printed: $(cat "$T/out")"
	expect_rc 0 nsp -v -q apply
	[ ! -s "$T/out" ] && [ ! -s "$T/err" ] || fail "-v -q apply printed: $(cat "$T/out" "$T/err")"
	check_instance 1 "$NODE_MAC"
	expect_rc 0 nsp -q -v plan
	grep -q 'No changes' "$T/out" || fail "-q -v plan (-v last) printed no plan: $(cat "$T/out")"
	grep -qE '^nsping: observed 1 instance in' "$T/err" || fail "-q -v plan: no timings: $(cat "$T/err")"
	expect_rc 0 nsp -q status
	grep -q "^instance $INST: converged" "$T/out" || fail "-q status printed no report: $(cat "$T/out")"
	# ping in text: the state change and the summary, the path on stderr
	expect_rc 0 pt_ping -q ping --count 3
	grep -q 'syn-ack' "$T/out" && fail "-q ping printed probe results: $(cat "$T/out")"
	grep -qx "$INST 10.99.0.1 is up" "$T/out" || fail "-q ping: no state change: $(cat "$T/out")"
	grep -q "^$INST 10.99.0.1 : xmt/rcv/%loss = 3/3/0%" "$T/out" || fail "-q ping: no summary: $(cat "$T/out")"
	grep -qx "$INST: path up" "$T/err" || fail "-q ping: no path change on stderr: $(cat "$T/err")"
	grep -q 'path up' "$T/out" && fail "-q ping: the path change is on stdout: $(cat "$T/out")"
	expect_rc 0 pt_ping -q --json ping --count 3
	jq -se 'any(.type == "probe") | not' "$T/out" >/dev/null || fail "-q --json ping printed probe objects: $(cat "$T/out")"
	jq -se 'any(.type == "summary" and .sent == 3 and .received == 3) and any(.type == "state")' "$T/out" >/dev/null ||
		fail "-q --json ping: no state or summary: $(cat "$T/out")"
	expect_rc 0 nsp -q destroy
	[ ! -s "$T/out" ] || fail "-q destroy printed: $(cat "$T/out")"
	[ -e "/run/netns/$PINGNS" ] && fail "-q destroy did not destroy"
	# run: the apply report and the probes are gone, the summary is not
	expect_rc 0 pt_ping -q run --count 2
	grep -q 'Apply complete\|syn-ack' "$T/out" && fail "-q run printed the apply or probe results: $(cat "$T/out")"
	grep -q "^$INST 10.99.0.1 : xmt/rcv/%loss = 2/2/0%" "$T/out" || fail "-q run: no summary: $(cat "$T/out")"
	# a conflict still goes to stderr, the exit code is unchanged
	expect_rc 0 nsp -q destroy
	foreign_host_veth
	expect_rc 3 nsp -q plan
	[ ! -s "$T/out" ] || fail "-q plan with a conflict printed on stdout: $(cat "$T/out")"
	grep -q "conflict: link $HOSTVETH" "$T/err" || fail "-q plan: the conflict is not on stderr: $(cat "$T/err")"
	expect_rc 3 nsp -q apply
	[ ! -s "$T/out" ] || fail "-q apply with a conflict printed on stdout: $(cat "$T/out")"
}

# README "JSON": validate --json is {"valid":true,"instances":N,"warnings":[]}; an invalid
# file is {"valid":false,"errors":[{file,line,key,message}]} on stdout, the
# same errors as text on stderr, exit 65; so is a file that cannot be read.
test_validate_json() {
	lab_up
	write_conf 2
	expect_rc 0 nsp --json validate
	[ "$(jq -c . "$T/out")" = '{"valid":true,"instances":2,"warnings":[]}' ] || fail "validate --json: $(cat "$T/out")"
	[ "$(jq -s length "$T/out")" = 1 ] || fail "validate --json: not one document: $(cat "$T/out")"
	write_conf 1 02:00:00:00:00:zz
	expect_rc 65 nsp --json validate
	jq -e --arg f "$CONF" '.valid == false and (.errors | length >= 1) and
	       (.errors[0] | .file == $f and (.line | type == "number" and . > 0) and
	        .key == "instances[0].mac" and (.message | length > 0))' "$T/out" >/dev/null ||
		fail "validate --json of an invalid file: $(cat "$T/out")"
	grep -q "^$CONF:[0-9]*: instances\[0\].mac: " "$T/err" || fail "validate --json: no FILE:LINE: KEY: $(cat "$T/err")"
	# the same for apply, and for a file that cannot be read
	expect_rc 65 nsp --json apply
	jq -e '.valid == false' "$T/out" >/dev/null || fail "apply --json of an invalid file: $(cat "$T/out")"
	"$NSPING" -c "$T/none.conf" --json validate >"$T/out" 2>"$T/err"
	[ $? = 65 ] || fail "an unreadable file: exit $?"
	jq -e '.valid == false and .errors[0].line == 0 and (.errors[0].message | length > 0)' "$T/out" \
		>/dev/null || fail "validate --json of an unreadable file: $(cat "$T/out")"
}

# README "JSON", status --json: every documented member, its type, and when it
# is there. Instance 1 has XDP bindings, instance 2 tc ones on the same uplink;
# a worker runs on both.
STATUS_COUNTERS='["drop_not_ipv4","pass_bad_ip_header","pass_bad_tcp_header","pass_fragment","pass_icmp_not_probe",
	"pass_not_ipv4","pass_not_tcp","pass_truncated","pass_unconfigured","pass_wrong_dst_ip",
	"pass_wrong_dst_mac","pass_wrong_dst_port","pass_wrong_port","redirect_error","redirected"]'
STATUS_TYPES='
  def str: type == "string"; def num: type == "number" and . >= 0 and floor == .;
  def bool: type == "boolean";
  def link: type == "object" and keys == ["alias", "ifindex", "mac", "name", "up"] and
    (.name | str) and (.ifindex | num) and (.mac | test("^([0-9a-f]{2}:){5}[0-9a-f]{2}$")) and
    (.up | bool) and (.alias | str);
  def instance: (.name | str) and (.state | IN("converged", "drifted", "conflict", "error")) and
    (.netns | keys == ["name", "owned", "present"] and (.name | str) and (.present | bool) and (.owned | bool)) and
    ((.uplink, .host, .peer) | . == null or link) and
    (.addresses | type == "array" and all(str and test("^[0-9]+(\\.[0-9]+){3}/[0-9]+$"))) and
    (.routes | type == "array" and all(keys == ["dst", "gateway", "protocol"] and (.dst | str) and
      (.gateway | str) and (.protocol | num))) and
    (.neighbors | type == "array" and all(keys == ["dst", "lladdr", "permanent"] and (.dst | str) and
      (.lladdr | str) and (.permanent | bool))) and
    ((has("offload") | not) or (.offload | keys == ["gro", "tx_checksum"] and (.gro | bool) and (.tx_checksum | bool)));
  def binding: (.program | IN("tx_ping", "rx_ping")) and (.interface | str) and
    (.attach | IN("xdp", "tc")) and (.attached | bool) and
    (if .attach == "tc" then (.handle | num) and (.priority | num) and (has("mode") | not)
     else (has("handle") or has("priority") | not) end) and
    (if .attached then (.id | num) and (.ours | bool) else (has("id") or has("ours") | not) end) and
    (if .attached and .attach == "xdp" then .mode | IN("native", "generic") else has("mode") | not end) and
    (if .ours then .counters | keys == $counters and all(.[]; num) else has("counters") | not end) and
    (if .program == "rx_ping" then .uplink_offloads | keys == ["gro", "lro", "tso"] and all(.[]; bool)
     else has("uplink_offloads") | not end);
  def worker: if .running then (keys - ["path_reason", "path_cause"]) == ["path", "pid", "received", "repairs",
      "running", "sent", "since", "targets", "targets_up", "updated"] and (.pid | num) and
      (.since | num) and (.updated | num) and .updated >= .since and (.path | IN("up", "down")) and
      (if has("path_reason") then .path == "down" and (.path_reason | str) else true end) and
      (if has("path_cause") then .path == "down" and (.path_cause | str) else true end) and
      (.targets | num) and (.targets_up | num) and (.sent | num) and (.received | num) and
      (.repairs | num)
    else . == {"running": false} or (keys == ["error", "running"] and (.error | str)) end;
  keys == ["changes", "conflicts", "errors", "instances", "summary"] and
  (.changes | type == "array") and (.summary | keys == ["create", "delete", "update"]) and
  (.conflicts | type == "array") and (.errors | type == "array") and
  (.instances | length > 0 and all(instance and (.bindings | all(binding)) and (.worker | worker)))'
status_types_ok() {
	jq -e --argjson counters "$STATUS_COUNTERS" "$STATUS_TYPES" "$T/status.json" >/dev/null
}
test_status_json_fields() {
	local now
	lab_up drop
	lab_listen
	I_KEYS[1]="xdp = ( { program = \"tx_ping\"; interface = \"$HOSTVETH\"; },
	                   { program = \"rx_ping\"; interface = \"eth0\"; mode = \"generic\"; } );
	           ping = { interval_ms = 100; timeout_ms = 5000; };"
	I_KEYS[2]="xdp = ( { program = \"tx_ping\"; interface = \"$(inst_host 2)\"; attach = \"tc\"; },
	                   { program = \"rx_ping\"; interface = \"eth0\"; attach = \"tc\"; } );
	           ping = { interval_ms = 100; timeout_ms = 5000; };"
	I_ADDR[2]=10.99.0.3/24
	write_conf 2
	# the node answers no ARP for 10.99.0.3: the gateway is told where it is
	ip -n "$GW" neigh replace 10.99.0.3 lladdr "$NODE_MAC" dev eth0 nud permanent
	# before apply: nothing there, no worker
	status_json
	status_types_ok || fail "status --json before apply: $(cat "$T/status.json")"
	jq -e 'all(.instances[]; .host == null and .peer == null and .netns.present == false and
	       (.bindings | all(.attached == false)) and .worker == {"running": false})' "$T/status.json" >/dev/null ||
		fail "status --json before apply: $(jq -c '.instances[] | {host, peer, netns, worker}' "$T/status.json")"
	expect_rc 0 nsp apply
	pt_worker --json ping
	now=$(date +%s)
	pt_wait 60 "status: the worker on both instances, targets up" pt_status \
		"[.instances[].worker | .running and .pid == $WORKER and .targets_up == 1 and .received >= 1] == [true, true]"
	status_types_ok || fail "status --json with a worker: $(cat "$T/status.json")"
	jq -e --arg n1 "$INST" --arg n2 "$(inst_name 2)" --arg p1 "$PINGNS" --arg h1 "$HOSTVETH" \
		--arg e1 "$PEER" --arg mac "$NODE_MAC" --arg gw "$GW_MAC" --argjson now "$now" '
	  .instances[0] as $a | .instances[1] as $b |
	  [.instances[].state] == ["converged", "converged"] and
	  $a.name == $n1 and $b.name == $n2 and
	  $a.netns == {"name": $p1, "present": true, "owned": true} and
	  $a.uplink.name == "eth0" and $a.uplink.mac == $mac and $a.uplink.up and
	  $a.host.name == $h1 and $a.host.alias == "nsping:" + $n1 and $a.host.up and
	  $a.peer.name == $e1 and $a.peer.mac == $mac and $a.peer.alias == "nsping:" + $n1 and
	  $a.addresses == ["10.99.0.2/24"] and $b.addresses == ["10.99.0.3/24"] and
	  $a.routes == [{"dst": "default", "gateway": "10.99.0.1", "protocol": 78}] and
	  $a.neighbors == [{"dst": "10.99.0.1", "lladdr": $gw, "permanent": true}] and
	  $a.offload == {"gro": true, "tx_checksum": false} and
	  ($a.bindings | map({program, interface, attach, attached, mode, ours}) ==
	    [{"program": "tx_ping", "interface": $h1, "attach": "xdp", "attached": true, "mode": "native", "ours": true},
	     {"program": "rx_ping", "interface": "eth0", "attach": "xdp", "attached": true, "mode": "generic", "ours": true}]) and
	  ($b.bindings | all(.attach == "tc" and .attached and .ours and .priority == 20051 and
	    (.handle / 65536 | floor) == 20051)) and
	  ($a.bindings + $b.bindings | all(.counters.redirected >= 1)) and
	  ($a.worker | .path == "up" and .targets == 1 and .sent >= .received and
	    .since >= $now - 60 and .since <= .updated and .updated <= $now + 600)
	' "$T/status.json" >/dev/null || fail "status --json values: $(jq -c '.instances[]' "$T/status.json" | head -c 1500)"
	# the ids are the kernel's
	[ "$(jq -r '.instances[0].bindings[1].id' "$T/status.json")" = "$(xdp_id "$NODE" eth0)" ] ||
		fail "rx_ping id in status $(jq -r '.instances[0].bindings[1].id' "$T/status.json"), ip says $(xdp_id "$NODE" eth0)"
	pt_stop TERM
	[ "$RC" -eq 0 ] || pt_fail "SIGTERM: exit $RC"
	# a worker state file that cannot be read: running false and the error
	echo garbage >"$STATE/$INST.worker"
	status_json
	status_types_ok || fail "status --json with a bad worker file: $(cat "$T/status.json")"
	jq -e '.instances[0].worker | .running == false and (.error | length > 0)' "$T/status.json" >/dev/null ||
		fail "a worker file that cannot be read: $(jq -c '.instances[0].worker' "$T/status.json")"
	rm -f "$STATE/$INST.worker"
	# a binding not attached: no id, ours, mode or counters; a non-bpf filter
	# in instance 2's tc slot: its kind in "filter"
	ip -n "$NODE" link set dev eth0 xdpgeneric off || fail "lab: detach rx_ping"
	tc -n "$NODE" filter del dev eth0 ingress pref 20051 handle \
		"$(printf '0x%x' "$(jq '.instances[1].bindings[1].handle' "$T/status.json")")" bpf ||
		fail "lab: delete instance 2's rx filter"
	tc -n "$NODE" filter add dev eth0 ingress prio 20051 u32 match u32 0 0 || fail "lab: u32 filter"
	status_json 3
	status_types_ok || fail "status --json with a detached program: $(cat "$T/status.json")"
	jq -e '.instances[0].state == "drifted" and (.instances[0].bindings[1] | del(.uplink_offloads)) ==
	       {"program": "rx_ping", "interface": "eth0", "attach": "xdp", "attached": false}' "$T/status.json" >/dev/null ||
		fail "a detached binding: $(jq -c '.instances[0] | [.state, .bindings[1]]' "$T/status.json")"
	jq -e '.instances[1].state == "conflict" and .instances[1].bindings[1].filter == "u32"' "$T/status.json" >/dev/null ||
		fail "a u32 filter in our slot: $(jq -c '.instances[1] | [.state, .bindings[1]]' "$T/status.json")"
}

# README "Usage": help, COMMAND --help, "did you mean" for commands, options
# and keys, and the capabilities a non-root user lacks.
test_cli_frictions() {
	lab_up
	write_conf 1
	expect_rc 0 "$NSPING" help
	grep -q '^  help ' "$T/out" || fail "help: $(cat "$T/out")"
	expect_rc 0 "$NSPING" help plan
	grep -q -- '--detailed-exitcode' "$T/out" || fail "help plan: $(cat "$T/out")"
	expect_rc 0 nsp status --help
	grep -q -- '--health' "$T/out" || fail "status --help: $(cat "$T/out")"
	expect_rc 64 nsp plam
	grep -q 'unknown command "plam" (did you mean "plan"?)' "$T/err" || fail "plam: $(cat "$T/err")"
	expect_rc 64 nsp plan --detailled-exitcode
	grep -q '(did you mean "--detailed-exitcode"?)' "$T/err" || fail "option: $(cat "$T/err")"
	conf_edit 's/uplink  = /uplnk  = /'
	expect_rc 65 nsp validate
	grep -q 'instances\[0\].uplnk: unknown key (did you mean "uplink"?)' "$T/err" || fail "key: $(cat "$T/err")"
	conf_edit 's/uplnk  = /uplink  = /'
	# as nobody, with no capability: the hint instead of a bare EPERM (the
	# file where nobody may read it: $T is root's alone)
	mkdir -m 755 "$T/pub" && install -m 644 "$CONF" "$T/pub/nsping.conf" && chmod 711 "$T" ||
		fail "a file nobody can read"
	setpriv --reuid=nobody --regid=nogroup --clear-groups --inh-caps=-all \
		"$NSPING" -c "$T/pub/nsping.conf" --state-dir "$T/pub/state" plan >"$T/out" 2>"$T/err"
	RC=$?
	[ "$RC" = 1 ] || fail "plan as nobody: exit $RC: $(cat "$T/err")"
	grep -q 'plan needs CAP_NET_ADMIN, CAP_SYS_ADMIN and CAP_BPF' "$T/err" || fail "as nobody: $(cat "$T/err")"
}
