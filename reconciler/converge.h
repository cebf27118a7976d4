/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Converging: observe, plan, apply and verify, in rounds, until the planner
 * finds nothing left to do. The core of apply and destroy, and of the
 * repairs that run makes; it prints nothing (hooks tell the caller).
 */
#ifndef NSPING_CONVERGE_H
#define NSPING_CONVERGE_H

#include "kernel.h"

/*
 * How many times a converge plans and applies before it gives up. A change
 * can make the kernel remove something as a consequence that the planner did
 * not foresee; the next round puts it back. Each round must differ from the
 * one before.
 */
#define NSP_CONVERGE_ROUNDS 3

typedef int (*nsp_planner_fn)(const struct nsp_config *cfg, const struct nsp_obs_instance *obs,
			      const struct nsp_obs_orphans *orphans, struct nsp_plan *ret_plan);

struct nsp_converge {
	struct nsp_kernel *k;
	const struct nsp_config *cfg;
	nsp_planner_fn planner;
	struct nsp_obs_instance *obs; /* cfg->n_instances entries */
	struct nsp_plan plan;	      /* the last plan made: after apply, what is left */
	struct nsp_plan done;	      /* every change applied, in order */
	/* optional: a change applied; a verification about to start; another round */
	void (*on_change)(const struct nsp_change *c, void *arg);
	void (*on_verify)(const struct nsp_plan *applied, void *arg);
	void (*on_round)(const struct nsp_plan *left, void *arg);
	void *arg;
	/*
	 * run's repairs: an instance blocked by a conflict or an error does not
	 * stop the others (the planner leaves its changes out anyway).
	 */
	bool tolerate_blocked;
	char err[512]; /* why the last call failed */
};

/* obs for cfg's instances; 0 or -ENOMEM. */
int nsp_converge_init(struct nsp_converge *c, struct nsp_kernel *k, const struct nsp_config *cfg,
		      nsp_planner_fn planner);
void nsp_converge_free(struct nsp_converge *c);

/* Observe the kernel into c->obs. -errno, with c->err. */
int nsp_converge_observe(struct nsp_converge *c);
/* Plan from c->obs into c->plan. -errno, with c->err. */
int nsp_converge_plan(struct nsp_converge *c);

/*
 * Apply c->plan (free of conflicts and errors), verify, and apply what is left,
 * in at most NSP_CONVERGE_ROUNDS rounds. 0: converged, c->plan empty (of
 * changes only, with tolerate_blocked).
 * -EAGAIN: not converged, c->plan holds what is left (conflicts or errors
 * included) and c->err says why it stopped. Another -errno: a request or a
 * read failed, c->err says which. c->done holds what was applied either way.
 */
int nsp_converge_apply(struct nsp_converge *c);

#endif
