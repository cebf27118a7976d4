// SPDX-License-Identifier: GPL-2.0-only
/* The marks of what nsping owns; see owner.h. */
#include <stdio.h>
#include <string.h>

#include "owner.h"

void nsp_mark(const char *scope, const char *instance, char buf[NSP_ALIAS_MAX])
{
	if (!strcmp(scope, NSP_DEFAULT_SCOPE))
		snprintf(buf, NSP_ALIAS_MAX, NSP_MARK_PREFIX "%s", instance);
	else
		snprintf(buf, NSP_ALIAS_MAX, NSP_MARK_PREFIX "%s/%s", scope, instance);
}

bool nsp_owner_name_valid(const char *s, size_t len)
{
	if (len < 1 || len > NSP_NAME_MAX)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!s[i] || !strchr("abcdefghijklmnopqrstuvwxyz0123456789_-", s[i]))
			return false;
	return true;
}

/* Neither name can hold a '/': the first one, if any, ends the scope. */
bool nsp_mark_parse(const char *alias, struct nsp_owner *ret)
{
	size_t plen = strlen(NSP_MARK_PREFIX);
	const char *name, *slash;
	struct nsp_owner o = {NSP_DEFAULT_SCOPE, ""};

	if (strncmp(alias, NSP_MARK_PREFIX, plen))
		return false;
	name = alias + plen;
	slash = strchr(name, '/');
	if (slash) {
		if (!nsp_owner_name_valid(name, (size_t)(slash - name)))
			return false;
		memcpy(o.scope, name, (size_t)(slash - name));
		o.scope[slash - name] = '\0';
		name = slash + 1;
	}
	if (!nsp_owner_name_valid(name, strlen(name)))
		return false;
	strcpy(o.instance, name);
	*ret = o;
	return true;
}

bool nsp_owner_is(const struct nsp_owner *o, const char *scope, const char *instance)
{
	return !strcmp(o->scope, scope) && !strcmp(o->instance, instance);
}

struct nsp_owner nsp_owner_of(const char *scope, const char *instance)
{
	struct nsp_owner o;

	snprintf(o.scope, sizeof(o.scope), "%s", scope);
	snprintf(o.instance, sizeof(o.instance), "%s", instance);
	return o;
}

bool nsp_is_marked(const char *alias, const char *scope, const char *instance)
{
	struct nsp_owner o;

	return nsp_mark_parse(alias, &o) && nsp_owner_is(&o, scope, instance);
}

static uint32_t fnv1a(uint32_t h, const char *s)
{
	for (const unsigned char *c = (const unsigned char *)s; *c; c++)
		h = (h ^ *c) * 0x01000193;
	return h;
}

/*
 * FNV-1a of the owner, folded to 16 bits under our priority: 0x4e53xxxx is
 * recognisably ours in `tc filter show`, and never 0 (tc's "any handle"). The
 * default scope hashes the instance name alone, as before scopes, so that
 * the filters already in place keep their slot.
 */
uint32_t nsp_tc_handle(const char *scope, const char *instance)
{
	uint32_t h = 0x811c9dc5;

	if (strcmp(scope, NSP_DEFAULT_SCOPE)) {
		h = fnv1a(h, scope);
		h = fnv1a(h, "/");
	}
	h = fnv1a(h, instance);
	return (uint32_t)NSP_TC_PRIORITY << 16 | ((h >> 16 ^ h) & 0xffff);
}

bool nsp_prog_params_equal(const struct nsp_prog_params *a, const struct nsp_prog_params *b)
{
	/* host_netns is not an input: it tells the sweep whose a program is */
	return !strncmp(a->instance, b->instance, sizeof(a->instance)) &&
	       !strncmp(a->scope, b->scope, sizeof(a->scope)) &&
	       a->uplink_ifindex == b->uplink_ifindex && a->veth_ifindex == b->veth_ifindex &&
	       a->build_id == b->build_id && a->port == b->port && a->addr == b->addr &&
	       !memcmp(a->uplink_mac.b, b->uplink_mac.b, sizeof(a->uplink_mac.b)) &&
	       a->sport_min == b->sport_min && a->sport_max == b->sport_max &&
	       a->peer_ifindex == b->peer_ifindex;
}
