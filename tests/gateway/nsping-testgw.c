// SPDX-License-Identifier: GPL-2.0-only
/*
 * nsping-testgw: loader and listener of the test gateway (gw_magic.bpf.c).
 *
 *   nsping-testgw attach --dev IFNAME [--port N] [--magic HEX]
 *   nsping-testgw detach --dev IFNAME
 *   nsping-testgw stats  --dev IFNAME [--json]
 *   nsping-testgw listen [--port N] [--addr A]
 *
 * attach loads the program with port and MAGIC in its read-only data and
 * puts it in a tc filter on the clsact ingress hook of IFNAME, at a fixed
 * handle and priority (GW_TC_HANDLE, GW_TC_PRIORITY); the filter holds the
 * program, so the attachment outlives this process.  Attaching again
 * replaces it.  detach and stats find it at the same slot.  Run it in the
 * gateway's network namespace (ip netns exec GW nsping-testgw ...).
 *
 * Exit codes: 0 success, 1 runtime failure, 64 usage error.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

#include <linux/bpf.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "nsping_magic.h"
#include "gw_magic.h"
#include "gw_magic.skel.h"

#define EXIT_RUNTIME 1
#define EXIT_USAGE   64

struct gw_args {
	const char *command;
	const char *dev;
	const char *addr;
	__u16 port;
	__u32 magic;
	bool json;
	bool verbose;
};

/* What stats reads back from an attached program. */
struct gw_stats {
	__u32 prog_id;
	__u16 port;
	__u32 magic;
	bool have_config;
	__u64 counters[GW_CNT_MAX];
};

static void usage(FILE *out)
{
	fprintf(out,
		"usage: nsping-testgw attach --dev IFNAME [--port N] [--magic HEX] [-v]\n"
		"       nsping-testgw detach --dev IFNAME\n"
		"       nsping-testgw stats  --dev IFNAME [--json]\n"
		"       nsping-testgw listen [--port N] [--addr A]\n"
		"defaults: --port %u --magic 0x%08X --addr 0.0.0.0\n",
		(unsigned int)NSP_DEFAULT_PORT, NSP_DEFAULT_MAGIC);
}

static void err_msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void err_msg(const char *fmt, ...)
{
	va_list ap;

	fputs("nsping-testgw: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static bool verbose_libbpf;

/*
 * libbpf reports the kernel's netlink extack as a warning of its own, also
 * for answers that are not errors here (clsact already exists, nothing in
 * our tc slot).  Keep the last one and show it with our own error message.
 */
#define KERNEL_MSG_PREFIX "Kernel error message: "
static char kernel_msg[256];

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level == LIBBPF_DEBUG || (level == LIBBPF_INFO && !verbose_libbpf))
		return 0;
	if (!strncmp(fmt, KERNEL_MSG_PREFIX, strlen(KERNEL_MSG_PREFIX)) && !verbose_libbpf) {
		vsnprintf(kernel_msg, sizeof(kernel_msg), fmt, ap);
		kernel_msg[strcspn(kernel_msg, "\n")] = '\0';
		return 0;
	}
	return vfprintf(stderr, fmt, ap);
}

/* "strerror (kernel: extack)" for an error of a tc call. */
static const char *tc_strerror(int err)
{
	static char buf[sizeof(kernel_msg) + 64];
	const char *detail = kernel_msg + strlen(KERNEL_MSG_PREFIX);

	if (strncmp(kernel_msg, KERNEL_MSG_PREFIX, strlen(KERNEL_MSG_PREFIX)) || !*detail)
		return strerror(-err);
	snprintf(buf, sizeof(buf), "%s (kernel: %s)", strerror(-err), detail);
	return buf;
}

/* ---- arguments ------------------------------------------------------- */

static int parse_ulong(const char *s, int base, unsigned long max, unsigned long *out)
{
	unsigned long v;
	char *end;

	if (!*s || *s == '-')
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, base);
	if (errno || *end || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

static int parse_args(int argc, char **argv, struct gw_args *a)
{
	static const struct option longopts[] = {
		{"dev", required_argument, NULL, 'd'},	 {"port", required_argument, NULL, 'p'},
		{"magic", required_argument, NULL, 'm'}, {"addr", required_argument, NULL, 'a'},
		{"json", no_argument, NULL, 'j'},	 {"verbose", no_argument, NULL, 'v'},
		{"help", no_argument, NULL, 'h'},	 {NULL, 0, NULL, 0},
	};
	unsigned long v;
	int c;

	a->port = NSP_DEFAULT_PORT;
	a->magic = NSP_DEFAULT_MAGIC;
	a->addr = "0.0.0.0";
	if (argc < 2) {
		err_msg("missing command");
		return -EINVAL;
	}
	a->command = argv[1];
	optind = 2;
	while ((c = getopt_long(argc, argv, "d:p:m:a:jvh", longopts, NULL)) != -1) {
		switch (c) {
		case 'd':
			a->dev = optarg;
			break;
		case 'p':
			if (parse_ulong(optarg, 10, 65535, &v) || !v) {
				err_msg("--port: want 1..65535, got '%s'", optarg);
				return -EINVAL;
			}
			a->port = (__u16)v;
			break;
		case 'm':
			if (parse_ulong(optarg, 16, UINT32_MAX, &v)) {
				err_msg("--magic: want a 32-bit hex number, got '%s'", optarg);
				return -EINVAL;
			}
			a->magic = (__u32)v;
			break;
		case 'a':
			a->addr = optarg;
			break;
		case 'j':
			a->json = true;
			break;
		case 'v':
			a->verbose = true;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			return -EINVAL;
		}
	}
	if (optind < argc) {
		err_msg("unexpected argument '%s'", argv[optind]);
		return -EINVAL;
	}
	return 0;
}

static int resolve_dev(const char *dev, int *ifindex)
{
	unsigned int idx;

	idx = if_nametoindex(dev);
	if (!idx) {
		err_msg("no interface '%s' in this network namespace: %s", dev, strerror(errno));
		return -ENODEV;
	}
	*ifindex = (int)idx;
	return 0;
}

/* ---- attach / detach ------------------------------------------------- */

static int cmd_attach(const struct gw_args *a, int ifindex)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex, .attach_point = BPF_TC_INGRESS);
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = GW_TC_HANDLE, .priority = GW_TC_PRIORITY,
		    .flags = BPF_TC_F_REPLACE);
	struct gw_magic_bpf *skel;
	int err;

	skel = gw_magic_bpf__open();
	if (!skel) {
		err = -errno;
		err_msg("open the BPF object: %s", strerror(-err));
		return err;
	}
	skel->rodata->probe_port = a->port;
	skel->rodata->probe_magic = a->magic;
	err = gw_magic_bpf__load(skel);
	if (err) {
		err_msg("load the BPF program: %s (run as root; -v shows the verifier log)",
			strerror(-err));
		goto out;
	}
	err = bpf_tc_hook_create(&hook);
	if (err && err != -EEXIST) {
		err_msg("create the clsact qdisc on %s: %s", a->dev, tc_strerror(err));
		goto out;
	}
	opts.prog_fd = bpf_program__fd(skel->progs.gw_magic_tc);
	err = bpf_tc_attach(&hook, &opts);
	if (err) {
		err_msg("attach to tc ingress of %s: %s", a->dev, tc_strerror(err));
		goto out;
	}
	printf("attached %s to %s ingress (prog id %u, port %u, magic 0x%08X)\n", GW_PROG_NAME,
	       a->dev, opts.prog_id, a->port, a->magic);
out:
	/* the tc filter keeps the program and its maps */
	gw_magic_bpf__destroy(skel);
	return err;
}

/* The program id in our tc slot on ifindex, or -ENOENT. */
static int query_prog_id(int ifindex, __u32 *prog_id)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex, .attach_point = BPF_TC_INGRESS);
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = GW_TC_HANDLE, .priority = GW_TC_PRIORITY);
	int err;

	err = bpf_tc_query(&hook, &opts);
	if (err)
		return err == -EINVAL ? -ENOENT : err; /* no clsact qdisc at all */
	*prog_id = opts.prog_id;
	return 0;
}

static int cmd_detach(const struct gw_args *a, int ifindex)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex, .attach_point = BPF_TC_INGRESS);
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = GW_TC_HANDLE, .priority = GW_TC_PRIORITY);
	__u32 prog_id;
	int err;

	err = query_prog_id(ifindex, &prog_id);
	if (!err)
		err = bpf_tc_detach(&hook, &opts);
	if (err == -ENOENT) {
		err_msg("no test gateway program attached to %s", a->dev);
		return err;
	}
	if (err) {
		err_msg("detach from %s: %s", a->dev, tc_strerror(err));
		return err;
	}
	printf("detached %s (prog id %u) from %s ingress\n", GW_PROG_NAME, prog_id, a->dev);
	return 0;
}

/* ---- stats ----------------------------------------------------------- */

static bool has_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && !strcmp(s + n - m, suffix);
}

static int read_counters(int map_fd, __u64 out[GW_CNT_MAX])
{
	int ncpus = libbpf_num_possible_cpus();
	__u64 *vals;
	__u32 key;
	int cpu, err = 0;

	if (ncpus <= 0)
		return ncpus ? ncpus : -EINVAL;
	vals = calloc((size_t)ncpus, sizeof(*vals));
	if (!vals)
		return -ENOMEM;
	for (key = 0; key < GW_CNT_MAX && !err; key++) {
		if (bpf_map_lookup_elem(map_fd, &key, vals)) {
			err = -errno;
			break;
		}
		out[key] = 0;
		for (cpu = 0; cpu < ncpus; cpu++)
			out[key] += vals[cpu];
	}
	free(vals);
	return err;
}

/* The port and MAGIC that the program was loaded with, from its .rodata. */
static int read_config(int map_fd, const struct bpf_map_info *info, struct gw_stats *st)
{
	struct gw_magic_bpf__rodata *ro;
	__u32 key = 0;
	int err = 0;

	if (info->value_size < sizeof(*ro))
		return -EPROTO;
	ro = calloc(1, info->value_size);
	if (!ro)
		return -ENOMEM;
	if (bpf_map_lookup_elem(map_fd, &key, ro)) {
		err = -errno;
	} else {
		st->port = ro->probe_port;
		st->magic = ro->probe_magic;
		st->have_config = true;
	}
	free(ro);
	return err;
}

static int read_map(__u32 map_id, struct gw_stats *st, bool *found_counters)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	int fd, err = 0;

	fd = bpf_map_get_fd_by_id(map_id);
	if (fd < 0)
		return -errno;
	if (bpf_obj_get_info_by_fd(fd, &info, &len)) {
		err = -errno;
	} else if (!strcmp(info.name, GW_COUNTERS_MAP)) {
		err = read_counters(fd, st->counters);
		*found_counters = !err;
	} else if (has_suffix(info.name, ".rodata")) {
		err = read_config(fd, &info, st);
	}
	close(fd);
	return err;
}

static int read_prog_maps(int prog_fd, struct gw_stats *st)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info), map_ids[8] = {}, i;
	bool found_counters = false;

	info.nr_map_ids = sizeof(map_ids) / sizeof(map_ids[0]);
	info.map_ids = (__u64)(unsigned long)map_ids;
	if (bpf_obj_get_info_by_fd(prog_fd, &info, &len))
		return -errno;
	if (strcmp(info.name, GW_PROG_NAME)) {
		err_msg("the program in the gateway's tc slot is '%s', not %s", info.name,
			GW_PROG_NAME);
		return -EPROTO;
	}
	if (info.nr_map_ids > sizeof(map_ids) / sizeof(map_ids[0]))
		return -E2BIG;
	for (i = 0; i < info.nr_map_ids; i++) {
		int err = read_map(map_ids[i], st, &found_counters);

		if (err)
			return err;
	}
	if (!found_counters) {
		err_msg("program %u has no %s map", st->prog_id, GW_COUNTERS_MAP);
		return -ENOENT;
	}
	return 0;
}

static void print_stats(const struct gw_args *a, int ifindex, const struct gw_stats *st)
{
	int i;

	if (a->json) {
		printf("{\"dev\":\"%s\",\"ifindex\":%d,\"prog_id\":%u", a->dev, ifindex,
		       st->prog_id);
		if (st->have_config)
			printf(",\"port\":%u,\"magic\":\"0x%08X\"", st->port, st->magic);
		printf(",\"counters\":{");
		for (i = 0; i < GW_CNT_MAX; i++)
			printf("%s\"%s\":%" PRIu64, i ? "," : "", gw_counter_name(i),
			       (uint64_t)st->counters[i]);
		printf("}}\n");
		return;
	}
	printf("dev %s ifindex %d prog_id %u", a->dev, ifindex, st->prog_id);
	if (st->have_config)
		printf(" port %u magic 0x%08X", st->port, st->magic);
	printf("\n");
	for (i = 0; i < GW_CNT_MAX; i++)
		printf("%-20s %" PRIu64 "\n", gw_counter_name(i), (uint64_t)st->counters[i]);
}

static int cmd_stats(const struct gw_args *a, int ifindex)
{
	struct gw_stats st = {};
	int prog_fd, err;

	err = query_prog_id(ifindex, &st.prog_id);
	if (err == -ENOENT) {
		err_msg("no test gateway program attached to %s", a->dev);
		return err;
	}
	if (err) {
		err_msg("query tc ingress of %s: %s", a->dev, tc_strerror(err));
		return err;
	}
	prog_fd = bpf_prog_get_fd_by_id(st.prog_id);
	if (prog_fd < 0) {
		err = -errno;
		err_msg("program %u: %s", st.prog_id, strerror(-err));
		return err;
	}
	err = read_prog_maps(prog_fd, &st);
	close(prog_fd);
	if (err) {
		err_msg("read the counters of program %u: %s", st.prog_id, strerror(-err));
		return err;
	}
	print_stats(a, ifindex, &st);
	return 0;
}

/* ---- listen ----------------------------------------------------------- */

static volatile sig_atomic_t stop_listening;

static void on_stop_signal(int sig)
{
	(void)sig;
	stop_listening = 1;
}

/*
 * SIGTERM and SIGINT end the loop.  They stay blocked except inside
 * ppoll(), which unblocks them atomically, so one that arrives between the
 * test of stop_listening and the wait cannot be lost.
 */
static int install_stop_handlers(sigset_t *wait_mask)
{
	struct sigaction sa = {.sa_handler = on_stop_signal};
	sigset_t stop;

	sigemptyset(&sa.sa_mask);
	sigemptyset(&stop);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGINT);
	if (sigprocmask(SIG_BLOCK, &stop, wait_mask) || sigaction(SIGTERM, &sa, NULL) ||
	    sigaction(SIGINT, &sa, NULL))
		return -errno;
	sigdelset(wait_mask, SIGTERM);
	sigdelset(wait_mask, SIGINT);
	return 0;
}

static int open_listener(const struct gw_args *a)
{
	struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons(a->port)};
	int fd, one = 1;

	if (inet_pton(AF_INET, a->addr, &sin.sin_addr) != 1)
		return -EINVAL; /* checked by validate_args() */
	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(fd, (struct sockaddr *)&sin, sizeof(sin)) || listen(fd, SOMAXCONN)) {
		int err = -errno;

		err_msg("listen on %s:%u: %s", a->addr, a->port, strerror(-err));
		close(fd);
		return err;
	}
	return fd;
}

/* Accepts and closes whatever is queued; the SYN-ACK was the answer. */
static int drain_accept_queue(int fd)
{
	for (;;) {
		int conn = accept4(fd, NULL, NULL, SOCK_CLOEXEC);

		if (conn >= 0) {
			close(conn);
			continue;
		}
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ECONNABORTED ||
		    errno == EINTR)
			return 0;
		return -errno;
	}
}

static int cmd_listen(const struct gw_args *a)
{
	struct pollfd pfd = {.events = POLLIN};
	sigset_t wait_mask;
	int err;

	err = install_stop_handlers(&wait_mask);
	if (err)
		return err;
	pfd.fd = open_listener(a);
	if (pfd.fd < 0)
		return pfd.fd;
	printf("listening on %s:%u\n", a->addr, a->port);
	fflush(stdout);
	while (!stop_listening && !err) {
		if (ppoll(&pfd, 1, NULL, &wait_mask) < 0) {
			err = errno == EINTR ? 0 : -errno;
			continue;
		}
		err = drain_accept_queue(pfd.fd);
	}
	if (err)
		err_msg("listen: %s", strerror(-err));
	close(pfd.fd);
	return err;
}

/* ---- main ------------------------------------------------------------ */

static int run_command(const struct gw_args *a)
{
	int ifindex = 0, err;

	if (!strcmp(a->command, "listen"))
		return cmd_listen(a);
	err = resolve_dev(a->dev, &ifindex);
	if (err)
		return err;
	if (!strcmp(a->command, "attach"))
		return cmd_attach(a, ifindex);
	if (!strcmp(a->command, "detach"))
		return cmd_detach(a, ifindex);
	return cmd_stats(a, ifindex);
}

static bool known_command(const char *cmd)
{
	return !strcmp(cmd, "attach") || !strcmp(cmd, "detach") || !strcmp(cmd, "stats") ||
	       !strcmp(cmd, "listen");
}

/* Usage errors, found before anything touches the kernel. */
static int validate_args(const struct gw_args *a)
{
	struct in_addr addr;

	if (!known_command(a->command)) {
		err_msg("unknown command '%s'", a->command);
		return -EINVAL;
	}
	if (!strcmp(a->command, "listen")) {
		if (inet_pton(AF_INET, a->addr, &addr) != 1) {
			err_msg("--addr: '%s' is not an IPv4 address", a->addr);
			return -EINVAL;
		}
		return 0;
	}
	if (!a->dev) {
		err_msg("%s needs --dev IFNAME", a->command);
		return -EINVAL;
	}
	if (!*a->dev || strlen(a->dev) >= IF_NAMESIZE) {
		err_msg("--dev: '%s' is not an interface name (1..%d characters)", a->dev,
			IF_NAMESIZE - 1);
		return -EINVAL;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct gw_args a = {};
	int err;

	if (argc >= 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
		usage(stdout);
		return 0;
	}
	if (parse_args(argc, argv, &a) || validate_args(&a)) {
		usage(stderr);
		return EXIT_USAGE;
	}
	verbose_libbpf = a.verbose;
	libbpf_set_print(libbpf_print);
	err = run_command(&a);
	return err ? EXIT_RUNTIME : 0;
}
