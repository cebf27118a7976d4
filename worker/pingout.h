/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the ping worker prints: one line per probe result, state changes and
 * per-target summaries, as text in fping's spirit or as JSON lines
 * (SPEC.md's shapes). Pure formatting; metrics.h has the Prometheus text.
 */
#ifndef NSPING_PINGOUT_H
#define NSPING_PINGOUT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "pathcause.h"
#include "pingstat.h"

enum nsp_result {
	NSP_RES_ANSWERED,
	NSP_RES_CLOSED,
	NSP_RES_UNREACHABLE,
	NSP_RES_TIME_EXCEEDED,
	NSP_RES_TIMEOUT,
	NSP_RES_LATE,
	NSP_RES_DUPLICATE,
};

/* Where an RTT's two timestamps came from. */
enum nsp_rtt_source {
	NSP_RTT_KERNEL,	 /* tx and rx stamped by the kernel (SO_TIMESTAMPING) */
	NSP_RTT_USER_TX, /* rx stamped by the kernel, tx read just before the send */
	NSP_RTT_USER,	 /* both read by the worker (CLOCK_MONOTONIC) */
};

struct nsp_probe_event {
	const char *instance;
	uint32_t target; /* network order */
	uint64_t seq;	 /* the probe's number for this target, from 0 */
	enum nsp_result result;
	uint64_t rtt_us;		/* answered, late, duplicate */
	enum nsp_rtt_source rtt_source; /* answered */
	bool gateway_magic;		/* the TSecr carries the gateway's decrement */
	uint32_t from;			/* the ICMP error's sender */
	uint8_t icmp_type;
	uint8_t icmp_code;
};

struct nsp_target_view {
	const char *instance;
	uint32_t target;
	const struct nsp_target_stats *stats;
	bool path_up;
	uint64_t repairs;		/* of the instance's datapath, by run's reconciler */
	enum nsp_path_cause path_cause; /* why the path is down; none while up */
};

void nsp_out_probe(FILE *f, bool json, const struct nsp_probe_event *ev,
		   const struct nsp_target_stats *stats);
void nsp_out_state(FILE *f, bool json, const char *instance, uint32_t target,
		   enum nsp_target_state state);
void nsp_out_path(FILE *f, bool json, const char *instance, bool up, enum nsp_path_cause cause,
		  const char *reason);
void nsp_out_summary(FILE *f, bool json, const struct nsp_target_view *t);

const char *nsp_result_name(enum nsp_result r);
const char *nsp_rtt_source_name(enum nsp_rtt_source s);

#endif
