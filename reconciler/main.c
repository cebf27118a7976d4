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
#include <linux/capability.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "addr.h"
#include "commands.h"
#include "config.h"
#include "json.h"
#include "netns.h"
#include "nsping_monitor.h"
#include "suggest.h"

#define DEFAULT_CONFIG	  NSPING_SYSCONFDIR "/nsping/nsping.conf"
#define DEFAULT_STATE_DIR "/run/nsping"
#define DEFAULT_LOCK_WAIT 10

struct command {
	const char *name;
	int (*run)(const struct nsp_options *o, const struct nsp_config *cfg);
	bool kernel; /* needs the host netns */
	const char *help;
	const char *options; /* its own, for COMMAND --help */
};

#define WORKER_OPTIONS                                                                             \
	"  --count N              rounds per target (1..1000000000); default: until SIGTERM\n"     \
	"  --max-rate N           probes per second, all targets (1..10000000; 100000)\n"          \
	"  --prom-file FILE       Prometheus text, rewritten every second\n"                       \
	"  --prom-listen [ADDR:]PORT  /metrics over HTTP (ADDR 127.0.0.1)\n"

static const struct command commands[] = {
	{"validate", nsp_cmd_validate, false, "check the file only; touches no kernel state",
	 "  --fatal-warnings       exit 65 when a check of the file alone warns\n"},
	{"plan", nsp_cmd_plan, true, "show what apply would change; changes nothing",
	 "  --detailed-exitcode    exit 2 when there are changes\n"
	 "  --no-prune             leave the orphans of the file's scope\n"
	 "  --destroy [--all]      what destroy would remove (--all: all nsping owns)\n"
	 "  --fatal-warnings       exit 65 when a plan-time check warns\n"},
	{"apply", nsp_cmd_apply, true,
	 "make the kernel match the file (and prune its scope's orphans), then verify",
	 "  --no-prune             leave the orphans of the file's scope this time\n"
	 "  --fatal-warnings       a plan-time warning refuses the apply: exit 65, nothing\n"
	 "                         changed\n"},
	{"status", nsp_cmd_status, true, "live state, drift and details per instance",
	 "  --health               exit 0 healthy, 2 drift, 3 conflict, 1 error, 4 worker not\n"
	 "                         running or stale, 5 a path or target down\n"},
	{"destroy", nsp_cmd_destroy, true,
	 "remove everything the file's instances own (--all: all nsping owns)",
	 "  --all                  everything nsping owns on the host, whatever its scope\n"},
	{"monitor", nsp_cmd_monitor, true,
	 "print the datapath's decisions on probe traffic as they happen",
	 "  INSTANCE...            only these instances of the file (default: all)\n"
	 "  --target IP[,IP...]    only events with one of these addresses\n"
	 "  --verdict NAME[,NAME]  only these verdicts (status's counter names)\n"
	 "  --rate N               events per second per program (1..1000000; 1000)\n"
	 "  --count N              stop after N events (1..1000000000)\n"
	 "  --json                 one JSON object per line (as the global --json)\n"},
	{"ping", nsp_cmd_ping, true, "run the ping worker in the foreground", WORKER_OPTIONS},
	{"run", nsp_cmd_run, true, "apply, verify, then hand off to the ping worker, and repair",
	 WORKER_OPTIONS},
	{"diagnose", nsp_cmd_diagnose, true,
	 "probe through each named instance (all: none named) and say where the path breaks",
	 "  [INSTANCE...]          the instances to diagnose; default: every one\n"
	 "  --target IP            the address to probe; default: the instance's first target\n"
	 "  --count N              probes to send, 1..64 (5)\n"},
};

#define N_COMMANDS (sizeof(commands) / sizeof(commands[0]))

/* COMMAND --help and nsping help COMMAND. */
static void command_usage(FILE *f, const struct command *c)
{
	fprintf(f, "usage: nsping [GLOBAL OPTIONS] %s%s\n  %s\n", c->name,
		c->options[0] ? " [OPTIONS]" : "", c->help);
	if (c->options[0])
		fprintf(f, "\noptions:\n%s", c->options);
	fputs("\nnsping --help: the global options; nsping(8): the whole story\n", f);
}

/* "unknown command X" with the closest name, if one is near. */
static void unknown_command(const char *name)
{
	const char *names[N_COMMANDS + 2];
	const char *near;

	for (size_t i = 0; i < N_COMMANDS; i++)
		names[i] = commands[i].name;
	names[N_COMMANDS] = "help";
	names[N_COMMANDS + 1] = NULL;
	near = nsp_suggest(name, names);
	fprintf(stderr, "nsping: unknown command \"%s\"%s%s%s\n", name,
		near ? " (did you mean \"" : "", near ? near : "", near ? "\"?)" : "");
}

static void usage(FILE *f)
{
	fputs("usage: nsping [-c FILE] [--host-netns NS] [--json] [-v|-q] [--state-dir DIR]\n"
	      "              [--lock-wait SEC] COMMAND [ARGS]\n"
	      "       nsping -h|--help|--version\n\ncommands:\n",
	      f);
	for (size_t i = 0; i < N_COMMANDS; i++)
		fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].help);
	fprintf(f, "  %-10s %s\n", "help", "this summary, or a command's: help COMMAND");
	fputs("\nvalidate: [--fatal-warnings]\n"
	      "plan: [--detailed-exitcode] [--no-prune] [--destroy [--all]] [--fatal-warnings]\n"
	      "apply: [--no-prune] [--fatal-warnings]    destroy: [--all]    status: [--health]\n"
	      "diagnose: [INSTANCE...] [--target IP] [--count N]\n"
	      "monitor: [INSTANCE...] [--target IP[,IP]] [--verdict NAME[,NAME]] [--rate N]\n"
	      "         [--count N] [--json]\n"
	      "ping, run: [--count N] [--max-rate N] [--prom-file FILE] [--prom-listen "
	      "[ADDR:]PORT]\n"
	      "exit codes: 0 ok, 1 failure, 2 plan found changes (--detailed-exitcode),\n"
	      "3 conflict with a foreign object, 64 usage, 65 invalid config (or a warning\n"
	      "with --fatal-warnings), 75 locked\n",
	      f);
}

static const struct command *find_command(const char *name)
{
	for (size_t i = 0; i < N_COMMANDS; i++)
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

/*
 * getopt's '?' (unknown) or ':' (no value), prefixed like every other
 * message; an unknown long option with the closest of opts, if one is near.
 */
static void bad_option(const char *command, int c, int argc, char **argv, const struct option *opts)
{
	char short_opt[3] = {'-', (char)optopt, 0};
	/* POSIX lets optind pass argc after a last option that lacks its value */
	int next = optind > argc ? argc : optind;
	const char *opt = c == '?' && optopt ? short_opt : argv[next - 1];
	const char *names[32], *near = NULL;
	size_t n = 0;

	if (c == '?' && !strncmp(opt, "--", 2)) {
		char word[64];

		snprintf(word, sizeof(word), "%.*s", (int)strcspn(opt + 2, "="), opt + 2);
		for (; n < 31 && opts[n].name; n++)
			names[n] = opts[n].name;
		names[n] = NULL;
		near = nsp_suggest(word, names);
	}
	fprintf(stderr, "nsping: %s%s%s option \"%s\"%s%s%s\n", command ? command : "",
		command ? ": " : "", c == ':' ? "a value is missing after the" : "unknown", opt,
		near ? " (did you mean \"--" : "", near ? near : "", near ? "\"?)" : "");
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
			bad_option(NULL, c, argc, argv, opts);
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
		{"target", required_argument, NULL, 'T'},
		{"fatal-warnings", no_argument, NULL, 'F'},
		{"verdict", required_argument, NULL, 'E'},
		{"rate", required_argument, NULL, 'r'},
		{"json", no_argument, NULL, 'j'},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	bool pings = !strcmp(cmd->name, "ping") || !strcmp(cmd->name, "run");
	bool is_plan = !strcmp(cmd->name, "plan"), is_destroy = !strcmp(cmd->name, "destroy");
	bool is_diagnose = !strcmp(cmd->name, "diagnose");
	bool is_monitor = !strcmp(cmd->name, "monitor");
	int c, idx = 0;

	optind = 0; /* 0: glibc starts over, and reads this call's ordering ("+" or "-") */
	static const char *names[NSP_MAX_INSTANCES];

	/* diagnose and monitor take instance names among their options ("-": each comes as 1) */
	while ((c = getopt_long(argc, argv, is_diagnose || is_monitor ? "-:" : "+:", opts, &idx)) !=
	       -1) {
		if (c == 1) {
			if (o->n_names == NSP_MAX_INSTANCES) {
				fprintf(stderr, "nsping: %s: more than %d instances named\n",
					cmd->name, NSP_MAX_INSTANCES);
				return -EINVAL;
			}
			names[o->n_names++] = optarg;
			o->names = names;
		} else if ((c == 'd' || c == 'D') && is_plan) {
			o->detailed_exitcode |= c == 'd';
			o->destroy |= c == 'D';
		} else if (c == 'X' && (is_plan || !strcmp(cmd->name, "apply"))) {
			o->no_prune = true;
		} else if (c == 'A' && (is_plan || is_destroy)) {
			o->all = true;
		} else if (c == 'F' && (is_plan || !strcmp(cmd->name, "apply") ||
					!strcmp(cmd->name, "validate"))) {
			o->fatal_warnings = true;
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
		} else if (c == 'T' && is_monitor) {
			o->targets = optarg;
		} else if (c == 'E' && is_monitor) {
			o->verdicts = optarg;
		} else if (c == 'j' && is_monitor) {
			o->json = true;
		} else if (c == 'r' && is_monitor) {
			if (!parse_uint(optarg, NSP_MON_MAX_RATE, &o->rate) || o->rate < 1) {
				fprintf(stderr, "nsping: %s: --rate: \"%s\" is not 1..%d\n",
					cmd->name, optarg, NSP_MON_MAX_RATE);
				return -EINVAL;
			}
		} else if (c == 'n' && (pings || is_monitor)) {
			if (!parse_uint(optarg, 1000000000L, &o->count) || o->count < 1) {
				fprintf(stderr,
					"nsping: %s: --count: \"%s\" is not a positive number\n",
					cmd->name, optarg);
				return -EINVAL;
			}
		} else if (c == 'n' && is_diagnose) {
			if (!parse_uint(optarg, 64, &o->count) || o->count < 1) {
				fprintf(stderr, "nsping: diagnose: --count: \"%s\" is not 1..64\n",
					optarg);
				return -EINVAL;
			}
		} else if (c == 'T' && is_diagnose) {
			if (nsp_ipv4_parse(optarg, &o->target) < 0) {
				fprintf(stderr,
					"nsping: diagnose: --target: \"%s\" is not an IPv4 "
					"address\n",
					optarg);
				return -EINVAL;
			}
			o->has_target = true;
		} else if (c == 'h') {
			return 1; /* COMMAND --help */
		} else if (c == '?' || c == ':') {
			bad_option(cmd->name, c, argc, argv, opts);
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

/*
 * The configuration's errors, "FILE:LINE: KEY: message" on stderr; with
 * --json also one document on stdout:
 * {"valid":false,"errors":[{"file","line","key","message"}]}.
 */
static void config_errors(const struct nsp_options *o, int r, const struct nsp_diag *diag)
{
	char message[128];
	struct nsp_json j;

	if (r != -EINVAL)
		fprintf(stderr, "%s: cannot read the configuration: %s\n", o->config, strerror(-r));
	for (size_t i = 0; r == -EINVAL && i < diag->n; i++)
		fprintf(stderr, "%s\n", diag->msgs[i]);
	if (!o->json)
		return;
	nsp_json_init(&j, stdout);
	nsp_json_begin_object(&j, NULL);
	nsp_json_bool(&j, "valid", false);
	nsp_json_begin_array(&j, "errors");
	if (r != -EINVAL) {
		nsp_json_begin_object(&j, NULL);
		nsp_json_string(&j, "file", o->config);
		nsp_json_uint(&j, "line", 0);
		nsp_json_string(&j, "key", "");
		snprintf(message, sizeof(message), "cannot read the configuration: %s",
			 strerror(-r));
		nsp_json_string(&j, "message", message);
		nsp_json_end_object(&j);
	}
	for (size_t i = 0; r == -EINVAL && i < diag->n; i++) {
		/* FILE:LINE: KEY: message, FILE being the path we were given */
		const char *m = diag->msgs[i], *rest = m;
		size_t flen = strlen(o->config);
		unsigned long line = 0;
		char *end, key[256] = "";

		if (!strncmp(m, o->config, flen) && m[flen] == ':') {
			line = strtoul(m + flen + 1, &end, 10);
			rest = *end == ':' ? end + 1 : end;
		}
		rest += strspn(rest, " ");
		snprintf(key, sizeof(key), "%.*s", (int)strcspn(rest, ":"), rest);
		rest += strcspn(rest, ":");
		rest += *rest == ':' ? 1 + strspn(rest + 1, " ") : 0;
		nsp_json_begin_object(&j, NULL);
		nsp_json_string(&j, "file", o->config);
		nsp_json_uint(&j, "line", line);
		nsp_json_string(&j, "key", key);
		nsp_json_string(&j, "message", rest);
		nsp_json_end_object(&j);
	}
	nsp_json_end_array(&j);
	nsp_json_end_object(&j);
}

/*
 * A command that touches the kernel needs capabilities that only root has by
 * default; without them, every request fails with a bare EPERM. Say which.
 */
static bool capable_of(const struct command *cmd)
{
	struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3};
	struct __user_cap_data_struct data[2] = {0};
	static const int need[] = {CAP_NET_ADMIN, CAP_SYS_ADMIN, CAP_BPF};
	bool ok = true;

	if (syscall(SYS_capget, &hdr, data) < 0)
		return true; /* unknown: let the command say */
	for (size_t i = 0; i < sizeof(need) / sizeof(need[0]); i++)
		ok &= (data[need[i] / 32].effective >> (need[i] % 32)) & 1;
	if ((!strcmp(cmd->name, "ping") || !strcmp(cmd->name, "run")) &&
	    !((data[CAP_NET_RAW / 32].effective >> (CAP_NET_RAW % 32)) & 1))
		ok = false;
	if (!ok)
		fprintf(stderr,
			"nsping: %s needs CAP_NET_ADMIN, CAP_SYS_ADMIN and CAP_BPF%s (network "
			"namespaces, links, XDP): run it as root\n",
			cmd->name,
			!strcmp(cmd->name, "ping") || !strcmp(cmd->name, "run")
				? ", and CAP_NET_RAW"
				: "");
	return ok;
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
	if (!strcmp(argv[first], "help")) {
		if (first + 1 >= argc) {
			usage(stdout);
			return NSP_EXIT_OK;
		}
		cmd = find_command(argv[first + 1]);
		if (!cmd) {
			unknown_command(argv[first + 1]);
			return NSP_EXIT_USAGE;
		}
		command_usage(stdout, cmd);
		return NSP_EXIT_OK;
	}
	cmd = find_command(argv[first]);
	if (!cmd) {
		unknown_command(argv[first]);
		usage(stderr);
		return NSP_EXIT_USAGE;
	}
	r = parse_command_options(cmd, argc - first, argv + first, &o);
	if (r < 0)
		return NSP_EXIT_USAGE;
	if (r == 1) {
		command_usage(stdout, cmd);
		return NSP_EXIT_OK;
	}

	r = nsp_config_load(o.config, &cfg, &diag);
	if (r < 0) {
		config_errors(&o, r, &diag);
		nsp_diag_free(&diag);
		return NSP_EXIT_CONFIG;
	}
	if (cmd->kernel && !capable_of(cmd)) {
		nsp_config_free(&cfg);
		return NSP_EXIT_FAILURE;
	}
	if (cmd->kernel && o.host_netns && enter_host_netns(o.host_netns) < 0) {
		nsp_config_free(&cfg);
		return NSP_EXIT_FAILURE;
	}
	r = cmd->run(&o, &cfg);
	nsp_config_free(&cfg);
	return r;
}
