// SPDX-License-Identifier: GPL-2.0-only
/* The marks of what nsping owns; see owner.h. */
#include <stdio.h>
#include <string.h>

#include "owner.h"

void nsp_mark(const char *instance, char buf[NSP_ALIAS_MAX])
{
	snprintf(buf, NSP_ALIAS_MAX, NSP_MARK_PREFIX "%s", instance);
}

bool nsp_is_marked(const char *alias, const char *instance)
{
	char mark[NSP_ALIAS_MAX];

	nsp_mark(instance, mark);
	return !strcmp(alias, mark);
}

/*
 * FNV-1a of the name, folded to 16 bits under our priority: 0x4e53xxxx is
 * recognisably ours in `tc filter show`, and never 0 (tc's "any handle").
 */
uint32_t nsp_tc_handle(const char *instance)
{
	uint32_t h = 0x811c9dc5;

	for (const unsigned char *c = (const unsigned char *)instance; *c; c++)
		h = (h ^ *c) * 0x01000193;
	return (uint32_t)NSP_TC_PRIORITY << 16 | ((h >> 16 ^ h) & 0xffff);
}

bool nsp_prog_params_equal(const struct nsp_prog_params *a, const struct nsp_prog_params *b)
{
	return !strncmp(a->instance, b->instance, sizeof(a->instance)) &&
	       a->uplink_ifindex == b->uplink_ifindex && a->veth_ifindex == b->veth_ifindex &&
	       a->build_id == b->build_id && a->port == b->port && a->addr == b->addr &&
	       !memcmp(a->uplink_mac.b, b->uplink_mac.b, sizeof(a->uplink_mac.b)) &&
	       a->sport_min == b->sport_min && a->sport_max == b->sport_max &&
	       a->peer_ifindex == b->peer_ifindex;
}
