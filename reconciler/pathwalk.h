/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * diagnose's judgement: the counters read along one instance's probe path
 * before and after a probe flow, walked hop by hop from the worker's socket
 * to the gateway and back, up to the first hop where the numbers stop adding
 * up. Pure: diagnose.c reads the kernel, this only compares.
 *
 *   send        the flow's raw socket in the netns took the probes
 *   netns_out   the netns-side veth transmitted them
 *   tx_ping     tx_ping redirected them from the host-side veth to the uplink
 *   uplink_out  the uplink lost none on transmit
 *   gateway     replies (or ICMP errors) to the probes reached the uplink
 *   rx_ping     rx_ping took the replies and redirected them
 *   netns_in    the netns's IP layer received them
 *   netns_stack its stack dropped none (checksums, netfilter)
 *   socket      the flow's socket got its replies
 */
#ifndef NSPING_PATHWALK_H
#define NSPING_PATHWALK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "desired.h"
#include "nl.h"
#include "nsping_counters.h"
#include "probeflow.h"
#include "snmp.h"

enum nsp_hop {
	NSP_HOP_SEND,
	NSP_HOP_NETNS_OUT,
	NSP_HOP_TX_PING,
	NSP_HOP_UPLINK_OUT,
	NSP_HOP_GATEWAY,
	NSP_HOP_RX_PING,
	NSP_HOP_NETNS_IN,
	NSP_HOP_NETNS_STACK,
	NSP_HOP_SOCKET,
	NSP_HOP_COUNT
};

enum nsp_hop_status {
	NSP_HOP_OK,
	NSP_HOP_FAIL,	 /* the numbers stop adding up here */
	NSP_HOP_WARN,	 /* they do not, but every probe was answered: noise, or a hint */
	NSP_HOP_UNKNOWN, /* no evidence to judge by */
	NSP_HOP_SKIP,	 /* not on this instance's path (no such binding), or not reached */
};

/* A binding's program, as observed, and its counters' growth over the flow. */
struct nsp_walk_prog {
	enum nsp_program program;
	bool bound; /* the file binds the program */
	enum nsp_attach attach;
	char ifname[IFNAMSIZ];
	bool present; /* something holds the binding's hook */
	bool ours;
	uint32_t id;
	char name[16]; /* the program's (of a foreign one: what tells it) */
	bool counted;  /* delta is known */
	uint64_t delta[NSP_CNT_MAX];
};

/* A link, as observed, and its counters' growth over the flow. */
struct nsp_walk_link {
	bool present;
	bool up, running;
	char name[IFNAMSIZ];
	struct nsp_mac mac;
	bool counted;
	struct nsp_link_stats delta;
	bool xdp_loss_known; /* the driver's XDP transmit losses (ethstats.h) */
	uint64_t xdp_loss_delta;
	bool xdp_drop_known; /* veth: verdicts of its XDP program it could not carry out */
	uint64_t xdp_drop_delta;
};

struct nsp_walk_input {
	const char *netns;
	uint32_t target; /* network order */
	uint16_t port;
	unsigned int count; /* probes asked for */
	bool netns_present;
	size_t drift; /* changes the plan has for the instance: not converged */
	struct nsp_walk_prog tx, rx;
	struct nsp_walk_link uplink, host, peer;
	bool snmp_counted;
	struct nsp_snmp snmp_delta; /* the netns's */
	int flow_err;		    /* the flow's sockets could not be opened: -errno */
	struct nsp_flow_result flow;
};

#define NSP_HOP_EVIDENCE_MAX 6

struct nsp_evidence {
	const char *name; /* a JSON key: a counter's name */
	uint64_t value;
};

struct nsp_hop_report {
	enum nsp_hop_status status;
	char detail[256];
	struct nsp_evidence ev[NSP_HOP_EVIDENCE_MAX];
	size_t n_ev;
};

struct nsp_walk {
	struct nsp_hop_report hops[NSP_HOP_COUNT];
	bool ok;	  /* every probe was answered with a SYN-ACK */
	enum nsp_hop hop; /* when !ok: the first failing hop */
	char verdict[384];
};

void nsp_walk(const struct nsp_walk_input *in, struct nsp_walk *ret);

const char *nsp_hop_name(enum nsp_hop hop);
const char *nsp_hop_status_name(enum nsp_hop_status status);

#endif
