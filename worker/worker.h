/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The ping worker: probes every target of every instance through a raw
 * socket inside the instance's netns, in one thread (epoll, timerfd).
 */
#ifndef NSPING_WORKER_H
#define NSPING_WORKER_H

#include <stdbool.h>
#include <stdint.h>

#include "desired.h"

#define NSP_DEFAULT_MAX_RATE 100000 /* probes per second, all targets together */

struct nsp_worker_options {
	long count;	       /* rounds per target; 0: until SIGTERM */
	bool json;	       /* JSON lines instead of text */
	int verbosity;	       /* 0 quiet (summaries), 1 normal, 2 verbose */
	uint32_t max_rate;     /* global cap, probes per second */
	const char *prom_file; /* Prometheus textfile, rewritten atomically */
	int prom_listen_fd;    /* a listening TCP socket for /metrics, or -1 */
	const char *state_dir; /* where `status` finds the worker's state (workerstate.h) */
	int ctl_fd;	       /* run: messages from the reconciler (ctl.h), or -1 */
	const char *config;    /* the file, read again on SIGHUP when there is no ctl_fd */
};

/*
 * Runs until count rounds are done or SIGINT/SIGTERM. Capabilities are
 * dropped once the opener is running. Returns an exit code of SPEC.md: with
 * a count, 0 iff every target answered at least one probe; without, 0 on a
 * clean stop.
 */
int nsp_worker_run(const struct nsp_config *cfg, const struct nsp_worker_options *o);

#endif
