// SPDX-License-Identifier: GPL-2.0-only
/*
 * rx_ping: XDP on the uplink.  Steals the replies to the probes (TCP from
 * the probe port to one of the worker's source ports, and ICMP errors that
 * quote a probe, addressed to the instance's IPv4 address and the uplink's
 * MAC) and redirects them to the host-side veth, whose peer in the isolated
 * netns receives them before any netfilter rule of the node can see them.
 * Everything else goes on to the node's stack untouched.
 */
#include "rx_match.h"

SEC("xdp")
int rx_ping(struct xdp_md *ctx)
{
	const void *data = (const void *)(long)ctx->data;
	const void *data_end = (const void *)(long)ctx->data_end;
	__u32 verdict = nsp_classify_reply(data, data_end);

	if (verdict != NSP_CNT_REDIRECTED) {
		nsp_count(verdict);
		nsp_monitor_xdp(ctx, NSP_MON_RX_PING, verdict);
		return XDP_PASS;
	}
	/* one that does not know its uplink is unset (nsping.bpf.h, uplink_now) */
	return nsp_xdp_redirect(ctx, NSP_MON_RX_PING, uplink_now ? veth_ifindex : 0);
}
