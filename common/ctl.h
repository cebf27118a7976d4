/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What run's reconciler tells its worker about an instance's datapath, over a
 * SOCK_SEQPACKET socketpair, one message per datagram. While a datapath is
 * being repaired, probes lost on it are the node's fault, not the gateway's:
 * the worker counts them as path-down, not as misses.
 */
#ifndef NSPING_CTL_H
#define NSPING_CTL_H

#include <stdint.h>

enum nsp_ctl_type {
	NSP_CTL_REPAIRING = 1, /* drifted at t_ns, being repaired */
	NSP_CTL_REPAIRED,      /* repaired (or found whole again) at t_ns */
	NSP_CTL_BROKEN,	       /* cannot be repaired now (a conflict, a failure): reason */
	NSP_CTL_RELOAD,	       /* a new configuration, applied: its text in the fd passed */
	NSP_CTL_FAILING,       /* whole, yet losing probes since t_ns (cause, reason): keep
				  probing, so that the end shows, and count losses as path-down */
	NSP_CTL_FLOWING,       /* carrying probes again at t_ns */
};

struct nsp_ctl_msg {
	uint32_t type;
	uint32_t instance; /* its index in the configuration */
	uint64_t t_ns;	   /* CLOCK_MONOTONIC */
	uint64_t repairs;  /* repairs of this instance so far */
	uint32_t cause;	   /* BROKEN: an enum nsp_path_cause (pathcause.h) */
	char reason[192];  /* BROKEN: why; RELOAD: the file's path, for messages */
};

#endif
