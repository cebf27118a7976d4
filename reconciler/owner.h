/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * How nsping proves that a kernel object is its own, so that it only ever
 * changes what it made (docs/DESIGN.md, "Ownership marks"): the netns's lo
 * and both ends of the veth pair carry the ifalias of their owner, an
 * instance in a scope; routes the protocol NSP_RTPROT, and tc filters sit in
 * the instance's slot under NSP_TC_PRIORITY. A program is proven ours by its
 * name and the owner in its rodata (xdp.c). Pure.
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
uint32_t nsp_tc_handle(const char *scope, const char *instance);

/*
 * The mark nsping puts on what it creates: "nsping:<scope>/<instance>", and
 * for the default scope "nsping:<instance>", the form every nsping before
 * scopes wrote (and that one still recognises as its own).
 */
void nsp_mark(const char *scope, const char *instance, char buf[NSP_ALIAS_MAX]);
/* The owner an alias names; false when it is no mark of nsping's. */
bool nsp_mark_parse(const char *alias, struct nsp_owner *ret);
/* alias marks (scope, instance), in either form. */
bool nsp_is_marked(const char *alias, const char *scope, const char *instance);
bool nsp_owner_is(const struct nsp_owner *o, const char *scope, const char *instance);
struct nsp_owner nsp_owner_of(const char *scope, const char *instance);
/* A scope or instance name: [a-z0-9_-], 1..15 characters. */
bool nsp_owner_name_valid(const char *s, size_t len);

/* The same read-only data: the same instance, inputs and build. */
bool nsp_prog_params_equal(const struct nsp_prog_params *a, const struct nsp_prog_params *b);

#endif
