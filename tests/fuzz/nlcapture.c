// SPDX-License-Identifier: GPL-2.0-only
/*
 * Records what the kernel answers nsping's rtnetlink reads, in the netns it
 * runs in, as seeds for tests/fuzz/fuzz_nl.c: for each of the dumps of
 * reconciler/nl.c (links, IPv4 addresses, routes, neighbours; the same
 * family headers) and for a lookup of each IFNAME given, the datagrams of the
 * answer one after the other, up to its NLMSG_DONE or NLMSG_ERROR, in
 * PREFIX-link, PREFIX-addr, PREFIX-route, PREFIX-neigh, PREFIX-getlink-IFNAME.
 * Requests are numbered 1, as the harness expects.
 *
 *	ip netns exec NS nlcapture PREFIX [IFNAME...]
 */
#include <errno.h>
#include <linux/neighbour.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define SEQ 1

static int capture(const char *path, int type, int flags, const void *hdr, size_t size,
		   const char *name)
{
	union {
		struct nlmsghdr nh;
		unsigned char b[256];
	} req = {0};
	static unsigned char buf[64 * 1024];
	struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
	size_t len = NLMSG_LENGTH(size), total = 0;
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE), done = 0;
	FILE *out;

	if (fd < 0)
		return -errno;
	memcpy(NLMSG_DATA(&req.nh), hdr, size);
	if (name) {
		struct rtattr *a = (struct rtattr *)(req.b + NLMSG_ALIGN(len));

		a->rta_type = IFLA_IFNAME;
		a->rta_len = (unsigned short)RTA_LENGTH(strlen(name) + 1);
		memcpy(RTA_DATA(a), name, strlen(name) + 1);
		len = NLMSG_ALIGN(len) + RTA_ALIGN(a->rta_len);
	}
	req.nh.nlmsg_len = (__u32)len;
	req.nh.nlmsg_type = (__u16)type;
	req.nh.nlmsg_flags = (__u16)(NLM_F_REQUEST | flags);
	req.nh.nlmsg_seq = SEQ;
	if (sendto(fd, &req, len, 0, (struct sockaddr *)&kernel, sizeof(kernel)) < 0)
		return -errno;
	out = fopen(path, "w");
	if (!out)
		return -errno;
	while (!done) {
		ssize_t n = recv(fd, buf, sizeof(buf), 0);
		int left = (int)n;

		if (n < 0) {
			fclose(out);
			return -errno;
		}
		for (struct nlmsghdr *nh = (void *)buf; NLMSG_OK(nh, left);
		     nh = NLMSG_NEXT(nh, left))
			if (nh->nlmsg_type == NLMSG_DONE || nh->nlmsg_type == NLMSG_ERROR ||
			    !(nh->nlmsg_flags & NLM_F_MULTI))
				done = 1;
		fwrite(buf, 1, (size_t)n, out);
		total += (size_t)n;
	}
	close(fd);
	if (fclose(out))
		return -errno;
	printf("%s: %zu bytes\n", path, total);
	return 0;
}

int main(int argc, char **argv)
{
	struct ifinfomsg ifi = {.ifi_family = AF_UNSPEC};
	struct ifaddrmsg ifa = {.ifa_family = AF_INET};
	struct rtmsg rtm = {.rtm_family = AF_INET};
	struct ndmsg ndm = {.ndm_family = AF_INET};
	char path[4096];
	int r = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: nlcapture PREFIX [IFNAME...]\n");
		return 64;
	}
#define DUMP(suffix, type, hdr)                                                                    \
	snprintf(path, sizeof(path), "%s-%s", argv[1], suffix);                                    \
	r = r ? r : capture(path, type, NLM_F_DUMP, &hdr, sizeof(hdr), NULL)
	DUMP("link", RTM_GETLINK, ifi);
	DUMP("addr", RTM_GETADDR, ifa);
	DUMP("route", RTM_GETROUTE, rtm);
	DUMP("neigh", RTM_GETNEIGH, ndm);
	for (int i = 2; i < argc && !r; i++) {
		snprintf(path, sizeof(path), "%s-getlink-%s", argv[1], argv[i]);
		r = capture(path, RTM_GETLINK, 0, &ifi, sizeof(ifi), argv[i]);
	}
	if (r)
		fprintf(stderr, "nlcapture: %s: %s\n", path, strerror(-r));
	return r ? 1 : 0;
}
