/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Why an instance's probe path is down, as a stable name that status, the
 * worker's JSON lines, the metrics and systemd's STATUS line all carry: the
 * first thing an operator needs when the probes stop is whether the node is
 * at fault, and which part of it. The reason text beside it says the rest.
 */
#ifndef NSPING_PATHCAUSE_H
#define NSPING_PATHCAUSE_H

#include <stdbool.h>

enum nsp_path_cause {
	NSP_CAUSE_NONE,			 /* the path is up */
	NSP_CAUSE_NETNS_GONE,		 /* the netns is missing, or was recreated */
	NSP_CAUSE_NETNS_NOT_OURS,	 /* a netns of that name that nsping did not make */
	NSP_CAUSE_VETH_DOWN,		 /* the netns-side veth is down or has no carrier */
	NSP_CAUSE_NO_ROUTE,		 /* the netns has no route to the target */
	NSP_CAUSE_SEND_FAILED,		 /* the raw socket refused a probe */
	NSP_CAUSE_RECEIVE_PATH_MISSING,	 /* rx_ping is not there and cannot be put back */
	NSP_CAUSE_TRANSMIT_PATH_MISSING, /* tx_ping is not there and cannot be put back */
	NSP_CAUSE_UPLINK_MISSING,	 /* the uplink does not exist (or has no address) */
	NSP_CAUSE_UPLINK_DOWN,		 /* the uplink is down or has no carrier */
	NSP_CAUSE_UPLINK_TX_ERRORS,	 /* tx_ping's redirects to the uplink fail */
	NSP_CAUSE_CONFLICT,		 /* a foreign object holds one of the instance's */
	NSP_CAUSE_REPAIR_FAILED,	 /* run's repair failed (a kernel request) */
	NSP_CAUSE_INTERNAL,		 /* the worker's own failure (epoll) */
	NSP_CAUSE_COUNT
};

/* "none", "netns_gone", ...: the name of a cause, "unknown" out of range. */
const char *nsp_path_cause_name(enum nsp_path_cause cause);
/* The cause of that name; false for a name that is none. */
bool nsp_path_cause_parse(const char *name, enum nsp_path_cause *ret);

#endif
