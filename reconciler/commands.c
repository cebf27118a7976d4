// SPDX-License-Identifier: GPL-2.0-only
/*
 * validate, plan, apply, status, destroy: the load -> observe -> plan ->
 * apply -> verify pipeline, and its output for people and for programs.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "addr.h"
#include "clock.h"
#include "commands.h"
#include "converge.h"
#include "ethtool.h"
#include "config.h"
#include "kernel.h"
#include "lint.h"
#include "lock.h"
#include "monitorbpf.h"
#include "nsping_counters.h"
#include "owner.h"
#include "render.h"
#include "runstate.h"
#include "workerstate.h"
#include "xdp.h"

#define ERR_MAX 512

/* The handles, and the observation and plan made through them. */
struct run {
	struct nsp_kernel k;
	struct nsp_converge c;
	const struct nsp_options *o;
	struct nsp_warnings warnings; /* plan and apply: the plan-time checks' (lint.h) */
	bool trace;		      /* -v: say on stderr where the time went */
	uint64_t mark_ns;	      /* -v: when the last step ended */
};

/*
 * -v: milliseconds since the last mark, which moves to now. Without -v it
 * reads no clock: the first read maps the vDSO's data pages, which a run
 * without -v has no use for.
 */
static double lap_ms(struct run *r)
{
	uint64_t now, then = r->mark_ns;

	if (!r->trace)
		return 0;
	now = nsp_clock_ns(CLOCK_MONOTONIC);

	r->mark_ns = now;
	return (double)(now - then) / 1e6;
}

static void run_free(struct run *r)
{
	nsp_warnings_free(&r->warnings);
	nsp_converge_free(&r->c);
	nsp_kernel_close(&r->k);
}

static int observe_and_plan(struct run *r)
{
	size_t n = r->c.cfg->n_instances;
	int e;

	lap_ms(r);
	e = nsp_converge_observe(&r->c);
	if (e < 0) {
		fprintf(stderr, "nsping: %s\n", r->c.err);
		return e;
	}
	if (r->trace)
		fprintf(stderr, "nsping: observed %zu instance%s in %.2f ms\n", n,
			n == 1 ? "" : "s", lap_ms(r));
	e = nsp_converge_plan(&r->c);
	if (e < 0)
		fprintf(stderr, "nsping: %s\n", r->c.err);
	else if (r->trace)
		fprintf(stderr, "nsping: planned %zu change%s, %zu conflict%s in %.3f ms\n",
			r->c.plan.n_changes, r->c.plan.n_changes == 1 ? "" : "s",
			r->c.plan.n_conflicts, r->c.plan.n_conflicts == 1 ? "" : "s", lap_ms(r));
	return e;
}

static int run_open(struct run *r, const struct nsp_options *o, const struct nsp_config *cfg,
		    nsp_planner_fn planner)
{
	int e;

	*r = (struct run){.o = o, .trace = o->verbosity == NSP_VERBOSE};
	lap_ms(r);
	e = nsp_kernel_open(&r->k, cfg->n_instances);
	if (e < 0) {
		fprintf(stderr, "nsping: opening netlink: %s\n", strerror(-e));
		return e;
	}
	/* a running worker's settings are part of what plan compares and apply converges */
	r->k.state_dir = o->state_dir;
	/* orphans: destroy --all takes every scope's; apply, plan, status the file's */
	r->k.sweep = planner == nsp_plan_build_destroy ? (o->all ? NSP_SWEEP_ALL : NSP_SWEEP_NONE)
		     : o->no_prune		       ? NSP_SWEEP_NONE
						       : NSP_SWEEP_SCOPE;
	e = nsp_converge_init(&r->c, &r->k, cfg, planner);
	if (e == 0)
		e = observe_and_plan(r);
	if (e < 0)
		run_free(r);
	return e;
}

static int plan_exit_code(const struct nsp_plan *plan)
{
	if (plan->n_conflicts)
		return NSP_EXIT_CONFLICT;
	if (plan->n_problems)
		return NSP_EXIT_FAILURE;
	return NSP_EXIT_OK;
}

/* Does an instance bind XDP on its uplink, where the netdev family tells what the driver does? */
static bool binds_xdp(const struct nsp_config *cfg)
{
	for (size_t i = 0; i < cfg->n_instances; i++)
		for (size_t k = 0; k < cfg->instances[i].n_bindings; k++)
			if (cfg->instances[i].bindings[k].attach == NSP_ATTACH_XDP)
				return true;
	return false;
}

/*
 * The plan-time checks (lint.h) of the file against what the plan observed,
 * into r->warnings. A fact that cannot be read leaves its check out (and an
 * unknown XDP feature is said), so only memory makes it fail.
 */
static int run_lint(struct run *r)
{
	const struct nsp_config *cfg = r->c.cfg;
	struct nsp_obs_facts facts;
	int e;

	lap_ms(r);
	e = nsp_observe_facts(&r->k, cfg, r->c.obs, &facts);
	if (e == 0) {
		e = nsp_lint(cfg, r->c.obs, &facts, &r->warnings);
		if (facts.no_netdev_family && binds_xdp(cfg) && r->o->verbosity != NSP_QUIET)
			fprintf(stderr,
				"nsping: note: this kernel has no netdev netlink family "
				"(Linux 6.3 adds it): the uplinks' XDP features are unknown, "
				"and their checks were left out\n");
		nsp_obs_facts_free(&facts);
	}
	if (e < 0)
		fprintf(stderr, "nsping: plan-time checks: %s\n", strerror(-e));
	else if (r->trace)
		fprintf(stderr, "nsping: checked: %zu warning%s in %.3f ms\n", r->warnings.n,
			r->warnings.n == 1 ? "" : "s", lap_ms(r));
	return e;
}

/* The warnings on stderr, whatever stdout carries (as the reasons of a refusal). */
static void print_warnings(const struct nsp_config *cfg, const struct nsp_warnings *w)
{
	for (size_t k = 0; k < w->n; k++)
		nsp_render_warning_text(stderr, cfg, &w->items[k]);
}

/* The plan; warnings (NULL: none checked, plan --destroy) in its JSON document. */
static void print_plan(const struct nsp_options *o, const struct nsp_config *cfg,
		       const struct nsp_plan *plan, const struct nsp_warnings *warnings)
{
	struct nsp_json j;

	if (o->json) {
		nsp_json_init(&j, stdout);
		nsp_json_begin_object(&j, NULL);
		nsp_render_plan_members(&j, cfg, plan);
		if (warnings)
			nsp_render_warnings_json(&j, cfg, warnings);
		nsp_json_end_object(&j);
	} else if (o->verbosity != NSP_QUIET) {
		nsp_render_plan_text(stdout, cfg, plan);
	}
}

/* --fatal-warnings and some: exit 65 (a file that cannot carry a probe), said on stderr. */
static bool fatal_warnings(const struct nsp_options *o, const struct nsp_warnings *w,
			   const char *what)
{
	if (!o->fatal_warnings || !w->n)
		return false;
	fprintf(stderr, "nsping: %s: %zu warning%s, fatal with --fatal-warnings\n", what, w->n,
		w->n == 1 ? "" : "s");
	return true;
}

/*
 * Why the exit is not 0, on stderr whatever stdout carries (a script that
 * throws the plan away still sees the reason): each conflict and error.
 */
static void print_reasons(const struct nsp_config *cfg, const struct nsp_plan *plan)
{
	for (size_t i = 0; i < plan->n_conflicts; i++)
		fprintf(stderr, "nsping: instance %s: conflict: %s\n",
			cfg->instances[plan->conflicts[i].instance].name,
			plan->conflicts[i].reason);
	for (size_t i = 0; i < plan->n_problems; i++)
		fprintf(stderr, "nsping: instance %s: %s\n",
			cfg->instances[plan->problems[i].instance].name, plan->problems[i].reason);
}

/* apply or destroy refused before any change: the reasons, and that nothing changed. */
static void print_refusal(const struct nsp_config *cfg, const struct nsp_plan *plan,
			  const char *verb)
{
	print_reasons(cfg, plan);
	fprintf(stderr, "nsping: %s refused: nothing was changed\n", verb);
}

/*
 * The file alone: what the plan-time checks can tell without the kernel (an
 * address off the gateway's subnet, offloads under an explicit native mode).
 */
int nsp_cmd_validate(const struct nsp_options *o, const struct nsp_config *cfg)
{
	struct nsp_warnings w;
	int code = NSP_EXIT_OK;
	struct nsp_json j;

	if (nsp_lint(cfg, NULL, NULL, &w) < 0) {
		fprintf(stderr, "nsping: plan-time checks: %s\n", strerror(ENOMEM));
		return NSP_EXIT_FAILURE;
	}
	print_warnings(cfg, &w);
	if (fatal_warnings(o, &w, "validate"))
		code = NSP_EXIT_CONFIG;
	if (o->json) {
		nsp_json_init(&j, stdout);
		nsp_json_begin_object(&j, NULL);
		nsp_json_bool(&j, "valid", code == NSP_EXIT_OK);
		nsp_json_uint(&j, "instances", cfg->n_instances);
		nsp_render_warnings_json(&j, cfg, &w);
		nsp_json_end_object(&j);
	} else if (o->verbosity != NSP_QUIET) {
		printf("%s: %s, %zu instance%s", cfg->path,
		       code == NSP_EXIT_OK ? "valid" : "invalid with --fatal-warnings",
		       cfg->n_instances, cfg->n_instances == 1 ? "" : "s");
		if (w.n)
			printf(", %zu warning%s", w.n, w.n == 1 ? "" : "s");
		putchar('\n');
	}
	nsp_warnings_free(&w);
	return code;
}

int nsp_cmd_plan(const struct nsp_options *o, const struct nsp_config *cfg)
{
	struct run r;
	int code;

	if (run_open(&r, o, cfg, o->destroy ? nsp_plan_build_destroy : nsp_plan_build) < 0)
		return NSP_EXIT_FAILURE;
	if (!o->destroy && run_lint(&r) < 0) {
		run_free(&r);
		return NSP_EXIT_FAILURE;
	}
	print_plan(o, cfg, &r.c.plan, o->destroy ? NULL : &r.warnings);
	print_warnings(cfg, &r.warnings);
	code = plan_exit_code(&r.c.plan);
	if (code != NSP_EXIT_OK)
		print_reasons(cfg, &r.c.plan);
	else if (fatal_warnings(o, &r.warnings, "plan"))
		code = NSP_EXIT_CONFIG;
	if (code == NSP_EXIT_OK && o->detailed_exitcode && r.c.plan.n_changes)
		code = NSP_EXIT_CHANGES;
	run_free(&r);
	return code;
}

/* One change done; with -v, how long it took and the kernel requests so far. */
static void print_applied(const struct nsp_change *c, void *arg)
{
	struct run *r = arg;
	double ms = lap_ms(r);

	if (r->o->json || r->o->verbosity == NSP_QUIET)
		return;
	fputs("  ", stdout);
	nsp_render_change(stdout, c);
	if (r->trace)
		printf("  (%.2f ms; kernel requests so far: %lu)", ms, r->k.requests);
	fputc('\n', stdout);
	fflush(stdout);
}

/* The verification is about to start (-v). */
static void print_verifying(const struct nsp_plan *applied, void *arg)
{
	struct run *r = arg;

	(void)applied;
	if (r->trace)
		fprintf(stderr, "nsping: verifying\n");
}

/* The kernel undid part of it as a consequence of another change: another round. */
static void print_round(const struct nsp_plan *left, void *arg)
{
	struct run *r = arg;

	if (!r->o->json && r->o->verbosity != NSP_QUIET)
		printf("Still %zu change%s to make:\n", left->n_changes,
		       left->n_changes == 1 ? "" : "s");
}

/*
 * An `nsping run` of this very file keeps the node converged to the version
 * it read: after apply changed the kernel (and before it lets the lock go, so
 * that run does not repair the node back first), run is told to reload.
 */
static void tell_run(const struct nsp_options *o, const struct nsp_config *cfg)
{
	struct nsp_runstate rs;

	if (nsp_runstate_read(o->state_dir, &rs) != 1 || rs.hash == cfg->text_hash ||
	    !nsp_runstate_same_file(&rs, cfg->path))
		return;
	if (kill(rs.pid, SIGHUP) < 0)
		fprintf(stderr, "nsping: telling nsping run (pid %d) to reload: %s\n", (int)rs.pid,
			strerror(errno));
	else if (o->verbosity != NSP_QUIET)
		fprintf(stderr, "nsping: nsping run (pid %d) reloads %s\n", (int)rs.pid, cfg->path);
}

/* destroy while a run of this file would put everything back: refused. */
static bool run_keeps_it(const struct nsp_options *o, const struct nsp_config *cfg)
{
	struct nsp_runstate rs;

	if (nsp_runstate_read(o->state_dir, &rs) != 1 || !nsp_runstate_same_file(&rs, cfg->path))
		return false;
	fprintf(stderr,
		"nsping: destroy: nsping run (pid %d) keeps %s's instances converged and would "
		"put them back; stop it first (systemctl stop nsping)\n",
		(int)rs.pid, cfg->path);
	return true;
}

int nsp_cmd_run_may_start(const struct nsp_options *o)
{
	struct nsp_runstate rs;

	if (nsp_runstate_read(o->state_dir, &rs) != 1)
		return NSP_EXIT_OK;
	fprintf(stderr, "nsping: run: another nsping run (pid %d, %s) keeps %s; one at a time\n",
		(int)rs.pid, rs.config, o->state_dir);
	return NSP_EXIT_LOCKED;
}

/*
 * apply and destroy: plan, refuse on conflicts and errors, converge (apply,
 * verify, apply what is left). A refused plan is the whole output: the plan
 * document, exit 3 or 1, the reasons on stderr too.
 */
static int converge(const struct nsp_options *o, const struct nsp_config *cfg,
		    nsp_planner_fn planner, const char *verb)
{
	struct nsp_summary s;
	int lock, code = NSP_EXIT_OK, e;
	bool refused = false, linted = planner == nsp_plan_build;
	struct nsp_json j;
	struct run r;

	if (planner == nsp_plan_build_destroy && run_keeps_it(o, cfg))
		return NSP_EXIT_FAILURE;
	lock = nsp_lock_take(o->state_dir, o->lock_wait_ms);
	if (lock < 0) {
		fprintf(stderr, "nsping: %s/lock: %s\n", o->state_dir,
			lock == -EWOULDBLOCK ? "another nsping holds the lock"
			: lock == -ELOOP     ? "the state dir is a symlink; refusing to write there"
					     : strerror(-lock));
		return lock == -EWOULDBLOCK ? NSP_EXIT_LOCKED : NSP_EXIT_FAILURE;
	}
	if (run_open(&r, o, cfg, planner) < 0) {
		nsp_lock_release(lock);
		return NSP_EXIT_FAILURE;
	}
	if (linted && run_lint(&r) < 0) {
		run_free(&r);
		nsp_lock_release(lock);
		return NSP_EXIT_FAILURE;
	}
	print_warnings(cfg, &r.warnings);
	code = plan_exit_code(&r.c.plan);
	if (code == NSP_EXIT_OK && fatal_warnings(o, &r.warnings, "apply"))
		code = NSP_EXIT_CONFIG;
	if (code != NSP_EXIT_OK) {
		print_plan(o, cfg, &r.c.plan, linted ? &r.warnings : NULL);
		print_refusal(cfg, &r.c.plan, verb);
		refused = true;
		goto out;
	}
	if (!o->json && o->verbosity != NSP_QUIET && r.c.plan.n_changes)
		printf("Applying %zu change%s:\n", r.c.plan.n_changes,
		       r.c.plan.n_changes == 1 ? "" : "s");
	r.c.on_change = print_applied;
	r.c.on_verify = print_verifying;
	r.c.on_round = print_round;
	r.c.arg = &r;
	lap_ms(&r);
	e = nsp_converge_apply(&r.c);
	if (r.k.offload_notes[0])
		fprintf(stderr, "nsping: %s", r.k.offload_notes);
	if (e == -EAGAIN) {
		fprintf(stderr, "nsping: %s did not converge (%s); still to do:\n", verb, r.c.err);
		nsp_render_plan_text(stderr, cfg, &r.c.plan);
		print_reasons(cfg, &r.c.plan);
		/* a conflict that appeared meanwhile (a race lost to another tool) */
		code = r.c.plan.n_conflicts ? NSP_EXIT_CONFLICT : NSP_EXIT_FAILURE;
	} else if (e < 0) {
		fprintf(stderr, "nsping: %s failed: %s\n", verb, r.c.err);
		code = NSP_EXIT_FAILURE;
	}
out:
	s = nsp_plan_summary(&r.c.done);
	if (o->json && !refused) {
		nsp_json_init(&j, stdout);
		nsp_json_begin_object(&j, NULL);
		nsp_render_plan_members(&j, cfg, &r.c.done);
		if (linted)
			nsp_render_warnings_json(&j, cfg, &r.warnings);
		nsp_json_uint(&j, "requests", r.k.requests);
		nsp_json_bool(&j, "converged", code == NSP_EXIT_OK);
		nsp_json_end_object(&j);
	} else if (code == NSP_EXIT_OK && o->verbosity != NSP_QUIET && !o->json) {
		if (!r.c.done.n_changes)
			printf("No changes. The kernel matches the configuration.\n");
		else
			printf("%s complete: %zu created, %zu updated, %zu deleted "
			       "(%lu kernel requests); verified.\n",
			       verb, s.create, s.update, s.delete, r.k.requests);
	}
	if (!refused && planner == nsp_plan_build)
		tell_run(o, cfg);
	run_free(&r);
	nsp_lock_release(lock);
	return code;
}

int nsp_cmd_apply(const struct nsp_options *o, const struct nsp_config *cfg)
{
	return converge(o, cfg, nsp_plan_build, "Apply");
}

int nsp_cmd_destroy(const struct nsp_options *o, const struct nsp_config *cfg)
{
	return converge(o, cfg, nsp_plan_build_destroy, "Destroy");
}

static const char *instance_state(const struct nsp_plan *plan, size_t i)
{
	for (size_t k = 0; k < plan->n_problems; k++)
		if (plan->problems[k].instance == i)
			return "error";
	for (size_t k = 0; k < plan->n_conflicts; k++)
		if (plan->conflicts[k].instance == i)
			return "conflict";
	for (size_t k = 0; k < plan->n_changes; k++)
		if (plan->changes[k].instance == i)
			return "drifted";
	return "converged";
}

static const char *xdp_mode_text(const struct nsp_obs_prog *o)
{
	return o->mode == NSP_MODE_GENERIC ? "generic" : "native";
}

/* The datapath counters of an attached program of ours, only the non-zero ones. */
static bool uplink_offloads(const struct nsp_instance *w, struct nsp_uplink_offloads *ret);

/* The monitors that hold a program's events on (nsping monitor). */
static int monitors(const struct nsp_monitor_ctl *c)
{
	int n = 0;

	for (int i = 0; i < NSP_MON_OWNERS; i++)
		n += c->owners[i].pid != 0;
	return n;
}

static void status_prog_text(const char *scope, const struct nsp_instance *w,
			     const struct nsp_binding *b, const struct nsp_obs_prog *o)
{
	struct nsp_monitor_state ms;
	struct nsp_monitor_ctl ctl;
	struct nsp_uplink_offloads off;
	uint64_t cnt[NSP_CNT_MAX];

	printf("  %-8s %s on %s: ", nsp_attach_name(b->attach), nsp_program_name(b->program),
	       b->interface);
	if (!o->present)
		printf("not attached");
	else if (b->attach == NSP_ATTACH_TC && !o->id)
		printf("\"%s\" filter", o->name);
	else
		printf("id %u", o->id);
	/* tc has no mode; the slot tells where ours is, or would be. */
	if (b->attach == NSP_ATTACH_TC)
		printf(", ingress handle 0x%x prio %u", nsp_tc_handle(scope, w->name),
		       NSP_TC_PRIORITY);
	else if (o->present)
		printf(" %s", xdp_mode_text(o));
	if (o->present && !o->ours)
		printf(", not ours");
	if (o->present && o->ours && nsp_prog_counters(o->id, cnt, NSP_CNT_MAX) == 0)
		for (unsigned int i = 0; i < NSP_CNT_MAX; i++)
			if (cnt[i])
				printf(", %s %llu", nsp_counter_name(i),
				       (unsigned long long)cnt[i]);
	if (o->present && o->ours && nsp_mon_read(o->id, &ctl, &ms) == 0 && ctl.enabled)
		printf(", monitor on (%d monitor%s, %u events/s)", monitors(&ctl),
		       monitors(&ctl) == 1 ? "" : "s", ctl.rate);
	putchar('\n');
	if (b->program == NSP_PROG_RX_PING && uplink_offloads(w, &off))
		printf("  %-8s %s offloads: gro %s, lro %s, tso %s\n", "", w->uplink,
		       off.gro ? "on" : "off", off.lro ? "on" : "off", off.tso ? "on" : "off");
}

/* The uplink's receive offloads (beside rx_ping: what an XDP hook may cost); false if unknown. */
static bool uplink_offloads(const struct nsp_instance *w, struct nsp_uplink_offloads *ret)
{
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	bool ok = fd >= 0 && nsp_ethtool_uplink(fd, w->uplink, ret) == 0;

	if (fd >= 0)
		close(fd);
	return ok;
}

static void status_prog_json(struct nsp_json *j, const char *scope, const struct nsp_instance *w,
			     const struct nsp_binding *b, const struct nsp_obs_prog *o)
{
	struct nsp_monitor_state ms;
	struct nsp_monitor_ctl ctl;
	struct nsp_uplink_offloads off;
	uint64_t cnt[NSP_CNT_MAX];

	nsp_json_begin_object(j, NULL);
	nsp_json_string(j, "program", nsp_program_name(b->program));
	nsp_json_string(j, "interface", b->interface);
	nsp_json_string(j, "attach", nsp_attach_name(b->attach));
	if (b->attach == NSP_ATTACH_TC) {
		nsp_json_uint(j, "handle", nsp_tc_handle(scope, w->name));
		nsp_json_uint(j, "priority", NSP_TC_PRIORITY);
	}
	nsp_json_bool(j, "attached", o->present);
	if (o->present) {
		nsp_json_uint(j, "id", o->id);
		if (b->attach == NSP_ATTACH_XDP)
			nsp_json_string(j, "mode", xdp_mode_text(o));
		else if (!o->id)
			nsp_json_string(j, "filter", o->name);
		nsp_json_bool(j, "ours", o->ours);
	}
	if (o->present && o->ours && nsp_prog_counters(o->id, cnt, NSP_CNT_MAX) == 0) {
		nsp_json_begin_object(j, "counters");
		for (unsigned int i = 0; i < NSP_CNT_MAX; i++)
			nsp_json_uint(j, nsp_counter_name(i), cnt[i]);
		nsp_json_end_object(j);
	}
	if (o->present && o->ours && nsp_mon_read(o->id, &ctl, &ms) == 0) {
		nsp_json_begin_object(j, "monitor");
		nsp_json_bool(j, "enabled", ctl.enabled);
		nsp_json_uint(j, "monitors", (uint64_t)monitors(&ctl));
		nsp_json_uint(j, "rate", ctl.rate);
		nsp_json_uint(j, "events", ms.events);
		nsp_json_uint(j, "rate_limited", ms.rate_limited);
		nsp_json_uint(j, "ring_full", ms.ring_full);
		nsp_json_end_object(j);
	}
	if (b->program == NSP_PROG_RX_PING && uplink_offloads(w, &off)) {
		nsp_json_begin_object(j, "uplink_offloads");
		nsp_json_bool(j, "gro", off.gro);
		nsp_json_bool(j, "lro", off.lro);
		nsp_json_bool(j, "tso", off.tso);
		nsp_json_end_object(j);
	}
	nsp_json_end_object(j);
}

/*
 * A worker rewrites its state file every second: one whose file is older than
 * this (stopped with SIGSTOP, hung) is stale, not running.
 */
#define WORKER_STALE_SECS 5

/* The worker's state: 1 running, 2 stale (running but not updating), 0 none, -errno. */
static int worker_state(const char *state_dir, const struct nsp_instance *w,
			struct nsp_workerstate *ret)
{
	int r = nsp_workerstate_read(state_dir, w->name, ret);

	if (r == 1 && (uint64_t)time(NULL) > ret->updated + WORKER_STALE_SECS)
		return 2;
	return r;
}

/* The ping worker of instance w, from its state file (workerstate.h). */
static void status_worker_text(const char *state_dir, const struct nsp_instance *w)
{
	struct nsp_workerstate s;
	char since[32] = "?", cause[32] = "";
	struct tm tm;
	time_t t;
	int r = worker_state(state_dir, w, &s);

	if (r < 0) {
		printf("  worker   unknown: %s/%s.worker: %s\n", state_dir, w->name, strerror(-r));
		return;
	}
	if (r == 0) {
		printf("  worker   not running\n");
		return;
	}
	if (r == 2) {
		printf("  worker   pid %d stale: its last update was %llu s ago (stopped? hung?)\n",
		       (int)s.pid, (unsigned long long)((uint64_t)time(NULL) - s.updated));
		return;
	}
	t = (time_t)s.since;
	if (gmtime_r(&t, &tm))
		strftime(since, sizeof(since), "%Y-%m-%d %H:%M:%S UTC", &tm);
	if (!s.path_up && s.cause != NSP_CAUSE_NONE)
		snprintf(cause, sizeof(cause), "%s: ", nsp_path_cause_name(s.cause));
	printf("  worker   pid %d, running since %s; path %s%s%s%s%s; targets up %u of %u; "
	       "probes sent %llu, answered %llu; repairs %llu\n",
	       (int)s.pid, since, s.path_up ? "up" : "down", s.reason[0] ? " (" : "", cause,
	       s.reason, s.reason[0] ? ")" : "", s.targets_up, s.targets,
	       (unsigned long long)s.sent, (unsigned long long)s.received,
	       (unsigned long long)s.repairs);
}

static void status_worker_json(struct nsp_json *j, const char *state_dir,
			       const struct nsp_instance *w)
{
	struct nsp_workerstate s;
	int r = worker_state(state_dir, w, &s);

	nsp_json_begin_object(j, "worker");
	nsp_json_bool(j, "running", r == 1);
	if (r < 0)
		nsp_json_string(j, "error", strerror(-r));
	if (r == 2)
		nsp_json_bool(j, "stale", true);
	if (r > 0) {
		nsp_json_uint(j, "pid", (uint64_t)s.pid);
		nsp_json_uint(j, "since", s.since);
		nsp_json_uint(j, "updated", s.updated);
		nsp_json_string(j, "path", s.path_up ? "up" : "down");
		if (!s.path_up && s.cause != NSP_CAUSE_NONE)
			nsp_json_string(j, "path_cause", nsp_path_cause_name(s.cause));
		if (s.reason[0])
			nsp_json_string(j, "path_reason", s.reason);
		nsp_json_uint(j, "repairs", s.repairs);
		nsp_json_uint(j, "targets", s.targets);
		nsp_json_uint(j, "targets_up", s.targets_up);
		nsp_json_uint(j, "sent", s.sent);
		nsp_json_uint(j, "received", s.received);
	}
	nsp_json_end_object(j);
}

static void status_text(const char *state_dir, const struct nsp_config *cfg,
			const struct nsp_obs_instance *obs, const struct nsp_plan *plan)
{
	char a[NSP_PREFIX_STRLEN], m[NSP_MAC_STRLEN], ip[NSP_IPV4_STRLEN];

	for (size_t i = 0; i < cfg->n_instances; i++) {
		const struct nsp_instance *w = &cfg->instances[i];
		const struct nsp_obs_instance *x = &obs[i];

		printf("instance %s: %s\n", w->name, instance_state(plan, i));
		printf("  netns    %s: %s\n", w->netns,
		       !x->netns_present ? "absent"
		       : x->netns_owned	 ? "owned"
					 : "not owned");
		printf("  uplink   %s: %s", w->uplink, x->uplink.present ? "" : "absent");
		if (x->uplink.present)
			printf("ifindex %d, mac %s, %s", x->uplink.ifindex,
			       nsp_mac_format(&x->uplink.mac, m), x->uplink.up ? "up" : "down");
		putchar('\n');
		if (x->host.present)
			printf("  link     %s: ifindex %d, %s\n", x->host.name, x->host.ifindex,
			       x->host.up ? "up" : "down");
		if (x->peer.present)
			printf("  link     %s (in %s): ifindex %d, mac %s, %s\n", x->peer.name,
			       w->netns, x->peer.ifindex, nsp_mac_format(&x->peer.mac, m),
			       x->peer.up ? "up" : "down");
		for (size_t k = 0; k < x->n_addrs; k++)
			printf("  address  %s\n",
			       nsp_prefix_format(x->addrs[k].addr, x->addrs[k].prefix, a));
		for (size_t k = 0; k < x->n_routes; k++)
			printf("  route    %s via %s proto %u\n",
			       x->routes[k].dst_len ? nsp_prefix_format(x->routes[k].dst,
									x->routes[k].dst_len, a)
						    : "default",
			       nsp_ipv4_format(x->routes[k].gateway, ip), x->routes[k].protocol);
		for (size_t k = 0; k < x->n_neighs; k++)
			printf("  neighbor %s lladdr %s%s\n", nsp_ipv4_format(x->neighs[k].dst, ip),
			       nsp_mac_format(&x->neighs[k].lladdr, m),
			       x->neighs[k].permanent ? " permanent" : "");
		if (x->offload_known)
			printf("  offload  gro %s, tx-checksumming %s\n", x->gro ? "on" : "off",
			       x->tx_checksum ? "on" : "off");
		for (size_t k = 0; k < w->n_bindings; k++)
			status_prog_text(cfg->scope, w, &w->bindings[k], &x->progs[k]);
		status_worker_text(state_dir, w);
		for (size_t k = 0; k < plan->n_changes; k++) {
			if (plan->changes[k].instance != i)
				continue;
			fputs("  drift:   ", stdout);
			nsp_render_change(stdout, &plan->changes[k]);
			putchar('\n');
		}
		for (size_t k = 0; k < plan->n_conflicts; k++)
			if (plan->conflicts[k].instance == i)
				printf("  conflict: %s\n", plan->conflicts[k].reason);
		for (size_t k = 0; k < plan->n_problems; k++)
			if (plan->problems[k].instance == i)
				printf("  error:   %s\n", plan->problems[k].reason);
	}
	/* what nsping owns in the file's scope and no instance has: apply prunes it */
	for (size_t k = 0; k < plan->n_changes; k++) {
		const struct nsp_change *c = &plan->changes[k];

		if (c->instance != NSP_NO_INSTANCE)
			continue;
		printf("orphan of instance %s of scope %s: ", c->owner.instance, c->owner.scope);
		nsp_render_change(stdout, c);
		putchar('\n');
	}
}

static void json_link(struct nsp_json *j, const char *key, const struct nsp_obs_link *l)
{
	char m[NSP_MAC_STRLEN];

	if (!l->present) {
		nsp_json_null(j, key);
		return;
	}
	nsp_json_begin_object(j, key);
	nsp_json_string(j, "name", l->name);
	nsp_json_uint(j, "ifindex", (unsigned)l->ifindex);
	nsp_json_string(j, "mac", nsp_mac_format(&l->mac, m));
	nsp_json_bool(j, "up", l->up);
	nsp_json_string(j, "alias", l->alias);
	nsp_json_end_object(j);
}

static void status_json(const char *state_dir, const struct nsp_config *cfg,
			const struct nsp_obs_instance *obs, const struct nsp_plan *plan)
{
	char a[NSP_PREFIX_STRLEN], m[NSP_MAC_STRLEN], ip[NSP_IPV4_STRLEN];
	struct nsp_json j;

	nsp_json_init(&j, stdout);
	nsp_json_begin_object(&j, NULL);
	nsp_json_begin_array(&j, "instances");
	for (size_t i = 0; i < cfg->n_instances; i++) {
		const struct nsp_instance *w = &cfg->instances[i];
		const struct nsp_obs_instance *x = &obs[i];

		nsp_json_begin_object(&j, NULL);
		nsp_json_string(&j, "name", w->name);
		nsp_json_string(&j, "state", instance_state(plan, i));
		nsp_json_begin_object(&j, "netns");
		nsp_json_string(&j, "name", w->netns);
		nsp_json_bool(&j, "present", x->netns_present);
		nsp_json_bool(&j, "owned", x->netns_owned);
		nsp_json_end_object(&j);
		json_link(&j, "uplink", &x->uplink);
		json_link(&j, "host", x->host.present ? &x->host : &x->host_owned);
		json_link(&j, "peer", &x->peer);
		nsp_json_begin_array(&j, "addresses");
		for (size_t k = 0; k < x->n_addrs; k++)
			nsp_json_string(&j, NULL,
					nsp_prefix_format(x->addrs[k].addr, x->addrs[k].prefix, a));
		nsp_json_end_array(&j);
		nsp_json_begin_array(&j, "routes");
		for (size_t k = 0; k < x->n_routes; k++) {
			nsp_json_begin_object(&j, NULL);
			nsp_json_string(&j, "dst",
					x->routes[k].dst_len
						? nsp_prefix_format(x->routes[k].dst,
								    x->routes[k].dst_len, a)
						: "default");
			nsp_json_string(&j, "gateway", nsp_ipv4_format(x->routes[k].gateway, ip));
			nsp_json_uint(&j, "protocol", x->routes[k].protocol);
			nsp_json_end_object(&j);
		}
		nsp_json_end_array(&j);
		nsp_json_begin_array(&j, "neighbors");
		for (size_t k = 0; k < x->n_neighs; k++) {
			nsp_json_begin_object(&j, NULL);
			nsp_json_string(&j, "dst", nsp_ipv4_format(x->neighs[k].dst, ip));
			nsp_json_string(&j, "lladdr", nsp_mac_format(&x->neighs[k].lladdr, m));
			nsp_json_bool(&j, "permanent", x->neighs[k].permanent);
			nsp_json_end_object(&j);
		}
		nsp_json_end_array(&j);
		if (x->offload_known) {
			nsp_json_begin_object(&j, "offload");
			nsp_json_bool(&j, "gro", x->gro);
			nsp_json_bool(&j, "tx_checksum", x->tx_checksum);
			nsp_json_end_object(&j);
		}
		nsp_json_begin_array(&j, "bindings");
		for (size_t k = 0; k < w->n_bindings; k++)
			status_prog_json(&j, cfg->scope, w, &w->bindings[k], &x->progs[k]);
		nsp_json_end_array(&j);
		status_worker_json(&j, state_dir, w);
		nsp_json_end_object(&j);
	}
	nsp_json_end_array(&j);
	nsp_render_plan_members(&j, cfg, plan);
	nsp_json_end_object(&j);
}

/*
 * status --health: past conflicts and errors (1, 3), a drifted instance is 2,
 * a worker that does not run or is stale 4, a path or a target down 5 (the
 * first trouble found, in that order); each one said on stderr.
 */
static int health(const struct nsp_options *o, const struct nsp_config *cfg,
		  const struct nsp_plan *plan)
{
	int code = NSP_EXIT_OK;

	if (plan->n_changes) {
		fprintf(stderr, "nsping: health: drifted: %zu change%s to make (nsping plan)\n",
			plan->n_changes, plan->n_changes == 1 ? "" : "s");
		return NSP_EXIT_CHANGES;
	}
	for (size_t i = 0; i < cfg->n_instances; i++) {
		const struct nsp_instance *w = &cfg->instances[i];
		struct nsp_workerstate s;
		int r = worker_state(o->state_dir, w, &s);

		if (r != 1) {
			fprintf(stderr, "nsping: health: instance %s: the worker %s\n", w->name,
				r == 2 ? "is stale (no update for a while)" : "is not running");
			return NSP_HEALTH_WORKER;
		}
		if (!s.path_up || s.targets_up < s.targets) {
			fprintf(stderr,
				"nsping: health: instance %s: path %s%s%s%s, %u of %u targets up\n",
				w->name, s.path_up ? "up" : "down", s.path_up ? "" : " (",
				s.path_up ? "" : nsp_path_cause_name(s.cause), s.path_up ? "" : ")",
				s.targets_up, s.targets);
			code = NSP_HEALTH_TARGETS;
		}
	}
	return code;
}

int nsp_cmd_status(const struct nsp_options *o, const struct nsp_config *cfg)
{
	struct run r;
	int code;

	if (run_open(&r, o, cfg, nsp_plan_build) < 0)
		return NSP_EXIT_FAILURE;
	if (o->json)
		status_json(o->state_dir, cfg, r.c.obs, &r.c.plan);
	else
		status_text(o->state_dir, cfg, r.c.obs, &r.c.plan);
	code = plan_exit_code(&r.c.plan);
	if (code != NSP_EXIT_OK)
		print_reasons(cfg, &r.c.plan);
	else if (o->health)
		code = health(o, cfg, &r.c.plan);
	run_free(&r);
	return code;
}
