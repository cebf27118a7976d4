/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The handles nsping holds on the kernel for one run: a netlink socket in the
 * host netns, and per instance the netns fd and sockets made inside it.
 * observe.c reads through them, apply.c writes.
 */
#ifndef NSPING_KERNEL_H
#define NSPING_KERNEL_H

#include "nl.h"
#include "observed.h"
#include "plan.h"

struct nsp_netns_handles {
	int netns_fd; /* -1: the netns does not exist (yet) */
	struct nsp_nl nl;
	int sock; /* AF_INET datagram socket for ioctls */
};

/* What observe looks for beyond the file's instances (docs/DESIGN.md, "Finding orphans"). */
enum nsp_sweep {
	NSP_SWEEP_NONE,	 /* the instances only (status, destroy, --no-prune) */
	NSP_SWEEP_SCOPE, /* and the orphans of the file's scope (plan, apply) */
	NSP_SWEEP_ALL,	 /* and everything nsping owns on the host (destroy --all) */
};

struct nsp_sweep_state;

struct nsp_kernel {
	struct nsp_nl host;
	/* what an XDP attach did to the uplink's offloads, for the caller to say */
	char offload_notes[512];
	/* where the workers' state is read and the sweep keeps its cache; NULL: neither */
	const char *state_dir;
	unsigned long requests; /* changing requests sent this run */
	struct nsp_netns_handles *ns;
	size_t n;
	int host_fd; /* the host netns, opened when first needed; -1 */
	/* set by the caller before nsp_observe(); NSP_SWEEP_NONE after open */
	enum nsp_sweep sweep;
	struct nsp_obs_orphans orphans;	     /* what the last nsp_observe() swept */
	struct nsp_sweep_state *sweep_state; /* sweep.c's, across this run's sweeps */
};

int nsp_kernel_open(struct nsp_kernel *k, size_t n_instances);
void nsp_kernel_close(struct nsp_kernel *k);
/* (Re)open instance i's netns handles, after the netns was created. */
int nsp_kernel_reopen_netns(struct nsp_kernel *k, size_t i, const char *netns);

/*
 * Fill obs[i] for every instance, then k->orphans as k->sweep asks. -errno
 * with a message in err.
 */
int nsp_observe(struct nsp_kernel *k, const struct nsp_config *cfg, struct nsp_obs_instance *obs,
		char *err, size_t err_size);
/* An fd of the host netns (the one nsping runs in), kept open; -errno. */
int nsp_kernel_host_fd(struct nsp_kernel *k);
/* The inode of the host netns: what a program's rodata names as its host. */
int nsp_kernel_host_netns(struct nsp_kernel *k, uint64_t *ret_ino);

/*
 * facts.c: what the plan-time checks (lint.h) read beyond obs: the host
 * netns's ephemeral ports, the uplink's addresses (for an address of the
 * file's own) and XDP features (for an XDP binding). Each is best effort: one
 * that cannot be read is left unknown, and its check out. 0 or -ENOMEM.
 */
int nsp_observe_facts(struct nsp_kernel *k, const struct nsp_config *cfg,
		      const struct nsp_obs_instance *obs, struct nsp_obs_facts *ret);
void nsp_obs_facts_free(struct nsp_obs_facts *f);

/* sweep.c: what nsping owns on the host that no instance observed, into k->orphans. */
int nsp_sweep(struct nsp_kernel *k, const struct nsp_config *cfg,
	      const struct nsp_obs_instance *obs, char *err, size_t err_size);
void nsp_orphans_free(struct nsp_obs_orphans *o);
/* What the sweeps of this run learnt goes to the state dir's cache; by nsp_kernel_close(). */
void nsp_sweep_close(struct nsp_kernel *k);

/*
 * Execute the plan in order; stop at the first failure. Each change announces
 * itself through on_change (may be NULL) once it succeeded.
 */
int nsp_apply(struct nsp_kernel *k, const struct nsp_config *cfg, const struct nsp_plan *plan,
	      void (*on_change)(const struct nsp_change *c, void *arg), void *arg, char *err,
	      size_t err_size);

#endif
