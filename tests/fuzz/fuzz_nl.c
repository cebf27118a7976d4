// SPDX-License-Identifier: GPL-2.0-only
/*
 * reconciler/nl.c's reading of rtnetlink answers (nl_answer.h): the input
 * is what the kernel answers a request numbered 1, one receive buffer of
 * messages, and goes through each dump's collector in turn: links (the raw
 * RTM_NEWLINK attributes: name, alias, MAC, veth kind, IFLA_XDP,
 * IFLA_AF_SPEC), IPv4 addresses, routes and neighbours (libnl-route-3's
 * parsers). The seeds are real answers (capture-nl.sh).
 */
#include <stddef.h>
#include <linux/rtnetlink.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "nl_answer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const int types[] = {RTM_GETLINK, RTM_GETADDR, RTM_GETROUTE, RTM_GETNEIGH};
	void *buf;

	if (size > 64 * 1024)
		return -1; /* more than one receive buffer (nl.c's NSP_NL_RECV_BUF) */
	/* exactly size bytes, as malloc() aligns them: a read past them is seen */
	buf = malloc(size ? size : 1);
	if (!buf)
		return 0;
	memcpy(buf, data, size);
	/* what libnl-route-3 cannot parse safely, nl.c's route_well_formed() refuses */
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		void *arr;
		size_t n;

		if (nsp_nl_answer_parse(types[i], buf, size, 1, &arr, &n) == 0)
			free(arr);
	}
	free(buf);
	return 0;
}
