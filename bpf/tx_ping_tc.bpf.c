// SPDX-License-Identifier: GPL-2.0-only
/*
 * tx_ping_tc: the tc alternative to tx_ping (attach = "tc"), for tc ingress
 * on the host-side veth.  Everything the isolated netns sends goes out of
 * the uplink's egress, past the node's netfilter rules.
 */
#include <linux/pkt_cls.h>

#include "nsping.bpf.h"

/* The netns-side veth's ifindex: an ownership mark, as in rx_ping_tc. */
const volatile __u32 peer_ifindex = 0;

SEC("tc")
int tx_ping_tc(struct __sk_buff *skb)
{
	__u32 target = uplink_ifindex;

	(void)skb;
	if (!target) {
		nsp_count(NSP_CNT_PASS_UNCONFIGURED);
		return TC_ACT_OK;
	}
	if (bpf_redirect(target, 0) != TC_ACT_REDIRECT) {
		nsp_count(NSP_CNT_REDIRECT_ERROR);
		return TC_ACT_OK;
	}
	nsp_count(NSP_CNT_REDIRECTED);
	return TC_ACT_REDIRECT;
}
