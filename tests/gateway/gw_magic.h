/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The test gateway's counters and its TCP options walk, shared by the BPF
 * program (gw_magic.bpf.c), its loader (nsping-testgw.c) and its tests.
 * Plain C with <linux/types.h> types only.  The MAGIC arithmetic itself is
 * in bpf/nsping_magic.h.
 */
#ifndef NSPING_GW_MAGIC_H
#define NSPING_GW_MAGIC_H

#include <linux/types.h>

#include "nsping_magic.h"

/* Slots of the per-CPU counters map "gw_counters". */
enum gw_counter {
	GW_CNT_PROBE_DECREMENTED = 0, /* TSval == MAGIC: decremented, recirculated */
	GW_CNT_MAGIC_PASS,	      /* TSval == MAGIC_PASS: handed to the stack */
	GW_CNT_OTHER_PASSED,	      /* anything else, untouched */
	GW_CNT_ERROR,		      /* a probe the helpers failed to rewrite or redirect */
	GW_CNT_MAX,
};

#define GW_COUNTERS_MAP "gw_counters"
#define GW_PROG_NAME	"gw_magic_tc"

/* Where the loader puts the tc filter: one fixed slot, so it finds it again. */
#define GW_TC_HANDLE   0x6e73 /* "ns" */
#define GW_TC_PRIORITY 0x6e73

#define GW_TCPOPT_EOL		  0
#define GW_TCPOPT_NOP		  1
#define GW_TCP_MAX_OPTIONS_LEN	  40 /* (15 - 5) * 4 */
#define GW_TSVAL_OFFSET_IN_OPTION 2

/* Counter names, as the stats output prints them. */
NSP_INLINE const char *gw_counter_name(unsigned int idx)
{
	switch (idx) {
	case GW_CNT_PROBE_DECREMENTED:
		return "probes_decremented";
	case GW_CNT_MAGIC_PASS:
		return "magic_pass";
	case GW_CNT_OTHER_PASSED:
		return "other_passed";
	case GW_CNT_ERROR:
		return "errors";
	default:
		return "unknown";
	}
}

/*
 * Offset of TSval inside the TCP options opts[0..len), or -1 when there is
 * no well-formed timestamps option before the end of the options (EOL, a
 * length below 2 or past the end, a timestamps option of the wrong length).
 * Every option but NOP consumes at least two bytes and NOP one, so
 * GW_TCP_MAX_OPTIONS_LEN iterations always reach the end: the bound is for
 * the verifier.  Each read is checked against len and, separately, against
 * the constant buffer size, which is what the verifier can see.
 */
NSP_INLINE int gw_find_tsval(const __u8 *opts, __u64 len)
{
	__u64 i = 0, olen; /* 64-bit: no zero-extended copies for the verifier to lose */
	int n;

	for (n = 0; n < GW_TCP_MAX_OPTIONS_LEN; n++) {
		if (i >= len || i >= GW_TCP_MAX_OPTIONS_LEN)
			return -1;
		if (opts[i] == GW_TCPOPT_EOL)
			return -1;
		if (opts[i] == GW_TCPOPT_NOP) {
			i++;
			continue;
		}
		if (i + 1 >= len || i + 1 >= GW_TCP_MAX_OPTIONS_LEN)
			return -1;
		olen = opts[i + 1];
		if (olen < 2 || olen > len - i)
			return -1;
		if (opts[i] == NSP_TCPOPT_TIMESTAMP) {
			if (olen != NSP_TCPOLEN_TIMESTAMP ||
			    i + NSP_TCPOLEN_TIMESTAMP > GW_TCP_MAX_OPTIONS_LEN)
				return -1;
			return (int)(i + GW_TSVAL_OFFSET_IN_OPTION);
		}
		i += olen;
	}
	return -1;
}

#endif /* NSPING_GW_MAGIC_H */
