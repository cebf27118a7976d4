/* SPDX-License-Identifier: GPL-2.0-only */
/* Clock readings in nanoseconds, for the worker's schedule and the -v trace. */
#ifndef NSPING_CLOCK_H
#define NSPING_CLOCK_H

#include <stdint.h>
#include <time.h>

static inline uint64_t nsp_timespec_ns(const struct timespec *ts)
{
	return (uint64_t)ts->tv_sec * 1000000000u + (uint64_t)ts->tv_nsec;
}

static inline uint64_t nsp_clock_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return nsp_timespec_ns(&ts);
}

#endif
