// SPDX-License-Identifier: GPL-2.0-only
/*
 * Test-only packet sinks for the far end of a veth: count and drop the
 * frames that the test sent, and keep a copy of the last one, so the test
 * sees where a program under test redirected a frame and that it arrived
 * unchanged.  Frames are recognised by their source MAC, so the kernel's
 * own chatter on the test links does not count.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>

#define SINK_COPY 128

/* Source MAC of every frame that the test injects. */
const volatile __u8 test_src_mac[6] = {};

__u64 xdp_packets = 0;	 /* arrived through XDP (redirect into the veth) */
__u64 tc_packets = 0;	 /* arrived at tc ingress (e.g. bpf_redirect_peer) */
__u64 other_packets = 0; /* not ours */
__u32 last_len = 0;
__u8 last[SINK_COPY] = {};

static __always_inline int from_test(const void *data, const void *data_end)
{
	const struct ethhdr *eth = data;
	int i;

	if ((const void *)(eth + 1) > data_end)
		return 0;
	for (i = 0; i < 6; i++)
		if (eth->h_source[i] != test_src_mac[i])
			return 0;
	return 1;
}

static __always_inline void keep(const void *data, const void *data_end, __u32 len)
{
	const __u8 *p = data;
	int i;

	for (i = 0; i < SINK_COPY; i++) {
		if ((const void *)(p + i + 1) > data_end)
			break;
		last[i] = p[i];
	}
	last_len = len;
}

SEC("xdp")
int sink_xdp(struct xdp_md *ctx)
{
	const void *data = (const void *)(long)ctx->data;
	const void *data_end = (const void *)(long)ctx->data_end;

	if (!from_test(data, data_end)) {
		__sync_fetch_and_add(&other_packets, 1);
		return XDP_PASS;
	}
	keep(data, data_end, (__u32)bpf_xdp_get_buff_len(ctx));
	__sync_fetch_and_add(&xdp_packets, 1);
	return XDP_DROP;
}

SEC("tc")
int sink_tc(struct __sk_buff *skb)
{
	const void *data = (const void *)(long)skb->data;
	const void *data_end = (const void *)(long)skb->data_end;

	if (!from_test(data, data_end)) {
		__sync_fetch_and_add(&other_packets, 1);
		return TC_ACT_OK;
	}
	keep(data, data_end, skb->len);
	__sync_fetch_and_add(&tc_packets, 1);
	return TC_ACT_SHOT;
}

char LICENSE[] SEC("license") = "GPL";
