/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What run watches for drift: rtnetlink notifications in the host netns
 * (links, tc, IPv4 addresses) and in each instance's netns (links, addresses,
 * routes, neighbours), and the names under /run/netns (inotify). Each
 * notification is judged here: one that concerns an instance marks it dirty,
 * the rest (other pods' veths coming and going) cost a parse and nothing more.
 */
#ifndef NSPING_WATCH_H
#define NSPING_WATCH_H

#include <stdbool.h>
#include <stdint.h>

#include "desired.h"
#include "observed.h"

#define NSP_WATCH_LINKS 8 /* host ifindexes that concern one instance */

struct nsp_watch_instance {
	const struct nsp_instance *want;
	int fd;		   /* subscribed in the instance's netns, or -1 */
	uint64_t netns_id; /* the netns that fd watches */
	int uplink_ifindex;
	int ifindex[NSP_WATCH_LINKS];
	size_t n_ifindex;
};

struct nsp_watch {
	int host_fd;
	int inotify_fd; /* /run/netns */
	struct nsp_watch_instance *inst;
	size_t n;
};

int nsp_watch_open(struct nsp_watch *w, const struct nsp_config *cfg);
void nsp_watch_close(struct nsp_watch *w);

/*
 * Follow what observe found for instance i: the host ifindexes that concern
 * it, and its netns (subscribed again when it was created or recreated).
 * Returns 1 when the netns fd changed (the caller re-registers it), 0, or -errno.
 */
int nsp_watch_update(struct nsp_watch *w, size_t i, const struct nsp_obs_instance *obs);

/*
 * Read what is pending on fd (one of w's) and mark dirty[i] for each
 * instance it concerns. Returns how many instances it marked, or -errno. A
 * notification lost to an overrun (ENOBUFS) marks every instance.
 */
int nsp_watch_read(struct nsp_watch *w, int fd, bool *dirty);

#endif
