/* SPDX-License-Identifier: GPL-2.0-only */
/* Parsing and printing of MAC and IPv4 values; pure functions. */
#ifndef NSPING_ADDR_H
#define NSPING_ADDR_H

#include <stdbool.h>
#include <stdint.h>

#include "desired.h"

#define NSP_MAC_STRLEN	  18 /* "xx:xx:xx:xx:xx:xx" + NUL */
#define NSP_IPV4_STRLEN	  16
#define NSP_PREFIX_STRLEN 20

int nsp_mac_parse(const char *s, struct nsp_mac *ret_mac);
bool nsp_mac_is_unicast(const struct nsp_mac *mac);
bool nsp_mac_equal(const struct nsp_mac *a, const struct nsp_mac *b);
char *nsp_mac_format(const struct nsp_mac *mac, char buf[NSP_MAC_STRLEN]);

int nsp_ipv4_parse(const char *s, uint32_t *ret_addr);
int nsp_prefix_parse(const char *s, uint32_t *ret_addr, uint8_t *ret_prefix);
char *nsp_ipv4_format(uint32_t addr, char buf[NSP_IPV4_STRLEN]);
char *nsp_prefix_format(uint32_t addr, uint8_t prefix, char buf[NSP_PREFIX_STRLEN]);

bool nsp_ifname_valid(const char *s);

#endif
