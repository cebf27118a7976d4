// SPDX-License-Identifier: GPL-2.0-only
/*
 * Plan-time checks (lint.h): each reads the desired instance and what plan
 * observed, and says what will go wrong and what to change. A check whose
 * fact is unknown says nothing: a false warning teaches people to ignore them.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "lint.h"

static const char *const code_names[NSP_WARN_MAX] = {
	[NSP_WARN_MAC_DIFFERS_FROM_UPLINK] = "mac_differs_from_uplink",
	[NSP_WARN_GATEWAY_OFF_SUBNET] = "gateway_off_subnet",
	[NSP_WARN_SPORT_IN_EPHEMERAL_RANGE] = "sport_in_ephemeral_range",
	[NSP_WARN_XDP_NATIVE_UNSUPPORTED] = "xdp_native_unsupported",
	[NSP_WARN_XDP_REDIRECT_UNSUPPORTED] = "xdp_redirect_unsupported",
	[NSP_WARN_GRO_OFF] = "gro_off",
	[NSP_WARN_TX_CHECKSUM_ON] = "tx_checksum_on",
};

const char *nsp_warning_code_name(enum nsp_warning_code code)
{
	return (unsigned int)code < NSP_WARN_MAX ? code_names[code] : "unknown";
}

/* What one instance's checks read: its desired state and the facts about it, NULL if unknown. */
struct lint_ctx {
	const struct nsp_config *cfg;
	size_t i;
	const struct nsp_instance *w;
	const struct nsp_obs_instance *o;	/* NULL: validate */
	const struct nsp_obs_instance_facts *f; /* NULL: validate */
	const struct nsp_obs_facts *facts;
	struct nsp_warnings *out;
	int err;
};

/* Append a warning; key and message are formats, fix a plain string made by the caller. */
static struct nsp_warning *add(struct lint_ctx *c, enum nsp_warning_code code, int line,
			       const char *fix, const char *key_fmt, ...)
	__attribute__((format(printf, 5, 6)));

static struct nsp_warning *add(struct lint_ctx *c, enum nsp_warning_code code, int line,
			       const char *fix, const char *key_fmt, ...)
{
	struct nsp_warning *grown, *w;
	va_list ap;

	if (c->err)
		return NULL;
	grown = realloc(c->out->items, (c->out->n + 1) * sizeof(*grown));
	if (!grown) {
		c->err = -ENOMEM;
		return NULL;
	}
	c->out->items = grown;
	w = &grown[c->out->n++];
	memset(w, 0, sizeof(*w));
	w->instance = c->i;
	w->code = code;
	w->line = line;
	va_start(ap, key_fmt);
	vsnprintf(w->key, sizeof(w->key), key_fmt, ap);
	va_end(ap);
	snprintf(w->fix, sizeof(w->fix), "%s", fix);
	return w;
}

static uint32_t mask_of(uint8_t prefix)
{
	return prefix ? htonl(~0U << (32 - prefix)) : 0;
}

/* The instance's address and prefix, its own or the uplink's; false when unknown. */
static bool address_of(const struct lint_ctx *c, uint32_t *addr, uint8_t *prefix)
{
	if (!c->w->address_inherit) {
		*addr = c->w->address;
		*prefix = c->w->prefix;
		return true;
	}
	if (!c->o || !c->o->uplink_has_address)
		return false;
	*addr = c->o->uplink_address;
	*prefix = c->o->uplink_prefix;
	return true;
}

/*
 * The instance answers to an address of the node: "inherit", or one the
 * uplink carries. Then the node's kernel answers ARP for it, and the
 * node's own connections use it.
 */
static bool address_shared(const struct lint_ctx *c)
{
	if (c->w->address_inherit)
		return true;
	if (!c->f || !c->f->uplink_addrs_known)
		return false;
	for (size_t k = 0; k < c->f->n_uplink_addrs; k++)
		if (c->f->uplink_addrs[k] == c->w->address)
			return true;
	return false;
}

/* (a) */
static void check_mac(struct lint_ctx *c)
{
	char mine[NSP_MAC_STRLEN], theirs[NSP_MAC_STRLEN], fix[NSP_WARNING_FIX_MAX];
	struct nsp_warning *w;

	if (c->w->mac_inherit || !c->o || !c->o->uplink.present ||
	    nsp_mac_equal(&c->w->mac, &c->o->uplink.mac) || !address_shared(c))
		return;
	nsp_mac_format(&c->w->mac, mine);
	nsp_mac_format(&c->o->uplink.mac, theirs);
	snprintf(fix, sizeof(fix),
		 "set mac = \"inherit\" (or \"%s\"), or give the instance an address of its own",
		 theirs);
	w = add(c, NSP_WARN_MAC_DIFFERS_FROM_UPLINK, c->w->mac_line, fix, "instances[%zu].mac",
		c->i);
	if (w)
		snprintf(w->message, sizeof(w->message),
			 "mac %s is not %s's %s, but the address is %s's: the node answers ARP "
			 "for it, so the gateway sends every reply to %s and none reaches the "
			 "namespace's veth; every probe times out",
			 mine, c->w->uplink, theirs, c->w->uplink, theirs);
}

/* (b) */
static void check_gateway(struct lint_ctx *c)
{
	char gw[NSP_IPV4_STRLEN], net[NSP_PREFIX_STRLEN], fix[NSP_WARNING_FIX_MAX];
	struct nsp_warning *w;
	uint32_t addr, mask;
	uint8_t prefix;

	/*
	 * A /32 has no subnet: its gateway is reached onlink by design (the
	 * addressing some clouds hand out), which is no mistake to warn about.
	 */
	if (!address_of(c, &addr, &prefix) || prefix == 32)
		return;
	mask = mask_of(prefix);
	if ((addr & mask) == (c->w->gateway_ip & mask))
		return;
	nsp_ipv4_format(c->w->gateway_ip, gw);
	nsp_prefix_format(addr & mask, prefix, net);
	snprintf(fix, sizeof(fix),
		 "set gateway.ip to the gateway's address in %s, or an address (and prefix) "
		 "on the gateway's subnet",
		 net);
	w = add(c, NSP_WARN_GATEWAY_OFF_SUBNET, c->w->gateway_ip_line, fix,
		"instances[%zu].gateway.ip", c->i);
	if (w)
		snprintf(w->message, sizeof(w->message),
			 "gateway %s is outside the address's subnet %s: the default route is "
			 "installed onlink, and the gateway routes its replies to an address "
			 "that is not on its link by its own routes, so probes may get no reply",
			 gw, net);
}

/*
 * How many ports of lo..hi the node may pick for itself, and the first: its
 * range less its reserved ports (the kernel prints those from a bitmap, as
 * disjoint ranges in order).
 */
static unsigned int ephemeral_overlap(const struct nsp_obs_ports *p, unsigned int lo,
				      unsigned int hi, unsigned int *ret_first)
{
	unsigned int count, first;

	if (lo < p->local.min)
		lo = p->local.min;
	if (hi > p->local.max)
		hi = p->local.max;
	if (lo > hi)
		return 0;
	count = hi - lo + 1;
	first = lo;
	for (size_t k = 0; k < p->n_reserved; k++) {
		unsigned int rlo = p->reserved[k].min, rhi = p->reserved[k].max;

		if (rlo < lo)
			rlo = lo;
		if (rhi > hi)
			rhi = hi;
		if (rlo > rhi)
			continue;
		count -= rhi - rlo + 1;
		if (first >= rlo && first <= rhi)
			first = rhi + 1;
	}
	*ret_first = first;
	return count;
}

/* (c) */
static void check_sports(struct lint_ctx *c)
{
	const struct nsp_obs_ports *p = c->facts ? &c->facts->host_ports : NULL;
	const struct nsp_ping *ping = &c->w->ping;
	char fix[NSP_WARNING_FIX_MAX];
	unsigned int first, last, count;
	struct nsp_warning *w;

	if (!p || !p->known || !address_shared(c))
		return;
	count = ephemeral_overlap(p, ping->sport_min, ping->sport_max, &first);
	if (!count)
		return;
	/* the last of them: reserving first..last frees the whole overlap */
	last = ping->sport_max < p->local.max ? ping->sport_max : p->local.max;
	if (p->local.max < 65535)
		snprintf(fix, sizeof(fix),
			 "move ping.sport_min..sport_max above the node's range (e.g. sport_min = "
			 "%u, sport_max = 65535), or reserve the ports: "
			 "net.ipv4.ip_local_reserved_ports = %u-%u",
			 p->local.max + 1U, first, last);
	else if (p->local.min > 1024)
		snprintf(fix, sizeof(fix),
			 "move ping.sport_min..sport_max below the node's range (e.g. sport_min = "
			 "1024, sport_max = %u), or reserve the ports: "
			 "net.ipv4.ip_local_reserved_ports = %u-%u",
			 p->local.min - 1U, first, last);
	else
		snprintf(fix, sizeof(fix),
			 "narrow net.ipv4.ip_local_port_range, or reserve the ports: "
			 "net.ipv4.ip_local_reserved_ports = %u-%u",
			 first, last);
	w = add(c, NSP_WARN_SPORT_IN_EPHEMERAL_RANGE, c->w->sport_line, fix,
		"instances[%zu].ping.sport_min", c->i);
	if (w)
		snprintf(w->message, sizeof(w->message),
			 "%u of the probes' source ports %u-%u (from %u) are ephemeral ports of "
			 "the node (net.ipv4.ip_local_port_range %u %u), whose address the "
			 "instance shares: rx_ping takes the replies of the node's own "
			 "connections to port %u from those ports, and they hang",
			 count, ping->sport_min, ping->sport_max, first, p->local.min, p->local.max,
			 ping->port);
}

/* The uplink's XDP features, NULL when unknown. */
static const struct nsp_obs_xdp_features *uplink_xdp(const struct lint_ctx *c)
{
	return c->f && c->f->uplink_xdp.known ? &c->f->uplink_xdp : NULL;
}

enum effective { EFF_UNKNOWN, EFF_NATIVE, EFF_GENERIC };

/*
 * Where an XDP binding will run: "auto" is native where the driver has it
 * (the kernel's choice without a mode flag). tx_ping's interface is
 * veth.host, a veth nsping makes: always native.
 */
static enum effective effective_mode(const struct lint_ctx *c, const struct nsp_binding *b)
{
	const struct nsp_obs_xdp_features *x;

	if (b->mode != NSP_MODE_AUTO)
		return b->mode == NSP_MODE_NATIVE ? EFF_NATIVE : EFF_GENERIC;
	if (b->program == NSP_PROG_TX_PING)
		return EFF_NATIVE;
	x = uplink_xdp(c);
	if (!x)
		return EFF_UNKNOWN;
	return x->flags & NSP_XDP_ACT_BASIC ? EFF_NATIVE : EFF_GENERIC;
}

/* (d): native XDP where the uplink's driver has none, and native redirects to it. */
static void check_xdp(struct lint_ctx *c)
{
	const struct nsp_obs_xdp_features *x = uplink_xdp(c);

	for (size_t k = 0; x && k < c->w->n_bindings; k++) {
		const struct nsp_binding *b = &c->w->bindings[k];
		struct nsp_warning *w;

		if (b->attach != NSP_ATTACH_XDP || b->program != NSP_PROG_RX_PING ||
		    b->mode != NSP_MODE_NATIVE || (x->flags & NSP_XDP_ACT_BASIC))
			continue;
		w = add(c, NSP_WARN_XDP_NATIVE_UNSUPPORTED, b->mode_line,
			"set mode = \"auto\" or \"generic\", or attach = \"tc\"",
			"instances[%zu].xdp[%zu].mode", c->i, k);
		if (w)
			snprintf(w->message, sizeof(w->message),
				 "%s's driver has no native XDP (netdev xdp-features): attaching "
				 "rx_ping in native mode fails, and apply with it",
				 b->interface);
	}
	for (size_t k = 0; x && k < c->w->n_bindings; k++) {
		const struct nsp_binding *b = &c->w->bindings[k];
		struct nsp_warning *w;

		if (b->attach != NSP_ATTACH_XDP || b->program != NSP_PROG_TX_PING ||
		    effective_mode(c, b) != EFF_NATIVE || (x->flags & NSP_XDP_ACT_NDO_XMIT))
			continue;
		w = add(c, NSP_WARN_XDP_REDIRECT_UNSUPPORTED, b->mode_line,
			"set mode = \"generic\" on tx_ping, or attach = \"tc\"",
			"instances[%zu].xdp[%zu].mode", c->i, k);
		if (w)
			snprintf(w->message, sizeof(w->message),
				 "tx_ping runs natively on %s and redirects every probe to %s, "
				 "whose driver takes no native redirect (no ndo_xdp_xmit in its "
				 "xdp-features): the probes are dropped (redirect_error)",
				 b->interface, c->w->uplink);
	}
}

/* The binding of program at the XDP hook, or NULL. */
static const struct nsp_binding *xdp_binding(const struct nsp_instance *w, enum nsp_program program,
					     size_t *ret_k)
{
	for (size_t k = 0; k < w->n_bindings; k++)
		if (w->bindings[k].program == program && w->bindings[k].attach == NSP_ATTACH_XDP) {
			*ret_k = k;
			return &w->bindings[k];
		}
	return NULL;
}

/* (e): the offloads of the netns-side veth that break a native redirect. */
static void check_offloads(struct lint_ctx *c)
{
	const struct nsp_binding *b;
	struct nsp_warning *w;
	size_t k;

	b = xdp_binding(c->w, NSP_PROG_RX_PING, &k);
	if (!c->w->gro && b && effective_mode(c, b) == EFF_NATIVE) {
		w = add(c, NSP_WARN_GRO_OFF, c->w->gro_line,
			"set offload.gro = true (the default), or rx_ping's mode = \"generic\" "
			"or attach = \"tc\"",
			"instances[%zu].offload.gro", c->i);
		if (w)
			snprintf(w->message, sizeof(w->message),
				 "rx_ping (xdp[%zu]) redirects the replies natively into %s, and a "
				 "veth takes XDP-redirected frames only with NAPI, which GRO on %s "
				 "turns on: with GRO off they are dropped, and every probe times "
				 "out",
				 k, c->w->veth_host, c->w->veth_peer);
	}
	b = xdp_binding(c->w, NSP_PROG_TX_PING, &k);
	if (c->w->tx_checksum && b && effective_mode(c, b) == EFF_NATIVE) {
		w = add(c, NSP_WARN_TX_CHECKSUM_ON, c->w->tx_checksum_line,
			"set offload.tx_checksum = false (the default), or tx_ping's mode = "
			"\"generic\" or attach = \"tc\"",
			"instances[%zu].offload.tx_checksum", c->i);
		if (w)
			snprintf(w->message, sizeof(w->message),
				 "tx_ping (xdp[%zu]) redirects what %s sends, and a frame "
				 "redirected by XDP loses CHECKSUM_PARTIAL: with tx checksum "
				 "offload on, the namespace's own segments (the RST that frees the "
				 "gateway's half-open connection after each probe) leave with a "
				 "wrong TCP checksum and the gateway drops them",
				 k, c->w->veth_peer);
	}
}

int nsp_lint(const struct nsp_config *cfg, const struct nsp_obs_instance *obs,
	     const struct nsp_obs_facts *facts, struct nsp_warnings *ret)
{
	struct nsp_warnings out = {0};

	for (size_t i = 0; i < cfg->n_instances; i++) {
		struct lint_ctx c = {
			.cfg = cfg,
			.i = i,
			.w = &cfg->instances[i],
			.o = obs ? &obs[i] : NULL,
			.f = facts && i < facts->n_instances ? &facts->instances[i] : NULL,
			.facts = facts,
			.out = &out,
		};

		/* in the order of enum nsp_warning_code */
		check_mac(&c);
		check_gateway(&c);
		check_sports(&c);
		check_xdp(&c);
		check_offloads(&c);
		if (c.err) {
			nsp_warnings_free(&out);
			*ret = out;
			return c.err;
		}
	}
	*ret = out;
	return 0;
}

void nsp_warnings_free(struct nsp_warnings *w)
{
	free(w->items);
	w->items = NULL;
	w->n = 0;
}
