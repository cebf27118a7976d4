/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Frame classification shared by the XDP and tc programs.  Plain C over a
 * [data, data_end) window with no BPF helper, so the unit tests also build
 * it for user space and feed it frames of every length, including the ones
 * that BPF_PROG_RUN refuses (shorter than an Ethernet header).
 *
 * Every access is preceded by a comparison of the accessed end with
 * data_end on the same pointer, which is what the verifier wants to see.
 */
#ifndef NSPING_PARSE_H
#define NSPING_PARSE_H

#include <linux/types.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/tcp.h>

#include "nsping_magic.h"
#include "nsping_counters.h"

#define NSP_IPPROTO_TCP 6
#define NSP_IP_MF	0x2000
#define NSP_IP_OFFSET	0x1fff
#define NSP_MAX_VLANS	2

/* 802.1Q / 802.1ad tag as it sits in the frame (no uapi struct exists). */
struct nsp_vlan_hdr {
	__be16 tci;
	__be16 encap_proto;
};

/* What a probe reply must look like to be stolen from the uplink. */
struct nsp_match {
	__be16 sport;		     /* TCP source port, network order */
	__be32 daddr;		     /* instance IPv4 address */
	const volatile __u8 *dmac; /* uplink MAC, 6 bytes */
};

NSP_INLINE int nsp_mac_equal(const __u8 *a, const volatile __u8 *b)
{
	return ((a[0] ^ b[0]) | (a[1] ^ b[1]) | (a[2] ^ b[2]) | (a[3] ^ b[3]) | (a[4] ^ b[4]) |
		(a[5] ^ b[5])) == 0;
}

/*
 * Classify one frame.  Returns NSP_CNT_REDIRECTED when the frame is a probe
 * reply for this instance, otherwise the NSP_CNT_PASS_* reason.  The checks
 * run from the cheapest protocol test to the instance identity, so the
 * counters tell what kind of traffic the uplink sees.
 */
NSP_INLINE __u32 nsp_classify(const void *data, const void *data_end, const struct nsp_match *m)
{
	const struct ethhdr *eth = data;
	const struct nsp_vlan_hdr *vlan;
	const struct iphdr *iph;
	const struct tcphdr *th;
	const void *l3;
	__be16 proto;
	__u32 ihl_len;
	int i;

	if ((const void *)(eth + 1) > data_end)
		return NSP_CNT_PASS_TRUNCATED;
	proto = eth->h_proto;
	l3 = eth + 1;

#ifdef __clang__
#pragma unroll
#endif
	for (i = 0; i < NSP_MAX_VLANS; i++) {
		if (proto != NSP_HTONS(ETH_P_8021Q) && proto != NSP_HTONS(ETH_P_8021AD))
			break;
		vlan = l3;
		if ((const void *)(vlan + 1) > data_end)
			return NSP_CNT_PASS_TRUNCATED;
		proto = vlan->encap_proto;
		l3 = vlan + 1;
	}
	if (proto != NSP_HTONS(ETH_P_IP))
		return NSP_CNT_PASS_NOT_IPV4;

	iph = l3;
	if ((const void *)(iph + 1) > data_end)
		return NSP_CNT_PASS_TRUNCATED;
	if (iph->version != 4 || iph->ihl < 5)
		return NSP_CNT_PASS_BAD_IP_HEADER;
	ihl_len = iph->ihl * 4;
	if ((const __u8 *)l3 + ihl_len > (const __u8 *)data_end)
		return NSP_CNT_PASS_TRUNCATED;
	if (iph->frag_off & NSP_HTONS(NSP_IP_MF | NSP_IP_OFFSET))
		return NSP_CNT_PASS_FRAGMENT;
	if (iph->protocol != NSP_IPPROTO_TCP)
		return NSP_CNT_PASS_NOT_TCP;

	th = (const void *)((const __u8 *)l3 + ihl_len);
	if ((const void *)(th + 1) > data_end)
		return NSP_CNT_PASS_TRUNCATED;
	if (th->doff < 5)
		return NSP_CNT_PASS_BAD_TCP_HEADER;
	if ((const __u8 *)th + th->doff * 4 > (const __u8 *)data_end)
		return NSP_CNT_PASS_TRUNCATED;

	if (th->source != m->sport)
		return NSP_CNT_PASS_WRONG_PORT;
	if (iph->daddr != m->daddr)
		return NSP_CNT_PASS_WRONG_DST_IP;
	if (!nsp_mac_equal(eth->h_dest, m->dmac))
		return NSP_CNT_PASS_WRONG_DST_MAC;
	return NSP_CNT_REDIRECTED;
}

#endif /* NSPING_PARSE_H */
