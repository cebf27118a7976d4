// SPDX-License-Identifier: GPL-2.0-only
/*
 * The sweep: what nsping owns on the host that no instance of the file
 * observed, for apply to prune (docs/DESIGN.md, "Finding orphans"). Without
 * a dump of the host's links, nor a visit to every netns:
 * - /run/netns: a netns whose lo carries our mark and that has an id for the
 *   host netns (a veth pair joined them, so it was made for this host), and
 *   the host end of that pair;
 * - the BPF programs, by id: ours by name and rodata (which names the host
 *   netns they were loaded for), attached in the host netns at the ifindex
 *   their rodata names;
 * - the host veths that instances had (remembered in the cache), for one
 *   whose netns is gone or elsewhere.
 * The cache (sweepcache.h) keeps what a look found not to be ours, so that a
 * converged run enters no netns and reads no program that it read before.
 * Ownership is proven again from the kernel before anything is reported.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kernel.h"
#include "netns.h"
#include "owner.h"
#include "sweepcache.h"
#include "tc.h"
#include "xdp.h"

#define CACHE_FILE "sweep.cache"

struct sweep {
	struct nsp_kernel *k;
	const struct nsp_config *cfg;
	const struct nsp_obs_instance *obs;
	bool all; /* every scope, and no cached answer trusted */
	int host_fd;
	uint64_t host_ino;
	struct nsp_sweep_cache was, now;
	struct nsp_obs_orphans *found;
	struct nsp_obs_link *links; /* host links read by ifindex this run */
	size_t n_links;
};

static int append(void *arrp, size_t *n, const void *item, size_t size)
{
	void **arr = arrp;
	char *grown = realloc(*arr, (*n + 1) * size);

	if (!grown)
		return -ENOMEM;
	memcpy(grown + *n * size, item, size);
	*arr = grown;
	(*n)++;
	return 0;
}

void nsp_orphans_free(struct nsp_obs_orphans *o)
{
	free(o->netns);
	free(o->progs);
	free(o->links);
	memset(o, 0, sizeof(*o));
}

/* A scope the sweep reports: the file's, or any with --all. */
static bool wanted_scope(const struct sweep *s, const char *scope)
{
	return s->all || !strcmp(scope, s->cfg->scope);
}

/* A host link that an instance read this run already. */
static const struct nsp_obs_link *observed_link(const struct sweep *s, int ifindex)
{
	for (size_t i = 0; i < s->cfg->n_instances; i++) {
		const struct nsp_obs_link *l[] = {&s->obs[i].uplink, &s->obs[i].host,
						  &s->obs[i].host_owned};

		for (size_t k = 0; k < sizeof(l) / sizeof(l[0]); k++)
			if (l[k]->present && l[k]->ifindex == ifindex)
				return l[k];
	}
	return NULL;
}

/* The host link of that ifindex, asked once a run; ret->present false when none. */
static int host_link(struct sweep *s, int ifindex, struct nsp_obs_link *ret)
{
	const struct nsp_obs_link *seen = observed_link(s, ifindex);
	struct nsp_obs_link l;
	int r;

	if (seen) {
		*ret = *seen;
		return 0;
	}
	for (size_t i = 0; i < s->n_links; i++)
		if (s->links[i].ifindex == ifindex) {
			*ret = s->links[i];
			return 0;
		}
	r = nsp_nl_get_link_by_index(&s->k->host, ifindex, &l);
	if (r == -ENODEV) {
		l = (struct nsp_obs_link){.present = false, .ifindex = ifindex};
		r = 0;
	}
	if (r == 0)
		r = append(&s->links, &s->n_links, &l, sizeof(l));
	if (r == 0)
		*ret = l;
	return r;
}

/* ---- /run/netns ---- */

static bool file_netns(const struct nsp_config *cfg, const char *name)
{
	for (size_t i = 0; i < cfg->n_instances; i++)
		if (!strcmp(cfg->instances[i].netns, name))
			return true;
	return false;
}

/* A name the cache can hold on its line (any netns nsping names is one). */
static bool cacheable_name(const char *name)
{
	size_t len = strlen(name);

	return len >= 1 && len <= NSP_NETNS_MAX &&
	       strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-") ==
		       len;
}

struct socket_args {
	struct nsp_nl *nl;
	unsigned long *requests;
};

static int open_socket_here(void *arg)
{
	struct socket_args *a = arg;

	return nsp_nl_open(a->nl, a->requests);
}

/*
 * The host end of the netns's veth pair: the netns's veth whose other end is
 * in the host netns (its IFLA_LINK_NETNSID is nsid), and that end names it back.
 */
static int netns_host_veth(struct sweep *s, const struct nsp_obs_link *links, size_t n, int nsid,
			   struct nsp_obs_orphan_netns *x)
{
	for (size_t i = 0; i < n; i++) {
		const struct nsp_obs_link *l = &links[i];
		struct nsp_obs_link h;
		int r;

		if (!l->is_veth || !l->has_link_netnsid || l->link_netnsid != nsid)
			continue;
		r = host_link(s, l->peer_ifindex, &h);
		if (r < 0)
			return r;
		if (h.present && h.is_veth && h.peer_ifindex == l->ifindex &&
		    nsp_mark_parse(h.alias, &x->host_veth_owner)) {
			x->host_veth = h;
			return 0;
		}
	}
	return 0;
}

/*
 * Enter netns name and read its mark: *ret_scope is its scope, or "" when it
 * is not ours (no mark of nsping's, or made for another host netns); ret
 * holds what the sweep reports of it. -ENOENT: no netns (any more).
 */
static int look_netns(struct sweep *s, const char *name, char ret_scope[NSP_NAME_MAX + 1],
		      struct nsp_obs_orphan_netns *ret)
{
	struct nsp_obs_orphan_netns x = {0};
	struct nsp_obs_link *links = NULL;
	struct nsp_nl nl = {.open = false};
	struct socket_args a = {.nl = &nl, .requests = &s->k->requests};
	const struct nsp_obs_link *lo = NULL;
	size_t n = 0;
	int fd, r, nsid = -1;

	ret_scope[0] = '\0';
	fd = nsp_netns_open(name);
	if (fd < 0)
		return fd;
	r = nsp_netns_run(fd, open_socket_here, &a);
	if (r == 0)
		r = nsp_nl_dump_links(&nl, &links, &n);
	for (size_t i = 0; r == 0 && i < n && !lo; i++)
		if (!strcmp(links[i].name, "lo"))
			lo = &links[i];
	if (r < 0 || !lo || !nsp_mark_parse(lo->alias, &x.owner))
		goto out;
	/* after the dump: naming the veth's peer netns gave it its id, if it had none */
	r = nsp_nl_get_nsid(&nl, s->host_fd, &nsid);
	if (r < 0 || nsid < 0)
		goto out;
	snprintf(ret_scope, NSP_NAME_MAX + 1, "%s", x.owner.scope);
	snprintf(x.name, sizeof(x.name), "%.*s", (int)sizeof(x.name) - 1, name);
	r = netns_host_veth(s, links, n, nsid, &x);
	if (r == 0)
		*ret = x;
out:
	free(links);
	nsp_nl_close(&nl);
	close(fd);
	return r;
}

static const struct nsp_cache_netns *cached_netns(const struct sweep *s, const char *name,
						  uint64_t ino)
{
	for (size_t i = 0; i < s->was.n_netns; i++)
		if (s->was.netns[i].ino == ino && !strcmp(s->was.netns[i].name, name))
			return &s->was.netns[i];
	return NULL;
}

/*
 * Every entry of /run/netns but the file's (the instances read those): one
 * readdir, and a visit only to an entry the cache does not know as not ours.
 */
static int sweep_netns(struct sweep *s)
{
	DIR *d = opendir(NSP_NETNS_DIR);
	const struct dirent *e;
	int r = 0;

	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while (r == 0 && (e = readdir(d))) {
		struct nsp_cache_netns entry = {.ino = e->d_ino};
		const struct nsp_cache_netns *hit;
		struct nsp_obs_orphan_netns x = {0};

		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..") ||
		    file_netns(s->cfg, e->d_name))
			continue;
		hit = s->all ? NULL : cached_netns(s, e->d_name, e->d_ino);
		if (hit && !wanted_scope(s, hit->scope)) {
			r = nsp_cache_add_netns(&s->now, hit);
			continue;
		}
		r = look_netns(s, e->d_name, entry.scope, &x);
		/*
		 * Gone, not a netns (a mount point left empty), or one that could
		 * not be read now (being torn down): not cached, looked at again
		 * next time. An orphan missed stays till then; nothing is lost.
		 */
		if (r < 0 && r != -ENOMEM) {
			r = 0;
			continue;
		}
		if (r < 0)
			break;
		if (cacheable_name(e->d_name)) {
			snprintf(entry.name, sizeof(entry.name), "%.*s",
				 (int)sizeof(entry.name) - 1, e->d_name);
			r = nsp_cache_add_netns(&s->now, &entry);
		}
		if (r == 0 && *entry.scope && wanted_scope(s, entry.scope))
			r = append(&s->found->netns, &s->found->n_netns, &x, sizeof(x));
	}
	closedir(d);
	return r;
}

/* ---- BPF programs ---- */

static bool observed_prog(const struct sweep *s, uint32_t id)
{
	for (size_t i = 0; i < s->cfg->n_instances; i++) {
		const struct nsp_obs_instance *o = &s->obs[i];

		for (size_t k = 0; k < NSP_MAX_BINDINGS; k++)
			if ((o->progs[k].present && o->progs[k].id == id) ||
			    (o->other_attach[k].present && o->other_attach[k].id == id))
				return true;
		for (size_t k = 0; k < o->n_unbound; k++)
			if (o->unbound[k].prog.id == id)
				return true;
	}
	return false;
}

/*
 * Read the programs loaded since the cache's last id: which are ours, and
 * for this host netns. An older build's program does not say which host it
 * is for: it is looked at on a full read only (the first run of this build,
 * or of this boot), which is when one of this host's can still be there.
 */
static int read_new_progs(struct sweep *s)
{
	uint32_t id = s->now.prog_max;
	bool full = id == 0;
	int r;

	for (;;) {
		struct nsp_cache_prog p = {0};
		struct nsp_obs_prog o;

		r = nsp_prog_next_id(id, &id);
		if (r == -ENOENT)
			return 0;
		if (r < 0)
			return r;
		r = nsp_prog_describe(id, &p.program, &p.attach, &o);
		/* one that could not be read now is read again next time, from here */
		if (r < 0 && r != -ENOENT)
			return r == -ENOMEM ? r : 0;
		s->now.prog_max = id;
		if (r <= 0)
			continue; /* unloaded since, or not ours */
		p.older = !o.params.host_netns;
		if (p.older ? !full : o.params.host_netns != s->host_ino)
			continue; /* another host's (another netns of a lab) */
		p.id = id;
		p.owner = nsp_owner_of(o.params.scope, o.params.instance);
		p.ifindex = (int)(p.program == NSP_PROG_RX_PING ? o.params.uplink_ifindex
								: o.params.veth_ifindex);
		r = nsp_cache_add_prog(&s->now, &p);
		if (r < 0)
			return r;
	}
}

/* Whether p is attached in the host netns where its rodata says; the link into ret. */
static int prog_attached(struct sweep *s, const struct nsp_cache_prog *p, struct nsp_obs_link *ret)
{
	uint32_t id = 0;
	int r = host_link(s, p->ifindex, ret);

	if (r < 0 || !ret->present)
		return r;
	if (p->attach == NSP_ATTACH_XDP)
		return ret->xdp_prog_id == p->id;
	r = nsp_tc_slot_id(&s->k->host, p->ifindex, &p->owner, &id);
	return r < 0 ? r : id == p->id;
}

/*
 * Our programs of the wanted scopes that no instance observed, attached in
 * the host netns: each read again from the kernel, name and rodata.
 */
static int sweep_progs(struct sweep *s)
{
	size_t kept = 0;
	int r;

	if (!s->all) {
		s->now.prog_max = s->was.prog_max;
		for (size_t i = 0; i < s->was.n_progs; i++) {
			r = nsp_cache_add_prog(&s->now, &s->was.progs[i]);
			if (r < 0)
				return r;
		}
	}
	r = read_new_progs(s);
	for (size_t i = 0; r == 0 && i < s->now.n_progs; i++) {
		struct nsp_cache_prog *p = &s->now.progs[i];
		struct nsp_obs_orphan_prog x = {.owner = p->owner, .program = p->program};
		struct nsp_obs_link link;
		bool keep = true;

		if (observed_prog(s, p->id) || !wanted_scope(s, p->owner.scope))
			goto next;
		/* replaced since: gone (and no link to ask about) */
		keep = nsp_prog_exists(p->id);
		if (!keep)
			goto next;
		r = prog_attached(s, p, &link);
		if (r == 0) {
			/* ours, loaded and not attached yet; an older build's never will be */
			keep = !p->older;
			goto next;
		}
		if (r < 0 && r != -ENOMEM) {
			r = 0; /* asked again next time */
			goto next;
		}
		if (r < 0)
			break;
		r = nsp_prog_describe(p->id, &x.program, &x.attach, &x.prog);
		if (r == -ENOENT) {
			keep = false;
			r = 0;
			goto next;
		}
		if (r < 0)
			break;
		r = 0;
		if (!x.prog.nsping || x.program != p->program || x.attach != p->attach ||
		    !nsp_owner_is(&p->owner, x.prog.params.scope, x.prog.params.instance))
			goto next;
		x.attach = p->attach;
		x.prog.mode = link.xdp_generic ? NSP_MODE_GENERIC : NSP_MODE_NATIVE;
		snprintf(x.ifname, sizeof(x.ifname), "%s", link.name);
		r = append(&s->found->progs, &s->found->n_progs, &x, sizeof(x));
	next:
		if (keep)
			s->now.progs[kept++] = *p;
	}
	s->now.n_progs = kept; /* after an error, not saved */
	return r;
}

/* ---- the host veths instances had ---- */

static bool instance_link(const struct sweep *s, int ifindex)
{
	for (size_t i = 0; i < s->cfg->n_instances; i++) {
		const struct nsp_obs_instance *o = &s->obs[i];

		if ((o->host.present && o->host.ifindex == ifindex) ||
		    (o->host_owned.present && o->host_owned.ifindex == ifindex))
			return true;
	}
	return false;
}

static bool found_with_netns(const struct sweep *s, int ifindex)
{
	for (size_t i = 0; i < s->found->n_netns; i++)
		if (s->found->netns[i].host_veth.present &&
		    s->found->netns[i].host_veth.ifindex == ifindex)
			return true;
	return false;
}

/*
 * The instances' veths are remembered; one remembered earlier that no
 * instance has now and that still carries the mark it had is an orphan
 * (its netns is gone, or it lives elsewhere).
 */
static int sweep_veths(struct sweep *s)
{
	int r = 0;

	for (size_t i = 0; r == 0 && i < s->cfg->n_instances; i++) {
		const struct nsp_obs_instance *o = &s->obs[i];
		const struct nsp_obs_link *l = o->host.present ? &o->host : &o->host_owned;
		struct nsp_cache_veth v = {
			.ifindex = l->ifindex,
			.owner = nsp_owner_of(s->cfg->scope, s->cfg->instances[i].name)};

		if (l->present && nsp_is_marked(l->alias, v.owner.scope, v.owner.instance))
			r = nsp_cache_add_veth(&s->now, &v);
	}
	for (size_t i = 0; r == 0 && i < s->was.n_veths; i++) {
		const struct nsp_cache_veth *v = &s->was.veths[i];
		struct nsp_obs_orphan_link x = {.owner = v->owner};

		if (instance_link(s, v->ifindex))
			continue; /* an instance's now: remembered above if it is ours */
		if (!wanted_scope(s, v->owner.scope) || found_with_netns(s, v->ifindex)) {
			r = nsp_cache_add_veth(&s->now, v);
			continue;
		}
		r = host_link(s, v->ifindex, &x.link);
		if (r < 0 && r != -ENOMEM) {
			r = nsp_cache_add_veth(&s->now, v); /* asked again next time */
			continue;
		}
		if (r < 0 || !x.link.present || !x.link.is_veth ||
		    !nsp_is_marked(x.link.alias, v->owner.scope, v->owner.instance))
			continue;
		r = nsp_cache_add_veth(&s->now, v);
		if (r == 0)
			r = append(&s->found->links, &s->found->n_links, &x, sizeof(x));
	}
	return r;
}

/* ---- the run ---- */

/* The boot and the host netns that the cache is valid for. */
static int cache_stamp(int host_fd, char *buf, size_t size)
{
	char boot[64] = "";
	struct stat st;
	FILE *f = fopen("/proc/sys/kernel/random/boot_id", "re");

	if (f) {
		if (!fgets(boot, sizeof(boot), f))
			boot[0] = '\0';
		fclose(f);
	}
	boot[strcspn(boot, "\n")] = '\0';
	if (fstat(host_fd, &st) < 0)
		return -errno;
	snprintf(buf, size, "nsping sweep cache 1 boot %s host %" PRIu64 ":%" PRIu64, boot,
		 (uint64_t)st.st_dev, (uint64_t)st.st_ino);
	return 0;
}

int nsp_sweep(struct nsp_kernel *k, const struct nsp_config *cfg,
	      const struct nsp_obs_instance *obs, char *err, size_t err_size)
{
	struct sweep s = {.k = k, .cfg = cfg, .obs = obs, .all = k->sweep == NSP_SWEEP_ALL};
	char path[4096] = "", stamp[160];
	const char *step = "the host netns";
	int r;

	nsp_orphans_free(&k->orphans);
	s.found = &k->orphans;
	s.host_fd = nsp_kernel_host_fd(k);
	r = s.host_fd < 0 ? s.host_fd : nsp_kernel_host_netns(k, &s.host_ino);
	if (r == 0)
		r = cache_stamp(s.host_fd, stamp, sizeof(stamp));
	if (r == 0 && k->state_dir) {
		snprintf(path, sizeof(path), "%s/" CACHE_FILE, k->state_dir);
		/* --all trusts no earlier answer */
		if (!s.all)
			nsp_sweep_cache_load(path, stamp, &s.was);
	}
	if (r == 0) {
		step = NSP_NETNS_DIR;
		r = sweep_netns(&s);
	}
	if (r == 0) {
		step = "the BPF programs";
		r = sweep_progs(&s);
	}
	if (r == 0) {
		step = "the host's veths";
		r = sweep_veths(&s);
	}
	if (r < 0) {
		snprintf(err, err_size, "finding orphans in %s: %s", step, strerror(-r));
		nsp_orphans_free(&k->orphans);
	} else {
		k->orphans.swept = true;
		k->orphans.all = s.all;
		/* a hint: a cache that cannot be written costs the next run time, nothing else */
		if (*path)
			nsp_sweep_cache_save(path, stamp, &s.now, &s.was);
	}
	nsp_sweep_cache_free(&s.was);
	nsp_sweep_cache_free(&s.now);
	free(s.links);
	return r;
}
