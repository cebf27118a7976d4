// SPDX-License-Identifier: GPL-2.0-only
/*
 * tx_ping_tc: the tc alternative to tx_ping (attach = "tc"), for tc ingress
 * on the host-side veth.  The IPv4 that the isolated netns sends goes out
 * of the uplink's egress, past the node's netfilter rules; the rest (ARP,
 * IPv6) is dropped (parse.h, nsp_classify_tx, says why).
 */
#include <linux/pkt_cls.h>

#include "nsping.bpf.h"
#include "parse.h"

SEC("tc")
int tx_ping_tc(struct __sk_buff *skb)
{
	/*
	 * A veth hands over the Ethernet header in the linear part; an outer
	 * VLAN tag, if any, is already out of it (skb->vlan_tci) and goes back
	 * on at the uplink: the ethertype read is the one inside it.
	 */
	__u32 verdict =
		nsp_classify_tx((const void *)(long)skb->data, (const void *)(long)skb->data_end);

	if (verdict != NSP_CNT_REDIRECTED) {
		nsp_count(verdict);
		nsp_monitor_tc(skb, NSP_MON_TX_PING_TC, verdict);
		return TC_ACT_SHOT;
	}
	return nsp_tc_redirect(skb, NSP_MON_TX_PING_TC, uplink_now, false);
}
