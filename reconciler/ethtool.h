/* SPDX-License-Identifier: GPL-2.0-only */
/* The two offload switches nsping owns, through the SIOCETHTOOL ioctl. */
#ifndef NSPING_ETHTOOL_H
#define NSPING_ETHTOOL_H

#include <stdbool.h>

enum nsp_offload { NSP_OFFLOAD_GRO, NSP_OFFLOAD_TX_CHECKSUM };

/* fd: any AF_INET socket made in the interface's netns. */
int nsp_ethtool_get(int fd, const char *ifname, enum nsp_offload which, bool *ret_on);
int nsp_ethtool_set(int fd, const char *ifname, enum nsp_offload which, bool on);

#endif
