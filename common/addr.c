// SPDX-License-Identifier: GPL-2.0-only
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "addr.h"

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)tolower((unsigned char)c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Exactly six colon-separated pairs of hex digits; nothing looser. */
int nsp_mac_parse(const char *s, struct nsp_mac *ret_mac)
{
	struct nsp_mac mac;

	if (strlen(s) != 17)
		return -EINVAL;
	for (int i = 0; i < 6; i++) {
		const char *p = s + i * 3;
		int hi = hexval(p[0]), lo = hexval(p[1]);

		if (hi < 0 || lo < 0 || (i < 5 && p[2] != ':'))
			return -EINVAL;
		mac.b[i] = (uint8_t)(hi << 4 | lo);
	}
	*ret_mac = mac;
	return 0;
}

bool nsp_mac_is_unicast(const struct nsp_mac *mac)
{
	static const struct nsp_mac zero;

	return !(mac->b[0] & 1) && memcmp(mac, &zero, sizeof(zero)) != 0;
}

bool nsp_mac_equal(const struct nsp_mac *a, const struct nsp_mac *b)
{
	return memcmp(a->b, b->b, sizeof(a->b)) == 0;
}

char *nsp_mac_format(const struct nsp_mac *mac, char buf[NSP_MAC_STRLEN])
{
	snprintf(buf, NSP_MAC_STRLEN, "%02x:%02x:%02x:%02x:%02x:%02x", mac->b[0], mac->b[1],
		 mac->b[2], mac->b[3], mac->b[4], mac->b[5]);
	return buf;
}

/* Dotted quad only: inet_pton's strictness (no octal, no short forms). */
int nsp_ipv4_parse(const char *s, uint32_t *ret_addr)
{
	struct in_addr a;

	if (inet_pton(AF_INET, s, &a) != 1)
		return -EINVAL;
	*ret_addr = a.s_addr;
	return 0;
}

int nsp_prefix_parse(const char *s, uint32_t *ret_addr, uint8_t *ret_prefix)
{
	char host[NSP_IPV4_STRLEN];
	const char *slash = strchr(s, '/');
	size_t len;
	uint32_t addr;
	int prefix = 0;

	if (!slash)
		return -EINVAL;
	len = (size_t)(slash - s);
	if (len == 0 || len >= sizeof(host))
		return -EINVAL;
	memcpy(host, s, len);
	host[len] = '\0';
	if (nsp_ipv4_parse(host, &addr) < 0)
		return -EINVAL;
	slash++;
	if (!*slash || strlen(slash) > 2)
		return -EINVAL;
	for (const char *p = slash; *p; p++) {
		if (!isdigit((unsigned char)*p))
			return -EINVAL;
		prefix = prefix * 10 + (*p - '0');
	}
	if (prefix < 1 || prefix > 32)
		return -ERANGE;
	*ret_addr = addr;
	*ret_prefix = (uint8_t)prefix;
	return 0;
}

char *nsp_ipv4_format(uint32_t addr, char buf[NSP_IPV4_STRLEN])
{
	struct in_addr a = {.s_addr = addr};

	inet_ntop(AF_INET, &a, buf, NSP_IPV4_STRLEN);
	return buf;
}

char *nsp_prefix_format(uint32_t addr, uint8_t prefix, char buf[NSP_PREFIX_STRLEN])
{
	char ip[NSP_IPV4_STRLEN];

	snprintf(buf, NSP_PREFIX_STRLEN, "%s/%u", nsp_ipv4_format(addr, ip), prefix);
	return buf;
}

/* The kernel's dev_valid_name(), so a name we accept is one it accepts. */
bool nsp_ifname_valid(const char *s)
{
	size_t len = strlen(s);

	if (len == 0 || len >= IFNAMSIZ || !strcmp(s, ".") || !strcmp(s, ".."))
		return false;
	for (const char *p = s; *p; p++)
		if (*p == '/' || *p == ':' || isspace((unsigned char)*p))
			return false;
	return true;
}
