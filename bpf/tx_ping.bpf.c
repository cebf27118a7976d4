// SPDX-License-Identifier: GPL-2.0-only
/*
 * tx_ping: XDP on the host-side veth.  Whatever the isolated netns sends
 * leaves through the uplink, past the node's netfilter rules.
 */
#include "nsping.bpf.h"

SEC("xdp")
int tx_ping(struct xdp_md *ctx)
{
	__u32 target = uplink_ifindex;

	(void)ctx;
	if (!target) {
		nsp_count(NSP_CNT_PASS_UNCONFIGURED);
		return XDP_PASS;
	}
	if (bpf_redirect(target, 0) != XDP_REDIRECT) {
		nsp_count(NSP_CNT_REDIRECT_ERROR);
		return XDP_PASS;
	}
	nsp_count(NSP_CNT_REDIRECTED);
	return XDP_REDIRECT;
}
