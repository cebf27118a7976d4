// SPDX-License-Identifier: GPL-2.0-only
/*
 * nsping monitor's pure parts: who keeps a program's events on
 * (monitorctl.c: owners join and leave, the gone are pruned, the rate is
 * the highest asked), and what it prints and lets through (monitorfmt.c).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>

#include <cmocka.h>

#include "monitorctl.h"
#include "monitorfmt.h"

/* Processes by pid: alive unless listed as dead. */
static bool alive_unless_dead(uint32_t pid, uint64_t start_time, void *arg)
{
	const uint32_t *dead = arg;

	(void)start_time;
	for (; dead && *dead; dead++)
		if (*dead == pid)
			return false;
	return true;
}

static struct nsp_monitor_owner owner(uint32_t pid, uint32_t rate)
{
	return (struct nsp_monitor_owner){.pid = pid, .rate = rate, .start_time = 1000 + pid};
}

static struct nsp_monitor_ctl off_ctl(void)
{
	struct nsp_monitor_ctl c = {0};

	nsp_monitor_set_rate(&c, NSP_MON_DEFAULT_RATE);
	return c;
}

static void test_join_leave(void **state)
{
	struct nsp_monitor_ctl c = off_ctl();
	struct nsp_monitor_owner a = owner(100, 50), b = owner(200, 2000);
	uint32_t freed = 0xff;

	(void)state;
	assert_int_equal(nsp_monitor_ctl_join(&c, &a, alive_unless_dead, NULL, &freed), 0);
	assert_true(c.enabled);
	assert_int_equal(c.rate, 50);
	assert_int_equal(c.interval_ns, 20000000);
	assert_int_equal(c.burst_ns, 980000000);
	assert_int_equal(freed, 0);
	assert_int_equal(nsp_monitor_ctl_join(&c, &b, alive_unless_dead, NULL, &freed), 1);
	assert_int_equal(c.rate, 2000);
	/* b leaves: a keeps the events on at its own rate */
	assert_int_equal(nsp_monitor_ctl_leave(&c, &b, alive_unless_dead, NULL, &freed), 1);
	assert_int_equal(freed, 1u << 1);
	assert_true(c.enabled);
	assert_int_equal(c.rate, 50);
	assert_int_equal(c.owners[1].pid, 0);
	/* the last one out switches them off, and the rate back */
	assert_int_equal(nsp_monitor_ctl_leave(&c, &a, alive_unless_dead, NULL, &freed), 0);
	assert_int_equal(freed, 1u << 0);
	assert_false(c.enabled);
	assert_int_equal(c.rate, NSP_MON_DEFAULT_RATE);
	/* leaving twice changes nothing */
	assert_int_equal(nsp_monitor_ctl_leave(&c, &a, alive_unless_dead, NULL, &freed), 0);
	assert_int_equal(freed, 0);
}

/* The same pid with another start time is another process. */
static void test_reused_pid(void **state)
{
	struct nsp_monitor_ctl c = off_ctl();
	struct nsp_monitor_owner a = owner(100, 50), a2 = a;
	uint32_t freed;

	(void)state;
	a2.start_time++;
	assert_int_equal(nsp_monitor_ctl_join(&c, &a, alive_unless_dead, NULL, &freed), 0);
	assert_int_equal(nsp_monitor_ctl_leave(&c, &a2, alive_unless_dead, NULL, &freed), 1);
	assert_true(c.enabled);
	assert_int_equal(c.owners[0].pid, 100);
}

/* An owner killed before it could leave is pruned by the next to join or leave. */
static void test_prune(void **state)
{
	struct nsp_monitor_ctl c = off_ctl();
	struct nsp_monitor_owner a = owner(100, 5000), b = owner(200, 10), d = owner(300, 20);
	uint32_t dead[] = {100, 0}, freed;

	(void)state;
	assert_int_equal(nsp_monitor_ctl_join(&c, &a, alive_unless_dead, NULL, &freed), 0);
	assert_int_equal(nsp_monitor_ctl_join(&c, &b, alive_unless_dead, NULL, &freed), 1);
	/* a dies; d joins: a's slot is freed (and taken by d, whose ring replaces a's) */
	assert_int_equal(nsp_monitor_ctl_join(&c, &d, alive_unless_dead, dead, &freed), 0);
	assert_int_equal(freed, 0);
	assert_int_equal(c.owners[0].pid, 300);
	assert_int_equal(c.rate, 20);
	/* d and b leave with a dead third one in the way: off */
	c.owners[5] = owner(400, 9);
	dead[0] = 400;
	assert_int_equal(nsp_monitor_ctl_leave(&c, &d, alive_unless_dead, dead, &freed), 1);
	assert_int_equal(freed, (1u << 0) | (1u << 5));
	assert_int_equal(nsp_monitor_ctl_leave(&c, &b, alive_unless_dead, dead, &freed), 0);
	assert_false(c.enabled);
}

static void test_full(void **state)
{
	struct nsp_monitor_ctl c = off_ctl(), before;
	struct nsp_monitor_owner x = owner(999, 1);
	uint32_t dead[] = {103, 0}, freed;

	(void)state;
	for (uint32_t i = 0; i < NSP_MON_OWNERS; i++) {
		struct nsp_monitor_owner o = owner(100 + i, 1);

		assert_int_equal(nsp_monitor_ctl_join(&c, &o, alive_unless_dead, NULL, &freed),
				 (int)i);
	}
	before = c;
	assert_int_equal(nsp_monitor_ctl_join(&c, &x, alive_unless_dead, NULL, &freed), -ENOSPC);
	assert_memory_equal(&c, &before, sizeof(c));
	/* one of them gone: its slot */
	assert_int_equal(nsp_monitor_ctl_join(&c, &x, alive_unless_dead, dead, &freed), 3);
}

static void test_parse_filters(void **state)
{
	struct nsp_mon_filter f = {0};
	uint32_t mask = 0;
	char bad[64], list[2048] = "";

	(void)state;
	assert_int_equal(nsp_mon_parse_verdicts("redirected,wrong_dst_port,pass_truncated", &mask,
						bad, sizeof(bad)),
			 0);
	assert_int_equal(mask, (1u << NSP_CNT_REDIRECTED) | (1u << NSP_CNT_PASS_WRONG_DST_PORT) |
				       (1u << NSP_CNT_PASS_TRUNCATED));
	assert_int_equal(nsp_mon_parse_verdicts("redirected,nosuch", &mask, bad, sizeof(bad)),
			 -EINVAL);
	assert_string_equal(bad, "nosuch");
	assert_int_equal(nsp_mon_parse_verdicts("", &mask, bad, sizeof(bad)), -EINVAL);
	assert_int_equal(nsp_mon_parse_targets("10.99.0.1,10.99.0.7", &f, bad, sizeof(bad)), 0);
	assert_int_equal(f.n_targets, 2);
	assert_int_equal(f.targets[1], htonl(0x0a630007));
	assert_int_equal(nsp_mon_parse_targets("10.99.0.300", &f, bad, sizeof(bad)), -EINVAL);
	assert_string_equal(bad, "10.99.0.300");
	assert_int_equal(f.n_targets, 2);
	for (int i = 0; i < NSP_MON_MAX_TARGETS; i++)
		snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s10.0.0.%d",
			 i ? "," : "", i + 1);
	f.n_targets = 0;
	assert_int_equal(nsp_mon_parse_targets(list, &f, bad, sizeof(bad)), 0);
	assert_int_equal(nsp_mon_parse_targets("10.0.1.1", &f, bad, sizeof(bad)), -E2BIG);
}

/* A probe's SYN-ACK from 10.99.0.1:10086 to 10.99.0.2:61445, as rx_ping tells it. */
static struct nsp_event reply(void)
{
	return (struct nsp_event){
		.time_ns = 5000000000ULL + 662530123ULL,
		.ifindex = 2,
		.len = 70,
		.saddr = htonl(0x0a630001),
		.daddr = htonl(0x0a630002),
		.sport = htons(10086),
		.dport = htons(61445),
		.eth_proto = htons(0x0800),
		.program = NSP_MON_RX_PING,
		.verdict = NSP_CNT_REDIRECTED,
		.ip_proto = 6,
		.tcp_flags = 0x12,
	};
}

static void test_match(void **state)
{
	struct nsp_mon_filter f = {0};
	struct nsp_event ev = reply(), icmp = reply();

	(void)state;
	assert_true(nsp_mon_match(&f, &ev));
	f.verdicts = 1u << NSP_CNT_PASS_WRONG_DST_PORT;
	assert_false(nsp_mon_match(&f, &ev));
	f.verdicts |= 1u << NSP_CNT_REDIRECTED;
	assert_true(nsp_mon_match(&f, &ev));
	f.n_targets = 1;
	f.targets[0] = htonl(0x0a630009);
	assert_false(nsp_mon_match(&f, &ev));
	f.targets[0] = ev.daddr;
	assert_true(nsp_mon_match(&f, &ev));
	/* an ICMP error from a router matches its quoted probe's target */
	icmp.saddr = htonl(0x0a610002);
	icmp.ip_proto = 1;
	icmp.quoted_daddr = htonl(0x0a630009);
	f.targets[0] = htonl(0x0a630009);
	assert_true(nsp_mon_match(&f, &icmp));
}

static char *printed(void (*print)(FILE *, const struct nsp_event *, const struct nsp_mon_source *),
		     const struct nsp_event *ev)
{
	/* 1970-01-01T00:00:00Z is CLOCK_MONOTONIC 0 here */
	struct nsp_mon_source src = {"gw", 41, "eth0", 0};
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	print(f, ev, &src);
	fclose(f);
	return buf;
}

static void test_print(void **state)
{
	static const struct {
		const char *name;
		const char *text, *json;
	} cases[] = {
		{"a probe's reply",
		 "00:00:05.662530 gw rx_ping eth0 redirected tcp 10.99.0.1:10086 > 10.99.0.2:61445 "
		 "[SA] len 70\n",
		 "{\"type\":\"event\",\"time_ns\":5662530123,\"time\":\"1970-01-01T00:00:05."
		 "662530Z\",\"instance\":\"gw\",\"program\":\"rx_ping\",\"prog_id\":41,\"ifindex\":"
		 "2,\"interface\":\"eth0\",\"verdict\":\"redirected\",\"len\":70,\"protocol\":"
		 "\"tcp\",\"eth_proto\":2048,\"ip_proto\":6,\"saddr\":\"10.99.0.1\",\"daddr\":\"10."
		 "99.0.2\",\"sport\":10086,\"dport\":61445,\"tcp_flags\":18}\n"},
	};
	struct nsp_event icmp = reply(), arp = {0};
	char *got;

	(void)state;
	setenv("TZ", "UTC", 1);
	tzset();
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct nsp_event ev = reply();

		got = printed(nsp_mon_print_text, &ev);
		if (strcmp(got, cases[i].text))
			fail_msg("%s: text \"%s\", want \"%s\"", cases[i].name, got, cases[i].text);
		free(got);
		got = printed(nsp_mon_print_json, &ev);
		if (strcmp(got, cases[i].json))
			fail_msg("%s: json %s, want %s", cases[i].name, got, cases[i].json);
		free(got);
	}
	/* an ICMP unreachable from a router, quoting a probe */
	icmp.saddr = htonl(0x0a610002);
	icmp.ip_proto = 1;
	icmp.icmp_type = 3;
	icmp.icmp_code = 1;
	icmp.tcp_flags = 0;
	icmp.sport = htons(61445);
	icmp.dport = htons(10086);
	icmp.quoted_daddr = htonl(0x0a630009);
	got = printed(nsp_mon_print_text, &icmp);
	assert_string_equal(got, "00:00:05.662530 gw rx_ping eth0 redirected icmp 10.97.0.2 > "
				 "10.99.0.2 type 3 code 1 quoting tcp :61445 > 10.99.0.9:10086 "
				 "len 70\n");
	free(got);
	/* ARP through tx_ping: no addresses */
	arp.program = NSP_MON_TX_PING;
	arp.eth_proto = htons(0x0806);
	arp.len = 42;
	got = printed(nsp_mon_print_text, &arp);
	assert_string_equal(got, "00:00:00.000000 gw tx_ping eth0 redirected arp len 42\n");
	free(got);
	got = printed(nsp_mon_print_json, &arp);
	assert_non_null(strstr(got, "\"protocol\":\"arp\",\"eth_proto\":2054}"));
	assert_null(strstr(got, "saddr"));
	free(got);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_join_leave),    cmocka_unit_test(test_reused_pid),
		cmocka_unit_test(test_prune),	      cmocka_unit_test(test_full),
		cmocka_unit_test(test_parse_filters), cmocka_unit_test(test_match),
		cmocka_unit_test(test_print),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
