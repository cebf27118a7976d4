/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The netdev generic-netlink family (Linux 6.3 and later): which XDP actions
 * a device's driver offers (NETDEV_A_DEV_XDP_FEATURES), for the plan-time
 * checks (lint.h). A read only; the flags are observed.h's NSP_XDP_ACT_*.
 */
#ifndef NSPING_NETDEV_H
#define NSPING_NETDEV_H

#include <stdbool.h>
#include <stdint.h>

struct nsp_netdev {
	int fd;		 /* NETLINK_GENERIC, in the netns it was opened in; -1 */
	uint16_t family; /* the netdev family's id */
};

/*
 * A socket in the calling thread's netns and the family's id; -ENOENT when
 * the kernel has no netdev family (before 6.3).
 */
int nsp_netdev_open(struct nsp_netdev *nd);
void nsp_netdev_close(struct nsp_netdev *nd);
/* NETDEV_CMD_DEV_GET of ifindex: its xdp-features (NETDEV_XDP_ACT_*); -ENODEV: no such link. */
int nsp_netdev_xdp_features(struct nsp_netdev *nd, int ifindex, uint64_t *ret_flags);

#endif
