// SPDX-License-Identifier: GPL-2.0-only
/*
 * progstats FILE PROG_ID... -- CMD [ARG...]: runs CMD with the kernel's BPF
 * run-time statistics on, and writes to FILE one line per PROG_ID:
 *
 *	ID RUNS NS BUSY_NS
 *
 * RUNS and NS: how often the program ran during CMD and the nanoseconds it
 * spent (the differences of its run_cnt and run_time_ns); BUSY_NS: the CPU
 * time all CPUs spent not idle meanwhile (/proc/stat), so that NS / BUSY_NS
 * is the program's share of the work the traffic of CMD made.
 *
 * The statistics are switched on with BPF_ENABLE_STATS, which holds them on
 * while its file descriptor is open and restores the previous state when
 * the last holder closes it: unlike the kernel.bpf_stats_enabled sysctl,
 * nothing is left on if the bench dies. They cost two clock reads per
 * program run, so the bench takes them in a run of their own, not in the
 * runs whose throughput it reports.
 *
 * Exit status: CMD's (128 + signal if a signal ended it), or 127 if the
 * statistics, the programs or FILE could not be had.
 */
#include <bpf/bpf.h>
#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "spawnrun.h"

#define MAX_PROGS 8

struct sample {
	uint64_t runs, ns;
};

static int prog_sample(int fd, const char *id, struct sample *s)
{
	struct bpf_prog_info info = {0};
	uint32_t len = sizeof(info);

	if (bpf_obj_get_info_by_fd(fd, &info, &len)) {
		int e = errno;

		fprintf(stderr, "progstats: program %s: %s\n", id, strerror(e));
		return -e;
	}
	*s = (struct sample){.runs = info.run_cnt, .ns = info.run_time_ns};
	return 0;
}

/* Nanoseconds all CPUs have spent not idle since boot, or 0 if unknown. */
static uint64_t busy_ns(void)
{
	unsigned long long v[10] = {0};
	uint64_t busy;
	FILE *f = fopen("/proc/stat", "r");
	int n;

	if (!f)
		return 0;
	/* user nice system idle iowait irq softirq steal guest guest_nice */
	n = fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2],
		   &v[3], &v[4], &v[5], &v[6], &v[7], &v[8], &v[9]);
	fclose(f);
	if (n < 8)
		return 0;
	/* guest time is in user time already; idle, iowait and steal are not busy */
	busy = v[0] + v[1] + v[2] + v[5] + v[6];
	return busy * (1000000000u / (uint64_t)sysconf(_SC_CLK_TCK));
}

int main(int argc, char **argv)
{
	struct sample before[MAX_PROGS], after[MAX_PROGS];
	int fds[MAX_PROGS], n = 0, i = 2, rc, stats_fd;
	uint64_t busy0, busy1;
	FILE *out;

	for (; i < argc && strcmp(argv[i], "--"); i++, n++) {
		char *end;
		unsigned long id = strtoul(argv[i], &end, 10);

		if (n == MAX_PROGS || *end || !id) {
			fprintf(stderr, "progstats: %s: not a program id (at most %d)\n", argv[i],
				MAX_PROGS);
			return 127;
		}
		fds[n] = bpf_prog_get_fd_by_id((uint32_t)id);
		if (fds[n] < 0) {
			fprintf(stderr, "progstats: program %lu: %s\n", id, strerror(errno));
			return 127;
		}
	}
	if (argc < 3 || !n || i + 1 >= argc) {
		fprintf(stderr, "usage: progstats FILE PROG_ID... -- CMD [ARG...]\n");
		return 127;
	}
	stats_fd = bpf_enable_stats(BPF_STATS_RUN_TIME);
	if (stats_fd < 0) {
		fprintf(stderr, "progstats: BPF_ENABLE_STATS: %s\n", strerror(errno));
		return 127;
	}
	for (int p = 0; p < n; p++)
		if (prog_sample(fds[p], argv[2 + p], &before[p]))
			return 127;
	busy0 = busy_ns();
	rc = spawn_and_wait("progstats", argv + i + 1);
	busy1 = busy_ns();
	for (int p = 0; p < n; p++)
		if (prog_sample(fds[p], argv[2 + p], &after[p]))
			return 127;
	close(stats_fd);

	out = fopen(argv[1], "w");
	if (!out) {
		fprintf(stderr, "progstats: %s: %s\n", argv[1], strerror(errno));
		return 127;
	}
	for (int p = 0; p < n; p++)
		fprintf(out, "%s %" PRIu64 " %" PRIu64 " %" PRIu64 "\n", argv[2 + p],
			after[p].runs - before[p].runs, after[p].ns - before[p].ns, busy1 - busy0);
	if (fclose(out)) {
		fprintf(stderr, "progstats: %s: %s\n", argv[1], strerror(errno));
		return 127;
	}
	return rc;
}
