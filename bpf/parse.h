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

#define NSP_IPPROTO_ICMP       1
#define NSP_IPPROTO_TCP	       6
#define NSP_ICMP_DEST_UNREACH  3
#define NSP_ICMP_TIME_EXCEEDED 11
/* ICMP header (type, code, checksum, 4 unused bytes) before the quote */
#define NSP_ICMP_HLEN 8
#define NSP_IP_MF     0x2000
#define NSP_IP_OFFSET 0x1fff
#define NSP_MAX_VLANS 2

/* 802.1Q / 802.1ad tag as it sits in the frame (no uapi struct exists). */
struct nsp_vlan_hdr {
	__be16 tci;
	__be16 encap_proto;
};

/*
 * Headers sit wherever the frame puts them: on x86 (NET_IP_ALIGN 0) the IPv4
 * header of a veth frame is 2 bytes off a 4-byte boundary, and the tests put
 * frames of every length against a guard page. BPF loads don't mind (the
 * verifier allows them where the CPU does); C's do (UBSan: "misaligned
 * address"), so the user-space build reads the headers through types of
 * alignment 1, and the BPF build keeps the kernel's types and its loads.
 */
#ifdef __bpf__
#define NSP_ANY_ALIGN
#else
#define NSP_ANY_ALIGN __attribute__((aligned(1)))
#endif
typedef struct iphdr NSP_ANY_ALIGN nsp_iphdr;
typedef struct tcphdr NSP_ANY_ALIGN nsp_tcphdr;
typedef struct nsp_vlan_hdr NSP_ANY_ALIGN nsp_vlanhdr;

/*
 * struct ethhdr is packed, so clang reads h_proto a byte at a time; this
 * type gives one 16-bit load (and keeps gcc's aliasing rules happy in the
 * user-space tests).
 */
typedef __be16 __attribute__((may_alias)) NSP_ANY_ALIGN nsp_be16_alias;

/*
 * What a probe reply must look like to be stolen from the uplink.  Pointers,
 * so that a BPF program reads its rodata only when a frame gets that far.
 */
struct nsp_match {
	const volatile __u16 *port;	 /* TCP source port, host order */
	const volatile __u16 *sport_min; /* the worker's source ports, host order: */
	const volatile __u16 *sport_max; /* a reply's destination port is one of them */
	const volatile __be32 *addr;	 /* instance IPv4 address */
	const volatile __u8 *mac;	 /* uplink MAC, 6 bytes */
};

NSP_INLINE int nsp_mac_equal(const __u8 *a, const volatile __u8 *b)
{
	return ((a[0] ^ b[0]) | (a[1] ^ b[1]) | (a[2] ^ b[2]) | (a[3] ^ b[3]) | (a[4] ^ b[4]) |
		(a[5] ^ b[5])) == 0;
}

NSP_INLINE int nsp_sport_ours(__be16 port, const struct nsp_match *m)
{
	__u16 p = nsp_ntohs(port);

	return p >= *m->sport_min && p <= *m->sport_max;
}

/*
 * An ICMP message at icmp: an error about one of this instance's probes?
 * Destination unreachable or time exceeded, quoting an IPv4 header without
 * options (a probe has none) of a TCP segment from the instance's address
 * to the probe port, from one of the worker's source ports.  The first 8
 * bytes of the quoted segment (RFC 792's minimum) must be there: ports and
 * seq, which the worker needs to match the error to its probe.
 */
NSP_INLINE __u32 nsp_classify_icmp(const __u8 *icmp, const void *data_end,
				   const struct nsp_match *m)
{
	const nsp_iphdr *qip = (const void *)(icmp + NSP_ICMP_HLEN);
	const nsp_tcphdr *qth = (const void *)(qip + 1);

	if ((const void *)(icmp + NSP_ICMP_HLEN) > data_end)
		return NSP_CNT_PASS_TRUNCATED;
	if (icmp[0] != NSP_ICMP_DEST_UNREACH && icmp[0] != NSP_ICMP_TIME_EXCEEDED)
		return NSP_CNT_PASS_ICMP_NOT_PROBE;
	if ((const void *)((const __u8 *)qth + 8) > data_end)
		return NSP_CNT_PASS_TRUNCATED;
	if (*(const __u8 *)qip != 0x45 || qip->protocol != NSP_IPPROTO_TCP ||
	    qip->saddr != *m->addr || qth->dest != nsp_htons(*m->port) ||
	    !nsp_sport_ours(qth->source, m))
		return NSP_CNT_PASS_ICMP_NOT_PROBE;
	return NSP_CNT_REDIRECTED;
}

/* The instance's identity: its IPv4 address and the uplink's MAC. */
NSP_INLINE __u32 nsp_classify_identity(const struct ethhdr *eth, const nsp_iphdr *iph,
				       const struct nsp_match *m)
{
	if (iph->daddr != *m->addr)
		return NSP_CNT_PASS_WRONG_DST_IP;
	if (!nsp_mac_equal(eth->h_dest, m->mac))
		return NSP_CNT_PASS_WRONG_DST_MAC;
	return NSP_CNT_REDIRECTED;
}

/*
 * A TCP segment whose fixed header (th + 1) is present.  The source port
 * comes before the fragment test because it rejects far more TCP; in a
 * later fragment (no TCP header) those bytes are data, and the fragment
 * test below still catches it if they happen to match.
 */
NSP_INLINE __u32 nsp_classify_tcp(const void *data, const void *data_end, const nsp_iphdr *iph,
				  const nsp_tcphdr *th, const struct nsp_match *m)
{
	__u32 doff_len;

	if (th->source != nsp_htons(*m->port))
		return NSP_CNT_PASS_WRONG_PORT;
	/* a later fragment has no TCP header; a first one is incomplete */
	if (iph->frag_off & NSP_HTONS(NSP_IP_MF | NSP_IP_OFFSET))
		return NSP_CNT_PASS_FRAGMENT;
	doff_len = (__u32)th->doff * 4;
	if (doff_len < sizeof(*th))
		return NSP_CNT_PASS_BAD_TCP_HEADER;
	if ((const __u8 *)th + doff_len > (const __u8 *)data_end)
		return NSP_CNT_PASS_TRUNCATED;
	/* not a reply to the worker: one of the node's own connections */
	if (!nsp_sport_ours(th->dest, m))
		return NSP_CNT_PASS_WRONG_DST_PORT;
	return nsp_classify_identity(data, iph, m);
}

/*
 * Step over up to NSP_MAX_VLANS 802.1Q / 802.1ad tags starting at *l3, the
 * frame's ethertype in *proto: on return *proto is the ethertype inside the
 * tags and *l3 where its header starts.  -1 when the frame ends inside a tag.
 */
NSP_INLINE int nsp_skip_vlans(const __u8 **l3, __be16 *proto, const void *data_end)
{
	const nsp_vlanhdr *vlan;
	int i;

	for (i = 0; i < NSP_MAX_VLANS; i++) {
		if (*proto != NSP_HTONS(ETH_P_8021Q) && *proto != NSP_HTONS(ETH_P_8021AD))
			break;
		vlan = (const void *)*l3;
		if ((const void *)(vlan + 1) > data_end)
			return -1;
		*proto = vlan->encap_proto;
		*l3 = (const __u8 *)(vlan + 1);
	}
	return 0;
}

/* The unit tests count the frames that nsp_classify()'s short cut judges. */
#ifndef NSP_SHORT_CUT_TAKEN
#define NSP_SHORT_CUT_TAKEN()                                                                      \
	do {                                                                                       \
	} while (0)
#endif

/*
 * Classify one frame.  Returns NSP_CNT_REDIRECTED when the frame is a probe
 * reply for this instance (a TCP segment from the probe port to one of the
 * worker's source ports, or an ICMP error about a probe), otherwise the
 * NSP_CNT_PASS_* reason.
 *
 * rx_ping runs for every frame the node receives, so the order is the one
 * that rejects common traffic soonest, each test reading only bytes that an
 * earlier test proved present: ethertype, IPv4 header, protocol, TCP source
 * port, fragment, and only then the rest of the TCP header and the
 * instance's identity.  A frame wrong in two ways counts under the first.
 *
 * With short_cut (a constant), an untagged IPv4 packet without options,
 * most of a node's traffic, is judged with its headers at fixed offsets:
 * one bounds test per header instead of the VLAN loop and the ihl
 * arithmetic, and the TCP source port one load from data.  It is tested
 * first, so that such a frame runs straight through.  Everything else
 * takes the general path: another ethertype (a VLAN tag included), fewer
 * than 34 bytes, a version/ihl byte other than 0x45, ICMP, or a TCP header
 * cut short.  The verdict is the same either way: the unit tests compare
 * the two over cut and mutated frames.  The programs use the short cut
 * (docs/DESIGN.md, "Datapath cost", has what it saves).
 */
NSP_INLINE __u32 nsp_classify_frame(const void *data, const void *data_end,
				    const struct nsp_match *m, const int short_cut)
{
	const __u8 *l3 = (const __u8 *)data + ETH_HLEN;
	const nsp_iphdr *iph;
	const nsp_tcphdr *th;
	__u32 ihl_len, verdict;
	__be16 proto;
	__u8 vhl;

	if ((const void *)l3 > data_end)
		return NSP_CNT_PASS_TRUNCATED;
	proto = *(const nsp_be16_alias *)((const __u8 *)data + offsetof(struct ethhdr, h_proto));

	/* the short cut: untagged IPv4 without options */
	iph = (const void *)l3;
	th = (const void *)(iph + 1);
	if (short_cut && proto == NSP_HTONS(ETH_P_IP) && (const void *)(iph + 1) <= data_end &&
	    *l3 == 0x45) {
		if (iph->protocol == NSP_IPPROTO_TCP && (const void *)(th + 1) <= data_end) {
			NSP_SHORT_CUT_TAKEN();
			return nsp_classify_tcp(data, data_end, iph, th, m);
		}
		if (iph->protocol != NSP_IPPROTO_TCP && iph->protocol != NSP_IPPROTO_ICMP) {
			NSP_SHORT_CUT_TAKEN();
			return NSP_CNT_PASS_NOT_TCP;
		}
		/* ICMP, or a TCP header cut short: the general path */
	}

	if (nsp_skip_vlans(&l3, &proto, data_end) < 0)
		return NSP_CNT_PASS_TRUNCATED;
	if (proto != NSP_HTONS(ETH_P_IP))
		return NSP_CNT_PASS_NOT_IPV4;

	iph = (const void *)l3;
	if ((const void *)(iph + 1) > data_end)
		return NSP_CNT_PASS_TRUNCATED;
	/* version 4 and ihl >= 5, in one byte: 0x45..0x4f */
	vhl = *l3;
	if ((__u8)(vhl - 0x45) > 0x0a)
		return NSP_CNT_PASS_BAD_IP_HEADER;
	ihl_len = (__u32)(vhl & 0x0f) * 4;
	/* ICMP errors are rare: off the path of the TCP segments */
	if (iph->protocol != NSP_IPPROTO_TCP) {
		if (iph->protocol != NSP_IPPROTO_ICMP)
			return NSP_CNT_PASS_NOT_TCP;
		if (iph->frag_off & NSP_HTONS(NSP_IP_MF | NSP_IP_OFFSET))
			return NSP_CNT_PASS_FRAGMENT;
		verdict = nsp_classify_icmp(l3 + ihl_len, data_end, m);
		if (verdict != NSP_CNT_REDIRECTED)
			return verdict;
		return nsp_classify_identity(data, iph, m);
	}
	/* the TCP header follows the IP options; both must be present */
	th = (const void *)(l3 + ihl_len);
	if ((const void *)(th + 1) > data_end)
		return NSP_CNT_PASS_TRUNCATED;
	return nsp_classify_tcp(data, data_end, iph, th, m);
}

/* What the programs run: nsp_classify_frame() with the short cut. */
NSP_INLINE __u32 nsp_classify(const void *data, const void *data_end, const struct nsp_match *m)
{
	return nsp_classify_frame(data, data_end, m, 1);
}

/*
 * A frame the isolated netns sends (tx_ping, tx_ping_tc): NSP_CNT_REDIRECTED,
 * out by the uplink, if it is IPv4 (after up to two VLAN tags), else
 * NSP_CNT_DROP_NOT_IPV4.  The netns speaks IPv4 to its gateway; what else
 * its kernel sends speaks for the node with the peer's MAC.  ARP: the netns
 * has nothing to resolve (its gateway neighbour is permanent) and no reply
 * could reach it (the rx programs steal probe replies only), but a request
 * carries the node's address as its sender.  IPv6: the peer's link-local
 * address comes from its MAC, the node's own when the MAC is inherited, and
 * its router solicitations carry that MAC.  The MAC is the uplink's until
 * it drifts, and a MAC change flushes the peer's neighbours, the permanent
 * one too; a probe in the moment before the repair then sent a request that
 * pointed the gateway's traffic for the node at a MAC nobody has, for as
 * long as the gateway kept the entry.  A frame cut short of its ethertype is
 * not IPv4.
 */
NSP_INLINE __u32 nsp_classify_tx(const void *data, const void *data_end)
{
	const __u8 *l3 = (const __u8 *)data + ETH_HLEN;
	__be16 proto;

	if ((const void *)l3 > data_end)
		return NSP_CNT_DROP_NOT_IPV4;
	proto = *(const nsp_be16_alias *)((const __u8 *)data + offsetof(struct ethhdr, h_proto));
	if (nsp_skip_vlans(&l3, &proto, data_end) < 0 || proto != NSP_HTONS(ETH_P_IP))
		return NSP_CNT_DROP_NOT_IPV4;
	return NSP_CNT_REDIRECTED;
}

#endif /* NSPING_PARSE_H */
