// SPDX-License-Identifier: GPL-2.0-only
/*
 * rx_ping_tc: the tc alternative to rx_ping (attach = "tc"), for tc ingress
 * on the uplink.  Same match and counters as rx_ping; a match goes through
 * bpf_redirect_peer(), Cilium's fast path into a pod: its argument is the
 * host-side veth, and the frame arrives on the ingress of that veth's peer
 * in the isolated netns without a trip through the CPU backlog queue.
 */
#include <linux/pkt_cls.h>

#include "rx_match.h"

/* Ethernet + two VLAN tags + IPv4 and TCP with maximal options. */
#define NSP_MAX_HDR_LEN (14 + 2 * 4 + 60 + 60)

static __always_inline __u32 classify_skb(const struct __sk_buff *skb)
{
	return nsp_classify_reply((const void *)(long)skb->data, (const void *)(long)skb->data_end);
}

SEC("tc")
int rx_ping_tc(struct __sk_buff *skb)
{
	__u32 verdict = classify_skb(skb);

	/*
	 * Unlike an XDP buffer, an skb may keep headers in paged data.  Make
	 * them linear once, and only for frames that looked short.
	 */
	if (verdict == NSP_CNT_PASS_TRUNCATED && skb->len > ETH_HLEN &&
	    bpf_skb_pull_data(skb, skb->len < NSP_MAX_HDR_LEN ? skb->len : NSP_MAX_HDR_LEN) == 0)
		verdict = classify_skb(skb);
	if (verdict != NSP_CNT_REDIRECTED) {
		nsp_count(verdict);
		nsp_monitor_tc(skb, NSP_MON_RX_PING_TC, verdict);
		return NSP_TC_PASS;
	}
	/* bpf_redirect_peer takes the host-side veth and delivers into its peer's netns. */
	return nsp_tc_redirect(skb, NSP_MON_RX_PING_TC, uplink_now ? veth_ifindex : 0, true);
}
