// SPDX-License-Identifier: GPL-2.0-only
/*
 * The test gateway's program (gw_magic.bpf.c) under BPF_PROG_RUN, over
 * frames built here byte by byte.  Table-driven: every case names a frame
 * and what the program must do with it:
 *
 *   REWRITE      TC_ACT_REDIRECT; the frame differs from the input only in
 *                TSval, which is the gateway's decrement, and in the TCP
 *                checksum, which the test verifies from scratch; then the
 *                output goes through the program again (the recirculation)
 *                and must come out as MAGIC_PASS;
 *   MAGIC_PASS   TC_ACT_OK, untouched, counted as magic_pass;
 *   UNTOUCHED    TC_ACT_OK, untouched, counted as other_passed;
 *   REFUSED      BPF_PROG_RUN itself rejects the frame (EINVAL): shorter
 *                than an Ethernet header, or an IPv4 ethertype without room
 *                for an IPv4 header.
 *
 * Every case also checks that exactly one counter moved by exactly one.
 * gw_find_tsval() (gw_magic.h) is also tested directly in user space.
 *
 * Needs root (it loads BPF programs).  It first moves itself into a new,
 * unnamed network namespace, so nothing it does can reach the namespace it
 * was started in; the namespace goes away with the process.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "nsping_magic.h"
#include "gw_magic.h"
#include "gw_magic.skel.h"

#define T_FRAME_MAX    256
#define T_SRC_IP       0x0a620002U /* 10.98.0.2, the prober */
#define T_DST_IP       0x0a620001U /* 10.98.0.1, the gateway */
#define T_SPORT	       40000
#define T_BORROW_PORT  7
#define T_BORROW_MAGIC 0x00000001U /* wire 00 00 00 01 -> FF FF FF 00 */
#define T_OTHER_TSVAL  0x01020304U /* neither MAGIC nor MAGIC_PASS */

#define TCPF_FIN 0x01
#define TCPF_SYN 0x02
#define TCPF_RST 0x04
#define TCPF_ACK 0x10

static const __u8 t_gw_mac[6] = {0x02, 0x6e, 0x73, 0x67, 0x00, 0x01};
static const __u8 t_prober_mac[6] = {0x02, 0x6e, 0x73, 0x67, 0x00, 0x02};

enum expect { REWRITE = 0, MAGIC_PASS, UNTOUCHED, REFUSED };
enum instance { INST_DEFAULT = 0, INST_BORROW, INST_MAX };
enum frame_kind { FK_IPV4 = 0, FK_VLAN_IPV4, FK_IPV6, FK_ARP, FK_EXPERIMENTAL_IPV4 };

#define T_ETH_P_EXPERIMENTAL 0x88b5 /* IEEE local experimental */
enum tsval_kind { TS_MAGIC = 0, TS_PASS, TS_OTHER, TS_NETORDER_DECREMENT };

/* Where to end the frame; offsets follow the frame's own layout. */
enum frame_cut {
	CUT_NONE = 0,
	CUT_IN_ETH,	   /* 13 bytes */
	CUT_AFTER_ETH,	   /* the Ethernet header only */
	CUT_IN_IP,	   /* 10 bytes into the IPv4 header */
	CUT_IN_IP_OPTIONS, /* 2 bytes into the IPv4 options (ihl 6) */
	CUT_AFTER_IP,	   /* right after the IPv4 header */
	CUT_IN_TCP,	   /* 10 bytes into the TCP header */
	CUT_AFTER_TCP,	   /* the fixed TCP header, no options */
	CUT_IN_TSVAL,	   /* 2 bytes into TSval */
	CUT_AFTER_TS,	   /* right after the timestamps option, before the rest */
};

struct opts {
	__u8 b[GW_TCP_MAX_OPTIONS_LEN];
	__u8 len;
};

/* clang-format off */
#define OPTS(...) {.b = {__VA_ARGS__}, .len = sizeof((__u8[]){__VA_ARGS__})}
/* clang-format on */
/* The timestamps option with zero TSval and TSecr; ts_at points at TSval. */
#define TS_OPT	 NSP_TCPOPT_TIMESTAMP, NSP_TCPOLEN_TIMESTAMP, 0, 0, 0, 0, 0, 0, 0, 0
#define MSS_OPT	 2, 4, 0x05, 0xb4
#define SACKP	 4, 2
#define NOP	 1
#define WS_OPT	 3, 3, 7
#define NOPS5	 NOP, NOP, NOP, NOP, NOP
#define NOPS10	 NOPS5, NOPS5
#define NOPS30	 NOPS10, NOPS10, NOPS10
#define NO_TS	 (-1)
#define TSVAL_AT 2 /* TSval's offset in the timestamps option */

/* Zero means "as in a real probe": IPv4, 4/5, TCP, SYN, the instance's port. */
struct gw_case {
	const char *name;
	enum expect expect;
	enum instance inst;
	enum frame_kind kind;
	__u8 version, ihl;
	__u16 frag; /* flags and fragment offset, host order */
	__u8 protocol;
	__u16 dport;
	__u8 flags;
	struct opts opts;
	int ts_at; /* TSval's offset in opts; NO_TS: none to fill */
	enum tsval_kind tsval;
	int tot_len_delta; /* added to the IPv4 total length */
	int payload_tsval; /* append 8 payload bytes starting with the TSval */
	enum frame_cut cut;
};

/* The common option layouts of a probe. */
#define LINUX_OPTS  .opts = OPTS(MSS_OPT, SACKP, TS_OPT, NOP, WS_OPT), .ts_at = 6 + TSVAL_AT
#define NOPNOP_OPTS .opts = OPTS(NOP, NOP, TS_OPT), .ts_at = 2 + TSVAL_AT
#define ODD_OPTS    .opts = OPTS(MSS_OPT, NOP, TS_OPT, NOP), .ts_at = 5 + TSVAL_AT

static const struct gw_case cases[] = {
	/* probes: rewritten and recirculated */
	{"probe, Linux option layout", REWRITE, LINUX_OPTS},
	{"probe, NOP NOP TS", REWRITE, NOPNOP_OPTS},
	{"probe, TSval at an odd offset (MSS NOP TS NOP)", REWRITE, ODD_OPTS},
	{"probe, TS after SACK_PERM NOP NOP MSS", REWRITE,
	 .opts = OPTS(SACKP, NOP, NOP, MSS_OPT, TS_OPT, NOP, NOP), .ts_at = 8 + TSVAL_AT},
	{"probe, TS after an unknown option", REWRITE,
	 .opts = OPTS(30, 4, 0xaa, 0xbb, TS_OPT, NOP, NOP), .ts_at = 4 + TSVAL_AT},
	{"probe, TS last in 40 bytes of options", REWRITE, .opts = OPTS(NOPS30, TS_OPT),
	 .ts_at = 30 + TSVAL_AT},
	{"probe, IPv4 header with options (ihl 6)", REWRITE, LINUX_OPTS, .ihl = 6},
	{"probe, DF set", REWRITE, LINUX_OPTS, .frag = 0x4000},
	{"probe with payload", REWRITE, NOPNOP_OPTS, .payload_tsval = 1},
	{"probe, MAGIC 1: borrow to FF FF FF 00", REWRITE, LINUX_OPTS, .inst = INST_BORROW},
	{"probe, MAGIC 1 at an odd offset", REWRITE, ODD_OPTS, .inst = INST_BORROW},

	/* MAGIC_PASS: to the stack */
	{"MAGIC_PASS, Linux option layout", MAGIC_PASS, LINUX_OPTS, .tsval = TS_PASS},
	{"MAGIC_PASS, odd offset", MAGIC_PASS, ODD_OPTS, .tsval = TS_PASS},
	{"MAGIC_PASS, MAGIC 1 (FF FF FF 00)", MAGIC_PASS, LINUX_OPTS, .inst = INST_BORROW,
	 .tsval = TS_PASS},

	/* not probes: untouched */
	{"other TSval", UNTOUCHED, LINUX_OPTS, .tsval = TS_OTHER},
	{"ntohl(MAGIC) - 1 on the wire (4E 53 50 46) is not MAGIC_PASS", UNTOUCHED, LINUX_OPTS,
	 .tsval = TS_NETORDER_DECREMENT},
	{"MAGIC 1 probe to the default instance", UNTOUCHED, LINUX_OPTS, .dport = T_BORROW_PORT},
	{"default MAGIC to the MAGIC 1 instance", UNTOUCHED, LINUX_OPTS, .inst = INST_BORROW,
	 .dport = T_BORROW_PORT, .tsval = TS_OTHER},
	{"other port", UNTOUCHED, LINUX_OPTS, .dport = 80},
	{"not a SYN (ACK)", UNTOUCHED, LINUX_OPTS, .flags = TCPF_ACK},
	{"SYN+ACK", UNTOUCHED, LINUX_OPTS, .flags = TCPF_SYN | TCPF_ACK},
	{"FIN only", UNTOUCHED, LINUX_OPTS, .flags = TCPF_FIN},
	{"SYN+RST", REWRITE, LINUX_OPTS, .flags = TCPF_SYN | TCPF_RST},
	{"no options (doff 5)", UNTOUCHED, .opts = {.len = 0}, .ts_at = NO_TS},
	{"no TS option", UNTOUCHED, .opts = OPTS(MSS_OPT, SACKP, NOP, NOP), .ts_at = NO_TS},
	{"40 NOPs", UNTOUCHED, .opts = OPTS(NOPS30, NOPS10), .ts_at = NO_TS},
	{"TS after EOL", UNTOUCHED, .opts = OPTS(0, NOP, TS_OPT, NOP, NOP, NOP, NOP),
	 .ts_at = 2 + TSVAL_AT},
	{"TS after EOL and a byte that reads as a length", UNTOUCHED,
	 .opts = OPTS(0, 2, TS_OPT, NOP, NOP, NOP, NOP), .ts_at = 2 + TSVAL_AT},
	{"option length 0 before TS", UNTOUCHED, .opts = OPTS(MSS_OPT, 2, 0, TS_OPT),
	 .ts_at = 6 + TSVAL_AT},
	{"option length 1 before TS", UNTOUCHED, .opts = OPTS(MSS_OPT, 2, 1, TS_OPT),
	 .ts_at = 6 + TSVAL_AT},
	{"option length past the end before TS", UNTOUCHED,
	 .opts = OPTS(2, 44, 0x05, 0xb4, TS_OPT, 1, 1), .ts_at = 4 + TSVAL_AT},
	{"option without its length byte", UNTOUCHED, .opts = OPTS(NOPS5, NOP, NOP, 2),
	 .ts_at = NO_TS},
	{"TS with length 8", UNTOUCHED, .opts = OPTS(NOP, NOP, 8, 8, 0, 0, 0, 0, 0, 0, NOP, NOP),
	 .ts_at = 2 + TSVAL_AT},
	{"TS with length 12", UNTOUCHED,
	 .opts = OPTS(8, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, NOP, NOP, NOP, NOP), .ts_at = TSVAL_AT},
	{"TS option cut by doff, MAGIC in the payload", UNTOUCHED, .opts = OPTS(NOPS5, NOP, 8, 10),
	 .ts_at = NO_TS, .payload_tsval = 1},
	{"IPv4 total length shorter than the headers", UNTOUCHED, LINUX_OPTS, .tot_len_delta = -20},
	{"IPv4 total length shorter by 1", UNTOUCHED, LINUX_OPTS, .tot_len_delta = -1},
	{"UDP", UNTOUCHED, LINUX_OPTS, .protocol = 17},
	{"IP version 6 in an IPv4 ethertype", UNTOUCHED, LINUX_OPTS, .version = 6},
	{"ihl 4", UNTOUCHED, LINUX_OPTS, .ihl = 4},
	{"fragment: MF", UNTOUCHED, LINUX_OPTS, .frag = 0x2000},
	{"fragment: offset 8", UNTOUCHED, LINUX_OPTS, .frag = 0x0001},
	{"IPv6 SYN with MAGIC", UNTOUCHED, LINUX_OPTS, .kind = FK_IPV6},
	{"802.1Q-tagged probe", UNTOUCHED, LINUX_OPTS, .kind = FK_VLAN_IPV4},
	{"probe bytes behind ethertype 0x88B5", UNTOUCHED, LINUX_OPTS,
	 .kind = FK_EXPERIMENTAL_IPV4},
	{"ARP request", UNTOUCHED, .kind = FK_ARP, .ts_at = NO_TS},

	/* truncated probes, at each header boundary */
	{"cut in the Ethernet header", REFUSED, LINUX_OPTS, .cut = CUT_IN_ETH},
	{"cut after the Ethernet header", REFUSED, LINUX_OPTS, .cut = CUT_AFTER_ETH},
	{"cut in the IPv4 header", REFUSED, LINUX_OPTS, .cut = CUT_IN_IP},
	{"cut in the IPv4 options", UNTOUCHED, LINUX_OPTS, .ihl = 6, .cut = CUT_IN_IP_OPTIONS},
	{"cut after the IPv4 header", UNTOUCHED, LINUX_OPTS, .cut = CUT_AFTER_IP},
	{"cut in the TCP header", UNTOUCHED, LINUX_OPTS, .cut = CUT_IN_TCP},
	{"cut after the TCP header", UNTOUCHED, LINUX_OPTS, .cut = CUT_AFTER_TCP},
	{"cut in TSval", UNTOUCHED, LINUX_OPTS, .cut = CUT_IN_TSVAL},
	{"cut after the TS option", UNTOUCHED, LINUX_OPTS, .cut = CUT_AFTER_TS},
};

static struct {
	struct gw_magic_bpf *skel[INST_MAX];
	__u16 port[INST_MAX];
	__u32 magic[INST_MAX];
	int ncpus;
} env;

/* ---- frames ---------------------------------------------------------- */

static void put16(__u8 *p, __u16 v)
{
	p[0] = (__u8)(v >> 8);
	p[1] = (__u8)v;
}

static void put32(__u8 *p, __u32 v)
{
	put16(p, (__u16)(v >> 16));
	put16(p + 2, (__u16)v);
}

static __u16 get16(const __u8 *p)
{
	return (__u16)(p[0] << 8 | p[1]);
}

/* One's complement sum of big-endian 16-bit words, not folded. */
static __u32 sum16(const __u8 *p, size_t n, __u32 sum)
{
	size_t i;

	for (i = 0; i + 1 < n; i += 2)
		sum += get16(p + i);
	if (n & 1)
		sum += (__u32)p[n - 1] << 8;
	return sum;
}

static __u16 fold(__u32 sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (__u16)sum;
}

/* The TCP segment's sum with its pseudo header, from scratch (RFC 793). */
static __u16 tcp_sum(const __u8 *ip, const __u8 *seg, size_t seg_len)
{
	__u32 sum = sum16(ip + 12, 8, 0); /* saddr, daddr */

	sum += 6 + (__u32)seg_len; /* zero, protocol, TCP length */
	return fold(sum16(seg, seg_len, sum));
}

static __u32 tsval_raw(const struct gw_case *c)
{
	__u32 magic = env.magic[c->inst];

	switch (c->tsval) {
	case TS_MAGIC:
		return nsp_magic_raw(magic);
	case TS_PASS:
		return nsp_magic_pass_raw(magic);
	case TS_NETORDER_DECREMENT:
		return nsp_htonl(magic - 1);
	default:
		return nsp_htonl(T_OTHER_TSVAL);
	}
}

/* Offsets of the layers in a built frame. */
struct layout {
	size_t l3, l4, opts, len;
};

static size_t put_eth(__u8 *f, __u16 ethertype, int vlan)
{
	memcpy(f, t_gw_mac, 6);
	memcpy(f + 6, t_prober_mac, 6);
	if (!vlan) {
		put16(f + 12, ethertype);
		return ETH_HLEN;
	}
	put16(f + 12, ETH_P_8021Q);
	put16(f + 14, 42); /* VID */
	put16(f + 16, ethertype);
	return ETH_HLEN + 4;
}

/* An ARP request: who has 10.98.0.1, tell 10.98.0.2. */
static size_t put_arp(__u8 *f)
{
	memset(f, 0, 28);
	put16(f, 1); /* hardware: Ethernet */
	put16(f + 2, ETH_P_IP);
	f[4] = 6;	 /* hardware address length */
	f[5] = 4;	 /* protocol address length */
	put16(f + 6, 1); /* request */
	memcpy(f + 8, t_prober_mac, 6);
	put32(f + 14, T_SRC_IP);
	put32(f + 24, T_DST_IP);
	return 28;
}

/* The TCP header and options at seg; returns the header length. */
static size_t put_tcp(__u8 *seg, const struct gw_case *c)
{
	size_t hlen = 20 + c->opts.len;
	__u32 raw;

	memset(seg, 0, hlen);
	put16(seg, T_SPORT);
	put16(seg + 2, c->dport ? c->dport : env.port[c->inst]);
	put32(seg + 4, 0x12345678);
	seg[12] = (__u8)((hlen / 4) << 4);
	seg[13] = c->flags ? c->flags : TCPF_SYN;
	put16(seg + 14, 64240);
	memcpy(seg + 20, c->opts.b, c->opts.len);
	if (c->ts_at != NO_TS) {
		raw = tsval_raw(c);
		memcpy(seg + 20 + c->ts_at, &raw, sizeof(raw));
	}
	return hlen;
}

static size_t put_payload(__u8 *p, const struct gw_case *c)
{
	__u32 raw = tsval_raw(c);

	if (!c->payload_tsval)
		return 0;
	memset(p, 0, 8);
	memcpy(p, &raw, sizeof(raw));
	return 8;
}

static void put_ipv4(__u8 *ip, const struct gw_case *c, size_t ihl_len, size_t seg_len)
{
	__u8 version = c->version ? c->version : 4;

	memset(ip, 0, ihl_len);
	ip[0] = (__u8)(version << 4 | (c->ihl ? c->ihl : 5));
	put16(ip + 2, (__u16)((int)(ihl_len + seg_len) + c->tot_len_delta));
	put16(ip + 4, 0x1234);
	put16(ip + 6, c->frag);
	ip[8] = 64;
	ip[9] = c->protocol ? c->protocol : 6;
	put32(ip + 12, T_SRC_IP);
	put32(ip + 16, T_DST_IP);
	if (ihl_len > 20)
		memset(ip + 20, 1, ihl_len - 20); /* IP options: NOPs */
	put16(ip + 10, (__u16)~fold(sum16(ip, ihl_len, 0)));
}

static void put_ipv6(__u8 *ip, size_t seg_len)
{
	memset(ip, 0, 40);
	ip[0] = 0x60;
	put16(ip + 4, (__u16)seg_len);
	ip[6] = 6;
	ip[7] = 64;
	ip[8] = 0xfd; /* fd00::2 -> fd00::1 */
	ip[23] = 2;
	ip[24] = 0xfd;
	ip[39] = 1;
}

/* The frame's length after the cut; full: its length uncut. */
static size_t cut_at(const struct gw_case *c, const struct layout *l, size_t full)
{
	switch (c->cut) {
	case CUT_IN_ETH:
		return ETH_HLEN - 1;
	case CUT_AFTER_ETH:
		return l->l3;
	case CUT_IN_IP:
		return l->l3 + 10;
	case CUT_IN_IP_OPTIONS:
		return l->l3 + 22;
	case CUT_AFTER_IP:
		return l->l4;
	case CUT_IN_TCP:
		return l->l4 + 10;
	case CUT_AFTER_TCP:
		return l->opts;
	case CUT_IN_TSVAL:
		return l->opts + (size_t)c->ts_at + 2;
	case CUT_AFTER_TS:
		return l->opts + (size_t)c->ts_at - TSVAL_AT + NSP_TCPOLEN_TIMESTAMP;
	default:
		return full;
	}
}

static __u16 ethertype_of(enum frame_kind kind)
{
	switch (kind) {
	case FK_IPV6:
		return ETH_P_IPV6;
	case FK_ARP:
		return ETH_P_ARP;
	case FK_EXPERIMENTAL_IPV4:
		return T_ETH_P_EXPERIMENTAL;
	default:
		return ETH_P_IP;
	}
}

/* Writes the frame of case c; the TCP checksum is right unless the frame is cut. */
static struct layout build_frame(const struct gw_case *c, __u8 *f)
{
	size_t ihl_len = (size_t)(c->ihl ? c->ihl : 5) * 4, seg_len;
	struct layout l = {};
	__u8 *seg;

	memset(f, 0, T_FRAME_MAX);
	assert_int_equal(c->opts.len % 4, 0);
	if (c->kind == FK_ARP) {
		l.l3 = put_eth(f, ethertype_of(c->kind), 0);
		l.len = l.l3 + put_arp(f + l.l3);
		return l;
	}
	l.l3 = put_eth(f, ethertype_of(c->kind), c->kind == FK_VLAN_IPV4);
	if (c->kind == FK_IPV6)
		ihl_len = 40;
	l.l4 = l.l3 + ihl_len;
	l.opts = l.l4 + 20;
	seg = f + l.l4;
	seg_len = put_tcp(seg, c);
	seg_len += put_payload(seg + seg_len, c);
	if (c->kind == FK_IPV6) {
		put_ipv6(f + l.l3, seg_len);
		put16(seg + 16, (__u16)~fold(sum16(f + l.l3 + 8, 32, 6 + (__u32)seg_len) +
					     sum16(seg, seg_len, 0)));
	} else {
		put_ipv4(f + l.l3, c, ihl_len, seg_len);
		put16(seg + 16, (__u16)~tcp_sum(f + l.l3, seg, seg_len));
	}
	l.len = cut_at(c, &l, l.l4 + seg_len);
	return l;
}

/* ---- the program ------------------------------------------------------ */

static void read_counters(enum instance inst, __u64 out[GW_CNT_MAX])
{
	int fd = bpf_map__fd(env.skel[inst]->maps.gw_counters);
	__u64 *vals = calloc((size_t)env.ncpus, sizeof(*vals));
	__u32 key;
	int cpu;

	assert_non_null(vals);
	for (key = 0; key < GW_CNT_MAX; key++) {
		assert_int_equal(bpf_map_lookup_elem(fd, &key, vals), 0);
		out[key] = 0;
		for (cpu = 0; cpu < env.ncpus; cpu++)
			out[key] += vals[cpu];
	}
	free(vals);
}

struct run {
	int err;
	__u32 retval;
	__u32 out_len;
	__u8 out[T_FRAME_MAX + 64];
	__u64 moved[GW_CNT_MAX]; /* counters after minus before */
};

static void run_prog(enum instance inst, const __u8 *f, size_t len, struct run *r)
{
	int prog_fd = bpf_program__fd(env.skel[inst]->progs.gw_magic_tc);
	__u64 before[GW_CNT_MAX], after[GW_CNT_MAX];
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = f, .data_size_in = (__u32)len,
		    .data_out = r->out, .data_size_out = sizeof(r->out), .repeat = 1);
	int i;

	memset(r->out, 0, sizeof(r->out));
	read_counters(inst, before);
	r->err = bpf_prog_test_run_opts(prog_fd, &opts);
	if (r->err)
		r->err = -errno;
	read_counters(inst, after);
	r->retval = opts.retval;
	r->out_len = opts.data_size_out;
	for (i = 0; i < GW_CNT_MAX; i++)
		r->moved[i] = after[i] - before[i];
}

/* Exactly one run, counted in slot 'want' and nowhere else. */
static void assert_counted(const char *name, const struct run *r, int want)
{
	int i;

	for (i = 0; i < GW_CNT_MAX; i++) {
		__u64 expected = i == want ? 1 : 0;

		if (r->moved[i] != expected)
			fail_msg("%s: counter %s moved by %llu, want %llu", name,
				 gw_counter_name(i), (unsigned long long)r->moved[i],
				 (unsigned long long)expected);
	}
}

static void assert_untouched(const char *name, const struct run *r, const __u8 *f, size_t len)
{
	assert_int_equal(r->out_len, len);
	if (memcmp(r->out, f, len))
		fail_msg("%s: the program changed the frame", name);
}

/* ---- the cases ------------------------------------------------------- */

static void check_passed(const struct gw_case *c, const __u8 *f, size_t len, int counter)
{
	struct run r;

	run_prog(c->inst, f, len, &r);
	assert_int_equal(r.err, 0);
	assert_int_equal(r.retval, TC_ACT_OK);
	assert_untouched(c->name, &r, f, len);
	assert_counted(c->name, &r, counter);
}

/*
 * The rewritten frame: equal to the input but for TSval, which must hold
 * the gateway's decrement, and the checksum, which must verify.  For the
 * default MAGIC the wire bytes are spelled out: the decrement lands on the
 * first byte (the trap in nsping_magic.h).
 */
static void check_rewritten(const struct gw_case *c, const __u8 *f, const struct layout *l,
			    const struct run *r)
{
	static const __u8 default_pass_wire[4] = {0x4d, 0x53, 0x50, 0x47};
	size_t ts_off = l->opts + (size_t)c->ts_at, seg_len = l->len - l->l4;
	__u32 old_raw, new_raw, want_raw = nsp_magic_pass_raw(env.magic[c->inst]);
	__u8 want[T_FRAME_MAX];
	__u16 old_csum, new_csum;

	assert_int_equal(r->out_len, l->len);
	memcpy(&old_raw, f + ts_off, 4);
	memcpy(&new_raw, r->out + ts_off, 4);
	assert_int_equal(new_raw, want_raw);
	assert_int_equal(new_raw, nsp_magic_gw_decrement(old_raw));
	if (c->inst == INST_DEFAULT)
		assert_memory_equal(r->out + ts_off, default_pass_wire, 4);

	/* everything else as sent, the checksum field aside */
	memcpy(want, f, l->len);
	memcpy(want + ts_off, &new_raw, 4);
	memcpy(want + l->l4 + 16, r->out + l->l4 + 16, 2);
	if (memcmp(want, r->out, l->len))
		fail_msg("%s: bytes other than TSval and the checksum changed", c->name);

	/* the checksum, from scratch over pseudo header and segment */
	if (tcp_sum(r->out + l->l3, r->out + l->l4, seg_len) != 0xffff)
		fail_msg("%s: TCP checksum of the rewritten frame does not verify", c->name);

	/* and it is the shared header's incremental update, at an even offset */
	if (!(c->ts_at & 1)) {
		memcpy(&old_csum, f + l->l4 + 16, 2);
		memcpy(&new_csum, r->out + l->l4 + 16, 2);
		assert_int_equal(new_csum, nsp_csum_replace_raw32(old_csum, old_raw, new_raw));
	}
}

static void check_probe(const struct gw_case *c, const __u8 *f, const struct layout *l)
{
	struct run r, again;

	run_prog(c->inst, f, l->len, &r);
	assert_int_equal(r.err, 0);
	assert_int_equal(r.retval, TC_ACT_REDIRECT);
	assert_counted(c->name, &r, GW_CNT_PROBE_DECREMENTED);
	check_rewritten(c, f, l, &r);

	/* the recirculated frame comes through once more: to the stack */
	run_prog(c->inst, r.out, r.out_len, &again);
	assert_int_equal(again.err, 0);
	assert_int_equal(again.retval, TC_ACT_OK);
	assert_untouched(c->name, &again, r.out, r.out_len);
	assert_counted(c->name, &again, GW_CNT_MAGIC_PASS);
}

static void check_refused(const struct gw_case *c, const __u8 *f, size_t len)
{
	struct run r;

	run_prog(c->inst, f, len, &r);
	assert_int_equal(r.err, -EINVAL);
	assert_counted(c->name, &r, -1);
}

/* The builder's own frames verify, so a failure below is the program's. */
static void check_built(const struct gw_case *c, const __u8 *f, const struct layout *l)
{
	if (c->kind != FK_IPV4 || c->cut || c->tot_len_delta || c->version)
		return;
	if (tcp_sum(f + l->l3, f + l->l4, l->len - l->l4) != 0xffff)
		fail_msg("%s: the test built a frame with a bad checksum", c->name);
}

static void test_case(void **state)
{
	const struct gw_case *c = *state;
	__u8 f[T_FRAME_MAX];
	struct layout l = build_frame(c, f);

	check_built(c, f, &l);
	switch (c->expect) {
	case REWRITE:
		check_probe(c, f, &l);
		break;
	case MAGIC_PASS:
		check_passed(c, f, l.len, GW_CNT_MAGIC_PASS);
		break;
	case UNTOUCHED:
		check_passed(c, f, l.len, GW_CNT_OTHER_PASSED);
		break;
	case REFUSED:
		check_refused(c, f, l.len);
		break;
	}
}

/* ---- gw_find_tsval() in user space ----------------------------------- */

struct walk_case {
	struct opts opts;
	int want;
};

static void test_find_tsval(void **state)
{
	static const struct walk_case walks[] = {
		{{.len = 0}, -1},
		{OPTS(TS_OPT, NOP, NOP), 2},
		{OPTS(NOP, NOP, TS_OPT), 4},
		{OPTS(MSS_OPT, SACKP, TS_OPT, NOP, WS_OPT), 8},
		{OPTS(MSS_OPT, NOP, TS_OPT, NOP), 7},
		{OPTS(NOPS30, TS_OPT), 32},
		{OPTS(NOPS30, NOPS10), -1},
		{OPTS(0, NOP, TS_OPT, NOP), -1},
		{OPTS(0, 2, TS_OPT, NOP), -1},
		{OPTS(2, 0, TS_OPT, NOP, NOP), -1},
		{OPTS(2, 1, TS_OPT, NOP, NOP), -1},
		{OPTS(2, 13, TS_OPT, NOP, NOP), -1},
		{OPTS(NOP, NOP, 8, 8, 0, 0, 0, 0, 0, 0), -1},
		{OPTS(NOPS5, NOP, 8, 10), -1},
		{OPTS(NOPS5, NOP, NOP, 8), -1},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(walks) / sizeof(walks[0]); i++) {
		int got = gw_find_tsval(walks[i].opts.b, walks[i].opts.len);

		if (got != walks[i].want)
			fail_msg("walk %zu: gw_find_tsval() = %d, want %d", i, got, walks[i].want);
	}
	/* a shorter len hides the rest of the buffer */
	{
		static const struct opts o = OPTS(NOP, NOP, TS_OPT);

		assert_int_equal(gw_find_tsval(o.b, 11), -1);
		assert_int_equal(gw_find_tsval(o.b, 12), 4);
	}
}

/* The MAGIC arithmetic the cases rely on, spelled out in wire bytes. */
static void test_magic_bytes(void **state)
{
	static const __u8 pass_default[4] = {0x4d, 0x53, 0x50, 0x47};
	static const __u8 pass_borrow[4] = {0xff, 0xff, 0xff, 0x00};
	__u32 raw;

	(void)state;
	raw = nsp_magic_pass_raw(NSP_DEFAULT_MAGIC);
	assert_memory_equal(&raw, pass_default, 4);
	raw = nsp_magic_pass_raw(T_BORROW_MAGIC);
	assert_memory_equal(&raw, pass_borrow, 4);
}

/* ---- setup ------------------------------------------------------------ */

static struct gw_magic_bpf *load(__u16 port, __u32 magic)
{
	struct gw_magic_bpf *skel = gw_magic_bpf__open();

	if (!skel)
		return NULL;
	skel->rodata->probe_port = port;
	skel->rodata->probe_magic = magic;
	if (gw_magic_bpf__load(skel)) {
		gw_magic_bpf__destroy(skel);
		return NULL;
	}
	return skel;
}

static int setup(void **state)
{
	(void)state;
	env.ncpus = libbpf_num_possible_cpus();
	env.port[INST_DEFAULT] = NSP_DEFAULT_PORT;
	env.magic[INST_DEFAULT] = NSP_DEFAULT_MAGIC;
	env.port[INST_BORROW] = T_BORROW_PORT;
	env.magic[INST_BORROW] = T_BORROW_MAGIC;
	env.skel[INST_DEFAULT] = load(NSP_DEFAULT_PORT, NSP_DEFAULT_MAGIC);
	env.skel[INST_BORROW] = load(T_BORROW_PORT, T_BORROW_MAGIC);
	if (env.ncpus <= 0 || !env.skel[INST_DEFAULT] || !env.skel[INST_BORROW]) {
		fprintf(stderr, "test_gw_magic: cannot load gw_magic.bpf.o: %s\n", strerror(errno));
		return -1;
	}
	return 0;
}

static int teardown(void **state)
{
	int i;

	(void)state;
	for (i = 0; i < INST_MAX; i++)
		gw_magic_bpf__destroy(env.skel[i]);
	return 0;
}

int main(void)
{
	enum { N_CASES = sizeof(cases) / sizeof(cases[0]) };
	struct CMUnitTest tests[N_CASES + 2];
	size_t i;

	if (geteuid() != 0) {
		fprintf(stderr, "test_gw_magic: must run as root (loads BPF programs)\n");
		return 1;
	}
	/* a namespace of our own: nothing here can reach the runner's */
	if (unshare(CLONE_NEWNET)) {
		fprintf(stderr, "test_gw_magic: unshare(CLONE_NEWNET): %s\n", strerror(errno));
		return 1;
	}
	memset(tests, 0, sizeof(tests));
	tests[0] = (struct CMUnitTest)cmocka_unit_test(test_find_tsval);
	tests[1] = (struct CMUnitTest)cmocka_unit_test(test_magic_bytes);
	for (i = 0; i < N_CASES; i++) {
		tests[i + 2].name = cases[i].name;
		tests[i + 2].test_func = test_case;
		tests[i + 2].initial_state = (void *)&cases[i];
	}
	return _cmocka_run_group_tests("test_gw_magic", tests, N_CASES + 2, setup, teardown);
}
