// SPDX-License-Identifier: GPL-2.0-only
/* A failing transmit path, from tx_ping's and the uplink's counters; see txwatch.h. */
#include "txwatch.h"

static enum nsp_txwatch_change forget(struct nsp_txwatch *w)
{
	bool was = w->failing;

	*w = (struct nsp_txwatch){0};
	return was ? NSP_TX_FLOWING : NSP_TX_UNCHANGED;
}

enum nsp_txwatch_change nsp_txwatch_feed(struct nsp_txwatch *w, uint32_t prog_id,
					 uint64_t redirected, bool lost_known, uint64_t lost)
{
	uint64_t sent, dropped;

	/* detached, or no statistics: the plan's business, or nobody's to judge */
	if (!prog_id || !lost_known)
		return forget(w);
	/* a new program (a repair re-attached one), a new uplink: counted from 0 */
	if (!w->counted || w->prog_id != prog_id || redirected < w->redirected || lost < w->lost) {
		w->counted = true;
		w->prog_id = prog_id;
		w->redirected = redirected;
		w->lost = lost;
		w->lossless = true;
		return NSP_TX_UNCHANGED;
	}
	sent = redirected - w->redirected;
	dropped = lost - w->lost;
	w->redirected = redirected;
	w->lost = lost;
	w->lossless = !dropped;
	if (!sent)
		return NSP_TX_UNCHANGED;
	if (dropped < sent) {
		bool was = w->failing;

		w->failing = false;
		w->failed = 0;
		return was ? NSP_TX_FLOWING : NSP_TX_UNCHANGED;
	}
	w->failed += dropped;
	if (w->failing)
		return NSP_TX_UNCHANGED;
	w->failing = true;
	return NSP_TX_FAILING;
}
