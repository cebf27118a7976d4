// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "ethstats.h"

/* Drivers export hundreds of statistics at most; this bounds what we allocate. */
#define MAX_STATS 4096

bool nsp_ethstat_is_xdp_loss(const char *name)
{
	return !strncmp(name, "tx", 2) && strstr(name, "xdp") &&
	       (strstr(name, "err") || strstr(name, "drop"));
}

static int ethtool(int fd, const char *ifname, void *data)
{
	struct ifreq ifr = {0};

	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	ifr.ifr_data = data;
	return ioctl(fd, SIOCETHTOOL, &ifr) < 0 ? -errno : 0;
}

/* How many statistics the driver has (ETH_SS_STATS). */
static int stats_count(int fd, const char *ifname, uint32_t *ret)
{
	struct {
		struct ethtool_sset_info hdr;
		uint32_t len;
	} info = {.hdr = {.cmd = ETHTOOL_GSSET_INFO, .sset_mask = 1ULL << ETH_SS_STATS}};
	int r = ethtool(fd, ifname, &info);

	if (r < 0)
		return r;
	*ret = info.hdr.sset_mask ? info.len : 0;
	return 0;
}

bool nsp_ethstat_is_veth_xdp_drop(const char *name)
{
	unsigned int queue;
	int end = 0;

	return sscanf(name, "rx_queue_%u_drops%n", &queue, &end) == 1 && end > 0 &&
	       name[end] == '\0';
}

int nsp_ethstats_sum(int fd, const char *ifname, bool (*want)(const char *name), uint64_t *ret)
{
	struct ethtool_gstrings *names = NULL;
	struct ethtool_stats *values = NULL;
	uint32_t n = 0;
	uint64_t sum = 0;
	int r = stats_count(fd, ifname, &n);

	if (r < 0)
		return r;
	if (n == 0 || n > MAX_STATS)
		return -EOPNOTSUPP;
	names = calloc(1, sizeof(*names) + (size_t)n * ETH_GSTRING_LEN);
	values = calloc(1, sizeof(*values) + (size_t)n * sizeof(uint64_t));
	if (!names || !values) {
		r = -ENOMEM;
		goto out;
	}
	*names = (struct ethtool_gstrings){
		.cmd = ETHTOOL_GSTRINGS, .string_set = ETH_SS_STATS, .len = n};
	*values = (struct ethtool_stats){.cmd = ETHTOOL_GSTATS, .n_stats = n};
	r = ethtool(fd, ifname, names);
	if (r == 0)
		r = ethtool(fd, ifname, values);
	if (r < 0)
		goto out;
	/* the driver may answer with fewer than it announced */
	if (names->len < n)
		n = names->len;
	if (values->n_stats < n)
		n = values->n_stats;
	for (uint32_t i = 0; i < n; i++) {
		char name[ETH_GSTRING_LEN + 1];

		memcpy(name, names->data + (size_t)i * ETH_GSTRING_LEN, ETH_GSTRING_LEN);
		name[ETH_GSTRING_LEN] = '\0';
		if (want(name))
			sum += values->data[i];
	}
	*ret = sum;
out:
	free(names);
	free(values);
	return r;
}
