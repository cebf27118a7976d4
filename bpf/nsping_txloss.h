/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What txloss.bpf.c and run's reconciler/txalarm.c share: the watched
 * devices map (key: ifindex in the host netns, __u32; value: __u8 1) and its
 * size, one device per instance at most.
 */
#ifndef NSPING_TXLOSS_H
#define NSPING_TXLOSS_H

#define NSP_TXLOSS_WATCHED_MAX 64 /* NSP_MAX_INSTANCES */

#endif
