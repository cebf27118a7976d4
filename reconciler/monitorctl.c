// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <string.h>

#include "monitorctl.h"

static bool same_owner(const struct nsp_monitor_owner *a, const struct nsp_monitor_owner *b)
{
	return a->pid == b->pid && a->start_time == b->start_time;
}

/*
 * Drop self and the gone (a bit per slot freed in *freed); the events on at
 * the highest rate of those left. How many are left.
 */
static int settle(struct nsp_monitor_ctl *c, const struct nsp_monitor_owner *self,
		  nsp_mon_alive_fn alive, void *arg, uint32_t *freed)
{
	uint32_t rate = 0;
	int left = 0;

	for (int i = 0; i < NSP_MON_OWNERS; i++) {
		struct nsp_monitor_owner *o = &c->owners[i];

		if (!o->pid)
			continue;
		if (same_owner(o, self) || !alive(o->pid, o->start_time, arg)) {
			memset(o, 0, sizeof(*o));
			*freed |= 1u << i;
			continue;
		}
		left++;
		if (o->rate > rate)
			rate = o->rate;
	}
	nsp_monitor_set_rate(c, left ? rate : NSP_MON_DEFAULT_RATE);
	c->enabled = left > 0;
	return left;
}

int nsp_monitor_ctl_join(struct nsp_monitor_ctl *c, const struct nsp_monitor_owner *self,
			 nsp_mon_alive_fn alive, void *arg, uint32_t *ret_freed)
{
	struct nsp_monitor_ctl next = *c;
	uint32_t freed = 0, none = 0;
	int i;

	settle(&next, self, alive, arg, &freed);
	for (i = 0; i < NSP_MON_OWNERS && next.owners[i].pid; i++)
		;
	if (i == NSP_MON_OWNERS)
		return -ENOSPC;
	next.owners[i] = *self;
	/* self is alive: settle keeps it and takes its rate into account */
	settle(&next, &(struct nsp_monitor_owner){0}, alive, arg, &none);
	*c = next;
	*ret_freed = freed & ~(1u << i);
	return i;
}

int nsp_monitor_ctl_leave(struct nsp_monitor_ctl *c, const struct nsp_monitor_owner *self,
			  nsp_mon_alive_fn alive, void *arg, uint32_t *ret_freed)
{
	uint32_t freed = 0;
	int left = settle(c, self, alive, arg, &freed);

	*ret_freed = freed;
	return left;
}
