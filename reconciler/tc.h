/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The tc half of the bpf adapter (attach = "tc"): nsping's tc programs as
 * direct-action bpf filters on clsact ingress, in the instance's slot
 * (owner.h: NSP_TC_PRIORITY, nsp_tc_handle()). Plain values and -errno, as xdp.h.
 * nl reads the slot: a socket in the calling thread's netns, where libbpf acts.
 */
#ifndef NSPING_TC_H
#define NSPING_TC_H

#include <stdint.h>

#include "desired.h"
#include "nl.h"
#include "observed.h"

/* What holds who's slot on ifindex's ingress, and whether it is who's program. */
int nsp_tc_observe(struct nsp_nl *nl, int ifindex, const struct nsp_owner *who,
		   enum nsp_program program, struct nsp_obs_prog *ret);
/* The id of the bpf program in who's slot on ifindex's ingress; 0 for none (a read). */
int nsp_tc_slot_id(struct nsp_nl *nl, int ifindex, const struct nsp_owner *who, uint32_t *ret_id);
/*
 * Load the program with params and put it in the slot of params' owner,
 * replacing old_id (0: the slot must be empty). The clsact qdisc is created
 * when missing. The filter stays after we exit. The changing requests sent
 * are added to nl's count: the qdisc if it was created, and the filter
 * request if it left (whatever the kernel answered).
 */
int nsp_tc_attach(struct nsp_nl *nl, int ifindex, enum nsp_program program,
		  const struct nsp_prog_params *params, uint32_t old_id);
/*
 * Delete who's filter, only if it still runs old_id (the request counted as
 * above). The qdisc stays.
 */
int nsp_tc_detach(struct nsp_nl *nl, int ifindex, const struct nsp_owner *who, uint32_t old_id);

#endif
