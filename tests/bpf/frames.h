/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Crafted frames and the table of classification cases, shared by the pure
 * user-space test of bpf/parse.h (test_parse.c) and the BPF_PROG_RUN test
 * of the programs (test_xdp_prog.c), so both judge the same frames.
 *
 * A case describes a probe reply from the gateway to the instance and what
 * differs from it; build_frame() writes the bytes.
 */
#ifndef NSPING_TEST_FRAMES_H
#define NSPING_TEST_FRAMES_H

#include <stddef.h>
#include <string.h>
#include <linux/types.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/tcp.h>

#include "nsping_magic.h"
#include "nsping_counters.h"

#define T_PORT	    NSP_DEFAULT_PORT
#define T_DPORT	    62000 /* the worker's source port */
#define T_SPORT_MIN 61000 /* the worker's source ports, rodata */
#define T_SPORT_MAX 65535
#define T_ADDR	    0x0a630002U /* 10.99.0.2, the instance */
#define T_OTHER_IP  0x0a630003U /* 10.99.0.3 */
#define T_GW_ADDR   0x0a630001U /* 10.99.0.1, the gateway */
#define T_FRAME_MAX 256

/* The uplink's MAC; the frames' source MAC is the sinks' marker. */
static const __u8 t_uplink_mac[6] = {0x02, 0x6e, 0x73, 0x00, 0x00, 0x02};
static const __u8 t_src_mac[6] = {0x02, 0x6e, 0x73, 0x00, 0x00, 0x01};
static const __u8 t_other_mac[6] = {0x02, 0x6e, 0x73, 0x00, 0x00, 0x09};
static const __u8 t_bcast_mac[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

enum frame_kind { FK_IPV4 = 0, FK_IPV6, FK_ARP };

/* Where to end the frame; offsets follow the frame's own layout. */
enum frame_cut {
	CUT_NONE = 0,
	CUT_IN_ETH,	    /* 13 bytes: shorter than an Ethernet header */
	CUT_AFTER_ETH,	    /* the Ethernet header and nothing else */
	CUT_IN_VLAN,	    /* in the middle of the last VLAN tag */
	CUT_AFTER_VLAN,	    /* right after the last VLAN tag */
	CUT_IN_IP,	    /* 10 bytes into the IPv4 header */
	CUT_IN_IP_OPTIONS,  /* 2 bytes into the IPv4 options */
	CUT_AFTER_IP,	    /* right after the IPv4 header with options */
	CUT_IN_TCP,	    /* 10 bytes into the TCP header */
	CUT_IN_TCP_OPTIONS, /* 4 bytes into the TCP options */
	CUT_IN_ICMP,	    /* 4 bytes into the ICMP header */
	CUT_IN_QUOTED_IP,   /* 10 bytes into the IPv4 header an ICMP error quotes */
	CUT_IN_QUOTED_TCP,  /* 6 of the quoted segment's 8 bytes */
};

/* Zero means "as in a real probe reply". */
struct frame_spec {
	enum frame_kind kind;
	int vlans;	     /* 0..3 tags */
	__u16 tpid[3];	     /* 0: 802.1Q */
	__u8 version;	     /* 0: 4 */
	__u8 ihl;	     /* 0: 5 */
	__u16 frag;	     /* flags and offset, host order */
	__u8 protocol;	     /* 0: TCP */
	__u16 sport;	     /* 0: T_PORT */
	__u16 dport;	     /* 0: T_DPORT */
	__u32 daddr;	     /* 0: T_ADDR, host order */
	const __u8 *dmac;    /* NULL: t_uplink_mac */
	__u8 doff;	     /* 0: 8 (NOP, NOP, timestamps) */
	unsigned int tcplen; /* 0: doff * 4 bytes of TCP header present */
	/* ICMP (protocol 1) only: type 3 and 11 quote a probe, others carry nothing */
	__u8 icmp_type;	 /* 0: echo reply */
	__u8 q_vhl;	 /* quoted IPv4 version and ihl; 0: 0x45 */
	__u8 q_protocol; /* 0: TCP */
	__u32 q_saddr;	 /* 0: T_ADDR, host order */
	__u16 q_sport;	 /* 0: T_DPORT, the probe's source port */
	__u16 q_dport;	 /* 0: T_PORT */
	enum frame_cut cut;
};

struct frame_case {
	const char *name;
	struct frame_spec spec;
	__u32 reason; /* nsp_classify()'s answer, the counter to increment */
};

static inline void put16(__u8 *p, __u16 v)
{
	p[0] = (__u8)(v >> 8);
	p[1] = (__u8)v;
}

static inline void put32(__u8 *p, __u32 v)
{
	put16(p, (__u16)(v >> 16));
	put16(p + 2, (__u16)v);
}

static inline __u16 csum_fold(__u32 sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (__u16)~sum;
}

static inline __u32 csum_add(__u32 sum, const __u8 *p, size_t len)
{
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (__u32)(p[i] << 8 | p[i + 1]);
	if (len & 1)
		sum += (__u32)(p[len - 1] << 8);
	return sum;
}

/* Writes the frame into buf (T_FRAME_MAX bytes); returns its length. */
static inline size_t build_frame(const struct frame_spec *s, __u8 *buf)
{
	const __u8 *dmac = s->dmac ? s->dmac : t_uplink_mac;
	size_t off, l3, l4, ip_len, l4_len, end, cut, q_len = 0;
	__u8 proto = s->protocol ? s->protocol : 6;
	__u8 ihl = s->ihl ? s->ihl : 5;
	__u8 doff = s->doff ? s->doff : 8;
	__u32 sum;
	int i;

	memset(buf, 0, T_FRAME_MAX);
	if (s->kind == FK_ARP)
		dmac = s->dmac ? s->dmac : t_bcast_mac;
	memcpy(buf, dmac, 6);
	memcpy(buf + 6, t_src_mac, 6);
	off = 12;
	for (i = 0; i < s->vlans; i++) {
		put16(buf + off, s->tpid[i] ? s->tpid[i] : ETH_P_8021Q);
		put16(buf + off + 2, (__u16)(100 + i)); /* VID */
		off += 4;
	}
	put16(buf + off, s->kind == FK_IPV6  ? ETH_P_IPV6
			 : s->kind == FK_ARP ? ETH_P_ARP
					     : ETH_P_IP);
	l3 = off + 2;

	if (s->kind == FK_ARP) {
		__u8 *a = buf + l3;

		put16(a, 1); /* Ethernet */
		put16(a + 2, ETH_P_IP);
		a[4] = 6;
		a[5] = 4;
		put16(a + 6, 1); /* request */
		memcpy(a + 8, t_src_mac, 6);
		put32(a + 14, T_GW_ADDR);
		put32(a + 24, T_ADDR);
		end = l3 + 28;
		ip_len = 0;
		l4 = end;
		goto cut;
	}

	if (s->kind == FK_IPV6) {
		__u8 *ip6 = buf + l3;

		ip6[0] = 0x60;
		put16(ip6 + 4, 20); /* payload length */
		ip6[6] = 6;	    /* next header: TCP, from the probe port */
		ip6[7] = 64;
		ip6[8] = 0xfd;
		ip6[24] = 0xfd;
		ip6[39] = 2;
		l4 = l3 + 40;
		put16(buf + l4, T_PORT);
		put16(buf + l4 + 2, T_DPORT);
		buf[l4 + 12] = 5 << 4;
		buf[l4 + 13] = 0x12; /* SYN|ACK */
		end = l4 + 20;
		ip_len = 40;
		goto cut;
	}

	/* IPv4; a header claiming ihl < 5 still occupies 20 bytes */
	ip_len = ihl < 5 ? 20 : (size_t)ihl * 4;
	l4 = l3 + ip_len;
	if (proto == 6)
		l4_len = s->tcplen ? s->tcplen : (doff < 5 ? 20 : (size_t)doff * 4);
	else if (proto == 1 && (s->icmp_type == 3 || s->icmp_type == 11))
		l4_len = 8 + (q_len = (size_t)((s->q_vhl ? s->q_vhl : 0x45) & 0xf) * 4) + 8;
	else
		l4_len = 8;
	end = l4 + l4_len;

	buf[l3] = (__u8)((s->version ? s->version : 4) << 4 | (ihl & 0xf));
	put16(buf + l3 + 2, (__u16)(ip_len + l4_len));
	put16(buf + l3 + 4, 0x1234);
	put16(buf + l3 + 6, s->frag);
	buf[l3 + 8] = 64;
	buf[l3 + 9] = proto;
	put32(buf + l3 + 12, T_GW_ADDR);
	put32(buf + l3 + 16, s->daddr ? s->daddr : T_ADDR);
	memset(buf + l3 + 20, 1, ip_len - 20); /* options: NOPs, then EOL */
	if (ip_len > 20)
		buf[l3 + ip_len - 1] = 0;
	put16(buf + l3 + 10, csum_fold(csum_add(0, buf + l3, ip_len)));

	if (proto == 6) {
		put16(buf + l4, s->sport ? s->sport : T_PORT);
		put16(buf + l4 + 2, s->dport ? s->dport : T_DPORT);
		__u8 *opt = buf + l4 + 20;
		__u32 answered = nsp_magic_pass_raw(NSP_DEFAULT_MAGIC);

		put32(buf + l4 + 4, 0x10000000);
		put32(buf + l4 + 8, 0x20000001);
		buf[l4 + 12] = (__u8)(doff << 4);
		buf[l4 + 13] = 0x12; /* SYN|ACK */
		put16(buf + l4 + 14, 64240);
		if (l4_len > 20)
			memset(opt, 1, l4_len - 20);
		if (l4_len >= 32) {
			/* NOP, NOP, TS: the gateway's stack echoes MAGIC_PASS */
			opt[2] = NSP_TCPOPT_TIMESTAMP;
			opt[3] = NSP_TCPOLEN_TIMESTAMP;
			put32(opt + 4, 0x01020304);
			memcpy(opt + 8, &answered, 4);
		}
		/* checksum over the pseudo header and the segment */
		sum = csum_add(0, buf + l3 + 12, 8);
		sum += 6 + (__u32)l4_len;
		put16(buf + l4 + 16, csum_fold(csum_add(sum, buf + l4, l4_len)));
	} else if (proto == 1) {
		__u8 *q = buf + l4 + 8;

		buf[l4] = s->icmp_type;
		buf[l4 + 1] = s->icmp_type == 3 ? 1 : 0; /* host unreachable; TTL exceeded */
		if (q_len) {
			/* the probe as the router saw it: options NOPs, 8 bytes of TCP */
			q[0] = s->q_vhl ? s->q_vhl : 0x45;
			put16(q + 2, 52);
			put16(q + 6, 0x4000);
			q[8] = 1;
			q[9] = s->q_protocol ? s->q_protocol : 6;
			put32(q + 12, s->q_saddr ? s->q_saddr : T_ADDR);
			put32(q + 16, T_GW_ADDR);
			memset(q + 20, 1, q_len - 20);
			put16(q + 10, csum_fold(csum_add(0, q, q_len)));
			put16(q + q_len, s->q_sport ? s->q_sport : T_DPORT);
			put16(q + q_len + 2, s->q_dport ? s->q_dport : T_PORT);
			put32(q + q_len + 4, 0x20000000);
		}
		put16(buf + l4 + 2, csum_fold(csum_add(0, buf + l4, l4_len)));
	} else {
		put16(buf + l4, s->sport ? s->sport : T_PORT);
		put16(buf + l4 + 2, s->dport ? s->dport : T_DPORT);
		put16(buf + l4 + 4, 8);
	}

cut:
	switch (s->cut) {
	case CUT_NONE:
		cut = end;
		break;
	case CUT_IN_ETH:
		cut = 13;
		break;
	case CUT_AFTER_ETH:
		cut = 14;
		break;
	case CUT_IN_VLAN:
		cut = l3 - 4;
		break;
	case CUT_AFTER_VLAN:
		cut = l3;
		break;
	case CUT_IN_IP:
		cut = l3 + 10;
		break;
	case CUT_IN_IP_OPTIONS:
		cut = l3 + 22;
		break;
	case CUT_AFTER_IP:
		cut = l3 + ip_len;
		break;
	case CUT_IN_TCP:
		cut = l4 + 10;
		break;
	case CUT_IN_TCP_OPTIONS:
		cut = l4 + 24;
		break;
	case CUT_IN_ICMP:
		cut = l4 + 4;
		break;
	case CUT_IN_QUOTED_IP:
		cut = l4 + 8 + 10;
		break;
	case CUT_IN_QUOTED_TCP:
		cut = l4 + 8 + q_len + 6;
		break;
	default:
		cut = end;
		break;
	}
	if (cut < end)
		memset(buf + cut, 0, T_FRAME_MAX - cut);
	return cut < end ? cut : end;
}

#define MATCH NSP_CNT_REDIRECTED

/* clang-format off */
static const struct frame_case frame_cases[] = {
	{ "match plain", {}, MATCH },
	{ "match 802.1Q", { .vlans = 1 }, MATCH },
	{ "match QinQ 802.1ad+802.1Q", { .vlans = 2, .tpid = { ETH_P_8021AD, ETH_P_8021Q } }, MATCH },
	{ "match QinQ 802.1Q+802.1Q", { .vlans = 2 }, MATCH },
	{ "match DF set", { .frag = 0x4000 }, MATCH },
	{ "match IP options ihl 6", { .ihl = 6 }, MATCH },
	{ "match IP options ihl 15", { .ihl = 15 }, MATCH },
	{ "match doff 5 no TCP options", { .doff = 5 }, MATCH },
	{ "match doff 15", { .doff = 15 }, MATCH },
	{ "three VLAN tags", { .vlans = 3 }, NSP_CNT_PASS_NOT_IPV4 },
	{ "wrong source port 80", { .sport = 80 }, NSP_CNT_PASS_WRONG_PORT },
	{ "to port 10086 not from it", { .sport = 40000, .dport = T_PORT },
	  NSP_CNT_PASS_WRONG_PORT },
	{ "wrong dst IP", { .daddr = T_OTHER_IP }, NSP_CNT_PASS_WRONG_DST_IP },
	{ "wrong dst IP in 802.1Q", { .vlans = 1, .daddr = T_OTHER_IP }, NSP_CNT_PASS_WRONG_DST_IP },
	{ "wrong dst MAC", { .dmac = t_other_mac }, NSP_CNT_PASS_WRONG_DST_MAC },
	{ "broadcast dst MAC", { .dmac = t_bcast_mac }, NSP_CNT_PASS_WRONG_DST_MAC },
	{ "IPv6 TCP from 10086", { .kind = FK_IPV6 }, NSP_CNT_PASS_NOT_IPV4 },
	{ "IPv6 in 802.1Q", { .kind = FK_IPV6, .vlans = 1 }, NSP_CNT_PASS_NOT_IPV4 },
	{ "ARP request", { .kind = FK_ARP }, NSP_CNT_PASS_NOT_IPV4 },
	{ "ARP in QinQ", { .kind = FK_ARP, .vlans = 2 }, NSP_CNT_PASS_NOT_IPV4 },
	{ "fragment MF set", { .frag = 0x2000 }, NSP_CNT_PASS_FRAGMENT },
	{ "fragment offset 8", { .frag = 0x0001 }, NSP_CNT_PASS_FRAGMENT },
	{ "fragment last offset max", { .frag = 0x1fff }, NSP_CNT_PASS_FRAGMENT },
	{ "IP version 6 in IPv4 frame", { .version = 6 }, NSP_CNT_PASS_BAD_IP_HEADER },
	{ "ihl 4", { .ihl = 4 }, NSP_CNT_PASS_BAD_IP_HEADER },
	{ "ihl 1", { .ihl = 1 }, NSP_CNT_PASS_BAD_IP_HEADER },
	{ "UDP from 10086", { .protocol = 17 }, NSP_CNT_PASS_NOT_TCP },
	{ "GRE", { .protocol = 47 }, NSP_CNT_PASS_NOT_TCP },
	{ "reply to a node port 40000", { .dport = 40000 }, NSP_CNT_PASS_WRONG_DST_PORT },
	{ "reply to port 60999, below sport_min", { .dport = 60999 }, NSP_CNT_PASS_WRONG_DST_PORT },
	{ "reply to port 1", { .dport = 1 }, NSP_CNT_PASS_WRONG_DST_PORT },
	{ "match reply to sport_min", { .dport = T_SPORT_MIN }, MATCH },
	{ "match reply to sport_max", { .dport = T_SPORT_MAX }, MATCH },
	{ "node reply in 802.1Q", { .vlans = 1, .dport = 40000 }, NSP_CNT_PASS_WRONG_DST_PORT },
	{ "ICMP echo reply", { .protocol = 1 }, NSP_CNT_PASS_ICMP_NOT_PROBE },
	{ "match ICMP unreachable quoting a probe", { .protocol = 1, .icmp_type = 3 }, MATCH },
	{ "match ICMP time exceeded quoting a probe", { .protocol = 1, .icmp_type = 11 }, MATCH },
	{ "match ICMP unreachable in QinQ",
	  { .protocol = 1, .icmp_type = 3, .vlans = 2, .tpid = { ETH_P_8021AD, ETH_P_8021Q } }, MATCH },
	{ "match ICMP unreachable with IP options ihl 7", { .protocol = 1, .icmp_type = 3, .ihl = 7 },
	  MATCH },
	{ "match ICMP quoting sport_min", { .protocol = 1, .icmp_type = 3, .q_sport = T_SPORT_MIN },
	  MATCH },
	{ "match ICMP quoting sport_max", { .protocol = 1, .icmp_type = 11, .q_sport = T_SPORT_MAX },
	  MATCH },
	{ "ICMP redirect quoting a probe", { .protocol = 1, .icmp_type = 5 },
	  NSP_CNT_PASS_ICMP_NOT_PROBE },
	{ "ICMP quoting a node port 40000", { .protocol = 1, .icmp_type = 3, .q_sport = 40000 },
	  NSP_CNT_PASS_ICMP_NOT_PROBE },
	{ "ICMP quoting port 60999", { .protocol = 1, .icmp_type = 3, .q_sport = 60999 },
	  NSP_CNT_PASS_ICMP_NOT_PROBE },
	{ "ICMP quoting another dst port", { .protocol = 1, .icmp_type = 3, .q_dport = 80 },
	  NSP_CNT_PASS_ICMP_NOT_PROBE },
	{ "ICMP quoting another source address", { .protocol = 1, .icmp_type = 3, .q_saddr = T_OTHER_IP },
	  NSP_CNT_PASS_ICMP_NOT_PROBE },
	{ "ICMP quoting UDP", { .protocol = 1, .icmp_type = 3, .q_protocol = 17 },
	  NSP_CNT_PASS_ICMP_NOT_PROBE },
	{ "ICMP quoting IP options", { .protocol = 1, .icmp_type = 3, .q_vhl = 0x46 },
	  NSP_CNT_PASS_ICMP_NOT_PROBE },
	{ "ICMP quoting IPv6 version", { .protocol = 1, .icmp_type = 3, .q_vhl = 0x65 },
	  NSP_CNT_PASS_ICMP_NOT_PROBE },
	{ "ICMP error to another address", { .protocol = 1, .icmp_type = 3, .daddr = T_OTHER_IP },
	  NSP_CNT_PASS_WRONG_DST_IP },
	{ "ICMP error to another MAC", { .protocol = 1, .icmp_type = 3, .dmac = t_other_mac },
	  NSP_CNT_PASS_WRONG_DST_MAC },
	{ "ICMP error fragment", { .protocol = 1, .icmp_type = 3, .frag = 0x2000 },
	  NSP_CNT_PASS_FRAGMENT },
	{ "truncated in ICMP header", { .protocol = 1, .icmp_type = 3, .cut = CUT_IN_ICMP },
	  NSP_CNT_PASS_TRUNCATED },
	{ "truncated in quoted IP header", { .protocol = 1, .icmp_type = 3, .cut = CUT_IN_QUOTED_IP },
	  NSP_CNT_PASS_TRUNCATED },
	{ "truncated in quoted TCP", { .protocol = 1, .icmp_type = 11, .cut = CUT_IN_QUOTED_TCP },
	  NSP_CNT_PASS_TRUNCATED },
	{ "doff 4", { .doff = 4 }, NSP_CNT_PASS_BAD_TCP_HEADER },
	{ "doff 1", { .doff = 1 }, NSP_CNT_PASS_BAD_TCP_HEADER },
	{ "doff 15 past the end", { .doff = 15, .tcplen = 32 }, NSP_CNT_PASS_TRUNCATED },
	{ "doff 6 past the end", { .doff = 6, .tcplen = 20 }, NSP_CNT_PASS_TRUNCATED },
	{ "truncated in Ethernet (13 bytes)", { .cut = CUT_IN_ETH }, NSP_CNT_PASS_TRUNCATED },
	{ "truncated after Ethernet", { .cut = CUT_AFTER_ETH }, NSP_CNT_PASS_TRUNCATED },
	{ "truncated in 802.1Q tag", { .vlans = 1, .cut = CUT_IN_VLAN }, NSP_CNT_PASS_TRUNCATED },
	{ "truncated in inner QinQ tag", { .vlans = 2, .cut = CUT_IN_VLAN }, NSP_CNT_PASS_TRUNCATED },
	{ "truncated after VLAN tags", { .vlans = 2, .cut = CUT_AFTER_VLAN },
	  NSP_CNT_PASS_TRUNCATED },
	{ "truncated in IP header", { .cut = CUT_IN_IP }, NSP_CNT_PASS_TRUNCATED },
	{ "truncated in IP header 802.1Q", { .vlans = 1, .cut = CUT_IN_IP }, NSP_CNT_PASS_TRUNCATED },
	{ "truncated in IP options", { .ihl = 6, .cut = CUT_IN_IP_OPTIONS }, NSP_CNT_PASS_TRUNCATED },
	{ "truncated after IP header", { .cut = CUT_AFTER_IP }, NSP_CNT_PASS_TRUNCATED },
	{ "truncated in TCP header", { .cut = CUT_IN_TCP }, NSP_CNT_PASS_TRUNCATED },
	{ "truncated in TCP header QinQ", { .vlans = 2, .cut = CUT_IN_TCP }, NSP_CNT_PASS_TRUNCATED },
	{ "truncated in TCP options", { .cut = CUT_IN_TCP_OPTIONS }, NSP_CNT_PASS_TRUNCATED },
};
/* clang-format on */

#define N_FRAME_CASES (sizeof(frame_cases) / sizeof(frame_cases[0]))

/*
 * What the send side does with frame s built len bytes long, from the spec
 * alone: IPv4 behind at most two 802.1Q/802.1ad tags, its ethertype inside
 * the frame, is sent (1); anything else is dropped (0).
 */
static inline int tx_sends(const struct frame_spec *s, size_t len)
{
	int i;

	if (s->kind != FK_IPV4 || s->vlans > 2 || len < (size_t)(ETH_HLEN + 4 * s->vlans))
		return 0;
	for (i = 0; i < s->vlans; i++)
		if (s->tpid[i] && s->tpid[i] != ETH_P_8021Q && s->tpid[i] != ETH_P_8021AD)
			return 0;
	return 1;
}

#endif /* NSPING_TEST_FRAMES_H */
