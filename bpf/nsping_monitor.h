/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * nsping monitor (docs/DESIGN.md, "Monitoring the datapath"): the event a
 * program emits for each decision on probe traffic while a monitor listens,
 * and the maps that carry the events, switch them on and limit their rate.
 * Shared by the BPF programs, `nsping monitor` and the tests; outside
 * __bpf__ only <linux/types.h> types.
 *
 * Every object has three maps for it (their names below): the monitors'
 * ring buffers (an array of maps, one slot per monitor), the control (a
 * global in a data section of its own, written by user space: on/off, the
 * rate, who asked) and the state (the rate limit's clock and the drop
 * counters, written by the program). The layouts are ABI between the
 * programs and user space: they only grow.
 */
#ifndef NSPING_MONITOR_H
#define NSPING_MONITOR_H

#include <linux/types.h>

#include "nsping_counters.h"

/* An array of NSP_MON_OWNERS ring buffers, one a running monitor's (by its owner slot). */
#define NSP_MON_EVENTS_MAP "nsp_events"
/* libbpf names a custom data section's map after the section. */
#define NSP_MON_CTL_SEC	  ".data.monitor"
#define NSP_MON_STATE_SEC ".data.monstate"

/*
 * A monitor's ring, 64 KiB: 1365 events of 48 bytes (the 8-byte record
 * header included), more than the default burst. Made by the monitor when
 * it starts (the object's own is only the template of the kernel's check).
 */
#define NSP_MON_RING_BYTES   (64 * 1024)
#define NSP_MON_DEFAULT_RATE 1000 /* events per second, per program */
#define NSP_MON_MAX_RATE     1000000
#define NSP_MON_OWNERS	     8

/* Which program emitted an event: one value per object. 0 is none. */
enum nsp_mon_program {
	NSP_MON_TX_PING = 1,
	NSP_MON_RX_PING,
	NSP_MON_TX_PING_TC,
	NSP_MON_RX_PING_TC,
	NSP_MON_PROGRAM_MAX
};

/* One decision on one frame. Addresses and ports in network order. */
struct nsp_event {
	__u64 time_ns;	     /* bpf_ktime_get_ns(): CLOCK_MONOTONIC */
	__u32 ifindex;	     /* the device the frame came in on */
	__u32 len;	     /* the frame's length in bytes */
	__be32 saddr;	     /* IPv4 header; 0 when the frame is not IPv4 */
	__be32 daddr;	     /* ... */
	__be32 quoted_daddr; /* ICMP error: the quoted packet's destination (a probe's target) */
	__be16 sport;	     /* TCP; ICMP error: the quoted TCP segment's */
	__be16 dport;	     /* ... */
	__be16 eth_proto;    /* the ethertype after up to two VLAN tags */
	__u8 program;	     /* enum nsp_mon_program */
	__u8 verdict;	     /* enum nsp_counter: the slot the frame counted in */
	__u8 ip_proto;	     /* 6 TCP, 1 ICMP, ...; 0 when not IPv4 */
	__u8 tcp_flags;	     /* TCP: header byte 13 (FIN 0x01 .. CWR 0x80) */
	__u8 icmp_type;	     /* ICMP */
	__u8 icmp_code;	     /* ... */
};

/* A monitor that switched a program's events on (reconciler/monitorctl.c). */
struct nsp_monitor_owner {
	__u32 pid;	  /* 0: a free slot */
	__u32 rate;	  /* the events per second it asked for */
	__u64 start_time; /* its start, clock ticks after boot (/proc/PID/stat): tells a reused pid
			   */
};

/* The control: written by user space only. */
struct nsp_monitor_ctl {
	__u32 enabled;	   /* non-zero: emit events; the one field a probe frame reads when 0 */
	__u32 rate;	   /* events per second, what interval_ns and burst_ns come from */
	__u64 interval_ns; /* the rate limit (GCRA): an event per interval_ns on average, */
	__u64 burst_ns;	   /* ... and a burst of burst_ns / interval_ns + 1 at once */
	struct nsp_monitor_owner owners[NSP_MON_OWNERS];
};

/* The state: written by the program only (atomically: every CPU shares it). */
struct nsp_monitor_state {
	__u64 tat;	    /* GCRA: the theoretical arrival time of the next event */
	__u64 events;	    /* written to a monitor's ring buffer (once per ring) */
	__u64 rate_limited; /* dropped by the rate limit */
	__u64 ring_full;    /* not written: no room in a ring buffer (a slow or stopped monitor) */
};

/* interval and burst for rate events a second, at most rate at once. */
static inline void nsp_monitor_set_rate(struct nsp_monitor_ctl *c, __u32 rate)
{
	c->rate = rate;
	c->interval_ns = rate ? 1000000000ULL / rate : 0;
	c->burst_ns = 1000000000ULL - c->interval_ns;
}

/*
 * The verdicts that can concern a probe: the rx programs give the others
 * (the node's business traffic: not IPv4, a bad IP header, neither TCP nor
 * ICMP, TCP from another port) no further look, not even at the flag.
 */
#define NSP_MON_NOT_PROBE_VERDICTS                                                                 \
	((1u << NSP_CNT_PASS_NOT_IPV4) | (1u << NSP_CNT_PASS_BAD_IP_HEADER) |                      \
	 (1u << NSP_CNT_PASS_NOT_TCP) | (1u << NSP_CNT_PASS_WRONG_PORT))

#ifdef __bpf__
/* After nsping.bpf.h's read-only data: the rx programs' test reads port. */
#include "parse.h"

/*
 * A ring buffer has one consumer position: two monitors reading one ring
 * would each see part of the events. So each monitor brings its own ring
 * and puts it in the slot of its owner entry; an event goes to every ring
 * there. The template's size is the kernel's to check, not the rings'.
 */
struct nsp_ring {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, NSP_MON_RING_BYTES);
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, NSP_MON_OWNERS);
	__type(key, __u32);
	__array(values, struct nsp_ring);
} nsp_events SEC(".maps");

struct nsp_monitor_ctl nsp_monitor SEC(NSP_MON_CTL_SEC) = {
	.rate = NSP_MON_DEFAULT_RATE,
	.interval_ns = 1000000000ULL / NSP_MON_DEFAULT_RATE,
	.burst_ns = 1000000000ULL - 1000000000ULL / NSP_MON_DEFAULT_RATE,
};
struct nsp_monitor_state nsp_monitor_state SEC(NSP_MON_STATE_SEC);

/* ICMP types that quote the packet they are about (RFC 792). */
#define NSP_MON_ICMP_QUOTES ((1u << 3) | (1u << 4) | (1u << 5) | (1u << 11) | (1u << 12))

/*
 * Fill ev from the frame. Whether it concerns a probe: TCP from the probe
 * port (not a later fragment, which has no TCP header), or an ICMP message
 * that quotes a TCP segment to the probe port. Only the rx programs ask;
 * tx_ping tells whatever reaches it (the isolated netns's frames).
 */
static __always_inline int nsp_mon_parse(struct nsp_event *ev, const void *data,
					 const void *data_end, __be16 probe_port)
{
	const __u8 *l3 = (const __u8 *)data + ETH_HLEN, *l4, *q;
	const struct nsp_vlan_hdr *vlan;
	const struct iphdr *iph;
	__u32 ihl_len;
	__be16 proto;
	int i;

	if ((const void *)l3 > data_end)
		return 0;
	proto = ((const struct ethhdr *)data)->h_proto;
	for (i = 0; i < NSP_MAX_VLANS; i++) {
		if (proto != NSP_HTONS(ETH_P_8021Q) && proto != NSP_HTONS(ETH_P_8021AD))
			break;
		vlan = (const void *)l3;
		if ((const void *)(vlan + 1) > data_end)
			return 0;
		proto = vlan->encap_proto;
		l3 = (const __u8 *)(vlan + 1);
	}
	ev->eth_proto = proto;
	iph = (const void *)l3;
	if (proto != NSP_HTONS(ETH_P_IP) || (const void *)(iph + 1) > data_end ||
	    (__u8)(*l3 - 0x45) > 0x0a)
		return 0;
	ev->saddr = iph->saddr;
	ev->daddr = iph->daddr;
	ev->ip_proto = iph->protocol;
	if (iph->frag_off & NSP_HTONS(NSP_IP_OFFSET))
		return 0;
	ihl_len = (__u32)(*l3 & 0x0f) * 4;
	l4 = l3 + ihl_len;
	if (iph->protocol == NSP_IPPROTO_TCP) {
		/* the ports; the flags, 14 bytes in, if the frame goes that far */
		if ((const void *)(l4 + 4) > data_end)
			return 0;
		ev->sport = *(const __be16 *)l4;
		ev->dport = *(const __be16 *)(l4 + 2);
		if ((const void *)(l4 + 14) <= data_end)
			ev->tcp_flags = l4[13];
		return ev->sport == probe_port;
	}
	if (iph->protocol != NSP_IPPROTO_ICMP || (const void *)(l4 + 2) > data_end)
		return 0;
	ev->icmp_type = l4[0];
	ev->icmp_code = l4[1];
	if (l4[0] > 12 || !((1u << l4[0]) & NSP_MON_ICMP_QUOTES))
		return 0;
	/* the quote: an IPv4 header of a TCP segment, and that segment's ports */
	q = l4 + NSP_ICMP_HLEN;
	iph = (const void *)q;
	if ((const void *)(iph + 1) > data_end || (__u8)(*q - 0x45) > 0x0a ||
	    iph->protocol != NSP_IPPROTO_TCP)
		return 0;
	ev->quoted_daddr = iph->daddr;
	q += (__u32)(*q & 0x0f) * 4;
	if ((const void *)(q + 4) > data_end)
		return 0;
	ev->sport = *(const __be16 *)q;
	ev->dport = *(const __be16 *)(q + 2);
	return ev->dport == probe_port;
}

/*
 * The rate limit, GCRA (a token bucket kept as one timestamp): admitted
 * while the next event's theoretical time is at most burst_ns ahead.  One
 * compare-and-swap; an event that loses the race to another CPU is
 * counted as limited, so the rate is never exceeded.
 */
static __always_inline int nsp_mon_admit(__u64 now)
{
	__u64 tat = *(volatile __u64 *)&nsp_monitor_state.tat;
	__u64 base = tat > now ? tat : now;

	if (base - now > nsp_monitor.burst_ns)
		return 0;
	return __sync_val_compare_and_swap(&nsp_monitor_state.tat, tat,
					   base + nsp_monitor.interval_ns) == tat;
}

/* ev into the ring of a monitor's slot, if one is there. */
static __always_inline void nsp_mon_output(const struct nsp_event *ev, __u32 slot)
{
	void *ring = bpf_map_lookup_elem(&nsp_events, &slot);

	if (!ring)
		return;
	if (bpf_ringbuf_output(ring, (void *)ev, sizeof(*ev), 0) < 0)
		__sync_fetch_and_add(&nsp_monitor_state.ring_full, 1);
	else
		__sync_fetch_and_add(&nsp_monitor_state.events, 1);
}

_Static_assert(NSP_MON_OWNERS == 8, "nsp_mon_emit() writes to each of 8 slots");

static __always_inline void nsp_mon_emit(const void *data, const void *data_end, __u32 len,
					 __u32 ifindex, __u8 program, __u32 verdict)
{
	struct nsp_event ev = {};
	int concerns_probe = nsp_mon_parse(&ev, data, data_end, nsp_htons(port));

	if ((program == NSP_MON_RX_PING || program == NSP_MON_RX_PING_TC) && !concerns_probe)
		return;
	ev.time_ns = bpf_ktime_get_ns();
	if (!nsp_mon_admit(ev.time_ns)) {
		__sync_fetch_and_add(&nsp_monitor_state.rate_limited, 1);
		return;
	}
	ev.ifindex = ifindex;
	ev.len = len;
	ev.program = program;
	ev.verdict = (__u8)verdict;
	/*
	 * Written out: the verifier, which sees the key only through the
	 * stack, takes a loop over the slots for an infinite one.
	 */
	nsp_mon_output(&ev, 0);
	nsp_mon_output(&ev, 1);
	nsp_mon_output(&ev, 2);
	nsp_mon_output(&ev, 3);
	nsp_mon_output(&ev, 4);
	nsp_mon_output(&ev, 5);
	nsp_mon_output(&ev, 6);
	nsp_mon_output(&ev, 7);
}

/*
 * Nothing to tell: the verdict is about the node's traffic, or nobody
 * monitors. Expected, so that the compiler lays the return out on the
 * straight path of a frame rx_ping passes.
 */
static __always_inline int nsp_mon_quiet(__u32 verdict)
{
	return __builtin_expect(((1u << verdict) & NSP_MON_NOT_PROBE_VERDICTS) != 0, 1) ||
	       __builtin_expect(!nsp_monitor.enabled, 1);
}

/*
 * A decision of an XDP program, for the monitor. The business traffic's
 * verdicts cost a test of a constant mask, a probe frame's one load of the
 * flag; the rest runs only while a monitor asked for events.
 */
static __always_inline void nsp_monitor_xdp(struct xdp_md *ctx, __u8 program, __u32 verdict)
{
	if (nsp_mon_quiet(verdict))
		return;
	nsp_mon_emit((const void *)(long)ctx->data, (const void *)(long)ctx->data_end,
		     (__u32)bpf_xdp_get_buff_len(ctx), ctx->ingress_ifindex, program, verdict);
}

/* The same for a tc program. */
static __always_inline void nsp_monitor_tc(struct __sk_buff *skb, __u8 program, __u32 verdict)
{
	if (nsp_mon_quiet(verdict))
		return;
	nsp_mon_emit((const void *)(long)skb->data, (const void *)(long)skb->data_end, skb->len,
		     skb->ifindex, program, verdict);
}
#endif /* __bpf__ */

#endif /* NSPING_MONITOR_H */
