# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
# shellcheck disable=SC2119,SC2120  # plan_json and friends take optional arguments
#
# The lab of every real-kernel test (tests/run.sh sources it for each test),
# of the demo (tests/demo.sh) and of the benchmarks (bench/lib.sh).
#
#   netns NODE  the business node: eth0 10.99.0.2/LAB_PLEN, optionally iptables
#               DROP of port 10086 both ways (lab_drop_rules)
#   netns GW    the gateway: eth0 10.99.0.1/LAB_PLEN, wired to NODE's eth0; a
#               kernel listener (lab_listen) and the MAGIC rule (lab_magic_gw)
#   the isolated netns of each instance, made by nsping --host-netns NODE
#
# Safety: every namespace of a lab is named LAB_PREFIX<ID><letter>[N], ID being
# four hex digits reserved atomically by lab_init (ip netns add of NODE fails if
# the name exists), so that nothing here ever names another lab's namespaces.
# Nothing touches the namespace the caller starts in: every ip command carries
# -n NS, every ethtool/iptables/sysctl/tc runs under `ip netns exec NS`, and
# nsping always gets --host-netns NODE and --state-dir under the lab's temporary
# directory. lab_down (the EXIT trap of every test) kills what the lab started
# and deletes exactly its namespaces.
#
# Names (instance i = 1..N):
#   NODE=<P><ID>n  GW=<P><ID>g  ROUTER=<P><ID>r (lab_router)
#   instance i: name inst_name i (<P><ID><i>), netns inst_ns i (<P><ID>p<i>),
#               veth host inst_host i (vph<ID><i>), peer inst_peer i (vpn<ID><i>)
#   INST, PINGNS, HOSTVETH, PEER: those of instance 1
#   T: the lab's temporary directory; STATE=$T/state (--state-dir); CONF=$T/nsping.conf

LAB_PREFIX=${LAB_PREFIX:-nspl}
LAB_PLEN=${LAB_PLEN:-24}
LAB_PORT=10086
: "${ROOT:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
NSPING=${NSPING:-$ROOT/build/nsping}
TESTGW=${TESTGW:-$ROOT/build/tests/nsping-testgw}

# ioctl(SIOCETHTOOL) commands that change something (linux/ethtool.h):
# SSET SWOL SMSGLVL SEEPROM SCOALESCE SRINGPARAM SPAUSEPARAM SRXCSUM STXCSUM SSG
# STSO SUFO SGSO SFLAGS SPFLAGS SGRO SFEATURES
LAB_ETHTOOL_SET_CMDS=" 0x2 0x6 0x9 0xc 0xf 0x11 0x13 0x15 0x17 0x19 0x1f 0x22 0x24 0x26 0x28 0x2c 0x3b "
# ethtool generic-netlink messages that change something (ETHTOOL_MSG_*_SET), as
# the first payload byte that strace prints after nlmsg_type=ethtool.
LAB_ETHNL_SET_CMDS=" x03 x05 x08 x0a x0c x0e x10 x12 x14 x16 x18 x1a x1c x1e x20 x22 x24 x26 x28 x2a "

# jq filter: ip -j -d link output without what the kernel changes on its own
# (operstate settling, bridge timers).
LAB_STABLE='map(del(.operstate)) | walk(if type == "object" then with_entries(select(.key | test("timer") | not)) else . end)'

# --- failing, skipping, telling --------------------------------------------------

# fail WHY: ends the current test. The runner reports "FAIL NAME: WHY" whenever
# the file $LAB_WHY is not empty, so a fail inside $(...) fails the test too.
fail() {
	[ -n "${LAB_WHY:-}" ] && printf '%s\n' "$*" >>"$LAB_WHY"
	printf 'FAIL: %s\n' "$*" >&2
	exit 1
}

# skip WHY: ends the current test as skipped (exit 77, "SKIP NAME: WHY"). Only
# for a check whose precondition this machine lacks and that is not the point
# of the test; where it is the point, fail.
skip() {
	[ -n "${LAB_SKIP:-}" ] && printf '%s\n' "$*" >>"$LAB_SKIP"
	printf 'SKIP: %s\n' "$*" >&2
	exit 77
}

# note WHAT: information the runner prints after the test (never a verdict).
note() {
	printf 'note: %s\n' "$*" >&2
	[ -n "${LAB_NOTES:-}" ] && printf '%s\n' "$*" >>"$LAB_NOTES"
	return 0
}

log() { printf '== %s\n' "$*" >&2; }

# wait_for SECONDS WHAT CMD...: polls CMD every 0.1 s until it succeeds; fails
# naming WHAT after SECONDS. The bound only guards against a hang: pick it
# generous, never as a claim about speed.
wait_for() {
	local limit=$1 what=$2 i
	shift 2
	for ((i = 0; i < limit * 10; i++)); do
		"$@" && return 0
		sleep 0.1
	done
	fail "waited ${limit}s for $what"
}

# alive PID: the process exists and is not a zombie.
alive() {
	[ -r "/proc/$1/status" ] && ! grep -q '^State:[[:space:]]*Z' "/proc/$1/status" 2>/dev/null
}

# --- the lab -----------------------------------------------------------------------

# lab_init: reserves a unique ID (by creating NODE), sets the names, makes $T.
lab_init() {
	local hex i err
	ID=
	for i in $(seq 1 200); do
		hex=$(printf '%04x' $(((RANDOM * 7 + $$ + i * 31) & 0xffff)))
		[ -e "/run/netns/$LAB_PREFIX${hex}n" ] && continue
		if err=$(ip netns add "$LAB_PREFIX${hex}n" 2>&1); then
			ID=$hex
			break
		fi
		case $err in *"File exists"*) continue ;; esac
		fail "lab: ip netns add $LAB_PREFIX${hex}n: $err"
	done
	[ -n "$ID" ] || fail "lab: no free ID for $LAB_PREFIX"
	NODE=$LAB_PREFIX${ID}n GW=$LAB_PREFIX${ID}g ROUTER=$LAB_PREFIX${ID}r
	INST=$(inst_name 1) PINGNS=$(inst_ns 1) HOSTVETH=$(inst_host 1) PEER=$(inst_peer 1)
	T=$(mktemp -d "/tmp/$LAB_PREFIX$ID.XXXXXX")
	STATE=$T/state CONF=$T/nsping.conf
	mkdir -p "$STATE"
	: >"$T/pids"
	export ID NODE GW ROUTER T STATE CONF INST PINGNS HOSTVETH PEER
	# tells the runner which namespaces to look for after the test
	[ -n "${LAB_IDFILE:-}" ] && echo "$LAB_PREFIX$ID" >"$LAB_IDFILE"
	# No IPv6 in the node: keeps snapshots free of DAD churn.
	ip netns exec "$NODE" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
		net.ipv6.conf.default.disable_ipv6=1 >/dev/null 2>&1 || true
	return 0
}

inst_name() { echo "$LAB_PREFIX${ID}$1"; }
inst_ns() { echo "$LAB_PREFIX${ID}p$1"; }
inst_host() { echo "vph${ID}$1"; }
inst_peer() { echo "vpn${ID}$1"; }

# my_netns [p]: the names under /run/netns of this lab (with "p": only the
# isolated ones). ID is four hex digits and every name goes on with a letter
# that is not one, so no other lab's name can match.
my_netns() {
	local re="^$LAB_PREFIX${ID}[a-z][0-9]*\$" f
	[ "${1:-}" = p ] && re="^$LAB_PREFIX${ID}p[0-9]+\$"
	[ -n "${ID:-}" ] || return 0
	for f in /run/netns/"$LAB_PREFIX$ID"*; do
		[ -e "$f" ] || continue
		f=${f##*/}
		[[ $f =~ $re ]] && echo "$f"
	done
	return 0
}

# lab_wire NS_A IF_A ADDR_A NS_B IF_B ADDR_B: a veth between two namespaces,
# up, as a wire: tx checksum offload off at both ends (a wire carries complete
# checksums: an XDP redirect loses CHECKSUM_PARTIAL), GRO on at B (a veth needs
# NAPI to take XDP-redirected frames).
lab_wire() {
	ip -n "$1" link add "$2" type veth peer name "$5" netns "$4" || fail "lab: veth $1/$2 - $4/$5"
	ip -n "$1" addr add "$3" dev "$2" || fail "lab: $3 on $1/$2"
	ip -n "$4" addr add "$6" dev "$5" || fail "lab: $6 on $4/$5"
	ip -n "$1" link set dev "$2" up || fail "lab: $1/$2 up"
	ip -n "$4" link set dev "$5" up || fail "lab: $4/$5 up"
	ip netns exec "$1" ethtool -K "$2" tx off >/dev/null 2>&1 || fail "lab: ethtool -K $2 tx off in $1"
	ip netns exec "$4" ethtool -K "$5" tx off gro on >/dev/null 2>&1 ||
		fail "lab: ethtool -K $5 tx off gro on in $4"
}

# lab_up [drop]: GW, and the NODE <-> GW wire. With "drop", lab_drop_rules.
lab_up() {
	ip netns add "$GW" || fail "lab: ip netns add $GW"
	ip netns exec "$GW" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
		net.ipv6.conf.default.disable_ipv6=1 >/dev/null 2>&1 || true
	ip -n "$NODE" link set dev lo up
	ip -n "$GW" link set dev lo up
	lab_wire "$NODE" eth0 "10.99.0.2/$LAB_PLEN" "$GW" eth0 "10.99.0.1/$LAB_PLEN"
	[ "${1:-}" = drop ] && lab_drop_rules
	GW_MAC=$(ip -n "$GW" -j link show dev eth0 | jq -r '.[0].address')
	NODE_MAC=$(ip -n "$NODE" -j link show dev eth0 | jq -r '.[0].address')
	export GW_MAC NODE_MAC
	# Let carrier/operstate settle so that snapshots are stable.
	for _ in $(seq 1 100); do
		[ "$(ip -n "$NODE" -j link show dev eth0 | jq -r '.[0].operstate')" = UP ] && break
		sleep 0.05
	done
	return 0
}

# lab_drop_rules: the node's iptables drop port 10086 both ways, as on a
# business node whose rules catch the health checks.
lab_drop_rules() {
	ip netns exec "$NODE" iptables -w -A OUTPUT -p tcp --dport "$LAB_PORT" -j DROP &&
		ip netns exec "$NODE" iptables -w -A INPUT -p tcp --sport "$LAB_PORT" -j DROP ||
		fail "lab: the node's DROP rules"
}

# bg_pid PID: a process of the lab's, killed by lab_down (TERM, then KILL).
bg_pid() { echo "$1" >>"$T/pids"; }

# hold_lock: a process of the lab's holds $STATE/lock (flock, as nsping takes
# it) until lab_down or release_lock; returns once the lock is really held (a
# non-blocking flock from here fails). Its pid in LOCK_PID.
hold_lock() {
	(
		exec 9>"$STATE/lock"
		flock -x 9
		exec sleep 3600
	) &
	LOCK_PID=$!
	bg_pid "$LOCK_PID"
	wait_for 30 "the lock to be held" eval '! flock -n "$STATE/lock" true 2>/dev/null'
}
release_lock() {
	kill "$LOCK_PID" 2>/dev/null
	wait "$LOCK_PID" 2>/dev/null
	bg_forget "$LOCK_PID"
}

# bg_forget PID: reaped by the caller; its number may be reused.
bg_forget() { sed -i "/^$1\$/d" "$T/pids"; }

# lab_listen [PORT]: a kernel listener on PORT (10086) in GW, all addresses,
# that lives until lab_down; returns once the socket listens.
lab_listen() {
	local port=${1:-$LAB_PORT}
	[ -x "$TESTGW" ] || fail "lab: $TESTGW not built (make $TESTGW)"
	# not through a function: $! must be the listener (ip netns exec execs it)
	ip netns exec "$GW" "$TESTGW" listen --port "$port" >"$T/listen.$port" 2>&1 &
	bg_pid $!
	wait_for 30 "the gateway's listener on port $port" lab_listening "$port"
}
lab_listening() { [ -n "$(ip netns exec "$GW" ss -Htln "sport = :${1:-$LAB_PORT}")" ]; }

# lab_magic_gw [ARGS]: the test gateway's MAGIC rule (tests/gateway/) on tc
# ingress of GW's eth0; ARGS go to nsping-testgw attach (--port, --magic).
lab_magic_gw() {
	[ -x "$TESTGW" ] || fail "lab: $TESTGW not built (make $TESTGW)"
	ip netns exec "$GW" "$TESTGW" attach --dev eth0 "$@" >"$T/testgw.attach" 2>&1 ||
		fail "lab: nsping-testgw attach: $(cat "$T/testgw.attach")"
}

# lab_router: netns ROUTER wired to GW (GW eth1 10.97.0.1/24 - ROUTER eth0
# 10.97.0.2/24), default route via GW; GW forwards.
lab_router() {
	ip netns add "$ROUTER" || fail "lab: ip netns add $ROUTER"
	ip -n "$ROUTER" link set dev lo up
	lab_wire "$GW" eth1 10.97.0.1/24 "$ROUTER" eth0 10.97.0.2/24
	ip -n "$ROUTER" route add default via 10.97.0.1 || fail "lab: router's default route"
	ip netns exec "$GW" sysctl -qw net.ipv4.ip_forward=1 || fail "lab: forwarding in $GW"
}

# lab_down: kills what the lab started (by pid), deletes every namespace of
# the lab, removes $T. Safe to call twice; never fails.
lab_down() {
	local pid ns pids=() i
	set +e
	if [ -n "${T:-}" ] && [ -f "$T/pids" ]; then
		mapfile -t pids <"$T/pids"
		for pid in "${pids[@]}"; do
			[ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null
		done
		for pid in "${pids[@]}"; do
			[ -n "$pid" ] || continue
			for ((i = 0; i < 50; i++)); do
				alive "$pid" || break
				sleep 0.1
			done
			kill -KILL "$pid" 2>/dev/null
			wait "$pid" 2>/dev/null
		done
	fi
	if [ -n "${ID:-}" ]; then
		# the isolated namespaces first, then the node (its end of every veth
		# goes with it), then the gateway and the router
		for ns in $(my_netns p) $(my_netns); do
			ip netns del "$ns" 2>/dev/null
		done
	fi
	[ -n "${T:-}" ] && [ -d "$T" ] && rm -rf "$T"
	return 0
}

# --- configuration ---------------------------------------------------------------

# write_conf [N [MAC...]]: $CONF with N instances (default 1) on uplink eth0,
# gateway 10.99.0.1 at GW_MAC, no xdp bindings. Instance i: the names above,
# mac MACi (default "inherit"), address ${I_ADDR[i]} (default 10.99.0.2/24),
# and the keys ${I_KEYS[i]} (xdp, ping, offload ...), when the caller set the
# arrays I_ADDR / I_KEYS. Written aside and renamed over, as config management
# does: a process reading the file meanwhile (a worker starting) never sees half.
write_conf() {
	local n=${1:-1} i mac sep
	[ $# -gt 0 ] && shift
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
    address = "${I_ADDR[$i]:-10.99.0.2/24}";
    gateway = { ip = "10.99.0.1"; mac = "$GW_MAC"; };
    ${I_KEYS[$i]:-}
  }$sep
EOF
		done
		echo ');'
	} >"$CONF.new" && mv -f "$CONF.new" "$CONF"
}
declare -a I_ADDR=() I_KEYS=()

# conf_edit SED_EXPR: edits $CONF in place; fails if nothing changed (an edit
# that matches nothing would test the unedited file).
conf_edit() {
	cp "$CONF" "$T/conf.before"
	sed -i "$1" "$CONF"
	cmp -s "$CONF" "$T/conf.before" && fail "conf_edit '$1' changed nothing in $CONF"
	return 0
}

# --- running nsping ----------------------------------------------------------------

# nsp ARGS...: nsping on the lab's config, node and state dir.
nsp() {
	"$NSPING" -c "$CONF" --host-netns "$NODE" --state-dir "$STATE" "$@"
}

# nspx ARGS...: runs nsp, sets RC, stdout in $T/out, stderr in $T/err (both
# also in the test's log).
nspx() {
	nsp "$@" >"$T/out" 2>"$T/err"
	RC=$?
	{
		echo "\$ nsping $*  -> exit $RC"
		sed 's/^/  out| /' "$T/out"
		sed 's/^/  err| /' "$T/err"
	} >&2
}

# expect_rc WANT CMD...: runs CMD (stdout in $T/out, stderr in $T/err); fails
# unless it exits WANT.
expect_rc() {
	local want=$1 rc
	shift
	"$@" >"$T/out" 2>"$T/err"
	rc=$?
	RC=$rc
	{
		echo "\$ $*  -> exit $rc"
		sed 's/^/  out| /' "$T/out"
		sed 's/^/  err| /' "$T/err"
	} >&2
	[ "$rc" -eq "$want" ] ||
		fail "'$*' exited $rc, expected $want: $(head -c 600 "$T/err" "$T/out" | tr '\n' '|')"
}

# nspx_traced ARGS...: nspx under strace; the log is $T/strace.log, the
# SIOCETHTOOL log (LD_PRELOAD shim, LAB_SHIM) $T/ioctl.log.
nspx_traced() {
	local -a env=()
	rm -f "$T/strace.log" "$T/ioctl.log"
	: >"$T/ioctl.log"
	if [ -n "${LAB_SHIM:-}" ] && [ -f "$LAB_SHIM" ]; then
		env=(-E "LD_PRELOAD=$LAB_SHIM" -E "LAB_IOCTL_LOG=$T/ioctl.log")
	fi
	strace -f -qq -o "$T/strace.log" -s 65535 -e signal=none -e verbose=all \
		-e trace=socket,close,sendmsg,sendto,ioctl,unshare,setns,mount,umount2,bpf,execve \
		"${env[@]}" \
		"$NSPING" -c "$CONF" --host-netns "$NODE" --state-dir "$STATE" "$@" \
		>"$T/out" 2>"$T/err"
	RC=$?
	{
		echo "\$ strace nsping $*  -> exit $RC"
		sed 's/^/  out| /' "$T/out"
		sed 's/^/  err| /' "$T/err"
	} >&2
}

# nsp_strace CALLS ARGS...: nsping ARGS under strace -f -e trace=CALLS (the
# calls in $T/strace.log, stdout in $T/out, stderr in $T/err); must exit 0.
nsp_strace() {
	strace -f -qq -e trace="$1" -o "$T/strace.log" \
		"$NSPING" -c "$CONF" --host-netns "$NODE" --state-dir "$STATE" "${@:2}" >"$T/out" 2>"$T/err"
	RC=$?
	[ "$RC" -eq 0 ] || fail "nsping ${*:2} under strace exited $RC: $(head -c 300 "$T/err")"
}

# require_shim: SIOCETHTOOL set commands are counted only through the shim
# (strace prints ifr_data as a pointer); a statically linked nsping bypasses it.
require_shim() {
	[ -n "${LAB_SHIM:-}" ] && [ -f "$LAB_SHIM" ] ||
		fail "the ioctl shim (tests/lib/ioctl_log.c) is not built: ethtool sets cannot be counted"
	ldd "$NSPING" >/dev/null 2>&1 ||
		fail "$NSPING is statically linked: the ioctl shim cannot count its ethtool sets"
	grep -q '^SIOCETHTOOL .* cmd=0x' "$T/ioctl.log" ||
		fail "the ioctl shim saw no SIOCETHTOOL at all: it did not work (or offloads are no longer read by ioctl)"
}

# strace_changes: one line per changing request seen in $T/strace.log and
# $T/ioctl.log: RTM_{NEW,DEL,SET}{LINK,ADDR,ROUTE,NEIGH}, ethtool-netlink *_SET
# messages, SIOCS* ioctls and SIOCETHTOOL set commands.
# strace names nlmsg types only for sockets it can resolve; a socket opened in
# another netns shows raw numbers (nlmsg_type=0x10), so the netlink protocol of
# every fd is tracked from socket(AF_NETLINK, ..., NETLINK_*) = FD.
strace_changes() {
	local cmd
	awk -v ethnl="$LAB_ETHNL_SET_CMDS" '
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
			case "$LAB_ETHTOOL_SET_CMDS" in *" $cmd "*) echo "SIOCETHTOOL:$cmd" ;; esac
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

# no_changes_traced WHAT: the traced run ($T/strace.log, $T/ioctl.log) sent no
# changing request of any kind (netlink, ethtool ioctl or netlink, netns,
# mount, bpf); the strace saw netlink traffic at all.
no_changes_traced() {
	local c
	grep -qE 'sendmsg\(|sendto\(' "$T/strace.log" || fail "$1: strace saw no netlink traffic at all: tracing broken"
	c=$( (
		strace_changes
		strace_other_changes
	) | sort | uniq -c | tr -s ' \n' ' ')
	[ -z "$c" ] || fail "$1 sent changing requests:$c"
}

# json_requests: the "requests" member of $T/out (apply --json).
json_requests() { jq -r '.requests' "$T/out"; }

# --- plan and status ------------------------------------------------------------------

# plan_json [ARGS]: nsping --json plan [ARGS] into $T/plan.json; fails the test
# if it is not one JSON document. Sets RC (not checked: see plan_clean).
plan_json() {
	nspx --json plan "$@"
	cp "$T/out" "$T/plan.json"
	[ "$(jq -s length "$T/plan.json" 2>/dev/null)" = 1 ] ||
		fail "plan --json ${*}: not one JSON document (exit $RC): $(head -c 200 "$T/out")"
}

# plan_clean [ARGS]: plan_json, which must exit 0 with no error and no conflict.
plan_clean() {
	plan_json "$@"
	[ "$RC" -eq 0 ] || fail "plan --json $* exits $RC, expected 0: $(head -c 300 "$T/err")"
	jq -e '(.errors | length) == 0 and (.conflicts | length) == 0' "$T/plan.json" >/dev/null ||
		fail "plan --json $*: errors $(jq -c .errors "$T/plan.json"), conflicts $(jq -c .conflicts "$T/plan.json")"
}

# plan_ops: sorted "op:kind" of the changes in $T/plan.json, space separated.
plan_ops() {
	jq -r '.changes[] | "\(.op):\(.kind)"' "$T/plan.json" | sort | paste -sd' ' -
}

# planned: plan_clean, then its plan_ops (for $(planned) comparisons).
planned() {
	plan_clean
	plan_ops
}

# expect_plan OP:KIND...: the plan has exactly these changes (and no error or conflict).
expect_plan() {
	local want got
	plan_clean
	want=$(printf '%s\n' "$@" | sed '/^$/d' | sort | paste -sd' ' -)
	got=$(plan_ops)
	[ "$got" = "$want" ] ||
		fail "plan: expected changes [$want], got [$got]: $(jq -c '.changes' "$T/plan.json" | head -c 600)"
}

# expect_plan_empty: plan --detailed-exitcode exits 0 and says "No changes.";
# plan --json is empty, without errors or conflicts.
expect_plan_empty() {
	nspx plan --detailed-exitcode
	[ "$RC" -eq 0 ] || fail "plan --detailed-exitcode exits $RC, expected 0 (no changes): $(tr '\n' '|' <"$T/out" | head -c 400)"
	grep -q 'No changes' "$T/out" || fail "plan does not print 'No changes.': $(tr '\n' '|' <"$T/out" | head -c 300)"
	plan_clean
	jq -e '(.changes | length) == 0 and .summary.create == 0 and .summary.update == 0 and .summary.delete == 0' \
		"$T/plan.json" >/dev/null || fail "plan --json not empty: $(head -c 400 "$T/plan.json")"
}

# expect_attr OP KIND ATTRIBUTE: the one OP change of KIND in $T/plan.json names
# ATTRIBUTE.
expect_attr() {
	local got
	got=$(jq -r --arg o "$1" --arg k "$2" '[.changes[] | select(.op == $o and .kind == $k)][0].attribute // "(none)"' "$T/plan.json")
	[ "$got" = "$3" ] || fail "plan: $1 $2 has attribute '$got', expected '$3'"
}

# check_plan_doc FILE WHAT: FILE (plan/apply --json) validates against
# schema/plan.schema.json and its summary counts the changes by op.
check_plan_doc() {
	local f=$1 what=$2 checker=$ROOT/tests/schema/check_json.py schema=$ROOT/schema/plan.schema.json
	[ "$(jq -s length "$f" 2>/dev/null)" = 1 ] || fail "$what: not one JSON document: $(head -c 200 "$f")"
	[ -f "$checker" ] && [ -f "$schema" ] || fail "$what: $checker or $schema missing"
	/usr/bin/python3 "$checker" "$schema" "$f" 2>"$T/schema.err" >/dev/null ||
		fail "$what: does not validate against schema/plan.schema.json: $(head -n 2 "$T/schema.err" | tr '\n' '|')"
	jq -e '.summary.create == ([.changes[] | select(.op == "create")] | length) and
	       .summary.update == ([.changes[] | select(.op == "update")] | length) and
	       .summary.delete == ([.changes[] | select(.op == "delete")] | length)' "$f" >/dev/null ||
		fail "$what: summary $(jq -c .summary "$f") does not count the changes by op ($(jq -c '[.changes[].op] | group_by(.) | map({(.[0]): length}) | add' "$f"))"
}

# status_json [WANT_RC]: nsping --json status into $T/status.json; it must exit
# WANT_RC (default 0) with one JSON document.
status_json() {
	local want=${1:-0}
	nsp --json status >"$T/status.json" 2>"$T/status.err"
	RC=$?
	[ "$RC" -eq "$want" ] ||
		fail "status --json exits $RC, expected $want: $(head -c 300 "$T/status.err")"
	[ "$(jq -s length "$T/status.json" 2>/dev/null)" = 1 ] ||
		fail "status --json: not one JSON document: $(head -c 200 "$T/status.json")"
}

# status_is JQ: status --json exits 0 and its document satisfies JQ (for wait_for).
status_is() {
	nsp --json status >"$T/status.json" 2>/dev/null &&
		jq -e "$1" "$T/status.json" >/dev/null 2>&1
}

# --- observing -----------------------------------------------------------------------

# link_json NS IF: ip -j -d link show of one interface ("" if absent).
link_json() { ip -n "$1" -j -d link show dev "$2" 2>/dev/null | jq -c '.[0] // empty' 2>/dev/null; }
ifindex_of() { ip -n "$1" -j link show dev "$2" 2>/dev/null | jq -r '.[0].ifindex // empty'; }
netns_inode() { stat -L -c %i "/run/netns/${1:-$PINGNS}" 2>/dev/null; }
netns_exists() { [ -e "/run/netns/$1" ] && ip netns list | awk '{print $1}' | grep -qxF "$1"; }
feature() { # NS IF FEATURE -> on|off
	ip netns exec "$1" ethtool -k "$2" 2>/dev/null | sed -n "s/^$3: \([a-z]*\).*/\1/p"
}
peer_json() { link_json "$PINGNS" "$PEER"; }
xdp_id() { ip -n "$1" -j -d link show dev "$2" 2>/dev/null | jq -r '.[0].xdp.prog.id // empty'; }

# snapshot NAME: what must not change in NODE, GW and /run/netns.
snapshot() {
	{
		echo "# netns"
		my_netns
		echo "# node links"
		ip -n "$NODE" -j -d link show | jq -S "$LAB_STABLE"
		echo "# node addrs"
		ip -n "$NODE" -j addr show | jq -S .
		echo "# node routes"
		ip -n "$NODE" -j route show table all | jq -S .
		echo "# node iptables"
		ip netns exec "$NODE" iptables -S
		echo "# gw links"
		ip -n "$GW" -j -d link show | jq -S "$LAB_STABLE"
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
		ip -n "$1" -j -d link show | jq -S "$LAB_STABLE"
		ip -n "$1" -j -4 addr show | jq -S .
		ip -n "$1" -j -4 route show table all | jq -S .
		ip -n "$1" -j -4 neigh show nud permanent | jq -S .
	} >"$T/snap.$2" 2>&1
}

# node_base NAME: what apply/destroy must leave alone in NODE: eth0 (link,
# addresses), NODE's routes and iptables, and every other NODE link.
node_base() {
	{
		echo "# eth0"
		ip -n "$NODE" -j -d link show dev eth0 | jq -S "$LAB_STABLE"
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

# check_instance I MAC [ADDRESS]: instance I is fully built as README.md
# ("Configuration", "Ownership") says: netns, marked veth pair up, MAC, address
# (default 10.99.0.2/24), default route of protocol 78, permanent gateway
# neighbor, GRO on, tx checksumming off.
check_instance() {
	local i=$1 mac=$2 addr=${3:-10.99.0.2/24} ns host peer inst hj pj n
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
	[ "$n" = "$addr" ] || fail "[$inst] IPv4 addresses on $peer: '$n', expected '$addr'"
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

mounts_of_run_netns() { awk '$5 == "/run/netns"' /proc/self/mountinfo | wc -l; }
