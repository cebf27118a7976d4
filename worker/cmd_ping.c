// SPDX-License-Identifier: GPL-2.0-only
/* The ping and run commands: the worker's options, then the worker. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "commands.h"
#include "metrics.h"
#include "worker.h"

/* "[ADDR:]PORT", ADDR an IPv4 address, 127.0.0.1 when left out. */
static int parse_listen(const char *spec, struct sockaddr_in *ret_sin)
{
	struct sockaddr_in sin = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	const char *colon = strrchr(spec, ':'), *port = colon ? colon + 1 : spec;
	char addr[INET_ADDRSTRLEN], *end;
	unsigned long p;

	if (colon) {
		if ((size_t)(colon - spec) >= sizeof(addr))
			return -EINVAL;
		memcpy(addr, spec, (size_t)(colon - spec));
		addr[colon - spec] = '\0';
		if (inet_pton(AF_INET, addr, &sin.sin_addr) != 1)
			return -EINVAL;
	}
	errno = 0;
	p = strtoul(port, &end, 10);
	if (errno || *port == '\0' || *end || p < 1 || p > 65535)
		return -EINVAL;
	sin.sin_port = htons((uint16_t)p);
	*ret_sin = sin;
	return 0;
}

/* The /metrics socket, opened in the host netns before privileges go. */
static int open_listener(const char *command, const char *spec)
{
	struct sockaddr_in sin;
	int fd, one = 1;

	if (parse_listen(spec, &sin) < 0) {
		fprintf(stderr, "nsping: %s: --prom-listen: \"%s\" is not [ADDR:]PORT\n", command,
			spec);
		return -EINVAL;
	}
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	/* as many may wait for the server as it holds at once */
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0 ||
	    listen(fd, NSP_HTTP_CONNECTIONS_MAX) < 0) {
		int err = -errno;

		fprintf(stderr, "nsping: %s: --prom-listen %s: %s\n", command, spec,
			strerror(errno));
		close(fd);
		return err;
	}
	return fd;
}

/* The worker's options, and its /metrics socket when asked for; an exit code. */
static int worker_setup(const char *command, const struct nsp_options *o,
			struct nsp_worker_options *ret)
{
	*ret = (struct nsp_worker_options){
		.count = o->count,
		.json = o->json,
		.verbosity = o->verbosity == NSP_QUIET	   ? 0
			     : o->verbosity == NSP_VERBOSE ? 2
							   : 1,
		.max_rate = o->max_rate > 0 ? (uint32_t)o->max_rate : NSP_DEFAULT_MAX_RATE,
		.prom_file = o->prom_file,
		.prom_listen_fd = -1,
		.state_dir = o->state_dir,
		.ctl_fd = -1,
		.config = o->config,
	};
	if (o->prom_listen) {
		ret->prom_listen_fd = open_listener(command, o->prom_listen);
		if (ret->prom_listen_fd < 0)
			return ret->prom_listen_fd == -EINVAL ? NSP_EXIT_USAGE : NSP_EXIT_FAILURE;
	}
	return NSP_EXIT_OK;
}

static int worker_run(const struct nsp_config *cfg, struct nsp_worker_options *wo)
{
	int r = nsp_worker_run(cfg, wo);

	if (wo->prom_listen_fd >= 0)
		close(wo->prom_listen_fd);
	return r;
}

int nsp_cmd_ping(const struct nsp_options *o, const struct nsp_config *cfg)
{
	struct nsp_worker_options wo;
	int r = worker_setup("ping", o, &wo);

	return r != NSP_EXIT_OK ? r : worker_run(cfg, &wo);
}

/*
 * run: apply, then the worker in a child process while this one keeps the
 * kernel converged (nsp_cmd_heal) and tells the worker about repairs. A bad
 * --prom-listen, or a port taken, is found before anything is applied.
 */
int nsp_cmd_run(const struct nsp_options *o, const struct nsp_config *cfg)
{
	struct nsp_worker_options wo;
	pid_t parent = getpid(), pid;
	int r = worker_setup("run", o, &wo), ctl[2];

	if (r == NSP_EXIT_OK)
		r = nsp_cmd_run_may_start(o);
	if (r != NSP_EXIT_OK) {
		if (wo.prom_listen_fd >= 0)
			close(wo.prom_listen_fd);
		return r;
	}
	r = nsp_cmd_apply(o, cfg);
	if (r == NSP_EXIT_OK && socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, ctl) < 0) {
		fprintf(stderr, "nsping: run: socketpair: %s\n", strerror(errno));
		r = NSP_EXIT_FAILURE;
	}
	if (r != NSP_EXIT_OK) {
		if (wo.prom_listen_fd >= 0)
			close(wo.prom_listen_fd);
		return r;
	}
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0) {
		fprintf(stderr, "nsping: run: fork: %s\n", strerror(errno));
		return NSP_EXIT_FAILURE;
	}
	if (pid == 0) {
		/* the worker must not outlive the reconciler that repairs its paths */
		if (prctl(PR_SET_PDEATHSIG, SIGTERM) < 0 || getppid() != parent)
			_exit(NSP_EXIT_FAILURE);
		close(ctl[0]);
		wo.ctl_fd = ctl[1];
		r = worker_run(cfg, &wo);
		fflush(NULL);
		_exit(r);
	}
	close(ctl[1]);
	if (wo.prom_listen_fd >= 0)
		close(wo.prom_listen_fd);
	return nsp_cmd_heal(o, cfg, pid, ctl[0]);
}
