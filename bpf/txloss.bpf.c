// SPDX-License-Identifier: GPL-2.0-only
/*
 * txloss: the kernel's word that an XDP frame redirected from a watched
 * device was lost, for `nsping run` (reconciler/txalarm.h).  The kernel
 * counts such losses but notifies nobody; without this, run reads the
 * counters a few times a second just in case.  Attached only while run
 * runs (bpf links, gone with it), never part of the datapath.
 *
 * A frame tx_ping redirects is lost either in the redirect itself (the
 * target cannot take XDP frames at all: xdp_redirect_err) or by the
 * target's driver, which takes fewer frames of a bulk than it was given
 * (xdp_devmap_xmit's drops; a plain bpf_redirect() to an ifindex goes
 * through the same bulk queue).  Both name the device the frames came from:
 * a watched one (the host-side veths where tx_ping runs, by ifindex in the
 * host netns) raises the alarm.
 *
 * One alarm until run has read the counters: it clears `raised` first, so a
 * flood of losses wakes run once per reading, not once per frame.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

/* BPF_PROG hands every program ctx beside the arguments it names */
#pragma clang diagnostic ignored "-Wunused-parameter"

#include "nsping_txloss.h"

/* The one field read, placed by the running kernel's BTF (CO-RE). */
struct net_device {
	int ifindex;
} __attribute__((preserve_access_index));

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, NSP_TXLOSS_WATCHED_MAX);
	__type(key, __u32);  /* ifindex */
	__type(value, __u8); /* 1 */
} nsp_txloss_watched SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
} nsp_txloss_alarms SEC(".maps");

/* 1 from an alarm until run has taken it */
__u32 raised = 0;

static __always_inline void alarm(const struct net_device *from, int lost)
{
	__u32 ifindex;

	if (lost <= 0)
		return;
	ifindex = (__u32)from->ifindex;
	if (!bpf_map_lookup_elem(&nsp_txloss_watched, &ifindex))
		return;
	if (__sync_val_compare_and_swap(&raised, 0, 1) != 0)
		return;
	bpf_ringbuf_output(&nsp_txloss_alarms, &ifindex, sizeof(ifindex), 0);
}

/* the tracepoints' leading arguments, as far as needed (include/trace/events/xdp.h) */
SEC("tp_btf/xdp_devmap_xmit")
int BPF_PROG(txloss_xmit, const struct net_device *from_dev, const struct net_device *to_dev,
	     int sent, int drops)
{
	alarm(from_dev, drops);
	return 0;
}

SEC("tp_btf/xdp_redirect_err")
int BPF_PROG(txloss_redirect, const struct net_device *dev)
{
	alarm(dev, 1);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
