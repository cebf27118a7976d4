/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What nsping.bpf.h and reconciler/xdp.c share about uplink_now, the
 * uplink's ifindex that run may rewrite in place: the section that holds it,
 * a map of its own (the monitor's state, written by the program, has
 * another).
 */
#ifndef NSPING_UPLINK_H
#define NSPING_UPLINK_H

#define NSP_UPLINK_SEC ".data.uplink"

#endif
