// SPDX-License-Identifier: GPL-2.0-only
/* Walking a probe path's counters; see pathwalk.h. No I/O. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "addr.h"
#include "config.h"
#include "pathwalk.h"

static const char *const hop_names[NSP_HOP_COUNT] = {
	[NSP_HOP_SEND] = "send",	 [NSP_HOP_NETNS_OUT] = "netns_out",
	[NSP_HOP_TX_PING] = "tx_ping",	 [NSP_HOP_UPLINK_OUT] = "uplink_out",
	[NSP_HOP_GATEWAY] = "gateway",	 [NSP_HOP_RX_PING] = "rx_ping",
	[NSP_HOP_NETNS_IN] = "netns_in", [NSP_HOP_NETNS_STACK] = "netns_stack",
	[NSP_HOP_SOCKET] = "socket",
};

const char *nsp_hop_name(enum nsp_hop hop)
{
	return hop < NSP_HOP_COUNT ? hop_names[hop] : "unknown";
}

const char *nsp_hop_status_name(enum nsp_hop_status status)
{
	switch (status) {
	case NSP_HOP_OK:
		return "ok";
	case NSP_HOP_FAIL:
		return "fail";
	case NSP_HOP_WARN:
		return "warn";
	case NSP_HOP_UNKNOWN:
		return "unknown";
	case NSP_HOP_SKIP:
		return "skip";
	}
	return "unknown";
}

/* The walk under way: the input, the report, and the hop being judged. */
struct walker {
	const struct nsp_walk_input *in;
	struct nsp_walk *out;
	struct nsp_hop_report *h;
};

static void judge(struct walker *w, enum nsp_hop_status status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void judge(struct walker *w, enum nsp_hop_status status, const char *fmt, ...)
{
	va_list ap;

	w->h->status = status;
	va_start(ap, fmt);
	vsnprintf(w->h->detail, sizeof(w->h->detail), fmt, ap);
	va_end(ap);
}

static void evidence(struct walker *w, const char *name, uint64_t value)
{
	if (w->h->n_ev < NSP_HOP_EVIDENCE_MAX)
		w->h->ev[w->h->n_ev++] = (struct nsp_evidence){name, value};
}

static uint64_t cnt(const struct nsp_walk_prog *p, enum nsp_counter c)
{
	return p->counted ? p->delta[c] : 0;
}

/* Replies to probes (or errors about them) that rx_ping judged, redirected or not. */
static uint64_t replies_seen(const struct nsp_walk_prog *rx)
{
	return cnt(rx, NSP_CNT_REDIRECTED) + cnt(rx, NSP_CNT_REDIRECT_ERROR) +
	       cnt(rx, NSP_CNT_PASS_UNCONFIGURED) + cnt(rx, NSP_CNT_PASS_WRONG_DST_IP) +
	       cnt(rx, NSP_CNT_PASS_WRONG_DST_MAC) + cnt(rx, NSP_CNT_PASS_WRONG_DST_PORT);
}

/* Why a bound program is not doing its job, or NULL: missing or not ours. */
static bool prog_missing(struct walker *w, const struct nsp_walk_prog *p, const char *consequence)
{
	const char *hook = p->attach == NSP_ATTACH_TC ? "tc ingress slot" : "XDP hook";

	if (!p->present) {
		judge(w, NSP_HOP_FAIL, "%s is not attached to %s (%s): %s",
		      nsp_program_name(p->program), p->ifname, nsp_attach_name(p->attach),
		      consequence);
		return true;
	}
	if (!p->ours) {
		judge(w, NSP_HOP_FAIL,
		      "a program that is not ours holds %s's %s (id %u, \"%s\"): %s", p->ifname,
		      hook, p->id, p->name, consequence);
		evidence(w, "foreign_prog_id", p->id);
		return true;
	}
	return false;
}

static void hop_send(struct walker *w)
{
	const struct nsp_walk_input *in = w->in;
	const struct nsp_flow_result *f = &in->flow;
	char src[NSP_IPV4_STRLEN], dst[NSP_IPV4_STRLEN];

	nsp_ipv4_format(in->target, dst);
	if (!in->netns_present) {
		judge(w, NSP_HOP_FAIL, "netns %s does not exist: no probe can be sent", in->netns);
		return;
	}
	if (in->flow_err) {
		judge(w, NSP_HOP_FAIL, "cannot open the probe sockets in netns %s: %s", in->netns,
		      strerror(-in->flow_err));
		return;
	}
	evidence(w, "sent", f->sent);
	if (f->sent == 0) {
		judge(w, NSP_HOP_FAIL, "no probe to %s left the socket: %s", dst,
		      f->send_err ? strerror(-f->send_err) : "unknown error");
		return;
	}
	if (f->sent < in->count) {
		judge(w, NSP_HOP_FAIL, "%u of %u probes to %s left the socket: %s", f->sent,
		      in->count, dst, f->send_err ? strerror(-f->send_err) : "unknown error");
		return;
	}
	judge(w, NSP_HOP_OK, "%u probes from %s to %s:%u", f->sent, nsp_ipv4_format(f->src, src),
	      dst, in->port);
}

static void hop_netns_out(struct walker *w)
{
	const struct nsp_walk_link *l = &w->in->peer;
	unsigned int sent = w->in->flow.sent;

	if (!l->present) {
		judge(w, NSP_HOP_FAIL, "the netns-side veth is missing");
		return;
	}
	if (!l->counted) {
		judge(w, NSP_HOP_UNKNOWN, "%s's counters could not be read", l->name);
		return;
	}
	evidence(w, "tx_packets", l->delta.tx_packets);
	evidence(w, "tx_dropped", l->delta.tx_dropped);
	if (!l->up)
		judge(w, NSP_HOP_FAIL, "%s is down", l->name);
	else if (l->delta.tx_packets < sent)
		judge(w, NSP_HOP_FAIL,
		      "%s transmitted %llu frames for %u probes (tx_dropped +%llu): no neighbour "
		      "entry for the gateway, or the link has no carrier",
		      l->name, (unsigned long long)l->delta.tx_packets, sent,
		      (unsigned long long)l->delta.tx_dropped);
	else
		judge(w, NSP_HOP_OK, "%s transmitted %llu frames", l->name,
		      (unsigned long long)l->delta.tx_packets);
}

static void hop_tx_ping(struct walker *w)
{
	const struct nsp_walk_prog *p = &w->in->tx;
	unsigned int sent = w->in->flow.sent;
	uint64_t redirected = cnt(p, NSP_CNT_REDIRECTED), errors = cnt(p, NSP_CNT_REDIRECT_ERROR);

	if (!p->bound) {
		judge(w, NSP_HOP_SKIP, "no tx_ping binding: the probes cross the host's stack");
		return;
	}
	if (prog_missing(w, p, "the probes go through the host's stack and its netfilter rules"))
		return;
	if (!p->counted) {
		judge(w, NSP_HOP_UNKNOWN, "tx_ping's counters could not be read");
		return;
	}
	evidence(w, "redirected", redirected);
	evidence(w, "redirect_error", errors);
	if (w->in->host.xdp_drop_known)
		evidence(w, "redirect_dropped", w->in->host.xdp_drop_delta);
	/* the netns's ARP and IPv6, kept off the wire: not the probes' */
	evidence(w, "drop_not_ipv4", cnt(p, NSP_CNT_DROP_NOT_IPV4));
	if (redirected < sent)
		judge(w, NSP_HOP_FAIL,
		      "tx_ping on %s redirected %llu of %u probes (redirect_error +%llu): the "
		      "uplink refuses XDP frames (no ndo_xdp_xmit, or down)",
		      p->ifname, (unsigned long long)redirected, sent, (unsigned long long)errors);
	else if (w->in->host.xdp_drop_known && w->in->host.xdp_drop_delta)
		judge(w, NSP_HOP_FAIL,
		      "tx_ping on %s redirected %llu frames and the kernel dropped %llu of them "
		      "(%s rx_queue drops): uplink %s refuses XDP frames (a driver without XDP "
		      "transmit, or a veth whose peer has neither GRO nor an XDP program)",
		      p->ifname, (unsigned long long)redirected,
		      (unsigned long long)w->in->host.xdp_drop_delta, p->ifname,
		      w->in->uplink.name);
	else
		judge(w, NSP_HOP_OK, "tx_ping on %s redirected %llu frames", p->ifname,
		      (unsigned long long)redirected);
}

static void hop_uplink_out(struct walker *w)
{
	const struct nsp_walk_link *l = &w->in->uplink;
	uint64_t lost;

	if (!l->present) {
		judge(w, NSP_HOP_FAIL, "the uplink is missing");
		return;
	}
	if (!l->up || !l->running) {
		judge(w, NSP_HOP_FAIL, "uplink %s %s", l->name,
		      !l->up ? "is down" : "has no carrier");
		return;
	}
	if (!l->counted) {
		judge(w, NSP_HOP_UNKNOWN, "%s's counters could not be read", l->name);
		return;
	}
	evidence(w, "tx_dropped", l->delta.tx_dropped);
	evidence(w, "tx_errors", l->delta.tx_errors);
	if (l->xdp_loss_known)
		evidence(w, "xdp_loss", l->xdp_loss_delta);
	lost = l->delta.tx_dropped + l->delta.tx_errors +
	       (l->xdp_loss_known ? l->xdp_loss_delta : 0);
	if (lost)
		judge(w, NSP_HOP_FAIL,
		      "%s lost frames on transmit: tx_dropped +%llu, tx_errors +%llu, driver XDP "
		      "losses +%llu",
		      l->name, (unsigned long long)l->delta.tx_dropped,
		      (unsigned long long)l->delta.tx_errors,
		      (unsigned long long)(l->xdp_loss_known ? l->xdp_loss_delta : 0));
	else
		judge(w, NSP_HOP_OK, "%s lost nothing on transmit", l->name);
}

static void hop_gateway(struct walker *w)
{
	const struct nsp_walk_input *in = w->in;
	const struct nsp_flow_result *f = &in->flow;
	uint64_t seen = replies_seen(&in->rx);
	char gw[NSP_IPV4_STRLEN];

	nsp_ipv4_format(in->target, gw);
	/* what the flow's socket got proves the gateway spoke, whatever rx_ping counts */
	if (f->closed) {
		evidence(w, "rst", f->closed);
		judge(w, NSP_HOP_FAIL, "%s answered %u probes with RST: nothing listens on port %u",
		      gw, f->closed, in->port);
		return;
	}
	if (f->unreachable) {
		evidence(w, "icmp_errors", f->unreachable);
		judge(w, NSP_HOP_FAIL, "%u probes to %s came back as ICMP errors (unreachable)",
		      f->unreachable, gw);
		return;
	}
	if (f->answered) {
		evidence(w, "answered", f->answered);
		judge(w, f->answered < f->sent ? NSP_HOP_UNKNOWN : NSP_HOP_OK,
		      "%s answered %u of %u probes", gw, f->answered, f->sent);
		if (f->answered < f->sent && in->rx.counted && seen < f->sent) {
			judge(w, NSP_HOP_FAIL,
			      "%llu replies to %u probes reached the uplink: %s (or the wire) "
			      "lost the others",
			      (unsigned long long)seen, f->sent, gw);
		}
		return;
	}
	if (!in->rx.bound) {
		judge(w, NSP_HOP_FAIL,
		      "no reply came back; without an rx_ping binding the replies cross the "
		      "node's stack and its netfilter rules, where no counter of ours tells "
		      "whether %s answered",
		      gw);
		return;
	}
	if (!in->rx.present || !in->rx.ours || !in->rx.counted) {
		judge(w, NSP_HOP_UNKNOWN,
		      "no reply came back, and without rx_ping's counters nothing tells whether "
		      "one reached the uplink");
		return;
	}
	evidence(w, "replies_seen", seen);
	if (seen == 0)
		judge(w, NSP_HOP_FAIL,
		      "no reply to %u probes reached %s: the gateway %s (or the wire to it) is "
		      "silent",
		      f->sent, in->uplink.name, gw);
	else
		judge(w, NSP_HOP_OK, "%llu replies reached %s", (unsigned long long)seen,
		      in->uplink.name);
}

static void hop_rx_ping(struct walker *w)
{
	const struct nsp_walk_input *in = w->in;
	const struct nsp_walk_prog *p = &in->rx;
	uint64_t mac = cnt(p, NSP_CNT_PASS_WRONG_DST_MAC), ip = cnt(p, NSP_CNT_PASS_WRONG_DST_IP),
		 port = cnt(p, NSP_CNT_PASS_WRONG_DST_PORT),
		 errors = cnt(p, NSP_CNT_REDIRECT_ERROR) + cnt(p, NSP_CNT_PASS_UNCONFIGURED);
	char want[NSP_MAC_STRLEN], got[NSP_MAC_STRLEN];

	if (!p->bound) {
		judge(w, NSP_HOP_SKIP, "no rx_ping binding: the replies cross the host's stack");
		return;
	}
	if (prog_missing(w, p, "the replies go to the node's stack, not to the netns"))
		return;
	if (!p->counted) {
		judge(w, NSP_HOP_UNKNOWN, "rx_ping's counters could not be read");
		return;
	}
	evidence(w, "redirected", cnt(p, NSP_CNT_REDIRECTED));
	evidence(w, "redirect_error", errors);
	evidence(w, "pass_wrong_dst_mac", mac);
	evidence(w, "pass_wrong_dst_ip", ip);
	evidence(w, "pass_wrong_dst_port", port);
	if (mac) {
		nsp_mac_format(&in->peer.mac, want);
		nsp_mac_format(&in->uplink.mac, got);
		if (memcmp(in->peer.mac.b, in->uplink.mac.b, sizeof(in->peer.mac.b)))
			judge(w, NSP_HOP_FAIL,
			      "rx_ping passed %llu replies addressed to another MAC than the "
			      "instance's %s (pass_wrong_dst_mac): the gateway sends to %s's MAC "
			      "%s; set mac = \"inherit\"",
			      (unsigned long long)mac, want, in->uplink.name, got);
		else
			judge(w, NSP_HOP_FAIL,
			      "rx_ping passed %llu replies addressed to another MAC than %s "
			      "(pass_wrong_dst_mac): the gateway's neighbour entry for the "
			      "instance's address is wrong",
			      (unsigned long long)mac, want);
	} else if (ip) {
		judge(w, NSP_HOP_FAIL,
		      "%llu replies were addressed to another IPv4 address than the instance's "
		      "(pass_wrong_dst_ip)",
		      (unsigned long long)ip);
	} else if (port) {
		judge(w, NSP_HOP_FAIL,
		      "%llu replies went to a port outside ping.sport_min..sport_max "
		      "(pass_wrong_dst_port)",
		      (unsigned long long)port);
	} else if (errors) {
		judge(w, NSP_HOP_FAIL, "rx_ping could not redirect %llu replies to %s",
		      (unsigned long long)errors, in->host.name);
	} else if (p->attach == NSP_ATTACH_XDP && in->uplink.xdp_drop_known &&
		   in->uplink.xdp_drop_delta && cnt(p, NSP_CNT_REDIRECTED)) {
		judge(w, NSP_HOP_FAIL,
		      "rx_ping on %s redirected %llu replies and the kernel dropped %llu (%s "
		      "rx_queue drops): %s refuses XDP frames; a veth takes them only with GRO on "
		      "(offload.gro) or an XDP program on its peer",
		      p->ifname, (unsigned long long)cnt(p, NSP_CNT_REDIRECTED),
		      (unsigned long long)in->uplink.xdp_drop_delta, p->ifname, in->host.name);
	} else {
		judge(w, NSP_HOP_OK, "rx_ping on %s redirected %llu replies to %s", p->ifname,
		      (unsigned long long)cnt(p, NSP_CNT_REDIRECTED), in->host.name);
	}
}

static void hop_netns_in(struct walker *w)
{
	const struct nsp_walk_input *in = w->in;
	uint64_t redirected = cnt(&in->rx, NSP_CNT_REDIRECTED);
	uint64_t received = in->snmp_delta.ip_in_receives;
	uint64_t dropped = in->host.counted ? in->host.delta.tx_dropped : 0;

	if (!in->snmp_counted) {
		judge(w, NSP_HOP_UNKNOWN, "netns %s's IP counters could not be read", in->netns);
		return;
	}
	evidence(w, "ip_in_receives", received);
	if (in->host.counted)
		evidence(w, "host_tx_dropped", dropped);
	if (in->host.xdp_loss_known)
		evidence(w, "host_xdp_loss", in->host.xdp_loss_delta);
	if (received < redirected) {
		judge(w, NSP_HOP_FAIL,
		      "rx_ping redirected %llu replies and netns %s received %llu (%s tx_dropped "
		      "+%llu): a veth takes XDP-redirected frames only with NAPI on its peer, "
		      "which GRO switches on (offload.gro)",
		      (unsigned long long)redirected, in->netns, (unsigned long long)received,
		      in->host.name, (unsigned long long)dropped);
		return;
	}
	judge(w, NSP_HOP_OK, "netns %s received %llu IPv4 packets", in->netns,
	      (unsigned long long)received);
}

static void hop_netns_stack(struct walker *w)
{
	const struct nsp_walk_input *in = w->in;
	const struct nsp_snmp *s = &in->snmp_delta;
	uint64_t csum = s->tcp_in_csum_errors + s->icmp_in_csum_errors;
	uint64_t errors = s->ip_in_hdr_errors + s->ip_in_addr_errors + s->ip_in_discards;
	uint64_t accounted = s->ip_in_delivers + errors;

	if (!in->snmp_counted) {
		judge(w, NSP_HOP_UNKNOWN, "netns %s's IP counters could not be read", in->netns);
		return;
	}
	evidence(w, "ip_in_delivers", s->ip_in_delivers);
	evidence(w, "tcp_in_csum_errors", s->tcp_in_csum_errors);
	evidence(w, "ip_in_hdr_errors", s->ip_in_hdr_errors);
	evidence(w, "malformed", in->flow.malformed);
	if (csum || in->flow.malformed) {
		judge(w, NSP_HOP_FAIL,
		      "replies reached netns %s with bad checksums (Tcp InCsumErrors +%llu, "
		      "malformed +%u): the sender left the checksum to an offload "
		      "(CHECKSUM_PARTIAL), which an XDP redirect loses; attach rx_ping with "
		      "attach = \"tc\", or switch tx checksum offload off where the replies are "
		      "sent",
		      in->netns, (unsigned long long)s->tcp_in_csum_errors, in->flow.malformed);
		return;
	}
	if (errors) {
		judge(w, NSP_HOP_FAIL,
		      "netns %s's IP layer discarded %llu packets (InHdrErrors, InAddrErrors, "
		      "InDiscards)",
		      in->netns, (unsigned long long)errors);
		return;
	}
	if (s->ip_in_receives > accounted) {
		judge(w, NSP_HOP_FAIL,
		      "%llu packets reached netns %s's IP layer and no protocol or socket got "
		      "them: a netfilter rule in netns %s drops them",
		      (unsigned long long)(s->ip_in_receives - accounted), in->netns, in->netns);
		return;
	}
	judge(w, NSP_HOP_OK, "netns %s delivered %llu packets", in->netns,
	      (unsigned long long)s->ip_in_delivers);
}

static void hop_socket(struct walker *w)
{
	const struct nsp_flow_result *f = &w->in->flow;
	unsigned int got = f->answered + f->closed + f->unreachable;

	evidence(w, "answered", f->answered);
	evidence(w, "unmatched", f->unmatched);
	evidence(w, "duplicate", f->duplicate);
	if (got < f->sent)
		judge(w, NSP_HOP_FAIL, "the socket got replies to %u of %u probes (unmatched +%u)",
		      got, f->sent, f->unmatched);
	else
		judge(w, NSP_HOP_OK, "the socket got replies to all %u probes", f->sent);
}

static void (*const hop_judges[NSP_HOP_COUNT])(struct walker *w) = {
	[NSP_HOP_SEND] = hop_send,	   [NSP_HOP_NETNS_OUT] = hop_netns_out,
	[NSP_HOP_TX_PING] = hop_tx_ping,   [NSP_HOP_UPLINK_OUT] = hop_uplink_out,
	[NSP_HOP_GATEWAY] = hop_gateway,   [NSP_HOP_RX_PING] = hop_rx_ping,
	[NSP_HOP_NETNS_IN] = hop_netns_in, [NSP_HOP_NETNS_STACK] = hop_netns_stack,
	[NSP_HOP_SOCKET] = hop_socket,
};

void nsp_walk(const struct nsp_walk_input *in, struct nsp_walk *ret)
{
	struct walker w = {.in = in, .out = ret};
	const struct nsp_flow_result *f = &in->flow;
	bool failed = false;

	memset(ret, 0, sizeof(*ret));
	ret->ok = in->netns_present && !in->flow_err && f->sent == in->count && f->sent > 0 &&
		  f->answered == f->sent;
	for (unsigned int h = 0; h < NSP_HOP_COUNT; h++) {
		w.h = &ret->hops[h];
		if (failed) {
			judge(&w, NSP_HOP_SKIP, "not reached");
			continue;
		}
		hop_judges[h](&w);
		if (w.h->status != NSP_HOP_FAIL)
			continue;
		if (ret->ok) {
			w.h->status =
				NSP_HOP_WARN; /* every probe came back: not the path's fault */
			continue;
		}
		ret->hop = (enum nsp_hop)h;
		failed = true;
	}
	if (ret->ok) {
		snprintf(ret->verdict, sizeof(ret->verdict),
			 "ok: %u of %u probes answered, rtt %.3f..%.3f ms", f->answered, f->sent,
			 (double)f->rtt_min_us / 1000, (double)f->rtt_max_us / 1000);
		return;
	}
	if (!failed) {
		/* lost somewhere no counter shows */
		ret->hop = NSP_HOP_SOCKET;
		snprintf(
			ret->verdict, sizeof(ret->verdict),
			"%s: %u of %u probes answered, and no hop's counters show where the others "
			"were lost",
			nsp_hop_name(ret->hop), f->answered, f->sent);
	} else {
		snprintf(ret->verdict, sizeof(ret->verdict), "%s: %s", nsp_hop_name(ret->hop),
			 ret->hops[ret->hop].detail);
	}
	if (in->drift)
		snprintf(ret->verdict + strlen(ret->verdict),
			 sizeof(ret->verdict) - strlen(ret->verdict),
			 " (the instance has drifted: %zu change%s pending, `nsping apply` repairs "
			 "it)",
			 in->drift, in->drift == 1 ? "" : "s");
}
