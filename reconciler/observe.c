// SPDX-License-Identifier: GPL-2.0-only
/*
 * Read the live state of every instance: the host netns once, then each
 * instance's netns through sockets made inside it; then, as the caller
 * asks, the orphans (sweep.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ethtool.h"
#include "kernel.h"
#include "netns.h"
#include "workerstate.h"
#include "owner.h"
#include "tc.h"
#include "xdp.h"

static int make_inet_socket(void *arg)
{
	int *fd = arg;

	*fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	return *fd < 0 ? -errno : 0;
}

static void handles_close(struct nsp_netns_handles *h)
{
	nsp_nl_close(&h->nl);
	if (h->sock >= 0)
		close(h->sock);
	if (h->netns_fd >= 0)
		close(h->netns_fd);
	h->sock = -1;
	h->netns_fd = -1;
}

struct sockets_args {
	struct nsp_netns_handles *h;
	unsigned long *requests;
};

/* Run inside the netns: both sockets stay bound to it. */
static int open_sockets_here(void *arg)
{
	struct sockets_args *a = arg;
	int r = nsp_nl_open(&a->h->nl, a->requests);

	return r < 0 ? r : make_inet_socket(&a->h->sock);
}

/*
 * (Re)open the handles of a netns by name; -ENOENT when it does not exist.
 * One visit makes both sockets (each setns round trip is four syscalls).
 */
static int handles_open(struct nsp_kernel *k, struct nsp_netns_handles *h, const char *netns)
{
	struct sockets_args a = {.h = h, .requests = &k->requests};
	int r;

	handles_close(h);
	r = nsp_netns_open(netns);
	if (r < 0)
		return r;
	h->netns_fd = r;
	r = nsp_netns_run(h->netns_fd, open_sockets_here, &a);
	if (r < 0)
		handles_close(h);
	return r;
}

int nsp_kernel_open(struct nsp_kernel *k, size_t n_instances)
{
	int r;

	memset(k, 0, sizeof(*k));
	k->host_fd = -1;
	k->ns = calloc(n_instances ? n_instances : 1, sizeof(*k->ns));
	if (!k->ns)
		return -ENOMEM;
	k->n = n_instances;
	for (size_t i = 0; i < n_instances; i++)
		k->ns[i].netns_fd = k->ns[i].sock = -1;
	r = nsp_nl_open(&k->host, &k->requests);
	if (r < 0)
		nsp_kernel_close(k);
	return r;
}

void nsp_kernel_close(struct nsp_kernel *k)
{
	for (size_t i = 0; i < k->n; i++)
		handles_close(&k->ns[i]);
	free(k->ns);
	k->ns = NULL;
	k->n = 0;
	nsp_nl_close(&k->host);
	if (k->host_fd >= 0)
		close(k->host_fd);
	k->host_fd = -1;
	nsp_sweep_close(k);
	nsp_orphans_free(&k->orphans);
}

int nsp_kernel_host_fd(struct nsp_kernel *k)
{
	if (k->host_fd < 0) {
		k->host_fd = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
		if (k->host_fd < 0)
			return -errno;
	}
	return k->host_fd;
}

int nsp_kernel_host_netns(struct nsp_kernel *k, uint64_t *ret_ino)
{
	int fd = nsp_kernel_host_fd(k);
	struct stat st;

	if (fd < 0)
		return fd;
	if (fstat(fd, &st) < 0)
		return -errno;
	*ret_ino = (uint64_t)st.st_ino;
	return 0;
}

int nsp_kernel_reopen_netns(struct nsp_kernel *k, size_t i, const char *netns)
{
	return handles_open(k, &k->ns[i], netns);
}

static const struct nsp_obs_link *find_owned_veth(const struct nsp_obs_link *links, size_t n,
						  const struct nsp_owner *who)
{
	for (size_t i = 0; i < n; i++)
		if (links[i].is_veth && nsp_is_marked(links[i].alias, who->scope, who->instance))
			return &links[i];
	return NULL;
}

/*
 * One name the file uses and what the kernel answered for it. RTM_GETLINK by
 * name also matches an altname (as `ip link show NAME` does), so the link's
 * own name may differ from the name asked for.
 */
struct named_link {
	char asked[IFNAMSIZ];
	struct nsp_obs_link link; /* .present false: no link of that name */
};

/*
 * The host netns, read by name: one RTM_GETLINK per interface the config
 * names, not a dump of every link of the node (a node holds a veth per pod).
 * Only a renamed veth needs all links, and only when the configured name is
 * missing.
 */
struct host_view {
	struct nsp_nl *nl;
	struct named_link *named; /* every name asked for, present or not */
	size_t n_named;
	struct nsp_obs_link *all; /* the full dump, read at most once */
	size_t n_all;
	bool all_read;
	struct nsp_nl_addr *addrs; /* IPv4 addresses, read at most once */
	size_t n_addrs;
	bool addrs_read;
};

/* The link called name, or out->present false; asked of the kernel once per run. */
static int host_link(struct host_view *hv, const char *name, struct nsp_obs_link *out)
{
	struct named_link *n = NULL;

	for (size_t i = 0; i < hv->n_named && !n; i++)
		if (!strcmp(hv->named[i].asked, name))
			n = &hv->named[i];
	if (!n) {
		struct named_link *grown = realloc(hv->named, (hv->n_named + 1) * sizeof(*grown));
		int r;

		if (!grown)
			return -ENOMEM;
		hv->named = grown;
		n = &grown[hv->n_named];
		r = nsp_nl_get_link(hv->nl, name, &n->link);
		if (r < 0 && r != -ENODEV)
			return r;
		snprintf(n->asked, sizeof(n->asked), "%s", name);
		hv->n_named++;
	}
	*out = n->link;
	return 0;
}

/* A veth of the host that carries who's mark, under whatever name. */
static int host_owned_veth(struct host_view *hv, const struct nsp_owner *who,
			   struct nsp_obs_link *out)
{
	const struct nsp_obs_link *l;

	if (!hv->all_read) {
		int r = nsp_nl_dump_links(hv->nl, &hv->all, &hv->n_all);

		if (r < 0)
			return r;
		hv->all_read = true;
	}
	l = find_owned_veth(hv->all, hv->n_all, who);
	if (l)
		*out = *l;
	return 0;
}

/* The uplink's primary IPv4 address; the host's addresses are read once per run. */
static int observe_uplink_address(struct host_view *hv, struct nsp_obs_instance *o)
{
	if (!hv->addrs_read) {
		int r = nsp_nl_dump_addrs(hv->nl, &hv->addrs, &hv->n_addrs);

		if (r < 0)
			return r;
		hv->addrs_read = true;
	}
	for (size_t i = 0; i < hv->n_addrs; i++) {
		const struct nsp_nl_addr *a = &hv->addrs[i];

		if (a->ifindex != o->uplink.ifindex || a->secondary)
			continue;
		o->uplink_has_address = true;
		o->uplink_address = a->addr;
		o->uplink_prefix = a->prefix;
		break;
	}
	return 0;
}

static int observe_host(struct host_view *hv, const struct nsp_owner *who,
			const struct nsp_instance *w, struct nsp_obs_instance *o)
{
	int r = host_link(hv, w->uplink, &o->uplink);

	if (r < 0)
		return r;
	/* only address = "inherit" needs the uplink's address */
	if (w->address_inherit && o->uplink.present) {
		r = observe_uplink_address(hv, o);
		if (r < 0)
			return r;
	}
	r = host_link(hv, w->veth_host, &o->host);
	if (r == 0 && !o->host.present)
		r = host_owned_veth(hv, who, &o->host_owned);
	return r;
}

static int observe_prog(struct nsp_nl *nl, const struct nsp_obs_link *link,
			const struct nsp_owner *who, enum nsp_program program,
			enum nsp_attach attach, struct nsp_obs_prog *ret)
{
	if (attach == NSP_ATTACH_TC)
		return nsp_tc_observe(nl, link->ifindex, who, program, ret);
	return nsp_xdp_observe(link, who, program, ret);
}

/* The link a program sits on: ifname, or our veth under its old name (a rename keeps programs). */
static int program_link(struct host_view *hv, const struct nsp_instance *w,
			const struct nsp_obs_instance *o, const char *ifname,
			struct nsp_obs_link *ret)
{
	int r = host_link(hv, ifname, ret);

	if (r == 0 && !ret->present && !strcmp(ifname, w->veth_host) && o->host_owned.present)
		*ret = o->host_owned;
	return r;
}

/*
 * The program on each bound interface, at the binding's attach point and at
 * the other one; a renamed veth is looked up under its old name.
 */
static int observe_bindings(struct host_view *hv, const struct nsp_owner *who,
			    const struct nsp_instance *w, struct nsp_obs_instance *o)
{
	for (size_t i = 0; i < w->n_bindings; i++) {
		const struct nsp_binding *b = &w->bindings[i];
		enum nsp_attach other = b->attach == NSP_ATTACH_TC ? NSP_ATTACH_XDP : NSP_ATTACH_TC;
		struct nsp_obs_link l;
		int r = program_link(hv, w, o, b->interface, &l);

		if (r < 0)
			return r;
		if (!l.present)
			continue;
		r = observe_prog(hv->nl, &l, who, b->program, b->attach, &o->progs[i]);
		if (r == 0)
			r = observe_prog(hv->nl, &l, who, b->program, other, &o->other_attach[i]);
		if (r < 0)
			return r;
	}
	return 0;
}

static bool program_bound(const struct nsp_instance *w, enum nsp_program program)
{
	for (size_t i = 0; i < w->n_bindings; i++)
		if (w->bindings[i].program == program)
			return true;
	return false;
}

/*
 * Our programs that the file no longer binds, at either attach point, so that
 * apply and destroy detach them. Where a program goes is fixed (tx_ping on
 * veth.host, rx_ping on the uplink): its XDP side comes with the link's
 * lookup, its tc side is one filter dump.
 */
static int observe_unbound(struct host_view *hv, const struct nsp_owner *who,
			   const struct nsp_instance *w, struct nsp_obs_instance *o)
{
	static const enum nsp_program programs[] = {NSP_PROG_TX_PING, NSP_PROG_RX_PING};
	static const enum nsp_attach attaches[] = {NSP_ATTACH_XDP, NSP_ATTACH_TC};

	for (size_t i = 0; i < sizeof(programs) / sizeof(programs[0]); i++) {
		const char *ifname = programs[i] == NSP_PROG_TX_PING ? w->veth_host : w->uplink;
		struct nsp_obs_link l;
		int r;

		if (program_bound(w, programs[i]))
			continue;
		r = program_link(hv, w, o, ifname, &l);
		if (r < 0)
			return r;
		if (!l.present)
			continue;
		for (size_t j = 0; j < sizeof(attaches) / sizeof(attaches[0]); j++) {
			struct nsp_obs_unbound *x = &o->unbound[o->n_unbound];

			r = observe_prog(hv->nl, &l, who, programs[i], attaches[j], &x->prog);
			if (r < 0)
				return r;
			if (!x->prog.present || !x->prog.ours)
				continue;
			x->program = programs[i];
			x->attach = attaches[j];
			snprintf(x->ifname, sizeof(x->ifname), "%s", l.name);
			o->n_unbound++;
		}
	}
	return 0;
}

/*
 * Whether the netns of h has an id for the host netns: a veth pair between
 * them gave it one (the kernel assigns it when it first names the peer's
 * netns, in a link dump as this run's).
 */
static int netns_of_host(struct nsp_kernel *k, struct nsp_netns_handles *h, bool *ret)
{
	int host = nsp_kernel_host_fd(k), nsid, r;

	if (host < 0)
		return host;
	r = nsp_nl_get_nsid(&h->nl, host, &nsid);
	if (r == 0)
		*ret = nsid >= 0;
	return r;
}

/* Inside the instance's netns: the lo mark, the peer, its addresses, routes, neighbors. */
static int observe_netns(struct nsp_kernel *k, struct nsp_netns_handles *h,
			 const struct nsp_owner *who, const struct nsp_instance *w,
			 struct nsp_obs_instance *o)
{
	const struct nsp_obs_link *host = o->host.present ? &o->host : &o->host_owned;
	struct nsp_obs_link *links = NULL;
	struct nsp_nl_addr *addrs = NULL;
	struct nsp_obs_route *routes = NULL;
	struct nsp_nl_neigh *neighs = NULL;
	size_t n_links, n_addrs, n_routes, n_neighs;
	int r;

	r = nsp_nl_dump_links(&h->nl, &links, &n_links);
	if (r < 0)
		goto out;
	o->netns_present = true;
	for (size_t i = 0; i < n_links; i++) {
		const struct nsp_obs_link *l = &links[i];

		if (!strcmp(l->name, "lo")) {
			snprintf(o->netns_mark, sizeof(o->netns_mark), "%s", l->alias);
			o->netns_owned = nsp_is_marked(l->alias, who->scope, who->instance);
		}
		/* The two ends name each other; ifindexes alone could coincide. */
		if (host->present && host->is_veth && l->is_veth &&
		    l->peer_ifindex == host->ifindex && host->peer_ifindex == l->ifindex)
			o->peer = *l;
		else if (!strcmp(l->name, w->veth_peer))
			o->peer_named = *l;
	}
	/* another owner's mark: a renamed instance's netns, if it is this host's */
	if (!o->netns_owned && nsp_mark_parse(o->netns_mark, &(struct nsp_owner){0})) {
		r = netns_of_host(k, h, &o->netns_of_host);
		if (r < 0)
			goto out;
	}
	if (!o->peer.present)
		goto out;

	r = nsp_nl_dump_addrs(&h->nl, &addrs, &n_addrs);
	if (r < 0)
		goto out;
	for (size_t i = 0; i < n_addrs && o->n_addrs < NSP_MAX_OBS_ADDRS; i++)
		if (addrs[i].ifindex == o->peer.ifindex)
			o->addrs[o->n_addrs++] = (struct nsp_obs_addr){
				addrs[i].addr, addrs[i].prefix, addrs[i].secondary};

	r = nsp_nl_dump_routes(&h->nl, &routes, &n_routes);
	if (r < 0)
		goto out;
	for (size_t i = 0; i < n_routes && o->n_routes < NSP_MAX_OBS_ROUTES; i++)
		o->routes[o->n_routes++] = routes[i];

	r = nsp_nl_dump_neighs(&h->nl, &neighs, &n_neighs);
	if (r < 0)
		goto out;
	for (size_t i = 0; i < n_neighs && o->n_neighs < NSP_MAX_OBS_NEIGHS; i++)
		if (neighs[i].ifindex == o->peer.ifindex)
			o->neighs[o->n_neighs++] = neighs[i].neigh;

	o->offload_known = nsp_ethtool_get(h->sock, o->peer.name, NSP_OFFLOAD_GRO, &o->gro) == 0 &&
			   nsp_ethtool_get(h->sock, o->peer.name, NSP_OFFLOAD_TX_CHECKSUM,
					   &o->tx_checksum) == 0;
out:
	free(links);
	free(addrs);
	free(routes);
	free(neighs);
	return r;
}

/* The instance's running worker and its settings, when the state dir is read. */
static void observe_worker(struct nsp_kernel *k, const struct nsp_instance *w,
			   struct nsp_obs_instance *o)
{
	struct nsp_workerstate s;

	if (!k->state_dir || nsp_workerstate_read(k->state_dir, w->name, &s) != 1)
		return;
	o->worker_running = true;
	memcpy(o->worker_ping, s.ping, sizeof(o->worker_ping));
	o->worker_reloader = s.reloader;
}

int nsp_observe(struct nsp_kernel *k, const struct nsp_config *cfg, struct nsp_obs_instance *obs,
		char *err, size_t err_size)
{
	struct host_view hv = {.nl = &k->host};
	int r = 0;

	nsp_orphans_free(&k->orphans);
	for (size_t i = 0; i < cfg->n_instances; i++) {
		const struct nsp_instance *w = &cfg->instances[i];
		struct nsp_owner who = nsp_owner_of(cfg->scope, w->name);

		memset(&obs[i], 0, sizeof(obs[i]));
		observe_worker(k, w, &obs[i]);
		r = observe_host(&hv, &who, w, &obs[i]);
		if (r < 0) {
			snprintf(err, err_size, "reading the host netns: %s", strerror(-r));
			goto out;
		}
		r = observe_bindings(&hv, &who, w, &obs[i]);
		if (r == 0)
			r = observe_unbound(&hv, &who, w, &obs[i]);
		if (r < 0) {
			snprintf(err, err_size, "querying the programs of %s: %s", w->name,
				 strerror(-r));
			goto out;
		}
		r = handles_open(k, &k->ns[i], w->netns);
		if (r == -ENOENT) {
			obs[i].netns_stale = nsp_netns_is_stale(w->netns);
			obs[i].netns_placeholder = nsp_netns_is_placeholder(w->netns);
			r = 0;
			continue;
		}
		if (r == 0)
			r = observe_netns(k, &k->ns[i], &who, w, &obs[i]);
		if (r < 0) {
			snprintf(err, err_size, "reading netns %s: %s", w->netns, strerror(-r));
			goto out;
		}
	}
	if (k->sweep != NSP_SWEEP_NONE)
		r = nsp_sweep(k, cfg, obs, err, err_size);
out:
	free(hv.named);
	free(hv.all);
	free(hv.addrs);
	return r;
}
