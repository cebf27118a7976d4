/* SPDX-License-Identifier: GPL-2.0-only */
/* The two offload switches nsping owns, through the SIOCETHTOOL ioctl. */
#ifndef NSPING_ETHTOOL_H
#define NSPING_ETHTOOL_H

#include <stdbool.h>

enum nsp_offload { NSP_OFFLOAD_GRO, NSP_OFFLOAD_TX_CHECKSUM };

/* fd: any AF_INET socket made in the interface's netns. */
int nsp_ethtool_get(int fd, const char *ifname, enum nsp_offload which, bool *ret_on);
int nsp_ethtool_set(int fd, const char *ifname, enum nsp_offload which, bool on);

/*
 * The uplink's receive-side offloads that an XDP program can cost it (read
 * only): GRO, LRO (virtio_net and several NIC drivers turn it off under XDP)
 * and TSO, for status and for apply to tell what an attach changed.
 */
struct nsp_uplink_offloads {
	bool gro, lro, tso;
};
int nsp_ethtool_uplink(int fd, const char *ifname, struct nsp_uplink_offloads *ret);

#endif
