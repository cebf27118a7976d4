#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# The seed's shell script (shared/seeds/000_*.txt), the baseline of `make bench`.
#
#   bench/seed.sh [--check] NODE_NS NETNS VETH_H VETH_N IP MAC GW_IP GW_MAC UPLINK
#
# The seed's steps 1-5 and 8 done with `ip` and `ethtool` exactly as the seed does
# them, but against the namespace NODE_NS as the "host" (`ip -n NODE_NS ...`)
# instead of the namespace the script starts in; the seed's inner
# `ip netns exec NETNS bash -c "..."` block stays one bash -c block. Two changes
# that a working script needs: the inner block also turns tx checksum offload off
# (`ethtool -K VETH_N gro on tx off`; README.md, offload.tx_checksum: an XDP
# redirect loses CHECKSUM_PARTIAL), and the script stops at the first failing
# command (set -e / bash -ec) so that the bench cannot time a half-done run.
# Steps 6 and 7 (XDP) are a separate program in the seed; the
# bench measures nsping without XDP bindings too, so they are not here.
#
# IP is A.B.C.D (the seed appends /24) or A.B.C.D/P. MAC and IP may be "inherit":
# read from UPLINK in NODE_NS (the seed's caller passes them; then UPLINK is not
# touched at all).
#
# --check is the script's idempotent form, the fair baseline of nsping's no-op
# rerun: each object is first looked up with `ip` (or `ethtool -k`) and the step is
# run only if it is missing or different. On a converged system it changes nothing.
set -euo pipefail

check=0
if [ "${1:-}" = --check ]; then
	check=1
	shift
fi
if [ $# -ne 9 ]; then
	echo "usage: $0 [--check] NODE_NS NETNS VETH_H VETH_N IP MAC GW_IP GW_MAC UPLINK" >&2
	exit 64
fi
NODE="$1" NETNS="$2" VETH0="$3" VETH1="$4" IP="$5" MAC="$6" GW_IP="$7" GW_MAC="$8" UPLINK="$9"

if [ "$MAC" = inherit ]; then
	MAC=$(ip -n "$NODE" -o link show dev "$UPLINK" | sed -n 's/.* link\/ether \([0-9a-f:]*\) .*/\1/p')
fi
if [ "$IP" = inherit ]; then
	IP=$(ip -n "$NODE" -o -4 addr show dev "$UPLINK" | awk 'NR == 1 {print $4}')
fi
case "$IP" in
*/*) ;;
*) IP="$IP/24" ;; # the seed: ip addr add ${IP}/24
esac

if [ "$check" -eq 0 ]; then
	# The seed, line by line.
	ip netns add "${NETNS}"

	ip -n "$NODE" link add "${VETH0}" type veth peer name "${VETH1}"
	ip -n "$NODE" link set "${VETH1}" netns "${NETNS}"
	ip -n "$NODE" link set "${VETH0}" up

	ip netns exec "${NETNS}" bash -ec "
ip link set ${VETH1} address ${MAC}
ip link set ${VETH1} up
ip addr add ${IP} dev ${VETH1}
ip route add default via ${GW_IP} dev ${VETH1}
ip neigh add ${GW_IP} dev ${VETH1} lladdr ${GW_MAC} nud permanent
ethtool -K ${VETH1} gro on tx off
"
	exit 0
fi

# --check: the same steps, each guarded by a look-up.
if ! ip netns list | grep -q "^${NETNS}\( \|\$\)"; then
	ip netns add "${NETNS}"
fi

host_link=$(ip -n "$NODE" -o link show dev "${VETH0}" 2>/dev/null || true)
if [ -z "$host_link" ]; then
	if ip -n "${NETNS}" -o link show dev "${VETH1}" >/dev/null 2>&1; then
		echo "$0: ${VETH1} is in ${NETNS} but ${VETH0} is missing" >&2
		exit 1
	fi
	ip -n "$NODE" link add "${VETH0}" type veth peer name "${VETH1}"
	host_link=$(ip -n "$NODE" -o link show dev "${VETH0}")
fi
if ! ip -n "${NETNS}" -o link show dev "${VETH1}" >/dev/null 2>&1; then
	ip -n "$NODE" link set "${VETH1}" netns "${NETNS}"
fi
case "$host_link" in
*"<"*",UP"*) ;;
*) ip -n "$NODE" link set "${VETH0}" up ;;
esac

ip netns exec "${NETNS}" bash -ec "
link=\$(ip -o link show dev ${VETH1})
case \"\$link\" in
*' link/ether ${MAC} '*) ;;
*) ip link set ${VETH1} address ${MAC} ;;
esac
case \"\$link\" in
*'<'*',UP'*) ;;
*) ip link set ${VETH1} up ;;
esac
if ! ip -o -4 addr show dev ${VETH1} | grep -q ' inet ${IP} '; then
	ip addr add ${IP} dev ${VETH1}
fi
if ! ip route show default | grep -q '^default via ${GW_IP} dev ${VETH1}\( \|\$\)'; then
	ip route replace default via ${GW_IP} dev ${VETH1}
fi
if ! ip neigh show ${GW_IP} dev ${VETH1} | grep -q '^${GW_IP} lladdr ${GW_MAC} PERMANENT'; then
	ip neigh replace ${GW_IP} dev ${VETH1} lladdr ${GW_MAC} nud permanent
fi
k=\$(ethtool -k ${VETH1})
case \"\$k\" in
*'generic-receive-offload: on'*) gro=ok ;;
*) gro=fix ;;
esac
case \"\$k\" in
*'tx-checksumming: off'*) tx=ok ;;
*) tx=fix ;;
esac
if [ \$gro = fix ] || [ \$tx = fix ]; then
	ethtool -K ${VETH1} gro on tx off
fi
"
