// SPDX-License-Identifier: GPL-2.0-only
/*
 * The empty tc program: the floor that bench/traffic.sh measures rx_ping_tc
 * against (what the uplink's tc ingress hook costs before any parsing).
 */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>

SEC("tc")
int tc_pass(struct __sk_buff *skb)
{
	(void)skb;
	return TC_ACT_UNSPEC;
}

char LICENSE[] SEC("license") = "GPL";
