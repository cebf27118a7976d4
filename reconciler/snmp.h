/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The IPv4 stack's counters of a netns (/proc/net/snmp as read from inside
 * it), for diagnose: what the isolated netns's own stack did with the
 * replies it was handed.
 */
#ifndef NSPING_SNMP_H
#define NSPING_SNMP_H

#include <stdint.h>

struct nsp_snmp {
	/* Ip */
	uint64_t ip_in_receives;
	uint64_t ip_in_hdr_errors; /* bad header, TTL, checksum of the IP header */
	uint64_t ip_in_addr_errors;
	uint64_t ip_in_discards;
	uint64_t ip_in_delivers; /* handed to a protocol or a raw socket */
	uint64_t ip_out_requests;
	uint64_t ip_out_no_routes;
	/* Icmp */
	uint64_t icmp_in_msgs;
	uint64_t icmp_in_errors;
	uint64_t icmp_in_csum_errors;
	/* Tcp */
	uint64_t tcp_in_segs;
	uint64_t tcp_in_errs;
	uint64_t tcp_in_csum_errors;
	uint64_t tcp_out_rsts;
};

/*
 * Fill ret from the text of /proc/net/snmp: pairs of lines "Proto: names"
 * and "Proto: values". Counters the text lacks are 0 (an older kernel);
 * -EINVAL when no "Ip:" pair is found at all. Pure.
 */
int nsp_snmp_parse(const char *text, struct nsp_snmp *ret);

/* Read the calling thread's netns's counters (/proc/thread-self/net/snmp). */
int nsp_snmp_read(struct nsp_snmp *ret);

#endif
