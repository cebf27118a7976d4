// SPDX-License-Identifier: GPL-2.0-only
/* Per-target counters, RTT statistics and hysteresis; see pingstat.h. */
#include <math.h>
#include <stddef.h>

#include "pingstat.h"

/* 10 us to 10 s in 1-2.5-5 steps; documented in nsping(8) and the README. */
const uint32_t nsp_rtt_bucket_le_us[NSP_RTT_BUCKETS] = {
	10,    25,    50,     100,    250,    500,     1000,	2500,	 5000,	   10000,
	25000, 50000, 100000, 250000, 500000, 1000000, 2500000, 5000000, 10000000,
};

static void record_rtt(struct nsp_target_stats *s, uint64_t rtt_us)
{
	double delta;
	size_t b = 0;

	while (b < NSP_RTT_BUCKETS && rtt_us > nsp_rtt_bucket_le_us[b])
		b++;
	if (b < NSP_RTT_BUCKETS)
		s->rtt_bucket[b]++;
	s->rtt_sum_us += rtt_us;

	if (s->received == 1 || rtt_us < s->rtt_min_us)
		s->rtt_min_us = rtt_us;
	if (rtt_us > s->rtt_max_us)
		s->rtt_max_us = rtt_us;
	s->rtt_last_us = rtt_us;
	delta = (double)rtt_us - s->rtt_mean_us;
	s->rtt_mean_us += delta / (double)s->received;
	s->rtt_m2_us2 += delta * ((double)rtt_us - s->rtt_mean_us);
}

static void count_outcome(struct nsp_target_stats *s, enum nsp_outcome out)
{
	switch (out) {
	case NSP_OUT_ANSWERED:
		s->received++;
		break;
	case NSP_OUT_CLOSED:
		s->closed++;
		break;
	case NSP_OUT_TIME_EXCEEDED:
		s->time_exceeded++;
		s->unreachable++;
		break;
	case NSP_OUT_UNREACHABLE:
		s->unreachable++;
		break;
	case NSP_OUT_TIMEOUT:
		s->timeouts++;
		break;
	}
}

bool nsp_stats_record(struct nsp_target_stats *s, enum nsp_outcome out, uint64_t rtt_us,
		      uint32_t down_after, uint32_t up_after)
{
	enum nsp_target_state was = s->state;

	count_outcome(s, out);
	if (out == NSP_OUT_ANSWERED) {
		record_rtt(s, rtt_us);
		s->miss_run = 0;
		if (++s->ok_run >= up_after)
			s->state = NSP_TARGET_UP;
	} else {
		s->ok_run = 0;
		if (++s->miss_run >= down_after)
			s->state = NSP_TARGET_DOWN;
	}
	return s->state != was;
}

double nsp_stats_loss_pct(const struct nsp_target_stats *s)
{
	uint64_t done = s->received + s->closed + s->unreachable + s->timeouts;

	if (done == 0)
		return 0.0;
	return 100.0 * (double)(done - s->received) / (double)done;
}

uint64_t nsp_stats_avg_us(const struct nsp_target_stats *s)
{
	if (s->received == 0)
		return 0;
	return (uint64_t)(s->rtt_mean_us + 0.5);
}

uint64_t nsp_stats_mdev_us(const struct nsp_target_stats *s)
{
	double var;

	if (s->received == 0)
		return 0;
	var = s->rtt_m2_us2 / (double)s->received; /* population variance, as ping(8) */
	return var > 0 ? (uint64_t)(sqrt(var) + 0.5) : 0;
}

const char *nsp_target_state_name(enum nsp_target_state st)
{
	return st == NSP_TARGET_UP ? "up" : st == NSP_TARGET_DOWN ? "down" : "unknown";
}

const char *nsp_outcome_name(enum nsp_outcome out)
{
	switch (out) {
	case NSP_OUT_ANSWERED:
		return "answered";
	case NSP_OUT_CLOSED:
		return "closed";
	case NSP_OUT_UNREACHABLE:
		return "unreachable";
	case NSP_OUT_TIME_EXCEEDED:
		return "time-exceeded";
	case NSP_OUT_TIMEOUT:
		return "timeout";
	}
	return "?";
}
