/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * run's watch on tx_ping's transmit: an uplink that refuses XDP frames
 * (ndo_xdp_xmit failing: a veth whose peer has no NAPI, a driver without XDP
 * transmit, a full ring) drops every probe after tx_ping redirected it, and
 * no netlink message says so. So run reads (when txalarm.h's alarm rings,
 * then a few times a second while probes are lost) how many probes tx_ping
 * redirected and how many of them the kernel lost
 * (redirects that failed, counted by the host-side veth, and the uplink
 * driver's XDP transmit errors; ethstats.h): as many lost as redirected is a
 * failing transmit path, and a redirect that was not lost is its end.
 * Pure: heal.c reads the counters.
 */
#ifndef NSPING_TXWATCH_H
#define NSPING_TXWATCH_H

#include <stdbool.h>
#include <stdint.h>

struct nsp_txwatch {
	bool counted;	     /* a reading to compare with */
	uint32_t prog_id;    /* of that reading: a new program counts from 0 */
	uint64_t redirected; /* tx_ping's, at that reading */
	uint64_t lost;	     /* the uplink's transmit losses, at that reading */
	bool lossless; /* that reading saw no probe lost since the one before (or was the first) */
	bool failing;
	uint64_t failed; /* frames lost since it began failing */
};

enum nsp_txwatch_change {
	NSP_TX_UNCHANGED,
	NSP_TX_FAILING, /* every probe redirected since the last reading was lost */
	NSP_TX_FLOWING, /* failing, and a probe got through again */
};

/*
 * Feed a reading. prog_id 0: no tx_ping of ours is attached, nothing to
 * judge; lost_known false: the driver has no such statistics, nothing to
 * judge either. A reading without a redirect changes nothing: the worker may
 * have sent nothing.
 */
enum nsp_txwatch_change nsp_txwatch_feed(struct nsp_txwatch *w, uint32_t prog_id,
					 uint64_t redirected, bool lost_known, uint64_t lost);

#endif
