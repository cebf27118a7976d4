// SPDX-License-Identifier: GPL-2.0-only
/*
 * The facts the plan-time checks (lint.h) need beyond the plan's own
 * observation. Each is read only where a check can use it, so that a
 * converged rerun of a plain file reads no more than before: the host's
 * addresses only for an own mac that differs from the uplink's or for source
 * ports among the node's ephemeral ones (DESIGN.md, "Observing the host"),
 * the netdev family only for an XDP binding.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "kernel.h"
#include "netdev.h"
#include "sysctl.h"

/* The sport range meets the node's ephemeral ports (reserved ones not subtracted: a hint only). */
static bool sports_may_overlap(const struct nsp_obs_ports *p, const struct nsp_ping *ping)
{
	return p->known && ping->sport_min <= p->local.max && ping->sport_max >= p->local.min;
}

/* Does a check of instance w need to know whether its own address is the uplink's? */
static bool needs_uplink_addrs(const struct nsp_instance *w, const struct nsp_obs_instance *o,
			       const struct nsp_obs_ports *ports)
{
	if (w->address_inherit || !o->uplink.present)
		return false;
	if (!w->mac_inherit && !nsp_mac_equal(&w->mac, &o->uplink.mac))
		return true;
	return sports_may_overlap(ports, &w->ping);
}

static bool has_xdp_binding(const struct nsp_instance *w)
{
	for (size_t k = 0; k < w->n_bindings; k++)
		if (w->bindings[k].attach == NSP_ATTACH_XDP)
			return true;
	return false;
}

/* The host's IPv4 addresses, dumped at most once for all instances. */
struct host_addrs {
	enum { ADDRS_UNREAD, ADDRS_READ, ADDRS_FAILED } state;
	struct nsp_nl_addr *addrs;
	size_t n;
};

/* The uplink's addresses into f; a failed dump leaves them unknown. 0 or -ENOMEM. */
static int uplink_addrs(struct nsp_kernel *k, struct host_addrs *h,
			const struct nsp_obs_instance *o, struct nsp_obs_instance_facts *f)
{
	if (h->state == ADDRS_UNREAD) {
		int r = nsp_nl_dump_addrs(&k->host, &h->addrs, &h->n);

		if (r == -ENOMEM)
			return r;
		h->state = r < 0 ? ADDRS_FAILED : ADDRS_READ;
	}
	if (h->state != ADDRS_READ)
		return 0;
	f->uplink_addrs_known = true;
	for (size_t i = 0; i < h->n && f->n_uplink_addrs < NSP_MAX_OBS_ADDRS; i++)
		if (h->addrs[i].ifindex == o->uplink.ifindex)
			f->uplink_addrs[f->n_uplink_addrs++] = h->addrs[i].addr;
	return 0;
}

int nsp_observe_facts(struct nsp_kernel *k, const struct nsp_config *cfg,
		      const struct nsp_obs_instance *obs, struct nsp_obs_facts *ret)
{
	struct nsp_obs_facts f = {0};
	struct host_addrs h = {0};
	struct nsp_netdev nd = {.fd = -1};
	bool netdev_tried = false;
	int r = 0;

	f.instances = calloc(cfg->n_instances ? cfg->n_instances : 1, sizeof(*f.instances));
	if (!f.instances)
		return -ENOMEM;
	f.n_instances = cfg->n_instances;
	/* the calling thread is in the host netns: /proc/sys/net is that netns's */
	if (nsp_sysctl_ports(&f.host_ports) < 0)
		f.host_ports.known = false;
	for (size_t i = 0; i < cfg->n_instances && r == 0; i++) {
		const struct nsp_instance *w = &cfg->instances[i];
		const struct nsp_obs_instance *o = &obs[i];
		struct nsp_obs_instance_facts *fi = &f.instances[i];
		uint64_t flags;

		if (needs_uplink_addrs(w, o, &f.host_ports))
			r = uplink_addrs(k, &h, o, fi);
		if (r < 0 || !has_xdp_binding(w) || !o->uplink.present)
			continue;
		if (!netdev_tried) {
			netdev_tried = true;
			if (nsp_netdev_open(&nd) == -ENOENT)
				f.no_netdev_family = true;
		}
		if (nd.fd >= 0 && nsp_netdev_xdp_features(&nd, o->uplink.ifindex, &flags) == 0)
			fi->uplink_xdp =
				(struct nsp_obs_xdp_features){.known = true, .flags = flags};
	}
	nsp_netdev_close(&nd);
	free(h.addrs);
	if (r < 0) {
		nsp_obs_facts_free(&f);
		return r;
	}
	*ret = f;
	return 0;
}

void nsp_obs_facts_free(struct nsp_obs_facts *f)
{
	free(f->instances);
	f->instances = NULL;
	f->n_instances = 0;
}
