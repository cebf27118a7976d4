// SPDX-License-Identifier: GPL-2.0-only
/*
 * The programs themselves (load, identify, count) for both attach points,
 * and the XDP attachment; tc.c attaches the tc variants.
 */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_link.h>
#include <net/if.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nsping_monitor.h" /* the skeletons name its types */
#include "nsping_uplink.h"
#include "rx_ping.skel.h"
#include "rx_ping_tc.skel.h"
#include "tx_ping.skel.h"
#include "tx_ping_tc.skel.h"
#include "owner.h"
#include "progcache.h"
#include "xdp.h"

/*
 * Every object includes nsping.bpf.h, so their read-only data share one
 * layout, which only grows: an older build's objects end earlier (the XDP
 * ones at sport_max, every one before scope). A section holds its variables
 * unpadded, so its size (from the map) tells what an object has.
 */
typedef struct rx_ping_tc_bpf__rodata nsp_rodata;

#define RODATA_END(field) (offsetof(nsp_rodata, field) + sizeof(((nsp_rodata *)0)->field))

_Static_assert(offsetof(struct rx_ping_bpf__rodata, scope) == offsetof(nsp_rodata, scope) &&
		       offsetof(struct tx_ping_bpf__rodata, scope) == offsetof(nsp_rodata, scope) &&
		       offsetof(struct tx_ping_tc_bpf__rodata, host_netns) ==
			       offsetof(nsp_rodata, host_netns) &&
		       sizeof(struct tx_ping_bpf__rodata) == sizeof(nsp_rodata),
	       "the objects' read-only data no longer share a layout");

struct nsp_object {
	const char *prog_name; /* its one program's name: half of our ownership mark */
	const void *(*elf_bytes)(size_t *size);
};

static const struct nsp_object objects[][2] = {
	[NSP_ATTACH_XDP] = {[NSP_PROG_TX_PING] = {"tx_ping", tx_ping_bpf__elf_bytes},
			    [NSP_PROG_RX_PING] = {"rx_ping", rx_ping_bpf__elf_bytes}},
	[NSP_ATTACH_TC] = {[NSP_PROG_TX_PING] = {"tx_ping_tc", tx_ping_tc_bpf__elf_bytes},
			   [NSP_PROG_RX_PING] = {"rx_ping_tc", rx_ping_tc_bpf__elf_bytes}},
};

/* FNV-1a, eight bytes a step; never 0, which reads as "no build id" in a program's rodata. */
static uint64_t fnv1a(const unsigned char *p, size_t size)
{
	uint64_t h = 0xcbf29ce484222325ULL, word;
	size_t i = 0;

	for (; i + sizeof(word) <= size; i += sizeof(word)) {
		memcpy(&word, p + i, sizeof(word));
		h = (h ^ word) * 0x100000001b3ULL;
	}
	for (; i < size; i++)
		h = (h ^ p[i]) * 0x100000001b3ULL;
	return h ? h : 1;
}

/*
 * A hash of the object file: cheap, stable, and changes with any rebuild.
 * Computed once per object and run, and only for a program that is there to
 * compare: hashing every object at every observe was a visible share of a
 * no-op run.
 */
uint64_t nsp_prog_build_id(enum nsp_program program, enum nsp_attach attach)
{
	static uint64_t known[2][2];
	uint64_t *id = &known[attach][program];

	if (!*id) {
		size_t size;
		const unsigned char *p = objects[attach][program].elf_bytes(&size);

		*id = fnv1a(p, size);
	}
	return *id;
}

static int xdp_flags(enum nsp_xdp_mode mode)
{
	return mode == NSP_MODE_NATIVE	  ? XDP_FLAGS_DRV_MODE
	       : mode == NSP_MODE_GENERIC ? XDP_FLAGS_SKB_MODE
					  : 0;
}

/*
 * Call fn with each map the program of prog_fd uses (an fd fn may dup, and
 * its info) until fn returns non-zero: that (0 after the last). -errno.
 */
static int each_map(int prog_fd, int (*fn)(int fd, const struct bpf_map_info *mi, void *arg),
		    void *arg)
{
	struct bpf_prog_info info = {0};
	uint32_t len = sizeof(info), map_ids[16];
	int r = 0;

	info.nr_map_ids = 16;
	info.map_ids = (uint64_t)(unsigned long)map_ids;
	if (bpf_obj_get_info_by_fd(prog_fd, &info, &len) < 0)
		return -errno;
	for (uint32_t i = 0; i < info.nr_map_ids && i < 16 && r == 0; i++) {
		struct bpf_map_info mi = {0};
		uint32_t mlen = sizeof(mi);
		int fd = bpf_map_get_fd_by_id(map_ids[i]);

		if (fd < 0)
			continue;
		if (bpf_obj_get_info_by_fd(fd, &mi, &mlen) == 0)
			r = fn(fd, &mi, arg);
		close(fd);
	}
	return r;
}

struct program_data {
	nsp_rodata *ro;
	int r; /* -ENOENT until the rodata is read */
	uint32_t *now;
	bool *has_now;
};

static int read_program_data(int fd, const struct bpf_map_info *mi, void *arg)
{
	struct program_data *d = arg;
	uint32_t zero = 0;
	void *buf;

	/* unreadable, it reads 0: the program is stale, and replaced */
	if (!strcmp(mi->name, NSP_UPLINK_SEC) && mi->value_size == sizeof(*d->now)) {
		*d->has_now = true;
		if (bpf_map_lookup_elem(fd, &zero, d->now) < 0)
			*d->now = 0;
	}
	if (d->r != -ENOENT || !strstr(mi->name, ".rodata") ||
	    mi->value_size < RODATA_END(uplink_mac))
		return 0;
	buf = calloc(1, mi->value_size > sizeof(*d->ro) ? mi->value_size : sizeof(*d->ro));
	d->r = !buf ? -ENOMEM : bpf_map_lookup_elem(fd, &zero, buf) < 0 ? -errno : 0;
	if (d->r == 0)
		memcpy(d->ro, buf, sizeof(*d->ro));
	free(buf);
	return 0;
}

/*
 * Read the rodata map of a program we already hold an fd for, and its
 * uplink_now (*ret_has_now false when the object has none: an older
 * build's).  An older build's rodata may be shorter: its instance name still
 * proves it ours, and the fields it lacks read as 0, which makes it stale.
 */
static int read_prog_data(int prog_fd, nsp_rodata *ret, uint32_t *ret_now, bool *ret_has_now)
{
	struct program_data d = {.ro = ret, .r = -ENOENT, .now = ret_now, .has_now = ret_has_now};
	int r;

	*ret_now = 0;
	*ret_has_now = false;
	r = each_map(prog_fd, read_program_data, &d);
	return r < 0 ? r : d.r;
}

static void params_from_rodata(const nsp_rodata *ro, const uint32_t *uplink_now,
			       struct nsp_prog_params *p)
{
	memcpy(p->instance, ro->instance, sizeof(p->instance));
	p->instance[sizeof(p->instance) - 1] = '\0';
	/* an older build's program has no scope: it was the default one's */
	if (ro->scope[0])
		snprintf(p->scope, sizeof(p->scope), "%.*s", (int)sizeof(ro->scope) - 1,
			 (const char *)ro->scope);
	else
		snprintf(p->scope, sizeof(p->scope), "%s", NSP_DEFAULT_SCOPE);
	/* where it is now; an older build's has no uplink_now (NULL) */
	p->uplink_ifindex = uplink_now ? *uplink_now : ro->uplink_ifindex;
	p->veth_ifindex = ro->veth_ifindex;
	p->build_id = ro->build_id;
	p->port = ro->port;
	p->addr = ro->addr;
	memcpy(p->uplink_mac.b, ro->uplink_mac, 6);
	p->sport_min = ro->sport_min;
	p->sport_max = ro->sport_max;
	p->peer_ifindex = ro->peer_ifindex;
	p->host_netns = ro->host_netns;
}

/* Which of our objects a program name is; false for any other name. */
static bool object_of_name(const char *name, enum nsp_program *ret_program,
			   enum nsp_attach *ret_attach)
{
	for (int a = NSP_ATTACH_XDP; a <= NSP_ATTACH_TC; a++)
		for (int p = NSP_PROG_TX_PING; p <= NSP_PROG_RX_PING; p++)
			if (!strcmp(name, objects[a][p].prog_name)) {
				*ret_program = (enum nsp_program)p;
				*ret_attach = (enum nsp_attach)a;
				return true;
			}
	return false;
}

/*
 * o->name, and when the name is one of ours and the rodata reads back, the
 * rodata's values and o->nsping; the object that name is in *ret_program and
 * *ret_attach. A program of who's is kept loaded for run (progcache.h).
 * -ENOENT when no program has that id (any more).
 */
static int prog_read(uint32_t id, const struct nsp_owner *who, struct nsp_obs_prog *o,
		     enum nsp_program *ret_program, enum nsp_attach *ret_attach)
{
	struct bpf_prog_info info = {0};
	uint32_t len = sizeof(info);
	nsp_rodata ro;
	uint32_t now;
	bool has_now;
	int fd, r = 0;

	fd = bpf_prog_get_fd_by_id(id);
	if (fd < 0)
		return -errno;
	if (bpf_obj_get_info_by_fd(fd, &info, &len) < 0) {
		r = -errno;
		goto out;
	}
	memcpy(o->name, info.name, sizeof(o->name) - 1);
	if (object_of_name(o->name, ret_program, ret_attach) &&
	    read_prog_data(fd, &ro, &now, &has_now) == 0) {
		o->nsping = true;
		params_from_rodata(&ro, has_now ? &now : NULL, &o->params);
		if (who && !strcmp(o->params.instance, who->instance) &&
		    !strcmp(o->params.scope, who->scope))
			nsp_progcache_put(*ret_program, *ret_attach, &o->params, fd);
	}
out:
	close(fd);
	return r;
}

int nsp_prog_identify(uint32_t id, const struct nsp_owner *who, enum nsp_program program,
		      enum nsp_attach attach, struct nsp_obs_prog *o)
{
	enum nsp_program p = program;
	enum nsp_attach a = attach;
	int r = prog_read(id, who, o, &p, &a);

	if (r < 0)
		return r;
	/* the name of another of our objects is not this binding's program */
	o->nsping = o->nsping && p == program && a == attach;
	o->ours = o->nsping && !strcmp(o->params.instance, who->instance) &&
		  !strcmp(o->params.scope, who->scope);
	return 0;
}

int nsp_prog_describe(uint32_t id, enum nsp_program *ret_program, enum nsp_attach *ret_attach,
		      struct nsp_obs_prog *ret)
{
	struct nsp_obs_prog o = {.present = true, .id = id};
	enum nsp_program p = NSP_PROG_TX_PING;
	enum nsp_attach a = NSP_ATTACH_XDP;
	int r = prog_read(id, NULL, &o, &p, &a);

	if (r < 0)
		return r;
	o.build_id = nsp_prog_build_id(p, a);
	*ret_program = p;
	*ret_attach = a;
	*ret = o;
	return o.nsping;
}

bool nsp_prog_exists(uint32_t id)
{
	int fd = bpf_prog_get_fd_by_id(id);

	if (fd < 0)
		return errno != ENOENT;
	close(fd);
	return true;
}

int nsp_prog_next_id(uint32_t id, uint32_t *ret_id)
{
	return bpf_prog_get_next_id(id, ret_id) < 0 ? -errno : 0;
}

/*
 * Write params into the object's rodata (bytes we don't know keep their
 * values) and its uplink_now.
 */
static int set_rodata(struct bpf_object *obj, const struct nsp_prog_params *p)
{
	struct bpf_map *map = bpf_object__find_map_by_name(obj, ".rodata");
	const void *init = NULL;
	nsp_rodata ro = {0};
	size_t size = 0;
	int r;

	if (map)
		init = bpf_map__initial_value(map, &size);
	if (!init || size < RODATA_END(sport_max) || size > sizeof(ro))
		return -ENOEXEC;
	memcpy(&ro, init, size);
	memcpy(ro.instance, p->instance, sizeof(ro.instance));
	ro.uplink_ifindex = p->uplink_ifindex;
	ro.veth_ifindex = p->veth_ifindex;
	ro.build_id = p->build_id;
	ro.port = p->port;
	ro.addr = p->addr;
	memcpy(ro.uplink_mac, p->uplink_mac.b, 6);
	ro.sport_min = p->sport_min;
	ro.sport_max = p->sport_max;
	ro.peer_ifindex = p->peer_ifindex;
	ro.host_netns = p->host_netns;
	memset(ro.scope, 0, sizeof(ro.scope));
	memcpy(ro.scope, p->scope, strnlen(p->scope, sizeof(ro.scope) - 1));
	r = bpf_map__set_initial_value(map, &ro, size);
	map = bpf_object__find_map_by_name(obj, NSP_UPLINK_SEC);
	if (r == 0 && !map)
		r = -ENOEXEC;
	if (r == 0)
		r = bpf_map__set_initial_value(map, &p->uplink_ifindex, sizeof(p->uplink_ifindex));
	return r;
}

struct map_by_name {
	const char *name;
	int fd;
};

static int dup_if_named(int fd, const struct bpf_map_info *mi, void *arg)
{
	struct map_by_name *m = arg;

	if (strcmp(mi->name, m->name))
		return 0;
	m->fd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	return m->fd < 0 ? -errno : 1;
}

/* An fd of the map of that name that the program of prog_fd uses; -ENOENT if none. */
static int map_fd_by_name(int prog_fd, const char *name)
{
	struct map_by_name m = {.name = name, .fd = -ENOENT};
	int r = each_map(prog_fd, dup_if_named, &m);

	return r < 0 ? r : m.fd;
}

/* Write the program's uplink_now: it serves another uplink from now on. */
static int set_uplink_now(int prog_fd, uint32_t uplink)
{
	uint32_t zero = 0;
	int fd = map_fd_by_name(prog_fd, NSP_UPLINK_SEC), r;

	if (fd < 0)
		return fd;
	r = bpf_map_update_elem(fd, &zero, &uplink, BPF_ANY) < 0 ? -errno : 0;
	close(fd);
	return r;
}

/*
 * run's program of this instance whose uplink is gone, when params differ
 * from its own by the uplink's ifindex only (a driver reload: the NIC is
 * back under another one): its uplink_now rewritten, kept under params, and
 * a new fd on it. The same program then goes back in place, and its attach
 * does not wait for the kernel's XDP dispatcher as a new one's would
 * (xdphold.h). An uplink that still exists (the file names another) keeps
 * its program: a new one is loaded. -ENOENT when none can serve.
 */
static int reuse_for_new_uplink(enum nsp_program program, enum nsp_attach attach,
				const struct nsp_prog_params *params)
{
	struct nsp_prog_params kept, want = *params;
	char name[IF_NAMESIZE];
	int fd = nsp_progcache_kept(program, attach, params->instance, &kept);

	if (fd < 0)
		return fd;
	want.uplink_ifindex = kept.uplink_ifindex;
	if (!nsp_prog_params_equal(&want, &kept) || if_indextoname(kept.uplink_ifindex, name) ||
	    set_uplink_now(fd, params->uplink_ifindex) < 0) {
		close(fd);
		return -ENOENT;
	}
	nsp_progcache_put(program, attach, params, fd);
	return fd;
}

int nsp_prog_load(enum nsp_program program, enum nsp_attach attach,
		  const struct nsp_prog_params *params)
{
	const struct nsp_object *d = &objects[attach][program];
	LIBBPF_OPTS(bpf_object_open_opts, opts);
	const struct bpf_program *prog;
	struct bpf_object *obj;
	size_t size;
	const void *elf = d->elf_bytes(&size);
	int r = nsp_progcache_get(program, attach, params);

	if (r < 0)
		r = reuse_for_new_uplink(program, attach, params);
	if (r >= 0)
		return r;
	opts.object_name = d->prog_name;
	obj = bpf_object__open_mem(elf, size, &opts);
	if (!obj)
		return -errno;
	prog = bpf_object__find_program_by_name(obj, d->prog_name);
	r = prog ? set_rodata(obj, params) : -ENOEXEC;
	if (r == 0)
		r = bpf_object__load(obj);
	/* Closing the object closes its fds: keep one of ours on the program. */
	if (r == 0) {
		r = fcntl(bpf_program__fd(prog), F_DUPFD_CLOEXEC, 0);
		if (r < 0)
			r = -errno;
		else
			nsp_progcache_put(program, attach, params, r);
	}
	bpf_object__close(obj);
	return r;
}

int nsp_xdp_observe(const struct nsp_obs_link *link, const struct nsp_owner *who,
		    enum nsp_program program, struct nsp_obs_prog *ret)
{
	struct nsp_obs_prog o = {0};
	int r;

	o.id = link->xdp_prog_id;
	if (o.id) {
		o.present = true;
		o.build_id = nsp_prog_build_id(program, NSP_ATTACH_XDP);
		o.mode = link->xdp_generic ? NSP_MODE_GENERIC : NSP_MODE_NATIVE;
		r = nsp_prog_identify(o.id, who, program, NSP_ATTACH_XDP, &o);
		if (r < 0)
			return r;
	}
	*ret = o;
	return 0;
}

int nsp_xdp_attach(struct nsp_nl *nl, int ifindex, enum nsp_program program, enum nsp_xdp_mode mode,
		   const struct nsp_prog_params *params, uint32_t old_id,
		   enum nsp_xdp_mode old_mode)
{
	LIBBPF_OPTS(bpf_xdp_attach_opts, opts);
	int prog_fd, old_fd = -1, flags = xdp_flags(mode), r;

	prog_fd = nsp_prog_load(program, NSP_ATTACH_XDP, params);
	if (prog_fd < 0)
		return prog_fd;
	if (old_id) {
		old_fd = bpf_prog_get_fd_by_id(old_id);
		if (old_fd < 0) {
			r = -errno;
			goto out;
		}
		/* A program attached in another mode is not replaced in place. */
		if (mode != NSP_MODE_AUTO && mode != old_mode) {
			r = nsp_xdp_detach(nl, ifindex, old_id, old_mode);
			if (r < 0)
				goto out;
		} else {
			opts.old_prog_fd = old_fd;
			flags |= XDP_FLAGS_REPLACE | xdp_flags(old_mode);
		}
	} else {
		flags |= XDP_FLAGS_UPDATE_IF_NOEXIST;
	}
	nsp_nl_count_request(nl);
	r = bpf_xdp_attach(ifindex, prog_fd, (uint32_t)flags, &opts);
out:
	if (old_fd >= 0)
		close(old_fd);
	close(prog_fd);
	return r;
}

int nsp_xdp_detach(struct nsp_nl *nl, int ifindex, uint32_t old_id, enum nsp_xdp_mode old_mode)
{
	LIBBPF_OPTS(bpf_xdp_attach_opts, opts);
	int fd = bpf_prog_get_fd_by_id(old_id), r;

	if (fd < 0)
		return -errno;
	opts.old_prog_fd = fd;
	nsp_nl_count_request(nl);
	r = bpf_xdp_detach(ifindex, (uint32_t)(xdp_flags(old_mode) | XDP_FLAGS_REPLACE), &opts);
	close(fd);
	return r;
}

int nsp_prog_counters(uint32_t prog_id, uint64_t *ret, size_t n)
{
	struct bpf_map_info mi = {0};
	uint32_t mlen = sizeof(mi);
	int ncpu = libbpf_num_possible_cpus(), fd, r = 0;
	uint64_t *per_cpu;

	if (ncpu < 0)
		return ncpu;
	fd = nsp_prog_map_fd(prog_id, "nsp_counters");
	if (fd < 0)
		return fd;
	if (bpf_obj_get_info_by_fd(fd, &mi, &mlen) < 0)
		r = -errno;
	per_cpu = r == 0 ? calloc((size_t)ncpu, sizeof(*per_cpu)) : NULL;
	if (r == 0 && !per_cpu)
		r = -ENOMEM;
	/* an older build's map has fewer slots: its newer ones read 0 */
	if (r == 0)
		memset(ret, 0, n * sizeof(*ret));
	for (uint32_t k = 0; r == 0 && k < n && k < mi.max_entries; k++) {
		if (bpf_map_lookup_elem(fd, &k, per_cpu) < 0)
			continue;
		for (int c = 0; c < ncpu; c++)
			ret[k] += per_cpu[c];
	}
	free(per_cpu);
	close(fd);
	return r;
}

int nsp_prog_map_fd(uint32_t prog_id, const char *name)
{
	int fd = bpf_prog_get_fd_by_id(prog_id), r;

	if (fd < 0)
		return -errno;
	r = map_fd_by_name(fd, name);
	close(fd);
	return r;
}
