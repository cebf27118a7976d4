#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# The Ansible module (ansible/library/nsping.py) and role (ansible/roles/nsping)
# against lab namespaces, with Debian's ansible-core; then ansible-test sanity
# (tests/ansible/sanity.sh) as one more test. Root. Prints "ok NAME" or
# "FAIL NAME: why" per test and ends with "N passed, N failed"; exit 1 on a
# failure. Usage: tests/ansible/run.sh [TEST...]  (default: all; -l lists them)
#
# Safety: each test makes its own namespaces, nspa<ID>n (the node: eth0
# 10.99.0.2/24), nspa<ID>g (the gateway: eth0 10.99.0.1/24) and the instance's
# nspa<ID>p that nsping creates, and deletes exactly those on any exit (trap),
# with its temporary directory. The module always gets host_netns = the node
# and a state_dir in that directory; the role writes its file there too and
# names a unit that does not exist, so no real nsping.service is touched.
# Nothing runs in the runner's own namespace but `nsping validate`, which
# touches no kernel state.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
NSPING=${NSPING:-$root/build/nsping}
PY=/usr/bin/python3 # Debian's, the one ansible-core is installed for

# --- lab ---------------------------------------------------------------------

fail() {
	printf '%s\n' "$*" >"$WHY"
	printf 'FAIL: %s\n' "$*" >&2
	exit 1
}

# lab_init: a 4-hex ID no /run/netns name uses yet, the names, the temp dir.
lab_init() {
	local i
	for i in $(seq 1 100); do
		ID=$(printf '%04x' $(((RANDOM * 7 + $$ + i) & 0xffff)))
		compgen -G "/run/netns/nspa$ID*" >/dev/null || break
	done
	NODE=nspa${ID}n GW=nspa${ID}g
	INST=nspa$ID NS=nspa${ID}p VH=vah$ID VN=van$ID
	T=$(mktemp -d "/tmp/nspa-$ID.XXXXXX")
	CONF=$T/nsping.conf STATE=$T/state
	mkdir -p "$STATE"
	echo "$ID" >"$IDFILE"
}

# lab_down: deletes exactly this test's namespaces (the instance's first; the
# node takes its veth ends with it), kills what the test started, removes $T.
lab_down() {
	local ns pid
	set +e
	[ -f "$T/pids" ] && while read -r pid; do kill "$pid" 2>/dev/null; done <"$T/pids"
	for ns in "$NS" "$NODE" "$GW"; do
		[ -e "/run/netns/$ns" ] && ip netns del "$ns"
	done
	rm -rf "$T"
	return 0
}

lab_up() {
	local ns
	ip netns add "$NODE" || fail "lab: ip netns add $NODE"
	ip netns add "$GW" || fail "lab: ip netns add $GW"
	for ns in "$NODE" "$GW"; do
		ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
			net.ipv6.conf.default.disable_ipv6=1 >/dev/null 2>&1
	done
	ip -n "$NODE" link add eth0 type veth peer name eth0 netns "$GW" || fail "lab: veth"
	ip -n "$NODE" addr add 10.99.0.2/24 dev eth0 || fail "lab: node address"
	ip -n "$GW" addr add 10.99.0.1/24 dev eth0 || fail "lab: gateway address"
	for ns in "$NODE" "$GW"; do
		ip -n "$ns" link set dev lo up
		ip -n "$ns" link set dev eth0 up || fail "lab: $ns eth0 up"
		ip netns exec "$ns" ethtool -K eth0 tx off >/dev/null 2>&1 ||
			fail "lab: ethtool -K eth0 tx off in $ns"
	done
	GW_MAC=$(ip -n "$GW" -j link show dev eth0 | jq -r '.[0].address')
	for _ in $(seq 1 50); do
		[ "$(ip -n "$NODE" -j link show dev eth0 | jq -r '.[0].operstate')" = UP ] && break
		sleep 0.05
	done
}

# write_conf [MAC [ADDRESS]]: one instance on the node's eth0.
write_conf() {
	cat >"$CONF" <<EOF
version = 1;
instances = (
  {
    name    = "$INST";
    netns   = "$NS";
    uplink  = "eth0";
    veth    = { host = "$VH"; peer = "$VN"; };
    mac     = "${1:-02:00:00:00:00:09}";
    address = "${2:-10.99.0.2/24}";
    gateway = { ip = "10.99.0.1"; mac = "$GW_MAC"; };
  }
);
EOF
}

# snapshot: the node's links (without what the kernel changes on its own) and
# this test's namespaces: what check mode must leave alone.
snapshot() {
	ip -n "$NODE" -j -d link | jq -S 'map(del(.operstate))'
	my_netns
}

# my_netns: this test's names under /run/netns.
my_netns() {
	local f
	for f in /run/netns/nspa"$ID"?; do
		[ -e "$f" ] && echo "${f##*/}"
	done
	return 0
}

has_netns() { [ -e "/run/netns/$1" ]; }
has_link() { ip -n "$NODE" link show dev "$1" >/dev/null 2>&1; }

# --- ansible -----------------------------------------------------------------

# play NAME [ARGS...]: ansible-playbook $T/NAME.yml on localhost, output in
# $T/NAME.log, exit code in RC. No inventory file, no SSH, no facts.
play() {
	local name=$1
	shift
	(cd "$T" && env ANSIBLE_LIBRARY="$root/ansible/library" \
		ANSIBLE_ROLES_PATH="$root/ansible/roles" ANSIBLE_CONFIG="$T/none.cfg" \
		ANSIBLE_LOCAL_TEMP="$T/ansible" ANSIBLE_REMOTE_TEMP="$T/ansible" \
		ANSIBLE_PYTHON_INTERPRETER="$PY" ANSIBLE_NOCOLOR=1 ANSIBLE_FORCE_COLOR=0 \
		ANSIBLE_HOST_KEY_CHECKING=False ANSIBLE_RETRY_FILES_ENABLED=False \
		ANSIBLE_STDOUT_CALLBACK=default ANSIBLE_DEPRECATION_WARNINGS=False \
		ansible-playbook -i localhost, -c local "$T/$name.yml" "$@") >"$T/$name.log" 2>&1
	RC=$?
	sed "s/^/  $name| /" "$T/$name.log" >&2
}

# module_play NAME [KEY: VALUE...]: a playbook that runs the module once on
# $CONF for the node (plus the given options), registers the result and
# writes it to $T/NAME.json whatever happened.
module_play() {
	local name=$1 kv
	shift
	{
		cat <<EOF
- hosts: localhost
  gather_facts: false
  tasks:
    - name: nsping module
      nsping:
        config: $CONF
        host_netns: $NODE
        state_dir: $STATE
        binary: $NSPING
EOF
		for kv in "$@"; do echo "        $kv"; done
		cat <<EOF
      register: r
      ignore_errors: true
    - name: keep the result
      ansible.builtin.copy:
        content: "{{ r | to_nice_json }}"
        dest: $T/$name.json
        mode: "0600"
      check_mode: false
      changed_when: false
      diff: false
EOF
	} >"$T/$name.yml"
}

# role_play NAME [VAR: VALUE...]: a playbook that runs the role for the node
# with its file in $T/etc, then writes what the role registered to
# $T/NAME.json. Extra lines are vars (they override the defaults here).
role_play() {
	local name=$1 kv
	shift
	{
		cat <<EOF
- hosts: localhost
  gather_facts: false
  vars:
    nsping_binary: $NSPING
    nsping_config_path: $T/etc/nsping.conf
    nsping_host_netns: $NODE
    nsping_state_dir: $STATE
    nsping_service: nspa$ID-absent.service
    nsping_address: 10.99.0.2/24
EOF
		for kv in "$@"; do echo "    $kv"; done
		cat <<EOF
    nsping_instances:
      - name: $INST
        netns: $NS
        uplink: eth0
        veth: {host: $VH, peer: $VN}
        mac: "02:00:00:00:00:09"
        address: "{{ nsping_address }}"
        gateway: {ip: 10.99.0.1, mac: "$GW_MAC"}
        offload: {gro: true, tx_checksum: false}
        xdp:
          - {program: tx_ping, interface: $VH, mode: generic, attach: xdp}
        ping:
          port: 10086
          magic: 0x4E535047
          interval_ms: 500
          timeout_ms: 400
          targets: [10.99.0.1]
          down_after: 3
          up_after: 1
          sport_min: 61000
          sport_max: 65535
  roles: [nsping]
  post_tasks:
    - name: run the handlers now
      ansible.builtin.meta: flush_handlers
    - name: keep what the role registered
      ansible.builtin.copy:
        content: "{{ {'result': nsping_result | default(None),
                      'probe': nsping_service_active | default(None),
                      'restart': nsping_service_restart | default(None),
                      'staging': nsping_staging | default(None)} | to_nice_json }}"
        dest: $T/$name.json
        mode: "0600"
      check_mode: false
      changed_when: false
      diff: false
EOF
	} >"$T/$name.yml"
}

# expect NAME JQ WHY: the jq filter holds on $T/NAME.json, or the test fails.
expect() {
	[ -s "$T/$1.json" ] || fail "$1: no result written (exit $RC): $(grep -m1 -E 'ERROR|fatal' "$T/$1.log")"
	jq -e "$2" "$T/$1.json" >/dev/null ||
		fail "$3 (jq '$2' is false on: $(jq -c '{changed, failed, rc, msg}' "$T/$1.json" | cut -c1-400))"
}

# recap NAME: the "changed=N failed=N" of the play's recap.
recap() { grep -oE 'changed=[0-9]+ +unreachable=[0-9]+ +failed=[0-9]+' "$T/$1.log" | tr -s ' '; }

# --- the module --------------------------------------------------------------

t_module_first_run_changed() {
	lab_up && write_conf
	module_play apply
	play apply
	[ $RC -eq 0 ] || fail "playbook exit $RC"
	expect apply '.changed == true and (.failed | not)' "first run not changed"
	expect apply '.result.requests > 0 and .result.converged == true' "no request or not converged"
	expect apply '.result.summary.create >= 5 and .rc == 0' "summary/rc"
	expect apply '.changes | map(.kind) | index("netns") != null' "no netns in changes"
	has_netns "$NS" || fail "netns $NS not created"
	has_link "$VH" || fail "veth $VH not in the node"
	[ "$(ip -n "$NS" -j link show dev "$VN" | jq -r '.[0].address')" = 02:00:00:00:00:09 ] ||
		fail "peer MAC not applied"
}

t_module_idempotent() {
	lab_up && write_conf
	module_play apply
	play apply
	expect apply '.changed == true' "first run not changed"
	play apply
	[ $RC -eq 0 ] || fail "second playbook exit $RC"
	expect apply '.changed == false' "second run changed"
	expect apply '.result.requests == 0 and .result.changes == [] and .result.converged' \
		"second run sent requests"
	[ "$(recap apply)" = "changed=0 unreachable=0 failed=0" ] || fail "recap: $(recap apply)"
	module_play check
	play check --check
	expect check '.changed == false and .plan.changes == []' "check mode on a converged host changed"
}

t_module_check_mode() {
	local before
	lab_up && write_conf
	before=$(snapshot)
	module_play check
	play check --check
	[ $RC -eq 0 ] || fail "playbook exit $RC"
	[ "$(snapshot)" = "$before" ] || fail "check mode changed the node or the namespaces"
	has_netns "$NS" && fail "check mode created $NS"
	expect check '.changed == true' "check mode reports no change"
	expect check '.result == null and .plan.summary.create >= 5' "not a plan document"
	expect check '[.plan.changes[] | select(.op == "create" and .kind == "netns" and .object == "'"$NS"'")] | length == 1' \
		"the plan does not create the netns"
	grep -q 'changed: \[localhost\]' "$T/check.log" || fail "the play does not say changed"
	# state=absent in check mode: plans the deletions, removes nothing
	module_play apply
	play apply
	expect apply '.changed == true' "apply not changed"
	before=$(snapshot)
	module_play gone 'state: absent'
	play gone --check
	expect gone '.changed == true and ([.plan.changes[].op] | unique) == ["delete"]' \
		"check mode absent does not plan deletions"
	[ "$(snapshot)" = "$before" ] || fail "check mode absent changed the kernel"
	has_netns "$NS" || fail "check mode absent removed $NS"
}

t_module_diff() {
	lab_up && write_conf
	module_play check
	play check --check --diff
	expect check '[.diff[] | select(.before == "" and .after == "netns '"$NS"' /run/netns/'"$NS"'\n")] | length == 1' \
		"a created netns: no empty before"
	module_play apply
	play apply
	expect apply '.diff == null' "a diff without --diff"
	write_conf 02:00:00:00:00:02
	play apply --diff
	[ $RC -eq 0 ] || fail "playbook exit $RC"
	expect apply '.changed == true' "the MAC change did not change"
	expect apply '[.diff[] | select(.before == "link '"$VN"' mac 02:00:00:00:00:09\n" and .after == "link '"$VN"' mac 02:00:00:00:00:02\n")] | length == 1' \
		"no before/after for the MAC"
	grep -q "^-link $VN mac 02:00:00:00:00:09" "$T/apply.log" ||
		fail "the play's output does not show the old MAC"
	grep -q "^+link $VN mac 02:00:00:00:00:02" "$T/apply.log" ||
		fail "the play's output does not show the new MAC"
	module_play gone 'state: absent'
	play gone --check --diff
	expect gone '[.diff[] | select(.after == "" and .before == "netns '"$NS"' /run/netns/'"$NS"'\n")] | length == 1' \
		"a deleted netns: no empty after"
}

# prune (default true): apply as is; false: apply --no-prune, and plan
# --no-prune in check mode; ignored for state=absent.
t_module_prune() {
	lab_up && write_conf
	module_play apply
	play apply
	expect apply '(.cmd | index("--no-prune")) == null' "prune by default adds --no-prune"
	module_play keep 'prune: false'
	play keep
	[ $RC -eq 0 ] || fail "playbook exit $RC"
	expect keep '.cmd[-2:] == ["apply", "--no-prune"] and .changed == false' "prune: false"
	play keep --check
	expect keep '.cmd[-2:] == ["plan", "--no-prune"]' "prune: false in check mode"
	module_play gone 'state: absent' 'prune: false'
	play gone
	expect gone '.cmd[-1] == "destroy"' "prune: false on state=absent"
	has_netns "$NS" && fail "destroy left $NS"
	return 0
}

t_module_absent() {
	lab_up && write_conf
	module_play apply
	play apply
	expect apply '.changed == true' "apply not changed"
	module_play gone 'state: absent'
	play gone
	[ $RC -eq 0 ] || fail "playbook exit $RC"
	expect gone '.changed == true and .result.summary.delete >= 2 and .result.converged' \
		"destroy not changed"
	has_netns "$NS" && fail "$NS still there"
	has_link "$VH" && fail "$VH still in the node"
	has_link eth0 || fail "the node lost its eth0"
	play gone
	expect gone '.changed == false and .result.requests == 0' "second destroy changed"
}

t_module_conflict() {
	lab_up && write_conf
	ip -n "$NODE" link add "$VH" type veth peer name "vax$ID" || fail "foreign veth"
	module_play apply
	play apply
	expect apply '.failed == true and .rc == 3 and .changed == false' "not failed with exit 3"
	expect apply '.msg | test("conflict") and test("link '"$VH"' exists in the host netns and is not owned by nsping")' \
		"the message lacks nsping's reason"
	expect apply '.conflicts | length == 1 and .[0].object == "'"$VH"'"' "conflicts not returned"
	expect apply '.plan.changes == [] and .result == null' "a refused apply is not a plan document"
	has_netns "$NS" && fail "a refused apply created $NS"
	has_link "vax$ID" || fail "the foreign veth was touched"
	module_play check
	play check --check
	expect check '.failed == true and .rc == 3 and (.msg | test("not owned by nsping"))' \
		"check mode does not fail on the conflict"
}

t_module_invalid() {
	lab_up && write_conf 02:00:00:00:00:09 10.99.0.2/33
	module_play apply
	play apply
	expect apply '.failed == true and .rc == 65 and .changed == false' "not failed with exit 65"
	expect apply '.msg | test("invalid configuration") and test("'"$CONF"':[0-9]+: instances\\[0\\]\\.address")' \
		"the message lacks FILE:LINE: KEY"
	expect apply '.messages | length >= 1 and (.[0] | test("^'"$CONF"':[0-9]+: "))' "messages not FILE:LINE"
	has_netns "$NS" && fail "an invalid file created $NS"
	CONF=$T/missing.conf module_play missing
	play missing
	expect missing '.failed == true and .rc == 65 and (.msg | test("cannot read"))' \
		"a missing file does not fail with 65"
}

t_module_runtime_error() {
	lab_up && write_conf
	sed -i 's/uplink  = "eth0"/uplink  = "eth9"/' "$CONF"
	module_play apply
	play apply
	expect apply '.failed == true and .rc == 1 and .changed == false' "not failed with exit 1"
	expect apply '.msg | test("nothing was changed") and test("uplink eth9 not found")' \
		"the message lacks nsping's reason"
	expect apply '.errors | length == 1 and .[0].instance == "'"$INST"'"' "errors not returned"
	has_netns "$NS" && fail "created $NS without an uplink"
	write_conf
	module_play nons
	sed -i "s/host_netns: $NODE\$/host_netns: nspa${ID}x/" "$T/nons.yml"
	play nons
	expect nons '.failed == true and .rc == 1 and (.msg | test("--host-netns nspa'"$ID"'x"))' \
		"a missing host_netns does not fail with nsping's message"
}

t_module_lock() {
	lab_up && write_conf
	# one process holds the lock (itself becomes the sleep), killed by lab_down
	(
		exec 9>"$STATE/lock"
		flock 9 && exec sleep 60
	) &
	echo $! >>"$T/pids"
	for _ in $(seq 1 50); do
		flock -n "$STATE/lock" true 2>/dev/null || break
		sleep 0.05
	done
	module_play apply 'lock_wait: 0'
	play apply
	expect apply '.failed == true and .rc == 75 and (.msg | test("lock"))' "not failed with exit 75"
	has_netns "$NS" && fail "applied without the lock"
	module_play bad 'lock_wait: 3601'
	play bad
	expect bad '.failed == true and (.msg | test("0..3600"))' "lock_wait 3601 accepted"
}

# --- the role ----------------------------------------------------------------

t_role_apply() {
	lab_up
	role_play role
	play role
	[ $RC -eq 0 ] || fail "playbook exit $RC: $(grep -m1 -A3 fatal "$T/role.log")"
	[ -s "$T/etc/nsping.conf" ] || fail "the file was not written"
	"$NSPING" -c "$T/etc/nsping.conf" validate >/dev/null || fail "the written file is invalid"
	grep -q "veth = { host = \"$VH\"; peer = \"$VN\"; };" "$T/etc/nsping.conf" || fail "veth not rendered"
	grep -q 'ping = { port = 10086; magic = 1314082887; interval_ms = 500; timeout_ms = 400; targets = ( "10.99.0.1" ); down_after = 3; up_after = 1; sport_min = 61000; sport_max = 65535; };' \
		"$T/etc/nsping.conf" || fail "ping not rendered with every key"
	expect role '.result.changed == true and .result.result.converged' "the module did not apply"
	has_netns "$NS" || fail "$NS not created"
	# the handler ran, found no active unit (no systemd here, and the unit
	# does not exist) and skipped the restart
	expect role '.probe != null and .probe.stdout != "active"' "the handler did not look at the unit"
	expect role '.restart.skipped == true' "the restart was not skipped"
	grep -q 'RUNNING HANDLER \[nsping : Restart (or stop) the active nsping unit\]' "$T/role.log" ||
		fail "the handler was not notified"
	play role
	[ $RC -eq 0 ] || fail "second playbook exit $RC"
	[ "$(recap role)" = "changed=0 unreachable=0 failed=0" ] || fail "second run: $(recap role)"
	expect role '.result.changed == false and .probe == null' "second run changed or notified"
}

t_role_check_mode() {
	local before
	lab_up
	before=$(snapshot)
	role_play role
	play role --check --diff
	[ $RC -eq 0 ] || fail "playbook exit $RC: $(grep -m1 -A3 fatal "$T/role.log")"
	[ -e "$T/etc" ] && fail "check mode wrote $T/etc"
	[ "$(snapshot)" = "$before" ] || fail "check mode changed the node or the namespaces"
	expect role '.result.changed == true and (.result.plan.changes | length) >= 5' \
		"check mode did not plan the rendered file"
	expect role '.staging.path != null' "no staging file"
	[ -e "$(jq -r .staging.path "$T/role.json")" ] && fail "the staging file was left behind"
	grep -q "^+link $VH veth peer $VN" "$T/role.log" || fail "no diff of the planned link"
}

t_role_validate_refuses() {
	lab_up
	role_play bad 'nsping_address: 10.99.0.2/33'
	play bad
	[ $RC -ne 0 ] || fail "a bad variable was accepted"
	grep -q 'failed to validate' "$T/bad.log" || fail "not refused by validate"
	grep -q 'the prefix length must be 1..32' "$T/bad.log" || fail "nsping's reason not shown"
	[ -e "$T/etc/nsping.conf" ] && fail "the refused file was written"
	has_netns "$NS" && fail "a refused file was applied"
	# over a good file: the file stays as it was, the kernel too
	role_play role
	play role
	[ $RC -eq 0 ] || fail "good playbook exit $RC"
	cp "$T/etc/nsping.conf" "$T/good.conf"
	play bad
	[ $RC -ne 0 ] || fail "a bad variable was accepted over a good file"
	cmp -s "$T/etc/nsping.conf" "$T/good.conf" || fail "the good file was replaced"
}

t_role_absent() {
	lab_up
	role_play role
	play role
	[ $RC -eq 0 ] || fail "playbook exit $RC"
	has_netns "$NS" || fail "$NS not created"
	role_play gone 'nsping_state: absent'
	play gone
	[ $RC -eq 0 ] || fail "absent playbook exit $RC: $(grep -m1 -A3 fatal "$T/gone.log")"
	expect gone '.result.changed == true and .result.result.summary.delete >= 2' "destroy not changed"
	expect gone '.restart.skipped == true' "the stop was not skipped"
	has_netns "$NS" && fail "$NS still there"
	has_link "$VH" && fail "$VH still in the node"
}

# --- ansible-test sanity -------------------------------------------------------

t_sanity() {
	"$here/sanity.sh" >"$T/sanity.log" 2>"$T/sanity.err"
	RC=$?
	cat "$T/sanity.log" >&2
	[ $RC -eq 0 ] || fail "$(grep '^FAIL' "$T/sanity.log" | tr '\n' ' ')"
	tail -1 "$T/sanity.log" >"$T/sanity.note"
}

# --- runner --------------------------------------------------------------------

all=(module_first_run_changed module_idempotent module_check_mode module_diff
	module_prune module_absent module_conflict module_invalid module_runtime_error module_lock
	role_apply role_check_mode role_validate_refuses role_absent sanity)
if [ "${1:-}" = -l ]; then
	printf '%s\n' "${all[@]}"
	exit 0
fi
tests=("$@")
((${#tests[@]})) || tests=("${all[@]}")

if [ "$(id -u)" -ne 0 ]; then
	echo "FAIL setup: needs root (network namespaces)"
	echo "0 passed, 1 failed"
	exit 1
fi
for tool in ansible-playbook ansible-test jq ethtool flock; do
	if ! command -v "$tool" >/dev/null; then
		echo "FAIL setup: $tool missing (tests/deps.sh installs it)"
		echo "0 passed, 1 failed"
		exit 1
	fi
done
[ -x "$NSPING" ] || make -C "$root" -s >/dev/null 2>&1 || {
	echo "FAIL setup: cannot build $NSPING"
	echo "0 passed, 1 failed"
	exit 1
}

LOGDIR=$(mktemp -d /tmp/nspa-logs.XXXXXX)
pass=0 failed=0
start=$SECONDS
for t in "${tests[@]}"; do
	if ! declare -F "t_$t" >/dev/null; then
		echo "FAIL $t: no such test"
		failed=$((failed + 1))
		continue
	fi
	WHY=$LOGDIR/$t.why IDFILE=$LOGDIR/$t.id
	: >"$WHY"
	: >"$IDFILE"
	t0=$SECONDS
	(
		T=/nonexistent NS='' NODE='' GW=''
		lab_init
		trap lab_down EXIT
		trap 'exit 1' INT TERM
		"t_$t"
		[ -f "$T/sanity.note" ] && cp "$T/sanity.note" "$LOGDIR/$t.note"
		exit 0
	) 2>"$LOGDIR/$t.log"
	rc=$?
	id=$(cat "$IDFILE")
	left=$( [ -n "$id" ] && ID=$id my_netns | tr '\n' ' ')
	if [ -n "$left" ]; then
		echo "FAIL $t: namespaces left behind: $left"
		failed=$((failed + 1))
	elif [ $rc -eq 0 ]; then
		note=$( [ -s "$LOGDIR/$t.note" ] && echo " ($(cat "$LOGDIR/$t.note"))")
		echo "ok $t$note ($((SECONDS - t0)) s)"
		pass=$((pass + 1))
	else
		echo "FAIL $t: $(cat "$WHY" 2>/dev/null || echo "exit $rc") (log: $LOGDIR/$t.log)"
		failed=$((failed + 1))
	fi
done
((failed)) || rm -rf "$LOGDIR"
echo "# tests/ansible: $((SECONDS - start)) s"
echo "$pass passed, $failed failed"
[ $failed -eq 0 ]
