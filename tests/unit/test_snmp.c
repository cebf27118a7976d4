// SPDX-License-Identifier: GPL-2.0-only
/*
 * The netns's IPv4 counters (snmp.h) from /proc/net/snmp's text, and which
 * driver statistics diagnose sums as XDP losses (ethstats.h).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "ethstats.h"
#include "snmp.h"

/* Debian 12's kernel, verbatim but for the values (each distinct). */
static const char snmp_text[] =
	"Ip: Forwarding DefaultTTL InReceives InHdrErrors InAddrErrors ForwDatagrams "
	"InUnknownProtos InDiscards InDelivers OutRequests OutDiscards OutNoRoutes ReasmTimeout "
	"ReasmReqds ReasmOKs ReasmFails FragOKs FragFails FragCreates OutTransmits\n"
	"Ip: 2 64 3414 11 12 0 0 13 3378 2329 0 14 0 0 0 0 0 0 0 2329\n"
	"Icmp: InMsgs InErrors InCsumErrors InDestUnreachs InTimeExcds InParmProbs InSrcQuenchs "
	"InRedirects InEchos InEchoReps InTimestamps InTimestampReps InAddrMasks InAddrMaskReps "
	"OutMsgs OutErrors OutRateLimitGlobal OutRateLimitHost OutDestUnreachs OutTimeExcds "
	"OutParmProbs OutSrcQuenchs OutRedirects OutEchos OutEchoReps OutTimestamps "
	"OutTimestampReps OutAddrMasks OutAddrMaskReps\n"
	"Icmp: 21 22 23 2 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n"
	"IcmpMsg: InType3\n"
	"IcmpMsg: 2\n"
	"Tcp: RtoAlgorithm RtoMin RtoMax MaxConn ActiveOpens PassiveOpens AttemptFails "
	"EstabResets CurrEstab InSegs OutSegs RetransSegs InErrs OutRsts InCsumErrors\n"
	"Tcp: 1 200 120000 -1 33 4 1 0 0 2874 1794 0 31 32 33\n"
	"Udp: InDatagrams NoPorts InErrors OutDatagrams RcvbufErrors SndbufErrors InCsumErrors "
	"IgnoredMulti MemErrors\n"
	"Udp: 1 2 3 4 5 6 7 8 9\n";

static void test_parse_kernel_text(void **state)
{
	struct nsp_snmp s;

	(void)state;
	assert_int_equal(nsp_snmp_parse(snmp_text, &s), 0);
	assert_true(s.ip_in_receives == 3414 && s.ip_in_hdr_errors == 11 &&
		    s.ip_in_addr_errors == 12 && s.ip_in_discards == 13 &&
		    s.ip_in_delivers == 3378 && s.ip_out_requests == 2329 &&
		    s.ip_out_no_routes == 14);
	assert_true(s.icmp_in_msgs == 21 && s.icmp_in_errors == 22 && s.icmp_in_csum_errors == 23);
	/* Tcp's MaxConn is -1: the fields after it are still read right */
	assert_true(s.tcp_in_segs == 2874 && s.tcp_in_errs == 31 && s.tcp_out_rsts == 32 &&
		    s.tcp_in_csum_errors == 33);
}

/* An older kernel without InCsumErrors: what it lacks is 0, the rest is read. */
static void test_missing_counters_are_zero(void **state)
{
	struct nsp_snmp s;

	(void)state;
	assert_int_equal(nsp_snmp_parse("Ip: Forwarding InReceives\nIp: 1 7\n"
					"Tcp: InSegs InErrs\nTcp: 5 6\n",
					&s),
			 0);
	assert_true(s.ip_in_receives == 7 && s.tcp_in_segs == 5 && s.tcp_in_errs == 6 &&
		    s.tcp_in_csum_errors == 0 && s.icmp_in_msgs == 0);
	/* fewer values than names: the names without one stay 0 */
	assert_int_equal(nsp_snmp_parse("Ip: InReceives InDelivers\nIp: 9\n", &s), 0);
	assert_true(s.ip_in_receives == 9 && s.ip_in_delivers == 0);
}

static void test_no_ip_pair_is_refused(void **state)
{
	struct nsp_snmp s;

	(void)state;
	assert_int_equal(nsp_snmp_parse("", &s), -EINVAL);
	assert_int_equal(nsp_snmp_parse("Tcp: InSegs\nTcp: 5\n", &s), -EINVAL);
	/* a names line without its values line */
	assert_int_equal(nsp_snmp_parse("Ip: InReceives\nTcp: InSegs\nTcp: 5\n", &s), -EINVAL);
	assert_int_equal(nsp_snmp_parse("Ip: InReceives", &s), -EINVAL);
	assert_int_equal(nsp_snmp_parse("no colon here\n", &s), -EINVAL);
}

/* The calling process's own netns: the kernel's text parses, and packets were counted. */
static void test_read_own_netns(void **state)
{
	struct nsp_snmp s;

	(void)state;
	assert_int_equal(nsp_snmp_read(&s), 0);
	assert_true(s.ip_in_receives >= s.ip_in_delivers);
}

static void test_xdp_loss_names(void **state)
{
	static const char *const losses[] = {
		"tx_queue_0_xdp_xmit_errors", /* veth */
		"tx_queue_3_xdp_tx_drops",    /* virtio_net */
		"tx_xdp_err",		      /* mlx5 */
	};
	static const char *const others[] = {
		"rx_queue_0_xdp_packets",
		"tx_queue_0_xdp_xmit",
		"rx_queue_0_drops",
		"rx_queue_0_xdp_redirect",
		"tx_errors",
		"peer_ifindex",
		/* receive side: XDP_TX failures, XDP_DROP verdicts */
		"rx_queue_0_xdp_tx_errors",
		"rx_queue_0_xdp_drops",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(losses) / sizeof(losses[0]); i++)
		if (!nsp_ethstat_is_xdp_loss(losses[i]))
			fail_msg("%s is an XDP loss", losses[i]);
	for (size_t i = 0; i < sizeof(others) / sizeof(others[0]); i++)
		if (nsp_ethstat_is_xdp_loss(others[i]))
			fail_msg("%s is not an XDP loss", others[i]);
}

static void test_veth_xdp_drop_names(void **state)
{
	(void)state;
	assert_true(nsp_ethstat_is_veth_xdp_drop("rx_queue_0_drops"));
	assert_true(nsp_ethstat_is_veth_xdp_drop("rx_queue_15_drops"));
	assert_false(nsp_ethstat_is_veth_xdp_drop("rx_queue_0_xdp_drops")); /* XDP_DROP verdicts */
	assert_false(nsp_ethstat_is_veth_xdp_drop("rx_queue_0_drops_total"));
	assert_false(nsp_ethstat_is_veth_xdp_drop("tx_queue_0_drops"));
	assert_false(nsp_ethstat_is_veth_xdp_drop("rx_queue__drops"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_kernel_text),
		cmocka_unit_test(test_missing_counters_are_zero),
		cmocka_unit_test(test_no_ip_pair_is_refused),
		cmocka_unit_test(test_read_own_netns),
		cmocka_unit_test(test_xdp_loss_names),
		cmocka_unit_test(test_veth_xdp_drop_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
