// SPDX-License-Identifier: GPL-2.0-only
/*
 * tx_ping: XDP on the host-side veth.  The IPv4 that the isolated netns sends
 * leaves through the uplink, past the node's netfilter rules; the rest (ARP,
 * IPv6) is dropped (parse.h, nsp_classify_tx, says why).
 */
#include "nsping.bpf.h"
#include "parse.h"

SEC("xdp")
int tx_ping(struct xdp_md *ctx)
{
	__u32 verdict =
		nsp_classify_tx((const void *)(long)ctx->data, (const void *)(long)ctx->data_end);

	if (verdict != NSP_CNT_REDIRECTED) {
		nsp_count(verdict);
		nsp_monitor_xdp(ctx, NSP_MON_TX_PING, verdict);
		return XDP_DROP;
	}
	return nsp_xdp_redirect(ctx, NSP_MON_TX_PING, uplink_now);
}
