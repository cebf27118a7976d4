/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The bpf adapter of `nsping monitor`: an attached program's monitor maps
 * (bpf/nsping_monitor.h), found through the program's id, and a reader of
 * their ring buffers. libbpf's types stay in monitorbpf.c; callers see fds,
 * plain structs and -errno.
 */
#ifndef NSPING_MONITORBPF_H
#define NSPING_MONITORBPF_H

#include <stdint.h>

#include "nsping_monitor.h"

struct nsp_mon_maps {
	int events_fd; /* the monitors' ring buffers, an array of maps by owner slot */
	int ctl_fd;    /* struct nsp_monitor_ctl, key 0 */
	int state_fd;  /* struct nsp_monitor_state, key 0 */
};

/*
 * The monitor maps of program prog_id (all -1 on failure): -ENOENT when no
 * program has that id, -EOPNOTSUPP when it has none (an older nsping build's).
 */
int nsp_mon_maps_open(uint32_t prog_id, struct nsp_mon_maps *ret);
void nsp_mon_maps_close(struct nsp_mon_maps *m);
int nsp_mon_ctl_read(const struct nsp_mon_maps *m, struct nsp_monitor_ctl *ret);
int nsp_mon_ctl_write(const struct nsp_mon_maps *m, const struct nsp_monitor_ctl *ctl);
int nsp_mon_state_read(const struct nsp_mon_maps *m, struct nsp_monitor_state *ret);
/* A ring buffer of bytes (a power of 2, pages) for one monitor: its fd, or -errno. */
int nsp_mon_ring_new(uint32_t bytes);
/* Put ring_fd in the events map's slot (the monitor's owner slot), or take it out. */
int nsp_mon_ring_put(const struct nsp_mon_maps *m, uint32_t slot, int ring_fd);
int nsp_mon_ring_drop(const struct nsp_mon_maps *m, uint32_t slot);
/* The control and the state of program prog_id at once (status); -errno as above. */
int nsp_mon_read(uint32_t prog_id, struct nsp_monitor_ctl *ret_ctl,
		 struct nsp_monitor_state *ret_state);

/* Reads events from several ring buffers (a monitor's, one per program), one epoll set. */
struct nsp_mon_reader;
/* An event of one ring buffer; a negative return stops the poll that read it. */
typedef int (*nsp_mon_event_fn)(const struct nsp_event *ev, void *arg);

struct nsp_mon_reader *nsp_mon_reader_new(void);
/* Read events_fd's events into fn(ev, arg) from now on. */
int nsp_mon_reader_add(struct nsp_mon_reader *r, int events_fd, nsp_mon_event_fn fn, void *arg);
/* Wait up to timeout_ms for events and hand them over: how many, or -errno (-EINTR: a signal). */
int nsp_mon_reader_poll(struct nsp_mon_reader *r, int timeout_ms);
void nsp_mon_reader_free(struct nsp_mon_reader *r);

#endif
