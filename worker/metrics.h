/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The worker's Prometheus metrics: the text exposition (version 0.0.4) of
 * every target and path, rewritten atomically into a file for node_exporter's
 * textfile collector (--prom-file) and served over HTTP (--prom-listen).
 *
 * None of it runs in the probe loop but a copy. Once a second the loop hands
 * over a copy of its numbers (nsp_metrics_update: a memcpy and a pointer swap
 * under a lock no other thread holds for longer than a swap); the formatter
 * thread turns the latest copy into the text, rewrites the file and publishes
 * the text as an immutable, reference-counted snapshot; libmicrohttpd's own
 * thread answers GET and HEAD /metrics with the snapshot of the moment. The
 * listening socket is opened by cmd_ping.c, in the host netns and before the
 * worker gives up its privileges; the threads start after that.
 */
#ifndef NSPING_METRICS_H
#define NSPING_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "desired.h"
#include "pingout.h"

/* A probe that leaves later than its time by more than this is late. */
#define NSP_METRICS_LATE_NS (10 * 1000000ULL)

/* The HTTP server's limits (documented in nsping(8)). */
#define NSP_HTTP_CONNECTIONS_MAX 128	     /* open at once; more wait in the backlog */
#define NSP_HTTP_IDLE_TIMEOUT_S	 10	     /* a connection silent this long is closed */
#define NSP_HTTP_MEMORY		 (16 * 1024) /* per connection: caps a request's head */
#define NSP_HTTP_SNAPSHOTS_MAX	 4	     /* texts kept alive by slow readers, at most */

/* One instance's numbers at one moment. */
struct nsp_metrics_instance {
	char name[NSP_NAME_MAX + 1];
	bool path_up;
	enum nsp_path_cause cause; /* why the path is down; none while up */
	uint64_t repairs;
};

/* One target's numbers at one moment: a copy, owned by the snapshot. */
struct nsp_metrics_target {
	uint32_t instance; /* index into nsp_metrics_data.instances */
	uint32_t target;   /* network order */
	struct nsp_target_stats stats;
};

/* What the text is made of: a copy of the worker's numbers, no pointer into them. */
struct nsp_metrics_data {
	size_t n_instances;
	struct nsp_metrics_instance instances[NSP_MAX_INSTANCES];
	size_t n_targets, cap;
	struct nsp_metrics_target *targets;
};

struct nsp_metrics_server;

struct nsp_metrics {
	const char *file; /* the textfile, or NULL */
	int listen_fd;	  /* a listening TCP socket for /metrics, or -1; the caller's */
	struct nsp_metrics_server *srv; /* the threads, once started */
};

/* Copies the views into d (instances in order of first appearance); -ENOMEM. */
int nsp_metrics_collect(struct nsp_metrics_data *d, const struct nsp_target_view *v, size_t n);
void nsp_metrics_data_free(struct nsp_metrics_data *d);
/* A text exposition: len bytes at p, not NUL-terminated, in cap bytes malloc'ed. */
struct nsp_metrics_text {
	char *p;
	size_t len, cap;
};

/*
 * The text exposition of d into t, over what t held, in its memory (grown if
 * need be): 10,000 targets make 30 MB, formatted every second. Touches
 * nothing but t; -ENOMEM (t->len is then 0; t->p stays the caller's to free).
 */
int nsp_metrics_format(const struct nsp_metrics_data *d, struct nsp_metrics_text *t);

/* Whether the metrics go anywhere: a file or a socket. */
bool nsp_metrics_wanted(const struct nsp_metrics *m);
/*
 * Starts the formatter thread and, with a listen_fd, the HTTP server. Call
 * it once the worker has dropped its privileges: threads inherit them.
 */
int nsp_metrics_start(struct nsp_metrics *m);
/*
 * From the probe loop: hands a copy of the targets to the formatter, which
 * formats the latest one it has (never a stale one after a fresher). Before
 * nsp_metrics_start, formats and writes the file in the caller.
 */
void nsp_metrics_update(struct nsp_metrics *m, const struct nsp_target_view *v, size_t n);
/*
 * Formats and writes what was handed over last, then stops the threads and
 * the server. The listening socket stays open: it is the caller's.
 */
void nsp_metrics_free(struct nsp_metrics *m);

#endif
