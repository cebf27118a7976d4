/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * How nsping proves that a kernel object is its own, so that it only ever
 * changes what it made (docs/DESIGN.md, "Ownership marks"): the netns's lo
 * and both ends of the veth pair carry the ifalias "nsping:<instance>",
 * routes the protocol NSP_RTPROT, and tc filters sit in the instance's slot
 * under NSP_TC_PRIORITY. A program is proven ours by its name and the
 * instance in its rodata (xdp.c). Pure.
 */
#ifndef NSPING_OWNER_H
#define NSPING_OWNER_H

#include <stdbool.h>
#include <stdint.h>

#include "observed.h"

#define NSP_RTPROT	78 /* route protocol that marks nsping's routes */

/*
 * Where an instance's tc filters live on a clsact ingress hook: nsping's own
 * priority ("NS"), and a handle of the instance, so that instances sharing an
 * uplink each have their slot. Whatever else is on the hook is not ours.
 */
#define NSP_TC_PRIORITY 0x4e53U
uint32_t nsp_tc_handle(const char *instance);

/* The mark nsping puts on what it creates: "nsping:<instance>". */
void nsp_mark(const char *instance, char buf[NSP_ALIAS_MAX]);
bool nsp_is_marked(const char *alias, const char *instance);

/* The same read-only data: the same instance, inputs and build. */
bool nsp_prog_params_equal(const struct nsp_prog_params *a, const struct nsp_prog_params *b);

#endif
