// SPDX-License-Identifier: GPL-2.0-only
/*
 * The planner. For each instance it walks the objects in dependency order
 * (netns, veth pair, link attributes, addresses, route, neighbor, offloads,
 * programs) and emits the smallest change that makes each one match. An object
 * that exists and cannot be proven ours stops the instance with a conflict.
 * Then the orphans: what nsping owns in the file's scope that no instance
 * explains goes, each owner's programs, links and netns in that order.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "config.h"
#include "owner.h"
#include "plan.h"

struct planner {
	struct nsp_plan *plan;
	const struct nsp_config *cfg;
	const struct nsp_instance *want; /* NULL while planning orphans */
	const struct nsp_obs_instance *obs;
	size_t idx;
	struct nsp_owner owner;			/* of what add() plans */
	bool netns_ours;			/* owned, or an orphan's taken over */
	const struct nsp_obs_instance *all_obs; /* every instance's, as obs */
	bool found_all;				/* destroy --all: every owner's objects go */
	struct nsp_mac mac;			/* resolved: inherit -> the uplink's */
	uint32_t address;			/* resolved: inherit -> the uplink's */
	uint8_t prefix;
	int err;
};

static const char *const op_names[] = {"create", "update", "delete"};
static const char *const kind_names[] = {"netns",   "link", "address", "route", "neighbor",
					 "offload", "xdp",  "tc",      "ping"};

const char *nsp_op_name(enum nsp_op op)
{
	return op_names[op];
}

const char *nsp_kind_name(enum nsp_kind kind)
{
	return kind_names[kind];
}

static void *grow(void *arr, size_t n, size_t size)
{
	return realloc(arr, (n + 1) * size);
}

/* Append a change; the caller fills the action's parameters. NULL after ENOMEM. */
__attribute__((format(printf, 5, 6))) static struct nsp_change *
add(struct planner *p, enum nsp_op op, enum nsp_kind kind, enum nsp_action action,
    const char *object_fmt, ...)
{
	struct nsp_plan *plan = p->plan;
	struct nsp_change *c, *arr;
	va_list ap;

	if (p->err)
		return NULL;
	arr = grow(plan->changes, plan->n_changes, sizeof(*arr));
	if (!arr) {
		p->err = -ENOMEM;
		return NULL;
	}
	plan->changes = arr;
	c = &arr[plan->n_changes++];
	memset(c, 0, sizeof(*c));
	c->op = op;
	c->kind = kind;
	c->action = action;
	c->instance = p->idx;
	c->owner = p->owner;
	c->side = NSP_SIDE_NETNS;
	va_start(ap, object_fmt);
	vsnprintf(c->object, sizeof(c->object), object_fmt, ap);
	va_end(ap);
	return c;
}

__attribute__((format(printf, 4, 5))) static void conflict(struct planner *p, enum nsp_kind kind,
							   const char *object, const char *fmt, ...)
{
	struct nsp_plan *plan = p->plan;
	struct nsp_conflict *arr, *c;
	va_list ap;

	arr = grow(plan->conflicts, plan->n_conflicts, sizeof(*arr));
	if (!arr) {
		p->err = -ENOMEM;
		return;
	}
	plan->conflicts = arr;
	c = &arr[plan->n_conflicts++];
	c->kind = kind;
	c->instance = p->idx;
	snprintf(c->object, sizeof(c->object), "%s", object);
	va_start(ap, fmt);
	vsnprintf(c->reason, sizeof(c->reason), fmt, ap);
	va_end(ap);
}

__attribute__((format(printf, 3, 4))) static void
problem(struct planner *p, enum nsp_path_cause cause, const char *fmt, ...)
{
	struct nsp_plan *plan = p->plan;
	struct nsp_problem *arr, *pr;
	va_list ap;

	arr = grow(plan->problems, plan->n_problems, sizeof(*arr));
	if (!arr) {
		p->err = -ENOMEM;
		return;
	}
	plan->problems = arr;
	pr = &arr[plan->n_problems++];
	pr->instance = p->idx;
	pr->cause = cause;
	va_start(ap, fmt);
	vsnprintf(pr->reason, sizeof(pr->reason), fmt, ap);
	va_end(ap);
}

static void set_text(char dst[NSP_TEXT_MAX], const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void set_text(char dst[NSP_TEXT_MAX], const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(dst, NSP_TEXT_MAX, fmt, ap);
	va_end(ap);
}

/* The instance of the file called name; NULL when the file has none. */
static const struct nsp_instance *file_instance(const struct nsp_config *cfg, const char *name)
{
	for (size_t i = 0; i < cfg->n_instances; i++)
		if (!strcmp(cfg->instances[i].name, name))
			return &cfg->instances[i];
	return NULL;
}

/* Who owns an object of nsping's, for a conflict's reason. */
static const char *owner_text(const struct nsp_owner *o, char buf[64])
{
	snprintf(buf, 64, "nsping instance %s of scope %s", o->instance, o->scope);
	return buf;
}

/*
 * The file is the whole truth for its scope: what that scope owns and no
 * instance claims is the file's to take over (a renamed instance's) or to
 * prune. Other scopes are other files' business.
 */
static bool same_scope(const struct planner *p, const struct nsp_owner *o)
{
	return !strcmp(o->scope, p->cfg->scope);
}

/* mac and address "inherit" take the uplink's values; false if they can't. */
static bool resolve(struct planner *p)
{
	const struct nsp_instance *w = p->want;
	const struct nsp_obs_instance *o = p->obs;

	if (!o->uplink.present) {
		problem(p, NSP_CAUSE_UPLINK_MISSING, "uplink %s not found in the host netns",
			w->uplink);
		return false;
	}
	p->mac = w->mac_inherit ? o->uplink.mac : w->mac;
	if (!w->address_inherit) {
		p->address = w->address;
		p->prefix = w->prefix;
	} else if (o->uplink_has_address) {
		p->address = o->uplink_address;
		p->prefix = o->uplink_prefix;
	} else {
		problem(p, NSP_CAUSE_UPLINK_MISSING,
			"address = \"inherit\", but uplink %s has no IPv4 address", w->uplink);
		return false;
	}
	return true;
}

static void plan_address_create(struct planner *p)
{
	char a[NSP_PREFIX_STRLEN];
	struct nsp_change *c;

	nsp_prefix_format(p->address, p->prefix, a);
	c = add(p, NSP_OP_CREATE, NSP_KIND_ADDRESS, NSP_ACT_ADDR_ADD, "%s dev %s", a,
		p->want->veth_peer);
	if (!c)
		return;
	set_text(c->to, "%s", a);
	strcpy(c->ifname, p->want->veth_peer);
	c->addr = p->address;
	c->prefix = p->prefix;
}

static void route_text(char dst[NSP_TEXT_MAX], uint32_t gateway)
{
	char gw[NSP_IPV4_STRLEN];

	set_text(dst, "via %s", nsp_ipv4_format(gateway, gw));
}

static struct nsp_change *plan_route_replace(struct planner *p, enum nsp_op op)
{
	struct nsp_change *c;

	c = add(p, op, NSP_KIND_ROUTE, NSP_ACT_ROUTE_REPLACE, "default dev %s", p->want->veth_peer);
	if (!c)
		return NULL;
	route_text(c->to, p->want->gateway_ip);
	strcpy(c->ifname, p->want->veth_peer);
	c->gateway = p->want->gateway_ip;
	return c;
}

static void neigh_text(char dst[NSP_TEXT_MAX], const struct nsp_mac *mac, bool permanent)
{
	char m[NSP_MAC_STRLEN];

	set_text(dst, "lladdr %s%s", nsp_mac_format(mac, m), permanent ? " permanent" : "");
}

static struct nsp_change *plan_neigh_replace(struct planner *p, enum nsp_op op)
{
	char gw[NSP_IPV4_STRLEN];
	struct nsp_change *c;

	c = add(p, op, NSP_KIND_NEIGHBOR, NSP_ACT_NEIGH_REPLACE, "%s dev %s",
		nsp_ipv4_format(p->want->gateway_ip, gw), p->want->veth_peer);
	if (!c)
		return NULL;
	neigh_text(c->to, &p->want->gateway_mac, true);
	strcpy(c->ifname, p->want->veth_peer);
	c->addr = p->want->gateway_ip;
	c->mac = p->want->gateway_mac;
	return c;
}

static const char *onoff(bool v)
{
	return v ? "on" : "off";
}

/* One change per offload switch that differs; on a new veth "from" is unknown. */
static void plan_offloads(struct planner *p, bool fresh)
{
	const struct nsp_obs_instance *o = p->obs;
	const struct nsp_instance *w = p->want;
	struct nsp_change *c;

	if (fresh || !o->offload_known || o->gro != w->gro) {
		c = add(p, NSP_OP_UPDATE, NSP_KIND_OFFLOAD, NSP_ACT_GRO, "%s", w->veth_peer);
		if (c) {
			strcpy(c->attribute, "gro");
			if (!fresh && o->offload_known)
				set_text(c->from, "%s", onoff(o->gro));
			set_text(c->to, "%s", onoff(w->gro));
			strcpy(c->ifname, w->veth_peer);
			c->enable = w->gro;
		}
	}
	if (fresh || !o->offload_known || o->tx_checksum != w->tx_checksum) {
		c = add(p, NSP_OP_UPDATE, NSP_KIND_OFFLOAD, NSP_ACT_TX_CHECKSUM, "%s",
			w->veth_peer);
		if (c) {
			strcpy(c->attribute, "tx-checksumming");
			if (!fresh && o->offload_known)
				set_text(c->from, "%s", onoff(o->tx_checksum));
			set_text(c->to, "%s", onoff(w->tx_checksum));
			strcpy(c->ifname, w->veth_peer);
			c->enable = w->tx_checksum;
		}
	}
}

/* Everything inside the netns, when the veth pair is (about to be) new. */
static void plan_fresh_inside(struct planner *p)
{
	plan_address_create(p);
	plan_route_replace(p, NSP_OP_CREATE);
	plan_neigh_replace(p, NSP_OP_CREATE);
	plan_offloads(p, true);
}

static void plan_veth_create(struct planner *p)
{
	char m[NSP_MAC_STRLEN];
	struct nsp_change *c;

	c = add(p, NSP_OP_CREATE, NSP_KIND_LINK, NSP_ACT_VETH_CREATE, "%s", p->want->veth_host);
	if (!c)
		return;
	set_text(c->to, "veth peer %s in %s, mac %s", p->want->veth_peer, p->want->netns,
		 nsp_mac_format(&p->mac, m));
	c->side = NSP_SIDE_HOST;
	strcpy(c->ifname, p->want->veth_host);
	strcpy(c->new_ifname, p->want->veth_peer);
	c->mac = p->mac;
}

static void plan_link_up(struct planner *p, enum nsp_side side, const char *name)
{
	struct nsp_change *c;

	c = add(p, NSP_OP_UPDATE, NSP_KIND_LINK, NSP_ACT_LINK_UP, "%s", name);
	if (!c)
		return;
	strcpy(c->attribute, "state");
	set_text(c->from, "down");
	set_text(c->to, "up");
	c->side = side;
	strcpy(c->ifname, name);
}

static void plan_rename(struct planner *p, enum nsp_side side, const char *from, const char *to)
{
	struct nsp_change *c;

	c = add(p, NSP_OP_UPDATE, NSP_KIND_LINK, NSP_ACT_LINK_RENAME, "%s", to);
	if (!c)
		return;
	strcpy(c->attribute, "name");
	set_text(c->from, "%s", from);
	set_text(c->to, "%s", to);
	c->side = side;
	strcpy(c->ifname, from);
	strcpy(c->new_ifname, to);
}

static void plan_mark(struct planner *p, enum nsp_side side, const struct nsp_obs_link *l,
		      const char *name)
{
	struct nsp_change *c;

	if (nsp_is_marked(l->alias, p->cfg->scope, p->want->name))
		return;
	c = add(p, NSP_OP_UPDATE, NSP_KIND_LINK, NSP_ACT_LINK_MARK, "%s", name);
	if (!c)
		return;
	strcpy(c->attribute, "alias");
	set_text(c->from, "%s", l->alias);
	nsp_mark(p->cfg->scope, p->want->name, c->to);
	c->side = side;
	strcpy(c->ifname, name);
}

static bool addr_wanted(const struct planner *p, const struct nsp_obs_addr *a)
{
	return a->addr == p->address && a->prefix == p->prefix;
}

/* The wanted address, when the peer lacks it. */
static void plan_address_missing(struct planner *p)
{
	const struct nsp_obs_instance *o = p->obs;

	for (size_t i = 0; i < o->n_addrs; i++)
		if (addr_wanted(p, &o->addrs[i]))
			return;
	plan_address_create(p);
}

/*
 * Stale addresses go last, after the new one, the route and the neighbor are
 * in place (make before break): removing a device's last IPv4 address makes
 * the kernel flush its routes and neighbors (fib_disable_ip()), permanent
 * ones too. A wrong prefix of the same address is an address of its own to
 * the kernel (find_matching_ifa() compares the mask), so it is created and
 * deleted like any other.
 */
static void plan_address_deletes(struct planner *p)
{
	const struct nsp_obs_instance *o = p->obs;
	char a[NSP_PREFIX_STRLEN];

	for (size_t i = 0; i < o->n_addrs; i++) {
		struct nsp_change *c;

		if (addr_wanted(p, &o->addrs[i]))
			continue;
		nsp_prefix_format(o->addrs[i].addr, o->addrs[i].prefix, a);
		c = add(p, NSP_OP_DELETE, NSP_KIND_ADDRESS, NSP_ACT_ADDR_DEL, "%s dev %s", a,
			p->want->veth_peer);
		if (!c)
			return;
		set_text(c->from, "%s", a);
		strcpy(c->ifname, p->want->veth_peer);
		c->addr = o->addrs[i].addr;
		c->prefix = o->addrs[i].prefix;
	}
}

/*
 * A stale primary address of the wanted subnet (same network, same prefix
 * length): the wanted address is, or will be, its secondary, and the kernel
 * deletes a primary's secondaries with it unless the device promotes them.
 */
static bool stale_address_in_subnet(const struct planner *p)
{
	uint32_t mask = p->prefix ? htonl(~0U << (32 - p->prefix)) : 0;

	for (size_t i = 0; i < p->obs->n_addrs; i++) {
		const struct nsp_obs_addr *a = &p->obs->addrs[i];

		if (!addr_wanted(p, a) && !a->secondary && a->prefix == p->prefix &&
		    (a->addr & mask) == (p->address & mask))
			return true;
	}
	return false;
}

/* flushed: a rename of the peer takes it down, and the kernel drops its routes. */
static void plan_routes(struct planner *p, bool flushed)
{
	const struct nsp_obs_instance *o = p->obs;
	const struct nsp_obs_route *def = NULL;
	char d[NSP_PREFIX_STRLEN];

	for (size_t i = 0; i < o->n_routes && !flushed; i++) {
		const struct nsp_obs_route *r = &o->routes[i];
		struct nsp_change *c;

		if (r->dst_len == 0 && !def) {
			def = r;
			continue;
		}
		nsp_prefix_format(r->dst, r->dst_len, d);
		c = add(p, NSP_OP_DELETE, NSP_KIND_ROUTE, NSP_ACT_ROUTE_DEL, "%s",
			r->dst_len ? d : "default");
		if (!c)
			return;
		route_text(c->from, r->gateway);
		c->addr = r->dst;
		c->prefix = r->dst_len;
		c->gateway = r->gateway;
	}
	if (!def) {
		plan_route_replace(p, NSP_OP_CREATE);
	} else if (def->gateway != p->want->gateway_ip || def->oif != o->peer.ifindex ||
		   def->protocol != NSP_RTPROT) {
		struct nsp_change *c = plan_route_replace(p, NSP_OP_UPDATE);

		if (c)
			route_text(c->from, def->gateway);
	}
}

/*
 * flushed: a MAC change or a rename is planned, and the kernel drops every
 * neighbor of a device whose address changes or that goes down (permanent
 * ones too: neigh_flush_dev()): plan them as new.
 */
static void plan_neighbors(struct planner *p, bool flushed)
{
	const struct nsp_obs_instance *o = p->obs;
	const struct nsp_obs_neigh *gw = NULL;
	char ip[NSP_IPV4_STRLEN];

	for (size_t i = 0; i < o->n_neighs && !flushed; i++)
		if (o->neighs[i].dst == p->want->gateway_ip)
			gw = &o->neighs[i];
	if (!gw) {
		plan_neigh_replace(p, NSP_OP_CREATE);
	} else if (!gw->permanent || !gw->has_lladdr ||
		   !nsp_mac_equal(&gw->lladdr, &p->want->gateway_mac)) {
		struct nsp_change *c = plan_neigh_replace(p, NSP_OP_UPDATE);

		if (c)
			neigh_text(c->from, &gw->lladdr, gw->permanent);
	}
	/* then the stale ones (an old gateway's), once the new one is in */
	for (size_t i = 0; i < o->n_neighs && !flushed; i++) {
		const struct nsp_obs_neigh *n = &o->neighs[i];
		struct nsp_change *c;

		if (n == gw || !n->permanent)
			continue; /* not permanent: the kernel's own resolution */
		c = add(p, NSP_OP_DELETE, NSP_KIND_NEIGHBOR, NSP_ACT_NEIGH_DEL, "%s dev %s",
			nsp_ipv4_format(n->dst, ip), p->want->veth_peer);
		if (!c)
			return;
		neigh_text(c->from, &n->lladdr, n->permanent);
		strcpy(c->ifname, p->want->veth_peer);
		c->addr = n->dst;
	}
}

/* The peer end exists and is ours: bring its attributes and contents in line. */
static void plan_existing_pair(struct planner *p, const struct nsp_obs_link *host)
{
	const struct nsp_instance *w = p->want;
	const struct nsp_obs_instance *o = p->obs;
	const struct nsp_obs_link *peer = &o->peer;
	char from[NSP_MAC_STRLEN], to[NSP_MAC_STRLEN];
	struct nsp_change *c;
	bool mac_changes;

	bool renamed = false;

	plan_mark(p, NSP_SIDE_HOST, host, w->veth_host);
	if (!host->up)
		plan_link_up(p, NSP_SIDE_HOST, w->veth_host);
	if (strcmp(peer->name, w->veth_peer)) {
		if (o->peer_named.present) {
			conflict(p, NSP_KIND_LINK, w->veth_peer,
				 "another link named %s exists in netns %s", w->veth_peer,
				 w->netns);
			return;
		}
		plan_rename(p, NSP_SIDE_NETNS, peer->name, w->veth_peer);
		renamed = peer->up; /* renamed while down, and back up */
	}
	plan_mark(p, NSP_SIDE_NETNS, peer, w->veth_peer);
	mac_changes = !nsp_mac_equal(&peer->mac, &p->mac);
	if (mac_changes) {
		c = add(p, NSP_OP_UPDATE, NSP_KIND_LINK, NSP_ACT_LINK_MAC, "%s", w->veth_peer);
		if (c) {
			strcpy(c->attribute, "mac");
			set_text(c->from, "%s", nsp_mac_format(&peer->mac, from));
			set_text(c->to, "%s", nsp_mac_format(&p->mac, to));
			strcpy(c->ifname, w->veth_peer);
			c->mac = p->mac;
		}
	}
	if (!peer->up)
		plan_link_up(p, NSP_SIDE_NETNS, w->veth_peer);
	/*
	 * The new address is added before the old one goes; were the new one a
	 * secondary of the old (same subnet), deleting the old primary would
	 * take it along unless the device promotes secondaries.
	 */
	if (stale_address_in_subnet(p) && !peer->promote_secondaries) {
		c = add(p, NSP_OP_UPDATE, NSP_KIND_LINK, NSP_ACT_LINK_PROMOTE_SECONDARIES, "%s",
			w->veth_peer);
		if (c) {
			strcpy(c->attribute, "promote_secondaries");
			set_text(c->from, "off");
			set_text(c->to, "on");
			strcpy(c->ifname, w->veth_peer);
			c->enable = true;
		}
	}
	plan_address_missing(p);
	plan_routes(p, renamed);
	plan_neighbors(p, mac_changes || renamed);
	plan_address_deletes(p);
	plan_offloads(p, false);
}

/*
 * A veth is ours when it carries our mark, or when its other end lives in our
 * netns (a mark lost to a crash between create and label).
 */
static bool veth_is_ours(const struct planner *p, const struct nsp_obs_link *l)
{
	return nsp_is_marked(l->alias, p->cfg->scope, p->want->name) ||
	       (l->is_veth && p->netns_ours && p->obs->peer.present);
}

/* Another instance of the file has the link ifindex as its veth (under an old name). */
static bool link_claimed_elsewhere(const struct planner *p, int ifindex)
{
	for (size_t i = 0; p->all_obs && i < p->cfg->n_instances; i++) {
		const struct nsp_obs_instance *o = &p->all_obs[i];

		if (i != p->idx && ((o->host.present && o->host.ifindex == ifindex) ||
				    (o->host_owned.present && o->host_owned.ifindex == ifindex)))
			return true;
	}
	return false;
}

/*
 * Ours, or marked by an orphan of our scope that no other instance claims:
 * a renamed instance's veth, re-marked in place (or rebuilt, as any of ours
 * whose peer is not in our netns).
 */
static bool veth_takeable(const struct planner *p, const struct nsp_obs_link *l)
{
	struct nsp_owner o;

	return veth_is_ours(p, l) || (nsp_mark_parse(l->alias, &o) && same_scope(p, &o) &&
				      !link_claimed_elsewhere(p, l->ifindex));
}

/* The link named veth.host is in the way: say whose it is. */
static void conflict_host_link(struct planner *p, const struct nsp_obs_link *l)
{
	const char *want = p->want->veth_host;
	char named[2 * IFNAMSIZ + 32], whose[96], who[64];
	struct nsp_owner o;

	/* the kernel finds a link by its altname too */
	if (strcmp(l->name, want))
		snprintf(named, sizeof(named), "link %s (an altname of %s)", want, l->name);
	else
		snprintf(named, sizeof(named), "link %s", want);
	if (nsp_mark_parse(l->alias, &o))
		snprintf(whose, sizeof(whose), "is owned by %s", owner_text(&o, who));
	else
		snprintf(whose, sizeof(whose), "is not owned by nsping");
	conflict(p, NSP_KIND_LINK, want, "%s exists in the host netns and %s", named, whose);
}

static void plan_links(struct planner *p, bool fresh_netns)
{
	const struct nsp_instance *w = p->want;
	const struct nsp_obs_instance *o = p->obs;
	const struct nsp_obs_link *host = NULL;

	if (o->host.present) {
		if (!o->host.is_veth || !veth_takeable(p, &o->host)) {
			conflict_host_link(p, &o->host);
			return;
		}
		host = &o->host;
	} else if (o->host_owned.present) {
		plan_rename(p, NSP_SIDE_HOST, o->host_owned.name, w->veth_host);
		host = &o->host_owned;
	}

	if (host && !fresh_netns && o->peer.present) {
		plan_existing_pair(p, host);
		return;
	}
	if (o->peer_named.present && !fresh_netns) {
		conflict(p, NSP_KIND_LINK, w->veth_peer,
			 "link %s exists in netns %s and is not the peer of %s", w->veth_peer,
			 w->netns, w->veth_host);
		return;
	}
	/* Our veth whose other end is gone from our netns: the pair must be rebuilt. */
	if (host) {
		struct nsp_change *c = add(p, NSP_OP_DELETE, NSP_KIND_LINK, NSP_ACT_LINK_DELETE,
					   "%s", w->veth_host);

		if (c) {
			set_text(c->from, "veth without its peer in %s", w->netns);
			c->side = NSP_SIDE_HOST;
			strcpy(c->ifname, host->name);
		}
	}
	plan_veth_create(p);
	plan_fresh_inside(p);
}

/* The read-only data our program for this instance must carry, from what is observed now. */
static struct nsp_prog_params wanted_params(const struct planner *p, const struct nsp_binding *b,
					    const struct nsp_obs_prog *o)
{
	const struct nsp_obs_instance *obs = p->obs;
	struct nsp_prog_params w = {0};

	snprintf(w.instance, sizeof(w.instance), "%s", p->want->name);
	snprintf(w.scope, sizeof(w.scope), "%s", p->cfg->scope);
	w.uplink_ifindex = (uint32_t)obs->uplink.ifindex;
	w.veth_ifindex =
		(uint32_t)(obs->host.present ? obs->host.ifindex : obs->host_owned.ifindex);
	w.build_id = o->build_id;
	w.port = p->want->ping.port;
	w.addr = p->address;
	w.uplink_mac = p->mac;
	w.sport_min = p->want->ping.sport_min;
	w.sport_max = p->want->ping.sport_max;
	/* Only the tc objects carry the netns side; the XDP ones read back 0. */
	if (b->attach == NSP_ATTACH_TC)
		w.peer_ifindex = (uint32_t)obs->peer.ifindex;
	return w;
}

/* Ours, same build, same inputs, in the XDP mode asked for (tc has none): nothing to do. */
static bool prog_current(const struct planner *p, const struct nsp_binding *b,
			 const struct nsp_obs_prog *o, bool veth_rebuilt)
{
	struct nsp_prog_params w = wanted_params(p, b, o);
	bool mode_ok = b->attach == NSP_ATTACH_TC || b->mode == NSP_MODE_AUTO || b->mode == o->mode;

	return o->present && o->ours && !veth_rebuilt && nsp_prog_params_equal(&o->params, &w) &&
	       mode_ok;
}

static enum nsp_kind binding_kind(const struct nsp_binding *b)
{
	return b->attach == NSP_ATTACH_TC ? NSP_KIND_TC : NSP_KIND_XDP;
}

static const char *xdp_mode_text(const struct nsp_obs_prog *o)
{
	return o->mode == NSP_MODE_GENERIC ? "generic" : "native";
}

/* Where a binding's program goes: its XDP mode, or our tc slot. */
static void placement_text(const struct planner *p, const struct nsp_binding *b,
			   char dst[NSP_TEXT_MAX])
{
	if (b->attach == NSP_ATTACH_TC)
		set_text(dst, "%s ingress handle 0x%x prio %u", nsp_program_name(b->program),
			 nsp_tc_handle(p->cfg->scope, p->want->name), NSP_TC_PRIORITY);
	else
		set_text(dst, "%s %s", nsp_program_name(b->program), nsp_mode_name(b->mode));
}

/*
 * A program of an orphan of our scope (a renamed or removed instance's) is
 * replaced in place by ours. One of an instance still in the file is that
 * instance's: two may not bind the same XDP hook.
 */
static bool prog_takeable(const struct planner *p, const struct nsp_obs_prog *o)
{
	struct nsp_owner owner = nsp_owner_of(o->params.scope, o->params.instance);

	return o->nsping && same_scope(p, &owner) && !file_instance(p->cfg, owner.instance);
}

/* Our program, another instance's or scope's: name its owner. */
static void conflict_nsping_prog(struct planner *p, const struct nsp_binding *b,
				 const struct nsp_obs_prog *o)
{
	struct nsp_owner owner = nsp_owner_of(o->params.scope, o->params.instance);
	bool in_file = same_scope(p, &owner) && file_instance(p->cfg, owner.instance);
	char who[64];

	owner_text(&owner, who);
	if (b->attach == NSP_ATTACH_XDP)
		conflict(p, NSP_KIND_XDP, b->interface,
			 "program id %u \"%s\" (%s) of %s is attached to %s%s", o->id, o->name,
			 xdp_mode_text(o), who, b->interface,
			 in_file ? ": two instances may not bind xdp to the same interface" : "");
	else
		conflict(p, NSP_KIND_TC, b->interface,
			 "program id %u \"%s\" of %s is attached to %s at tc ingress handle 0x%x "
			 "prio %u",
			 o->id, o->name, who, b->interface,
			 nsp_tc_handle(p->cfg->scope, p->want->name), NSP_TC_PRIORITY);
}

static void conflict_foreign_prog(struct planner *p, const struct nsp_binding *b,
				  const struct nsp_obs_prog *o)
{
	if (o->nsping)
		conflict_nsping_prog(p, b, o);
	else if (b->attach == NSP_ATTACH_XDP)
		conflict(p, NSP_KIND_XDP, b->interface,
			 "foreign program id %u \"%s\" (%s) is attached to %s", o->id, o->name,
			 xdp_mode_text(o), b->interface);
	else if (o->id)
		conflict(p, NSP_KIND_TC, b->interface,
			 "foreign program id %u \"%s\" is attached to %s at tc ingress handle "
			 "0x%x prio %u",
			 o->id, o->name, b->interface, nsp_tc_handle(p->cfg->scope, p->want->name),
			 NSP_TC_PRIORITY);
	else
		conflict(p, NSP_KIND_TC, b->interface,
			 "a foreign \"%s\" tc filter holds ingress prio %u on %s", o->name,
			 NSP_TC_PRIORITY, b->interface);
}

/* Detach our program pr (program, on ifname), attached as kind. */
static void plan_detach(struct planner *p, enum nsp_program program, const char *ifname,
			enum nsp_kind kind, const struct nsp_obs_prog *pr)
{
	struct nsp_change *c;

	c = add(p, NSP_OP_DELETE, kind, NSP_ACT_PROG_DETACH, "%s on %s", nsp_program_name(program),
		ifname);
	if (!c)
		return;
	set_text(c->from, "id %u", pr->id);
	c->side = NSP_SIDE_HOST;
	strcpy(c->ifname, ifname);
	c->old_prog_id = pr->id;
	c->old_mode = pr->mode;
	/* tc: the filter is in its owner's slot */
	if (pr->nsping)
		c->owner = nsp_owner_of(pr->params.scope, pr->params.instance);
}

static void plan_detach_binding(struct planner *p, size_t i, enum nsp_kind kind,
				const struct nsp_obs_prog *pr)
{
	const struct nsp_binding *b = &p->want->bindings[i];

	plan_detach(p, b->program, b->interface, kind, pr);
}

/*
 * Ours where the file binds nothing any more (a binding removed from it). A
 * veth about to be rebuilt takes its programs with it; one about to be
 * renamed (renamed: apply plans that before) keeps them under its new name.
 */
static void plan_detach_unbound(struct planner *p, bool veth_rebuilt, bool renamed)
{
	const struct nsp_obs_instance *o = p->obs;

	for (size_t i = 0; i < o->n_unbound; i++) {
		const struct nsp_obs_unbound *x = &o->unbound[i];
		bool on_host = x->program == NSP_PROG_TX_PING;
		const char *ifname =
			renamed && on_host && !o->host.present ? p->want->veth_host : x->ifname;

		if (veth_rebuilt && on_host)
			continue;
		plan_detach(p, x->program, ifname,
			    x->attach == NSP_ATTACH_TC ? NSP_KIND_TC : NSP_KIND_XDP, &x->prog);
	}
}

static enum nsp_kind other_kind(const struct nsp_binding *b)
{
	return b->attach == NSP_ATTACH_TC ? NSP_KIND_XDP : NSP_KIND_TC;
}

static void plan_bindings(struct planner *p, bool veth_rebuilt)
{
	const struct nsp_instance *w = p->want;

	for (size_t i = 0; i < w->n_bindings; i++) {
		const struct nsp_binding *b = &w->bindings[i];
		const struct nsp_obs_prog *o = &p->obs->progs[i];
		/* A new veth carries no program: whatever the old one had went with it. */
		bool on_new_link = veth_rebuilt && b->program == NSP_PROG_TX_PING;
		bool replace = o->present && !on_new_link;
		struct nsp_change *c;

		if (replace && !o->ours && !prog_takeable(p, o)) {
			conflict_foreign_prog(p, b, o);
			continue;
		}
		if (prog_current(p, b, o, veth_rebuilt))
			continue;
		c = add(p, replace ? NSP_OP_UPDATE : NSP_OP_CREATE, binding_kind(b),
			NSP_ACT_PROG_ATTACH, "%s on %s", nsp_program_name(b->program),
			b->interface);
		if (!c)
			return;
		if (replace && b->attach == NSP_ATTACH_TC)
			set_text(c->from, "id %u", o->id);
		else if (replace)
			set_text(c->from, "id %u %s", o->id, xdp_mode_text(o));
		placement_text(p, b, c->to);
		c->side = NSP_SIDE_HOST;
		strcpy(c->ifname, b->interface);
		c->binding = i;
		c->old_prog_id = replace ? o->id : 0;
		c->old_mode = o->mode;
		c->addr = p->address;
		c->mac = p->mac;
	}
	/*
	 * Ours at the other attach point is left from a switch of "attach":
	 * detach it once the new one is in place. A foreign one there is not
	 * in the way (a gateway's XDP program and our tc filter coexist).
	 */
	for (size_t i = 0; i < w->n_bindings; i++) {
		const struct nsp_binding *b = &w->bindings[i];
		const struct nsp_obs_prog *o = &p->obs->other_attach[i];
		bool on_new_link = veth_rebuilt && b->program == NSP_PROG_TX_PING;

		if (o->present && o->ours && !on_new_link)
			plan_detach_binding(p, i, other_kind(b), o);
	}
	plan_detach_unbound(p, veth_rebuilt, true);
}

/*
 * The netns named in the file exists and lo carries another owner's mark.
 * An orphan's of our scope, made for this host, is taken over (a renamed
 * instance keeps its netns: lo is marked anew); false with a conflict
 * otherwise.
 */
static bool take_netns(struct planner *p)
{
	const struct nsp_instance *w = p->want;
	const struct nsp_obs_instance *o = p->obs;
	struct nsp_owner owner;
	struct nsp_change *c;
	char who[64];

	if (!nsp_mark_parse(o->netns_mark, &owner)) {
		conflict(p, NSP_KIND_NETNS, w->netns, "netns %s exists and is not owned by nsping",
			 w->netns);
		return false;
	}
	if (!same_scope(p, &owner)) {
		conflict(p, NSP_KIND_NETNS, w->netns, "netns %s exists and is owned by %s",
			 w->netns, owner_text(&owner, who));
		return false;
	}
	/* /run/netns is shared by every netns of the machine, whoever its host */
	if (!o->netns_of_host) {
		conflict(p, NSP_KIND_NETNS, w->netns,
			 "netns %s is marked by %s but is not linked to this host netns", w->netns,
			 owner_text(&owner, who));
		return false;
	}
	c = add(p, NSP_OP_UPDATE, NSP_KIND_NETNS, NSP_ACT_NETNS_MARK, "%s", w->netns);
	if (c) {
		strcpy(c->attribute, "alias");
		set_text(c->from, "%s", o->netns_mark);
		nsp_mark(p->cfg->scope, w->name, c->to);
		strcpy(c->netns, w->netns);
	}
	p->netns_ours = true;
	return true;
}

/*
 * The words of from and to ("key=value ...") that differ, side by side, so
 * that a plan shows "interval_ms=1000 -> interval_ms=500", not two lines.
 */
static void differing_words(const char *from, const char *to, char dst_from[NSP_TEXT_MAX],
			    char dst_to[NSP_TEXT_MAX])
{
	char a[NSP_PING_TEXT_MAX], b[NSP_PING_TEXT_MAX], *sa, *sb, *wa, *wb;
	size_t lf = 0, lt = 0;

	snprintf(a, sizeof(a), "%s", from);
	snprintf(b, sizeof(b), "%s", to);
	dst_from[0] = dst_to[0] = '\0';
	wa = strtok_r(a, " ", &sa);
	wb = strtok_r(b, " ", &sb);
	while (wa || wb) {
		if (!wa || !wb || strcmp(wa, wb)) {
			if (wa && lf < NSP_TEXT_MAX)
				lf += (size_t)snprintf(dst_from + lf, NSP_TEXT_MAX - lf, "%s%s",
						       lf ? " " : "", wa);
			if (wb && lt < NSP_TEXT_MAX)
				lt += (size_t)snprintf(dst_to + lt, NSP_TEXT_MAX - lt, "%s%s",
						       lt ? " " : "", wb);
		}
		wa = wa ? strtok_r(NULL, " ", &sa) : NULL;
		wb = wb ? strtok_r(NULL, " ", &sb) : NULL;
	}
}

/*
 * A running worker (ping, run) that probes with other settings than the
 * file's: apply has it reload (SIGHUP to the process that reloads it).
 */
static void plan_worker(struct planner *p)
{
	const struct nsp_obs_instance *o = p->obs;
	char want[NSP_PING_TEXT_MAX];
	struct nsp_change *c;

	if (!o->worker_running || !o->worker_ping[0])
		return;
	nsp_ping_text(p->want, want);
	if (!strcmp(want, o->worker_ping))
		return;
	c = add(p, NSP_OP_UPDATE, NSP_KIND_PING, NSP_ACT_WORKER_RELOAD, "worker of %s",
		p->want->name);
	if (!c)
		return;
	strcpy(c->attribute, "settings");
	differing_words(o->worker_ping, want, c->from, c->to);
	c->side = NSP_SIDE_HOST;
	c->pid = o->worker_reloader;
}

static void plan_instance(struct planner *p)
{
	const struct nsp_instance *w = p->want;
	const struct nsp_obs_instance *o = p->obs;
	size_t conflicts = p->plan->n_conflicts;
	size_t first_change = p->plan->n_changes;
	bool fresh_netns = false, veth_rebuilt = false;
	struct nsp_change *c;

	if (!resolve(p))
		return;
	if (!o->netns_present && o->netns_placeholder) {
		conflict(p, NSP_KIND_NETNS, w->netns,
			 "/run/netns/%s exists, is not a netns and is not nsping's (another tool "
			 "creating it?)",
			 w->netns);
		return;
	}
	p->netns_ours = o->netns_present && o->netns_owned;
	if (!o->netns_present) {
		c = add(p, NSP_OP_CREATE, NSP_KIND_NETNS, NSP_ACT_NETNS_CREATE, "%s", w->netns);
		if (c) {
			set_text(c->to, "/run/netns/%s", w->netns);
			strcpy(c->netns, w->netns);
		}
		fresh_netns = true;
	} else if (!o->netns_owned && !take_netns(p)) {
		return;
	}
	plan_links(p, fresh_netns);
	if (p->plan->n_conflicts != conflicts) {
		/* Nothing of a blocked instance changes: drop what was planned for it. */
		p->plan->n_changes = first_change;
		return;
	}
	for (size_t i = first_change; i < p->plan->n_changes; i++)
		veth_rebuilt |= p->plan->changes[i].action == NSP_ACT_VETH_CREATE;
	plan_bindings(p, veth_rebuilt);
	if (p->plan->n_conflicts != conflicts) {
		p->plan->n_changes = first_change;
		return;
	}
	plan_worker(p);
}

/* The instance of the file that owner is, or NSP_NO_INSTANCE. */
static size_t instance_index(const struct nsp_config *cfg, const struct nsp_owner *owner)
{
	const struct nsp_instance *w = file_instance(cfg, owner->instance);

	if (!w || strcmp(owner->scope, cfg->scope))
		return NSP_NO_INSTANCE;
	return (size_t)(w - cfg->instances);
}

/* The host link ifindex is an instance's veth: that instance plans for it. */
static bool instance_link(const struct planner *p, int ifindex)
{
	for (size_t i = 0; i < p->cfg->n_instances; i++) {
		const struct nsp_obs_instance *o = &p->all_obs[i];

		if ((o->host.present && o->host.ifindex == ifindex) ||
		    (o->host_owned.present && o->host_owned.ifindex == ifindex))
			return true;
	}
	return false;
}

static bool owner_equal(const struct nsp_owner *a, const struct nsp_owner *b)
{
	return !strcmp(a->scope, b->scope) && !strcmp(a->instance, b->instance);
}

/* What the orphan pass collects, so that each owner's objects go once, together. */
struct orphan_pass {
	const struct nsp_obs_orphans *found;
	struct nsp_owner owners[NSP_MAX_INSTANCES * 4];
	size_t n_owners;
	uint32_t detached[NSP_MAX_INSTANCES * NSP_MAX_BINDINGS];
	size_t n_detached;
	int deleted[NSP_MAX_INSTANCES * 2];
	size_t n_deleted;
};

static void note_owner(struct orphan_pass *x, const struct nsp_owner *o)
{
	for (size_t i = 0; i < x->n_owners; i++)
		if (owner_equal(&x->owners[i], o))
			return;
	if (x->n_owners < sizeof(x->owners) / sizeof(x->owners[0]))
		x->owners[x->n_owners++] = *o;
}

/* A program once: two instances on one uplink both see its XDP program. */
static bool first_detach(struct orphan_pass *x, uint32_t id)
{
	for (size_t i = 0; i < x->n_detached; i++)
		if (x->detached[i] == id)
			return false;
	if (x->n_detached < sizeof(x->detached) / sizeof(x->detached[0]))
		x->detached[x->n_detached++] = id;
	return true;
}

static void plan_orphan_link(struct planner *p, struct orphan_pass *x, const struct nsp_obs_link *l,
			     const char *netns)
{
	struct nsp_change *c;

	if (instance_link(p, l->ifindex))
		return;
	for (size_t i = 0; i < x->n_deleted; i++)
		if (x->deleted[i] == l->ifindex)
			return;
	if (x->n_deleted < sizeof(x->deleted) / sizeof(x->deleted[0]))
		x->deleted[x->n_deleted++] = l->ifindex;
	c = add(p, NSP_OP_DELETE, NSP_KIND_LINK, NSP_ACT_LINK_DELETE, "%s", l->name);
	if (!c)
		return;
	if (netns && *netns)
		set_text(c->from, "veth, peer in %s", netns);
	else if (netns)
		set_text(c->from, "veth, peer in a netns without a name");
	else
		set_text(c->from, "veth");
	c->side = NSP_SIDE_HOST;
	strcpy(c->ifname, l->name);
}

/* An orphan program of ours that an instance saw at its binding's other attach point. */
static bool other_attach_orphan(const struct planner *p, const struct nsp_obs_prog *pr)
{
	struct nsp_owner owner = nsp_owner_of(pr->params.scope, pr->params.instance);

	/* destroy --all: the instance's destroy detaches every one of ours there */
	return pr->present && pr->nsping && !pr->ours && !p->found_all && same_scope(p, &owner) &&
	       !file_instance(p->cfg, owner.instance);
}

/* Every object of owner that the pass found: programs, then links, then the netns. */
static void plan_owner_orphans(struct planner *p, struct orphan_pass *x)
{
	const struct nsp_obs_orphans *f = x->found;
	struct nsp_change *c;

	for (size_t i = 0; i < p->cfg->n_instances; i++) {
		const struct nsp_instance *w = &p->cfg->instances[i];

		for (size_t k = 0; k < w->n_bindings; k++) {
			const struct nsp_obs_prog *pr = &p->all_obs[i].other_attach[k];

			if (other_attach_orphan(p, pr) &&
			    nsp_owner_is(&p->owner, pr->params.scope, pr->params.instance) &&
			    first_detach(x, pr->id))
				plan_detach(p, w->bindings[k].program, w->bindings[k].interface,
					    other_kind(&w->bindings[k]), pr);
		}
	}
	for (size_t i = 0; i < f->n_progs; i++) {
		const struct nsp_obs_orphan_prog *op = &f->progs[i];

		if (owner_equal(&op->owner, &p->owner) && first_detach(x, op->prog.id))
			plan_detach(p, op->program, op->ifname,
				    op->attach == NSP_ATTACH_TC ? NSP_KIND_TC : NSP_KIND_XDP,
				    &op->prog);
	}
	for (size_t i = 0; i < f->n_netns; i++)
		if (owner_equal(&f->netns[i].owner, &p->owner) && f->netns[i].host_veth.present)
			plan_orphan_link(p, x, &f->netns[i].host_veth, f->netns[i].name);
	for (size_t i = 0; i < f->n_links; i++)
		if (owner_equal(&f->links[i].owner, &p->owner))
			plan_orphan_link(p, x, &f->links[i].link, NULL);
	for (size_t i = 0; i < f->n_netns; i++) {
		/* one without a name (a process holds it) goes when that process ends */
		if (!owner_equal(&f->netns[i].owner, &p->owner) || !f->netns[i].name[0])
			continue;
		c = add(p, NSP_OP_DELETE, NSP_KIND_NETNS, NSP_ACT_NETNS_DELETE, "%s",
			f->netns[i].name);
		if (!c)
			return;
		set_text(c->from, "/run/netns/%s", f->netns[i].name);
		c->side = NSP_SIDE_HOST;
		strcpy(c->netns, f->netns[i].name);
	}
}

/*
 * After the instances, what nsping owns and no instance explains, grouped by
 * owner: make before break, the instances' new objects are in place before
 * the old ones go.
 */
static int plan_orphans(struct nsp_plan *plan, const struct nsp_config *cfg,
			const struct nsp_obs_instance *obs, const struct nsp_obs_orphans *found)
{
	struct planner p = {.plan = plan, .cfg = cfg, .all_obs = obs, .found_all = found->all};
	struct orphan_pass *x = calloc(1, sizeof(*x));

	if (!x)
		return -ENOMEM;
	x->found = found;
	for (size_t i = 0; i < found->n_netns; i++)
		note_owner(x, &found->netns[i].owner);
	for (size_t i = 0; i < found->n_links; i++)
		note_owner(x, &found->links[i].owner);
	for (size_t i = 0; i < found->n_progs; i++)
		note_owner(x, &found->progs[i].owner);
	for (size_t i = 0; i < cfg->n_instances; i++)
		for (size_t k = 0; k < cfg->instances[i].n_bindings; k++) {
			const struct nsp_obs_prog *pr = &obs[i].other_attach[k];
			struct nsp_owner o = nsp_owner_of(pr->params.scope, pr->params.instance);

			if (other_attach_orphan(&p, pr))
				note_owner(x, &o);
		}
	for (size_t i = 0; i < x->n_owners && !p.err; i++) {
		p.owner = x->owners[i];
		p.idx = instance_index(cfg, &p.owner);
		plan_owner_orphans(&p, x);
	}
	free(x);
	return p.err;
}

int nsp_plan_build(const struct nsp_config *cfg, const struct nsp_obs_instance *obs,
		   const struct nsp_obs_orphans *orphans, struct nsp_plan *ret_plan)
{
	struct nsp_plan plan = {0};
	int err = 0;

	for (size_t i = 0; i < cfg->n_instances && !err; i++) {
		struct planner p = {.plan = &plan,
				    .cfg = cfg,
				    .want = &cfg->instances[i],
				    .obs = &obs[i],
				    .all_obs = obs,
				    .idx = i,
				    .owner = nsp_owner_of(cfg->scope, cfg->instances[i].name)};

		plan_instance(&p);
		err = p.err;
	}
	if (!err && orphans && orphans->swept)
		err = plan_orphans(&plan, cfg, obs, orphans);
	if (err) {
		nsp_plan_free(&plan);
		return err;
	}
	*ret_plan = plan;
	return 0;
}

/* Ours; with all (destroy --all), also another owner's that nsping made. */
static bool destroys_prog(const struct planner *p, const struct nsp_obs_prog *pr)
{
	return pr->present && (pr->ours || (p->found_all && pr->nsping));
}

/* Programs first (they point at the links), then the veth pair, then the netns. */
static void plan_destroy_instance(struct planner *p)
{
	const struct nsp_instance *w = p->want;
	const struct nsp_obs_instance *o = p->obs;
	const struct nsp_obs_link *host = NULL;
	struct nsp_owner other;
	struct nsp_change *c;
	bool netns_marked = o->netns_present && nsp_mark_parse(o->netns_mark, &other);

	p->netns_ours = o->netns_present && o->netns_owned;
	for (size_t i = 0; i < w->n_bindings; i++) {
		const struct nsp_binding *b = &w->bindings[i];

		if (destroys_prog(p, &o->progs[i]))
			plan_detach_binding(p, i, binding_kind(b), &o->progs[i]);
		if (destroys_prog(p, &o->other_attach[i]))
			plan_detach_binding(p, i, other_kind(b), &o->other_attach[i]);
	}
	plan_detach_unbound(p, false, false);
	if (o->host.present && o->host.is_veth &&
	    (veth_is_ours(p, &o->host) || (p->found_all && nsp_mark_parse(o->host.alias, &other))))
		host = &o->host;
	else if (o->host_owned.present)
		host = &o->host_owned;
	if (host) {
		c = add(p, NSP_OP_DELETE, NSP_KIND_LINK, NSP_ACT_LINK_DELETE, "%s", host->name);
		if (c) {
			set_text(c->from, "veth");
			c->side = NSP_SIDE_HOST;
			strcpy(c->ifname, host->name);
		}
	}
	/* An empty mount point is no namespace and nobody's: only its name is left. */
	if ((o->netns_present && o->netns_owned) || (!o->netns_present && o->netns_stale) ||
	    (p->found_all && netns_marked && o->netns_of_host)) {
		c = add(p, NSP_OP_DELETE, NSP_KIND_NETNS, NSP_ACT_NETNS_DELETE, "%s", w->netns);
		if (c) {
			set_text(c->from,
				 o->netns_present ? "/run/netns/%s" : "/run/netns/%s (empty)",
				 w->netns);
			c->side = NSP_SIDE_HOST;
			strcpy(c->netns, w->netns);
		}
	}
}

int nsp_plan_build_destroy(const struct nsp_config *cfg, const struct nsp_obs_instance *obs,
			   const struct nsp_obs_orphans *orphans, struct nsp_plan *ret_plan)
{
	struct nsp_plan plan = {0};
	bool swept = orphans && orphans->swept;
	int err = 0;

	for (size_t i = 0; i < cfg->n_instances && !err; i++) {
		struct planner p = {.plan = &plan,
				    .cfg = cfg,
				    .want = &cfg->instances[i],
				    .obs = &obs[i],
				    .all_obs = obs,
				    .idx = i,
				    .owner = nsp_owner_of(cfg->scope, cfg->instances[i].name),
				    .found_all = swept && orphans->all};

		plan_destroy_instance(&p);
		err = p.err;
	}
	if (!err && swept)
		err = plan_orphans(&plan, cfg, obs, orphans);
	if (err) {
		nsp_plan_free(&plan);
		return err;
	}
	*ret_plan = plan;
	return 0;
}

void nsp_plan_free(struct nsp_plan *plan)
{
	free(plan->changes);
	free(plan->conflicts);
	free(plan->problems);
	memset(plan, 0, sizeof(*plan));
}

bool nsp_plan_empty(const struct nsp_plan *plan)
{
	return !plan->n_changes && !plan->n_conflicts && !plan->n_problems;
}

struct nsp_summary nsp_plan_summary(const struct nsp_plan *plan)
{
	struct nsp_summary s = {0};

	for (size_t i = 0; i < plan->n_changes; i++) {
		switch (plan->changes[i].op) {
		case NSP_OP_CREATE:
			s.create++;
			break;
		case NSP_OP_UPDATE:
			s.update++;
			break;
		case NSP_OP_DELETE:
			s.delete ++;
			break;
		}
	}
	return s;
}
