/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The host netns's ephemeral ports, from its sysctl files: what the plan-time
 * check of ping.sport_min..sport_max (lint.h) compares them with.
 */
#ifndef NSPING_SYSCTL_H
#define NSPING_SYSCTL_H

#include <stddef.h>

#include "observed.h"

/*
 * net.ipv4.ip_local_port_range and ip_local_reserved_ports of the calling
 * thread's netns: a file under /proc/sys/net is the one of the netns its
 * opener is in at open(), so main.c's setns() into --host-netns makes them
 * that netns's. -errno.
 */
int nsp_sysctl_ports(struct nsp_obs_ports *ret);

/* ip_local_port_range's text, "LOW<blank>HIGH\n": 0 or -EINVAL. */
int nsp_port_range_parse(const char *text, struct nsp_port_range *ret);
/*
 * ip_local_reserved_ports's text, "A-B,C,...\n" or empty: 0 or -EINVAL. The
 * first max ranges are kept; *ret_n says how many.
 */
int nsp_port_list_parse(const char *text, struct nsp_port_range *ret, size_t max, size_t *ret_n);

#endif
