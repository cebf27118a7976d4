/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The worker's Prometheus metrics: the text exposition (version 0.0.4) of
 * every target and path, rewritten atomically into a file for node_exporter's
 * textfile collector (--prom-file) and served over HTTP (--prom-listen). The
 * worker hands its targets over once a second; the text is kept in between
 * for the requests that come. The listening socket is opened by cmd_ping.c,
 * in the host netns and before the worker gives up its privileges.
 */
#ifndef NSPING_METRICS_H
#define NSPING_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "pingout.h"

struct nsp_metrics {
	const char *file; /* the textfile, or NULL */
	int listen_fd;	  /* a listening TCP socket for /metrics, or -1 */
	char *text;	  /* the last exposition; NULL before the first */
	size_t len;
};

/* The text exposition for all targets and paths. Pure formatting. */
void nsp_metrics_format(FILE *f, const struct nsp_target_view *targets, size_t n);

/* Whether the metrics go anywhere: a file or a socket. */
bool nsp_metrics_wanted(const struct nsp_metrics *m);
/* The exposition of targets anew, then the file rewritten; the last text stays on failure. */
void nsp_metrics_update(struct nsp_metrics *m, const struct nsp_target_view *targets, size_t n);
/* Answers one connection waiting on listen_fd with the last text. */
void nsp_metrics_serve(const struct nsp_metrics *m);
/* Frees the text; the socket is the caller's. */
void nsp_metrics_free(struct nsp_metrics *m);

#endif
