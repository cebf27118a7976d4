// SPDX-License-Identifier: GPL-2.0-only
/*
 * The ping worker; see worker.h.
 *
 * Every target has a send time in a min-heap; the first ones are spread over
 * the interval so that probes never leave in bursts, and a token bucket caps
 * the global rate. Each path (one per instance) keeps its probes in flight
 * in a ring indexed by probe id, in send order, so timeouts are found at the
 * ring's tail and replies by the id in their sequence number. One timerfd
 * wakes the loop for the next send, timeout, retry or housekeeping.
 *
 * Replies wait for the next wake-up: their RTTs come from the kernel's rx
 * timestamps, so reading them later costs no accuracy, and each wake-up (a
 * context switch) costs far more CPU than a probe. The probe sockets
 * wake the loop themselves only when the next timed wake-up is more than
 * REPLY_WAIT_NS away, so that a reply is never reported later than that.
 */
#include <errno.h>
#include <fcntl.h>
#include <time.h> /* before linux/errqueue.h, which needs struct timespec */
#include <linux/capability.h>
#include <linux/errqueue.h>
#include <linux/net_tstamp.h>
#include <net/if.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include "addr.h"
#include "clock.h"
#include "config.h"
#include "ctl.h"
#include "metrics.h"
#include "netns.h"
#include "nsping_magic.h"
#include "opener.h"
#include "pingout.h"
#include "privs.h"
#include "probe.h"
#include "worker.h"
#include "workerstate.h"

#define NS_PER_MS	 1000000ULL
#define NS_PER_SEC	 1000000000ULL
#define HOUSEKEEPING_NS	 NS_PER_SEC
#define BACKOFF_FIRST_NS NS_PER_SEC
#define BACKOFF_MAX_NS	 (30 * NS_PER_SEC)
#define PKT_MAX		 2048
#define SEND_SLACK_NS	 (2 * NS_PER_MS)	 /* a probe may leave up to this early */
#define BATCH		 64			 /* probes per sendmmsg, packets per recvmmsg */
#define REPLY_WAIT_NS	 (10 * NS_PER_MS)	 /* replies are read at most this late */
#define SOCKS_MAX	 (2 * NSP_MAX_INSTANCES) /* a TCP and an ICMP socket per path */

enum slot_state { SLOT_FREE, SLOT_PENDING, SLOT_ANSWERED, SLOT_EXPIRED };

/* One probe in flight (or recently done, for late and duplicate replies). */
struct slot {
	uint32_t id;
	uint32_t target;
	uint64_t seq;
	uint64_t sent_ns;      /* CLOCK_MONOTONIC, just before the send */
	uint64_t sent_real_ns; /* CLOCK_REALTIME, same moment */
	uint64_t tx_kernel_ns; /* the kernel's tx timestamp (realtime), 0 if none */
	uint64_t deadline_ns;
	uint16_t sport;
	uint8_t state;
};

struct path {
	const struct nsp_instance *inst;
	size_t index;
	struct nsp_path_socks socks;
	uint64_t netns_id;
	uint32_t src;
	bool up;
	bool announced; /* the current state was printed */
	enum nsp_path_cause cause;
	char reason[192];
	uint64_t retry_ns;
	uint64_t backoff_ns;
	struct slot *ring;
	uint32_t mask;
	uint32_t next_id; /* the next probe's id */
	uint32_t tail_id; /* the oldest id that may still be pending */
	uint32_t secret;
	uint64_t interval_ns;
	uint64_t timeout_ns;
	uint64_t stray; /* replies that match no probe of ours */
	/*
	 * run's reconciler is repairing this datapath, or was: a probe whose
	 * time in flight overlaps [excuse_from_ns, excuse_until_ns] and that
	 * times out is the node's loss, counted as path-down, not as a miss.
	 */
	uint64_t excuse_from_ns;
	uint64_t excuse_until_ns;
	bool broken; /* the reconciler cannot repair it now: don't reopen */
	/*
	 * Open, yet losing every probe (the reconciler saw the uplink refuse
	 * tx_ping's frames): reported down with this cause, and still probed,
	 * so that its end shows.
	 */
	bool failing;
	enum nsp_path_cause fail_cause;
	char fail_reason[192];
	uint64_t repairs; /* made by the reconciler, for the state file and metrics */
	char ping_text[NSP_PING_TEXT_MAX]; /* its settings, for the state file */
};

/* After a repair, how long a probe sent before it may still be in the way. */
#define EXCUSE_MARGIN_NS (2 * NS_PER_MS)

struct target {
	struct path *path;
	uint32_t addr;
	struct nsp_target_stats st;
	uint64_t rounds; /* send slots used, sent or skipped while the path was down */
};

/*
 * One target's next send time, in the schedule. The time lives here, not in
 * struct target, so that the heap's walks stay in these 16-byte entries
 * instead of reaching into a target each.
 */
struct send_time {
	uint64_t at_ns;
	size_t target;
};

enum ev_kind { EV_TIMER, EV_SIGNAL, EV_TCP, EV_ICMP, EV_REPLIES, EV_CTL };

/* Probes of one path built and waiting for one sendmmsg(2). */
struct send_batch {
	struct path *path;
	unsigned int n;
	uint32_t ids[BATCH];
	uint64_t due_ns[BATCH]; /* each probe's time in the schedule */
	uint8_t pkts[BATCH][NSP_PROBE_LEN];
	struct sockaddr_in dst[BATCH];
	struct iovec iov[BATCH];
	struct mmsghdr msgs[BATCH];
};

/* Buffers for one recvmmsg(2). */
struct recv_batch {
	uint8_t pkts[BATCH][PKT_MAX];
	uint8_t control[BATCH][256];
	struct iovec iov[BATCH];
	struct mmsghdr msgs[BATCH];
};

struct worker {
	const struct nsp_worker_options *o;
	struct nsp_opener opener;
	struct path *paths;
	size_t n_paths;
	struct target *targets;
	size_t n_targets;
	struct send_time *heap;	       /* a min-heap, earliest first */
	struct nsp_target_view *views; /* for the metrics, refreshed each time */
	size_t heap_len;
	size_t pending;
	int ep;		/* timer, signals, ctl: what wakes the loop while replies wait */
	int ep_replies; /* the same and ep_socks: replies wake the loop too */
	int ep_socks;	/* the probe sockets of the paths that are up */
	int tfd;
	int sfd;
	double tokens;
	uint64_t tokens_ns;
	uint64_t next_house_ns;
	bool stop;
	FILE *out;
	struct nsp_metrics metrics;
	uint64_t armed_ns; /* the timerfd's deadline, to skip re-arming it */
	struct send_batch *sb;
	struct recv_batch *rb;
	struct nsp_workerstate state;	     /* who we are, for the state files */
	struct nsp_workerstate *path_states; /* one per path, filled by state_write() */
	bool state_failed;		     /* a state file could not be written: said once */
	bool o_ctl_closed;		     /* run's reconciler went away */
	struct nsp_config *own_cfg;	     /* a reloaded configuration, ours to free */
	bool notify;			     /* NOTIFY_SOCKET is set: systemd listens */
	uint64_t watchdog_ns;		     /* WATCHDOG_USEC, 0 when none */
	uint64_t next_watchdog_ns;
	char notified[256];   /* the last STATUS= sent */
	char last_repair[64]; /* " (last INSTANCE at HH:MM:SS)" for STATUS=, "" none yet */
};

static uint64_t ev_data(enum ev_kind kind, size_t index)
{
	return (uint64_t)kind << 32 | index;
}

/* ---- the send schedule: a min-heap of send times ---- */

static bool heap_less(const struct worker *w, size_t a, size_t b)
{
	return w->heap[a].at_ns < w->heap[b].at_ns;
}

static void heap_swap(struct worker *w, size_t a, size_t b)
{
	struct send_time t = w->heap[a];

	w->heap[a] = w->heap[b];
	w->heap[b] = t;
}

static void heap_down(struct worker *w, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;

		if (l < w->heap_len && heap_less(w, l, m))
			m = l;
		if (r < w->heap_len && heap_less(w, r, m))
			m = r;
		if (m == i)
			return;
		heap_swap(w, i, m);
		i = m;
	}
}

static void heap_pop(struct worker *w)
{
	heap_swap(w, 0, --w->heap_len);
	heap_down(w, 0);
}

/* ---- output ---- */

/* The path as reported: down when closed, or open and failing. */
static bool path_works(const struct path *p)
{
	return p->up && !p->failing;
}

static enum nsp_path_cause path_cause(const struct path *p)
{
	return !p->up ? p->cause : p->failing ? p->fail_cause : NSP_CAUSE_NONE;
}

static const char *path_reason(const struct path *p)
{
	return !p->up ? p->reason : p->failing ? p->fail_reason : NULL;
}

static void report_path(struct worker *w, struct path *p)
{
	if (p->announced)
		return;
	p->announced = true;
	nsp_out_path(w->o->json ? w->out : stderr, w->o->json, p->inst->name, path_works(p),
		     path_cause(p), path_reason(p));
}

static void finish(struct worker *w, struct target *t, struct nsp_probe_event *ev)
{
	static const enum nsp_outcome outcome[] = {
		[NSP_RES_ANSWERED] = NSP_OUT_ANSWERED,
		[NSP_RES_CLOSED] = NSP_OUT_CLOSED,
		[NSP_RES_UNREACHABLE] = NSP_OUT_UNREACHABLE,
		[NSP_RES_TIME_EXCEEDED] = NSP_OUT_TIME_EXCEEDED,
		[NSP_RES_TIMEOUT] = NSP_OUT_TIMEOUT,
	};
	const struct nsp_ping *ping = &t->path->inst->ping;
	bool changed;

	changed = nsp_stats_record(&t->st, outcome[ev->result], ev->rtt_us, ping->down_after,
				   ping->up_after);
	if (w->o->verbosity > 0)
		nsp_out_probe(w->out, w->o->json, ev, &t->st);
	if (changed)
		nsp_out_state(w->out, w->o->json, ev->instance, t->addr, t->st.state);
}

static struct nsp_target_view view_of(const struct target *t)
{
	return (struct nsp_target_view){.instance = t->path->inst->name,
					.target = t->addr,
					.stats = &t->st,
					.path_up = path_works(t->path),
					.path_cause = path_cause(t->path),
					.repairs = t->path->repairs};
}

static void print_summaries(struct worker *w)
{
	for (size_t i = 0; i < w->n_targets; i++) {
		struct nsp_target_view v = view_of(&w->targets[i]);

		nsp_out_summary(w->out, w->o->json, &v);
	}
	fflush(w->out);
}

/* ---- paths ---- */

static void path_close(struct worker *w, struct path *p)
{
	if (p->socks.tcp >= 0) {
		epoll_ctl(w->ep_socks, EPOLL_CTL_DEL, p->socks.tcp, NULL);
		epoll_ctl(w->ep_socks, EPOLL_CTL_DEL, p->socks.icmp, NULL);
	}
	nsp_path_socks_close(&p->socks);
}

static void __attribute__((format(printf, 5, 6)))
path_down(struct worker *w, struct path *p, uint64_t now, enum nsp_path_cause cause,
	  const char *fmt, ...)
{
	char reason[sizeof(p->reason)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	path_close(w, p);
	/* Logged once per state and reason, however often the retry fails. */
	if (p->up || p->cause != cause || strcmp(reason, p->reason))
		p->announced = false;
	p->backoff_ns = p->up || !p->backoff_ns ? BACKOFF_FIRST_NS : p->backoff_ns * 2;
	if (p->backoff_ns > BACKOFF_MAX_NS)
		p->backoff_ns = BACKOFF_MAX_NS;
	p->retry_ns = now + p->backoff_ns;
	p->up = false;
	p->cause = cause;
	snprintf(p->reason, sizeof(p->reason), "%s", reason);
	report_path(w, p);
}

/* The veth in the netns must be up with a carrier, or probes vanish silently. */
static int check_link(const struct path *p, char *why, size_t len)
{
	struct ifreq ifr = {0};

	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", p->inst->veth_peer);
	if (ioctl(p->socks.udp, SIOCGIFFLAGS, &ifr) < 0) {
		snprintf(why, len, "%s: %s", p->inst->veth_peer, strerror(errno));
		return -errno;
	}
	if (!(ifr.ifr_flags & IFF_UP) || !(ifr.ifr_flags & IFF_RUNNING)) {
		snprintf(why, len, "%s is %s", p->inst->veth_peer,
			 ifr.ifr_flags & IFF_UP ? "up but has no carrier" : "down");
		return -ENETDOWN;
	}
	return 0;
}

static int watch(int ep, int fd, enum ev_kind kind, size_t index)
{
	struct epoll_event ev = {.events = EPOLLIN, .data.u64 = ev_data(kind, index)};

	return epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) < 0 ? -errno : 0;
}

/* A path's sockets, level-triggered: read_replies() asks which have something. */
static int watch_path(struct worker *w, struct path *p)
{
	int err = watch(w->ep_socks, p->socks.tcp, EV_TCP, p->index);

	return err ? err : watch(w->ep_socks, p->socks.icmp, EV_ICMP, p->index);
}

static void path_open(struct worker *w, struct path *p, uint32_t first_target, uint64_t now)
{
	const struct nsp_ping *ping = &p->inst->ping;
	char why[160], ip[NSP_IPV4_STRLEN];
	int err;

	err = nsp_opener_open(&w->opener, p->inst->netns, ping->port, ping->sport_min,
			      ping->sport_max, &p->socks, &p->netns_id);
	if (err == -EPERM) {
		path_down(w, p, now, NSP_CAUSE_NETNS_NOT_OURS,
			  "netns %s is not nsping's: the opener refuses it", p->inst->netns);
		return;
	}
	if (err) {
		path_down(w, p, now, NSP_CAUSE_NETNS_GONE, "netns %s: %s", p->inst->netns,
			  strerror(-err));
		return;
	}
	err = nsp_path_source_address(&p->socks, first_target, p->inst->ping.port, &p->src);
	if (err) {
		path_down(w, p, now, NSP_CAUSE_NO_ROUTE, "no route to %s in netns %s: %s",
			  nsp_ipv4_format(first_target, ip), p->inst->netns, strerror(-err));
		return;
	}
	if (check_link(p, why, sizeof(why))) {
		path_down(w, p, now, NSP_CAUSE_VETH_DOWN, "%s", why);
		return;
	}
	err = watch_path(w, p);
	if (err) {
		path_down(w, p, now, NSP_CAUSE_INTERNAL, "epoll: %s", strerror(-err));
		return;
	}
	if (!p->up)
		p->announced = false;
	p->up = true;
	p->cause = NSP_CAUSE_NONE;
	p->backoff_ns = 0;
	report_path(w, p);
}

/* Still the same netns, still a usable veth? Checked once a second. */
static void path_check(struct worker *w, struct path *p, uint64_t now)
{
	char why[160];
	uint64_t id;
	int err;

	err = nsp_netns_id(p->inst->netns, &id);
	if (err) {
		path_down(w, p, now, NSP_CAUSE_NETNS_GONE, "netns %s: %s", p->inst->netns,
			  strerror(-err));
		return;
	}
	if (id != p->netns_id) {
		path_down(w, p, now, NSP_CAUSE_NETNS_GONE, "netns %s was recreated",
			  p->inst->netns);
		p->retry_ns = now; /* the new one may well work: reopen at once */
		return;
	}
	if (check_link(p, why, sizeof(why)))
		path_down(w, p, now, NSP_CAUSE_VETH_DOWN, "%s", why);
}

/* ---- probes out ---- */

/* Lost while the reconciler was repairing the path (struct path). */
static bool excused(const struct path *p, const struct slot *s)
{
	return p->excuse_until_ns && s->deadline_ns >= p->excuse_from_ns &&
	       s->sent_ns <= p->excuse_until_ns;
}

static void expire(struct worker *w, struct path *p, uint64_t now, bool force_one)
{
	while (p->tail_id != p->next_id) {
		struct slot *s = &p->ring[p->tail_id & p->mask];

		if (s->state == SLOT_PENDING) {
			struct nsp_probe_event ev = {.instance = p->inst->name,
						     .target = w->targets[s->target].addr,
						     .seq = s->seq,
						     .result = NSP_RES_TIMEOUT};

			if (s->deadline_ns > now && !force_one)
				return;
			s->state = SLOT_EXPIRED;
			w->pending--;
			if (excused(p, s)) {
				w->targets[s->target].st.sent--;
				w->targets[s->target].st.path_down++;
			} else {
				finish(w, &w->targets[s->target], &ev);
			}
		}
		p->tail_id++;
		if (force_one)
			return;
	}
}

static bool take_token(struct worker *w, uint64_t now)
{
	double rate = (double)w->o->max_rate, burst = rate / 100 < 1 ? 1 : rate / 100;

	w->tokens += (double)(now - w->tokens_ns) * rate / (double)NS_PER_SEC;
	w->tokens_ns = now;
	if (w->tokens > burst)
		w->tokens = burst;
	if (w->tokens < 1)
		return false;
	w->tokens -= 1;
	return true;
}

/* Takes back the probes of a batch that never left: not sent, not pending. */
static void unsend(struct worker *w, struct send_batch *b, unsigned int from)
{
	for (unsigned int i = from; i < b->n; i++) {
		struct slot *s = &b->path->ring[b->ids[i] & b->path->mask];
		struct target *t = &w->targets[s->target];

		s->state = SLOT_EXPIRED;
		w->pending--;
		t->st.sent--;
		t->st.path_down++;
	}
}

/*
 * Sends the batch with one sendmmsg(2). The times are read once, right
 * before it: the kernel's tx timestamps say when each probe really left.
 */
static void flush_batch(struct worker *w)
{
	struct send_batch *b = w->sb;
	struct path *p = b->path;
	uint64_t real, mono;
	unsigned int done = 0;
	int r = 0, err = 0;

	if (!b->n)
		return;
	real = nsp_clock_ns(CLOCK_REALTIME);
	mono = nsp_clock_ns(CLOCK_MONOTONIC);
	for (unsigned int i = 0; i < b->n; i++) {
		struct slot *s = &p->ring[b->ids[i] & p->mask];

		s->sent_ns = mono;
		s->sent_real_ns = real;
		s->deadline_ns = mono + p->timeout_ns;
	}
	while (done < b->n) {
		r = sendmmsg(p->socks.tcp, b->msgs + done, b->n - done, 0);
		if (r <= 0) {
			err = r < 0 ? errno : EIO;
			break;
		}
		done += (unsigned int)r;
	}
	/* The metrics count what left late: the loop was held up (or the rate capped). */
	for (unsigned int i = 0; i < done; i++)
		if (mono > b->due_ns[i] + NSP_METRICS_LATE_NS)
			w->targets[p->ring[b->ids[i] & p->mask].target].st.sent_late++;
	if (done < b->n) {
		char ip[NSP_IPV4_STRLEN];

		unsend(w, b, done);
		path_down(w, p, mono, NSP_CAUSE_SEND_FAILED, "sending to %s: %s",
			  nsp_ipv4_format(b->dst[done].sin_addr.s_addr, ip), strerror(err));
	}
	b->n = 0;
	b->path = NULL;
}

/* Builds a probe into the batch and books its slot; sends when the batch is full. */
static void queue_probe(struct worker *w, struct target *t, size_t index, uint64_t due)
{
	struct send_batch *b = w->sb;
	struct path *p = t->path;
	const struct nsp_ping *ping = &p->inst->ping;
	uint32_t id = p->next_id, range = (uint32_t)ping->sport_max - ping->sport_min + 1;
	struct nsp_probe probe = {.src = p->src,
				  .dst = t->addr,
				  .sport = (uint16_t)(ping->sport_min + id % range),
				  .dport = ping->port,
				  .seq = id ^ p->secret,
				  .magic = ping->magic,
				  .ip_id = (uint16_t)id};
	unsigned int i;

	if (b->path != p || b->n == BATCH)
		flush_batch(w);
	if (!p->up) {
		t->st.path_down++; /* the flush just found the path broken */
		return;
	}
	if (p->next_id - p->tail_id > p->mask)
		expire(w, p, 0, true); /* the ring is full: the oldest has waited long enough */
	i = b->n++;
	b->path = p;
	b->ids[i] = id;
	b->due_ns[i] = due;
	nsp_probe_build(b->pkts[i], sizeof(b->pkts[i]), &probe);
	b->dst[i] = (struct sockaddr_in){.sin_family = AF_INET, .sin_addr.s_addr = t->addr};
	b->iov[i] = (struct iovec){.iov_base = b->pkts[i], .iov_len = NSP_PROBE_LEN};
	b->msgs[i] = (struct mmsghdr){.msg_hdr = {.msg_name = &b->dst[i],
						  .msg_namelen = sizeof(b->dst[i]),
						  .msg_iov = &b->iov[i],
						  .msg_iovlen = 1}};
	p->ring[id & p->mask] = (struct slot){.id = id,
					      .target = (uint32_t)index,
					      .seq = t->st.sent,
					      .deadline_ns = UINT64_MAX,
					      .sport = probe.sport,
					      .state = SLOT_PENDING};
	p->next_id++;
	t->st.sent++;
	w->pending++;
}

/*
 * Sends what is due within SEND_SLACK_NS, as far as the rate allows, in
 * batches; returns when to come back. The slack lets one wake-up serve many
 * targets (at 10,000 probes/s about twenty, to twenty different targets) and
 * caps the wake-ups for sending at 500 a second, whatever the number of
 * targets; the interval is still cut into 2 ms steps, so no burst leaves.
 */
static uint64_t send_due(struct worker *w, uint64_t now)
{
	uint64_t at = UINT64_MAX;

	while (w->heap_len > 0) {
		struct send_time *next = &w->heap[0];
		struct target *t = &w->targets[next->target];

		if (next->at_ns > now + SEND_SLACK_NS) {
			at = next->at_ns; /* then take what falls in the slack after it */
			break;
		}
		if (!take_token(w, now)) {
			at = now + NS_PER_SEC / w->o->max_rate + 1;
			break;
		}
		if (t->path->up)
			queue_probe(w, t, next->target, next->at_ns);
		else
			t->st.path_down++;
		t->rounds++;
		/* Keep the phase; after a stall, skip ahead rather than burst. */
		next->at_ns += t->path->interval_ns;
		if (next->at_ns < now)
			next->at_ns = now + t->path->interval_ns;
		if (w->o->count > 0 && t->rounds >= (uint64_t)w->o->count)
			heap_pop(w);
		else
			heap_down(w, 0);
	}
	flush_batch(w);
	return at;
}

/* ---- replies in ---- */

static uint64_t choose_rtt(const struct slot *s, uint64_t rx_real, uint64_t now,
			   enum nsp_rtt_source *ret_source)
{
	uint64_t user = now - s->sent_ns;

	/* A kernel pair is best; a clock step makes it absurd, then use ours. */
	if (rx_real && s->tx_kernel_ns && rx_real >= s->tx_kernel_ns &&
	    rx_real - s->tx_kernel_ns <= user) {
		*ret_source = NSP_RTT_KERNEL;
		return rx_real - s->tx_kernel_ns;
	}
	if (rx_real && rx_real >= s->sent_real_ns && rx_real - s->sent_real_ns <= user) {
		*ret_source = NSP_RTT_USER_TX;
		return rx_real - s->sent_real_ns;
	}
	*ret_source = NSP_RTT_USER;
	return user;
}

static struct slot *find_slot(struct path *p, uint32_t seq)
{
	uint32_t id = seq ^ p->secret;
	struct slot *s = &p->ring[id & p->mask];

	if (s->state == SLOT_FREE || s->id != id)
		return NULL;
	return s;
}

static const enum nsp_result result_of[] = {
	[NSP_REPLY_SYNACK] = NSP_RES_ANSWERED,
	[NSP_REPLY_RST] = NSP_RES_CLOSED,
	[NSP_REPLY_UNREACHABLE] = NSP_RES_UNREACHABLE,
	[NSP_REPLY_TIME_EXCEEDED] = NSP_RES_TIME_EXCEEDED,
};

static void on_reply(struct worker *w, struct path *p, const struct nsp_reply *r, uint64_t rx_real)
{
	struct slot *s = find_slot(p, r->seq);
	uint64_t now = nsp_clock_ns(CLOCK_MONOTONIC);
	struct nsp_probe_event ev = {.instance = p->inst->name, .result = result_of[r->kind]};
	struct nsp_probe probe;
	struct target *t;

	if (!s) {
		p->stray++;
		return;
	}
	t = &w->targets[s->target];
	probe = (struct nsp_probe){.src = p->src,
				   .dst = t->addr,
				   .sport = s->sport,
				   .dport = p->inst->ping.port,
				   .seq = r->seq};
	if (!nsp_reply_matches(r, &probe)) {
		p->stray++;
		return;
	}
	ev.target = t->addr;
	ev.seq = s->seq;
	ev.rtt_us = choose_rtt(s, rx_real, now, &ev.rtt_source) / 1000;
	if (s->state != SLOT_PENDING) {
		if (r->kind != NSP_REPLY_SYNACK)
			return; /* an RST or ICMP error after the fact says nothing new */
		ev.result = s->state == SLOT_ANSWERED ? NSP_RES_DUPLICATE : NSP_RES_LATE;
		if (ev.result == NSP_RES_DUPLICATE)
			t->st.duplicate++;
		else
			t->st.late++;
		if (w->o->verbosity > 1 || w->o->json)
			nsp_out_probe(w->out, w->o->json, &ev, &t->st);
		s->state = SLOT_ANSWERED;
		return;
	}
	ev.gateway_magic =
		r->has_tsecr && nsp_magic_is_answered_probe(r->tsecr_raw, p->inst->ping.magic);
	ev.from = r->from;
	ev.icmp_type = r->icmp_type;
	ev.icmp_code = r->icmp_code;
	s->state = SLOT_ANSWERED;
	w->pending--;
	finish(w, t, &ev);
}

static uint64_t cmsg_timestamp(struct msghdr *msg)
{
	for (struct cmsghdr *c = CMSG_FIRSTHDR(msg); c; c = CMSG_NXTHDR(msg, c)) {
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPING) {
			struct scm_timestamping tss;

			memcpy(&tss, CMSG_DATA(c), sizeof(tss));
			return nsp_timespec_ns(&tss.ts[0]);
		}
	}
	return 0;
}

/* Reads up to BATCH packets of fd's queue (or error queue); returns how many. */
static int recv_batch(struct recv_batch *rb, int fd, int flags)
{
	for (unsigned int i = 0; i < BATCH; i++) {
		rb->iov[i] = (struct iovec){.iov_base = rb->pkts[i], .iov_len = PKT_MAX};
		rb->msgs[i] =
			(struct mmsghdr){.msg_hdr = {.msg_iov = &rb->iov[i],
						     .msg_iovlen = 1,
						     .msg_control = rb->control[i],
						     .msg_controllen = sizeof(rb->control[i])}};
	}
	return recvmmsg(fd, rb->msgs, BATCH, flags | MSG_DONTWAIT, NULL);
}

/*
 * The error queue of the TCP socket returns each sent probe with the
 * kernel's tx timestamp; the probe (from its IPv4 header, or from its
 * Ethernet header on some paths) tells which slot it belongs to.
 */
static void tx_timestamp(struct path *p, const uint8_t *pkt, size_t n, uint64_t tx)
{
	size_t off = n >= 20 && pkt[0] == 0x45 ? 0 : 14;
	struct slot *s;
	uint32_t seq;

	if (!tx || n < off + 40 || pkt[off] != 0x45 || pkt[off + 9] != IPPROTO_TCP)
		return;
	memcpy(&seq, pkt + off + 24, 4);
	s = find_slot(p, ntohl(seq));
	if (s && !s->tx_kernel_ns)
		s->tx_kernel_ns = tx;
}

static void drain(struct worker *w, struct path *p, int fd, bool errqueue)
{
	struct recv_batch *rb = w->rb;
	int n;

	do {
		n = recv_batch(rb, fd, errqueue ? MSG_ERRQUEUE : 0);
		for (int i = 0; i < n; i++) {
			struct msghdr *msg = &rb->msgs[i].msg_hdr;
			size_t len = rb->msgs[i].msg_len;
			struct nsp_reply r;

			if (errqueue)
				tx_timestamp(p, rb->pkts[i], len, cmsg_timestamp(msg));
			else if (nsp_reply_parse(rb->pkts[i], len, p->inst->ping.port, &r) == 0)
				on_reply(w, p, &r, cmsg_timestamp(msg));
			else
				p->stray++;
		}
	} while (n == BATCH);
}

/*
 * Reads every socket that has something, before anything may time out. The
 * TCP socket's error queue (tx timestamps) goes first: replies need them; a
 * normal read also clears a pending socket error, so nothing stays ready.
 */
static void read_replies(struct worker *w)
{
	struct epoll_event evs[SOCKS_MAX];
	int n = epoll_wait(w->ep_socks, evs, SOCKS_MAX, 0);

	for (int i = 0; i < n; i++) {
		enum ev_kind kind = (enum ev_kind)(evs[i].data.u64 >> 32);
		struct path *p = &w->paths[evs[i].data.u64 & 0xffffffff];

		if (p->socks.tcp < 0)
			continue; /* closed by an earlier event of this round */
		if (kind == EV_TCP) {
			drain(w, p, p->socks.tcp, true);
			drain(w, p, p->socks.tcp, false);
		} else {
			drain(w, p, p->socks.icmp, false);
		}
	}
}

/* ---- metrics ---- */

/* The metrics of every target: a copy for the metrics thread, nothing formatted here. */
static void metrics_update(struct worker *w)
{
	if (!nsp_metrics_wanted(&w->metrics) || !w->views)
		return;
	for (size_t i = 0; i < w->n_targets; i++)
		w->views[i] = view_of(&w->targets[i]);
	nsp_metrics_update(&w->metrics, w->views, w->n_targets);
}

/* ---- the state files that `status` reads ---- */

/* Each path's file; one pass over the targets, whatever the number of paths. */
static void state_write(struct worker *w)
{
	uint64_t now = (uint64_t)time(NULL);

	if (!w->o->state_dir || !w->path_states)
		return;
	for (size_t i = 0; i < w->n_paths; i++) {
		w->path_states[i] = w->state;
		w->path_states[i].updated = now;
		w->path_states[i].path_up = path_works(&w->paths[i]);
		w->path_states[i].cause = path_cause(&w->paths[i]);
		w->path_states[i].repairs = w->paths[i].repairs;
		memcpy(w->path_states[i].ping, w->paths[i].ping_text,
		       sizeof(w->paths[i].ping_text));
		snprintf(w->path_states[i].reason, sizeof(w->path_states[i].reason), "%s",
			 path_reason(&w->paths[i]) ? path_reason(&w->paths[i]) : "");
	}
	for (size_t t = 0; t < w->n_targets; t++) {
		const struct target *tg = &w->targets[t];
		struct nsp_workerstate *s = &w->path_states[tg->path->index];

		s->targets++;
		s->targets_up += tg->st.state == NSP_TARGET_UP;
		s->sent += tg->st.sent;
		s->received += tg->st.received;
		s->timeouts += tg->st.timeouts;
		s->late += tg->st.late;
		s->duplicate += tg->st.duplicate;
	}
	for (size_t i = 0; i < w->n_paths; i++)
		w->path_states[i].stray = w->paths[i].stray;
	for (size_t i = 0; i < w->n_paths; i++) {
		struct path *p = &w->paths[i];
		int err = nsp_workerstate_write(w->o->state_dir, p->inst->name, &w->path_states[i]);

		if (err && !w->state_failed) {
			fprintf(stderr, "nsping: ping: %s/%s.worker: %s (status will not see it)\n",
				w->o->state_dir, p->inst->name, strerror(-err));
			w->state_failed = true;
		}
	}
}

static void state_start(struct worker *w)
{
	w->state.pid = (int32_t)getpid();
	/* under run, its reconciler reloads (and tells us); ping reloads itself */
	w->state.reloader = w->o->ctl_fd >= 0 ? (int32_t)getppid() : w->state.pid;
	w->state.since = (uint64_t)time(NULL);
	if (nsp_process_start_ticks(w->state.pid, &w->state.start_ticks) < 0)
		w->state.start_ticks = 0; /* status then finds no live writer */
	if (w->o->state_dir && mkdir(w->o->state_dir, 0755) < 0 && errno != EEXIST)
		fprintf(stderr, "nsping: ping: %s: %s\n", w->o->state_dir, strerror(errno));
	w->path_states = calloc(w->n_paths, sizeof(*w->path_states));
	state_write(w);
}

static void state_remove(struct worker *w)
{
	for (size_t i = 0; w->o->state_dir && i < w->n_paths; i++)
		nsp_workerstate_remove(w->o->state_dir, w->paths[i].inst->name);
}

/* ---- the loop ---- */

/*
 * systemd (Type=notify, NotifyAccess=all): the one-line status when it
 * changed, and the watchdog's keep-alive from this loop, so that a hung
 * worker is noticed. WATCHDOG_USEC is read as is: sd_watchdog_enabled()
 * wants WATCHDOG_PID to be ours, and under run it names the reconciler.
 */
static void notify(struct worker *w, uint64_t now)
{
	char status[256], down[80] = "";
	size_t up = 0, paths_up = 0;
	uint64_t repairs = 0;

	if (!w->notify)
		return;
	for (size_t i = 0; i < w->n_targets; i++)
		up += w->targets[i].st.state == NSP_TARGET_UP;
	for (size_t i = 0; i < w->n_paths; i++) {
		const struct path *p = &w->paths[i];

		paths_up += path_works(p);
		repairs += p->repairs;
		/* the first path down, and why: what systemctl status should say */
		if (!path_works(p) && !down[0])
			snprintf(down, sizeof(down), " (%s: %s)", p->inst->name,
				 nsp_path_cause_name(path_cause(p)));
	}
	snprintf(status, sizeof(status),
		 "STATUS=targets up %zu of %zu; paths up %zu of %zu%s; repairs %llu%s", up,
		 w->n_targets, paths_up, w->n_paths, down, (unsigned long long)repairs,
		 w->last_repair);
	if (strcmp(status, w->notified)) {
		sd_notify(0, status);
		snprintf(w->notified, sizeof(w->notified), "%s", status);
	}
	if (w->watchdog_ns && now >= w->next_watchdog_ns) {
		sd_notify(0, "WATCHDOG=1");
		w->next_watchdog_ns = now + w->watchdog_ns / 2;
	}
}

static void housekeeping(struct worker *w, uint64_t now)
{
	for (size_t i = 0; i < w->n_paths; i++) {
		struct path *p = &w->paths[i];

		if (p->up)
			path_check(w, p, now);
	}
	metrics_update(w);
	state_write(w);
	notify(w, now);
	w->next_house_ns = now + HOUSEKEEPING_NS;
	/* half the watchdog's period, when that is shorter than a second */
	if (w->watchdog_ns && w->next_watchdog_ns < w->next_house_ns)
		w->next_house_ns = w->next_watchdog_ns;
}

static void retry_paths(struct worker *w, uint64_t now)
{
	for (size_t i = 0; i < w->n_paths; i++) {
		struct path *p = &w->paths[i];

		if (!p->up && !p->broken && p->retry_ns <= now)
			path_open(w, p, p->inst->ping.targets[0], now);
	}
}

static uint64_t next_wakeup(struct worker *w, uint64_t send_at)
{
	uint64_t at = send_at < w->next_house_ns ? send_at : w->next_house_ns;

	for (size_t i = 0; i < w->n_paths; i++) {
		struct path *p = &w->paths[i];

		if (p->tail_id != p->next_id) {
			uint64_t d = p->ring[p->tail_id & p->mask].deadline_ns;

			if (d < at)
				at = d;
		}
		if (!p->up && !p->broken && p->retry_ns < at)
			at = p->retry_ns;
	}
	return at;
}

static int reconfigure(struct worker *w, struct nsp_config *cfg, uint64_t now);

/* Load text (of the file named path) and run it; logs what went wrong. */
static void reload_text(struct worker *w, const char *text, const char *path)
{
	struct nsp_config *cfg = calloc(1, sizeof(*cfg));
	struct nsp_diag diag = {0};
	int err;

	if (!cfg)
		return;
	err = nsp_config_load_string(text, path, cfg, &diag);
	if (err == 0)
		err = reconfigure(w, cfg, nsp_clock_ns(CLOCK_MONOTONIC));
	else
		for (size_t i = 0; i < diag.n; i++)
			fprintf(stderr, "nsping: reload: %s\n", diag.msgs[i]);
	nsp_diag_free(&diag);
	if (err) {
		fprintf(stderr,
			"nsping: reload of %s failed (%s): the worker keeps the running "
			"configuration\n",
			path, strerror(-err));
		if (cfg != w->own_cfg) {
			nsp_config_free(cfg);
			free(cfg);
		}
	} else if (w->o->verbosity > 0 && !w->o->json) {
		fprintf(stderr, "nsping: worker: %zu instances, %zu targets from %s\n", w->n_paths,
			w->n_targets, path);
	}
}

/* The text of a file descriptor (run's reload passes a memfd); NULL on failure. */
static char *read_fd(int fd)
{
	size_t len = 0, cap = 0;
	char *text = NULL, *more;
	ssize_t n;

	do {
		if (len + 4096 + 1 > cap) {
			cap = cap ? cap * 2 : 65536;
			more = realloc(text, cap);
			if (!more) {
				free(text);
				return NULL;
			}
			text = more;
		}
		n = pread(fd, text + len, cap - len - 1, (off_t)len);
		if (n > 0)
			len += (size_t)n;
	} while (n > 0);
	if (n < 0) {
		free(text);
		return NULL;
	}
	text[len] = '\0';
	return text;
}

/* One message of the reconciler, and the fd it carries (or -1). */
static ssize_t ctl_recv(int sock, struct nsp_ctl_msg *m, int *ret_fd)
{
	char control[CMSG_SPACE(sizeof(int))];
	struct iovec iov = {.iov_base = m, .iov_len = sizeof(*m)};
	struct msghdr msg = {.msg_iov = &iov,
			     .msg_iovlen = 1,
			     .msg_control = control,
			     .msg_controllen = sizeof(control)};
	struct cmsghdr *c;
	ssize_t n = recvmsg(sock, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);

	*ret_fd = -1;
	if (n < 0)
		return n;
	for (c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c))
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
			memcpy(ret_fd, CMSG_DATA(c), sizeof(int));
	return n;
}

/* The last repair, which instance and when (local time, as the journal shows it), for STATUS=. */
static void note_repair(struct worker *w, const struct path *p)
{
	time_t now = time(NULL);
	struct tm tm;

	if (localtime_r(&now, &tm))
		snprintf(w->last_repair, sizeof(w->last_repair), " (last %s at %02d:%02d:%02d)",
			 p->inst->name, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/* What run's reconciler says of a datapath, or a new configuration (ctl.h). */
static void on_ctl(struct worker *w)
{
	uint64_t now = nsp_clock_ns(CLOCK_MONOTONIC);
	struct nsp_ctl_msg m;
	ssize_t n;
	int fd;

	while ((n = ctl_recv(w->o->ctl_fd, &m, &fd)) == sizeof(m)) {
		struct path *p;

		m.reason[sizeof(m.reason) - 1] = '\0';
		if (m.type == NSP_CTL_RELOAD) {
			char *text = fd >= 0 ? read_fd(fd) : NULL;

			if (text)
				reload_text(w, text, m.reason);
			free(text);
		}
		if (fd >= 0)
			close(fd);
		if (m.instance >= w->n_paths || m.type == NSP_CTL_RELOAD)
			continue;
		p = &w->paths[m.instance];
		p->repairs = m.repairs;
		switch (m.type) {
		case NSP_CTL_REPAIRING:
			if (!p->excuse_until_ns || p->excuse_until_ns != UINT64_MAX)
				p->excuse_from_ns = m.t_ns;
			p->excuse_until_ns = UINT64_MAX;
			break;
		case NSP_CTL_REPAIRED:
			note_repair(w, p);
			if (p->excuse_until_ns && !p->failing)
				p->excuse_until_ns = m.t_ns + EXCUSE_MARGIN_NS;
			p->broken = false;
			if (!p->up)
				p->retry_ns = now; /* reopen at once: it may well work now */
			break;
		case NSP_CTL_BROKEN:
			if (!p->excuse_until_ns || p->excuse_until_ns != UINT64_MAX)
				p->excuse_from_ns = m.t_ns;
			p->excuse_until_ns = UINT64_MAX;
			p->broken = true;
			path_down(w, p, now,
				  m.cause < NSP_CAUSE_COUNT ? (enum nsp_path_cause)m.cause
							    : NSP_CAUSE_REPAIR_FAILED,
				  "datapath: %s", m.reason);
			break;
		case NSP_CTL_FAILING:
			if (!p->excuse_until_ns || p->excuse_until_ns != UINT64_MAX)
				p->excuse_from_ns = m.t_ns;
			p->excuse_until_ns = UINT64_MAX;
			p->failing = true;
			p->fail_cause = m.cause < NSP_CAUSE_COUNT ? (enum nsp_path_cause)m.cause
								  : NSP_CAUSE_INTERNAL;
			snprintf(p->fail_reason, sizeof(p->fail_reason), "%s", m.reason);
			p->announced = false;
			report_path(w, p);
			break;
		case NSP_CTL_FLOWING:
			if (!p->failing)
				break;
			p->failing = false;
			p->excuse_until_ns = m.t_ns + EXCUSE_MARGIN_NS;
			p->announced = false;
			report_path(w, p);
			break;
		default:
			break;
		}
	}
	if (n == 0) { /* the reconciler is gone (and PR_SET_PDEATHSIG ends us) */
		epoll_ctl(w->ep, EPOLL_CTL_DEL, w->o->ctl_fd, NULL);
		epoll_ctl(w->ep_replies, EPOLL_CTL_DEL, w->o->ctl_fd, NULL);
		w->o_ctl_closed = true;
	}
}

/* ping's SIGHUP: the file read again, checked, and run. */
static void reload_file(struct worker *w, const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	char *text = fd >= 0 ? read_fd(fd) : NULL;

	if (text)
		reload_text(w, text, path);
	else
		fprintf(stderr, "nsping: reload: %s: %s; keeping the running configuration\n", path,
			strerror(errno));
	free(text);
	if (fd >= 0)
		close(fd);
}

static void on_signal(struct worker *w)
{
	struct signalfd_siginfo si;

	while (read(w->sfd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGUSR1) {
			print_summaries(w);
		} else if (si.ssi_signo == SIGHUP) {
			/* under run, the reconciler reloads and tells us (NSP_CTL_RELOAD) */
			if (w->o->ctl_fd < 0 && w->o->config)
				reload_file(w, w->o->config);
		} else {
			w->stop = true;
		}
	}
}

static void dispatch(struct worker *w, uint64_t data)
{
	enum ev_kind kind = (enum ev_kind)(data >> 32);
	uint64_t expirations;

	switch (kind) {
	case EV_TIMER:
		if (read(w->tfd, &expirations, sizeof(expirations)) > 0)
			w->armed_ns = 0; /* it fired: the next deadline must be set anew */
		break;
	case EV_SIGNAL:
		on_signal(w);
		break;
	case EV_CTL:
		on_ctl(w);
		break;
	case EV_TCP:
	case EV_ICMP:
	case EV_REPLIES:
		break; /* read_replies() reads them at the top of the loop */
	}
}

static bool rounds_done(const struct worker *w)
{
	return w->o->count > 0 && w->heap_len == 0 && w->pending == 0;
}

static int arm_timer(struct worker *w, uint64_t at)
{
	struct itimerspec its = {.it_value = {.tv_sec = (time_t)(at / NS_PER_SEC),
					      .tv_nsec = (long)(at % NS_PER_SEC)}};

	if (at == w->armed_ns)
		return 0; /* still set for that moment */
	if (at == 0)
		its.it_value.tv_nsec = 1; /* zero would disarm */
	if (timerfd_settime(w->tfd, TFD_TIMER_ABSTIME, &its, NULL) < 0)
		return -errno;
	w->armed_ns = at;
	return 0;
}

static int loop(struct worker *w)
{
	struct epoll_event evs[64];

	while (!w->stop && !rounds_done(w)) {
		uint64_t now = nsp_clock_ns(CLOCK_MONOTONIC), send_at, wake_at;
		int n, err;

		read_replies(w);
		for (size_t i = 0; i < w->n_paths; i++)
			expire(w, &w->paths[i], now, false);
		retry_paths(w, now);
		send_at = send_due(w, now);
		if (now >= w->next_house_ns)
			housekeeping(w, now);
		fflush(w->out);
		if (rounds_done(w))
			break;
		wake_at = next_wakeup(w, send_at);
		err = arm_timer(w, wake_at);
		if (err)
			return err;
		n = epoll_wait(wake_at > now + REPLY_WAIT_NS ? w->ep_replies : w->ep, evs, 64, -1);
		if (n < 0 && errno != EINTR)
			return -errno;
		for (int i = 0; i < n; i++)
			dispatch(w, evs[i].data.u64);
	}
	return 0;
}

/* ---- setup ---- */

static uint32_t ring_size(const struct nsp_ping *ping)
{
	/* Probes in flight per target: timeout / interval, plus room for late replies. */
	uint64_t per_target = ping->timeout_ms / ping->interval_ms + 2, want, size = 64;

	want = per_target * 2 * ping->n_targets;
	while (size < want && size < (1u << 24))
		size <<= 1;
	return (uint32_t)size;
}

/* The paths, targets and schedule of cfg, no socket opened yet. */
static int build_paths(struct worker *w, const struct nsp_config *cfg, uint64_t now)
{
	size_t k = 0;

	w->n_targets = 0;
	w->n_paths = cfg->n_instances;
	w->paths = calloc(w->n_paths, sizeof(*w->paths));
	for (size_t i = 0; i < cfg->n_instances; i++)
		w->n_targets += cfg->instances[i].ping.n_targets;
	w->targets = calloc(w->n_targets ? w->n_targets : 1, sizeof(*w->targets));
	w->heap = calloc(w->n_targets ? w->n_targets : 1, sizeof(*w->heap));
	w->views = calloc(w->n_targets ? w->n_targets : 1, sizeof(*w->views));
	if (!w->paths || !w->targets || !w->heap || !w->views)
		return -ENOMEM;

	for (size_t i = 0; i < w->n_paths; i++) {
		const struct nsp_instance *in = &cfg->instances[i];
		struct path *p = &w->paths[i];
		uint32_t size = ring_size(&in->ping);
		size_t n = in->ping.n_targets;

		*p = (struct path){.inst = in,
				   .index = i,
				   .socks = NSP_PATH_SOCKS_NONE,
				   .mask = size - 1,
				   .interval_ns = in->ping.interval_ms * NS_PER_MS,
				   .timeout_ns = in->ping.timeout_ms * NS_PER_MS};
		p->ring = calloc(size, sizeof(*p->ring));
		if (!p->ring)
			return -ENOMEM;
		nsp_ping_text(in, p->ping_text);
		/* A per-run secret in the sequence numbers: forged replies don't match. */
		if (getrandom(&p->secret, sizeof(p->secret), 0) != sizeof(p->secret))
			p->secret = (uint32_t)now ^ (uint32_t)getpid();
		p->next_id = p->tail_id = p->secret; /* ids start anywhere, too */
		for (size_t j = 0; j < n; j++, k++) {
			struct target *t = &w->targets[k];

			/* Spread over the interval: first by target, then by instance. */
			*t = (struct target){.path = p, .addr = in->ping.targets[j]};
			w->heap[k] =
				(struct send_time){.at_ns = now + p->interval_ns * j / n +
							    p->interval_ns * i / (n * w->n_paths),
						   .target = k};
		}
	}
	w->heap_len = w->n_targets;
	for (size_t i = w->heap_len / 2 + 1; i-- > 0;)
		heap_down(w, i);
	return 0;
}

static void open_paths(struct worker *w, uint64_t now)
{
	for (size_t i = 0; i < w->n_paths; i++)
		path_open(w, &w->paths[i], w->paths[i].inst->ping.targets[0], now);
}

static int setup_paths(struct worker *w, const struct nsp_config *cfg, uint64_t now)
{
	int err = build_paths(w, cfg, now);

	if (!err)
		open_paths(w, now);
	return err;
}

static void free_paths(struct path *paths, size_t n)
{
	for (size_t i = 0; paths && i < n; i++) {
		nsp_path_socks_close(&paths[i].socks);
		free(paths[i].ring);
	}
	free(paths);
}

/* The old target of the same instance and address, or NULL. */
/*
 * The old targets by instance and address, sorted once: a reload of 10,000
 * targets looks each up in O(log n), not in a scan of them all (which held
 * the loop for tens of milliseconds, and the probes due with it).
 */
struct target_key {
	uint32_t addr;
	const char *instance;
};

static int cmp_key(const void *key, const void *elem)
{
	const struct target_key *k = key;
	const struct target *t = *(const struct target *const *)elem;

	if (k->addr != t->addr)
		return k->addr < t->addr ? -1 : 1;
	return strcmp(k->instance, t->path->inst->name);
}

static int cmp_targets(const void *a, const void *b)
{
	const struct target *t = *(const struct target *const *)a;
	struct target_key k = {t->addr, t->path->inst->name};

	return cmp_key(&k, b);
}

static const struct target *old_target(const struct target **sorted, size_t n, const char *instance,
				       uint32_t addr)
{
	struct target_key k = {addr, instance};
	const struct target **found = n ? bsearch(&k, sorted, n, sizeof(*sorted), cmp_key) : NULL;

	return found ? *found : NULL;
}

/*
 * A new configuration (run's reload): new paths and targets; a target that
 * was there before keeps its statistics, its state and, at an unchanged
 * interval, its place in the schedule. Probes in flight are dropped,
 * counted as path-down: the paths are opened anew.
 */
static int reconfigure(struct worker *w, struct nsp_config *cfg, uint64_t now)
{
	struct path *old_paths = w->paths;
	struct target *old = w->targets;
	struct send_time *old_heap = w->heap;
	struct nsp_target_view *old_views = w->views;
	struct nsp_workerstate *old_states = w->path_states;
	size_t n_old = w->n_targets, n_old_paths = w->n_paths, old_heap_len = w->heap_len;
	const struct target **sorted = calloc(n_old ? n_old : 1, sizeof(*sorted));
	uint64_t *old_at = calloc(n_old ? n_old : 1, sizeof(*old_at)); /* each one's next send */
	int err;

	if (!sorted || !old_at) {
		free(sorted);
		free(old_at);
		return -ENOMEM; /* nothing changed yet */
	}
	for (size_t i = 0; i < n_old; i++)
		sorted[i] = &old[i];
	qsort(sorted, n_old, sizeof(*sorted), cmp_targets);
	for (size_t h = 0; h < old_heap_len; h++)
		old_at[old_heap[h].target] = old_heap[h].at_ns;
	for (size_t i = 0; i < n_old_paths; i++) {
		struct path *p = &old_paths[i];

		path_close(w, p);
		for (uint32_t id = p->tail_id; id != p->next_id; id++) {
			struct slot *sl = &p->ring[id & p->mask];

			if (sl->state == SLOT_PENDING) {
				old[sl->target].st.sent--;
				old[sl->target].st.path_down++;
			}
		}
	}
	w->pending = 0;
	err = build_paths(w, cfg, now);
	if (!err)
		w->path_states = calloc(w->n_paths ? w->n_paths : 1, sizeof(*w->path_states));
	if (err || !w->path_states) {
		/* keep running the old configuration */
		free_paths(w->paths, w->n_paths);
		free(w->targets);
		free(w->heap);
		free(w->views);
		free(w->path_states);
		w->paths = old_paths, w->targets = old, w->heap = old_heap, w->views = old_views;
		w->path_states = old_states;
		w->n_targets = n_old, w->n_paths = n_old_paths, w->heap_len = old_heap_len;
		open_paths(w, now);
		free(sorted);
		free(old_at);
		return err ? err : -ENOMEM;
	}
	for (size_t k = 0; k < w->heap_len; k++) {
		struct target *t = &w->targets[w->heap[k].target];
		const struct target *o = old_target(sorted, n_old, t->path->inst->name, t->addr);

		if (!o)
			continue;
		t->st = o->st;
		t->rounds = o->rounds;
		if (o->path->interval_ns == t->path->interval_ns && old_at[o - old] > now)
			w->heap[k].at_ns = old_at[o - old];
	}
	free(sorted);
	free(old_at);
	for (size_t i = w->heap_len / 2 + 1; i-- > 0;)
		heap_down(w, i);
	for (size_t i = 0; i < w->n_paths; i++)
		for (size_t j = 0; j < n_old_paths; j++)
			if (!strcmp(w->paths[i].inst->name, old_paths[j].inst->name))
				w->paths[i].repairs = old_paths[j].repairs;
	/* the state files of instances that are gone */
	for (size_t j = 0; w->o->state_dir && j < n_old_paths; j++) {
		bool kept = false;

		for (size_t i = 0; i < w->n_paths; i++)
			kept |= !strcmp(w->paths[i].inst->name, old_paths[j].inst->name);
		if (!kept)
			nsp_workerstate_remove(w->o->state_dir, old_paths[j].inst->name);
	}
	free_paths(old_paths, n_old_paths);
	free(old);
	free(old_heap);
	free(old_views);
	free(old_states);
	if (w->own_cfg) {
		nsp_config_free(w->own_cfg);
		free(w->own_cfg);
	}
	w->own_cfg = cfg;
	open_paths(w, now);
	metrics_update(w);
	state_write(w);
	return 0;
}

/* What wakes the loop whichever set it waits on: the timer, signals, ctl. */
static int watch_wakers(struct worker *w, int ep)
{
	int err = watch(ep, w->tfd, EV_TIMER, 0);

	if (!err)
		err = watch(ep, w->sfd, EV_SIGNAL, 0);
	if (!err && w->o->ctl_fd >= 0 && !w->o_ctl_closed)
		err = watch(ep, w->o->ctl_fd, EV_CTL, 0);
	return err;
}

static int setup_events(struct worker *w)
{
	sigset_t mask;
	int err;

	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGUSR1);
	sigaddset(&mask, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0)
		return -errno;
	signal(SIGPIPE, SIG_IGN);
	w->ep = epoll_create1(EPOLL_CLOEXEC);
	w->ep_replies = epoll_create1(EPOLL_CLOEXEC);
	w->ep_socks = epoll_create1(EPOLL_CLOEXEC);
	w->sfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	w->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (w->ep < 0 || w->ep_replies < 0 || w->ep_socks < 0 || w->sfd < 0 || w->tfd < 0)
		return -errno;
	err = watch_wakers(w, w->ep);
	if (!err)
		err = watch_wakers(w, w->ep_replies);
	return err ? err : watch(w->ep_replies, w->ep_socks, EV_REPLIES, 0);
}

static void teardown(struct worker *w)
{
	free_paths(w->paths, w->n_paths);
	nsp_opener_stop(&w->opener);
	if (w->own_cfg) {
		nsp_config_free(w->own_cfg);
		free(w->own_cfg);
	}
	free(w->targets);
	free(w->heap);
	free(w->views);
	nsp_metrics_free(&w->metrics);
	free(w->sb);
	free(w->rb);
	free(w->path_states);
	if (w->ep >= 0)
		close(w->ep);
	if (w->ep_replies >= 0)
		close(w->ep_replies);
	if (w->ep_socks >= 0)
		close(w->ep_socks);
	if (w->sfd >= 0)
		close(w->sfd);
	if (w->tfd >= 0)
		close(w->tfd);
}

static bool all_answered(const struct worker *w)
{
	for (size_t i = 0; i < w->n_targets; i++)
		if (w->targets[i].st.received == 0)
			return false;
	return true;
}

int nsp_worker_run(const struct nsp_config *cfg, const struct nsp_worker_options *o)
{
	struct worker w = {.o = o,
			   .ep = -1,
			   .ep_replies = -1,
			   .ep_socks = -1,
			   .sfd = -1,
			   .tfd = -1,
			   .out = stdout,
			   .metrics = {.file = o->prom_file, .listen_fd = o->prom_listen_fd},
			   .opener = {.sock = -1}};
	uint64_t now;
	int err, rc;

	w.sb = calloc(1, sizeof(*w.sb));
	w.rb = calloc(1, sizeof(*w.rb));
	err = w.sb && w.rb ? setup_events(&w) : -ENOMEM;
	if (!err)
		err = nsp_opener_start(&w.opener);
	/* From here on the worker needs no privilege: the opener has them. */
	if (!err)
		err = nsp_privs_restrict(0);
	/* /metrics in threads of its own, which inherit no privilege now */
	if (!err)
		err = nsp_metrics_start(&w.metrics);
	if (err) {
		fprintf(stderr, "nsping: ping: starting the worker: %s\n", strerror(-err));
		teardown(&w);
		return 1;
	}
	now = nsp_clock_ns(CLOCK_MONOTONIC);
	w.tokens_ns = now;
	w.next_house_ns = now + HOUSEKEEPING_NS;
	w.notify = getenv("NOTIFY_SOCKET") != NULL;
	if (w.notify && getenv("WATCHDOG_USEC"))
		w.watchdog_ns = strtoull(getenv("WATCHDOG_USEC"), NULL, 10) * 1000;
	err = setup_paths(&w, cfg, now);
	if (!err) {
		metrics_update(&w);
		state_start(&w);
		/* ping alone is ready once it probes; under run, its reconciler says so */
		if (w.notify && o->ctl_fd < 0)
			sd_notify(0, "READY=1");
		err = loop(&w);
	}
	if (err)
		fprintf(stderr, "nsping: ping: %s\n", strerror(-err));
	print_summaries(&w);
	metrics_update(&w);
	rc = err ? 1 : o->count > 0 && !all_answered(&w) ? 1 : 0;
	state_remove(&w);
	teardown(&w);
	return rc;
}
