/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Datapath counters: one slot per verdict reason in the per-CPU array map
 * NSP_COUNTERS_MAP ("nsp_counters", key __u32, value __u64 per CPU) of every
 * nsping BPF object.  User space sums the per-CPU values of a slot.
 *
 * Every run of a program counts exactly one slot; a frame wrong in two ways
 * counts under the first test it fails (the order is in parse.h).  The
 * indexes are ABI between the programs and `nsping status`: append, never
 * renumber.
 */
#ifndef NSPING_COUNTERS_H
#define NSPING_COUNTERS_H

#define NSP_COUNTERS_MAP "nsp_counters"

enum nsp_counter {
	/* the frame was handed to bpf_redirect*() (XDP_REDIRECT/TC_ACT_REDIRECT) */
	NSP_CNT_REDIRECTED = 0,
	/* bpf_redirect*() refused; the frame was passed instead */
	NSP_CNT_REDIRECT_ERROR,
	/* the frame would be redirected but the target ifindex is 0 (unset) */
	NSP_CNT_PASS_UNCONFIGURED,
	/* passed: the ethertype (after up to two VLAN tags) is not IPv4 */
	NSP_CNT_PASS_NOT_IPV4,
	/* passed: IP version is not 4 or ihl < 5 */
	NSP_CNT_PASS_BAD_IP_HEADER,
	/* passed: an IP fragment (MF set or offset non-zero) */
	NSP_CNT_PASS_FRAGMENT,
	/* passed: IP protocol is neither TCP nor ICMP */
	NSP_CNT_PASS_NOT_TCP,
	/* passed: TCP doff < 5 */
	NSP_CNT_PASS_BAD_TCP_HEADER,
	/* passed: TCP source port is not the probe port */
	NSP_CNT_PASS_WRONG_PORT,
	/* passed: IPv4 destination is not the instance address */
	NSP_CNT_PASS_WRONG_DST_IP,
	/* passed: Ethernet destination is not the uplink MAC */
	NSP_CNT_PASS_WRONG_DST_MAC,
	/* passed: the frame ends inside a header (Ethernet, VLAN, IP with its
	 * options, TCP with its options) */
	NSP_CNT_PASS_TRUNCATED,
	/* passed: from the probe port, but to a TCP port outside the worker's
	 * source ports (ping.sport_min..sport_max): a node's own connection */
	NSP_CNT_PASS_WRONG_DST_PORT,
	/* passed: ICMP, but not a destination unreachable or time exceeded
	 * that quotes a probe of this instance */
	NSP_CNT_PASS_ICMP_NOT_PROBE,
	/* dropped (tx programs): a frame of the isolated netns that is not
	 * IPv4 (ARP, IPv6), which must not reach the wire (parse.h,
	 * nsp_classify_tx) */
	NSP_CNT_DROP_NOT_IPV4,
	NSP_CNT_MAX
};

#ifndef __bpf__
/* Stable names for `status` output (JSON keys). */
static inline const char *nsp_counter_name(unsigned int idx)
{
	static const char *const names[NSP_CNT_MAX] = {
		[NSP_CNT_REDIRECTED] = "redirected",
		[NSP_CNT_REDIRECT_ERROR] = "redirect_error",
		[NSP_CNT_PASS_UNCONFIGURED] = "pass_unconfigured",
		[NSP_CNT_PASS_NOT_IPV4] = "pass_not_ipv4",
		[NSP_CNT_PASS_BAD_IP_HEADER] = "pass_bad_ip_header",
		[NSP_CNT_PASS_FRAGMENT] = "pass_fragment",
		[NSP_CNT_PASS_NOT_TCP] = "pass_not_tcp",
		[NSP_CNT_PASS_BAD_TCP_HEADER] = "pass_bad_tcp_header",
		[NSP_CNT_PASS_WRONG_PORT] = "pass_wrong_port",
		[NSP_CNT_PASS_WRONG_DST_IP] = "pass_wrong_dst_ip",
		[NSP_CNT_PASS_WRONG_DST_MAC] = "pass_wrong_dst_mac",
		[NSP_CNT_PASS_TRUNCATED] = "pass_truncated",
		[NSP_CNT_PASS_WRONG_DST_PORT] = "pass_wrong_dst_port",
		[NSP_CNT_PASS_ICMP_NOT_PROBE] = "pass_icmp_not_probe",
		[NSP_CNT_DROP_NOT_IPV4] = "drop_not_ipv4",
	};

	return idx < NSP_CNT_MAX ? names[idx] : "unknown";
}
#endif

#endif /* NSPING_COUNTERS_H */
