/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What every nsping BPF object carries: the read-only data that the
 * reconciler writes before load (and reads back from an attached program
 * to prove that it is ours and current), the counters map, and the
 * monitor's maps (nsping_monitor.h).
 * Include from exactly one .bpf.c per object.
 *
 * The names and types are the same in every object, so one piece of
 * user-space code can read any of them through the skeleton or the map's
 * BTF.  Unused fields stay in the object on purpose: they are ownership
 * marks, not inputs.
 */
#ifndef NSPING_BPF_H
#define NSPING_BPF_H

#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <stdbool.h>
#include <bpf/bpf_helpers.h>

#include "nsping_magic.h"
#include "nsping_counters.h"
#include "nsping_uplink.h"

/* nsping instance name, NUL-padded (DESIGN.md: at most 15 chars). */
const volatile char instance[16] = {};
/* The uplink NIC when the program was loaded, host netns (uplink_now: now). */
const volatile __u32 uplink_ifindex = 0;
/* The host-side veth (rx_ping's redirect target), host netns. */
const volatile __u32 veth_ifindex = 0;
/* Identifies the nsping build that loaded the object. */
const volatile __u64 build_id = 0;
/* Probe TCP port, host order; replies come from it. */
const volatile __u16 port = NSP_DEFAULT_PORT;
/* The instance's IPv4 address, network order. */
const volatile __be32 addr = 0;
/* The uplink's MAC (also the netns-side veth's MAC). */
const volatile __u8 uplink_mac[6] = {};
/* The worker's source ports (ping.sport_min..sport_max), host order. */
const volatile __u16 sport_min = NSP_DEFAULT_SPORT_MIN;
const volatile __u16 sport_max = NSP_DEFAULT_SPORT_MAX;
/*
 * The netns-side veth's ifindex, inside the isolated netns: an ownership
 * mark that lets the reconciler check the pair a tc program was built for.
 * The XDP objects leave it 0.
 */
const volatile __u32 peer_ifindex = 0;
/*
 * The layout only grows: what follows is new, so an older build's shorter
 * rodata reads it as zeros.
 * The instance's scope (nsping.conf(5)), NUL-padded; zeros read "default".
 */
const volatile char scope[16] = {};
/*
 * The inode of the host netns the program was loaded for: BPF program ids
 * are global, and this tells the reconciler of another netns (another node
 * of a lab) that a program is not its own without asking where it is
 * attached. 0: unknown (an older build).
 */
const volatile __u64 host_netns = 0;

/*
 * The uplink NIC now, host netns: uplink_ifindex at load, rewritten in place
 * by run when the uplink comes back under a new ifindex (a driver reload), so
 * that the same program serves on and no new one waits for the kernel's XDP
 * dispatcher (docs/DESIGN.md, "A re-attach without a grace period").
 * tx_ping's redirect target, read at every frame; where rx_ping belongs
 * (it redirects only when it knows: unset, it passes a reply as tx_ping
 * does a frame with no target; the read also binds the map to the program,
 * so that run can read and write it).
 */
volatile __u32 uplink_now SEC(NSP_UPLINK_SEC) = 0;

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, NSP_CNT_MAX);
	__type(key, __u32);
	__type(value, __u64);
} nsp_counters SEC(".maps");

static __always_inline void nsp_count(__u32 idx)
{
	__u64 *val = bpf_map_lookup_elem(&nsp_counters, &idx);

	/* per-CPU slot: no other writer, no atomic needed */
	if (val)
		*val += 1;
}

#include "nsping_monitor.h"

/*
 * The end of every program: redirect to target, count the verdict and tell
 * the monitor. An unset target passes the frame instead of dropping it (the
 * seed dropped).
 */
static __always_inline int nsp_xdp_redirect(struct xdp_md *ctx, __u8 program, __u32 target)
{
	__u32 verdict = NSP_CNT_REDIRECTED;
	int action = XDP_PASS;

	if (!target)
		verdict = NSP_CNT_PASS_UNCONFIGURED;
	else if (bpf_redirect(target, 0) != XDP_REDIRECT)
		verdict = NSP_CNT_REDIRECT_ERROR;
	else
		action = XDP_REDIRECT;
	nsp_count(verdict);
	nsp_monitor_xdp(ctx, program, verdict);
	return action;
}

/*
 * A tc program's "pass": TC_ACT_UNSPEC hands the frame on to the filters
 * after ours (TC_ACT_OK would end the classification there), and past the
 * last one to the stack. Filters at other priorities are not ours to skip.
 */
#define NSP_TC_PASS TC_ACT_UNSPEC

/* The same for tc; peer: into the netns of target's veth peer (bpf_redirect_peer). */
static __always_inline int nsp_tc_redirect(struct __sk_buff *skb, __u8 program, __u32 target,
					   bool peer)
{
	__u32 verdict = NSP_CNT_REDIRECTED;
	int action = NSP_TC_PASS;

	if (!target)
		verdict = NSP_CNT_PASS_UNCONFIGURED;
	else if ((peer ? bpf_redirect_peer(target, 0) : bpf_redirect(target, 0)) != TC_ACT_REDIRECT)
		verdict = NSP_CNT_REDIRECT_ERROR;
	else
		action = TC_ACT_REDIRECT;
	nsp_count(verdict);
	nsp_monitor_tc(skb, program, verdict);
	return action;
}

char LICENSE[] SEC("license") = "GPL";

#endif /* NSPING_BPF_H */
