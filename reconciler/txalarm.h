/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * run's alarm for probes lost in transmit (bpf/txloss.bpf.c): two tracepoint
 * programs, attached while run runs, raise it when an XDP frame redirected
 * from a watched device (the host-side veths where tx_ping runs) is lost.
 * run then reads tx_ping's and the uplink's counters (txwatch.h) and goes on
 * reading them while the path fails, instead of reading them a few times a
 * second for ever: an idle run wakes no more than the worker alone.
 * Plain values and -errno, in the calling thread's netns (the host's).
 */
#ifndef NSPING_TXALARM_H
#define NSPING_TXALARM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct nsp_txalarm;

/*
 * Load and attach the programs: -errno when the kernel cannot (no BTF, no
 * such tracepoint, not allowed); run then reads the counters on a timer.
 */
int nsp_txalarm_open(struct nsp_txalarm **ret);
/* Readable (epoll) when an alarm was raised. */
int nsp_txalarm_fd(const struct nsp_txalarm *a);
/*
 * Watch exactly these devices (ifindexes, 0s ignored) from now on. On an
 * error, close the alarm: what it watches is then not known.
 */
int nsp_txalarm_watch(struct nsp_txalarm *a, const uint32_t *ifindexes, size_t n);
/*
 * Arm: the next loss from now on raises an alarm. Once raised, it stays
 * raised (silent) until armed again: arm just before reading the counters.
 */
void nsp_txalarm_arm(struct nsp_txalarm *a);
/* Whether an alarm was raised since the last call; empties the fd. */
bool nsp_txalarm_take(struct nsp_txalarm *a);
void nsp_txalarm_close(struct nsp_txalarm *a);

#endif
