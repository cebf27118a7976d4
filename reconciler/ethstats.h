/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A driver's own statistics (ethtool -S, through the SIOCETHTOOL ioctl),
 * for diagnose: the XDP transmit errors that no standard counter holds.
 */
#ifndef NSPING_ETHSTATS_H
#define NSPING_ETHSTATS_H

#include <stdbool.h>
#include <stdint.h>

/*
 * Whether a driver statistic counts frames lost on an XDP path: its name
 * says XDP and an error or a drop (veth's tx_queue_0_xdp_xmit_errors and
 * rx_queue_0_xdp_drops, virtio_net's tx_queue_0_xdp_tx_drops, mlx5's
 * tx_xdp_err, ...). Pure.
 */
bool nsp_ethstat_is_xdp_loss(const char *name);

/*
 * The sum of ifname's XDP loss statistics; fd: any AF_INET socket of the
 * interface's netns. -EOPNOTSUPP when the driver has no statistics.
 */
int nsp_ethstats_xdp_loss(int fd, const char *ifname, uint64_t *ret);

#endif
