# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
# shellcheck disable=SC2119,SC2120  # plan_json takes optional arguments
#
# Shared helpers of the contract integration tests
# (tests/integration/contract/run.sh sources this file).
#
# Safety: every kernel object a test makes lives in network namespaces named
# nspt<ID>*, created here and removed by lab_down (run.sh installs it as the
# EXIT/INT/TERM trap of every test). Nothing here touches the namespace the
# runner starts in: every ip command carries -n NS, every ethtool/iptables/
# sysctl runs under `ip netns exec NS`, and nsping always gets --host-netns NODE
# and --state-dir under the test's temporary directory.
#
# Names per test (ID = 4 hex digits, unique among /run/netns):
#   NODE=nspt<ID>n  the business node, eth0 10.99.0.2/24 (+ optional DROP rules)
#   GW=nspt<ID>g    the gateway, eth0 10.99.0.1/24, wired to NODE's eth0
#   instance i (1..9): name nspt<ID><i>, netns nspt<ID>p<i>,
#                      veth host vph<ID><i>, peer vpn<ID><i>

# ioctl(SIOCETHTOOL) commands that change something (linux/ethtool.h):
# SSET SWOL SMSGLVL SEEPROM SCOALESCE SRINGPARAM SPAUSEPARAM SRXCSUM STXCSUM SSG
# STSO SUFO SGSO SFLAGS SPFLAGS SGRO SFEATURES
NSPT_ETHTOOL_SET_CMDS=" 0x2 0x6 0x9 0xc 0xf 0x11 0x13 0x15 0x17 0x19 0x1f 0x22 0x24 0x26 0x28 0x2c 0x3b "
# ethtool generic-netlink messages that change something (ETHTOOL_MSG_*_SET), as
# the first payload byte that strace prints after nlmsg_type=ethtool.
NSPT_ETHNL_SET_CMDS=" x03 x05 x08 x0a x0c x0e x10 x12 x14 x16 x18 x1a x1c x1e x20 x22 x24 x26 x28 x2a "

# jq filter: ip -j -d link output without what the kernel changes on its own
# (operstate settling, bridge timers).
NSPT_STABLE='map(del(.operstate)) | walk(if type == "object" then with_entries(select(.key | test("timer") | not)) else . end)'

# --- failing -----------------------------------------------------------------

# fail WHY: ends the current test (run.sh prints "FAIL NAME: WHY").
fail() {
	printf '%s\n' "$*" >>"${NSPT_WHY:-$T/why}"
	printf 'FAIL: %s\n' "$*" >&2
	exit 1
}

note() {
	printf 'note: %s\n' "$*" >&2
	[ -n "${NSPT_NOTES:-}" ] && printf '%s\n' "$*" >>"$NSPT_NOTES"
	return 0
}

log() { printf '== %s\n' "$*" >&2; }

# --- lab ---------------------------------------------------------------------

# lab_init: picks a unique ID and the names; makes the temp dir $T.
lab_init() {
	local hex i
	for i in $(seq 1 100); do
		hex=$(printf '%04x' $(((RANDOM * 7 + $$ + i) & 0xffff)))
		compgen -G "/run/netns/nspt$hex*" >/dev/null || break
	done
	ID=$hex
	NODE=nspt${ID}n
	GW=nspt${ID}g
	T=$(mktemp -d "/tmp/nspt-$ID.XXXXXX")
	STATE=$T/state
	CONF=$T/nsping.conf
	mkdir -p "$STATE"
	: >"$T/pids"
	export ID NODE GW T STATE CONF
	# tells run.sh which namespaces to look for after the test
	[ -n "${NSPT_IDFILE:-}" ] && echo "$ID" >"$NSPT_IDFILE"
	return 0
}

# my_netns [p]: names under /run/netns that belong to this test: exactly
# nspt<ID>n, nspt<ID>g, nspt<ID>p<N> (with "p": only the instance ones). Never a
# prefix match: other suites use nspt<longer id>.
my_netns() {
	local re="^nspt${ID}(n|g|p[0-9]+)\$"
	[ "${1:-}" = p ] && re="^nspt${ID}p[0-9]+\$"
	local f
	[ -n "${ID:-}" ] || return 0
	for f in /run/netns/nspt"$ID"*; do
		[ -e "$f" ] || continue
		f=${f##*/}
		[[ $f =~ $re ]] && echo "$f"
	done
	return 0
}

inst_name() { echo "nspt${ID}$1"; }
inst_ns() { echo "nspt${ID}p$1"; }
inst_host() { echo "vph${ID}$1"; }
inst_peer() { echo "vpn${ID}$1"; }

# lab_up [drop]: the NODE <-> GW wire. With "drop", NODE's iptables DROP port
# 10086 both ways.
lab_up() {
	local ns
	ip netns add "$NODE" || fail "lab: ip netns add $NODE"
	ip netns add "$GW" || fail "lab: ip netns add $GW"
	for ns in "$NODE" "$GW"; do
		# No IPv6: keeps before/after snapshots free of DAD churn.
		ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
			net.ipv6.conf.default.disable_ipv6=1 >/dev/null 2>&1 || true
	done
	ip -n "$NODE" link add eth0 type veth peer name eth0 netns "$GW" || fail "lab: veth"
	ip -n "$NODE" addr add 10.99.0.2/24 dev eth0 || fail "lab: node addr"
	ip -n "$GW" addr add 10.99.0.1/24 dev eth0 || fail "lab: gw addr"
	for ns in "$NODE" "$GW"; do
		ip -n "$ns" link set dev lo up
		ip -n "$ns" link set dev eth0 up || fail "lab: $ns eth0 up"
		ip netns exec "$ns" ethtool -K eth0 tx off >/dev/null 2>&1 ||
			fail "lab: ethtool -K eth0 tx off in $ns"
	done
	if [ "${1:-}" = drop ]; then
		ip netns exec "$NODE" iptables -A OUTPUT -p tcp --dport 10086 -j DROP || fail "lab: iptables"
		ip netns exec "$NODE" iptables -A INPUT -p tcp --sport 10086 -j DROP || fail "lab: iptables"
	fi
	GW_MAC=$(ip -n "$GW" -j link show dev eth0 | jq -r '.[0].address')
	NODE_MAC=$(ip -n "$NODE" -j link show dev eth0 | jq -r '.[0].address')
	export GW_MAC NODE_MAC
	# Let carrier/operstate settle so that snapshots are stable.
	for _ in $(seq 1 50); do
		[ "$(ip -n "$NODE" -j link show dev eth0 | jq -r '.[0].operstate')" = UP ] && break
		sleep 0.05
	done
}

# lab_down: kills what the test started (by pid), deletes every nspt<ID>*
# namespace, removes $T. Safe to call twice; never fails.
lab_down() {
	local pid ns
	set +e
	if [ -n "${T:-}" ] && [ -f "$T/pids" ]; then
		while read -r pid; do
			[ -n "$pid" ] && kill -9 "$pid" 2>/dev/null
		done <"$T/pids"
	fi
	if [ -n "${ID:-}" ]; then
		# the isolated namespaces first, then the node (its end of every veth
		# goes with it), then the gateway
		for ns in $(my_netns p) $(my_netns); do
			ip netns del "$ns" 2>/dev/null
		done
	fi
	[ -n "${T:-}" ] && [ -d "$T" ] && rm -rf "$T"
	return 0
}

# bg_pid PID: kill PID (only it) in lab_down.
bg_pid() { echo "$1" >>"$T/pids"; }

# --- configuration -------------------------------------------------------------

# write_conf FILE N [MAC1 [MAC2 ...]]: N instances on uplink eth0, address
# 10.99.0.2/24, gateway 10.99.0.1 with GW's MAC; mac of instance i is MACi
# (default "inherit"). No xdp bindings.
write_conf() {
	local file=$1 n=$2 i mac sep
	shift 2
	{
		echo 'version = 1;'
		echo 'instances = ('
		for i in $(seq 1 "$n"); do
			mac=${1:-inherit}
			[ $# -gt 0 ] && shift
			sep=,
			[ "$i" -eq "$n" ] && sep=
			cat <<EOF
  {
    name    = "$(inst_name "$i")";
    netns   = "$(inst_ns "$i")";
    uplink  = "eth0";
    veth    = { host = "$(inst_host "$i")"; peer = "$(inst_peer "$i")"; };
    mac     = "$mac";
    address = "10.99.0.2/24";
    gateway = { ip = "10.99.0.1"; mac = "$GW_MAC"; };
  }$sep
EOF
		done
		echo ');'
	} >"$file"
}

# --- running nsping --------------------------------------------------------------

# nsp ARGS...: nsping on the test's config, node and state dir.
nsp() {
	"$NSPING" -c "$CONF" --host-netns "$NODE" --state-dir "$STATE" "$@"
}

# nspx ARGS...: runs nsp, sets RC, stdout in $T/out, stderr in $T/err.
nspx() {
	nsp "$@" >"$T/out" 2>"$T/err"
	RC=$?
	{
		echo "\$ nsping $*  -> exit $RC"
		sed 's/^/  out| /' "$T/out"
		sed 's/^/  err| /' "$T/err"
	} >&2
}

# nspx_traced ARGS...: nspx under strace; the log is $T/strace.log, the
# SIOCETHTOOL log (LD_PRELOAD shim, when built) $T/ioctl.log.
nspx_traced() {
	local -a env=()
	rm -f "$T/strace.log" "$T/ioctl.log"
	: >"$T/ioctl.log"
	if [ -n "${NSPT_SHIM:-}" ] && [ -f "$NSPT_SHIM" ]; then
		env=(-E "LD_PRELOAD=$NSPT_SHIM" -E "NSPT_IOCTL_LOG=$T/ioctl.log")
	fi
	strace -f -qq -o "$T/strace.log" -s 65535 -e signal=none -e verbose=all \
		-e trace=socket,close,sendmsg,sendto,ioctl,unshare,setns,mount,umount2,bpf,execve \
		"${env[@]}" \
		"${NSPING_TRACED:-$NSPING}" -c "$CONF" --host-netns "$NODE" --state-dir "$STATE" "$@" \
		>"$T/out" 2>"$T/err"
	RC=$?
	{
		echo "\$ strace nsping $*  -> exit $RC"
		sed 's/^/  out| /' "$T/out"
		sed 's/^/  err| /' "$T/err"
	} >&2
}

# strace_changes: one line per changing request seen in $T/strace.log and
# $T/ioctl.log: RTM_{NEW,DEL,SET}{LINK,ADDR,ROUTE,NEIGH}, ethtool-netlink *_SET
# messages, SIOCS* ioctls and SIOCETHTOOL set commands.
# strace names nlmsg types only for sockets it can resolve; a socket opened in
# another netns shows raw numbers (nlmsg_type=0x10), so the netlink protocol of
# every fd is tracked from socket(AF_NETLINK, ..., NETLINK_*) = FD.
strace_changes() {
	local cmd
	awk -v ethnl="$NSPT_ETHNL_SET_CMDS" '
	BEGIN {
		split("0x10 RTM_NEWLINK 0x11 RTM_DELLINK 0x13 RTM_SETLINK 0x14 RTM_NEWADDR 0x15 RTM_DELADDR 0x18 RTM_NEWROUTE 0x19 RTM_DELROUTE 0x1c RTM_NEWNEIGH 0x1d RTM_DELNEIGH", a, " ")
		for (i = 1; i < 18; i += 2) rtm[a[i]] = a[i + 1]
	}
	{ line = $0; sub(/^[0-9]+ +/, "", line) }
	line ~ /^socket\(AF_NETLINK/ {
		if (match(line, /NETLINK_[A-Z_]+/)) p = substr(line, RSTART, RLENGTH); else p = "?"
		if (match(line, /= [0-9]+$/)) proto[substr(line, RSTART + 2)] = p
		next
	}
	line ~ /^close\([0-9]+\)/ { fd = line; sub(/^close\(/, "", fd); sub(/\).*/, "", fd); delete proto[fd]; next }
	line ~ /^(sendmsg|sendto)\([0-9]+,/ {
		fd = line; sub(/^[a-z]+\(/, "", fd); sub(/,.*/, "", fd)
		p = (fd in proto) ? proto[fd] : ""
		rest = line
		while (match(rest, /nlmsg_type=[A-Za-z0-9_]+/)) {
			t = substr(rest, RSTART + 11, RLENGTH - 11)
			rest = substr(rest, RSTART + RLENGTH)
			if (p == "NETLINK_ROUTE" || (p == "" && t ~ /^RTM_/)) {
				n = (t in rtm) ? rtm[t] : t
				if (n ~ /^RTM_(NEW|DEL|SET)(LINK|ADDR|ROUTE|NEIGH)$/) print n
			} else if (p == "NETLINK_GENERIC" || t == "ethtool") {
				if (t == "nlctrl" || t == "0x10") continue
				if (match(rest, /^[^}]*\}, "\\x[0-9a-f][0-9a-f]/)) {
					c = substr(rest, RSTART + RLENGTH - 3, 3)
					if (index(ethnl, " " c " ")) print "ethtool-nl-set:" c
				}
			}
		}
		next
	}
	line ~ /^ioctl\([0-9]+, SIOCS[A-Z]+/ { match(line, /SIOCS[A-Z]+/); print substr(line, RSTART, RLENGTH) }
	' "$T/strace.log"
	if [ -s "$T/ioctl.log" ]; then
		sed -n 's/^SIOCETHTOOL [^ ]* cmd=\(0x[0-9a-f]*\).*/\1/p' "$T/ioctl.log" | while read -r cmd; do
			case "$NSPT_ETHTOOL_SET_CMDS" in *" $cmd "*) echo "SIOCETHTOOL:$cmd" ;; esac
		done
	fi
	return 0
}

# strace_other_changes: kernel-changing syscalls that are not requests on an
# existing object: new netns, mounts, bpf program loads/attachments.
strace_other_changes() {
	grep -oE 'unshare\([^)]*CLONE_NEWNET' "$T/strace.log" | sed 's/(.*//;s/$/(CLONE_NEWNET)/'
	# (making /run/netns a shared mount, as iproute2 does each time, changes nothing)
	grep -E '^([0-9]+ +)?(mount|umount2)\(' "$T/strace.log" |
		grep -vE 'mount\([^,]*, "/run/netns", [^,]*, (MS_REC\|)?MS_SHARED, NULL\)' |
		grep -oE '(mount|umount2)\("[^"]*", "[^"]*"' || true
	grep -oE 'bpf\(BPF_(PROG_LOAD|LINK_CREATE|PROG_ATTACH|PROG_DETACH|LINK_UPDATE|LINK_DETACH|OBJ_PIN)' "$T/strace.log" | sed 's/bpf(//'
	return 0
}

# shim_active: SIOCETHTOOL set commands can only be counted with the shim; a
# statically linked nsping (make STATIC=1) would bypass it.
shim_active() {
	[ -n "${NSPT_SHIM:-}" ] && [ -f "$NSPT_SHIM" ] && ldd "${NSPING_TRACED:-$NSPING}" >/dev/null 2>&1
}

# json_requests: the "requests" member of $T/out (apply --json).
json_requests() { jq -r '.requests' "$T/out"; }

# --- plan --------------------------------------------------------------------------

# plan_json [ARGS]: nsping --json plan [ARGS] into $T/plan.json; fails the test if it is not
# JSON. Sets RC.
plan_json() {
	nspx --json plan "$@"
	cp "$T/out" "$T/plan.json"
	jq -e . "$T/plan.json" >/dev/null 2>&1 || fail "plan --json ${*}: not JSON (exit $RC): $(head -c 200 "$T/out")"
}

# plan_ops: sorted "op:kind" of the changes in $T/plan.json, space separated.
plan_ops() {
	jq -r '.changes[] | "\(.op):\(.kind)"' "$T/plan.json" | sort | paste -sd' ' -
}

# expect_plan OP:KIND...: the plan (plan --json) has exactly these changes.
expect_plan() {
	local want got
	plan_json
	want=$(printf '%s\n' "$@" | sed '/^$/d' | sort | paste -sd' ' -)
	got=$(plan_ops)
	[ "$RC" -eq 0 ] || fail "plan --json exits $RC, expected 0"
	[ "$got" = "$want" ] ||
		fail "plan: expected changes [$want], got [$got]: $(jq -c '.changes' "$T/plan.json" | head -c 600)"
	jq -e '(.conflicts // []) | length == 0' "$T/plan.json" >/dev/null ||
		fail "plan: unexpected conflicts $(jq -c .conflicts "$T/plan.json")"
}

# expect_plan_empty: plan --detailed-exitcode exits 0 and says "No changes."
expect_plan_empty() {
	nspx plan --detailed-exitcode
	[ "$RC" -eq 0 ] || fail "plan --detailed-exitcode exits $RC after apply, expected 0 (no changes): $(tr '\n' '|' <"$T/out" | head -c 400)"
	grep -q 'No changes' "$T/out" || fail "plan after apply does not print 'No changes.': $(tr '\n' '|' <"$T/out" | head -c 300)"
	plan_json
	jq -e '(.changes | length) == 0 and .summary.create == 0 and .summary.update == 0 and .summary.delete == 0' \
		"$T/plan.json" >/dev/null || fail "plan --json not empty after apply: $(head -c 400 "$T/plan.json")"
}

# --- observing -----------------------------------------------------------------------

# link_json NS IF: ip -j -d link show of one interface ("" if absent).
link_json() { ip -n "$1" -j -d link show dev "$2" 2>/dev/null | jq -c '.[0] // empty' 2>/dev/null; }
ifindex_of() { ip -n "$1" -j link show dev "$2" 2>/dev/null | jq -r '.[0].ifindex // empty'; }
netns_inode() { stat -L -c %i "/run/netns/$1" 2>/dev/null; }
netns_exists() { [ -e "/run/netns/$1" ] && ip netns list | awk '{print $1}' | grep -qxF "$1"; }
feature() { # NS IF FEATURE -> on|off
	ip netns exec "$1" ethtool -k "$2" 2>/dev/null | sed -n "s/^$3: \([a-z]*\).*/\1/p"
}

# snapshot NAME: what must not change in NODE, GW and /run/netns.
snapshot() {
	{
		echo "# netns"
		my_netns
		echo "# node links"
		ip -n "$NODE" -j -d link show | jq -S "$NSPT_STABLE"
		echo "# node addrs"
		ip -n "$NODE" -j addr show | jq -S .
		echo "# node routes"
		ip -n "$NODE" -j route show table all | jq -S .
		echo "# node iptables"
		ip netns exec "$NODE" iptables -S
		echo "# gw links"
		ip -n "$GW" -j -d link show | jq -S "$NSPT_STABLE"
	} >"$T/snap.$1" 2>&1
}

# same_snapshot A B WHAT
same_snapshot() {
	if ! diff -u "$T/snap.$1" "$T/snap.$2" >"$T/snap.diff"; then
		cat "$T/snap.diff" >&2
		fail "$3: $(grep -E '^[-+][^-+]' "$T/snap.diff" | head -n 4 | tr '\n' '|' | head -c 400)"
	fi
}

# ns_snapshot NS NAME: links and the IPv4 addresses/routes/permanent neighbors
# inside a namespace (IPv6 is left out: the kernel's own link-local address and
# its DAD change it behind everybody's back).
ns_snapshot() {
	{
		ip -n "$1" -j -d link show | jq -S "$NSPT_STABLE"
		ip -n "$1" -j -4 addr show | jq -S .
		ip -n "$1" -j -4 route show table all | jq -S .
		ip -n "$1" -j -4 neigh show nud permanent | jq -S .
	} >"$T/snap.$2" 2>&1
}

# check_instance I MAC: instance I is fully built as the contract says (test 1).
check_instance() {
	local i=$1 mac=$2 ns host peer inst hj pj n
	ns=$(inst_ns "$i") host=$(inst_host "$i") peer=$(inst_peer "$i") inst=$(inst_name "$i")
	netns_exists "$ns" || fail "[$inst] netns $ns not in /run/netns (ip netns list)"
	hj=$(link_json "$NODE" "$host")
	[ -n "$hj" ] || fail "[$inst] host veth $host missing in node netns"
	[ "$(jq -r '.linkinfo.info_kind' <<<"$hj")" = veth ] || fail "[$inst] $host is not a veth: $hj"
	jq -e '.flags | index("UP")' <<<"$hj" >/dev/null || fail "[$inst] host veth $host is not up: $(jq -c .flags <<<"$hj")"
	[ "$(jq -r '.ifalias // ""' <<<"$hj")" = "nsping:$inst" ] ||
		fail "[$inst] host veth ifalias is '$(jq -r '.ifalias // ""' <<<"$hj")', expected 'nsping:$inst'"
	pj=$(link_json "$ns" "$peer")
	[ -n "$pj" ] || fail "[$inst] peer $peer missing in $ns"
	[ "$(jq -r '.linkinfo.info_kind' <<<"$pj")" = veth ] || fail "[$inst] $peer is not a veth"
	# the two ends are one pair
	if [ "$(jq -r '.link_index' <<<"$hj")" != "$(jq -r '.ifindex' <<<"$pj")" ] ||
		[ "$(jq -r '.link_index' <<<"$pj")" != "$(jq -r '.ifindex' <<<"$hj")" ]; then
		fail "[$inst] $host and $peer are not peers of one veth pair"
	fi
	[ "$(jq -r '.address' <<<"$pj")" = "$mac" ] || fail "[$inst] peer MAC $(jq -r .address <<<"$pj"), expected $mac"
	jq -e '.flags | index("UP")' <<<"$pj" >/dev/null || fail "[$inst] peer $peer is not up"
	[ "$(jq -r '.ifalias // ""' <<<"$pj")" = "nsping:$inst" ] ||
		fail "[$inst] peer ifalias is '$(jq -r '.ifalias // ""' <<<"$pj")', expected 'nsping:$inst'"
	[ "$(ip -n "$ns" -j link show dev lo | jq -r '.[0].ifalias // ""')" = "nsping:$inst" ] ||
		fail "[$inst] lo of $ns: ifalias '$(ip -n "$ns" -j link show dev lo | jq -r '.[0].ifalias // ""')', expected 'nsping:$inst'"
	n=$(ip -n "$ns" -j -4 addr show dev "$peer" | jq -r '[.[0].addr_info[] | "\(.local)/\(.prefixlen)"] | join(" ")')
	[ "$n" = "10.99.0.2/24" ] || fail "[$inst] IPv4 addresses on $peer: '$n', expected '10.99.0.2/24'"
	n=$(ip -n "$ns" -j route show default | jq -c '[.[] | {gateway, dev, protocol: (.protocol|tostring)}]')
	[ "$n" = "[{\"gateway\":\"10.99.0.1\",\"dev\":\"$peer\",\"protocol\":\"78\"}]" ] ||
		fail "[$inst] default routes in $ns: $n, expected via 10.99.0.1 dev $peer proto 78"
	n=$(ip -n "$ns" -j neigh show 10.99.0.1 dev "$peer" | jq -c '[.[] | {lladdr, state}]')
	[ "$n" = "[{\"lladdr\":\"$GW_MAC\",\"state\":[\"PERMANENT\"]}]" ] ||
		fail "[$inst] neighbor 10.99.0.1 in $ns: $n, expected lladdr $GW_MAC PERMANENT"
	n=$(feature "$ns" "$peer" generic-receive-offload)
	[ "$n" = on ] || fail "[$inst] generic-receive-offload on $peer is '$n', expected on"
	n=$(feature "$ns" "$peer" tx-checksumming)
	[ "$n" = off ] || fail "[$inst] tx-checksumming on $peer is '$n', expected off"
	return 0
}

# ids I: "netns-inode host-ifindex peer-ifindex" of instance I.
ids() {
	echo "$(netns_inode "$(inst_ns "$1")") $(ifindex_of "$NODE" "$(inst_host "$1")") $(ifindex_of "$(inst_ns "$1")" "$(inst_peer "$1")")"
}

# apply_ok: apply (plain), must exit 0.
apply_ok() {
	nspx apply
	[ "$RC" -eq 0 ] || fail "apply exits $RC, expected 0: $(head -n 3 "$T/err" | tr '\n' '|')"
}

# node_base NAME: what apply/destroy must leave alone in NODE: eth0 (link,
# addresses), NODE's routes and iptables, and every other NODE link.
node_base() {
	{
		echo "# eth0"
		ip -n "$NODE" -j -d link show dev eth0 | jq -S "$NSPT_STABLE"
		ip -n "$NODE" -j addr show dev eth0 | jq -S .
		echo "# routes"
		ip -n "$NODE" -j route show table all | jq -S .
		echo "# iptables"
		ip netns exec "$NODE" iptables -S
		echo "# features of eth0"
		ip netns exec "$NODE" ethtool -k eth0
	} >"$T/snap.$1" 2>&1
}

# node_links: names of NODE's links, sorted, one line.
node_links() { ip -n "$NODE" -j link show | jq -r '.[].ifname' | sort | paste -sd' ' -; }

# check_plan_doc FILE WHAT: FILE (plan/apply --json) validates against
# schema/plan.schema.json (when tests/schema/check_json.py exists) and its
# summary counts the changes by op.
check_plan_doc() {
	local f=$1 what=$2 checker=$ROOT/tests/schema/check_json.py schema=$ROOT/schema/plan.schema.json
	jq -e . "$f" >/dev/null 2>&1 || fail "$what: not one JSON document: $(head -c 200 "$f")"
	if [ -f "$checker" ] && [ -f "$schema" ]; then
		/usr/bin/python3 "$checker" "$schema" "$f" 2>"$T/schema.err" >/dev/null ||
			fail "$what: does not validate against schema/plan.schema.json: $(head -n 2 "$T/schema.err" | tr '\n' '|')"
	else
		note "$what: tests/schema/check_json.py or schema/plan.schema.json missing: schema check skipped"
	fi
	jq -e '.summary.create == ([.changes[] | select(.op == "create")] | length) and
	       .summary.update == ([.changes[] | select(.op == "update")] | length) and
	       .summary.delete == ([.changes[] | select(.op == "delete")] | length)' "$f" >/dev/null ||
		fail "$what: summary $(jq -c .summary "$f") does not count the changes by op ($(jq -c '[.changes[].op] | group_by(.) | map({(.[0]): length}) | add' "$f"))"
}

# missing_side_effects I KIND...: for the kinds not named, "create:route" /
# "create:neighbor" when the kernel itself removed our default route or gateway
# neighbor as a side effect of a drift (a link going down, the last address
# going away and a MAC change all flush them).
missing_side_effects() {
	local i=$1 ns peer
	shift
	ns=$(inst_ns "$i") peer=$(inst_peer "$i")
	case " $* " in *" route "*) ;; *)
		[ "$(ip -n "$ns" -j route show default | jq --arg p "$peer" '[.[] | select(.gateway == "10.99.0.1" and .dev == $p)] | length')" -eq 1 ] ||
			echo create:route ;;
	esac
	case " $* " in *" neighbor "*) ;; *)
		[ "$(ip -n "$ns" -j neigh show 10.99.0.1 dev "$peer" nud permanent | jq 'length')" -eq 1 ] ||
			echo create:neighbor ;;
	esac
	return 0
}

# expect_attr OP KIND ATTRIBUTE: the one OP change of KIND in $T/plan.json names
# ATTRIBUTE.
expect_attr() {
	local got
	got=$(jq -r --arg o "$1" --arg k "$2" '[.changes[] | select(.op == $o and .kind == $k)][0].attribute // "(none)"' "$T/plan.json")
	[ "$got" = "$3" ] || fail "plan: $1 $2 has attribute '$got', expected '$3'"
}

mounts_of_run_netns() { awk '$5 == "/run/netns"' /proc/self/mountinfo | wc -l; }
