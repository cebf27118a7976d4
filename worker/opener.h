/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Privilege separation for the ping worker. The opener is a child process
 * that keeps only what entering a netns and opening raw sockets take
 * (CAP_SYS_ADMIN, CAP_NET_RAW) and does nothing else: on request it enters
 * /run/netns/NAME, opens the path's sockets there and passes them back over
 * a socketpair (SCM_RIGHTS). The worker itself then drops every capability,
 * yet can still reopen a path after the netns was recreated. It serves only
 * namespaces nsping made (their lo carries nsping's mark), by name under
 * /run/netns; anything else is -EPERM.
 */
#ifndef NSPING_OPENER_H
#define NSPING_OPENER_H

#include <stdint.h>
#include <sys/types.h>

#include "pathsock.h"

struct nsp_opener {
	pid_t pid;
	int sock;
};

/* Forks the opener. Returns 0 or -errno. */
int nsp_opener_start(struct nsp_opener *ret_opener);

/*
 * Opens the sockets of a path in the named netns. ret_netns_id identifies
 * the namespace (its nsfs inode), so a recreated one can be told apart.
 * Returns 0 or the opener's -errno (-ENOENT: no such netns; -EPERM: not a
 * plain name, or not a netns of nsping's).
 */
int nsp_opener_open(struct nsp_opener *o, const char *netns, uint16_t port, uint16_t sport_min,
		    uint16_t sport_max, struct nsp_path_socks *ret_socks, uint64_t *ret_netns_id);

/* Ends the opener and reaps it. */
void nsp_opener_stop(struct nsp_opener *o);

#endif
