/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the worker knows about one target: counters, RTT statistics and the
 * up/down state with hysteresis. Pure: the worker feeds it outcomes.
 */
#ifndef NSPING_PINGSTAT_H
#define NSPING_PINGSTAT_H

#include <stdbool.h>
#include <stdint.h>

enum nsp_target_state { NSP_TARGET_UNKNOWN, NSP_TARGET_UP, NSP_TARGET_DOWN };

/* How one probe ended. */
enum nsp_outcome {
	NSP_OUT_ANSWERED,      /* SYN-ACK */
	NSP_OUT_CLOSED,	       /* RST: the host is there, the port is not */
	NSP_OUT_UNREACHABLE,   /* ICMP destination unreachable */
	NSP_OUT_TIME_EXCEEDED, /* ICMP time exceeded */
	NSP_OUT_TIMEOUT,       /* nothing within timeout_ms */
};

/*
 * The RTT histogram's upper bounds ("le"), in microseconds: fixed, so that
 * every worker's histograms add up, and from the tens of microseconds of a
 * veth or a rack to the seconds of a timeout (timeout_ms is at most 60 s;
 * what is above the last bound is only in the count).
 */
#define NSP_RTT_BUCKETS 19
extern const uint32_t nsp_rtt_bucket_le_us[NSP_RTT_BUCKETS];

struct nsp_target_stats {
	uint64_t sent;
	uint64_t received; /* SYN-ACKs: the only answer that counts */
	uint64_t closed;
	uint64_t unreachable;	/* both ICMP kinds */
	uint64_t time_exceeded; /* of which ICMP time exceeded */
	uint64_t timeouts;
	uint64_t late;	    /* an answer after its timeout */
	uint64_t duplicate; /* a second answer to one probe */
	uint64_t path_down; /* probe slots skipped while the path was down */
	uint64_t sent_late; /* probes that left later than their time (the worker's to count) */
	uint64_t rtt_min_us;
	uint64_t rtt_max_us;
	uint64_t rtt_last_us;
	double rtt_mean_us; /* Welford's running mean and sum of squared deviations: */
	double rtt_m2_us2;  /* stable where sum(x^2) - n*mean^2 cancels out */
	uint64_t rtt_sum_us;
	/* answers by RTT: in bucket i when le[i-1] < rtt <= le[i]; not cumulative */
	uint64_t rtt_bucket[NSP_RTT_BUCKETS];
	enum nsp_target_state state;
	uint32_t ok_run;   /* answers in a row */
	uint32_t miss_run; /* misses in a row */
};

/*
 * Records an outcome (rtt_us only for NSP_OUT_ANSWERED). Returns true when
 * the state changed: down after down_after misses in a row, up after
 * up_after answers in a row. Anything but a SYN-ACK is a miss.
 */
bool nsp_stats_record(struct nsp_target_stats *s, enum nsp_outcome out, uint64_t rtt_us,
		      uint32_t down_after, uint32_t up_after);

/* Loss in percent of the probes sent whose outcome is known. */
double nsp_stats_loss_pct(const struct nsp_target_stats *s);
uint64_t nsp_stats_avg_us(const struct nsp_target_stats *s);
/* The mean deviation as ping(8) prints it: the population standard deviation. */
uint64_t nsp_stats_mdev_us(const struct nsp_target_stats *s);

const char *nsp_target_state_name(enum nsp_target_state st);
const char *nsp_outcome_name(enum nsp_outcome out);

#endif
