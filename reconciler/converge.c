// SPDX-License-Identifier: GPL-2.0-only
/* Observe, plan, apply and verify in rounds, until nothing is left to do. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "converge.h"

int nsp_converge_init(struct nsp_converge *c, struct nsp_kernel *k, const struct nsp_config *cfg,
		      nsp_planner_fn planner)
{
	*c = (struct nsp_converge){.k = k, .cfg = cfg, .planner = planner};
	c->obs = calloc(cfg->n_instances ? cfg->n_instances : 1, sizeof(*c->obs));
	return c->obs ? 0 : -ENOMEM;
}

void nsp_converge_free(struct nsp_converge *c)
{
	nsp_plan_free(&c->plan);
	nsp_plan_free(&c->done);
	free(c->obs);
	c->obs = NULL;
}

int nsp_converge_observe(struct nsp_converge *c)
{
	return nsp_observe(c->k, c->cfg, c->obs, c->err, sizeof(c->err));
}

int nsp_converge_plan(struct nsp_converge *c)
{
	int e;

	nsp_plan_free(&c->plan);
	e = c->planner(c->cfg, c->obs, &c->k->orphans, &c->plan);
	if (e < 0)
		snprintf(c->err, sizeof(c->err), "planning: %s", strerror(-e));
	return e;
}

/* Appends the changes of from to to. */
static int plan_append(struct nsp_plan *to, const struct nsp_plan *from)
{
	struct nsp_change *arr;

	if (!from->n_changes)
		return 0;
	arr = realloc(to->changes, (to->n_changes + from->n_changes) * sizeof(*arr));
	if (!arr)
		return -ENOMEM;
	memcpy(arr + to->n_changes, from->changes, from->n_changes * sizeof(*arr));
	to->changes = arr;
	to->n_changes += from->n_changes;
	return 0;
}

/* The same changes, in the same order: another round would not get further. */
static bool plan_same(const struct nsp_plan *a, const struct nsp_plan *b)
{
	if (a->n_changes != b->n_changes)
		return false;
	for (size_t i = 0; i < a->n_changes; i++)
		if (a->changes[i].action != b->changes[i].action ||
		    a->changes[i].instance != b->changes[i].instance ||
		    strcmp(a->changes[i].object, b->changes[i].object))
			return false;
	return true;
}

/* Counts the changes nsp_apply() reports done, so that done holds only those. */
struct applied {
	struct nsp_converge *c;
	size_t n;
};

static void on_applied(const struct nsp_change *ch, void *arg)
{
	struct applied *a = arg;

	a->n++;
	if (a->c->on_change)
		a->c->on_change(ch, a->c->arg);
}

int nsp_converge_apply(struct nsp_converge *c)
{
	struct nsp_plan last = {0};
	int e = 0, last_e = 0, races = 0;

	/* round - races: the rounds that count against NSP_CONVERGE_ROUNDS */
	for (int round = 1; c->plan.n_changes; round++) {
		struct applied a = {.c = c};
		struct nsp_plan did;

		if (round > 1 && c->on_round)
			c->on_round(&c->plan, c->arg);
		e = nsp_apply(c->k, c->cfg, &c->plan, on_applied, &a, c->err, sizeof(c->err));
		last_e = e;
		did = (struct nsp_plan){.changes = c->plan.changes, .n_changes = a.n};
		if (plan_append(&c->done, &did) < 0 && e == 0) {
			snprintf(c->err, sizeof(c->err), "%s", strerror(ENOMEM));
			e = -ENOMEM;
		}
		nsp_plan_free(&last);
		last = c->plan;
		memset(&c->plan, 0, sizeof(c->plan));
		/*
		 * -EEXIST: something appeared between the observation and the
		 * change (another creator won a race): observe again, and let the
		 * plan say whether it is ours or a conflict.
		 */
		if (e == -EEXIST && round - races < NSP_CONVERGE_ROUNDS)
			e = 0;
		else if (e < 0)
			break;
		if (c->on_verify)
			c->on_verify(&last, c->arg);
		e = nsp_converge_observe(c);
		if (e == 0)
			e = nsp_converge_plan(c);
		if (e < 0 || nsp_plan_empty(&c->plan) ||
		    (c->tolerate_blocked && !c->plan.n_changes))
			break;
		if (!c->tolerate_blocked && (c->plan.n_conflicts || c->plan.n_problems)) {
			snprintf(c->err, sizeof(c->err), "a conflict or an error appeared");
			e = -EAGAIN;
			break;
		}
		/*
		 * A race lost to the other creator of the same instance (the same
		 * file applied with another state dir) that left less to do is
		 * its progress, not a round of ours: the loser can be one step
		 * behind at every object, and the rounds are for what the
		 * planner could not foresee. The plan shrinks each time, so
		 * this ends.
		 */
		if (last_e == -EEXIST && c->plan.n_changes < last.n_changes)
			races++;
		if (round - races == NSP_CONVERGE_ROUNDS || plan_same(&c->plan, &last)) {
			snprintf(c->err, sizeof(c->err), "%s",
				 round - races == NSP_CONVERGE_ROUNDS
					 ? "still not done after the last round"
					 : "a round would repeat the last one");
			e = -EAGAIN;
			break;
		}
	}
	nsp_plan_free(&last);
	return e;
}
