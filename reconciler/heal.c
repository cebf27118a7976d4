// SPDX-License-Identifier: GPL-2.0-only
/*
 * run's reconciler, once the first apply is done: it watches the kernel
 * (watch.c) and repairs what drifts with the smallest plan, while the worker,
 * its child, probes. It tells the worker when an instance's datapath is being
 * repaired or cannot be (common/ctl.h), so that a local fault never reads as
 * a gateway outage. It ends when the worker ends, with its exit code.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <time.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include "clock.h"
#include "commands.h"
#include "config.h"
#include "converge.h"
#include "ctl.h"
#include "ethstats.h"
#include "lock.h"
#include "nsping_counters.h"
#include "progcache.h"
#include "render.h"
#include "runstate.h"
#include "txalarm.h"
#include "txwatch.h"
#include "watch.h"
#include "xdp.h"
#include "xdphold.h"
#include "workerstate.h"

#define MS 1000000ULL
/* Notifications come in bursts (a netns flush is several): wait for the end. */
#define COALESCE_NS	(1 * MS)
#define COALESCE_MAX_NS (20 * MS)
/*
 * A check without a notification, for what sends none. Everything nsping
 * watches notifies (an XDP detach is an RTM_NEWLINK, a tc filter removed an
 * RTM_DELTFILTER, an offload switched an RTM_NEWLINK): this is a fallback,
 * and a rare one keeps an idle run as cheap as the worker alone.
 */
#define FALLBACK_NS	 (10000 * MS)
#define BACKOFF_FIRST_NS (100 * MS)
#define BACKOFF_MAX_NS	 (30000 * MS)
#define LOCK_WAIT_MS	 100 /* another nsping's apply holds it that long at most */
#define LOCK_RETRY_NS	 (50 * MS)
/*
 * How often tx_ping's and the uplink's counters are read for transmit
 * errors (txwatch.h) while a path loses probes, or always when the kernel
 * cannot raise txalarm.h's alarm: every half of the shortest
 * ping.timeout_ms, so that a lost probe is excused before it times out,
 * within these bounds (the default timeout of 1 s: twice a second).
 */
#define TX_WATCH_MIN_NS (20 * MS)
#define TX_WATCH_MAX_NS (500 * MS)

struct heal_instance {
	bool dirty;
	uint64_t first_ns; /* the first notification since the last check */
	bool repairing;	   /* the worker was told so */
	bool broken;
	char reason[192]; /* why it is broken, as last said */
	uint64_t repairs;
	struct nsp_txwatch tx;
	uint64_t tx_clean_ns; /* the last reading of tx's counters that saw no loss */
	bool held;	      /* its XDP programs are held (xdphold.h) as last observed */
	bool hold_failed;     /* and why not was said */
};

struct healer {
	const struct nsp_options *o;
	const struct nsp_config *cfg;
	struct nsp_config *own_cfg; /* cfg after a reload, ours to free */
	char *text;		    /* the file's text that cfg came from, when known */
	struct nsp_kernel k;
	struct nsp_converge c;
	struct nsp_watch watch;
	struct heal_instance *inst;
	bool *dirty; /* nsp_watch_read()'s view of inst[].dirty */
	int ep, tfd, sfd, ctl;
	int ethsock;		   /* AF_INET, in the host netns: the uplink's driver statistics */
	struct nsp_txalarm *alarm; /* the kernel's word of a lost probe; NULL: read on a timer */
	pid_t worker;
	int exit_code;
	bool worker_done;
	uint64_t check_at; /* 0: none due */
	uint64_t check_limit;
	uint64_t fallback_at;
	uint64_t tx_watch_at; /* 0: no instance binds tx_ping at XDP, or the alarm watches */
	uint64_t retry_at;    /* after a failed repair, not before */
	uint64_t backoff_ns;
	bool reload;	/* SIGHUP came */
	bool reloading; /* the changes of this check apply a new file: not repairs */
};

static void on_signal(struct healer *h);

static uint64_t now_ns(void)
{
	return nsp_clock_ns(CLOCK_MONOTONIC);
}

static void tell_worker(struct healer *h, size_t i, enum nsp_ctl_type type, uint64_t t,
			enum nsp_path_cause cause, const char *reason)
{
	struct nsp_ctl_msg m = {.type = type,
				.instance = (uint32_t)i,
				.t_ns = t,
				.repairs = h->inst[i].repairs,
				.cause = cause};

	snprintf(m.reason, sizeof(m.reason), "%s", reason ? reason : "");
	/* never block: a worker that does not read is about to be reaped */
	send(h->ctl, &m, sizeof(m), MSG_DONTWAIT | MSG_NOSIGNAL);
}

/* One line of run's output: JSON on stdout with --json, text on stderr otherwise. */
static void emit(struct healer *h, const char *text, size_t len)
{
	FILE *f = h->o->json ? stdout : stderr;

	fwrite(text, 1, len, f);
	fflush(f);
}

static void say_broken(struct healer *h, size_t i, enum nsp_path_cause cause, const char *reason)
{
	const char *name = h->cfg->instances[i].name;
	struct heal_instance *x = &h->inst[i];
	struct nsp_json j;
	size_t len = 0;
	char *buf = NULL;
	FILE *f;

	if (x->broken && !strcmp(x->reason, reason))
		return; /* said once */
	x->broken = true;
	snprintf(x->reason, sizeof(x->reason), "%s", reason);
	tell_worker(h, i, NSP_CTL_BROKEN, now_ns(), cause, reason);
	f = open_memstream(&buf, &len);
	if (!f)
		return;
	if (h->o->json) {
		nsp_json_init(&j, f);
		nsp_json_begin_object(&j, NULL);
		nsp_json_string(&j, "type", "repair");
		nsp_json_string(&j, "instance", name);
		nsp_json_string(&j, "result", "blocked");
		nsp_json_string(&j, "cause", nsp_path_cause_name(cause));
		nsp_json_string(&j, "reason", reason);
		nsp_json_end_object(&j); /* and its newline */
	} else {
		fprintf(f, "nsping: %s: cannot repair (%s): %s\n", name, nsp_path_cause_name(cause),
			reason);
	}
	fclose(f);
	emit(h, buf, len);
	free(buf);
}

/* Whole again without a repair of ours (someone else put it back). */
static void say_whole(struct healer *h, size_t i)
{
	struct heal_instance *x = &h->inst[i];

	if (!x->broken && !x->repairing)
		return;
	if (x->broken && !h->o->json && h->o->verbosity != NSP_QUIET)
		fprintf(stderr, "nsping: %s: whole again\n", h->cfg->instances[i].name);
	x->broken = x->repairing = false;
	x->reason[0] = '\0';
	tell_worker(h, i, NSP_CTL_REPAIRED, now_ns(), NSP_CAUSE_NONE, NULL);
}

/*
 * What drifted was put back: one line with every change, how long the repair
 * took (ms) and how long since the kernel first told of the drift
 * (latency_ms), and the changing requests the repair sent.
 */
static void say_repaired(struct healer *h, size_t i, double ms, double latency_ms,
			 unsigned long requests)
{
	const struct nsp_plan *done = &h->c.done;
	const char *name = h->cfg->instances[i].name;
	const char *sep = "";
	struct nsp_json j;
	size_t len = 0;
	char *buf = NULL;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return;
	if (h->o->json) {
		nsp_json_init(&j, f);
		nsp_json_begin_object(&j, NULL);
		nsp_json_string(&j, "type", "repair");
		nsp_json_string(&j, "instance", name);
		nsp_json_string(&j, "result", h->reloading ? "reloaded" : "repaired");
		nsp_json_double(&j, "ms", ms);
		nsp_json_double(&j, "latency_ms", latency_ms);
		nsp_json_uint(&j, "requests", requests);
		nsp_json_uint(&j, "repairs", h->inst[i].repairs);
		nsp_json_begin_array(&j, "changes");
		for (size_t k = 0; k < done->n_changes; k++)
			if (done->changes[k].instance == i)
				nsp_render_change_json(&j, h->cfg, &done->changes[k]);
		nsp_json_end_array(&j);
		nsp_json_end_object(&j);
	} else {
		fprintf(f, "nsping: %s: %s in %.2f ms: ", name,
			h->reloading ? "reload applied" : "repaired", ms);
		for (size_t k = 0; k < done->n_changes; k++) {
			if (done->changes[k].instance != i)
				continue;
			fputs(sep, f);
			nsp_render_change(f, &done->changes[k]);
			sep = "; ";
		}
		fputc('\n', f);
	}
	fclose(f);
	emit(h, buf, len);
	free(buf);
}

/* What a reload pruned: one line per orphan's change, as apply prints them. */
static void say_pruned(struct healer *h)
{
	const struct nsp_plan *done = &h->c.done;

	for (size_t k = 0; k < done->n_changes; k++) {
		const struct nsp_change *c = &done->changes[k];
		struct nsp_json j;

		if (c->instance != NSP_NO_INSTANCE)
			continue;
		if (h->o->json) {
			nsp_json_init(&j, stdout);
			nsp_json_begin_object(&j, NULL);
			nsp_json_string(&j, "type", "repair");
			nsp_json_string(&j, "instance", c->owner.instance);
			nsp_json_string(&j, "result", "pruned");
			nsp_json_begin_array(&j, "changes");
			nsp_render_change_json(&j, h->cfg, c);
			nsp_json_end_array(&j);
			nsp_json_end_object(&j);
			fflush(stdout);
		} else {
			fputs("nsping: pruned: ", stderr);
			nsp_render_change(stderr, c);
			fputc('\n', stderr);
		}
	}
}

static int epoll_add(struct healer *h, int fd)
{
	struct epoll_event ev = {.events = EPOLLIN, .data.fd = fd};

	return epoll_ctl(h->ep, EPOLL_CTL_ADD, fd, &ev) < 0 ? -errno : 0;
}

/* Watch what the last observation found: new netns sockets are added to the loop. */
static void follow(struct healer *h)
{
	for (size_t i = 0; i < h->cfg->n_instances; i++) {
		int r = nsp_watch_update(&h->watch, i, &h->c.obs[i]);

		if (r == 1 && h->watch.inst[i].fd >= 0)
			r = epoll_add(h, h->watch.inst[i].fd);
		if (r < 0)
			fprintf(stderr, "nsping: %s: watching netns %s: %s\n",
				h->cfg->instances[i].name, h->cfg->instances[i].netns,
				strerror(-r));
	}
}

static bool changes_of(const struct nsp_plan *plan, size_t i)
{
	for (size_t k = 0; k < plan->n_changes; k++)
		if (plan->changes[k].instance == i)
			return true;
	return false;
}

/*
 * What a conflict does to the probe path: a foreign program in a binding's
 * place takes the receive or the transmit path away; anything else in the
 * way (a link, a netns) is a conflict of its own.
 */
static enum nsp_path_cause conflict_cause(const struct nsp_instance *w,
					  const struct nsp_conflict *c)
{
	if (c->kind != NSP_KIND_XDP && c->kind != NSP_KIND_TC)
		return NSP_CAUSE_CONFLICT;
	for (size_t b = 0; b < w->n_bindings; b++)
		if (!strcmp(w->bindings[b].interface, c->object))
			return w->bindings[b].program == NSP_PROG_RX_PING
				       ? NSP_CAUSE_RECEIVE_PATH_MISSING
				       : NSP_CAUSE_TRANSMIT_PATH_MISSING;
	return NSP_CAUSE_CONFLICT;
}

/*
 * Why instance i cannot be converged now, or NULL: a conflict or an error of
 * the plan, or an uplink that carries nothing (not up, or no carrier: a
 * driver reload, a cable), which is not nsping's to fix but is local.
 */
static const char *blocked_by(const struct healer *h, const struct nsp_plan *plan, size_t i,
			      enum nsp_path_cause *cause)
{
	static char why[64];
	const struct nsp_obs_link *up = &h->c.obs[i].uplink;

	for (size_t k = 0; k < plan->n_conflicts; k++) {
		if (plan->conflicts[k].instance == i) {
			*cause = conflict_cause(&h->cfg->instances[i], &plan->conflicts[k]);
			return plan->conflicts[k].reason;
		}
	}
	for (size_t k = 0; k < plan->n_problems; k++) {
		if (plan->problems[k].instance == i) {
			*cause = plan->problems[k].cause;
			return plan->problems[k].reason;
		}
	}
	if (up->present && (!up->up || !up->running)) {
		snprintf(why, sizeof(why), "uplink %s %s", up->name,
			 !up->up ? "is down" : "has no carrier");
		*cause = NSP_CAUSE_UPLINK_DOWN;
		return why;
	}
	return NULL;
}

/* Instance i's tx_ping at XDP, ours and attached at the last look: its id, or 0. */
static uint32_t tx_prog_id(const struct healer *h, size_t i)
{
	const struct nsp_instance *w = &h->cfg->instances[i];

	for (size_t b = 0; b < w->n_bindings; b++) {
		const struct nsp_obs_prog *o = &h->c.obs[i].progs[b];

		if (w->bindings[b].program == NSP_PROG_TX_PING &&
		    w->bindings[b].attach == NSP_ATTACH_XDP && o->present && o->ours)
			return o->id;
	}
	return 0;
}

/* A transmit path that began to lose every probe (failing), or carries them again. */
static void say_transmit(struct healer *h, size_t i, bool failing, uint64_t since)
{
	const struct nsp_instance *w = &h->cfg->instances[i];
	const struct nsp_txwatch *tx = &h->inst[i].tx;
	char reason[192];
	struct nsp_json j;

	snprintf(reason, sizeof(reason),
		 "uplink %s lost every probe that tx_ping redirected to it (%llu XDP frames "
		 "failed to transmit): it refuses XDP frames",
		 w->uplink, (unsigned long long)tx->failed);
	tell_worker(h, i, failing ? NSP_CTL_FAILING : NSP_CTL_FLOWING, since,
		    NSP_CAUSE_UPLINK_TX_ERRORS, failing ? reason : NULL);
	if (h->o->json) {
		nsp_json_init(&j, stdout);
		nsp_json_begin_object(&j, NULL);
		nsp_json_string(&j, "type", "repair");
		nsp_json_string(&j, "instance", w->name);
		nsp_json_string(&j, "result", failing ? "failing" : "flowing");
		nsp_json_string(&j, "cause", nsp_path_cause_name(NSP_CAUSE_UPLINK_TX_ERRORS));
		if (failing)
			nsp_json_string(&j, "reason", reason);
		nsp_json_end_object(&j);
		fflush(stdout);
	} else if (failing) {
		fprintf(stderr, "nsping: %s: losing probes (uplink_tx_errors): %s\n", w->name,
			reason);
	} else if (h->o->verbosity != NSP_QUIET) {
		fprintf(stderr, "nsping: %s: uplink %s takes the probes again\n", w->name,
			w->uplink);
	}
}

static uint64_t tx_watch_period(const struct nsp_config *cfg)
{
	uint64_t ns = TX_WATCH_MAX_NS;

	for (size_t i = 0; i < cfg->n_instances; i++)
		if ((uint64_t)cfg->instances[i].ping.timeout_ms * MS / 2 < ns)
			ns = (uint64_t)cfg->instances[i].ping.timeout_ms * MS / 2;
	return ns < TX_WATCH_MIN_NS ? TX_WATCH_MIN_NS : ns;
}

/* No alarm (it could not load, or failed): say so, and read on the timer from now on. */
static void alarm_close(struct healer *h, int err)
{
	if (h->o->verbosity != NSP_QUIET)
		fprintf(stderr,
			"nsping: run: no alarm from the kernel for lost probes (%s): reading "
			"tx_ping's counters every %llu ms\n",
			strerror(-err), (unsigned long long)(tx_watch_period(h->cfg) / MS));
	nsp_txalarm_close(h->alarm); /* its fd leaves the epoll set as it closes */
	h->alarm = NULL;
}

/* The alarm watches the host-side veth of every instance whose tx_ping is attached. */
static void alarm_watch(struct healer *h)
{
	uint32_t watched[NSP_MAX_INSTANCES];
	size_t n = 0;
	int r;

	for (size_t i = 0; i < h->cfg->n_instances && n < NSP_MAX_INSTANCES; i++)
		if (tx_prog_id(h, i) && h->c.obs[i].host.present)
			watched[n++] = (uint32_t)h->c.obs[i].host.ifindex;
	r = nsp_txalarm_watch(h->alarm, watched, n);
	if (r < 0)
		alarm_close(h, r);
}

/*
 * tx_ping's counters and the uplink's XDP transmit losses (txwatch.h): read
 * at start, after each check, at an alarm, and on a timer while a path
 * loses probes (or always, without the alarm).
 *
 * may_rest: this reading may end the timer, and arms the alarm first, so
 * that a loss from then on raises it again. Not a reading the alarm asked
 * for: the kernel counts a refused redirect a little after the tracepoint
 * fires (veth folds its drops in at the end of its poll), so that reading
 * may not see its loss yet. It is followed by one on the timer, which does;
 * the alarm thus rings at most once a period, however many frames are lost.
 */
static void watch_transmit(struct healer *h, uint64_t now, bool may_rest)
{
	bool any = false, quiet = true;

	if (h->ethsock < 0)
		h->ethsock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (h->alarm && may_rest) {
		alarm_watch(h);
		if (h->alarm)
			nsp_txalarm_arm(h->alarm);
	}
	for (size_t i = 0; i < h->cfg->n_instances; i++) {
		struct heal_instance *x = &h->inst[i];
		const struct nsp_obs_link *up = &h->c.obs[i].uplink, *host = &h->c.obs[i].host;
		uint64_t counters[NSP_CNT_MAX] = {0}, lost = 0, driver = 0;
		uint32_t id = tx_prog_id(h, i);
		enum nsp_txwatch_change change;
		bool lost_known;

		if (id && nsp_prog_counters(id, counters, NSP_CNT_MAX) < 0)
			id = 0; /* detached meanwhile: the next check says so */
		/*
		 * A probe the uplink refuses outright fails in the redirect itself,
		 * counted by the host-side veth (where tx_ping runs); one its driver
		 * takes and cannot queue, by the uplink's driver statistics.
		 */
		lost_known = id && h->ethsock >= 0 && host->present &&
			     nsp_ethstats_sum(h->ethsock, host->name, nsp_ethstat_is_veth_xdp_drop,
					      &lost) == 0;
		if (lost_known && up->present &&
		    nsp_ethstats_sum(h->ethsock, up->name, nsp_ethstat_is_xdp_loss, &driver) == 0)
			lost += driver;
		change = nsp_txwatch_feed(&x->tx, id, counters[NSP_CNT_REDIRECTED], lost_known,
					  lost);
		/* the losses began after the last reading that saw none */
		if (change == NSP_TX_FAILING)
			say_transmit(h, i, true, x->tx_clean_ns ? x->tx_clean_ns : now);
		else if (change == NSP_TX_FLOWING)
			say_transmit(h, i, false, now);
		/* (after an alarm, a loss was seen: "no loss" may be the counters' lag) */
		if (x->tx.lossless && may_rest)
			x->tx_clean_ns = now;
		quiet &= !lost_known || (x->tx.lossless && !x->tx.failing);
		any |= lost_known;
	}
	/* with the alarm, a quiet path is read again when it raises it */
	h->tx_watch_at =
		any && (!h->alarm || !quiet || !may_rest) ? now + tx_watch_period(h->cfg) : 0;
}

static void clear_dirty(struct healer *h)
{
	for (size_t i = 0; i < h->cfg->n_instances; i++)
		h->inst[i].dirty = h->dirty[i] = false;
}

static void failed(struct healer *h, uint64_t now, const char *why)
{
	h->backoff_ns = h->backoff_ns ? h->backoff_ns * 2 : BACKOFF_FIRST_NS;
	if (h->backoff_ns > BACKOFF_MAX_NS)
		h->backoff_ns = BACKOFF_MAX_NS;
	h->retry_at = now + h->backoff_ns;
	h->check_at = h->retry_at;
	for (size_t i = 0; i < h->cfg->n_instances; i++)
		if (h->inst[i].dirty || changes_of(&h->c.plan, i))
			say_broken(h, i, NSP_CAUSE_REPAIR_FAILED, why);
}

/*
 * What to hold of a binding's observed program: ours as attached; a program
 * gone from its device (drift, a missing uplink) stays held until another one
 * is attached in its place, since letting it go would cost the grace period
 * the hold saves, with RTNL held.
 */
static uint32_t to_hold(const struct nsp_obs_prog *p)
{
	return p->present && p->ours ? p->id : NSP_HOLD_KEEP;
}

/*
 * Hold each instance's XDP programs (xdphold.h) where something changed
 * since they were last held. Best effort: without the hold, a re-attach
 * only waits longer.
 */
static void hold_programs(struct healer *h, bool repaired)
{
	for (size_t i = 0; i < h->cfg->n_instances; i++) {
		const struct nsp_instance *w = &h->cfg->instances[i];
		const struct nsp_obs_instance *o = &h->c.obs[i];
		struct heal_instance *x = &h->inst[i];
		uint32_t want[2] = {0};
		int r;

		if (x->held && !x->dirty && !(repaired && changes_of(&h->c.done, i)))
			continue;
		if (!o->netns_present || !o->netns_owned || h->k.ns[i].netns_fd < 0)
			continue;
		for (size_t b = 0; b < w->n_bindings; b++)
			if (w->bindings[b].attach == NSP_ATTACH_XDP)
				want[w->bindings[b].program] = to_hold(&o->progs[b]);
		r = nsp_xdphold_sync(&h->k.ns[i].nl, want);
		x->held = r == 0;
		if (r < 0 && !x->hold_failed)
			fprintf(stderr,
				"nsping: run: instance %s: holding its XDP programs in netns %s: %s"
				" (a re-attach waits for the kernel's grace period)\n",
				w->name, w->netns, strerror(-r));
		x->hold_failed = r < 0;
	}
}

/*
 * Let the holds go, in every netns of ours that the last observe saw, held
 * or not (a sync that failed half-way may have left a pair): run ends, or
 * reloads another configuration, whose first check holds again.
 */
static void release_programs(struct healer *h)
{
	static const uint32_t none[2];

	for (size_t i = 0; h->c.obs && i < h->cfg->n_instances; i++)
		if (h->c.obs[i].netns_present && h->c.obs[i].netns_owned &&
		    h->k.ns[i].netns_fd >= 0)
			(void)nsp_xdphold_sync(&h->k.ns[i].nl, none);
}

/* Observe, and repair what drifted. */
static void check(struct healer *h, uint64_t now)
{
	size_t n = h->cfg->n_instances;
	uint64_t start, end;
	unsigned long requests;
	bool any = false;
	char why[600];
	int lock, e;

	h->check_at = 0;
	h->fallback_at = now + FALLBACK_NS;
	if (nsp_converge_observe(&h->c) < 0 || nsp_converge_plan(&h->c) < 0) {
		failed(h, now, h->c.err);
		return;
	}
	follow(h);
	for (size_t i = 0; i < n; i++) {
		enum nsp_path_cause cause = NSP_CAUSE_NONE;
		const char *reason = blocked_by(h, &h->c.plan, i, &cause);

		if (reason)
			say_broken(h, i, cause, reason);
		if (changes_of(&h->c.plan, i))
			any = true; /* (an uplink without carrier still takes its program) */
		else if (!reason)
			say_whole(h, i);
	}
	/* an orphan's deletion (a reload's prune) is a change of no instance */
	any |= changes_of(&h->c.plan, NSP_NO_INSTANCE);
	if (!any) {
		hold_programs(h, false);
		clear_dirty(h);
		return;
	}
	lock = nsp_lock_take(h->o->state_dir, LOCK_WAIT_MS);
	if (lock == -EWOULDBLOCK) {
		h->check_at = now_ns() + LOCK_RETRY_NS; /* an apply of someone else's */
		return;
	}
	if (lock < 0) {
		snprintf(why, sizeof(why), "%s/lock: %s", h->o->state_dir, strerror(-lock));
		failed(h, now, why);
		return;
	}
	/*
	 * An apply that held the lock may have changed the file and the kernel:
	 * it signals us before it lets the lock go. Reload first, then; else
	 * look again, under the lock, at what is left to repair.
	 */
	on_signal(h);
	if (h->reload) {
		nsp_lock_release(lock);
		return;
	}
	if (nsp_converge_observe(&h->c) < 0 || nsp_converge_plan(&h->c) < 0) {
		nsp_lock_release(lock);
		failed(h, now, h->c.err);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		if (!changes_of(&h->c.plan, i))
			continue;
		h->inst[i].repairing = true;
		tell_worker(h, i, NSP_CTL_REPAIRING, h->inst[i].dirty ? h->inst[i].first_ns : now,
			    NSP_CAUSE_NONE, NULL);
	}
	start = now_ns();
	requests = h->k.requests;
	nsp_plan_free(&h->c.done);
	e = nsp_converge_apply(&h->c);
	nsp_lock_release(lock);
	end = now_ns();
	for (size_t i = 0; i < n; i++) {
		uint64_t first = h->inst[i].dirty ? h->inst[i].first_ns : start;

		if (!changes_of(&h->c.done, i))
			continue;
		h->inst[i].repairs += !h->reloading;
		say_repaired(h, i, (double)(end - start) / 1e6, (double)(end - first) / 1e6,
			     h->k.requests - requests);
	}
	say_pruned(h);
	if (e < 0) {
		snprintf(why, sizeof(why), "repair failed: %s", h->c.err);
		failed(h, now_ns(), why);
		return;
	}
	h->backoff_ns = 0;
	follow(h);
	for (size_t i = 0; i < n; i++) {
		enum nsp_path_cause cause = NSP_CAUSE_NONE;
		const char *reason = blocked_by(h, &h->c.plan, i, &cause);

		if (reason)
			say_broken(h, i, cause, reason);
		else if (h->inst[i].repairing || h->inst[i].broken)
			say_whole(h, i);
	}
	hold_programs(h, true);
	clear_dirty(h);
}

/* A notification on fd: mark what it concerns, and when to look. */
static void on_notification(struct healer *h, int fd, uint64_t now)
{
	int r = nsp_watch_read(&h->watch, fd, h->dirty);

	if (r < 0) {
		fprintf(stderr, "nsping: reading notifications: %s\n", strerror(-r));
		return;
	}
	for (size_t i = 0; i < h->cfg->n_instances; i++) {
		if (h->dirty[i] && !h->inst[i].dirty) {
			h->inst[i].dirty = true;
			h->inst[i].first_ns = now;
		}
	}
	if (!r && !h->check_at)
		return;
	if (!h->check_at) {
		h->check_limit = now + COALESCE_MAX_NS;
		h->check_at = now + COALESCE_NS;
	} else if (r && h->check_at < h->check_limit) {
		h->check_at =
			now + COALESCE_NS < h->check_limit ? now + COALESCE_NS : h->check_limit;
	}
	if (h->check_at < h->retry_at)
		h->check_at = h->retry_at;
}

static void reap(struct healer *h)
{
	int status;

	if (h->worker_done || waitpid(h->worker, &status, WNOHANG) != h->worker)
		return;
	h->worker_done = true;
	if (WIFEXITED(status))
		h->exit_code = WEXITSTATUS(status);
	else
		h->exit_code = NSP_EXIT_FAILURE;
}

static void on_signal(struct healer *h)
{
	struct signalfd_siginfo si;

	while (read(h->sfd, &si, sizeof(si)) == sizeof(si)) {
		switch (si.ssi_signo) {
		case SIGCHLD:
			reap(h);
			break;
		case SIGHUP:
			h->reload = true;
			break;
		default: /* SIGTERM, SIGINT: the worker prints its summaries and ends */
			sd_notify(0, "STOPPING=1");
			kill(h->worker, (int)si.ssi_signo);
			break;
		}
	}
}

/* What depends on the configuration: the kernel handles, the watch, the per-instance state. */
static int setup_config(struct healer *h)
{
	int r;

	r = nsp_kernel_open(&h->k, h->cfg->n_instances);
	if (r < 0)
		return r;
	r = nsp_converge_init(&h->c, &h->k, h->cfg, nsp_plan_build);
	if (r < 0)
		return r;
	h->c.tolerate_blocked = true;
	/* our programs stay loaded: a detached one goes back with one request */
	nsp_progcache_clear();
	nsp_progcache_enable();
	r = nsp_watch_open(&h->watch, h->cfg);
	if (r < 0)
		return r;
	h->inst = calloc(h->cfg->n_instances + 1, sizeof(*h->inst));
	h->dirty = calloc(h->cfg->n_instances + 1, sizeof(*h->dirty));
	if (!h->inst || !h->dirty)
		return -ENOMEM;
	if ((r = epoll_add(h, h->watch.host_fd)) < 0 || (r = epoll_add(h, h->watch.inotify_fd)) < 0)
		return r;
	return 0;
}

static void teardown_config(struct healer *h)
{
	nsp_watch_close(&h->watch); /* its fds leave the epoll set as they close */
	nsp_converge_free(&h->c);
	nsp_kernel_close(&h->k);
	free(h->inst);
	free(h->dirty);
	h->inst = NULL;
	h->dirty = NULL;
}

/* STATE_DIR/run: what apply, destroy and another run look at (runstate.h). */
static void say_running(struct healer *h)
{
	struct nsp_runstate rs = {.pid = (int32_t)getpid(), .hash = h->cfg->text_hash};
	int r;

	snprintf(rs.config, sizeof(rs.config), "%s", h->o->config);
	r = nsp_process_start_ticks(rs.pid, &rs.start_ticks);
	if (r == 0)
		r = nsp_runstate_write(h->o->state_dir, &rs);
	if (r < 0)
		fprintf(stderr, "nsping: run: %s/run: %s (apply will not know of this run)\n",
			h->o->state_dir, strerror(-r));
}

static int setup(struct healer *h)
{
	sigset_t set;
	int r;

	h->ep = epoll_create1(EPOLL_CLOEXEC);
	h->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGCHLD);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return -errno;
	h->sfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	if (h->ep < 0 || h->tfd < 0 || h->sfd < 0)
		return -errno;
	if (epoll_add(h, h->sfd) < 0 || epoll_add(h, h->tfd) < 0)
		return -errno;
	r = nsp_txalarm_open(&h->alarm);
	if (r == 0)
		r = epoll_add(h, nsp_txalarm_fd(h->alarm));
	if (r < 0)
		alarm_close(h, r);
	reap(h); /* a SIGCHLD before the signalfd existed was lost */
	r = setup_config(h);
	if (r == 0)
		say_running(h);
	return r;
}

static void teardown(struct healer *h)
{
	nsp_runstate_remove(h->o->state_dir, (int32_t)getpid());
	nsp_txalarm_close(h->alarm);
	release_programs(h);
	teardown_config(h);
	nsp_progcache_clear();
	if (h->own_cfg) {
		nsp_config_free(h->own_cfg);
		free(h->own_cfg);
	}
	free(h->text);
	if (h->ep >= 0)
		close(h->ep);
	if (h->tfd >= 0)
		close(h->tfd);
	if (h->sfd >= 0)
		close(h->sfd);
	if (h->ethsock >= 0)
		close(h->ethsock);
}

/* The new configuration's text to the worker, as a memfd: it may be large. */
static void send_config(struct healer *h, const char *text)
{
	struct nsp_ctl_msg m = {.type = NSP_CTL_RELOAD};
	char control[CMSG_SPACE(sizeof(int))] = {0};
	struct iovec iov = {.iov_base = &m, .iov_len = sizeof(m)};
	struct msghdr msg = {.msg_iov = &iov,
			     .msg_iovlen = 1,
			     .msg_control = control,
			     .msg_controllen = sizeof(control)};
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
	size_t len = strlen(text);
	int fd = memfd_create("nsping.conf", MFD_CLOEXEC);

	if (fd < 0 || write(fd, text, len) != (ssize_t)len) {
		fprintf(stderr, "nsping: reload: passing the file to the worker: %s\n",
			strerror(errno));
		if (fd >= 0)
			close(fd);
		return;
	}
	snprintf(m.reason, sizeof(m.reason), "%s", h->o->config);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	if (sendmsg(h->ctl, &msg, MSG_NOSIGNAL) < 0)
		fprintf(stderr, "nsping: reload: telling the worker: %s\n", strerror(errno));
	close(fd);
}

/*
 * SIGHUP: the file read again. An invalid one is logged and the running
 * configuration kept; a valid one is applied (as repairs are, with their
 * log lines) and handed to the worker, which keeps the statistics of the
 * targets that stay.
 */
static int reload(struct healer *h)
{
	struct nsp_config *cfg = calloc(1, sizeof(*cfg));
	struct heal_instance *old = h->inst;
	const struct nsp_config *old_cfg = h->cfg;
	uint64_t *repairs;
	struct nsp_diag diag = {0};
	char *text = NULL;
	int r;

	if (!cfg)
		return -ENOMEM;
	r = nsp_config_load_keep(h->o->config, cfg, &diag, &text);
	if (r < 0) {
		for (size_t i = 0; i < diag.n; i++)
			fprintf(stderr, "nsping: reload: %s\n", diag.msgs[i]);
		if (r != -EINVAL)
			fprintf(stderr, "nsping: reload: %s: %s\n", h->o->config, strerror(-r));
		fprintf(stderr, "nsping: reload: keeping the running configuration\n");
		nsp_diag_free(&diag);
		free(cfg);
		return 0;
	}
	if (h->text && !strcmp(text, h->text)) {
		fprintf(stderr, "nsping: reload: %s has not changed\n", h->o->config);
		nsp_config_free(cfg);
		free(cfg);
		free(text);
		return 0;
	}
	/* the repair counts go on, by instance name */
	repairs = calloc(cfg->n_instances + 1, sizeof(*repairs));
	for (size_t i = 0; repairs && i < cfg->n_instances; i++)
		for (size_t j = 0; j < old_cfg->n_instances; j++)
			if (!strcmp(cfg->instances[i].name, old_cfg->instances[j].name))
				repairs[i] = old[j].repairs;
	h->inst = NULL; /* old, freed below */
	release_programs(h);
	nsp_watch_close(&h->watch);
	nsp_converge_free(&h->c);
	nsp_kernel_close(&h->k);
	free(h->dirty);
	free(old);
	if (h->own_cfg) {
		nsp_config_free(h->own_cfg);
		free(h->own_cfg);
	}
	sd_notify(0, "RELOADING=1");
	h->cfg = h->own_cfg = cfg;
	free(h->text);
	h->text = text;
	r = setup_config(h);
	if (r < 0) {
		free(repairs);
		return r;
	}
	for (size_t i = 0; repairs && i < cfg->n_instances; i++)
		h->inst[i].repairs = repairs[i];
	free(repairs);
	fprintf(stderr, "nsping: reloaded %s: %zu instance%s\n", h->o->config, cfg->n_instances,
		cfg->n_instances == 1 ? "" : "s");
	send_config(h, text);
	h->reloading = true;
	/* what the new file no longer names goes, as apply would prune it */
	h->k.sweep = h->o->no_prune ? NSP_SWEEP_NONE : NSP_SWEEP_SCOPE;
	check(h, now_ns());
	h->k.sweep = NSP_SWEEP_NONE;
	h->reloading = false;
	watch_transmit(h, now_ns(), true);
	say_running(h);
	sd_notify(0, "READY=1");
	return 0;
}

static int arm(struct healer *h)
{
	uint64_t at = h->fallback_at;
	struct itimerspec its = {0};

	if (h->check_at && h->check_at < at)
		at = h->check_at;
	if (h->tx_watch_at && h->tx_watch_at < at)
		at = h->tx_watch_at;
	its.it_value.tv_sec = (time_t)(at / 1000000000ULL);
	its.it_value.tv_nsec = (long)(at % 1000000000ULL);
	if (!at)
		its.it_value.tv_nsec = 1;
	return timerfd_settime(h->tfd, TFD_TIMER_ABSTIME, &its, NULL) < 0 ? -errno : 0;
}

/*
 * A probe lost in transmit, or a few: read the counters now and once more on
 * the timer (watch_transmit), unless the timer reads them already.
 */
static void alarm_raised(struct healer *h, uint64_t now)
{
	if (nsp_txalarm_take(h->alarm) && !h->tx_watch_at)
		watch_transmit(h, now, false);
}

static int loop(struct healer *h)
{
	struct epoll_event evs[16];

	check(h, now_ns()); /* subscribes in each netns, and catches what changed since apply */
	watch_transmit(h, now_ns(), true);
	/* applied and verified, the worker started, drift watched: ready (Type=notify) */
	sd_notify(0, "READY=1");
	while (!h->worker_done) {
		uint64_t now = now_ns(), expirations;
		int n, r;

		if (h->reload) {
			h->reload = false;
			r = reload(h);
			if (r < 0)
				return r;
			continue;
		}
		if ((h->check_at && now >= h->check_at) || now >= h->fallback_at) {
			check(h, now);
			/* a check may have attached tx_ping: watch it from now on */
			if (!h->tx_watch_at)
				watch_transmit(h, now_ns(), true);
			continue;
		}
		if (h->tx_watch_at && now >= h->tx_watch_at) {
			watch_transmit(h, now, true);
			continue;
		}
		r = arm(h);
		if (r < 0)
			return r;
		n = epoll_wait(h->ep, evs, 16, -1);
		if (n < 0 && errno != EINTR)
			return -errno;
		now = now_ns();
		for (int k = 0; k < n; k++) {
			int fd = evs[k].data.fd;

			if (fd == h->sfd)
				on_signal(h);
			else if (fd == h->tfd)
				r = (int)read(h->tfd, &expirations, sizeof(expirations));
			else if (h->alarm && fd == nsp_txalarm_fd(h->alarm))
				alarm_raised(h, now);
			else
				on_notification(h, fd, now);
		}
	}
	return 0;
}

int nsp_cmd_heal(const struct nsp_options *o, const struct nsp_config *cfg, int worker, int ctl)
{
	struct healer h = {.o = o,
			   .cfg = cfg,
			   .ep = -1,
			   .tfd = -1,
			   .sfd = -1,
			   .ethsock = -1,
			   .ctl = ctl,
			   .worker = worker,
			   .watch = {.host_fd = -1, .inotify_fd = -1}};
	int r;

	struct nsp_config now = {0};
	struct nsp_diag diag = {0};

	/* what the running configuration came from, to tell a reload that changes nothing */
	if (nsp_config_load_keep(o->config, &now, &diag, &h.text) == 0)
		nsp_config_free(&now);
	nsp_diag_free(&diag);
	r = setup(&h);
	if (r == 0)
		r = loop(&h);
	if (r < 0) {
		/* without repairs the worker would report local faults as outages */
		fprintf(stderr, "nsping: run: watching for drift: %s; stopping the worker\n",
			strerror(-r));
		kill(h.worker, SIGTERM);
		while (!h.worker_done && waitpid(h.worker, NULL, 0) < 0 && errno == EINTR)
			;
		h.exit_code = NSP_EXIT_FAILURE;
	}
	teardown(&h);
	close(ctl);
	return h.exit_code;
}
