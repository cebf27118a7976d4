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

struct nsp_kernel {
	struct nsp_nl host;
	const char *state_dir;	/* where the workers' state is read, or NULL: not read */
	unsigned long requests; /* changing requests sent this run */
	struct nsp_netns_handles *ns;
	size_t n;
};

int nsp_kernel_open(struct nsp_kernel *k, size_t n_instances);
void nsp_kernel_close(struct nsp_kernel *k);
/* (Re)open instance i's netns handles, after the netns was created. */
int nsp_kernel_reopen_netns(struct nsp_kernel *k, size_t i, const char *netns);

/* Fill obs[i] for every instance. -errno with a message in err. */
int nsp_observe(struct nsp_kernel *k, const struct nsp_config *cfg, struct nsp_obs_instance *obs,
		char *err, size_t err_size);

/*
 * Execute the plan in order; stop at the first failure. Each change announces
 * itself through on_change (may be NULL) once it succeeded.
 */
int nsp_apply(struct nsp_kernel *k, const struct nsp_config *cfg, const struct nsp_plan *plan,
	      void (*on_change)(const struct nsp_change *c, void *arg), void *arg, char *err,
	      size_t err_size);

#endif
