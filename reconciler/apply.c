// SPDX-License-Identifier: GPL-2.0-only
/*
 * Execute a plan: one kernel request per change (a rename takes two), in the
 * planner's order. Names are resolved to ifindexes at the moment of the
 * change, since a link created earlier in the same plan has no index before.
 * An orphan's change (a delete) carries all it needs: its owner is in no
 * instance of the file.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "config.h"
#include "ethtool.h"
#include "kernel.h"
#include "netns.h"
#include "owner.h"
#include "render.h"
#include "tc.h"
#include "workerstate.h"
#include "xdp.h"

struct mark_args {
	const struct nsp_owner *owner;
	unsigned long *requests;
};

/* Runs inside the new netns before its name is published: label its lo as ours. */
static int mark_new_netns(void *arg)
{
	struct mark_args *a = arg;
	char mark[NSP_ALIAS_MAX];
	struct nsp_nl nl;
	int r;

	r = nsp_nl_open(&nl, a->requests);
	if (r < 0)
		return r;
	nsp_mark(a->owner->scope, a->owner->instance, mark);
	r = nsp_nl_link_index(&nl, "lo");
	/*
	 * lo up too: the kernel delivers the ICMP errors it makes for a probe
	 * (an unanswered ARP: host unreachable) through lo to the raw socket.
	 */
	if (r >= 0) {
		int lo = r;

		r = nsp_nl_link_alias(&nl, lo, mark);
		if (r >= 0)
			r = nsp_nl_link_up(&nl, lo);
	}
	nsp_nl_close(&nl);
	return r;
}

static int apply_link(struct nsp_nl *nl, const struct nsp_change *c)
{
	char mark[NSP_ALIAS_MAX];
	int ifindex = nsp_nl_link_index(nl, c->ifname);

	if (ifindex < 0)
		return ifindex;
	switch (c->action) {
	case NSP_ACT_LINK_DELETE:
		return nsp_nl_link_delete(nl, ifindex);
	case NSP_ACT_LINK_RENAME:
		return nsp_nl_link_rename(nl, ifindex, c->new_ifname, true);
	case NSP_ACT_LINK_MAC:
		return nsp_nl_link_mac(nl, ifindex, &c->mac);
	case NSP_ACT_LINK_UP:
		return nsp_nl_link_up(nl, ifindex);
	case NSP_ACT_LINK_MARK:
		nsp_mark(c->owner.scope, c->owner.instance, mark);
		return nsp_nl_link_alias(nl, ifindex, mark);
	case NSP_ACT_LINK_PROMOTE_SECONDARIES:
		return nsp_nl_link_promote_secondaries(nl, ifindex, c->enable);
	default:
		return -EINVAL;
	}
}

/*
 * The kernel ignores IFLA_IFALIAS at creation and can't open a veth's peer
 * before the pair is linked: mark both ends and bring the peer up afterwards.
 * Were we stopped in between, the peer living in our netns still proves the
 * pair ours, and the next plan finishes the job.
 */
static int create_veth(struct nsp_kernel *k, struct nsp_netns_handles *h,
		       const struct nsp_change *c)
{
	char mark[NSP_ALIAS_MAX];
	int r, host, peer;

	if (h->netns_fd < 0)
		return -ENOENT;
	r = nsp_nl_veth_create(&k->host, c->ifname, c->new_ifname, &c->mac, h->netns_fd);
	if (r < 0)
		return r;
	nsp_mark(c->owner.scope, c->owner.instance, mark);
	host = nsp_nl_link_index(&k->host, c->ifname);
	if (host < 0)
		return host;
	r = nsp_nl_link_alias(&k->host, host, mark);
	if (r < 0)
		return r;
	peer = nsp_nl_link_index(&h->nl, c->new_ifname);
	if (peer < 0)
		return peer;
	r = nsp_nl_link_alias(&h->nl, peer, mark);
	return r < 0 ? r : nsp_nl_link_up(&h->nl, peer);
}

/*
 * Ifindexes are read now: the veth may have been created earlier in this
 * plan. The tc objects also carry the netns side of the pair.
 */
static int prog_params(struct nsp_kernel *k, const struct nsp_config *cfg,
		       const struct nsp_instance *w, const struct nsp_change *c,
		       struct nsp_prog_params *ret)
{
	const struct nsp_binding *b = &w->bindings[c->binding];
	struct nsp_netns_handles *h = &k->ns[c->instance];
	struct nsp_prog_params p = {0};
	int uplink, veth, peer = 0, r;

	r = nsp_kernel_host_netns(k, &p.host_netns);
	if (r < 0)
		return r;
	uplink = nsp_nl_link_index(&k->host, w->uplink);
	veth = nsp_nl_link_index(&k->host, w->veth_host);
	if (b->attach == NSP_ATTACH_TC)
		peer = h->netns_fd < 0 ? -ENOENT : nsp_nl_link_index(&h->nl, w->veth_peer);
	if (uplink < 0 || veth < 0 || peer < 0)
		return -ENODEV;
	snprintf(p.instance, sizeof(p.instance), "%s", w->name);
	snprintf(p.scope, sizeof(p.scope), "%s", cfg->scope);
	p.uplink_ifindex = (uint32_t)uplink;
	p.veth_ifindex = (uint32_t)veth;
	p.peer_ifindex = (uint32_t)peer;
	p.build_id = nsp_prog_build_id(b->program, b->attach);
	p.port = w->ping.port;
	p.addr = c->addr;
	p.uplink_mac = c->mac;
	p.sport_min = w->ping.sport_min;
	p.sport_max = w->ping.sport_max;
	*ret = p;
	return 0;
}

/*
 * rx_ping at XDP on the uplink: a driver may turn receive offloads off under
 * XDP (virtio_net drops the guest's LRO/GRO_HW). Read them before and after,
 * and leave a note of what changed for the caller to say.
 */
static int attach_rx_xdp(struct nsp_kernel *k, int ifindex, const struct nsp_binding *b,
			 const struct nsp_change *c, const struct nsp_prog_params *p)
{
	struct nsp_uplink_offloads before, after;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	bool known = fd >= 0 && nsp_ethtool_uplink(fd, c->ifname, &before) == 0;
	size_t len = strlen(k->offload_notes);
	int r;

	r = nsp_xdp_attach(&k->host, ifindex, b->program, b->mode, p, c->old_prog_id, c->old_mode);
	if (r == 0 && known && nsp_ethtool_uplink(fd, c->ifname, &after) == 0 &&
	    memcmp(&before, &after, sizeof(before)))
		snprintf(k->offload_notes + len, sizeof(k->offload_notes) - len,
			 "rx_ping at XDP on %s changed its offloads: gro %s -> %s, lro %s -> %s, "
			 "tso %s -> %s; attach = \"tc\" keeps them\n",
			 c->ifname, before.gro ? "on" : "off", after.gro ? "on" : "off",
			 before.lro ? "on" : "off", after.lro ? "on" : "off",
			 before.tso ? "on" : "off", after.tso ? "on" : "off");
	if (fd >= 0)
		close(fd);
	return r;
}

static int attach_prog(struct nsp_kernel *k, const struct nsp_config *cfg,
		       const struct nsp_instance *w, const struct nsp_change *c)
{
	const struct nsp_binding *b = &w->bindings[c->binding];
	struct nsp_prog_params p;
	int ifindex, r;

	ifindex = nsp_nl_link_index(&k->host, c->ifname);
	if (ifindex < 0)
		return -ENODEV;
	r = prog_params(k, cfg, w, c, &p);
	if (r < 0)
		return r;
	if (b->attach == NSP_ATTACH_TC)
		return nsp_tc_attach(&k->host, ifindex, b->program, &p, c->old_prog_id);
	if (b->program != NSP_PROG_RX_PING)
		return nsp_xdp_attach(&k->host, ifindex, b->program, b->mode, &p, c->old_prog_id,
				      c->old_mode);
	return attach_rx_xdp(k, ifindex, b, c, &p);
}

static int detach_prog(struct nsp_kernel *k, const struct nsp_change *c)
{
	int ifindex = nsp_nl_link_index(&k->host, c->ifname);

	if (ifindex < 0)
		return ifindex;
	/* The change's kind, not the binding's: a switch detaches at the other point. */
	if (c->kind == NSP_KIND_TC)
		return nsp_tc_detach(&k->host, ifindex, &c->owner, c->old_prog_id);
	return nsp_xdp_detach(&k->host, ifindex, c->old_prog_id, c->old_mode);
}

static int apply_inside(struct nsp_netns_handles *h, const struct nsp_change *c)
{
	int ifindex = 0;

	if (*c->ifname) {
		ifindex = nsp_nl_link_index(&h->nl, c->ifname);
		if (ifindex < 0)
			return ifindex;
	}
	switch (c->action) {
	case NSP_ACT_ADDR_ADD:
	case NSP_ACT_ADDR_DEL:
		return nsp_nl_addr(&h->nl, c->action == NSP_ACT_ADDR_ADD, ifindex, c->addr,
				   c->prefix);
	case NSP_ACT_ROUTE_REPLACE:
		return nsp_nl_route(&h->nl, true, ifindex, 0, 0, c->gateway);
	case NSP_ACT_ROUTE_DEL:
		return nsp_nl_route(&h->nl, false, 0, c->addr, c->prefix, c->gateway);
	case NSP_ACT_NEIGH_REPLACE:
	case NSP_ACT_NEIGH_DEL:
		return nsp_nl_neigh(&h->nl, c->action == NSP_ACT_NEIGH_REPLACE, ifindex, c->addr,
				    &c->mac);
	case NSP_ACT_GRO:
	case NSP_ACT_TX_CHECKSUM:
		nsp_nl_count_request(&h->nl);
		return nsp_ethtool_set(h->sock, c->ifname,
				       c->action == NSP_ACT_GRO ? NSP_OFFLOAD_GRO
								: NSP_OFFLOAD_TX_CHECKSUM,
				       c->enable);
	default:
		return -EINVAL;
	}
}

/* lo of the instance's netns, taken over from an orphan: marked as the instance's. */
static int mark_netns(struct nsp_netns_handles *h, const struct nsp_change *c)
{
	char mark[NSP_ALIAS_MAX];
	int lo;

	if (h->netns_fd < 0)
		return -ENOENT;
	lo = nsp_nl_link_index(&h->nl, "lo");
	if (lo < 0)
		return lo;
	nsp_mark(c->owner.scope, c->owner.instance, mark);
	return nsp_nl_link_alias(&h->nl, lo, mark);
}

/* What an orphan's change needs is in the change: no instance of the file is involved. */
static int apply_host(struct nsp_kernel *k, const struct nsp_change *c)
{
	switch (c->action) {
	case NSP_ACT_NETNS_DELETE:
		return nsp_netns_delete(c->netns);
	case NSP_ACT_LINK_DELETE:
		return c->side == NSP_SIDE_HOST ? apply_link(&k->host, c) : -EINVAL;
	case NSP_ACT_PROG_DETACH:
		return detach_prog(k, c);
	default:
		return -EINVAL;
	}
}

/* How long a worker may take to run new settings after its SIGHUP. */
#define RELOAD_WAIT_MS 5000

/*
 * SIGHUP to the process that reloads the worker (run's reconciler, or ping
 * itself), then wait until the worker's state file shows the file's
 * settings: the verification that follows reads that file too.
 */
static int reload_worker(struct nsp_kernel *k, const struct nsp_instance *w,
			 const struct nsp_change *c)
{
	char want[NSP_PING_TEXT_MAX];
	struct nsp_workerstate s;

	if (c->pid <= 1 || !k->state_dir)
		return -ESRCH;
	if (kill(c->pid, SIGHUP) < 0)
		return -errno;
	nsp_ping_text(w, want);
	for (int waited = 0; waited < RELOAD_WAIT_MS; waited += 10) {
		int r = nsp_workerstate_read(k->state_dir, w->name, &s);

		if (r == 0)
			return -ESRCH; /* it ended */
		if (r == 1 && !strcmp(s.ping, want))
			return 0;
		usleep(10000);
	}
	return -ETIMEDOUT;
}

static int apply_one(struct nsp_kernel *k, const struct nsp_config *cfg, const struct nsp_change *c)
{
	const struct nsp_instance *w;
	struct nsp_netns_handles *h;
	struct mark_args ma = {.owner = &c->owner, .requests = &k->requests};
	int r;

	if (c->instance == NSP_NO_INSTANCE)
		return apply_host(k, c);
	w = &cfg->instances[c->instance];
	h = &k->ns[c->instance];
	switch (c->action) {
	case NSP_ACT_NETNS_CREATE:
		r = nsp_netns_create(w->netns, mark_new_netns, &ma);
		return r < 0 ? r : nsp_kernel_reopen_netns(k, c->instance, w->netns);
	case NSP_ACT_NETNS_DELETE:
	case NSP_ACT_PROG_DETACH:
		return apply_host(k, c);
	case NSP_ACT_NETNS_MARK:
		return mark_netns(h, c);
	case NSP_ACT_VETH_CREATE:
		return create_veth(k, h, c);
	case NSP_ACT_LINK_DELETE:
	case NSP_ACT_LINK_RENAME:
	case NSP_ACT_LINK_MAC:
	case NSP_ACT_LINK_UP:
	case NSP_ACT_LINK_MARK:
	case NSP_ACT_LINK_PROMOTE_SECONDARIES:
		if (c->side == NSP_SIDE_HOST)
			return apply_link(&k->host, c);
		if (h->netns_fd < 0)
			return -ENOENT;
		return apply_link(&h->nl, c);
	case NSP_ACT_PROG_ATTACH:
		return attach_prog(k, cfg, w, c);
	case NSP_ACT_WORKER_RELOAD:
		return reload_worker(k, w, c);
	default:
		if (h->netns_fd < 0)
			return -ENOENT;
		return apply_inside(h, c);
	}
}

int nsp_apply(struct nsp_kernel *k, const struct nsp_config *cfg, const struct nsp_plan *plan,
	      void (*on_change)(const struct nsp_change *c, void *arg), void *arg, char *err,
	      size_t err_size)
{
	for (size_t i = 0; i < plan->n_changes; i++) {
		const struct nsp_change *c = &plan->changes[i];
		int r = apply_one(k, cfg, c);

		if (r < 0) {
			FILE *f = fmemopen(err, err_size, "w");

			if (f) {
				fprintf(f, "instance %s: ", c->owner.instance);
				nsp_render_change(f, c);
				fprintf(f, ": %s", strerror(-r));
				fclose(f);
			}
			return r;
		}
		if (on_change)
			on_change(c, arg);
	}
	return 0;
}
