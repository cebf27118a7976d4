// SPDX-License-Identifier: GPL-2.0-only
/*
 * tx_ping_tc: the tc alternative to tx_ping (attach = "tc"), for tc ingress
 * on the host-side veth.  Everything the isolated netns sends goes out of
 * the uplink's egress, past the node's netfilter rules.
 */
#include <linux/pkt_cls.h>

#include "nsping.bpf.h"

SEC("tc")
int tx_ping_tc(struct __sk_buff *skb)
{
	return nsp_tc_redirect(skb, NSP_MON_TX_PING_TC, uplink_ifindex, false);
}
