/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What `nsping monitor` prints: an event of the datapath (bpf/nsping_monitor.h)
 * as a line of text or a JSON line (schema/monitor.schema.json), the drops
 * and the summary; and which events pass its filters. Pure.
 */
#ifndef NSPING_MONITORFMT_H
#define NSPING_MONITORFMT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "nsping_monitor.h"

#define NSP_MON_MAX_TARGETS 64

struct nsp_mon_filter {
	uint32_t verdicts;		       /* a bit per enum nsp_counter; 0: every verdict */
	size_t n_targets;		       /* 0: every address */
	uint32_t targets[NSP_MON_MAX_TARGETS]; /* network order */
};

/* Where an event came from, as user space knows it. */
struct nsp_mon_source {
	const char *instance;
	uint32_t prog_id;
	const char *ifname;	/* the event's ifindex by name; NULL: unknown */
	int64_t realtime_shift; /* CLOCK_REALTIME - CLOCK_MONOTONIC, ns */
};

/* What a monitor saw of one program, and what the program dropped meanwhile. */
struct nsp_mon_tally {
	const char *instance;
	uint8_t program; /* enum nsp_mon_program */
	uint32_t prog_id;
	uint32_t rate; /* the events per second in force */
	uint64_t received, printed;
	uint64_t rate_limited, ring_full;
};

/* "tx_ping", "rx_ping", "tx_ping_tc", "rx_ping_tc"; "unknown" for another value. */
const char *nsp_mon_program_name(uint8_t program);

/*
 * A comma-separated list of verdict names (status's counter names, with or
 * without "pass_") into a mask. -EINVAL with the offending word in bad.
 */
int nsp_mon_parse_verdicts(const char *list, uint32_t *ret_mask, char *bad, size_t bad_size);
/* A comma-separated list of IPv4 addresses into f. -EINVAL with the word in bad, -E2BIG. */
int nsp_mon_parse_targets(const char *list, struct nsp_mon_filter *f, char *bad, size_t bad_size);
/* The event passes f: its verdict is one of f's, one of its addresses is a target. */
bool nsp_mon_match(const struct nsp_mon_filter *f, const struct nsp_event *ev);

/* One line: time, instance, program, interface, verdict, the frame. */
void nsp_mon_print_text(FILE *f, const struct nsp_event *ev, const struct nsp_mon_source *src);
/* One JSON line of "type":"event". */
void nsp_mon_print_json(FILE *f, const struct nsp_event *ev, const struct nsp_mon_source *src);
/*
 * type "drops" (events dropped since the last report) or "summary" (at
 * the end): as text (a line for stderr) or a JSON line.
 */
void nsp_mon_print_tally(FILE *f, bool json, const char *type, const struct nsp_mon_tally *t);

#endif
