// SPDX-License-Identifier: GPL-2.0-only
/*
 * tx_ping: XDP on the host-side veth.  Whatever the isolated netns sends
 * leaves through the uplink, past the node's netfilter rules.
 */
#include "nsping.bpf.h"

SEC("xdp")
int tx_ping(struct xdp_md *ctx)
{
	return nsp_xdp_redirect(ctx, NSP_MON_TX_PING, uplink_ifindex);
}
