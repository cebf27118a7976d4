// SPDX-License-Identifier: GPL-2.0-only
/*
 * diagnose's walk (pathwalk.h): from the counters of a healthy flow, each
 * broken lab of the kernel suite changes what one hop sees, and the verdict
 * must name that hop and what to do, never an earlier or a later one.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "pathwalk.h"

#define PROBES 5

/* What a healthy flow of 5 probes leaves behind: every counter adds up. */
static struct nsp_walk_input healthy(void)
{
	struct nsp_walk_input in = {
		.netns = "nsping-gw",
		.target = 0x0a00630a, /* any address: only printed */
		.port = 10086,
		.count = PROBES,
		.netns_present = true,
		.tx = {.program = NSP_PROG_TX_PING,
		       .bound = true,
		       .ifname = "nsping-h",
		       .present = true,
		       .ours = true,
		       .counted = true},
		.rx = {.program = NSP_PROG_RX_PING,
		       .bound = true,
		       .ifname = "eth0",
		       .present = true,
		       .ours = true,
		       .counted = true},
		.uplink = {.present = true,
			   .up = true,
			   .running = true,
			   .name = "eth0",
			   .mac = {{0x02, 0, 0, 0, 0, 0x01}},
			   .counted = true},
		.host = {.present = true,
			 .up = true,
			 .running = true,
			 .name = "nsping-h",
			 .counted = true},
		.peer = {.present = true,
			 .up = true,
			 .running = true,
			 .name = "nsping-p",
			 .mac = {{0x02, 0, 0, 0, 0, 0x01}},
			 .counted = true},
		.snmp_counted = true,
		.flow = {.src = 0x0200630a,
			 .sent = PROBES,
			 .answered = PROBES,
			 .rtt_min_us = 100,
			 .rtt_max_us = 300},
	};

	in.peer.delta.tx_packets = PROBES;
	in.tx.delta[NSP_CNT_REDIRECTED] = PROBES;
	in.rx.delta[NSP_CNT_REDIRECTED] = PROBES;
	in.snmp_delta.ip_in_receives = PROBES;
	in.snmp_delta.ip_in_delivers = PROBES;
	in.snmp_delta.tcp_in_segs = PROBES;
	return in;
}

/* No probe came back: what every broken lab starts from. */
static struct nsp_walk_input unanswered(struct nsp_walk_input in)
{
	in.flow.answered = 0;
	in.flow.rtt_min_us = in.flow.rtt_max_us = 0;
	return in;
}

static void assert_verdict(const struct nsp_walk_input *in, enum nsp_hop hop, const char *says)
{
	struct nsp_walk w;

	nsp_walk(in, &w);
	if (w.ok || w.hop != hop || !strstr(w.verdict, says))
		fail_msg("want a failure at %s saying \"%s\", got %s at %s: %s", nsp_hop_name(hop),
			 says, w.ok ? "ok" : "a failure", nsp_hop_name(w.hop), w.verdict);
	assert_int_equal(w.hops[hop].status, NSP_HOP_FAIL);
	for (unsigned int h = 0; h < NSP_HOP_COUNT; h++) {
		if (h < hop)
			assert_int_not_equal(w.hops[h].status, NSP_HOP_FAIL);
		else if (h > hop)
			assert_int_equal(w.hops[h].status, NSP_HOP_SKIP);
	}
	assert_string_equal(w.hops[hop].detail, w.verdict + strlen(nsp_hop_name(hop)) + 2);
}

static void test_healthy(void **state)
{
	struct nsp_walk_input in = healthy();
	struct nsp_walk w;

	(void)state;
	nsp_walk(&in, &w);
	assert_true(w.ok);
	assert_string_equal(w.verdict, "ok: 5 of 5 probes answered, rtt 0.100..0.300 ms");
	for (unsigned int h = 0; h < NSP_HOP_COUNT; h++)
		if (w.hops[h].status != NSP_HOP_OK)
			fail_msg("hop %s: %s: %s", nsp_hop_name(h),
				 nsp_hop_status_name(w.hops[h].status), w.hops[h].detail);
	/* the evidence names the counters it shows */
	assert_string_equal(w.hops[NSP_HOP_TX_PING].ev[0].name, "redirected");
	assert_int_equal(w.hops[NSP_HOP_TX_PING].ev[0].value, PROBES);
}

/* What tx_ping drops (the netns's ARP and IPv6) is shown, and judged no fault of the path. */
static void test_tx_drops_not_ipv4(void **state)
{
	struct nsp_walk_input in = healthy();
	struct nsp_walk w;
	unsigned int i;

	(void)state;
	in.tx.delta[NSP_CNT_DROP_NOT_IPV4] = 2;
	nsp_walk(&in, &w);
	assert_true(w.ok);
	assert_int_equal(w.hops[NSP_HOP_TX_PING].status, NSP_HOP_OK);
	for (i = 0; i < w.hops[NSP_HOP_TX_PING].n_ev; i++)
		if (!strcmp(w.hops[NSP_HOP_TX_PING].ev[i].name, "drop_not_ipv4"))
			break;
	assert_true(i < w.hops[NSP_HOP_TX_PING].n_ev);
	assert_int_equal(w.hops[NSP_HOP_TX_PING].ev[i].value, 2);
}

/* Every probe answered: a hop whose numbers do not add up is a warning, not a verdict. */
static void test_answered_with_noise_is_ok(void **state)
{
	struct nsp_walk_input in = healthy();
	struct nsp_walk w;

	(void)state;
	in.uplink.delta.tx_dropped = 3; /* someone else's frames */
	nsp_walk(&in, &w);
	assert_true(w.ok);
	assert_int_equal(w.hops[NSP_HOP_UPLINK_OUT].status, NSP_HOP_WARN);
	assert_int_equal(w.hops[NSP_HOP_SOCKET].status, NSP_HOP_OK);
	assert_true(!strncmp(w.verdict, "ok: ", 4));
}

static void test_netns_missing(void **state)
{
	struct nsp_walk_input in = unanswered(healthy());

	(void)state;
	in.netns_present = false;
	in.flow = (struct nsp_flow_result){0};
	assert_verdict(&in, NSP_HOP_SEND, "netns nsping-gw does not exist");
}

static void test_send_errors(void **state)
{
	struct nsp_walk_input in = unanswered(healthy());

	(void)state;
	in.flow.sent = 2;
	in.flow.send_err = -ENETUNREACH;
	assert_verdict(&in, NSP_HOP_SEND, "2 of 5 probes");
	in.flow_err = -EPERM;
	assert_verdict(&in, NSP_HOP_SEND, "cannot open the probe sockets");
}

static void test_peer_down(void **state)
{
	struct nsp_walk_input in = unanswered(healthy());

	(void)state;
	in.peer.delta.tx_packets = 0;
	in.peer.delta.tx_dropped = PROBES;
	assert_verdict(&in, NSP_HOP_NETNS_OUT, "no neighbour entry for the gateway");
	in.peer.present = false;
	assert_verdict(&in, NSP_HOP_NETNS_OUT, "veth is missing");
}

static void test_tx_ping_detached_or_failing(void **state)
{
	struct nsp_walk_input in = unanswered(healthy());

	(void)state;
	in.tx.present = false;
	assert_verdict(&in, NSP_HOP_TX_PING, "tx_ping is not attached to nsping-h");
	in.tx.present = true;
	in.tx.delta[NSP_CNT_REDIRECTED] = 0;
	in.tx.delta[NSP_CNT_REDIRECT_ERROR] = PROBES;
	assert_verdict(&in, NSP_HOP_TX_PING, "redirect_error +5");
	/* without a tx binding the hop is not ours to judge */
	in = unanswered(healthy());
	in.tx.bound = false;
	in.rx.delta[NSP_CNT_REDIRECTED] = 0;
	in.snmp_delta = (struct nsp_snmp){0};
	{
		struct nsp_walk w;

		nsp_walk(&in, &w);
		assert_int_equal(w.hops[NSP_HOP_TX_PING].status, NSP_HOP_SKIP);
		assert_int_equal(w.hop, NSP_HOP_GATEWAY);
	}
}

/* The redirect itself failed: the host-side veth counts what tx_ping could not send. */
static void test_tx_redirect_dropped(void **state)
{
	struct nsp_walk_input in = unanswered(healthy());

	(void)state;
	in.host.xdp_drop_known = true;
	in.host.xdp_drop_delta = PROBES;
	assert_verdict(&in, NSP_HOP_TX_PING, "the kernel dropped 5 of them");
}

static void test_uplink_loses_frames(void **state)
{
	struct nsp_walk_input in = unanswered(healthy());

	(void)state;
	in.uplink.xdp_loss_known = true;
	in.uplink.xdp_loss_delta = PROBES;
	assert_verdict(&in, NSP_HOP_UPLINK_OUT, "driver XDP losses +5");
	in.uplink.running = false;
	assert_verdict(&in, NSP_HOP_UPLINK_OUT, "uplink eth0 has no carrier");
}

static void test_gateway_silent(void **state)
{
	struct nsp_walk_input in = unanswered(healthy());

	(void)state;
	in.rx.delta[NSP_CNT_REDIRECTED] = 0;
	in.snmp_delta = (struct nsp_snmp){0};
	assert_verdict(&in, NSP_HOP_GATEWAY, "is silent");
	in.flow.closed = PROBES;
	assert_verdict(&in, NSP_HOP_GATEWAY, "with RST: nothing listens on port 10086");
	in.flow.closed = 0;
	in.flow.unreachable = PROBES;
	assert_verdict(&in, NSP_HOP_GATEWAY, "ICMP errors");
	/* without rx_ping's counters nobody knows whether a reply reached the uplink */
	in.flow.unreachable = 0;
	in.rx.bound = false;
	assert_verdict(&in, NSP_HOP_GATEWAY, "without an rx_ping binding");
}

static void test_some_replies_lost_beyond_the_node(void **state)
{
	struct nsp_walk_input in = healthy();

	(void)state;
	in.flow.answered = 3;
	in.rx.delta[NSP_CNT_REDIRECTED] = 3;
	in.snmp_delta.ip_in_receives = in.snmp_delta.ip_in_delivers = 3;
	assert_verdict(&in, NSP_HOP_GATEWAY, "3 replies to 5 probes reached the uplink");
}

static void test_wrong_mac(void **state)
{
	struct nsp_walk_input in = unanswered(healthy());

	(void)state;
	in.peer.mac.b[5] = 0x55; /* the instance's mac is not the uplink's */
	in.rx.delta[NSP_CNT_REDIRECTED] = 0;
	in.rx.delta[NSP_CNT_PASS_WRONG_DST_MAC] = PROBES;
	in.snmp_delta = (struct nsp_snmp){0};
	assert_verdict(&in, NSP_HOP_RX_PING, "set mac = \"inherit\"");
	/* the same MAC: the gateway's neighbour entry is what is wrong */
	in.peer.mac.b[5] = 0x01;
	assert_verdict(&in, NSP_HOP_RX_PING, "the gateway's neighbour entry");
}

static void test_rx_ping_missing_or_foreign(void **state)
{
	struct nsp_walk_input in = unanswered(healthy());

	(void)state;
	in.rx.delta[NSP_CNT_REDIRECTED] = 0;
	in.rx.counted = false;
	in.snmp_delta = (struct nsp_snmp){0};
	in.rx.present = false;
	assert_verdict(&in, NSP_HOP_RX_PING, "rx_ping is not attached to eth0 (xdp)");
	in.rx.present = true;
	in.rx.ours = false;
	in.rx.id = 77;
	snprintf(in.rx.name, sizeof(in.rx.name), "xdp_pass");
	assert_verdict(&in, NSP_HOP_RX_PING,
		       "not ours holds eth0's XDP hook (id 77, \"xdp_pass\")");
}

/* rx_ping at XDP redirected, and the host-side veth would not take the frames. */
static void test_rx_redirect_dropped(void **state)
{
	struct nsp_walk_input in = unanswered(healthy());

	(void)state;
	in.snmp_delta = (struct nsp_snmp){0};
	in.uplink.xdp_drop_known = true;
	in.uplink.xdp_drop_delta = PROBES;
	assert_verdict(&in, NSP_HOP_RX_PING, "nsping-h refuses XDP frames");
	/* at tc, the uplink's XDP statistics are not rx_ping's */
	in.rx.attach = NSP_ATTACH_TC;
	assert_verdict(&in, NSP_HOP_NETNS_IN, "(offload.gro)");
}

static void test_gro_off_loses_redirects(void **state)
{
	struct nsp_walk_input in = unanswered(healthy());

	(void)state;
	in.snmp_delta = (struct nsp_snmp){0};
	in.host.delta.tx_dropped = PROBES;
	assert_verdict(&in, NSP_HOP_NETNS_IN, "(offload.gro)");
}

static void test_bad_checksums(void **state)
{
	struct nsp_walk_input in = unanswered(healthy());

	(void)state;
	in.snmp_delta.ip_in_delivers = PROBES;
	in.snmp_delta.tcp_in_csum_errors = PROBES;
	in.flow.malformed = PROBES;
	assert_verdict(&in, NSP_HOP_NETNS_STACK, "attach = \"tc\"");
}

static void test_netfilter_in_the_netns(void **state)
{
	struct nsp_walk_input in = unanswered(healthy());

	(void)state;
	in.snmp_delta.ip_in_delivers = 0;
	assert_verdict(&in, NSP_HOP_NETNS_STACK, "a netfilter rule in netns nsping-gw");
	in.snmp_delta.ip_in_discards = PROBES;
	assert_verdict(&in, NSP_HOP_NETNS_STACK, "discarded 5 packets");
}

/* Every counter adds up and still the socket got nothing: say so, at the socket. */
static void test_lost_where_no_counter_shows(void **state)
{
	struct nsp_walk_input in = unanswered(healthy());

	(void)state;
	in.flow.unmatched = PROBES;
	assert_verdict(&in, NSP_HOP_SOCKET, "replies to 0 of 5 probes (unmatched +5)");
}

static void test_drift_is_named(void **state)
{
	struct nsp_walk_input in = unanswered(healthy());
	struct nsp_walk w;

	(void)state;
	in.rx.present = false;
	in.drift = 2;
	nsp_walk(&in, &w);
	assert_non_null(strstr(w.verdict, "the instance has drifted: 2 changes pending"));
	in.drift = 1;
	nsp_walk(&in, &w);
	assert_non_null(strstr(w.verdict, "1 change pending"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_healthy),
		cmocka_unit_test(test_answered_with_noise_is_ok),
		cmocka_unit_test(test_netns_missing),
		cmocka_unit_test(test_send_errors),
		cmocka_unit_test(test_peer_down),
		cmocka_unit_test(test_tx_ping_detached_or_failing),
		cmocka_unit_test(test_tx_redirect_dropped),
		cmocka_unit_test(test_tx_drops_not_ipv4),
		cmocka_unit_test(test_uplink_loses_frames),
		cmocka_unit_test(test_gateway_silent),
		cmocka_unit_test(test_some_replies_lost_beyond_the_node),
		cmocka_unit_test(test_wrong_mac),
		cmocka_unit_test(test_rx_ping_missing_or_foreign),
		cmocka_unit_test(test_rx_redirect_dropped),
		cmocka_unit_test(test_gro_off_loses_redirects),
		cmocka_unit_test(test_bad_checksums),
		cmocka_unit_test(test_netfilter_in_the_netns),
		cmocka_unit_test(test_lost_where_no_counter_shows),
		cmocka_unit_test(test_drift_is_named),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
