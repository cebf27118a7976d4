/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What both rx programs (rx_ping on XDP, rx_ping_tc on tc) take from the
 * uplink: parse.h's classifier over this object's read-only data.  An rx
 * program includes it in place of nsping.bpf.h.
 */
#ifndef NSPING_RX_MATCH_H
#define NSPING_RX_MATCH_H

#include "nsping.bpf.h"
#include "parse.h"

/* NSP_CNT_REDIRECTED for this instance's probe replies, else the pass reason. */
static __always_inline __u32 nsp_classify_reply(const void *data, const void *data_end)
{
	const struct nsp_match m = {
		.port = &port,
		.sport_min = &sport_min,
		.sport_max = &sport_max,
		.addr = &addr,
		.mac = uplink_mac,
	};

	return nsp_classify(data, data_end, &m);
}

#endif /* NSPING_RX_MATCH_H */
