/* SPDX-License-Identifier: GPL-2.0-only */
/* What the bench tools share: running one command as a shell would. */
#ifndef NSPING_BENCH_SPAWNRUN_H
#define NSPING_BENCH_SPAWNRUN_H

#include <errno.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

extern char **environ;

/*
 * Runs argv (NULL-terminated) with posix_spawnp(3), which starts the child
 * without copying the caller's page tables, and returns its exit status as a
 * shell would: 128 + the signal that ended it, or 127 (after a message
 * naming tool) if it could not be started or waited for.
 */
static inline int spawn_and_wait(const char *tool, char **argv)
{
	int err, status;
	pid_t pid;

	err = posix_spawnp(&pid, argv[0], NULL, NULL, argv, environ);
	if (err) {
		fprintf(stderr, "%s: %s: %s\n", tool, argv[0], strerror(err));
		return 127;
	}
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			fprintf(stderr, "%s: waitpid: %s\n", tool, strerror(errno));
			return 127;
		}
	}
	return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
}

#endif
