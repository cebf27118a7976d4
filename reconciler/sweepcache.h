/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the sweep learnt in earlier runs (docs/DESIGN.md, "Finding orphans"),
 * kept in STATE_DIR/sweep.cache: which /run/netns entries are not ours,
 * which BPF program ids were read and which of them are ours, and the host
 * veths that instances had. Hints only: nothing is deleted on the cache's
 * word, and a cache that is missing, unreadable, of another boot or of
 * another host netns is an empty one.
 */
#ifndef NSPING_SWEEPCACHE_H
#define NSPING_SWEEPCACHE_H

#include <stdint.h>

#include "observed.h"

/* A program of ours, as its rodata says (rodata is frozen: it stays true). */
struct nsp_cache_prog {
	uint32_t id;
	struct nsp_owner owner;
	enum nsp_program program;
	enum nsp_attach attach;
	int ifindex; /* where it goes: the uplink (rx_ping), the host veth (tx_ping) */
	bool older;  /* an older build's: its rodata does not name its host netns */
};

/*
 * An entry of /run/netns by its name and directory inode (readdir's d_ino:
 * a new netns of the same name is a new file), and the scope of its mark;
 * "" for none: not marked by nsping, or made for another host netns.
 */
struct nsp_cache_netns {
	char name[NSP_NETNS_MAX + 1];
	uint64_t ino;
	char scope[NSP_NAME_MAX + 1];
};

/* A host veth that an instance had. */
struct nsp_cache_veth {
	int ifindex;
	struct nsp_owner owner;
};

struct nsp_sweep_cache {
	uint32_t prog_max; /* every program id up to it was read; ours are in progs */
	struct nsp_cache_prog *progs;
	size_t n_progs;
	struct nsp_cache_netns *netns;
	size_t n_netns;
	struct nsp_cache_veth *veths;
	size_t n_veths;
	char *text; /* the file as it was read, so that an unchanged cache is not rewritten */
};

/*
 * The cache at path if its first line is stamp (this boot, this host netns);
 * otherwise, and on any error, an empty one.
 */
void nsp_sweep_cache_load(const char *path, const char *stamp, struct nsp_sweep_cache *ret);
/* Write c to path under stamp, unless that is what was read into was; 0 or -errno. */
int nsp_sweep_cache_save(const char *path, const char *stamp, const struct nsp_sweep_cache *c,
			 const struct nsp_sweep_cache *was);
void nsp_sweep_cache_free(struct nsp_sweep_cache *c);

int nsp_cache_add_prog(struct nsp_sweep_cache *c, const struct nsp_cache_prog *p);
int nsp_cache_add_netns(struct nsp_sweep_cache *c, const struct nsp_cache_netns *n);
int nsp_cache_add_veth(struct nsp_sweep_cache *c, const struct nsp_cache_veth *v);

#endif
