/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The commands of the command line, each returning an exit code of SPEC.md:
 * main.c dispatches to them; validate, plan, apply, status and destroy are in
 * reconciler/commands.c, monitor in reconciler/monitor.c, ping and run in
 * worker/cmd_ping.c.
 */
#ifndef NSPING_COMMANDS_H
#define NSPING_COMMANDS_H

#include <stdbool.h>

#include "desired.h"

enum nsp_exit {
	NSP_EXIT_OK = 0,
	NSP_EXIT_FAILURE = 1,
	NSP_EXIT_CHANGES = 2,
	NSP_EXIT_CONFLICT = 3,
	NSP_EXIT_USAGE = 64,
	NSP_EXIT_CONFIG = 65,
	NSP_EXIT_LOCKED = 75,
};

/*
 * status --health: one exit code per kind of trouble, the worst first:
 * error 1, conflict 3, drift 2, a worker not running or stale 4, targets or
 * a path down 5; 0 converged and healthy.
 */
enum nsp_health {
	NSP_HEALTH_WORKER = 4,
	NSP_HEALTH_TARGETS = 5,
};

enum nsp_verbosity { NSP_QUIET, NSP_NORMAL, NSP_VERBOSE };

struct nsp_options {
	const char *config;
	const char *host_netns;
	const char *state_dir;
	unsigned int lock_wait_ms;
	bool json;
	enum nsp_verbosity verbosity;
	/* per command */
	bool detailed_exitcode;
	bool destroy;
	bool all;      /* destroy, plan --destroy: everything nsping owns on the host */
	bool no_prune; /* plan, apply: keep the orphans of the file's scope this time */
	bool health;   /* status: exit codes of a health check (enum nsp_health) */
	/* validate, plan, apply: a warning (reconciler/lint.h) exits NSP_EXIT_CONFIG */
	bool fatal_warnings;
	long count;
	const char *prom_file;
	const char *prom_listen;
	long max_rate;
	/* diagnose, monitor: the instances named (none: every one) */
	const char *const *names;
	size_t n_names;
	/* diagnose: --target */
	bool has_target;
	uint32_t target; /* network order */
	/* monitor: --target, --verdict (lists, parsed by the command), --rate (0: default) */
	const char *targets;
	const char *verdicts;
	long rate;
};

int nsp_cmd_validate(const struct nsp_options *o, const struct nsp_config *cfg);
int nsp_cmd_plan(const struct nsp_options *o, const struct nsp_config *cfg);
int nsp_cmd_apply(const struct nsp_options *o, const struct nsp_config *cfg);
int nsp_cmd_status(const struct nsp_options *o, const struct nsp_config *cfg);
int nsp_cmd_destroy(const struct nsp_options *o, const struct nsp_config *cfg);
int nsp_cmd_monitor(const struct nsp_options *o, const struct nsp_config *cfg);
int nsp_cmd_ping(const struct nsp_options *o, const struct nsp_config *cfg);
int nsp_cmd_run(const struct nsp_options *o, const struct nsp_config *cfg);
int nsp_cmd_diagnose(const struct nsp_options *o, const struct nsp_config *cfg);

/*
 * run, after its first apply: keep the kernel converged while the worker
 * (process worker, talked to over ctl, common/ctl.h) probes; returns the
 * worker's exit code once it ended (reconciler/heal.c).
 */
int nsp_cmd_heal(const struct nsp_options *o, const struct nsp_config *cfg, int worker, int ctl);
/* 0, or an exit code when another run keeps the state dir (reconciler/commands.c). */
int nsp_cmd_run_may_start(const struct nsp_options *o);

#endif
