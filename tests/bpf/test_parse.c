// SPDX-License-Identifier: GPL-2.0-only
/*
 * The datapath's pure parts, in user space and without root: the MAGIC
 * arithmetic of nsping_magic.h, the counter names, and bpf/parse.h's
 * classifier over every case of frames.h and over every prefix of the
 * matching frames (including the lengths below an Ethernet header, which
 * BPF_PROG_RUN refuses to run), and the send side's nsp_classify_tx().
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/mman.h>
#include <unistd.h>
#include <cmocka.h>

/* count the frames that the short cut judges (test_classify_short_cut) */
static unsigned long taken;
#define NSP_SHORT_CUT_TAKEN() (taken++)
#include "parse.h"
#include "frames.h"

static const __u16 t_port = T_PORT;
static const __u16 t_sport_min = T_SPORT_MIN, t_sport_max = T_SPORT_MAX;
static const __be32 t_addr = NSP_HTONL(T_ADDR);
static const struct nsp_match t_match = {
	.port = &t_port,
	.sport_min = &t_sport_min,
	.sport_max = &t_sport_max,
	.addr = &t_addr,
	.mac = t_uplink_mac,
};

static void test_byte_order(void **state)
{
	(void)state;
	assert_int_equal(nsp_htons(0x1234), htons(0x1234));
	assert_int_equal(nsp_ntohs(htons(0xabcd)), 0xabcd);
	assert_int_equal(nsp_htonl(0x12345678), htonl(0x12345678));
	assert_int_equal(nsp_ntohl(htonl(0x9abcdef0)), 0x9abcdef0);
	assert_int_equal(NSP_HTONS(ETH_P_IP), htons(ETH_P_IP));
}

/* The gateway, written byte by byte so that it does not depend on our CPU. */
static void gateway_decrement(__u8 b[4])
{
	__u32 le = (__u32)b[0] | (__u32)b[1] << 8 | (__u32)b[2] << 16 | (__u32)b[3] << 24;

	le -= 1;
	b[0] = (__u8)le;
	b[1] = (__u8)(le >> 8);
	b[2] = (__u8)(le >> 16);
	b[3] = (__u8)(le >> 24);
}

struct magic_case {
	__u32 magic;
	__u8 wire[4];	/* TSval bytes of the probe */
	__u8 passed[4]; /* TSval bytes after the gateway's decrement */
};

static const struct magic_case magic_cases[] = {
	{NSP_DEFAULT_MAGIC, {0x4e, 0x53, 0x50, 0x47}, {0x4d, 0x53, 0x50, 0x47}},
	{0x00000001, {0x00, 0x00, 0x00, 0x01}, {0xff, 0xff, 0xff, 0x00}},
	{0x00000100, {0x00, 0x00, 0x01, 0x00}, {0xff, 0xff, 0x00, 0x00}},
	{0x01000000, {0x01, 0x00, 0x00, 0x00}, {0x00, 0x00, 0x00, 0x00}},
	{0x00000000, {0x00, 0x00, 0x00, 0x00}, {0xff, 0xff, 0xff, 0xff}},
	{0xffffffff, {0xff, 0xff, 0xff, 0xff}, {0xfe, 0xff, 0xff, 0xff}},
};

static void test_magic_trap(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(magic_cases) / sizeof(magic_cases[0]); i++) {
		const struct magic_case *c = &magic_cases[i];
		__u32 raw = nsp_magic_raw(c->magic), passed = nsp_magic_pass_raw(c->magic);
		__u8 gw[4];

		print_message("magic 0x%08x\n", c->magic);
		assert_memory_equal(&raw, c->wire, 4);
		assert_memory_equal(&passed, c->passed, 4);
		memcpy(gw, c->wire, 4);
		gateway_decrement(gw);
		assert_memory_equal(gw, c->passed, 4);
		assert_int_equal(nsp_magic_gw_decrement(raw), passed);

		assert_true(nsp_magic_is_probe(raw, c->magic));
		assert_false(nsp_magic_is_answered_probe(raw, c->magic));
		assert_true(nsp_magic_is_answered_probe(passed, c->magic));
		assert_false(nsp_magic_is_probe(passed, c->magic));
	}
	/* the trap itself: the answered value is not ntohl(TSval) - 1 */
	assert_int_equal(nsp_ntohl(nsp_magic_pass_raw(NSP_DEFAULT_MAGIC)), 0x4d535047);
	assert_int_not_equal(nsp_magic_pass_raw(NSP_DEFAULT_MAGIC),
			     nsp_htonl(NSP_DEFAULT_MAGIC - 1));
}

static __u16 tcp_csum_of(const __u8 *frame, size_t l3, size_t l4, size_t len)
{
	__u32 sum = csum_add(0, frame + l3 + 12, 8) + 6 + (__u32)(len - l4);
	__u8 seg[T_FRAME_MAX];

	memcpy(seg, frame + l4, len - l4);
	seg[16] = 0;
	seg[17] = 0;
	return csum_fold(csum_add(sum, seg, len - l4));
}

/* The gateway's incremental checksum update equals a full recomputation. */
static void test_csum_replace(void **state)
{
	const struct frame_spec spec = {0};
	const size_t l3 = 14, l4 = 34, tsval = l4 + 24;
	__u8 f[T_FRAME_MAX];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(magic_cases) / sizeof(magic_cases[0]); i++) {
		__u32 raw = nsp_magic_raw(magic_cases[i].magic);
		__u32 dec = nsp_magic_gw_decrement(raw);
		size_t len = build_frame(&spec, f);
		__u16 csum, want;

		assert_int_equal(f[l4 + 22], NSP_TCPOPT_TIMESTAMP);
		memcpy(f + tsval, &raw, 4);
		put16(f + l4 + 16, tcp_csum_of(f, l3, l4, len));

		memcpy(&csum, f + l4 + 16, 2);
		csum = nsp_csum_replace_raw32(csum, raw, dec);
		memcpy(f + tsval, &dec, 4);
		want = htons(tcp_csum_of(f, l3, l4, len));
		assert_int_equal(csum, want);
	}
}

static void test_counter_names(void **state)
{
	unsigned int i, j;

	(void)state;
	for (i = 0; i < NSP_CNT_MAX; i++) {
		assert_non_null(nsp_counter_name(i));
		assert_true(strlen(nsp_counter_name(i)) > 0);
		for (j = 0; j < i; j++)
			assert_string_not_equal(nsp_counter_name(i), nsp_counter_name(j));
	}
	assert_string_equal(nsp_counter_name(NSP_CNT_REDIRECTED), "redirected");
	assert_string_equal(nsp_counter_name(NSP_CNT_MAX), "unknown");
}

/*
 * The classifier tests copy each frame so that it ends where an inaccessible
 * page begins: a read past data_end faults instead of reading whatever
 * follows the frame in a larger buffer.
 */
static __u8 *guarded;	  /* guard_size bytes, then a PROT_NONE page */
static size_t guard_size; /* the accessible part */

static int guard_setup(void **state)
{
	(void)state;
	guard_size = (size_t)sysconf(_SC_PAGESIZE);
	guarded = mmap(NULL, 2 * guard_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		       -1, 0);
	if (guarded == MAP_FAILED || T_FRAME_MAX + 32 > guard_size ||
	    mprotect(guarded + guard_size, guard_size, PROT_NONE) < 0)
		return -1;
	return 0;
}

static int guard_teardown(void **state)
{
	(void)state;
	return munmap(guarded, 2 * guard_size);
}

/* frame[0..len) copied to end at the inaccessible page; returns the copy */
static const __u8 *at_guard(const __u8 *frame, size_t len)
{
	__u8 *f = guarded + guard_size - len;

	memcpy(f, frame, len);
	return f;
}

static void test_classify_cases(void **state)
{
	__u8 f[T_FRAME_MAX];
	int bad = 0;
	size_t i;

	(void)state;
	for (i = 0; i < N_FRAME_CASES; i++) {
		const struct frame_case *c = &frame_cases[i];
		size_t len = build_frame(&c->spec, f);
		const __u8 *g = at_guard(f, len);
		__u32 got = nsp_classify(g, g + len, &t_match);

		if (got != c->reason) {
			print_error("case \"%s\" (%zu bytes): got %s, want %s\n", c->name, len,
				    nsp_counter_name(got), nsp_counter_name(c->reason));
			bad++;
		}
	}
	assert_int_equal(bad, 0);
}

/* Every strict prefix of a matching frame is truncated; padding is fine. */
static void test_classify_prefixes(void **state)
{
	size_t i, len, cut;
	__u8 f[T_FRAME_MAX + 32];
	const __u8 *g;
	int bad = 0, frames = 0;

	(void)state;
	for (i = 0; i < N_FRAME_CASES; i++) {
		const struct frame_case *c = &frame_cases[i];

		if (c->reason != NSP_CNT_REDIRECTED)
			continue;
		frames++;
		len = build_frame(&c->spec, f);
		for (cut = 0; cut < len; cut++) {
			const __u8 *g = at_guard(f, cut);
			__u32 got = nsp_classify(g, g + cut, &t_match);

			if (got != NSP_CNT_PASS_TRUNCATED) {
				print_error("case \"%s\" cut at %zu of %zu: got %s\n", c->name, cut,
					    len, nsp_counter_name(got));
				bad++;
			}
		}
		memset(f + len, 0, 32);
		g = at_guard(f, len + 32);
		if (nsp_classify(g, g + len + 32, &t_match) != NSP_CNT_REDIRECTED) {
			print_error("case \"%s\" with 32 bytes of padding: not matched\n", c->name);
			bad++;
		}
	}
	assert_true(frames >= 5);
	assert_int_equal(bad, 0);
}

/*
 * The short cut of nsp_classify() (untagged IPv4 without options at fixed
 * offsets) gives the general path's verdict for every frame: each case cut
 * at every length, unchanged and with each of its first 64 bytes replaced
 * by values that steer a parser (ethertypes, version/ihl, protocols), each
 * ending at the inaccessible page.
 */

static int short_cut_differs(const __u8 *frame, size_t len, const char *name, long at, __u8 value)
{
	const __u8 *f = at_guard(frame, len);
	__u32 fast, full;

	fast = nsp_classify_frame(f, f + len, &t_match, 1);
	full = nsp_classify_frame(f, f + len, &t_match, 0);
	if (fast == full)
		return 0;
	if (at < 0)
		print_error("case \"%s\" cut at %zu: short cut %s, general %s\n", name, len,
			    nsp_counter_name(fast), nsp_counter_name(full));
	else
		print_error("case \"%s\" cut at %zu, byte %ld = 0x%02x: short cut %s, general %s\n",
			    name, len, at, value, nsp_counter_name(fast), nsp_counter_name(full));
	return 1;
}

static void test_classify_short_cut(void **state)
{
	static const __u8 values[] = {0x00, 0x01, 0x06, 0x08, 0x11, 0x27, 0x45,
				      0x46, 0x4f, 0x81, 0x86, 0x88, 0xa8, 0xff};
	__u8 f[T_FRAME_MAX], g[T_FRAME_MAX];
	size_t i, len, cut, at, v;
	unsigned long judged = 0, meant = 0;
	int bad = 0;

	(void)state;
	for (i = 0; i < N_FRAME_CASES; i++) {
		const struct frame_case *c = &frame_cases[i];

		len = build_frame(&c->spec, f);
		for (cut = 0; cut <= len; cut++)
			bad += short_cut_differs(f, cut, c->name, -1, 0);
		for (at = 0; at < len && at < 64; at++) {
			for (v = 0; v < sizeof(values); v++) {
				memcpy(g, f, len);
				g[at] = values[v];
				for (cut = at + 1; cut <= len; cut++)
					bad += short_cut_differs(g, cut, c->name, (long)at,
								 values[v]);
			}
		}
		/* the short cut judges exactly the frames it is meant for */
		taken = 0;
		nsp_classify_frame(f, f + len, &t_match, 1);
		judged += taken;
		if (len >= ETH_HLEN + 20 && f[12] == 0x08 && f[13] == 0x00 && f[14] == 0x45 &&
		    (f[23] == NSP_IPPROTO_TCP ? len >= ETH_HLEN + 40 : f[23] != NSP_IPPROTO_ICMP))
			meant++;
	}
	/* not a comparison of the general path with itself */
	assert_int_equal(judged, meant);
	assert_true(meant >= 10);
	assert_int_equal(bad, 0);
}

/*
 * The send side sends IPv4, tagged or not, and drops the rest: every case of
 * the table, and a set of frames of each kind cut at every length (frames.h's
 * tx_sends() is the expectation, from the frame's spec).
 */
static void test_classify_tx(void **state)
{
	static const struct frame_spec specs[] = {
		{.kind = FK_IPV4},
		{.kind = FK_IPV4, .vlans = 1},
		{.kind = FK_IPV4, .vlans = 2, .tpid = {ETH_P_8021AD, ETH_P_8021Q}},
		{.kind = FK_IPV4, .vlans = 3},
		{.kind = FK_IPV4, .vlans = 1, .tpid = {0x9100}}, /* not a TPID we read */
		{.kind = FK_ARP},
		{.kind = FK_ARP, .vlans = 1},
		{.kind = FK_ARP, .vlans = 2},
		{.kind = FK_IPV6},
		{.kind = FK_IPV6, .vlans = 2, .tpid = {ETH_P_8021AD, ETH_P_8021Q}},
	};
	__u8 f[T_FRAME_MAX];
	size_t i, len, cut;
	int bad = 0, sent = 0, dropped = 0;

	(void)state;
	for (i = 0; i < N_FRAME_CASES; i++) {
		const struct frame_case *c = &frame_cases[i];
		const __u8 *g;
		__u32 got, want;

		len = build_frame(&c->spec, f);
		g = at_guard(f, len);
		got = nsp_classify_tx(g, g + len);
		want = tx_sends(&c->spec, len) ? NSP_CNT_REDIRECTED : NSP_CNT_DROP_NOT_IPV4;
		if (got != want) {
			print_error("case \"%s\": got %s, want %s\n", c->name,
				    nsp_counter_name(got), nsp_counter_name(want));
			bad++;
		}
	}
	for (i = 0; i < sizeof(specs) / sizeof(specs[0]); i++) {
		len = build_frame(&specs[i], f);
		for (cut = 0; cut <= len; cut++) {
			const __u8 *g = at_guard(f, cut);
			__u32 got = nsp_classify_tx(g, g + cut);
			__u32 want = tx_sends(&specs[i], cut) ? NSP_CNT_REDIRECTED
							      : NSP_CNT_DROP_NOT_IPV4;

			sent += got == NSP_CNT_REDIRECTED;
			dropped += got == NSP_CNT_DROP_NOT_IPV4;
			if (got != want) {
				print_error(
					"spec %zu (kind %d, %d tag(s)) cut at %zu of %zu: got %s, "
					"want %s\n",
					i, specs[i].kind, specs[i].vlans, cut, len,
					nsp_counter_name(got), nsp_counter_name(want));
				bad++;
			}
		}
	}
	/* both answers given, many times: not a constant */
	assert_true(sent > 100 && dropped > 100);
	assert_int_equal(bad, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_byte_order),	   cmocka_unit_test(test_magic_trap),
		cmocka_unit_test(test_csum_replace),	   cmocka_unit_test(test_counter_names),
		cmocka_unit_test(test_classify_cases),	   cmocka_unit_test(test_classify_prefixes),
		cmocka_unit_test(test_classify_short_cut), cmocka_unit_test(test_classify_tx),
	};

	return cmocka_run_group_tests_name("bpf_parse", tests, guard_setup, guard_teardown);
}
