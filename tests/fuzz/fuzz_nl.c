// SPDX-License-Identifier: GPL-2.0-only
/*
 * reconciler/nl.c's reading of rtnetlink answers (nl_answer.h): the input
 * is what the kernel answers a request numbered 1, one receive buffer of
 * messages, and goes through each dump's collector in turn: links (the raw
 * RTM_NEWLINK attributes: name, alias, MAC, veth kind, IFLA_XDP,
 * IFLA_AF_SPEC), IPv4 addresses, routes and neighbours (libnl-route-3's
 * parsers). The seeds are real answers (capture-nl.sh).
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <linux/rtnetlink.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <netlink/msg.h>

#include "nl_answer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * Route messages that libnl-route-3 (3.7, and its master as of 2024) cannot
 * parse safely, which the kernel never sends: RTA_VIA shorter than its
 * family field (rtnl_route_parse() copies a negative length), and an
 * RTA_MULTIPATH next hop shorter than struct rtnexthop (parse_multipath()
 * loops on it forever). They are libnl's to fix (tests/fuzz/README.md); left
 * in, they would stop every run at the first such input.
 */
static bool libnl_breaks_on(const struct nlattr *via, const struct nlattr *multipath)
{
	const struct rtnexthop *nh;
	int left;

	if (via && nla_len(via) < (int)offsetof(struct rtvia, rtvia_addr))
		return true;
	if (!multipath)
		return false;
	nh = nla_data(multipath);
	left = nla_len(multipath);
	while (left >= (int)sizeof(*nh) && left >= nh->rtnh_len) {
		struct nlattr *tb[RTA_MAX + 1];

		if (nh->rtnh_len < sizeof(*nh))
			return true;
		if (nla_parse(tb, RTA_MAX, (struct nlattr *)RTNH_DATA(nh),
			      nh->rtnh_len - (int)sizeof(*nh), NULL) == 0 &&
		    libnl_breaks_on(tb[RTA_VIA], NULL))
			return true;
		left -= RTNH_ALIGN(nh->rtnh_len);
		nh = RTNH_NEXT(nh);
	}
	return false;
}

static bool libnl_breaks(void *buf, size_t size)
{
	int left = (int)size;

	for (struct nlmsghdr *nh = buf; nlmsg_ok(nh, left); nh = nlmsg_next(nh, &left)) {
		struct nlattr *tb[RTA_MAX + 1];

		if (nh->nlmsg_type == RTM_NEWROUTE &&
		    nlmsg_parse(nh, sizeof(struct rtmsg), tb, RTA_MAX, NULL) == 0 &&
		    libnl_breaks_on(tb[RTA_VIA], tb[RTA_MULTIPATH]))
			return true;
	}
	return false;
}

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
	if (libnl_breaks(buf, size)) {
		free(buf);
		return -1;
	}
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		void *arr;
		size_t n;

		if (nsp_nl_answer_parse(types[i], buf, size, 1, &arr, &n) == 0)
			free(arr);
	}
	free(buf);
	return 0;
}
