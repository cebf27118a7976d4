// SPDX-License-Identifier: GPL-2.0-only
/*
 * The sweep: what nsping owns on the host that no instance of the file
 * observed, for apply to prune (docs/DESIGN.md, "Finding orphans"). Without
 * a dump of the host's links, nor a visit to any netns:
 * - the netns the host netns has an id for (a veth pair joined them, so they
 *   were made for this host; /run/netns is shared by every netns of the
 *   machine), read from the host: lo's mark; its name and the host end of its
 *   veth pair when it is an orphan;
 * - the BPF programs, by id: ours by name and rodata (which names the host
 *   netns they were loaded for), attached in the host netns at the ifindex
 *   their rodata names, and the host veth an orphan program names.
 * The cache (sweepcache.h) keeps what a read found not to be ours, so that a
 * converged run reads no netns and no program that it read before.
 * Ownership is proven again from the kernel before anything is reported.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
	const struct nsp_sweep_cache *was; /* what the last sweep, or the file, knew */
	struct nsp_sweep_cache now;
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

/* ---- the netns linked to the host ---- */

/* nsid is what an instance's link on the host (its veth, its uplink) leads to. */
static bool observed_nsid(const struct sweep *s, int nsid)
{
	for (size_t i = 0; i < s->cfg->n_instances; i++) {
		const struct nsp_obs_link *l[] = {&s->obs[i].uplink, &s->obs[i].host,
						  &s->obs[i].host_owned};

		for (size_t k = 0; k < sizeof(l) / sizeof(l[0]); k++)
			if (l[k]->present && l[k]->has_link_netnsid && l[k]->link_netnsid == nsid)
				return true;
	}
	return false;
}

static const struct nsp_cache_netns *cached_nsid(const struct sweep *s, int nsid)
{
	for (size_t i = 0; i < s->was->n_netns; i++)
		if (s->was->netns[i].nsid == nsid)
			return &s->was->netns[i];
	return NULL;
}

/* The id the host netns has for the netns of fd; -1: none. */
static int nsid_of_fd(struct sweep *s, int fd, int *ret)
{
	return nsp_nl_get_nsid(&s->k->host, fd, ret);
}

/*
 * The instance of the file that owns netns nsid by name: the netns the file
 * names for it, if that is the one (a netns whose veth is being rebuilt, say).
 */
static int file_netns(struct sweep *s, const struct nsp_owner *owner, int nsid, bool *ret)
{
	*ret = false;
	if (strcmp(owner->scope, s->cfg->scope))
		return 0;
	for (size_t i = 0; i < s->cfg->n_instances; i++) {
		int id = -1, r;

		if (strcmp(s->cfg->instances[i].name, owner->instance) || s->k->ns[i].netns_fd < 0)
			continue;
		r = nsid_of_fd(s, s->k->ns[i].netns_fd, &id);
		if (r < 0)
			return r;
		*ret = id == nsid;
	}
	return 0;
}

/* The name of netns nsid under /run/netns, or "" when it has none. */
static int netns_name(struct sweep *s, int nsid, char ret[NSP_NETNS_MAX + 1])
{
	DIR *d = opendir(NSP_NETNS_DIR);
	const struct dirent *e;
	int r = 0;

	ret[0] = '\0';
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while (r == 0 && !ret[0] && (e = readdir(d))) {
		int fd, id = -1;

		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..") ||
		    strlen(e->d_name) > NSP_NETNS_MAX)
			continue;
		fd = nsp_netns_open(e->d_name);
		if (fd < 0)
			continue; /* gone, or an empty mount point */
		r = nsid_of_fd(s, fd, &id);
		close(fd);
		if (r == 0 && id == nsid)
			snprintf(ret, NSP_NETNS_MAX + 1, "%.*s", NSP_NETNS_MAX, e->d_name);
	}
	closedir(d);
	return r;
}

/*
 * The host end of the netns's veth pair: a veth in the netns whose other end
 * is a host veth that names it back and leads to the netns.
 */
static int netns_host_veth(struct sweep *s, int nsid, struct nsp_obs_orphan_netns *x)
{
	struct nsp_obs_link *links = NULL;
	size_t n = 0;
	int r = nsp_nl_dump_links_in(&s->k->host, nsid, &links, &n);

	for (size_t i = 0; r == 0 && i < n && !x->host_veth.present; i++) {
		const struct nsp_obs_link *l = &links[i];
		struct nsp_obs_link h;

		if (!l->is_veth || !l->peer_ifindex)
			continue;
		r = host_link(s, l->peer_ifindex, &h);
		if (r == 0 && h.present && h.is_veth && h.peer_ifindex == l->ifindex &&
		    h.has_link_netnsid && h.link_netnsid == nsid &&
		    nsp_mark_parse(h.alias, &x->host_veth_owner))
			x->host_veth = h;
	}
	free(links);
	return r;
}

/*
 * One netns linked to the host and unknown to the instances: its lo's mark,
 * read from the host (no visit). *ret_scope: its scope, "" when it is not
 * ours; ret: what to report of it. -errno: not read now.
 */
static int look_netns(struct sweep *s, int nsid, char ret_scope[NSP_NAME_MAX + 1],
		      struct nsp_obs_orphan_netns *ret, bool *ret_orphan)
{
	struct nsp_obs_orphan_netns x = {0};
	struct nsp_obs_link lo;
	bool claimed;
	int r;

	ret_scope[0] = '\0';
	*ret_orphan = false;
	r = nsp_nl_get_link_in(&s->k->host, nsid, 1, &lo);
	if (r < 0 || !nsp_mark_parse(lo.alias, &x.owner))
		return r;
	snprintf(ret_scope, NSP_NAME_MAX + 1, "%s", x.owner.scope);
	if (!wanted_scope(s, x.owner.scope))
		return 0;
	r = file_netns(s, &x.owner, nsid, &claimed);
	if (r < 0 || claimed)
		return r;
	r = netns_name(s, nsid, x.name);
	if (r == 0)
		r = netns_host_veth(s, nsid, &x);
	if (r < 0)
		return r;
	/* nothing to delete: no name, and no veth of ours */
	if (!x.name[0] && !x.host_veth.present)
		return 0;
	*ret = x;
	*ret_orphan = true;
	return 0;
}

/*
 * Every netns the host netns has an id for (one for each a veth pair joined
 * to it, named or not: one dump), but those the instances' links lead to.
 * Only a netns that the cache does not know as another's is read, from the
 * host: no netns is entered. A netns of /run/netns that nothing links to
 * this host (another node of a lab, a netns of ip netns add) is never read.
 */
static int sweep_netns(struct sweep *s)
{
	int *nsids = NULL, r;
	size_t n = 0;

	r = nsp_nl_dump_nsids(&s->k->host, &nsids, &n);
	for (size_t i = 0; r == 0 && i < n; i++) {
		struct nsp_cache_netns entry = {.nsid = nsids[i]};
		const struct nsp_cache_netns *hit;
		struct nsp_obs_orphan_netns x;
		bool orphan;

		if (observed_nsid(s, nsids[i]))
			continue;
		hit = s->all ? NULL : cached_nsid(s, nsids[i]);
		if (hit && !wanted_scope(s, hit->scope)) {
			r = nsp_cache_add_netns(&s->now, hit);
			continue;
		}
		r = look_netns(s, nsids[i], entry.scope, &x, &orphan);
		/*
		 * One that could not be read now (being torn down): not cached,
		 * read again next time. An orphan missed stays till then.
		 */
		if (r < 0 && r != -ENOMEM) {
			r = 0;
			continue;
		}
		if (r == 0)
			r = nsp_cache_add_netns(&s->now, &entry);
		if (r == 0 && orphan)
			r = append(&s->found->netns, &s->found->n_netns, &x, sizeof(x));
	}
	free(nsids);
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
 * is for; only destroy --all looks where one is attached (instances replace
 * theirs: the build differs).
 */
static int read_new_progs(struct sweep *s)
{
	uint32_t id = s->now.prog_max;
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
		if (p.older ? !s->all : o.params.host_netns != s->host_ino)
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
 * An rx_ping not attached where the cache says, whose uplink_now run
 * rewrote since (the uplink re-created, xdp.c): its new place into p.
 */
static bool uplink_moved(struct nsp_cache_prog *p)
{
	struct nsp_obs_prog o;
	enum nsp_program program;
	enum nsp_attach attach;

	if (p->program != NSP_PROG_RX_PING ||
	    nsp_prog_describe(p->id, &program, &attach, &o) <= 0 ||
	    (int)o.params.uplink_ifindex == p->ifindex)
		return false;
	p->ifindex = (int)o.params.uplink_ifindex;
	return true;
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
		s->now.prog_max = s->was->prog_max;
		for (size_t i = 0; i < s->was->n_progs; i++) {
			r = nsp_cache_add_prog(&s->now, &s->was->progs[i]);
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

		/* an older build's is looked at by destroy --all only, and not kept */
		if (p->older && !s->all) {
			keep = false;
			goto next;
		}
		if (observed_prog(s, p->id) || !wanted_scope(s, p->owner.scope))
			goto next;
		keep = !p->older;
		/* replaced since: gone (and no link to ask about) */
		if (!nsp_prog_exists(p->id)) {
			keep = false;
			goto next;
		}
		r = prog_attached(s, p, &link);
		if (r == 0 && uplink_moved(p))
			r = prog_attached(s, p, &link);
		if (r == 0)
			goto next; /* ours, loaded, not attached (yet, or held by run) */
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

/* ---- the veths of orphan programs ---- */

static bool instance_link(const struct sweep *s, int ifindex)
{
	return observed_link(s, ifindex) != NULL;
}

static bool found_link(const struct sweep *s, int ifindex)
{
	for (size_t i = 0; i < s->found->n_netns; i++)
		if (s->found->netns[i].host_veth.present &&
		    s->found->netns[i].host_veth.ifindex == ifindex)
			return true;
	for (size_t i = 0; i < s->found->n_links; i++)
		if (s->found->links[i].link.ifindex == ifindex)
			return true;
	return false;
}

/*
 * An orphan program's rodata names its instance's host veth: that veth, if
 * it still carries the same owner's mark and no instance has it, is an
 * orphan too (its netns gone or elsewhere).
 */
static int sweep_veths(struct sweep *s)
{
	int r = 0;

	for (size_t i = 0; r == 0 && i < s->found->n_progs; i++) {
		const struct nsp_obs_orphan_prog *p = &s->found->progs[i];
		struct nsp_obs_orphan_link x = {.owner = p->owner};
		int ifindex = (int)p->prog.params.veth_ifindex;

		if (!ifindex || instance_link(s, ifindex) || found_link(s, ifindex))
			continue;
		r = host_link(s, ifindex, &x.link);
		if (r < 0 && r != -ENOMEM) {
			r = 0;
			continue;
		}
		if (r == 0 && x.link.present && x.link.is_veth &&
		    nsp_is_marked(x.link.alias, p->owner.scope, p->owner.instance))
			r = append(&s->found->links, &s->found->n_links, &x, sizeof(x));
	}
	return r;
}

/* ---- the run ---- */

/*
 * The boot and the host netns that the cache is valid for: nsids and program
 * ids start again at a boot, and are another netns's in another host.
 */
static void cache_stamp(uint64_t host_ino, char *buf, size_t size)
{
	char boot[64] = "";
	int fd = open("/proc/sys/kernel/random/boot_id", O_RDONLY | O_CLOEXEC);
	ssize_t n = fd < 0 ? -1 : read(fd, boot, sizeof(boot) - 1);

	if (fd >= 0)
		close(fd);
	boot[n > 0 ? n : 0] = '\0';
	boot[strcspn(boot, "\n")] = '\0';
	snprintf(buf, size, "nsping sweep cache 2 boot %s host %" PRIu64, boot, host_ino);
}

/*
 * The cache of one nsping process: read at its first sweep, kept in memory
 * across the verification's sweeps, written when the process is done with
 * the kernel (nsp_kernel_close()), and only if a fact changed: no write
 * between an observation and the changes planned from it.
 */
struct nsp_sweep_state {
	char path[PATH_MAX]; /* "": no state dir, no file */
	char stamp[160];
	struct nsp_sweep_cache read; /* as the file had it */
	struct nsp_sweep_cache now;  /* what the last sweep learnt */
	bool swept;
};

static int sweep_state(struct nsp_kernel *k, uint64_t host_ino, bool all)
{
	struct nsp_sweep_state *st;

	if (k->sweep_state)
		return 0;
	st = calloc(1, sizeof(*st));
	if (!st)
		return -ENOMEM;
	cache_stamp(host_ino, st->stamp, sizeof(st->stamp));
	if (k->state_dir) {
		snprintf(st->path, sizeof(st->path), "%s/" CACHE_FILE, k->state_dir);
		/* --all trusts no earlier answer */
		if (!all)
			nsp_sweep_cache_load(st->path, st->stamp, &st->read);
	}
	k->sweep_state = st;
	return 0;
}

void nsp_sweep_close(struct nsp_kernel *k)
{
	struct nsp_sweep_state *st = k->sweep_state;

	if (!st)
		return;
	/* a hint: a cache that cannot be written costs the next run time, nothing else */
	if (st->swept && *st->path)
		nsp_sweep_cache_save(st->path, st->stamp, &st->now, &st->read);
	nsp_sweep_cache_free(&st->read);
	nsp_sweep_cache_free(&st->now);
	free(st);
	k->sweep_state = NULL;
}

int nsp_sweep(struct nsp_kernel *k, const struct nsp_config *cfg,
	      const struct nsp_obs_instance *obs, char *err, size_t err_size)
{
	struct sweep s = {.k = k, .cfg = cfg, .obs = obs, .all = k->sweep == NSP_SWEEP_ALL};
	const char *step = "the host netns";
	int r;

	nsp_orphans_free(&k->orphans);
	s.found = &k->orphans;
	s.host_fd = nsp_kernel_host_fd(k);
	r = s.host_fd < 0 ? s.host_fd : nsp_kernel_host_netns(k, &s.host_ino);
	if (r == 0)
		r = sweep_state(k, s.host_ino, s.all);
	if (r == 0)
		s.was = k->sweep_state->swept ? &k->sweep_state->now : &k->sweep_state->read;
	if (r == 0) {
		step = "the netns linked to the host";
		r = sweep_netns(&s);
	}
	if (r == 0) {
		step = "the BPF programs";
		r = sweep_progs(&s);
	}
	if (r == 0) {
		step = "the orphan programs' veths";
		r = sweep_veths(&s);
	}
	if (r < 0) {
		snprintf(err, err_size, "finding orphans in %s: %s", step, strerror(-r));
		nsp_orphans_free(&k->orphans);
		nsp_sweep_cache_free(&s.now);
	} else {
		k->orphans.swept = true;
		k->orphans.all = s.all;
		nsp_sweep_cache_free(&k->sweep_state->now);
		k->sweep_state->now = s.now;
		k->sweep_state->swept = true;
	}
	free(s.links);
	return r;
}
