// SPDX-License-Identifier: GPL-2.0-only
/* The empty XDP program: the floor that bench_xdp measures rx_ping against. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("xdp")
int xdp_pass(struct xdp_md *ctx)
{
	(void)ctx;
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
