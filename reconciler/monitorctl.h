/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Who keeps a program's events on: the owners in its monitor control
 * (bpf/nsping_monitor.h), one slot per running `nsping monitor`, whose ring
 * buffer sits in the same slot of the events map. Events are
 * on while a live owner is there, at the highest rate one asked for; an
 * owner killed before it could leave (SIGKILL) is pruned by the next
 * monitor that joins or leaves. Pure: the caller reads and writes the map,
 * under STATE_DIR/monitor.lock, and says which processes live.
 */
#ifndef NSPING_MONITORCTL_H
#define NSPING_MONITORCTL_H

#include <stdbool.h>
#include <stdint.h>

#include "nsping_monitor.h"

/* Whether the process pid that started at start_time (clock ticks after boot) lives. */
typedef bool (*nsp_mon_alive_fn)(uint32_t pid, uint64_t start_time, void *arg);

/*
 * Prune the owners that are gone, add self (its pid, start time and rate;
 * anew if it is there already) and switch the events on at the highest rate
 * asked. Self's slot (its ring goes there), and in *ret_freed a bit per
 * other slot freed (whose ring must go). -ENOSPC (c unchanged) when every
 * slot holds a live monitor.
 */
int nsp_monitor_ctl_join(struct nsp_monitor_ctl *c, const struct nsp_monitor_owner *self,
			 nsp_mon_alive_fn alive, void *arg, uint32_t *ret_freed);
/*
 * Remove self and the owners that are gone (a bit per slot freed in
 * *ret_freed); the events stay on for the ones left, at the highest rate
 * they asked, or go off (and the rate back to the default) when none is
 * left. Returns how many are left.
 */
int nsp_monitor_ctl_leave(struct nsp_monitor_ctl *c, const struct nsp_monitor_owner *self,
			  nsp_mon_alive_fn alive, void *arg, uint32_t *ret_freed);

#endif
