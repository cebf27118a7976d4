// SPDX-License-Identifier: GPL-2.0-only
/*
 * The test gateway's MAGIC datapath, a tc (clsact ingress) program on the
 * gateway's interface.  For an IPv4 TCP SYN (no ACK) to probe_port that
 * carries a timestamps option:
 *
 *   TSval raw == MAGIC's raw value   a probe: TSval becomes
 *                                    nsp_magic_gw_decrement(raw), the TCP
 *                                    checksum follows, and the frame is
 *                                    redirected to the ingress of the same
 *                                    device, so it comes through here again;
 *   TSval raw == MAGIC_PASS          handed to the kernel stack, whose
 *                                    listener answers with a SYN-ACK that
 *                                    echoes the decremented TSval in TSecr;
 *   anything else                    passed untouched.
 *
 * The headers are copied out with bpf_skb_load_bytes(), so a frame whose
 * headers are not in the linear area, or are cut short, is judged like any
 * other: a failed load means "not a probe".
 */
#include <stddef.h>
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/tcp.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>

#include "nsping_magic.h"
#include "gw_magic.h"

#define GW_IPPROTO_TCP	6
#define GW_IP_FRAG_MASK 0x3fff /* MF and the fragment offset */

/* Set by the loader before load. */
const volatile __u16 probe_port = NSP_DEFAULT_PORT; /* host order */
const volatile __u32 probe_magic = NSP_DEFAULT_MAGIC;

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, GW_CNT_MAX);
	__type(key, __u32);
	__type(value, __u64);
} gw_counters SEC(".maps");

/* Where a SYN's TSval sits in the frame, and its raw value. */
struct gw_tsval {
	__u32 off;	/* of TSval, from the start of the frame */
	__u32 csum_off; /* of the TCP checksum */
	__u32 raw;
};

static __always_inline void gw_count(__u32 idx)
{
	__u64 *val = bpf_map_lookup_elem(&gw_counters, &idx);

	if (val)
		*val += 1; /* per-CPU slot: no other writer */
}

/* Ethernet IPv4, version 4, ihl >= 5, TCP, not a fragment. */
static __always_inline int gw_load_ipv4_tcp(struct __sk_buff *skb, struct iphdr *iph)
{
	__be16 proto;

	if (bpf_skb_load_bytes(skb, offsetof(struct ethhdr, h_proto), &proto, sizeof(proto)))
		return -1;
	if (proto != NSP_HTONS(ETH_P_IP))
		return -1;
	if (bpf_skb_load_bytes(skb, ETH_HLEN, iph, sizeof(*iph)))
		return -1;
	if (iph->version != 4 || iph->ihl < 5 || iph->protocol != GW_IPPROTO_TCP)
		return -1;
	if (iph->frag_off & NSP_HTONS(GW_IP_FRAG_MASK))
		return -1;
	return 0;
}

/* A SYN without ACK to probe_port; doff >= 5, both headers inside tot_len. */
static __always_inline int gw_is_syn_to_port(const struct iphdr *iph, const struct tcphdr *th)
{
	__u32 headers = (__u32)iph->ihl * 4 + (__u32)th->doff * 4;

	if (th->dest != nsp_htons(probe_port) || !th->syn || th->ack)
		return 0;
	return th->doff >= 5 && nsp_ntohs(iph->tot_len) >= headers;
}

/* Finds the TSval of a SYN to probe_port; -1 when the frame is not one. */
static __always_inline int gw_find_syn_tsval(struct __sk_buff *skb, struct gw_tsval *ts)
{
	__u8 opts[GW_TCP_MAX_OPTIONS_LEN] = {};
	__u64 l4_off, opts_len;
	struct iphdr iph;
	struct tcphdr th;
	int at;

	if (gw_load_ipv4_tcp(skb, &iph))
		return -1;
	l4_off = ETH_HLEN + (__u32)iph.ihl * 4;
	if (bpf_skb_load_bytes(skb, l4_off, &th, sizeof(th)))
		return -1;
	if (!gw_is_syn_to_port(&iph, &th))
		return -1;
	/*
	 * 64-bit, and a barrier, so that clang tests the register it passes
	 * to the helper below instead of folding the test into an earlier one.
	 */
	opts_len = (__u64)th.doff * 4;
	barrier_var(opts_len);
	if (opts_len <= sizeof(th) || opts_len > sizeof(th) + sizeof(opts))
		return -1; /* no options */
	opts_len -= sizeof(th);
	if (bpf_skb_load_bytes(skb, l4_off + sizeof(th), opts, opts_len))
		return -1;
	at = gw_find_tsval(opts, opts_len);
	if (at < 0)
		return -1;
	__builtin_memcpy(&ts->raw, &opts[at], sizeof(ts->raw));
	ts->off = l4_off + sizeof(th) + (__u32)at;
	ts->csum_off = l4_off + offsetof(struct tcphdr, check);
	return 0;
}

/*
 * The gateway's decrement, written back with the TCP checksum fixed up by
 * bpf_l4_csum_replace(), which, unlike a direct write of the field, knows
 * the skb's checksum state: it leaves a CHECKSUM_PARTIAL field alone (the
 * stack or the NIC fills it in later), and the change to the field cancels
 * the change to TSval in a CHECKSUM_COMPLETE skb->csum.  The checksum is a
 * sum of 16-bit words counted from the TCP header (the frame's headers
 * before it have even lengths), so TSval at an odd offset (after MSS and one
 * NOP, say) contributes its difference byte-swapped: ror32(diff, 8), the
 * same correction as the kernel's csum_block_add().
 */
static __always_inline int gw_decrement_tsval(struct __sk_buff *skb, const struct gw_tsval *ts)
{
	__u32 old_raw = ts->raw;
	__u32 new_raw = nsp_magic_gw_decrement(old_raw);
	__s64 diff;
	__u32 d;

	diff = bpf_csum_diff(&old_raw, sizeof(old_raw), &new_raw, sizeof(new_raw), 0);
	if (diff < 0)
		return -1;
	d = (__u32)diff;
	if (ts->off & 1)
		d = d >> 8 | d << 24;
	if (bpf_skb_store_bytes(skb, ts->off, &new_raw, sizeof(new_raw), 0))
		return -1;
	/* size 0: 'to' is a checksum difference */
	return bpf_l4_csum_replace(skb, ts->csum_off, 0, d, 0) ? -1 : 0;
}

SEC("tc")
int gw_magic_tc(struct __sk_buff *skb)
{
	struct gw_tsval ts;

	if (gw_find_syn_tsval(skb, &ts)) {
		gw_count(GW_CNT_OTHER_PASSED);
		return TC_ACT_OK;
	}
	if (nsp_magic_is_answered_probe(ts.raw, probe_magic)) {
		gw_count(GW_CNT_MAGIC_PASS);
		return TC_ACT_OK;
	}
	if (!nsp_magic_is_probe(ts.raw, probe_magic)) {
		gw_count(GW_CNT_OTHER_PASSED);
		return TC_ACT_OK;
	}
	/* a half-rewritten probe is dropped: its checksum may be wrong */
	if (gw_decrement_tsval(skb, &ts)) {
		gw_count(GW_CNT_ERROR);
		return TC_ACT_SHOT;
	}
	gw_count(GW_CNT_PROBE_DECREMENTED);
	/* forward it on: back into this device's ingress, through this program */
	return bpf_redirect(skb->ifindex, BPF_F_INGRESS);
}

char LICENSE[] SEC("license") = "GPL";
