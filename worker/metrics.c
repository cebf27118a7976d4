// SPDX-License-Identifier: GPL-2.0-only
/* The Prometheus text, its file and its HTTP endpoint; see metrics.h. */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "addr.h"
#include "filereplace.h"
#include "httplib.h"
#include "metrics.h"

#ifndef NSPING_VERSION
#define NSPING_VERSION "unknown"
#endif

/* ---- the copy ---- */

int nsp_metrics_collect(struct nsp_metrics_data *d, const struct nsp_target_view *v, size_t n)
{
	const char *last = NULL;
	uint32_t inst = 0;

	if (n > d->cap) {
		struct nsp_metrics_target *t = realloc(d->targets, n * sizeof(*t));

		if (!t)
			return -ENOMEM;
		d->targets = t;
		d->cap = n;
	}
	d->n_instances = 0;
	d->n_targets = n;
	for (size_t i = 0; i < n; i++) {
		if (v[i].instance != last) {
			last = v[i].instance;
			for (inst = 0; inst < d->n_instances; inst++)
				if (!strcmp(d->instances[inst].name, last))
					break;
			if (inst == d->n_instances && inst < NSP_MAX_INSTANCES) {
				struct nsp_metrics_instance *mi = &d->instances[d->n_instances++];

				snprintf(mi->name, sizeof(mi->name), "%s", last);
				mi->path_up = v[i].path_up;
				mi->cause = v[i].path_cause;
				mi->repairs = v[i].repairs;
			}
		}
		d->targets[i] = (struct nsp_metrics_target){
			.instance = inst < d->n_instances ? inst : 0,
			.target = v[i].target,
			.stats = *v[i].stats,
		};
	}
	return 0;
}

void nsp_metrics_data_free(struct nsp_metrics_data *d)
{
	free(d->targets);
	*d = (struct nsp_metrics_data){0};
}

/* ---- the text ---- */

/*
 * Appending to the caller's text, grown as needed, with its own number
 * printing: the text of 10,000 targets is about 330,000 lines, each with a
 * number or two, and printf(3) parses its format string every time.
 */
struct outbuf {
	struct nsp_metrics_text *t;
	bool failed;
};

static bool ob_room(struct outbuf *b, size_t n)
{
	if (b->failed)
		return false;
	if (b->t->len + n > b->t->cap) {
		size_t cap = b->t->cap ? b->t->cap : 4096;
		char *p;

		while (cap < b->t->len + n)
			cap *= 2;
		p = realloc(b->t->p, cap);
		if (!p) {
			b->failed = true;
			return false;
		}
		b->t->p = p;
		b->t->cap = cap;
	}
	return true;
}

static void ob_put(struct outbuf *b, const char *s, size_t n)
{
	if (ob_room(b, n)) {
		memcpy(b->t->p + b->t->len, s, n);
		b->t->len += n;
	}
}

static void ob_str(struct outbuf *b, const char *s)
{
	ob_put(b, s, strlen(s));
}

static void ob_u64(struct outbuf *b, uint64_t v)
{
	char d[20];
	size_t i = sizeof(d);

	do {
		d[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	ob_put(b, d + i, sizeof(d) - i);
}

/* Microseconds as seconds, exactly: 1234 -> 0.001234, 2000000 -> 2. */
static void ob_seconds(struct outbuf *b, uint64_t us)
{
	char frac[8];
	int n;

	ob_u64(b, us / 1000000);
	if (us % 1000000 == 0)
		return;
	n = snprintf(frac, sizeof(frac), ".%06u", (unsigned int)(us % 1000000));
	while (frac[n - 1] == '0')
		n--;
	ob_put(b, frac, (size_t)n);
}

/* A label value: backslash, double quote and newline escaped. */
static void ob_label_value(struct outbuf *b, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\' || *s == '"')
			ob_put(b, "\\", 1);
		if (*s == '\n')
			ob_put(b, "\\n", 2);
		else
			ob_put(b, s, 1);
	}
}

struct family {
	const char *name;
	const char *type;
	const char *help;
};

enum fam {
	F_BUILD_INFO,
	F_SENT,
	F_PROBES,
	F_LATE,
	F_DUPLICATE,
	F_PATH_DOWN,
	F_RTT,
	F_SUCCESS,
	F_TARGET_UP,
	F_PATH_UP,
	F_PATH_CAUSE,
	F_REPAIRS,
	F_SENT_LATE,
	N_FAMILIES
};

/* The names, types and labels are nsping's interface: README and nsping(8) list them. */
static const struct family families[N_FAMILIES] = {
	[F_BUILD_INFO] = {"nsping_build_info", "gauge", "Always 1; the version of nsping."},
	[F_SENT] = {"nsping_probes_sent_total", "counter", "Probes sent to the target."},
	[F_PROBES] = {"nsping_probes_total", "counter",
		      "Probes that ended, by result: answered (SYN-ACK), closed (RST), "
		      "unreachable and time_exceeded (ICMP errors), timeout (no answer "
		      "within timeout_ms)."},
	[F_LATE] = {"nsping_replies_late_total", "counter",
		    "SYN-ACKs that came after their probe's timeout."},
	[F_DUPLICATE] = {"nsping_replies_duplicate_total", "counter",
			 "Second and later SYN-ACKs to one probe."},
	[F_PATH_DOWN] = {"nsping_probes_path_down_total", "counter",
			 "Probe rounds not counted because the instance's path was down."},
	[F_RTT] = {"nsping_rtt_seconds", "histogram",
		   "Round-trip time of the answered probes, from kernel timestamps."},
	[F_SUCCESS] = {"nsping_probe_success", "gauge",
		       "1 if the target's last probe that ended was answered, else 0."},
	[F_TARGET_UP] = {"nsping_target_up", "gauge",
			 "1 if the target is up (down_after misses, up_after answers), else 0."},
	[F_PATH_UP] = {"nsping_path_up", "gauge",
		       "1 if the probe path of the instance works, else 0."},
	[F_PATH_CAUSE] = {"nsping_path_cause", "gauge",
			  "Always 1; the label cause says why the instance's path is down "
			  "(none while it is up)."},
	[F_REPAIRS] = {"nsping_repairs_total", "counter",
		       "Repairs of the instance's datapath by nsping run (drift put back)."},
	[F_SENT_LATE] = {"nsping_probes_sent_late_total", "counter",
			 "Probes sent more than 10 ms after their time (the worker was held up)."},
};

/* What the formatting needs besides the data: the label texts made once per call. */
struct fmt {
	struct outbuf b;
	const struct nsp_metrics_data *d;
	char (*labels)[64]; /* each target's: nsping_instance="gw1",target="10.99.0.1" */
	uint8_t *labels_len;
	char le[NSP_RTT_BUCKETS][24]; /* le="1e-05" */
};

static void head(struct outbuf *b, enum fam f)
{
	ob_str(b, "# HELP ");
	ob_str(b, families[f].name);
	ob_put(b, " ", 1);
	ob_str(b, families[f].help);
	ob_str(b, "\n# TYPE ");
	ob_str(b, families[f].name);
	ob_put(b, " ", 1);
	ob_str(b, families[f].type);
	ob_put(b, "\n", 1);
}

/* NAME[SUFFIX]{LABELS[,EXTRA]} VALUE */
static void sample(struct outbuf *b, enum fam f, const char *suffix, const char *labels,
		   size_t labels_len, const char *extra, uint64_t value)
{
	ob_str(b, families[f].name);
	ob_str(b, suffix);
	ob_put(b, "{", 1);
	ob_put(b, labels, labels_len);
	if (extra) {
		ob_put(b, ",", 1);
		ob_str(b, extra);
	}
	ob_put(b, "} ", 2);
	ob_u64(b, value);
	ob_put(b, "\n", 1);
}

static void rtt_histogram(struct fmt *x, const char *labels, size_t labels_len,
			  const struct nsp_target_stats *s)
{
	struct outbuf *b = &x->b;
	uint64_t cum = 0;

	for (size_t i = 0; i < NSP_RTT_BUCKETS; i++) {
		cum += s->rtt_bucket[i];
		sample(b, F_RTT, "_bucket", labels, labels_len, x->le[i], cum);
	}
	sample(b, F_RTT, "_bucket", labels, labels_len, "le=\"+Inf\"", s->received);
	ob_str(b, "nsping_rtt_seconds_sum{");
	ob_put(b, labels, labels_len);
	ob_put(b, "} ", 2);
	ob_seconds(b, s->rtt_sum_us);
	ob_put(b, "\n", 1);
	sample(b, F_RTT, "_count", labels, labels_len, NULL, s->received);
}

/* nsping_probes_total's result label; unreachable counts both ICMP kinds in pingstat. */
static const char *const result_labels[] = {
	"result=\"answered\"",	    "result=\"closed\"",  "result=\"unreachable\"",
	"result=\"time_exceeded\"", "result=\"timeout\"",
};

static void probes_by_result(struct outbuf *b, const char *labels, size_t labels_len,
			     const struct nsp_target_stats *s)
{
	const uint64_t v[] = {s->received, s->closed, s->unreachable - s->time_exceeded,
			      s->time_exceeded, s->timeouts};

	for (size_t r = 0; r < sizeof(v) / sizeof(v[0]); r++)
		sample(b, F_PROBES, "", labels, labels_len, result_labels[r], v[r]);
}

static void target_family(struct fmt *x, enum fam f)
{
	struct outbuf *b = &x->b;

	head(b, f);
	for (size_t i = 0; i < x->d->n_targets; i++) {
		const struct nsp_target_stats *s = &x->d->targets[i].stats;
		const char *l = x->labels[i];
		size_t n = x->labels_len[i];

		switch (f) {
		case F_SENT:
			sample(b, f, "", l, n, NULL, s->sent);
			break;
		case F_PROBES:
			probes_by_result(b, l, n, s);
			break;
		case F_LATE:
			sample(b, f, "", l, n, NULL, s->late);
			break;
		case F_DUPLICATE:
			sample(b, f, "", l, n, NULL, s->duplicate);
			break;
		case F_PATH_DOWN:
			sample(b, f, "", l, n, NULL, s->path_down);
			break;
		case F_RTT:
			rtt_histogram(x, l, n, s);
			break;
		case F_SUCCESS:
			/* ok_run counts the answers in a row: not 0 iff the last probe answered */
			sample(b, f, "", l, n, NULL, s->ok_run > 0);
			break;
		case F_TARGET_UP:
			sample(b, f, "", l, n, NULL, s->state == NSP_TARGET_UP);
			break;
		default:
			break;
		}
	}
}

static void instance_family(struct fmt *x, enum fam f)
{
	const struct nsp_metrics_data *d = x->d;

	head(&x->b, f);
	for (size_t i = 0; i < d->n_instances; i++) {
		const struct nsp_metrics_instance *mi = &d->instances[i];
		char labels[48], cause[48];
		uint64_t v = 0;
		int n = snprintf(labels, sizeof(labels), "nsping_instance=\"%s\"", mi->name);

		if (f == F_PATH_CAUSE) {
			snprintf(cause, sizeof(cause), "cause=\"%s\"",
				 nsp_path_cause_name(mi->cause));
			sample(&x->b, f, "", labels, (size_t)n, cause, 1);
			continue;
		}
		if (f == F_PATH_UP)
			v = mi->path_up;
		else if (f == F_REPAIRS)
			v = mi->repairs;
		else
			for (size_t t = 0; t < d->n_targets; t++)
				if (d->targets[t].instance == i)
					v += d->targets[t].stats.sent_late;
		sample(&x->b, f, "", labels, (size_t)n, NULL, v);
	}
}

int nsp_metrics_format(const struct nsp_metrics_data *d, struct nsp_metrics_text *t)
{
	struct fmt x = {.b = {.t = t}, .d = d};
	size_t n = d->n_targets ? d->n_targets : 1;

	t->len = 0;
	x.labels = malloc(n * sizeof(*x.labels));
	x.labels_len = malloc(n);
	if (!x.labels || !x.labels_len) {
		free(x.labels);
		free(x.labels_len);
		return -ENOMEM;
	}
	/* instance names are [a-z0-9_-] (config.c): nothing to escape */
	for (size_t i = 0; i < d->n_targets; i++) {
		char ip[NSP_IPV4_STRLEN];
		int len = snprintf(x.labels[i], sizeof(x.labels[i]),
				   "nsping_instance=\"%s\",target=\"%s\"",
				   d->instances[d->targets[i].instance].name,
				   nsp_ipv4_format(d->targets[i].target, ip));

		x.labels_len[i] = (uint8_t)len;
	}
	for (size_t i = 0; i < NSP_RTT_BUCKETS; i++)
		snprintf(x.le[i], sizeof(x.le[i]), "le=\"%g\"", nsp_rtt_bucket_le_us[i] / 1e6);
	/* a first guess of the size: 3 kB a target */
	ob_room(&x.b, 4096 + d->n_targets * 3072);

	head(&x.b, F_BUILD_INFO);
	ob_str(&x.b, "nsping_build_info{version=\"");
	ob_label_value(&x.b, NSPING_VERSION);
	ob_str(&x.b, "\"} 1\n");
	for (enum fam f = F_SENT; f <= F_TARGET_UP; f++)
		target_family(&x, f);
	for (enum fam f = F_PATH_UP; f < N_FAMILIES; f++)
		instance_family(&x, f);
	free(x.labels);
	free(x.labels_len);
	if (x.b.failed) {
		t->len = 0; /* t->p: realloc(3) that failed left it as it was */
		return -ENOMEM;
	}
	return 0;
}

/* ---- the snapshot: a text that never changes, given back by its last reader ---- */

struct snapshot {
	atomic_uint refs;
	atomic_uint *alive; /* the server's count of snapshots out with readers */
	_Atomic(struct snapshot *) *given_back; /* the server's slot of one to format into */
	struct nsp_metrics_text text;
};

static void snapshot_free(struct snapshot *s)
{
	if (s) {
		free(s->text.p);
		free(s);
	}
}

/*
 * The formatter's next text goes into the memory of a snapshot nobody reads
 * any more: the 30 MB of 10,000 targets are then not allocated, faulted in
 * and freed every second. One is kept; another given back is freed.
 */
static void snapshot_give_back(struct snapshot *s)
{
	snapshot_free(atomic_exchange(s->given_back, s));
}

static void snapshot_put(void *cls)
{
	struct snapshot *s = cls;

	if (s && atomic_fetch_sub(&s->refs, 1) == 1) {
		atomic_fetch_sub(s->alive, 1);
		snapshot_give_back(s);
	}
}

/* ---- the threads ---- */

/*
 * The metrics threads give way to the probe loop: on a busy host, a thread
 * of the same weight formatting the text of thousands of targets may be run
 * when the loop is due. Raising one's own nice value needs no privilege, and
 * Linux keeps it per thread.
 */
#define METRICS_NICE 10 /* above the loop's, which a new thread starts with */

static void yield_to_the_loop(void)
{
	static __thread bool done;
	int nice;

	if (done)
		return;
	done = true;
	errno = 0;
	nice = getpriority(PRIO_PROCESS, (id_t)gettid());
	if (errno == 0)
		(void)!setpriority(PRIO_PROCESS, (id_t)gettid(),
				   nice + METRICS_NICE < 19 ? nice + METRICS_NICE : 19);
}

struct nsp_metrics_server {
	const char *file;
	bool file_failed; /* said once */

	/* the hand-over: the worker fills spare, swaps it with pending, signals */
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct nsp_metrics_data bufs[3];
	struct nsp_metrics_data *spare, *pending, *work;
	bool ready, stop;
	pthread_t formatter;
	bool formatter_running;

	/* what the HTTP thread serves; the lock guards the pointer and a reference taken */
	pthread_mutex_t snap_lock;
	struct snapshot *snap;
	atomic_uint alive;
	_Atomic(struct snapshot *) given_back; /* a snapshot to format into */
	const struct nsp_httplib *http;	       /* libmicrohttpd, when it serves */
	struct MHD_Daemon *mhd;
	struct MHD_Response *not_found, *not_allowed, *unavailable;
};

/*
 * A client that reads slowly keeps the snapshot it is sent, and one that
 * came a second later another: past NSP_HTTP_SNAPSHOTS_MAX of them alive, the
 * server goes on serving the current one (older by a second each second)
 * until they are done, rather than hold a text per slow client.
 */
static void publish(struct nsp_metrics_server *s, struct snapshot *snap)
{
	struct snapshot *old;

	if (atomic_load(&s->alive) >= NSP_HTTP_SNAPSHOTS_MAX) {
		snapshot_give_back(snap);
		return;
	}
	atomic_fetch_add(&s->alive, 1);
	atomic_init(&snap->refs, 1);
	pthread_mutex_lock(&s->snap_lock);
	old = s->snap;
	s->snap = snap;
	pthread_mutex_unlock(&s->snap_lock);
	snapshot_put(old);
}

/* The text of d, into the file and, with a server, out to its readers. */
static void render(struct nsp_metrics_server *s, const struct nsp_metrics_data *d)
{
	struct snapshot *snap = atomic_exchange(&s->given_back, NULL);
	int err = 0;

	if (!snap)
		snap = calloc(1, sizeof(*snap));
	if (!snap)
		err = -ENOMEM;
	else
		err = nsp_metrics_format(d, &snap->text);
	/* The node_exporter textfile convention: write aside, then rename over. */
	if (!err && s->file)
		err = nsp_file_replace(s->file, snap->text.p, snap->text.len);
	if (err && !s->file_failed) {
		fprintf(stderr, "nsping: ping: metrics%s%s: %s\n", s->file ? " file " : "",
			s->file ? s->file : "", strerror(-err));
		s->file_failed = true;
	}
	if (!snap)
		return;
	snap->alive = &s->alive;
	snap->given_back = &s->given_back;
	if (s->mhd && snap->text.len)
		publish(s, snap);
	else
		snapshot_give_back(snap);
}

static void *formatter(void *arg)
{
	struct nsp_metrics_server *s = arg;

	yield_to_the_loop();
	pthread_mutex_lock(&s->lock);
	for (;;) {
		struct nsp_metrics_data *d;

		while (!s->ready && !s->stop)
			pthread_cond_wait(&s->cond, &s->lock);
		if (!s->ready)
			break; /* stopped, and nothing left to write */
		d = s->pending;
		s->pending = s->work;
		s->work = d;
		s->ready = false;
		pthread_mutex_unlock(&s->lock);
		render(s, d);
		pthread_mutex_lock(&s->lock);
	}
	pthread_mutex_unlock(&s->lock);
	return NULL;
}

/* ---- HTTP: libmicrohttpd calls this from its thread ---- */

static enum MHD_Result queue(const struct nsp_metrics_server *s, struct MHD_Connection *c,
			     unsigned int status, struct MHD_Response *r)
{
	return r ? s->http->queue_response(c, status, r) : MHD_NO;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version, const char *upload_data,
				  size_t *upload_data_size, void **req_cls)
{
	struct nsp_metrics_server *s = cls;
	struct MHD_Response *r;
	struct snapshot *snap;
	enum MHD_Result ret;

	(void)version, (void)upload_data, (void)upload_data_size, (void)req_cls;
	yield_to_the_loop(); /* libmicrohttpd's thread: the first request sets it */
	/* Answered at once, before any body: a body is never read, only discarded. */
	if (strcmp(url, "/metrics"))
		return queue(s, c, MHD_HTTP_NOT_FOUND, s->not_found);
	if (strcmp(method, MHD_HTTP_METHOD_GET) && strcmp(method, MHD_HTTP_METHOD_HEAD))
		return queue(s, c, MHD_HTTP_METHOD_NOT_ALLOWED, s->not_allowed);
	pthread_mutex_lock(&s->snap_lock);
	snap = s->snap;
	if (snap)
		atomic_fetch_add(&snap->refs, 1);
	pthread_mutex_unlock(&s->snap_lock);
	if (!snap)
		return queue(s, c, MHD_HTTP_SERVICE_UNAVAILABLE, s->unavailable);
	/* The response reads the snapshot in place; its last reader gives it back. */
	r = s->http->create_response_with_free(snap->text.len, snap->text.p, snapshot_put, snap);
	if (!r) {
		snapshot_put(snap);
		return MHD_NO;
	}
	s->http->add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
				     "text/plain; version=0.0.4; charset=utf-8");
	ret = s->http->queue_response(c, MHD_HTTP_OK, r);
	s->http->destroy_response(r);
	return ret;
}

static struct MHD_Response *fixed_response(const struct nsp_httplib *http, const char *text,
					   const char *header, const char *value)
{
	struct MHD_Response *r = http->create_response_from_buffer(strlen(text), (void *)text,
								   MHD_RESPMEM_PERSISTENT);

	if (r && (http->add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
					    "text/plain; charset=utf-8") != MHD_YES ||
		  (header && http->add_response_header(r, header, value) != MHD_YES))) {
		http->destroy_response(r);
		r = NULL;
	}
	return r;
}

static int http_start(struct nsp_metrics_server *s, int fd)
{
	const struct nsp_httplib *http;
	const char *why = "";

	http = nsp_httplib_load(&why);
	if (!http) {
		fprintf(stderr,
			"nsping: ping: the /metrics endpoint needs libmicrohttpd (Debian: "
			"libmicrohttpd12): %s\n",
			why);
		return -ENOPKG;
	}
	s->http = http;
	s->not_found = fixed_response(http, "Not found: the metrics are at /metrics\n", NULL, NULL);
	s->not_allowed = fixed_response(http, "Method not allowed: GET or HEAD\n",
					MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	s->unavailable = fixed_response(http, "No metrics yet\n", MHD_HTTP_HEADER_RETRY_AFTER, "1");
	if (!s->not_found || !s->not_allowed || !s->unavailable)
		return -ENOMEM;
	/*
	 * One thread of its own polls every connection without blocking;
	 * ITC lets MHD_quiesce_daemon() hand the socket back at the end.
	 */
	s->mhd = http->start_daemon(
		MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ITC, 0, NULL, NULL,
		on_request, s, MHD_OPTION_LISTEN_SOCKET, (MHD_socket)fd,
		MHD_OPTION_CONNECTION_LIMIT, (unsigned int)NSP_HTTP_CONNECTIONS_MAX,
		MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)NSP_HTTP_IDLE_TIMEOUT_S,
		MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)NSP_HTTP_MEMORY, MHD_OPTION_END);
	return s->mhd ? 0 : -EIO;
}

/* ---- the worker's side ---- */

bool nsp_metrics_wanted(const struct nsp_metrics *m)
{
	return m->file || m->listen_fd >= 0;
}

static void server_free(struct nsp_metrics_server *s)
{
	if (s->formatter_running) {
		pthread_mutex_lock(&s->lock);
		s->stop = true;
		pthread_cond_signal(&s->cond);
		pthread_mutex_unlock(&s->lock);
		pthread_join(s->formatter, NULL);
	}
	if (s->mhd) {
		/* the socket is cmd_ping.c's to close */
		s->http->quiesce_daemon(s->mhd);
		s->http->stop_daemon(s->mhd);
	}
	if (s->not_found)
		s->http->destroy_response(s->not_found);
	if (s->not_allowed)
		s->http->destroy_response(s->not_allowed);
	if (s->unavailable)
		s->http->destroy_response(s->unavailable);
	snapshot_put(s->snap);
	snapshot_free(atomic_load(&s->given_back));
	for (size_t i = 0; i < 3; i++)
		nsp_metrics_data_free(&s->bufs[i]);
	pthread_mutex_destroy(&s->lock);
	pthread_cond_destroy(&s->cond);
	pthread_mutex_destroy(&s->snap_lock);
	free(s);
}

int nsp_metrics_start(struct nsp_metrics *m)
{
	struct nsp_metrics_server *s;
	int err;

	if (!nsp_metrics_wanted(m) || m->srv)
		return 0;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->file = m->file;
	s->spare = &s->bufs[0];
	s->pending = &s->bufs[1];
	s->work = &s->bufs[2];
	pthread_mutex_init(&s->lock, NULL);
	pthread_cond_init(&s->cond, NULL);
	pthread_mutex_init(&s->snap_lock, NULL);
	atomic_init(&s->alive, 0);
	atomic_init(&s->given_back, NULL);
	err = m->listen_fd >= 0 ? http_start(s, m->listen_fd) : 0;
	if (!err) {
		err = -pthread_create(&s->formatter, NULL, formatter, s);
		s->formatter_running = !err;
	}
	if (err) {
		server_free(s);
		return err;
	}
	pthread_setname_np(s->formatter, "nsping-metrics");
	m->srv = s;
	return 0;
}

void nsp_metrics_update(struct nsp_metrics *m, const struct nsp_target_view *v, size_t n)
{
	struct nsp_metrics_server *s = m->srv;
	struct nsp_metrics_data *d;

	if (!s) {
		struct nsp_metrics_server tmp = {.file = m->file};
		struct nsp_metrics_data data = {0};

		if (nsp_metrics_wanted(m) && !nsp_metrics_collect(&data, v, n))
			render(&tmp, &data);
		snapshot_free(atomic_load(&tmp.given_back));
		nsp_metrics_data_free(&data);
		return;
	}
	/* The copy goes into the buffer no other thread touches; then one swap. */
	if (nsp_metrics_collect(s->spare, v, n))
		return; /* the formatter keeps the last one */
	pthread_mutex_lock(&s->lock);
	d = s->pending;
	s->pending = s->spare;
	s->spare = d;
	s->ready = true;
	pthread_cond_signal(&s->cond);
	pthread_mutex_unlock(&s->lock);
}

void nsp_metrics_free(struct nsp_metrics *m)
{
	if (m->srv)
		server_free(m->srv);
	m->srv = NULL;
}
