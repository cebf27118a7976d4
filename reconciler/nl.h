/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The rtnetlink adapter. libnl types stay in nl.c; callers see plain values
 * and -errno. Every request that changes kernel state is counted, so that a
 * rerun on a converged system can prove it sent none.
 */
#ifndef NSPING_NL_H
#define NSPING_NL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "observed.h"

struct nlmsghdr;

struct nsp_nl {
	bool open;
	int fd;			 /* NETLINK_ROUTE, in the netns it was opened in */
	unsigned long *requests; /* shared counter of changing requests */
};

struct nsp_nl_addr {
	int ifindex;
	uint32_t addr;
	uint8_t prefix;
	bool secondary;
};

struct nsp_nl_neigh {
	int ifindex;
	struct nsp_obs_neigh neigh;
};

/*
 * A socket in the calling thread's netns, bound to it for good (to open one
 * in another netns, call this from nsp_netns_run()). nl must stay at its
 * address while open: the error callback points at it.
 */
int nsp_nl_open(struct nsp_nl *nl, unsigned long *requests);
/*
 * Count one changing request that is about to leave by another way than
 * this socket (ethtool, libbpf's tc) but belongs to the same count.
 */
void nsp_nl_count_request(struct nsp_nl *nl);
void nsp_nl_close(struct nsp_nl *nl);

/* Every link of the socket's netns. */
int nsp_nl_dump_links(struct nsp_nl *nl, struct nsp_obs_link **ret, size_t *ret_n);
/*
 * One link by name or altname (a read): -ENODEV, and ret->present false, when
 * there is none. ret->name is the link's own name. Its XDP program comes
 * with it (RTM_GETLINK answers with IFLA_XDP): no second query per binding.
 */
int nsp_nl_get_link(struct nsp_nl *nl, const char *name, struct nsp_obs_link *ret);
/* The IPv4 addresses of every link. */
int nsp_nl_dump_addrs(struct nsp_nl *nl, struct nsp_nl_addr **ret, size_t *ret_n);
/* The link of that ifindex (a read): -ENODEV when there is none. */
int nsp_nl_get_link_by_index(struct nsp_nl *nl, int ifindex, struct nsp_obs_link *ret);
/*
 * The id that the socket's netns has for the netns of netns_fd, or -1 when it
 * has none (RTM_GETNSID, a read: it assigns none).
 */
int nsp_nl_get_nsid(struct nsp_nl *nl, int netns_fd, int *ret_nsid);
/*
 * The ids the socket's netns has for other netns (RTM_GETNSID dump): one for
 * each netns that a link of it (a veth pair) joined, named or not.
 */
int nsp_nl_dump_nsids(struct nsp_nl *nl, int **ret, size_t *ret_n);
/*
 * In the netns the socket's netns knows as nsid, read from here
 * (IFLA_TARGET_NETNSID: no visit): one link by ifindex (-ENODEV: none; lo is
 * ifindex 1 in every netns), or every link.
 */
int nsp_nl_get_link_in(struct nsp_nl *nl, int nsid, int ifindex, struct nsp_obs_link *ret);
int nsp_nl_dump_links_in(struct nsp_nl *nl, int nsid, struct nsp_obs_link **ret, size_t *ret_n);
/* A link's packet counters (IFLA_STATS64), for diagnose. */
struct nsp_link_stats {
	uint64_t rx_packets, tx_packets;
	uint64_t rx_dropped, tx_dropped;
	uint64_t rx_errors, tx_errors;
};
/* The counters of the link of that ifindex (a read): -ENODEV when there is none. */
int nsp_nl_link_stats(struct nsp_nl *nl, int ifindex, struct nsp_link_stats *ret);
/* IPv4 unicast routes of the main table, except the kernel's own (proto kernel). */
int nsp_nl_dump_routes(struct nsp_nl *nl, struct nsp_obs_route **ret, size_t *ret_n);
int nsp_nl_dump_neighs(struct nsp_nl *nl, struct nsp_nl_neigh **ret, size_t *ret_n);

/*
 * Send a dump request of type with the family header hdr (size bytes) and hand
 * each message of the answer to on_msg, raw. A dump the kernel marks
 * interrupted is read again; restart(arg) runs before every read, so that
 * on_msg collects from nothing. A read, not counted.
 */
int nsp_nl_dump_raw(struct nsp_nl *nl, int type, const void *hdr, size_t size,
		    void (*on_msg)(const struct nlmsghdr *nh, void *arg),
		    void (*restart)(void *arg), void *arg);

/* The ifindex of a link by name (a read, not counted). */
int nsp_nl_link_index(struct nsp_nl *nl, const char *name);

int nsp_nl_veth_create(struct nsp_nl *nl, const char *host, const char *peer,
		       const struct nsp_mac *peer_mac, int peer_netns_fd);
/* A veth pair a and b, both here and down. */
int nsp_nl_veth_create_down(struct nsp_nl *nl, const char *a, const char *b);
/* Attach prog_fd at XDP (-1: detach) with these XDP_FLAGS_*; the caller's netns. */
int nsp_nl_link_xdp(struct nsp_nl *nl, int ifindex, int prog_fd, uint32_t flags);
int nsp_nl_link_delete(struct nsp_nl *nl, int ifindex);
int nsp_nl_link_up(struct nsp_nl *nl, int ifindex);
int nsp_nl_link_mac(struct nsp_nl *nl, int ifindex, const struct nsp_mac *mac);
int nsp_nl_link_alias(struct nsp_nl *nl, int ifindex, const char *alias);
int nsp_nl_link_promote_secondaries(struct nsp_nl *nl, int ifindex, bool on);
/* A rename needs the link down; it is brought back up if it was up. */
int nsp_nl_link_rename(struct nsp_nl *nl, int ifindex, const char *new_name, bool was_up);
int nsp_nl_addr(struct nsp_nl *nl, bool add, int ifindex, uint32_t addr, uint8_t prefix);
/* replace: create or replace "dst/len via gw dev oif onlink proto nsping" */
int nsp_nl_route(struct nsp_nl *nl, bool replace, int oif, uint32_t dst, uint8_t dst_len,
		 uint32_t gateway);
/* replace: create or replace a permanent entry; else delete */
int nsp_nl_neigh(struct nsp_nl *nl, bool replace, int ifindex, uint32_t dst,
		 const struct nsp_mac *lladdr);

#endif
