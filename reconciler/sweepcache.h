/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the sweep learnt in earlier runs (docs/DESIGN.md, "Finding orphans"),
 * kept in STATE_DIR/sweep.cache: which netns linked to the host are not ours,
 * and which BPF program ids were read and which of them are ours. Hints
 * only: nothing is deleted on the cache's word, and a cache that is missing,
 * unreadable, of another boot or of another host netns is an empty one.
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
 * A netns linked to the host, by the id the host netns has for it (an id
 * lives as long as that netns), and the scope of its lo's mark; "" for none.
 */
struct nsp_cache_netns {
	int nsid;
	char scope[NSP_NAME_MAX + 1];
};

struct nsp_sweep_cache {
	uint32_t prog_max; /* every program id up to it was read; ours are in progs */
	struct nsp_cache_prog *progs;
	size_t n_progs;
	struct nsp_cache_netns *netns;
	size_t n_netns;
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

#endif
