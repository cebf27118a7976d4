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
 * Whether a driver statistic counts frames lost on an XDP transmit (a
 * redirect into this device): its name starts with tx and says XDP and an
 * error or a drop (veth's tx_queue_0_xdp_xmit_errors, virtio_net's
 * tx_queue_0_xdp_tx_drops, mlx5's tx_xdp_err, ...). Receive-side XDP
 * statistics (XDP_DROP verdicts, XDP_TX failures) are not: nsping's programs
 * neither drop nor bounce. Pure.
 */
bool nsp_ethstat_is_xdp_loss(const char *name);

/*
 * Whether a veth statistic counts frames that its XDP program's verdict
 * could not carry out (rx_queue_0_drops: a redirect that the target refused,
 * an aborted program). On the host-side veth, where tx_ping runs, that is
 * a probe the uplink would not take. Pure.
 */
bool nsp_ethstat_is_veth_xdp_drop(const char *name);

/*
 * The sum of ifname's statistics that want() picks; fd: any AF_INET socket
 * of the interface's netns. -EOPNOTSUPP when the driver has no statistics.
 */
int nsp_ethstats_sum(int fd, const char *ifname, bool (*want)(const char *name), uint64_t *ret);

#endif
