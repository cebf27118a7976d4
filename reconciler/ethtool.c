// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>

#include "ethtool.h"

static int ethtool_value(int fd, const char *ifname, __u32 cmd, __u32 *data)
{
	struct ethtool_value v = {.cmd = cmd, .data = *data};
	struct ifreq ifr = {0};

	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	ifr.ifr_data = (void *)&v;
	if (ioctl(fd, SIOCETHTOOL, &ifr) < 0)
		return -errno;
	*data = v.data;
	return 0;
}

int nsp_ethtool_get(int fd, const char *ifname, enum nsp_offload which, bool *ret_on)
{
	__u32 data = 0;
	int r;

	r = ethtool_value(fd, ifname, which == NSP_OFFLOAD_GRO ? ETHTOOL_GGRO : ETHTOOL_GTXCSUM,
			  &data);
	if (r < 0)
		return r;
	*ret_on = data != 0;
	return 0;
}

int nsp_ethtool_set(int fd, const char *ifname, enum nsp_offload which, bool on)
{
	__u32 data = on;

	return ethtool_value(fd, ifname, which == NSP_OFFLOAD_GRO ? ETHTOOL_SGRO : ETHTOOL_STXCSUM,
			     &data);
}

int nsp_ethtool_uplink(int fd, const char *ifname, struct nsp_uplink_offloads *ret)
{
	__u32 gro = 0, flags = 0, tso = 0;
	int r = ethtool_value(fd, ifname, ETHTOOL_GGRO, &gro);

	if (r == 0)
		r = ethtool_value(fd, ifname, ETHTOOL_GFLAGS, &flags);
	if (r == 0)
		r = ethtool_value(fd, ifname, ETHTOOL_GTSO, &tso);
	if (r < 0)
		return r;
	*ret = (struct nsp_uplink_offloads){
		.gro = gro != 0, .lro = (flags & ETH_FLAG_LRO) != 0, .tso = tso != 0};
	return 0;
}
