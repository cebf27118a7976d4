// SPDX-License-Identifier: GPL-2.0-only
/* The Prometheus text, its file and its HTTP endpoint; see metrics.h. */
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "addr.h"
#include "filereplace.h"
#include "metrics.h"

struct metric {
	const char *name;
	const char *type;
	const char *help;
};

static const struct metric metrics[] = {
	{"nsping_probes_sent_total", "counter", "Probes sent."},
	{"nsping_probes_answered_total", "counter", "Probes answered with a SYN-ACK."},
	{"nsping_probes_closed_total", "counter", "Probes answered with a RST (port closed)."},
	{"nsping_probes_unreachable_total", "counter", "Probes answered with an ICMP error."},
	{"nsping_probes_timeout_total", "counter", "Probes with no answer within timeout_ms."},
	{"nsping_replies_late_total", "counter", "SYN-ACKs that came after their timeout."},
	{"nsping_replies_duplicate_total", "counter", "Second and later SYN-ACKs to one probe."},
	{"nsping_rtt_last_seconds", "gauge", "RTT of the last answered probe."},
	{"nsping_rtt_min_seconds", "gauge", "Lowest RTT since start."},
	{"nsping_rtt_avg_seconds", "gauge", "Mean RTT since start."},
	{"nsping_rtt_max_seconds", "gauge", "Highest RTT since start."},
	{"nsping_target_up", "gauge", "1 if the target is up (hysteresis applied), else 0."},
	{"nsping_path_up", "gauge", "1 if the probe path of the instance works, else 0."},
	{"nsping_repairs_total", "counter",
	 "Repairs of the instance's datapath by nsping run (drift put back)."},
};

/* The metrics of an instance, not of a target: the last ones of the table. */
#define FIRST_PER_INSTANCE 12

/* Counters are printed as exact integers; a double rounds past 2^53 digits' worth. */
static uint64_t counter_value(size_t m, const struct nsp_target_stats *s)
{
	const uint64_t v[] = {s->sent,	   s->received, s->closed,   s->unreachable,
			      s->timeouts, s->late,	s->duplicate};

	return m < sizeof(v) / sizeof(v[0]) ? v[m] : 0;
}

static double gauge_value(size_t m, const struct nsp_target_view *t)
{
	const struct nsp_target_stats *s = t->stats;

	switch (m) {
	case 7:
		return (double)s->rtt_last_us / 1e6;
	case 8:
		return (double)s->rtt_min_us / 1e6;
	case 9:
		return (double)nsp_stats_avg_us(s) / 1e6;
	case 10:
		return (double)s->rtt_max_us / 1e6;
	case 11:
		return s->state == NSP_TARGET_UP;
	default:
		return t->path_up;
	}
}

static void print_sample(FILE *f, size_t m, const struct nsp_target_view *t)
{
	char ip[NSP_IPV4_STRLEN];

	fprintf(f, "%s{instance=\"%s\",target=\"%s\"} ", metrics[m].name, t->instance,
		nsp_ipv4_format(t->target, ip));
	if (!strcmp(metrics[m].type, "counter"))
		fprintf(f, "%llu\n", (unsigned long long)counter_value(m, t->stats));
	else
		fprintf(f, "%.9g\n", gauge_value(m, t));
}

void nsp_metrics_format(FILE *f, const struct nsp_target_view *targets, size_t n)
{
	size_t m, i;

	/* Instance and target names are [a-z0-9_-] and dotted quads: no escaping. */
	for (m = 0; m < sizeof(metrics) / sizeof(metrics[0]); m++) {
		const char *last = NULL;

		fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", metrics[m].name, metrics[m].help,
			metrics[m].name, metrics[m].type);
		for (i = 0; i < n; i++) {
			const struct nsp_target_view *t = &targets[i];

			if (m >= FIRST_PER_INSTANCE) {
				if (last == t->instance)
					continue; /* one per instance */
				last = t->instance;
				fprintf(f, "%s{instance=\"%s\"} %llu\n", metrics[m].name,
					t->instance,
					m == FIRST_PER_INSTANCE ? (unsigned long long)t->path_up
								: (unsigned long long)t->repairs);
				continue;
			}
			print_sample(f, m, t);
		}
	}
}

bool nsp_metrics_wanted(const struct nsp_metrics *m)
{
	return m->file || m->listen_fd >= 0;
}

void nsp_metrics_update(struct nsp_metrics *m, const struct nsp_target_view *targets, size_t n)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	if (f) {
		nsp_metrics_format(f, targets, n);
		fclose(f);
		free(m->text);
		m->text = text;
		m->len = len;
	}
	/* The node_exporter textfile convention: write aside, then rename over. */
	if (m->file && m->text)
		nsp_file_replace(m->file, m->text, m->len);
}

void nsp_metrics_serve(const struct nsp_metrics *m)
{
	static const char head[] = "HTTP/1.0 200 OK\r\n"
				   "Content-Type: text/plain; version=0.0.4\r\n"
				   "Connection: close\r\n\r\n";
	struct timeval tv = {.tv_sec = 1};
	char req[1024];
	int c;

	c = accept4(m->listen_fd, NULL, NULL, SOCK_CLOEXEC);
	if (c < 0)
		return;
	setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(c, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	/* Any request gets the metrics; read it so the close does not reset. */
	(void)!recv(c, req, sizeof(req), 0);
	if (send(c, head, sizeof(head) - 1, MSG_NOSIGNAL) > 0 && m->text)
		(void)!send(c, m->text, m->len, MSG_NOSIGNAL);
	close(c);
}

void nsp_metrics_free(struct nsp_metrics *m)
{
	free(m->text);
	m->text = NULL;
	m->len = 0;
}
