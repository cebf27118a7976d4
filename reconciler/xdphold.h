/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * run's hold on the XDP programs it keeps attached (docs/DESIGN.md, "A
 * re-attach without a grace period"). The kernel's XDP dispatcher changes,
 * and waits for an RCU grace period with RTNL held (about 16 ms here), each
 * time a program is attached where it was attached nowhere, or detached from
 * the last place it was. So run attaches each of an instance's XDP programs a
 * second time, to one end of a veth pair of its own in the instance's netns,
 * kept down: no packet passes there. Then another tool's detach and run's
 * re-attach of the same program (progcache.h) change no dispatcher. The
 * pair's ends, NSP_HOLD_TX and NSP_HOLD_RX (desired.h), hold tx_ping and
 * rx_ping. They carry no mark: the pair is run's by its names, in a netns of
 * ours (the caller's to check), and only as a pair of veth ends under those
 * very names; anything else bearing them is left alone (-EEXIST).
 */
#ifndef NSPING_XDPHOLD_H
#define NSPING_XDPHOLD_H

#include <stdint.h>

#include "desired.h"
#include "nl.h"

/* In want: leave that end as it is (its program is not attached just now). */
#define NSP_HOLD_KEEP UINT32_MAX

/*
 * Make the pair in the netns of nl hold the programs of these ids, indexed by
 * enum nsp_program (0: none, or NSP_HOLD_KEEP). With none at both ends the
 * pair is deleted; else it is made when missing. Two link reads when it
 * already holds them. -errno; -EEXIST: the names are taken by something else.
 */
int nsp_xdphold_sync(struct nsp_nl *nl, const uint32_t want[2]);

#endif
