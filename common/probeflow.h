/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * One probe flow for diagnose: a few probes to one target from the calling
 * thread's netns, and what became of each. The reconciler's diagnose calls
 * it from inside the instance's netns; worker/probeflow.c implements it with
 * the worker's sockets and wire format.
 */
#ifndef NSPING_PROBEFLOW_H
#define NSPING_PROBEFLOW_H

#include <stdint.h>

struct nsp_flow_request {
	uint32_t target; /* network order */
	uint16_t port;	 /* the probe's destination port */
	uint32_t magic;
	uint16_t sport_min; /* the replies the sockets take: ping.sport_min..sport_max */
	uint16_t sport_max;
	uint16_t sport; /* the first probe's source port, in that range; each next one down */
	unsigned int count;
	unsigned int gap_ms;	 /* between two probes */
	unsigned int timeout_ms; /* how long the last probe is waited for */
};

struct nsp_flow_result {
	uint32_t src;		  /* the source address the netns chose (network order) */
	unsigned int sent;	  /* probes the socket took */
	int send_err;		  /* the first sendto() error (-errno), 0 for none */
	unsigned int answered;	  /* SYN-ACKs */
	unsigned int closed;	  /* RSTs */
	unsigned int unreachable; /* ICMP errors quoting a probe of the flow */
	unsigned int duplicate;	  /* a second reply to one probe */
	/* packets of the probe port to our ports that are not the flow's: */
	unsigned int malformed;		 /* checksum or length wrong (nsp_reply_parse() -EBADMSG) */
	unsigned int unmatched;		 /* well formed, but another flow's (a running worker's) */
	uint64_t rtt_min_us, rtt_max_us; /* of the SYN-ACKs */
};

/* 0 with *ret filled (send errors included), or -errno when no socket could be opened. */
int nsp_flow_run(const struct nsp_flow_request *req, struct nsp_flow_result *ret);

#endif
