// SPDX-License-Identifier: GPL-2.0-only
/*
 * spawntime FILE CMD [ARG...] [';' CMD [ARG...]]...: runs each CMD in turn,
 * with this process's stdin, stdout and stderr, stopping at the first that
 * fails, and writes the wall-clock time from just before the first spawn to
 * just after the last exit, in microseconds, to FILE.
 *
 * The bench times every command through this, not with a shell's clock
 * around a fork: posix_spawn(3) starts the child without copying the
 * parent's page tables (glibc uses clone(CLONE_VM | CLONE_VFORK)), so the
 * number is the command's own cost, the same for a one-process tool and a
 * script, and not the cost of forking whatever is measuring it. On a
 * paravirtualised VM, bash forking itself added about 2 ms to every run.
 *
 * Exit status: the last CMD's, 128 + the signal that ended it, or 127 if a
 * CMD could not be started or the time not written.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "spawnrun.h"

static uint64_t monotonic_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

int main(int argc, char **argv)
{
	uint64_t start, end;
	int rc = 0, cmd = 2;
	FILE *out;

	if (argc < 3 || !strcmp(argv[2], ";")) {
		fprintf(stderr, "usage: spawntime FILE CMD [ARG...] [';' CMD [ARG...]]...\n");
		return 127;
	}
	start = monotonic_us();
	while (cmd < argc && rc == 0) {
		int end_of_cmd = cmd;

		while (end_of_cmd < argc && strcmp(argv[end_of_cmd], ";"))
			end_of_cmd++;
		argv[end_of_cmd] = NULL; /* argv[argc] is NULL already */
		if (end_of_cmd > cmd)
			rc = spawn_and_wait("spawntime", argv + cmd);
		cmd = end_of_cmd + 1;
	}
	end = monotonic_us();
	out = fopen(argv[1], "w");
	if (!out || fprintf(out, "%llu\n", (unsigned long long)(end - start)) < 0 ||
	    fclose(out) != 0) {
		fprintf(stderr, "spawntime: %s: %s\n", argv[1], strerror(errno));
		return 127;
	}
	return rc;
}
