// SPDX-License-Identifier: GPL-2.0-only
/*
 * The probe on the wire and the replies to it, byte for byte: a golden
 * probe, checksum vectors, the MAGIC arithmetic shared with the BPF side,
 * and a table of replies, each one valid reply broken in exactly one way.
 * The replies are built here with a checksum routine of the test's own, so
 * a wrong nsp_csum_add() cannot make a wrong packet look right.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "nsping_magic.h"
#include "probe.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#define PORT	  10086
#define MAGIC	  0x4E535047U
#define PROBE_SEQ 0x01020304U

static uint32_t ip4(const char *s)
{
	return inet_addr(s);
}

static struct nsp_probe probe_fixture(void)
{
	return (struct nsp_probe){.src = ip4("10.99.0.2"),
				  .dst = ip4("10.99.0.1"),
				  .sport = 61000,
				  .dport = PORT,
				  .seq = PROBE_SEQ,
				  .magic = MAGIC,
				  .ip_id = 0x1234};
}

/*
 * The probe above, written out by hand from RFC 791 / RFC 793 and checked
 * with an independent python3 script (struct.pack of the same fields; the
 * checksums summed as big-endian 16-bit words, folded and inverted, the TCP
 * one over the pseudo-header 0a630002 0a630001 0006 0020 plus the segment).
 * IPv4 checksum by hand: 4500+0034+1234+4000+4006+0a63+0002+0a63+0001 =
 * 0xec37, ~ = 0x13c8.  TCP checksum: 0xaec2.  Four bytes a line, as
 * RFC 791 draws the header.
 */
/* clang-format off */
static const uint8_t golden_probe[NSP_PROBE_LEN] = {
	/* IPv4: version 4 ihl 5, tos 0, total length 52 */
	0x45, 0x00, 0x00, 0x34,
	/* id 0x1234, flags DF, fragment offset 0 */
	0x12, 0x34, 0x40, 0x00,
	/* TTL 64, protocol 6 (TCP), header checksum 0x13c8 */
	0x40, 0x06, 0x13, 0xc8,
	/* source 10.99.0.2 */
	0x0a, 0x63, 0x00, 0x02,
	/* destination 10.99.0.1 */
	0x0a, 0x63, 0x00, 0x01,
	/* TCP: source port 61000, destination port 10086 */
	0xee, 0x48, 0x27, 0x66,
	/* sequence 0x01020304 */
	0x01, 0x02, 0x03, 0x04,
	/* acknowledgment 0 */
	0x00, 0x00, 0x00, 0x00,
	/* doff 8 (32 bytes), flags SYN, window 64240 */
	0x80, 0x02, 0xfa, 0xf0,
	/* checksum 0xaec2, urgent pointer 0 */
	0xae, 0xc2, 0x00, 0x00,
	/* NOP NOP, timestamps kind 8 length 10 */
	0x01, 0x01, 0x08, 0x0a,
	/* TSval: MAGIC 0x4E535047 in network order */
	0x4e, 0x53, 0x50, 0x47,
	/* TSecr 0 */
	0x00, 0x00, 0x00, 0x00,
};
/* clang-format on */

/* ---- the test's own checksum, independent of nsp_csum_*() ---- */

static uint16_t ref_csum(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	uint64_t sum = 0;
	size_t i;

	for (i = 0; i < alen; i++)
		sum += (i & 1) ? a[i] : (uint64_t)a[i] << 8;
	/* b continues a's word alignment only when alen is even: callers keep it so */
	for (i = 0; i < blen; i++)
		sum += (i & 1) ? b[i] : (uint64_t)b[i] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static void pseudo_header(uint8_t ph[12], const uint8_t *ip, size_t tcp_len)
{
	memcpy(ph, ip + 12, 8);
	ph[8] = 0;
	ph[9] = 6;
	ph[10] = (uint8_t)(tcp_len >> 8);
	ph[11] = (uint8_t)tcp_len;
}

static void wr16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void wr32(uint8_t *p, uint32_t v)
{
	wr16(p, (uint16_t)(v >> 16));
	wr16(p + 2, (uint16_t)v);
}

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void hexdump(char *out, size_t cap, const uint8_t *p, size_t len)
{
	size_t i, o = 0;

	out[0] = '\0';
	for (i = 0; i < len && o + 4 < cap; i++)
		o += (size_t)snprintf(out + o, cap - o, "%02x%s", p[i], (i % 4 == 3) ? " " : "");
}

/* ---- the golden probe ---- */

static void test_probe_golden(void **state)
{
	struct nsp_probe p = probe_fixture();
	uint8_t buf[64], ph[12];
	char got[200], want[200];
	int len;

	(void)state;
	memset(buf, 0xee, sizeof(buf));
	len = nsp_probe_build(buf, sizeof(buf), &p);
	assert_int_equal(len, NSP_PROBE_LEN);
	if (memcmp(buf, golden_probe, NSP_PROBE_LEN) != 0) {
		hexdump(got, sizeof(got), buf, NSP_PROBE_LEN);
		hexdump(want, sizeof(want), golden_probe, NSP_PROBE_LEN);
		fail_msg("golden probe differs:\n got  %s\n want %s", got, want);
	}
	assert_int_equal(buf[NSP_PROBE_LEN], 0xee); /* nothing written past the probe */

	/* The fields the kernel and the gateway look at, one by one. */
	assert_int_equal(buf[0], 0x45);			      /* IPv4, ihl 5 */
	assert_int_equal(rd16(buf + 2), 52);		      /* total length */
	assert_int_equal(rd16(buf + 6) & 0x4000, 0x4000);     /* DF */
	assert_int_equal(rd16(buf + 6) & 0x3fff, 0);	      /* not a fragment */
	assert_int_equal(buf[8], 64);			      /* TTL */
	assert_int_equal(buf[9], 6);			      /* TCP */
	assert_int_equal(rd16(buf + 20), 61000);	      /* sport */
	assert_int_equal(rd16(buf + 22), PORT);		      /* dport */
	assert_int_equal(buf[32] >> 4, 8);		      /* doff 8 */
	assert_int_equal(buf[33], 0x02);		      /* SYN only */
	assert_memory_equal(buf + 40, "\x01\x01\x08\x0a", 4); /* NOP NOP TS */
	assert_memory_equal(buf + 44, "\x4e\x53\x50\x47", 4); /* TSval */
	assert_memory_equal(buf + 48, "\0\0\0\0", 4);	      /* TSecr */

	/* Both checksums verify, by the product's routine and by ours. */
	assert_int_equal(nsp_csum_finish(nsp_csum_add(0, buf, 20)), 0);
	assert_int_equal(ref_csum(buf, 20, NULL, 0), 0);
	pseudo_header(ph, buf, 32);
	assert_int_equal(nsp_csum_finish(nsp_csum_add(nsp_csum_add(0, ph, 12), buf + 20, 32)), 0);
	assert_int_equal(ref_csum(ph, 12, buf + 20, 32), 0);

	/* Exactly enough room is enough. */
	memset(buf, 0, sizeof(buf));
	assert_int_equal(nsp_probe_build(buf, NSP_PROBE_LEN, &p), NSP_PROBE_LEN);
	assert_memory_equal(buf, golden_probe, NSP_PROBE_LEN);
}

static void test_probe_nospace(void **state)
{
	static const size_t caps[] = {0, 1, 20, 40, 51};
	struct nsp_probe p = probe_fixture();
	uint8_t buf[64], untouched[64];

	(void)state;
	memset(untouched, 0xee, sizeof(untouched));
	for (size_t i = 0; i < ARRAY_SIZE(caps); i++) {
		int ret;

		memset(buf, 0xee, sizeof(buf));
		ret = nsp_probe_build(buf, caps[i], &p);
		if (ret != -ENOSPC)
			fail_msg("cap %zu: returned %d, expected -ENOSPC (%d)", caps[i], ret,
				 -ENOSPC);
		if (memcmp(buf, untouched, sizeof(buf)) != 0)
			fail_msg("cap %zu: the buffer was written on -ENOSPC", caps[i]);
	}
}

/* Our own probe, read back: not a reply to anything. */
static void test_probe_is_not_a_reply(void **state)
{
	struct nsp_probe p = probe_fixture();
	struct nsp_reply r;
	uint8_t buf[NSP_PROBE_LEN];

	(void)state;
	assert_int_equal(nsp_probe_build(buf, sizeof(buf), &p), NSP_PROBE_LEN);
	assert_int_equal(nsp_reply_parse(buf, sizeof(buf), PORT, &r), -ENOMSG);
	assert_int_equal(nsp_reply_parse(buf, sizeof(buf), p.sport, &r), -ENOMSG);
}

/* ---- checksum vectors ---- */

struct csum_case {
	const char *name;
	const uint8_t *data;
	size_t len;
	uint32_t sum; /* nsp_csum_add(0, data, len) */
	uint16_t csum;
};

static const uint8_t rfc1071[] = {0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7};
static const uint8_t odd1[] = {0x01};
static const uint8_t odd3[] = {0xab, 0xcd, 0xef};
static const uint8_t odd5[] = {0x00, 0x01, 0xf2, 0x03, 0xf4};
static const uint8_t ones4[] = {0xff, 0xff, 0xff, 0xff};
static const uint8_t zeros2[] = {0x00, 0x00};

static const struct csum_case csum_cases[] = {
	/* RFC 1071 section 3: the sum is 2ddf0, folded ddf2, inverted 220d. */
	{"rfc 1071 example", rfc1071, sizeof(rfc1071), 0x2ddf0, 0x220d},
	{"empty", rfc1071, 0, 0, 0xffff},
	{"one byte pads as the high byte", odd1, 1, 0x0100, 0xfeff},
	{"three bytes", odd3, 3, 0xabcd + 0xef00, 0x6531},
	{"rfc 1071 example cut to five bytes", odd5, 5, 0x0001 + 0xf203 + 0xf400, 0x19fa},
	{"all ones folds to negative zero", ones4, 4, 0x1fffe, 0x0000},
	{"all zeros", zeros2, 2, 0, 0xffff},
};

static void test_csum_vectors(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(csum_cases); i++) {
		const struct csum_case *c = &csum_cases[i];
		uint32_t sum = nsp_csum_add(0, c->data, c->len);
		uint16_t csum = nsp_csum_finish(sum);

		if (sum != c->sum)
			fail_msg("case \"%s\": sum 0x%x, expected 0x%x", c->name, sum, c->sum);
		if (csum != c->csum)
			fail_msg("case \"%s\": checksum 0x%04x, expected 0x%04x", c->name, csum,
				 c->csum);
		if (csum != ref_csum(c->data, c->len, NULL, 0))
			fail_msg("case \"%s\": checksum 0x%04x, reference 0x%04x", c->name, csum,
				 ref_csum(c->data, c->len, NULL, 0));
	}
}

/* Summing in even-length pieces is summing the whole; a carried-in sum adds. */
static void test_csum_incremental(void **state)
{
	uint8_t big[1501];
	uint32_t whole, pieces;

	(void)state;
	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (uint8_t)(i * 37 + 11);
	whole = nsp_csum_add(0, big, sizeof(big));
	pieces = nsp_csum_add(nsp_csum_add(nsp_csum_add(0, big, 2), big + 2, 1000), big + 1002,
			      sizeof(big) - 1002);
	assert_int_equal(nsp_csum_finish(whole), nsp_csum_finish(pieces));
	assert_int_equal(nsp_csum_finish(whole), ref_csum(big, sizeof(big), NULL, 0));
	assert_int_equal(nsp_csum_add(0x10000, rfc1071, sizeof(rfc1071)), 0x10000 + 0x2ddf0);

	/* A worst case for the accumulator: 64 KiB of 0xff. */
	{
		static uint8_t ff[65535];

		memset(ff, 0xff, sizeof(ff));
		assert_int_equal(nsp_csum_finish(nsp_csum_add(0, ff, sizeof(ff))),
				 ref_csum(ff, sizeof(ff), NULL, 0));
	}
}

/* ---- MAGIC arithmetic shared with the BPF side ---- */

struct magic_case {
	const char *name;
	uint32_t magic;
	uint8_t wire[4]; /* TSval bytes of the probe */
	uint8_t pass[4]; /* what the gateway leaves there */
};

static const struct magic_case magic_cases[] = {
	{"NSPG", 0x4E535047, {0x4e, 0x53, 0x50, 0x47}, {0x4d, 0x53, 0x50, 0x47}},
	{"borrow through three bytes",
	 0x00000001,
	 {0x00, 0x00, 0x00, 0x01},
	 {0xff, 0xff, 0xff, 0x00}},
	{"first byte 01", 0x01000000, {0x01, 0x00, 0x00, 0x00}, {0x00, 0x00, 0x00, 0x00}},
	{"zero wraps", 0x00000000, {0x00, 0x00, 0x00, 0x00}, {0xff, 0xff, 0xff, 0xff}},
	{"all ones", 0xFFFFFFFF, {0xff, 0xff, 0xff, 0xff}, {0xfe, 0xff, 0xff, 0xff}},
	{"borrow one byte", 0x00010000, {0x00, 0x01, 0x00, 0x00}, {0xff, 0x00, 0x00, 0x00}},
	{"high bit", 0x80000000, {0x80, 0x00, 0x00, 0x00}, {0x7f, 0x00, 0x00, 0x00}},
};

static void test_magic_bytes(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(magic_cases); i++) {
		const struct magic_case *c = &magic_cases[i];
		uint32_t raw = nsp_magic_raw(c->magic), pass = nsp_magic_pass_raw(c->magic);
		uint32_t wire_raw, pass_wire_raw;
		uint8_t b[4];

		memcpy(b, &raw, 4);
		if (memcmp(b, c->wire, 4) != 0)
			fail_msg("case \"%s\": nsp_magic_raw bytes %02x %02x %02x %02x", c->name,
				 b[0], b[1], b[2], b[3]);
		memcpy(b, &pass, 4);
		if (memcmp(b, c->pass, 4) != 0)
			fail_msg("case \"%s\": nsp_magic_pass_raw bytes %02x %02x %02x %02x",
				 c->name, b[0], b[1], b[2], b[3]);
		if (nsp_magic_gw_decrement(raw) != pass)
			fail_msg("case \"%s\": gw_decrement(raw) != pass_raw", c->name);

		memcpy(&wire_raw, c->wire, 4);
		memcpy(&pass_wire_raw, c->pass, 4);
		if (!nsp_magic_is_probe(wire_raw, c->magic) ||
		    nsp_magic_is_probe(pass_wire_raw, c->magic))
			fail_msg("case \"%s\": nsp_magic_is_probe wrong", c->name);
		if (!nsp_magic_is_answered_probe(pass_wire_raw, c->magic) ||
		    nsp_magic_is_answered_probe(wire_raw, c->magic))
			fail_msg("case \"%s\": nsp_magic_is_answered_probe wrong", c->name);
	}

	/* The trap itself: the decrement is not ntohl(TSval) - 1. */
	{
		uint32_t naive = nsp_htonl(MAGIC - 1);

		assert_false(nsp_magic_is_answered_probe(naive, MAGIC));
		assert_int_equal(nsp_ntohl(nsp_magic_pass_raw(MAGIC)), 0x4D535047);
	}
}

/*
 * The gateway rewrites TSval to the decrement and patches the TCP checksum
 * incrementally; the result must be the packet built from scratch with the
 * decremented TSval.  Returns the rebuilt checksum field.
 */
static uint16_t check_incremental(const char *name, struct nsp_probe p)
{
	uint8_t pkt[NSP_PROBE_LEN], rebuilt[NSP_PROBE_LEN], ph[12];
	uint32_t old_raw, new_raw;
	uint16_t csum_raw;
	struct nsp_probe q = p;

	assert_int_equal(nsp_probe_build(pkt, sizeof(pkt), &p), NSP_PROBE_LEN);
	memcpy(&old_raw, pkt + 44, 4);
	memcpy(&csum_raw, pkt + 36, 2);
	if (!nsp_magic_is_probe(old_raw, p.magic))
		fail_msg("case \"%s\": the built probe's TSval is not its magic", name);

	new_raw = nsp_magic_gw_decrement(old_raw);
	csum_raw = nsp_csum_replace_raw32(csum_raw, old_raw, new_raw);
	memcpy(pkt + 44, &new_raw, 4);
	memcpy(pkt + 36, &csum_raw, 2);

	q.magic = nsp_ntohl(new_raw);
	assert_int_equal(nsp_probe_build(rebuilt, sizeof(rebuilt), &q), NSP_PROBE_LEN);
	if (memcmp(pkt, rebuilt, NSP_PROBE_LEN) != 0)
		fail_msg("case \"%s\" (seq 0x%08x): incremental checksum %02x%02x, rebuilt "
			 "%02x%02x",
			 name, p.seq, pkt[36], pkt[37], rebuilt[36], rebuilt[37]);
	pseudo_header(ph, pkt, 32);
	if (ref_csum(ph, 12, pkt + 20, 32) != 0)
		fail_msg("case \"%s\": the rewritten probe does not verify", name);
	return rd16(rebuilt + 36);
}

static void test_magic_incremental_csum(void **state)
{
	struct nsp_probe p = probe_fixture();

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(magic_cases); i++) {
		p.magic = magic_cases[i].magic;
		check_incremental(magic_cases[i].name, p);
	}

	/*
	 * Every checksum value: the low half of seq moves the sum through all
	 * of them, so the sweep meets the edges of one's complement (a field
	 * of 0x0000 before or after the rewrite) and the sums whose first fold
	 * carries again.
	 */
	for (size_t i = 0; i < ARRAY_SIZE(magic_cases); i++) {
		unsigned zero_before = 0, zero_after = 0;

		p.magic = magic_cases[i].magic;
		for (uint32_t lo = 0; lo <= 0xffff; lo++) {
			uint8_t pkt[NSP_PROBE_LEN];

			p.seq = (PROBE_SEQ & 0xffff0000) | lo;
			nsp_probe_build(pkt, sizeof(pkt), &p);
			zero_before += rd16(pkt + 36) == 0;
			zero_after += check_incremental(magic_cases[i].name, p) == 0;
		}
		if (!zero_before || !zero_after)
			fail_msg("case \"%s\": the sweep met no 0x0000 checksum (%u before, %u "
				 "after)",
				 magic_cases[i].name, zero_before, zero_after);
	}
}

/* ---- replies ---- */

enum base { B_SYNACK, B_UNREACH, B_TIMEX };

struct reply_spec {
	bool icmp;
	uint8_t vihl; /* 0: 0x40 | header words */
	uint16_t frag;
	uint8_t proto;
	uint32_t src, dst;
	int tot_delta; /* added to the true total length */
	uint8_t ipopt[8];
	size_t ipoptlen;
	size_t trailer; /* link-layer padding after the IPv4 packet */
	/* TCP */
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint8_t doff; /* 0: header and options */
	uint8_t flags;
	uint8_t opt[40];
	size_t optlen;
	/* ICMP */
	uint8_t type, code;
	struct nsp_probe quoted;
	size_t quote_len;
	uint8_t quote_proto; /* 0: the probe's */
	uint8_t quote_vihl;  /* 0: the probe's */
};

/* The gateway's own clock in its TSval; TSecr echoes what it received. */
#define GW_TSVAL 0x11223344U

/*
 * A SYN-ACK as Linux sends it: MSS, SACK_PERM, TS, NOP, WSCALE (20 bytes),
 * echoing the probe's TSval after the gateway's decrement.
 */
static struct reply_spec synack_spec(void)
{
	struct nsp_probe p = probe_fixture();
	struct reply_spec s = {.proto = 6,
			       .frag = 0x4000,
			       .src = p.dst,
			       .dst = p.src,
			       .sport = p.dport,
			       .dport = p.sport,
			       .seq = 0xcafebabe,
			       .ack = p.seq + 1,
			       .flags = 0x12,
			       .opt = {0x02, 0x04, 0x05, 0xb4, 0x04, 0x02, 0x08, 0x0a},
			       .optlen = 20};
	uint32_t tsecr = nsp_magic_pass_raw(p.magic);

	wr32(s.opt + 8, GW_TSVAL);
	memcpy(s.opt + 12, &tsecr, 4);
	s.opt[16] = 0x01;
	s.opt[17] = 0x03;
	s.opt[18] = 0x03;
	s.opt[19] = 0x07;
	return s;
}

static struct reply_spec icmp_spec(uint8_t type, uint8_t code)
{
	struct nsp_probe p = probe_fixture();

	return (struct reply_spec){.icmp = true,
				   .proto = 1,
				   .src = p.dst,
				   .dst = p.src,
				   .type = type,
				   .code = code,
				   .quoted = p,
				   .quote_len = 28};
}

static size_t build_reply(const struct reply_spec *s, uint8_t *buf, size_t cap)
{
	size_t ihl = 20 + s->ipoptlen, seg_len;
	uint8_t *ip = buf, *l4 = buf + ihl, ph[12];

	assert_true(cap >= ihl + 8 + 52 + 40 + s->trailer);
	memset(buf, 0, cap);
	if (s->icmp) {
		uint8_t probe[NSP_PROBE_LEN];

		assert_int_equal(nsp_probe_build(probe, sizeof(probe), &s->quoted), NSP_PROBE_LEN);
		if (s->quote_proto)
			probe[9] = s->quote_proto;
		if (s->quote_vihl)
			probe[0] = s->quote_vihl;
		/* Keep the quoted header's checksum right, as a router's quote is. */
		wr16(probe + 10, 0);
		wr16(probe + 10, ref_csum(probe, 20, NULL, 0));
		l4[0] = s->type;
		l4[1] = s->code;
		memcpy(l4 + 8, probe, s->quote_len);
		seg_len = 8 + s->quote_len;
		wr16(l4 + 2, ref_csum(l4, seg_len, NULL, 0));
	} else {
		l4[0] = (uint8_t)(s->sport >> 8);
		l4[1] = (uint8_t)s->sport;
		wr16(l4 + 2, s->dport);
		wr32(l4 + 4, s->seq);
		wr32(l4 + 8, s->ack);
		l4[12] = (uint8_t)((s->doff ? s->doff : (20 + s->optlen) / 4) << 4);
		l4[13] = s->flags;
		wr16(l4 + 14, 65160);
		memcpy(l4 + 20, s->opt, s->optlen);
		seg_len = 20 + s->optlen;
	}

	ip[0] = s->vihl ? s->vihl : (uint8_t)(0x40 | ihl / 4);
	wr16(ip + 2, (uint16_t)((int)(ihl + seg_len) + s->tot_delta));
	wr16(ip + 4, 0x4242);
	wr16(ip + 6, s->frag);
	ip[8] = 64;
	ip[9] = s->proto;
	memcpy(ip + 12, &s->src, 4);
	memcpy(ip + 16, &s->dst, 4);
	memcpy(ip + 20, s->ipopt, s->ipoptlen);
	wr16(ip + 10, ref_csum(ip, ihl, NULL, 0));

	if (!s->icmp) {
		pseudo_header(ph, ip, seg_len);
		wr16(l4 + 16, ref_csum(ph, 12, l4, seg_len));
	}
	return ihl + seg_len + s->trailer;
}

/* ---- mutations: each breaks one thing in a valid reply ---- */

static void m_no_ts(struct reply_spec *s)
{
	s->optlen = 4; /* MSS only */
}

static void m_nop_ts(struct reply_spec *s)
{
	/* NOP NOP TS, as a probe carries them */
	uint8_t ts[12] = {0x01, 0x01, 0x08, 0x0a};

	memcpy(ts + 4, s->opt + 8, 8);
	memcpy(s->opt, ts, 12);
	s->optlen = 12;
}

static void m_eol_garbage(struct reply_spec *s)
{
	static const uint8_t o[] = {0x02, 0x04, 0x05, 0xb4, 0x00, 0xff, 0x00, 0x09};

	memcpy(s->opt, o, sizeof(o));
	s->optlen = sizeof(o);
}

static void m_ip_options(struct reply_spec *s)
{
	static const uint8_t o[] = {0x01, 0x01, 0x01, 0x00}; /* NOP NOP NOP EOL */

	memcpy(s->ipopt, o, sizeof(o));
	s->ipoptlen = sizeof(o);
}

static void m_trailer(struct reply_spec *s)
{
	s->trailer = 6;
}

static void m_rst_ack(struct reply_spec *s)
{
	s->flags = 0x14;
	s->seq = 0;
	s->optlen = 0;
}

static void m_rst_ack_wrong_ack(struct reply_spec *s)
{
	m_rst_ack(s);
	s->ack = PROBE_SEQ + 2;
}

static void m_rst(struct reply_spec *s)
{
	s->flags = 0x04;
	s->optlen = 0;
}

static void m_syn(struct reply_spec *s)
{
	s->flags = 0x02;
	s->ack = 0;
}

static void m_ack(struct reply_spec *s)
{
	s->flags = 0x10;
}

static void m_fin_ack(struct reply_spec *s)
{
	s->flags = 0x11;
}

static void m_syn_rst_ack(struct reply_spec *s)
{
	s->flags = 0x16;
}

static void m_version6(struct reply_spec *s)
{
	s->vihl = 0x65;
}

static void m_ihl4(struct reply_spec *s)
{
	s->vihl = 0x44;
}

static void m_tot_past_buffer(struct reply_spec *s)
{
	s->tot_delta = 1;
}

static void m_tot_below_header(struct reply_spec *s)
{
	s->tot_delta = -(20 + 40) + 19;
}

static void m_tot_short_tcp(struct reply_spec *s)
{
	s->tot_delta = -(40 - 19); /* 19 TCP bytes */
}

static void m_doff4(struct reply_spec *s)
{
	s->doff = 4;
}

static void m_doff_one_past(struct reply_spec *s)
{
	s->doff = 11;
}

static void m_doff15(struct reply_spec *s)
{
	s->doff = 15;
}

static void m_optlen0(struct reply_spec *s)
{
	s->opt[1] = 0; /* MSS with length 0 */
}

/*
 * The trailing NOP WSCALE becomes an option of length 1 followed by NOP NOP
 * EOL, so a parser that stepped over it would find nothing else wrong.
 */
static void m_optlen1(struct reply_spec *s)
{
	static const uint8_t o[] = {0x1e, 0x01, 0x01, 0x00};

	memcpy(s->opt + 16, o, sizeof(o));
}

static void m_optlen_past_end(struct reply_spec *s)
{
	s->opt[18] = 4; /* WSCALE at 17..19 claims 17..20 */
}

static void m_opt_no_length_byte(struct reply_spec *s)
{
	static const uint8_t o[] = {0x01, 0x01, 0x01, 0x02}; /* MSS kind, then the end */

	memcpy(s->opt, o, sizeof(o));
	s->optlen = sizeof(o);
}

/*
 * TS one byte short (length 9, TSecr cut to three bytes), then NOPs: the
 * walk stays in step, so only the length check can reject it.
 */
static void m_ts_len9(struct reply_spec *s)
{
	s->opt[7] = 9;
	memset(s->opt + 15, 0x01, 5);
}

/* The same with length 11: TS, one byte more, then NOPs. */
static void m_ts_len11(struct reply_spec *s)
{
	s->opt[7] = 11;
	memset(s->opt + 17, 0x01, 3);
}

static void m_wrong_sport(struct reply_spec *s)
{
	s->sport = PORT + 1;
}

static void m_frag_mf(struct reply_spec *s)
{
	s->frag = 0x2000;
}

static void m_frag_offset(struct reply_spec *s)
{
	s->frag = 0x0001;
}

static void m_udp(struct reply_spec *s)
{
	s->proto = 17;
}

static void m_gre(struct reply_spec *s)
{
	s->proto = 47;
}

static void m_ack_eq_seq(struct reply_spec *s)
{
	s->ack = PROBE_SEQ;
}

static void m_ack_seq_plus2(struct reply_spec *s)
{
	s->ack = PROBE_SEQ + 2;
}

static void m_other_dport(struct reply_spec *s)
{
	s->dport = 61001;
}

static void m_from_other(struct reply_spec *s)
{
	s->src = ip4("10.99.0.3");
}

static void m_to_other(struct reply_spec *s)
{
	s->dst = ip4("10.99.0.9");
}

static void m_icmp_echo_reply(struct reply_spec *s)
{
	s->type = 0;
	s->code = 0;
}

static void m_icmp_redirect(struct reply_spec *s)
{
	s->type = 5;
	s->code = 1;
}

static void m_icmp_param_problem(struct reply_spec *s)
{
	s->type = 12;
	s->code = 0;
}

static void m_icmp_from_router(struct reply_spec *s)
{
	s->src = ip4("10.99.0.254");
}

static void m_quote_udp(struct reply_spec *s)
{
	s->quote_proto = 17;
}

static void m_quote_other_port(struct reply_spec *s)
{
	s->quoted.dport = 80;
}

static void m_quote_other_sport(struct reply_spec *s)
{
	s->quoted.sport = 61001;
}

static void m_quote_other_seq(struct reply_spec *s)
{
	s->quoted.seq = PROBE_SEQ + 1;
}

static void m_quote_other_dst(struct reply_spec *s)
{
	s->quoted.dst = ip4("10.99.0.7");
}

static void m_quote_short(struct reply_spec *s)
{
	s->quote_len = 27; /* IPv4 header + 7 TCP bytes */
}

static void m_quote_header_only(struct reply_spec *s)
{
	s->quote_len = 20;
}

static void m_quote_ihl4(struct reply_spec *s)
{
	s->quote_vihl = 0x44;
}

static void m_quote_whole(struct reply_spec *s)
{
	s->quote_len = NSP_PROBE_LEN;
}

static void m_icmp_header_short(struct reply_spec *s)
{
	s->tot_delta = -(8 + 28) + 6; /* 6 ICMP bytes */
}

/* Byte mutations, after the checksums are computed. */
static void p_bad_ip_csum(uint8_t *p, size_t *len)
{
	(void)len;
	p[11] ^= 0x01;
}

static void p_bad_l4_csum(uint8_t *p, size_t *len)
{
	(void)len;
	p[p[9] == 6 ? 20 + 17 : 20 + 3] ^= 0x01;
}

static void p_bad_l4_payload(uint8_t *p, size_t *len)
{
	p[*len - 1] ^= 0x80; /* the last byte, an odd offset for the TCP sum */
}

enum match { M_NA, M_YES, M_NO };
enum ts { TS_NA, TS_YES, TS_NO };

struct reply_case {
	const char *name;
	enum base base;
	void (*mut)(struct reply_spec *s);
	void (*post)(uint8_t *p, size_t *len);
	int ret;
	enum nsp_reply_kind kind;
	enum match match;
	enum ts ts;
};

/* A rejected reply: nothing but the error to check. */
#define REJECT(name, base, mut, post, err)                                                         \
	{                                                                                          \
		name, base, mut, post, err, NSP_REPLY_SYNACK, M_NA, TS_NA                          \
	}

static const struct reply_case reply_cases[] = {
	/* well-formed replies that answer the probe */
	{"syn-ack", B_SYNACK, NULL, NULL, 0, NSP_REPLY_SYNACK, M_YES, TS_YES},
	{"syn-ack without timestamps", B_SYNACK, m_no_ts, NULL, 0, NSP_REPLY_SYNACK, M_YES, TS_NO},
	{"syn-ack with NOP NOP TS", B_SYNACK, m_nop_ts, NULL, 0, NSP_REPLY_SYNACK, M_YES, TS_YES},
	{"syn-ack: garbage after EOL", B_SYNACK, m_eol_garbage, NULL, 0, NSP_REPLY_SYNACK, M_YES,
	 TS_NO},
	{"syn-ack with IPv4 options", B_SYNACK, m_ip_options, NULL, 0, NSP_REPLY_SYNACK, M_YES,
	 TS_YES},
	{"syn-ack with link padding", B_SYNACK, m_trailer, NULL, 0, NSP_REPLY_SYNACK, M_YES,
	 TS_YES},
	{"rst-ack", B_SYNACK, m_rst_ack, NULL, 0, NSP_REPLY_RST, M_YES, TS_NO},
	{"icmp host unreachable", B_UNREACH, NULL, NULL, 0, NSP_REPLY_UNREACHABLE, M_YES, TS_NO},
	{"icmp unreachable quoting the whole probe", B_UNREACH, m_quote_whole, NULL, 0,
	 NSP_REPLY_UNREACHABLE, M_YES, TS_NO},
	{"icmp time exceeded", B_TIMEX, NULL, NULL, 0, NSP_REPLY_TIME_EXCEEDED, M_YES, TS_NO},
	{"icmp time exceeded from a router", B_TIMEX, m_icmp_from_router, NULL, 0,
	 NSP_REPLY_TIME_EXCEEDED, M_YES, TS_NO},

	/* malformed: -EBADMSG */
	REJECT("bad ipv4 checksum", B_SYNACK, NULL, p_bad_ip_csum, -EBADMSG),
	REJECT("bad tcp checksum", B_SYNACK, NULL, p_bad_l4_csum, -EBADMSG),
	REJECT("tcp payload bit flipped", B_SYNACK, NULL, p_bad_l4_payload, -EBADMSG),
	REJECT("bad icmp checksum", B_UNREACH, NULL, p_bad_l4_csum, -EBADMSG),
	REJECT("icmp quote bit flipped", B_UNREACH, NULL, p_bad_l4_payload, -EBADMSG),
	REJECT("ipv4 bad checksum on icmp", B_TIMEX, NULL, p_bad_ip_csum, -EBADMSG),
	REJECT("ip version 6", B_SYNACK, m_version6, NULL, -EBADMSG),
	REJECT("ihl 4", B_SYNACK, m_ihl4, NULL, -EBADMSG),
	REJECT("total length past the buffer", B_SYNACK, m_tot_past_buffer, NULL, -EBADMSG),
	REJECT("total length below the header", B_SYNACK, m_tot_below_header, NULL, -EBADMSG),
	REJECT("total length leaves 19 tcp bytes", B_SYNACK, m_tot_short_tcp, NULL, -EBADMSG),
	REJECT("doff 4", B_SYNACK, m_doff4, NULL, -EBADMSG),
	REJECT("doff one word past the end", B_SYNACK, m_doff_one_past, NULL, -EBADMSG),
	REJECT("doff 15 past the end", B_SYNACK, m_doff15, NULL, -EBADMSG),
	REJECT("option length 0", B_SYNACK, m_optlen0, NULL, -EBADMSG),
	REJECT("option length 1", B_SYNACK, m_optlen1, NULL, -EBADMSG),
	REJECT("option length past the end", B_SYNACK, m_optlen_past_end, NULL, -EBADMSG),
	REJECT("option kind without a length byte", B_SYNACK, m_opt_no_length_byte, NULL, -EBADMSG),
	REJECT("timestamps option length 9", B_SYNACK, m_ts_len9, NULL, -EBADMSG),
	REJECT("timestamps option length 11", B_SYNACK, m_ts_len11, NULL, -EBADMSG),
	REJECT("icmp quote one byte short", B_UNREACH, m_quote_short, NULL, -EBADMSG),
	REJECT("icmp quote without tcp", B_UNREACH, m_quote_header_only, NULL, -EBADMSG),
	REJECT("icmp quote with ihl 4", B_UNREACH, m_quote_ihl4, NULL, -EBADMSG),
	REJECT("icmp header truncated", B_TIMEX, m_icmp_header_short, NULL, -EBADMSG),

	/* well-formed, but no reply to a probe: -ENOMSG */
	REJECT("wrong source port", B_SYNACK, m_wrong_sport, NULL, -ENOMSG),
	REJECT("bare syn", B_SYNACK, m_syn, NULL, -ENOMSG),
	REJECT("bare ack", B_SYNACK, m_ack, NULL, -ENOMSG),
	REJECT("rst without ack", B_SYNACK, m_rst, NULL, -ENOMSG),
	REJECT("fin-ack", B_SYNACK, m_fin_ack, NULL, -ENOMSG),
	REJECT("syn-rst-ack", B_SYNACK, m_syn_rst_ack, NULL, -ENOMSG),
	REJECT("fragment: more fragments", B_SYNACK, m_frag_mf, NULL, -ENOMSG),
	REJECT("fragment: offset", B_SYNACK, m_frag_offset, NULL, -ENOMSG),
	REJECT("udp", B_SYNACK, m_udp, NULL, -ENOMSG),
	REJECT("gre", B_SYNACK, m_gre, NULL, -ENOMSG),
	REJECT("icmp echo reply", B_UNREACH, m_icmp_echo_reply, NULL, -ENOMSG),
	REJECT("icmp redirect quoting the probe", B_UNREACH, m_icmp_redirect, NULL, -ENOMSG),
	REJECT("icmp parameter problem quoting the probe", B_UNREACH, m_icmp_param_problem, NULL,
	       -ENOMSG),
	REJECT("icmp quoting udp", B_UNREACH, m_quote_udp, NULL, -ENOMSG),
	REJECT("icmp quoting another port", B_TIMEX, m_quote_other_port, NULL, -ENOMSG),

	/* well-formed replies, but to another probe */
	{"ack = seq", B_SYNACK, m_ack_eq_seq, NULL, 0, NSP_REPLY_SYNACK, M_NO, TS_YES},
	{"ack = seq + 2", B_SYNACK, m_ack_seq_plus2, NULL, 0, NSP_REPLY_SYNACK, M_NO, TS_YES},
	{"to another source port", B_SYNACK, m_other_dport, NULL, 0, NSP_REPLY_SYNACK, M_NO,
	 TS_YES},
	{"from another address", B_SYNACK, m_from_other, NULL, 0, NSP_REPLY_SYNACK, M_NO, TS_YES},
	{"to another address", B_SYNACK, m_to_other, NULL, 0, NSP_REPLY_SYNACK, M_NO, TS_YES},
	{"rst-ack with a wrong ack", B_SYNACK, m_rst_ack_wrong_ack, NULL, 0, NSP_REPLY_RST, M_NO,
	 TS_NO},
	{"icmp quoting another sport", B_UNREACH, m_quote_other_sport, NULL, 0,
	 NSP_REPLY_UNREACHABLE, M_NO, TS_NO},
	{"icmp quoting another seq", B_UNREACH, m_quote_other_seq, NULL, 0, NSP_REPLY_UNREACHABLE,
	 M_NO, TS_NO},
	{"icmp quoting another destination", B_TIMEX, m_quote_other_dst, NULL, 0,
	 NSP_REPLY_TIME_EXCEEDED, M_NO, TS_NO},
};

static struct reply_spec base_spec(enum base b)
{
	switch (b) {
	case B_UNREACH:
		return icmp_spec(3, 1);
	case B_TIMEX:
		return icmp_spec(11, 0);
	case B_SYNACK:
		break;
	}
	return synack_spec();
}

static const char *ret_name(int ret)
{
	return ret == 0 ? "0" : ret == -EBADMSG ? "-EBADMSG" : ret == -ENOMSG ? "-ENOMSG" : "?";
}

/*
 * NSP_REPLY_SEEDS=DIR: each case's packet is also written to DIR, named after
 * the case: the seeds of tests/fuzz/fuzz_reply.c (tests/fuzz/README.md).
 */
static void save_seed(const char *name, const uint8_t *pkt, size_t len)
{
	const char *dir = getenv("NSP_REPLY_SEEDS");
	char path[512];
	size_t n;
	FILE *f;

	if (!dir)
		return;
	n = (size_t)snprintf(path, sizeof(path), "%s/", dir);
	for (const char *c = name; *c && n + 1 < sizeof(path); c++)
		path[n++] = isalnum((unsigned char)*c) ? (char)tolower((unsigned char)*c) : '-';
	path[n] = '\0';
	f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fwrite(pkt, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

static void run_reply_case(const struct reply_case *c)
{
	struct nsp_probe p = probe_fixture();
	struct reply_spec s = base_spec(c->base);
	struct nsp_reply r, untouched;
	uint8_t buf[256], *pkt;
	size_t len;
	int ret;

	if (c->mut)
		c->mut(&s);
	len = build_reply(&s, buf, sizeof(buf));
	if (c->post)
		c->post(buf, &len);

	/* An exact-size copy, so that a read past the end is one valgrind sees. */
	pkt = malloc(len);
	assert_non_null(pkt);
	memcpy(pkt, buf, len);
	save_seed(c->name, pkt, len);
	memset(&r, 0xa5, sizeof(r));
	untouched = r;
	ret = nsp_reply_parse(pkt, len, PORT, &r);
	free(pkt);

	if (ret != c->ret)
		fail_msg("case \"%s\": returned %d (%s), expected %d (%s)", c->name, ret,
			 ret_name(ret), c->ret, ret_name(c->ret));
	if (ret != 0) {
		if (memcmp(&r, &untouched, sizeof(r)) != 0)
			fail_msg("case \"%s\": ret_reply written on error", c->name);
		return;
	}
	if (r.kind != c->kind)
		fail_msg("case \"%s\": kind %s, expected %s", c->name, nsp_reply_kind_name(r.kind),
			 nsp_reply_kind_name(c->kind));
	if (c->match != M_NA && nsp_reply_matches(&r, &p) != (c->match == M_YES))
		fail_msg("case \"%s\": nsp_reply_matches is %s, expected %s", c->name,
			 c->match == M_YES ? "false" : "true",
			 c->match == M_YES ? "true" : "false");
	if (c->ts != TS_NA && r.has_tsecr != (c->ts == TS_YES))
		fail_msg("case \"%s\": has_tsecr %d, expected %d", c->name, r.has_tsecr,
			 c->ts == TS_YES);
	if (r.has_tsecr && !nsp_magic_is_answered_probe(r.tsecr_raw, MAGIC))
		fail_msg("case \"%s\": tsecr_raw 0x%08x is not MAGIC_PASS", c->name, r.tsecr_raw);
}

static void test_reply_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(reply_cases); i++)
		run_reply_case(&reply_cases[i]);
}

/* Every field of the four valid kinds, in the probe's terms. */
static void test_reply_fields(void **state)
{
	struct nsp_probe p = probe_fixture();
	struct reply_spec s;
	struct nsp_reply r;
	uint8_t buf[256], b[4];
	size_t len;

	(void)state;
	s = synack_spec();
	len = build_reply(&s, buf, sizeof(buf));
	assert_int_equal(len, 60);
	assert_int_equal(nsp_reply_parse(buf, len, PORT, &r), 0);
	assert_int_equal(r.kind, NSP_REPLY_SYNACK);
	assert_int_equal(r.src, p.src);
	assert_int_equal(r.dst, p.dst);
	assert_int_equal(r.sport, p.sport);
	assert_int_equal(r.dport, p.dport);
	assert_int_equal(r.seq, PROBE_SEQ);
	assert_int_equal(r.from, p.dst);
	assert_true(r.has_tsecr);
	memcpy(b, &r.tsecr_raw, 4);
	assert_memory_equal(b, "\x4d\x53\x50\x47", 4);
	assert_int_equal(r.tsecr_raw, nsp_magic_pass_raw(MAGIC));
	assert_true(nsp_reply_matches(&r, &p));
	assert_string_equal(nsp_reply_kind_name(r.kind), "syn-ack");

	s = synack_spec();
	m_rst_ack(&s);
	len = build_reply(&s, buf, sizeof(buf));
	assert_int_equal(nsp_reply_parse(buf, len, PORT, &r), 0);
	assert_int_equal(r.kind, NSP_REPLY_RST);
	assert_int_equal(r.seq, PROBE_SEQ);
	assert_int_equal(r.sport, p.sport);
	assert_int_equal(r.from, p.dst);
	assert_false(r.has_tsecr);
	assert_true(nsp_reply_matches(&r, &p));
	assert_string_equal(nsp_reply_kind_name(r.kind), "rst");

	s = icmp_spec(3, 1);
	len = build_reply(&s, buf, sizeof(buf));
	assert_int_equal(len, 56);
	assert_int_equal(nsp_reply_parse(buf, len, PORT, &r), 0);
	assert_int_equal(r.kind, NSP_REPLY_UNREACHABLE);
	assert_int_equal(r.from, ip4("10.99.0.1"));
	assert_int_equal(r.src, p.src);
	assert_int_equal(r.dst, p.dst);
	assert_int_equal(r.sport, p.sport);
	assert_int_equal(r.dport, p.dport);
	assert_int_equal(r.seq, PROBE_SEQ);
	assert_int_equal(r.icmp_type, 3);
	assert_int_equal(r.icmp_code, 1);
	assert_false(r.has_tsecr);
	assert_true(nsp_reply_matches(&r, &p));
	assert_string_equal(nsp_reply_kind_name(r.kind), "unreachable");

	s = icmp_spec(11, 0);
	m_icmp_from_router(&s);
	len = build_reply(&s, buf, sizeof(buf));
	assert_int_equal(nsp_reply_parse(buf, len, PORT, &r), 0);
	assert_int_equal(r.kind, NSP_REPLY_TIME_EXCEEDED);
	assert_int_equal(r.from, ip4("10.99.0.254"));
	assert_int_equal(r.sport, p.sport);
	assert_int_equal(r.seq, PROBE_SEQ);
	assert_int_equal(r.icmp_type, 11);
	assert_int_equal(r.icmp_code, 0);
	assert_true(nsp_reply_matches(&r, &p));
	assert_string_equal(nsp_reply_kind_name(r.kind), "time-exceeded");

	/* The port argument is the port the probes went to. */
	s = synack_spec();
	len = build_reply(&s, buf, sizeof(buf));
	assert_int_equal(nsp_reply_parse(buf, len, PORT + 1, &r), -ENOMSG);
	s = icmp_spec(3, 3);
	len = build_reply(&s, buf, sizeof(buf));
	assert_int_equal(nsp_reply_parse(buf, len, PORT + 1, &r), -ENOMSG);
}

/* Makes the TCP or ICMP checksum cover the first len bytes of the packet. */
static void fix_l4_csum(uint8_t *pkt, size_t len)
{
	uint8_t *l4 = pkt + 20, ph[12];
	size_t l4_len = len - 20;

	if (pkt[9] == 1 && l4_len >= 4) {
		wr16(l4 + 2, 0);
		wr16(l4 + 2, ref_csum(l4, l4_len, NULL, 0));
	} else if (pkt[9] == 6 && l4_len >= 18) {
		wr16(l4 + 16, 0);
		pseudo_header(ph, pkt, l4_len);
		wr16(l4 + 16, ref_csum(ph, 12, l4, l4_len));
	}
}

/*
 * Truncated at every length, two ways: the buffer cut short under an intact
 * header (a short read), and cut with the total length and checksums made
 * to agree (a short packet: the IPv4 and the TCP or ICMP checksums are
 * recomputed over what remains, so only the structure is wrong).  Always
 * -EBADMSG; each length gets an exact-size heap copy, so valgrind catches a
 * read past it.
 */
static void check_truncations(const char *name, const struct reply_spec *spec)
{
	uint8_t buf[256];
	size_t full = build_reply(spec, buf, sizeof(buf));

	for (size_t len = 0; len < full; len++) {
		for (int consistent = 0; consistent <= 1; consistent++) {
			struct reply_spec s = *spec;
			uint8_t tmp[256], *pkt;
			struct nsp_reply r;
			int ret;

			if (consistent && len < 20)
				continue;
			if (consistent) {
				s.tot_delta = (int)len - (int)full;
				build_reply(&s, tmp, sizeof(tmp));
				fix_l4_csum(tmp, len);
			} else {
				memcpy(tmp, buf, full);
			}
			pkt = malloc(len ? len : 1);
			assert_non_null(pkt);
			memcpy(pkt, tmp, len);
			ret = nsp_reply_parse(pkt, len, PORT, &r);
			free(pkt);
			if (ret != -EBADMSG)
				fail_msg("case \"%s\" %s at %zu of %zu bytes: returned %d (%s), "
					 "expected -EBADMSG",
					 name, consistent ? "shortened" : "truncated", len, full,
					 ret, ret_name(ret));
		}
	}
}

static void test_reply_truncated(void **state)
{
	struct reply_spec s;

	(void)state;
	s = synack_spec();
	check_truncations("syn-ack", &s);
	s = synack_spec();
	m_rst_ack(&s);
	check_truncations("rst-ack", &s);
	s = icmp_spec(3, 1);
	check_truncations("icmp unreachable", &s);
	s = icmp_spec(11, 0);
	check_truncations("icmp time exceeded", &s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_probe_golden),
		cmocka_unit_test(test_probe_nospace),
		cmocka_unit_test(test_probe_is_not_a_reply),
		cmocka_unit_test(test_csum_vectors),
		cmocka_unit_test(test_csum_incremental),
		cmocka_unit_test(test_magic_bytes),
		cmocka_unit_test(test_magic_incremental_csum),
		cmocka_unit_test(test_reply_table),
		cmocka_unit_test(test_reply_fields),
		cmocka_unit_test(test_reply_truncated),
	};

	return cmocka_run_group_tests_name("probe", tests, NULL, NULL);
}
