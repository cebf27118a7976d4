// SPDX-License-Identifier: GPL-2.0-only
/*
 * nsping: the command line. Parses the options, loads the configuration,
 * enters the host netns and dispatches to a command; the only place that exits.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"
#include "config.h"
#include "netns.h"

#define DEFAULT_CONFIG	  NSPING_SYSCONFDIR "/nsping/nsping.conf"
#define DEFAULT_STATE_DIR "/run/nsping"
#define DEFAULT_LOCK_WAIT 10

struct command {
	const char *name;
	int (*run)(const struct nsp_options *o, const struct nsp_config *cfg);
	bool kernel; /* needs the host netns */
	const char *help;
};

static const struct command commands[] = {
	{"validate", nsp_cmd_validate, false, "check the file only; touches no kernel state"},
	{"plan", nsp_cmd_plan, true, "show what apply would change; changes nothing"},
	{"apply", nsp_cmd_apply, true,
	 "make the kernel match the file (and prune its scope's orphans), then verify"},
	{"status", nsp_cmd_status, true, "live state, drift and details per instance"},
	{"destroy", nsp_cmd_destroy, true,
	 "remove everything the file's instances own (--all: all nsping owns)"},
	{"ping", nsp_cmd_ping, true, "run the ping worker in the foreground"},
	{"run", nsp_cmd_run, true, "apply, verify, then hand off to the ping worker"},
};

static void usage(FILE *f)
{
	fputs("usage: nsping [-c FILE] [--host-netns NS] [--json] [-v|-q] [--state-dir DIR]\n"
	      "              [--lock-wait SEC] COMMAND [ARGS]\n"
	      "       nsping -h|--help|--version\n\ncommands:\n",
	      f);
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].help);
	fputs("\nplan: [--detailed-exitcode] [--no-prune] [--destroy [--all]]\n"
	      "apply: [--no-prune]    destroy: [--all]    status: [--health]\n"
	      "ping, run: [--count N] [--max-rate N] [--prom-file FILE] [--prom-listen "
	      "[ADDR:]PORT]\n"
	      "exit codes: 0 ok, 1 failure, 2 plan found changes (--detailed-exitcode),\n"
	      "3 conflict with a foreign object, 64 usage, 65 invalid config, 75 locked\n",
	      f);
}

static const struct command *find_command(const char *name)
{
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(commands[i].name, name))
			return &commands[i];
	return NULL;
}

static bool parse_uint(const char *s, long max, long *ret)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < 0 || v > max)
		return false;
	*ret = v;
	return true;
}

/* getopt's '?' (unknown) or ':' (no value), prefixed like every other message. */
static void bad_option(const char *command, int c, int argc, char **argv)
{
	char short_opt[3] = {'-', (char)optopt, 0};
	/* POSIX lets optind pass argc after a last option that lacks its value */
	int next = optind > argc ? argc : optind;
	const char *opt = c == '?' && optopt ? short_opt : argv[next - 1];

	fprintf(stderr, "nsping: %s%s%s option \"%s\"\n", command ? command : "",
		command ? ": " : "", c == ':' ? "a value is missing after the" : "unknown", opt);
}

/* Global options stop at the command; the command's own options follow it. */
static int parse_global(int argc, char **argv, struct nsp_options *o)
{
	static const struct option opts[] = {
		{"config", required_argument, NULL, 'c'},
		{"host-netns", required_argument, NULL, 'N'},
		{"json", no_argument, NULL, 'j'},
		{"verbose", no_argument, NULL, 'v'},
		{"quiet", no_argument, NULL, 'q'},
		{"state-dir", required_argument, NULL, 'S'},
		{"lock-wait", required_argument, NULL, 'W'},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{0},
	};
	long v;
	int c;

	opterr = 0; /* bad_option() says it in our words */
	while ((c = getopt_long(argc, argv, "+:c:jvqh", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			o->config = optarg;
			break;
		case 'N':
			o->host_netns = optarg;
			break;
		case 'j':
			o->json = true;
			break;
		case 'v':
			o->verbosity = NSP_VERBOSE;
			break;
		case 'q':
			o->verbosity = NSP_QUIET;
			break;
		case 'S':
			o->state_dir = optarg;
			break;
		case 'W':
			if (!parse_uint(optarg, 3600, &v)) {
				fprintf(stderr,
					"nsping: --lock-wait: \"%s\" is not 0..3600 seconds\n",
					optarg);
				return -EINVAL;
			}
			o->lock_wait_ms = (unsigned int)v * 1000;
			break;
		case 'h':
			usage(stdout);
			exit(NSP_EXIT_OK);
		case 'V':
			printf("nsping %s\n", NSPING_VERSION);
			exit(NSP_EXIT_OK);
		default:
			bad_option(NULL, c, argc, argv);
			return -EINVAL;
		}
	}
	return optind;
}

static int parse_command_options(const struct command *cmd, int argc, char **argv,
				 struct nsp_options *o)
{
	static const struct option opts[] = {
		{"detailed-exitcode", no_argument, NULL, 'd'},
		{"destroy", no_argument, NULL, 'D'},
		{"no-prune", no_argument, NULL, 'X'},
		{"all", no_argument, NULL, 'A'},
		{"health", no_argument, NULL, 'H'},
		{"count", required_argument, NULL, 'n'},
		{"prom-file", required_argument, NULL, 'P'},
		{"prom-listen", required_argument, NULL, 'L'},
		{"max-rate", required_argument, NULL, 'R'},
		{0},
	};
	bool pings = !strcmp(cmd->name, "ping") || !strcmp(cmd->name, "run");
	bool is_plan = !strcmp(cmd->name, "plan"), is_destroy = !strcmp(cmd->name, "destroy");
	int c, idx = 0;

	optind = 1;
	while ((c = getopt_long(argc, argv, "+:", opts, &idx)) != -1) {
		if ((c == 'd' || c == 'D') && is_plan) {
			o->detailed_exitcode |= c == 'd';
			o->destroy |= c == 'D';
		} else if (c == 'X' && (is_plan || !strcmp(cmd->name, "apply"))) {
			o->no_prune = true;
		} else if (c == 'A' && (is_plan || is_destroy)) {
			o->all = true;
		} else if (c == 'H' && !strcmp(cmd->name, "status")) {
			o->health = true;
		} else if (c == 'P' && pings) {
			o->prom_file = optarg;
		} else if (c == 'L' && pings) {
			o->prom_listen = optarg;
		} else if (c == 'R' && pings) {
			if (!parse_uint(optarg, 10000000L, &o->max_rate) || o->max_rate < 1) {
				fprintf(stderr,
					"nsping: %s: --max-rate: \"%s\" is not 1..10000000\n",
					cmd->name, optarg);
				return -EINVAL;
			}
		} else if (c == 'n' && pings) {
			if (!parse_uint(optarg, 1000000000L, &o->count) || o->count < 1) {
				fprintf(stderr,
					"nsping: %s: --count: \"%s\" is not a positive number\n",
					cmd->name, optarg);
				return -EINVAL;
			}
		} else if (c == '?' || c == ':') {
			bad_option(cmd->name, c, argc, argv);
			return -EINVAL;
		} else {
			fprintf(stderr, "nsping: %s: --%s is not an option of %s\n", cmd->name,
				opts[idx].name, cmd->name);
			return -EINVAL;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "nsping: %s: unexpected argument \"%s\"\n", cmd->name,
			argv[optind]);
		return -EINVAL;
	}
	if (is_plan && o->all && !o->destroy) {
		fprintf(stderr, "nsping: plan: --all goes with --destroy\n");
		return -EINVAL;
	}
	return 0;
}

static int enter_host_netns(const char *name)
{
	int fd = nsp_netns_open(name), r;

	if (fd < 0) {
		fprintf(stderr, "nsping: --host-netns %s: %s\n", name, strerror(-fd));
		return fd;
	}
	r = nsp_netns_enter(fd);
	close(fd);
	if (r < 0)
		fprintf(stderr, "nsping: entering netns %s: %s\n", name, strerror(-r));
	return r;
}

int main(int argc, char **argv)
{
	struct nsp_options o = {
		.config = DEFAULT_CONFIG,
		.state_dir = DEFAULT_STATE_DIR,
		.lock_wait_ms = DEFAULT_LOCK_WAIT * 1000,
		.verbosity = NSP_NORMAL,
	};
	struct nsp_config cfg = {0};
	struct nsp_diag diag = {0};
	const struct command *cmd;
	int first, r;

	first = parse_global(argc, argv, &o);
	if (first < 0 || first >= argc) {
		usage(stderr);
		return NSP_EXIT_USAGE;
	}
	cmd = find_command(argv[first]);
	if (!cmd) {
		fprintf(stderr, "nsping: unknown command \"%s\"\n", argv[first]);
		usage(stderr);
		return NSP_EXIT_USAGE;
	}
	if (parse_command_options(cmd, argc - first, argv + first, &o) < 0)
		return NSP_EXIT_USAGE;

	r = nsp_config_load(o.config, &cfg, &diag);
	if (r == -EINVAL) {
		for (size_t i = 0; i < diag.n; i++)
			fprintf(stderr, "%s\n", diag.msgs[i]);
		nsp_diag_free(&diag);
		return NSP_EXIT_CONFIG;
	}
	if (r < 0) {
		fprintf(stderr, "%s: cannot read the configuration: %s\n", o.config, strerror(-r));
		return NSP_EXIT_CONFIG;
	}
	if (cmd->kernel && o.host_netns && enter_host_netns(o.host_netns) < 0) {
		nsp_config_free(&cfg);
		return NSP_EXIT_FAILURE;
	}
	r = cmd->run(&o, &cfg);
	nsp_config_free(&cfg);
	return r;
}
