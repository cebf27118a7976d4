// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <linux/if_link.h>
#include <linux/ip.h>
#include <linux/neighbour.h>
#include <linux/net_namespace.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <net/if.h>
#include <netlink/errno.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/route/neighbour.h>
#include <netlink/route/route.h>
#include <netlink/socket.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nl.h"
#include "nl_answer.h"
#include "owner.h"

#define NSP_NL_RECV_TIMEOUT_S 5
/*
 * Larger than any datagram of an answer: the kernel fills a dump's
 * datagrams up to 32 KiB (netlink_recvmsg() caps what it learns from our
 * reads there), and one link without its VF details is a few KiB.
 */
#define NSP_NL_RECV_BUF (64 * 1024)
/* Reads of a dump that the kernel marked interrupted (nsp_nl_dump_raw()). */
#define NSP_NL_DUMP_TRIES 5

/* libnl speaks -NLE_*; everything past this file speaks -errno. */
static int nl_to_errno(int nle)
{
	switch (nle < 0 ? -nle : nle) {
	case 0:
		return 0;
	case NLE_NOMEM:
		return -ENOMEM;
	case NLE_EXIST:
		return -EEXIST;
	case NLE_OBJ_NOTFOUND:
		return -ENOENT;
	case NLE_NODEV:
		return -ENODEV;
	case NLE_PERM:
		return -EPERM;
	case NLE_NOACCESS:
		return -EACCES;
	case NLE_INVAL:
		return -EINVAL;
	case NLE_RANGE:
		return -ERANGE;
	case NLE_BUSY:
		return -EBUSY;
	case NLE_AGAIN:
		return -ETIMEDOUT; /* the socket's receive timeout: see nsp_nl_open() */
	case NLE_OPNOTSUPP:
		return -EOPNOTSUPP;
	case NLE_NOADDR:
		return -EADDRNOTAVAIL;
	case NLE_AF_NOSUPPORT:
		return -EAFNOSUPPORT;
	case NLE_MSGSIZE:
	case NLE_MSG_TRUNC:
		return -EMSGSIZE;
	case NLE_BAD_SOCK:
		return -EBADF;
	default:
		return -EIO;
	}
}

/*
 * The socket is nsping's own: reads need nothing more (socket, receive
 * timeout; the kernel binds it at the first send), and libnl's nl_connect()
 * would add syscalls and a set of callbacks that nothing here uses.
 */
int nsp_nl_open(struct nsp_nl *nl, unsigned long *requests)
{
	/*
	 * A bounded wait for every answer. libnl 3.7's link cache ignored a failed
	 * send of its dump request (link_request_update) and then waited for an
	 * answer that never came; nothing reads through it now, but the bound
	 * stays for any other such path. The kernel answers rtnetlink within the
	 * request, so it costs nothing.
	 */
	static const struct timeval recv_timeout = {.tv_sec = NSP_NL_RECV_TIMEOUT_S};
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE), r;

	if (fd < 0)
		return -errno;
	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &recv_timeout, sizeof(recv_timeout)) < 0) {
		r = -errno;
		close(fd);
		return r;
	}
	*nl = (struct nsp_nl){.open = true, .fd = fd, .requests = requests};
	return 0;
}

void nsp_nl_close(struct nsp_nl *nl)
{
	if (nl->open)
		close(nl->fd);
	*nl = (struct nsp_nl){.open = false};
}

static bool binary_addr(struct nl_addr *a, void *out, size_t len)
{
	if (!a || nl_addr_get_len(a) != len)
		return false;
	memcpy(out, nl_addr_get_binary_addr(a), len);
	return true;
}

/* Append one item of size bytes to a growing array; -ENOMEM leaves it as it was. */
static int append(void *arrp, size_t *n, const void *item, size_t size)
{
	void **arr = arrp;
	char *grown = realloc(*arr, (*n + 1) * size);

	if (!grown)
		return -ENOMEM;
	memcpy(grown + *n * size, item, size);
	*arr = grown;
	(*n)++;
	return 0;
}

static uint32_t u32_attr(struct nlattr **tb, int type)
{
	return tb[type] && nla_len(tb[type]) >= (int)sizeof(uint32_t) ? nla_get_u32(tb[type]) : 0;
}

/*
 * IFLA_XDP: the program attached, and whether in generic (skb) mode. With
 * programs in both modes (XDP_ATTACHED_MULTI) the native one is reported.
 */
static void xdp_parse(struct nlattr *attr, struct nsp_obs_link *x)
{
	struct nlattr *tb[IFLA_XDP_MAX + 1];
	uint8_t attached;

	if (nla_parse_nested(tb, IFLA_XDP_MAX, attr, NULL) < 0 || !tb[IFLA_XDP_ATTACHED] ||
	    nla_len(tb[IFLA_XDP_ATTACHED]) < 1)
		return;
	attached = nla_get_u8(tb[IFLA_XDP_ATTACHED]);
	x->xdp_prog_id = u32_attr(tb, IFLA_XDP_PROG_ID);
	if (!x->xdp_prog_id)
		x->xdp_prog_id = u32_attr(tb, IFLA_XDP_DRV_PROG_ID);
	if (!x->xdp_prog_id)
		x->xdp_prog_id = u32_attr(tb, IFLA_XDP_SKB_PROG_ID);
	x->xdp_generic = attached == XDP_ATTACHED_SKB;
}

/*
 * IFLA_AF_SPEC -> AF_INET -> IFLA_INET_CONF: the device's IPv4 settings, a
 * u32 array indexed by IPV4_DEVCONF_* - 1 (the kernel's inet_fill_link_af()).
 */
static void inet_conf_parse(struct nlattr *af_spec, struct nsp_obs_link *x)
{
	struct nlattr *tb[IFLA_INET_MAX + 1], *af;
	int rem;

	nla_for_each_nested(af, af_spec, rem)
	{
		const uint32_t *conf;

		if (nla_type(af) != AF_INET || nla_parse_nested(tb, IFLA_INET_MAX, af, NULL) < 0 ||
		    !tb[IFLA_INET_CONF] ||
		    nla_len(tb[IFLA_INET_CONF]) < (int)(IPV4_DEVCONF_PROMOTE_SECONDARIES * 4))
			continue;
		conf = nla_data(tb[IFLA_INET_CONF]);
		x->promote_secondaries = conf[IPV4_DEVCONF_PROMOTE_SECONDARIES - 1] != 0;
	}
}

/*
 * What observe and plan compare of a link, from an RTM_NEWLINK message; false
 * when nh is not one. Raw attributes, not libnl's link object: a run reads
 * only these, and libnl's object parses (and allocates) every attribute.
 */
static bool obs_link_parse(const struct nlmsghdr *nh, struct nsp_obs_link *x)
{
	const struct ifinfomsg *ifi = nlmsg_data(nh);
	struct nlattr *tb[IFLA_MAX + 1], *info[IFLA_INFO_MAX + 1];

	if (nh->nlmsg_type != RTM_NEWLINK ||
	    nlmsg_parse((struct nlmsghdr *)nh, sizeof(*ifi), tb, IFLA_MAX, NULL) < 0 ||
	    !tb[IFLA_IFNAME])
		return false;
	*x = (struct nsp_obs_link){.present = true, .ifindex = ifi->ifi_index};
	nla_strlcpy(x->name, tb[IFLA_IFNAME], sizeof(x->name));
	if (tb[IFLA_IFALIAS])
		nla_strlcpy(x->alias, tb[IFLA_IFALIAS], sizeof(x->alias));
	if (tb[IFLA_ADDRESS] && nla_len(tb[IFLA_ADDRESS]) == sizeof(x->mac.b))
		memcpy(x->mac.b, nla_data(tb[IFLA_ADDRESS]), sizeof(x->mac.b));
	x->up = ifi->ifi_flags & IFF_UP;
	x->running = ifi->ifi_flags & IFF_RUNNING;
	x->is_veth = tb[IFLA_LINKINFO] &&
		     nla_parse_nested(info, IFLA_INFO_MAX, tb[IFLA_LINKINFO], NULL) == 0 &&
		     info[IFLA_INFO_KIND] && !nla_strcmp(info[IFLA_INFO_KIND], "veth");
	x->peer_ifindex = (int)u32_attr(tb, IFLA_LINK);
	if (tb[IFLA_LINK_NETNSID] && nla_len(tb[IFLA_LINK_NETNSID]) >= (int)sizeof(int32_t)) {
		x->has_link_netnsid = true;
		x->link_netnsid = (int)nla_get_s32(tb[IFLA_LINK_NETNSID]);
	}
	if (tb[IFLA_XDP])
		xdp_parse(tb[IFLA_XDP], x);
	if (tb[IFLA_AF_SPEC])
		inet_conf_parse(tb[IFLA_AF_SPEC], x);
	return true;
}

/* What a raw dump collects: an array of one item type, and the first error. */
struct dump_array {
	void *arr;
	size_t n;
	int err;
};

/* Before each read of the dump: collect from nothing. */
static void dump_array_restart(void *arg)
{
	struct dump_array *d = arg;

	free(d->arr);
	*d = (struct dump_array){0};
}

struct read_attr;
static int dump_raw(struct nsp_nl *nl, int type, const void *hdr, size_t size,
		    const struct read_attr *at,
		    void (*on_msg)(const struct nlmsghdr *nh, void *arg),
		    void (*restart)(void *arg), void *arg);

/*
 * A raw dump (with the attribute at, or none) whose on_msg appends to a
 * struct dump_array, handed over as ret.
 */
static int dump_array(struct nsp_nl *nl, int type, const void *hdr, size_t size,
		      const struct read_attr *at,
		      void (*on_msg)(const struct nlmsghdr *nh, void *arg), void *ret,
		      size_t *ret_n)
{
	struct dump_array d = {0};
	int r = dump_raw(nl, type, hdr, size, at, on_msg, dump_array_restart, &d);

	if (r == 0)
		r = d.err;
	if (r < 0) {
		free(d.arr);
		return r;
	}
	*(void **)ret = d.arr;
	*ret_n = d.n;
	return 0;
}

static void on_link(const struct nlmsghdr *nh, void *arg)
{
	struct dump_array *d = arg;
	struct nsp_obs_link x;

	if (!d->err && obs_link_parse(nh, &x))
		d->err = append(&d->arr, &d->n, &x, sizeof(x));
}

int nsp_nl_dump_links(struct nsp_nl *nl, struct nsp_obs_link **ret, size_t *ret_n)
{
	struct ifinfomsg ifi = {.ifi_family = AF_UNSPEC};

	return dump_array(nl, RTM_GETLINK, &ifi, sizeof(ifi), NULL, on_link, ret, ret_n);
}

static void on_addr(const struct nlmsghdr *nh, void *arg)
{
	struct dump_array *d = arg;
	const struct ifaddrmsg *ifa = nlmsg_data(nh);
	struct nlattr *tb[IFA_MAX + 1];
	struct nsp_nl_addr x = {0};
	const struct nlattr *a;

	/* nlmsg_parse() first: it checks that the message holds an ifaddrmsg */
	if (d->err || nh->nlmsg_type != RTM_NEWADDR ||
	    nlmsg_parse((struct nlmsghdr *)nh, sizeof(*ifa), tb, IFA_MAX, NULL) < 0 ||
	    ifa->ifa_family != AF_INET)
		return;
	/* IFA_ADDRESS is the peer of a point-to-point address; IFA_LOCAL is ours */
	a = tb[IFA_LOCAL] ? tb[IFA_LOCAL] : tb[IFA_ADDRESS];
	if (!a || nla_len(a) != sizeof(x.addr))
		return;
	memcpy(&x.addr, nla_data(a), sizeof(x.addr));
	x.ifindex = (int)ifa->ifa_index;
	x.prefix = ifa->ifa_prefixlen;
	x.secondary = ifa->ifa_flags & IFA_F_SECONDARY;
	d->err = append(&d->arr, &d->n, &x, sizeof(x));
}

/*
 * An AF_INET dump: the kernel sends the IPv4 addresses only, not the IPv6
 * link-local address that every veth of a node with pods carries.
 */
int nsp_nl_dump_addrs(struct nsp_nl *nl, struct nsp_nl_addr **ret, size_t *ret_n)
{
	struct ifaddrmsg hdr = {.ifa_family = AF_INET};

	return dump_array(nl, RTM_GETADDR, &hdr, sizeof(hdr), NULL, on_addr, ret, ret_n);
}

/* RTA_VIA shorter than its family field: rtnl_route_parse() copies a negative length. */
static bool via_well_formed(const struct rtattr *rta)
{
	return (rta->rta_type & NLA_TYPE_MASK) != RTA_VIA ||
	       RTA_PAYLOAD(rta) >= offsetof(struct rtvia, rtvia_addr);
}

/*
 * What libnl-route-3.7's rtnl_route_parse() cannot take, found by fuzz_nl: an
 * RTA_VIA shorter than its family field (it copies a negative length), and an
 * RTA_MULTIPATH next hop shorter than struct rtnexthop or whose aligned length
 * overruns the attribute (its size_t count of what is left wraps, and it
 * loops for ever, allocating a next hop a turn). The kernel sends neither;
 * still, nothing is handed on that was not checked.
 */
static bool route_well_formed(const struct nlmsghdr *nh)
{
	const struct rtmsg *rtm = NLMSG_DATA(nh);
	const struct rtattr *rta;
	int len;

	if (nh->nlmsg_len < NLMSG_LENGTH(sizeof(*rtm)))
		return false;
	len = (int)(nh->nlmsg_len - NLMSG_LENGTH(sizeof(*rtm)));
	for (rta = RTM_RTA(rtm); RTA_OK(rta, len); rta = RTA_NEXT(rta, len)) {
		const struct rtnexthop *hop = RTA_DATA(rta);
		int left = (int)RTA_PAYLOAD(rta);

		if (!via_well_formed(rta))
			return false;
		if ((rta->rta_type & NLA_TYPE_MASK) != RTA_MULTIPATH)
			continue;
		for (; left > 0; hop = RTNH_NEXT(hop)) {
			const struct rtattr *a = RTNH_DATA(hop);
			int alen;

			if (left < (int)sizeof(*hop) || hop->rtnh_len < sizeof(*hop) ||
			    (int)RTNH_ALIGN(hop->rtnh_len) > left)
				return false;
			alen = hop->rtnh_len - (int)sizeof(*hop);
			for (; RTA_OK(a, alen); a = RTA_NEXT(a, alen))
				if (!via_well_formed(a))
					return false;
			left -= (int)RTNH_ALIGN(hop->rtnh_len);
		}
	}
	return true;
}

/*
 * Routes and neighbours: each message of the raw dump goes through
 * libnl-route-3's own parser of that object, without a cache (its hash
 * table and the per-message copies of libnl's receive loop).
 */
static void on_route(const struct nlmsghdr *nh, void *arg)
{
	struct dump_array *d = arg;
	struct rtnl_route *rt;
	struct rtnl_nexthop *hop;
	struct nl_addr *dst;
	struct nsp_obs_route x = {0};

	if (d->err || nh->nlmsg_type != RTM_NEWROUTE)
		return;
	if (!route_well_formed(nh)) {
		d->err = -EBADMSG;
		return;
	}
	d->err = nl_to_errno(rtnl_route_parse((struct nlmsghdr *)nh, &rt));
	if (d->err < 0)
		return;
	if (rtnl_route_get_table(rt) != RT_TABLE_MAIN ||
	    rtnl_route_get_protocol(rt) == RTPROT_KERNEL || rtnl_route_get_type(rt) != RTN_UNICAST)
		goto out;
	x.protocol = rtnl_route_get_protocol(rt);
	dst = rtnl_route_get_dst(rt);
	x.dst_len = dst ? (uint8_t)nl_addr_get_prefixlen(dst) : 0;
	if (x.dst_len)
		binary_addr(dst, &x.dst, sizeof(x.dst));
	hop = rtnl_route_get_nnexthops(rt) > 0 ? rtnl_route_nexthop_n(rt, 0) : NULL;
	if (hop) {
		binary_addr(rtnl_route_nh_get_gateway(hop), &x.gateway, sizeof(x.gateway));
		x.oif = rtnl_route_nh_get_ifindex(hop);
	}
	d->err = append(&d->arr, &d->n, &x, sizeof(x));
out:
	rtnl_route_put(rt);
}

int nsp_nl_dump_routes(struct nsp_nl *nl, struct nsp_obs_route **ret, size_t *ret_n)
{
	struct rtmsg rtm = {.rtm_family = AF_INET};

	return dump_array(nl, RTM_GETROUTE, &rtm, sizeof(rtm), NULL, on_route, ret, ret_n);
}

static void on_neigh(const struct nlmsghdr *nh, void *arg)
{
	struct dump_array *d = arg;
	struct rtnl_neigh *ne;
	struct nsp_nl_neigh x = {0};
	int state;

	if (d->err || nh->nlmsg_type != RTM_NEWNEIGH)
		return;
	d->err = nl_to_errno(rtnl_neigh_parse((struct nlmsghdr *)nh, &ne));
	if (d->err < 0)
		return;
	state = rtnl_neigh_get_state(ne);
	if (rtnl_neigh_get_family(ne) == AF_INET && !(state & NUD_NOARP) &&
	    binary_addr(rtnl_neigh_get_dst(ne), &x.neigh.dst, sizeof(x.neigh.dst))) {
		x.ifindex = rtnl_neigh_get_ifindex(ne);
		x.neigh.has_lladdr = binary_addr(rtnl_neigh_get_lladdr(ne), x.neigh.lladdr.b,
						 sizeof(x.neigh.lladdr.b));
		x.neigh.permanent = state & NUD_PERMANENT;
		d->err = append(&d->arr, &d->n, &x, sizeof(x));
	}
	rtnl_neigh_put(ne);
}

/* An AF_INET dump: the kernel leaves out the IPv6 neighbours (ndisc). */
int nsp_nl_dump_neighs(struct nsp_nl *nl, struct nsp_nl_neigh **ret, size_t *ret_n)
{
	struct ndmsg ndm = {.ndm_family = AF_INET};

	return dump_array(nl, RTM_GETNEIGH, &ndm, sizeof(ndm), NULL, on_neigh, ret, ret_n);
}

/*
 * Reads go around libnl's receive loop: the request is built here, and its
 * answer is read with plain recvmsg() into one buffer and handed over message
 * by message. libnl's loop copies each message into an nl_msg of its own,
 * through a cloned set of callbacks, and a lookup needs an ACK after its
 * answer, only to keep libnl's sequence count: one more read. The changing
 * requests (transact()) are built with libnl and sent and answered the same
 * way. Every request is numbered here; nsping talks from one thread.
 */
static uint32_t read_seq;

/* One attribute of a read request: IFLA_IFNAME of a lookup by name, NETNSA_FD. */
struct read_attr {
	unsigned short type;
	const void *data; /* NULL: none */
	size_t size;
};

/* A read request: the family header hdr (size bytes), and the attribute at. */
static int send_read(struct nsp_nl *nl, int type, int flags, const void *hdr, size_t size,
		     const struct read_attr *at, uint32_t seq)
{
	union {
		struct nlmsghdr nh;
		unsigned char b[NLMSG_SPACE(sizeof(struct tcmsg)) + RTA_SPACE(IFNAMSIZ)];
	} req;
	struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
	size_t len = NLMSG_LENGTH(size);
	struct iovec iov = {.iov_base = &req};
	struct msghdr mh = {.msg_name = &kernel,
			    .msg_namelen = sizeof(kernel),
			    .msg_iov = &iov,
			    .msg_iovlen = 1};

	if (size > sizeof(struct tcmsg) || (at && at->size > IFNAMSIZ))
		return -EINVAL;
	memset(&req, 0, sizeof(req));
	memcpy(NLMSG_DATA(&req.nh), hdr, size);
	if (at) {
		struct rtattr *a = (struct rtattr *)(req.b + NLMSG_ALIGN(len));

		a->rta_type = at->type;
		a->rta_len = (unsigned short)RTA_LENGTH(at->size);
		memcpy(RTA_DATA(a), at->data, at->size);
		len = NLMSG_ALIGN(len) + RTA_ALIGN(a->rta_len);
	}
	req.nh.nlmsg_len = (uint32_t)len;
	req.nh.nlmsg_type = (uint16_t)type;
	req.nh.nlmsg_flags = (uint16_t)(NLM_F_REQUEST | flags);
	req.nh.nlmsg_seq = seq;
	iov.iov_len = len;
	return sendmsg(nl->fd, &mh, 0) < 0 ? -errno : 0;
}

/*
 * One datagram of the answer to request seq (len bytes at nh), each of its
 * messages to on_msg: 1 when the answer goes on in the next datagram, else
 * its end: 0, the kernel's -errno (NLMSG_ERROR, or NLMSG_DONE, which carries
 * the error of a dump that failed midway), or -EAGAIN for a dump that the
 * kernel marked interrupted (*interrupted, which spans the datagrams).
 */
static int answer_walk(struct nlmsghdr *nh, int len, uint32_t seq, bool *interrupted,
		       void (*on_msg)(const struct nlmsghdr *nh, void *arg), void *arg)
{
	for (; nlmsg_ok(nh, len); nh = nlmsg_next(nh, &len)) {
		if (nh->nlmsg_seq != seq || nh->nlmsg_type == NLMSG_NOOP)
			continue;
		/* the table changed during the dump: entries may be missing */
		if (nh->nlmsg_flags & NLM_F_DUMP_INTR)
			*interrupted = true;
		if (nh->nlmsg_type == NLMSG_ERROR || nh->nlmsg_type == NLMSG_DONE) {
			int err = -EIO;

			if (nlmsg_datalen(nh) >= (int)sizeof(err))
				memcpy(&err, nlmsg_data(nh), sizeof(err));
			if (err == 0 && *interrupted)
				return -EAGAIN;
			return err <= 0 ? err : -EIO;
		}
		on_msg(nh, arg);
		if (!(nh->nlmsg_flags & NLM_F_MULTI))
			return 0;
	}
	return 1;
}

/* The answer to request seq, read datagram by datagram (answer_walk()). */
static int read_answer(struct nsp_nl *nl, uint32_t seq,
		       void (*on_msg)(const struct nlmsghdr *nh, void *arg), void *arg)
{
	static union {
		struct nlmsghdr nh;
		unsigned char b[NSP_NL_RECV_BUF];
	} buf;
	bool interrupted = false;

	for (;;) {
		struct sockaddr_nl from = {0};
		struct iovec iov = {.iov_base = buf.b, .iov_len = sizeof(buf.b)};
		struct msghdr mh = {.msg_name = &from,
				    .msg_namelen = sizeof(from),
				    .msg_iov = &iov,
				    .msg_iovlen = 1};
		ssize_t n = recvmsg(nl->fd, &mh, 0);
		int r;

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) /* EAGAIN: the receive timeout (nsp_nl_open()) */
			return errno == EAGAIN ? -ETIMEDOUT : -errno;
		if (mh.msg_flags & MSG_TRUNC)
			return -EMSGSIZE;
		if (from.nl_pid != 0)
			continue; /* not the kernel's */
		r = answer_walk(&buf.nh, (int)n, seq, &interrupted, on_msg, arg);
		if (r <= 0)
			return r;
	}
}

static int read_request(struct nsp_nl *nl, int type, int flags, const void *hdr, size_t size,
			const struct read_attr *at,
			void (*on_msg)(const struct nlmsghdr *nh, void *arg), void *arg)
{
	uint32_t seq = ++read_seq;
	int r = send_read(nl, type, flags, hdr, size, at, seq);

	return r < 0 ? r : read_answer(nl, seq, on_msg, arg);
}

/*
 * A dump that the kernel marks interrupted (NLM_F_DUMP_INTR: the table
 * changed under it) may lack entries, and a missing peer would be planned as
 * a rebuild: it is read again, up to NSP_NL_DUMP_TRIES times, each read after
 * restart(arg) so that on_msg collects from nothing.
 */
static int dump_raw(struct nsp_nl *nl, int type, const void *hdr, size_t size,
		    const struct read_attr *at,
		    void (*on_msg)(const struct nlmsghdr *nh, void *arg),
		    void (*restart)(void *arg), void *arg)
{
	int r = -EAGAIN;

	for (int i = 0; i < NSP_NL_DUMP_TRIES && r == -EAGAIN; i++) {
		restart(arg);
		r = read_request(nl, type, NLM_F_DUMP, hdr, size, at, on_msg, arg);
	}
	return r;
}

int nsp_nl_dump_raw(struct nsp_nl *nl, int type, const void *hdr, size_t size,
		    void (*on_msg)(const struct nlmsghdr *nh, void *arg),
		    void (*restart)(void *arg), void *arg)
{
	return dump_raw(nl, type, hdr, size, NULL, on_msg, restart, arg);
}

int nsp_nl_answer_parse(int type, void *buf, size_t len, uint32_t seq, void *ret, size_t *ret_n)
{
	void (*on_msg)(const struct nlmsghdr *nh, void *arg);
	struct dump_array d = {0};
	bool interrupted = false;
	int r;

	switch (type) {
	case RTM_GETLINK:
		on_msg = on_link;
		break;
	case RTM_GETADDR:
		on_msg = on_addr;
		break;
	case RTM_GETROUTE:
		on_msg = on_route;
		break;
	case RTM_GETNEIGH:
		on_msg = on_neigh;
		break;
	default:
		return -EINVAL;
	}
	if (len > NSP_NL_RECV_BUF)
		return -EMSGSIZE;
	r = answer_walk(buf, (int)len, seq, &interrupted, on_msg, &d);
	if (r > 0)
		r = -ENOMSG; /* the answer goes on past buf */
	if (r == 0)
		r = d.err;
	if (r < 0) {
		free(d.arr);
		return r;
	}
	*(void **)ret = d.arr;
	*ret_n = d.n;
	return 0;
}

static void on_link_reply(const struct nlmsghdr *nh, void *arg)
{
	obs_link_parse(nh, arg);
}

/*
 * RTM_GETLINK for one link, by ifindex or (ifindex 0) by name, which the
 * kernel also matches against altnames; -ENODEV when there is none.
 */
static int get_link(struct nsp_nl *nl, int ifindex, const char *name, struct nsp_obs_link *ret)
{
	struct ifinfomsg ifi = {.ifi_family = AF_UNSPEC, .ifi_index = ifindex};
	struct read_attr at = {IFLA_IFNAME, name, name ? strlen(name) + 1 : 0};
	struct nsp_obs_link found = {.present = false};
	int r = read_request(nl, RTM_GETLINK, 0, &ifi, sizeof(ifi), ifindex ? NULL : &at,
			     on_link_reply, &found);

	if (r == 0 && !found.present)
		r = -ENODEV;
	*ret = r == 0 ? found : (struct nsp_obs_link){.present = false};
	return r;
}

int nsp_nl_get_link(struct nsp_nl *nl, const char *name, struct nsp_obs_link *ret)
{
	return get_link(nl, 0, name, ret);
}

int nsp_nl_get_link_by_index(struct nsp_nl *nl, int ifindex, struct nsp_obs_link *ret)
{
	return ifindex > 0 ? get_link(nl, ifindex, NULL, ret) : -ENODEV;
}

/* What a link stats answer collects: the counters, and whether the link was there. */
struct link_stats_answer {
	bool found;
	struct nsp_link_stats stats;
};

static void on_link_stats(const struct nlmsghdr *nh, void *arg)
{
	struct link_stats_answer *a = arg;
	struct nlattr *tb[IFLA_MAX + 1];
	struct rtnl_link_stats64 st;

	if (nh->nlmsg_type != RTM_NEWLINK ||
	    nlmsg_parse((struct nlmsghdr *)nh, sizeof(struct ifinfomsg), tb, IFLA_MAX, NULL) < 0)
		return;
	a->found = true;
	if (!tb[IFLA_STATS64] || nla_len(tb[IFLA_STATS64]) < (int)sizeof(st))
		return;
	memcpy(&st, nla_data(tb[IFLA_STATS64]), sizeof(st)); /* 4-byte aligned in the message */
	a->stats = (struct nsp_link_stats){.rx_packets = st.rx_packets,
					   .tx_packets = st.tx_packets,
					   .rx_dropped = st.rx_dropped,
					   .tx_dropped = st.tx_dropped,
					   .rx_errors = st.rx_errors,
					   .tx_errors = st.tx_errors};
}

int nsp_nl_link_stats(struct nsp_nl *nl, int ifindex, struct nsp_link_stats *ret)
{
	struct ifinfomsg ifi = {.ifi_family = AF_UNSPEC, .ifi_index = ifindex};
	struct link_stats_answer a = {.found = false};
	int r = ifindex > 0 ? read_request(nl, RTM_GETLINK, 0, &ifi, sizeof(ifi), NULL,
					   on_link_stats, &a)
			    : -ENODEV;

	if (r == 0 && !a.found)
		r = -ENODEV;
	*ret = r == 0 ? a.stats : (struct nsp_link_stats){0};
	return r;
}

/*
 * The links of the netns that the socket's netns knows as nsid, read from
 * here (IFLA_TARGET_NETNSID): no visit to it.
 */
int nsp_nl_dump_links_in(struct nsp_nl *nl, int nsid, struct nsp_obs_link **ret, size_t *ret_n)
{
	struct ifinfomsg ifi = {.ifi_family = AF_UNSPEC};
	int32_t id = nsid;
	struct read_attr at = {IFLA_TARGET_NETNSID, &id, sizeof(id)};

	return dump_array(nl, RTM_GETLINK, &ifi, sizeof(ifi), &at, on_link, ret, ret_n);
}

int nsp_nl_get_link_in(struct nsp_nl *nl, int nsid, int ifindex, struct nsp_obs_link *ret)
{
	struct ifinfomsg ifi = {.ifi_family = AF_UNSPEC, .ifi_index = ifindex};
	int32_t id = nsid;
	struct read_attr at = {IFLA_TARGET_NETNSID, &id, sizeof(id)};
	struct nsp_obs_link found = {.present = false};
	int r = read_request(nl, RTM_GETLINK, 0, &ifi, sizeof(ifi), &at, on_link_reply, &found);

	if (r == 0 && !found.present)
		r = -ENODEV;
	*ret = r == 0 ? found : (struct nsp_obs_link){.present = false};
	return r;
}

static void on_nsid_entry(const struct nlmsghdr *nh, void *arg)
{
	struct dump_array *d = arg;
	struct nlattr *tb[NETNSA_MAX + 1];
	int32_t nsid;

	if (d->err || nh->nlmsg_type != RTM_NEWNSID ||
	    nlmsg_parse((struct nlmsghdr *)nh, sizeof(struct rtgenmsg), tb, NETNSA_MAX, NULL) < 0 ||
	    !tb[NETNSA_NSID] || nla_len(tb[NETNSA_NSID]) < (int)sizeof(nsid))
		return;
	nsid = nla_get_s32(tb[NETNSA_NSID]);
	if (nsid >= 0)
		d->err = append(&d->arr, &d->n, &nsid, sizeof(nsid));
}

int nsp_nl_dump_nsids(struct nsp_nl *nl, int **ret, size_t *ret_n)
{
	struct rtgenmsg g = {.rtgen_family = AF_UNSPEC};

	return dump_array(nl, RTM_GETNSID, &g, sizeof(g), NULL, on_nsid_entry, ret, ret_n);
}

static void on_nsid(const struct nlmsghdr *nh, void *arg)
{
	struct nlattr *tb[NETNSA_MAX + 1];
	int *nsid = arg;

	if (nh->nlmsg_type == RTM_NEWNSID &&
	    nlmsg_parse((struct nlmsghdr *)nh, sizeof(struct rtgenmsg), tb, NETNSA_MAX, NULL) ==
		    0 &&
	    tb[NETNSA_NSID] && nla_len(tb[NETNSA_NSID]) >= (int)sizeof(int32_t))
		*nsid = nla_get_s32(tb[NETNSA_NSID]);
}

int nsp_nl_get_nsid(struct nsp_nl *nl, int netns_fd, int *ret_nsid)
{
	struct rtgenmsg g = {.rtgen_family = AF_UNSPEC};
	uint32_t fd = (uint32_t)netns_fd;
	struct read_attr at = {NETNSA_FD, &fd, sizeof(fd)};
	int nsid = NETNSA_NSID_NOT_ASSIGNED;
	int r = read_request(nl, RTM_GETNSID, 0, &g, sizeof(g), &at, on_nsid, &nsid);

	if (r == 0)
		*ret_nsid = nsid;
	return r;
}

int nsp_nl_link_index(struct nsp_nl *nl, const char *name)
{
	struct nsp_obs_link l;
	int r = get_link(nl, 0, name, &l);

	return r < 0 ? r : l.ifindex;
}

void nsp_nl_count_request(struct nsp_nl *nl)
{
	if (nl->requests)
		(*nl->requests)++;
}

static void on_unexpected(const struct nlmsghdr *nh, void *arg)
{
	(void)nh, (void)arg; /* a change is answered by its ACK alone */
}

/*
 * Sends one changing request (msg, freed here) and waits for the kernel's
 * ACK: its errno as the kernel gave it (libnl folded many into NLE_FAILURE).
 * The ACK is read as every answer is, into read_answer()'s buffer, where
 * libnl's nl_send_sync() would allocate a receive buffer for each one.
 */
static int transact(struct nsp_nl *nl, struct nl_msg *msg)
{
	struct nlmsghdr *nh = nlmsg_hdr(msg);
	struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
	struct iovec iov = {.iov_base = nh, .iov_len = nh->nlmsg_len};
	struct msghdr mh = {.msg_name = &kernel,
			    .msg_namelen = sizeof(kernel),
			    .msg_iov = &iov,
			    .msg_iovlen = 1};
	uint32_t seq = ++read_seq;
	int r = 0;

	nh->nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
	nh->nlmsg_seq = seq;
	if (sendmsg(nl->fd, &mh, 0) < 0)
		r = -errno;
	nlmsg_free(msg);
	nsp_nl_count_request(nl);
	return r < 0 ? r : read_answer(nl, seq, on_unexpected, NULL);
}

static struct nl_msg *link_msg(int type, int flags, int ifindex, unsigned up)
{
	struct ifinfomsg ifi = {
		.ifi_family = AF_UNSPEC,
		.ifi_index = ifindex,
		.ifi_flags = up ? IFF_UP : 0,
		.ifi_change = up ? IFF_UP : 0,
	};
	struct nl_msg *msg = nlmsg_alloc_simple(type, flags);

	if (msg && nlmsg_append(msg, &ifi, sizeof(ifi), NLMSG_ALIGNTO) < 0) {
		nlmsg_free(msg);
		return NULL;
	}
	return msg;
}

/*
 * A veth pair: host here (up when up), peer in the netns of peer_netns_fd
 * (here when -1) with peer_mac (the kernel's choice when NULL).
 */
static int veth_create(struct nsp_nl *nl, const char *host, const char *peer,
		       const struct nsp_mac *peer_mac, int peer_netns_fd, bool up)
{
	/* No IFF_UP for the peer here: veth can't open it before the pair is linked. */
	struct ifinfomsg peer_ifi = {.ifi_family = AF_UNSPEC};
	struct nl_msg *msg = link_msg(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, 0, up);
	struct nlattr *info, *data, *p;

	if (!msg)
		return -ENOMEM;
	if (nla_put_string(msg, IFLA_IFNAME, host) < 0 ||
	    !(info = nla_nest_start(msg, IFLA_LINKINFO)) ||
	    nla_put_string(msg, IFLA_INFO_KIND, "veth") < 0 ||
	    !(data = nla_nest_start(msg, IFLA_INFO_DATA)) ||
	    !(p = nla_nest_start(msg, VETH_INFO_PEER)) ||
	    nlmsg_append(msg, &peer_ifi, sizeof(peer_ifi), NLMSG_ALIGNTO) < 0 ||
	    nla_put_string(msg, IFLA_IFNAME, peer) < 0 ||
	    (peer_mac && nla_put(msg, IFLA_ADDRESS, sizeof(peer_mac->b), peer_mac->b) < 0) ||
	    (peer_netns_fd >= 0 && nla_put_u32(msg, IFLA_NET_NS_FD, (uint32_t)peer_netns_fd) < 0)) {
		nlmsg_free(msg);
		return -ENOMEM;
	}
	/* The peer is an ifinfomsg followed by attributes, not a plain nest. */
	p->nla_type &= ~NLA_F_NESTED;
	nla_nest_end(msg, p);
	nla_nest_end(msg, data);
	nla_nest_end(msg, info);
	return transact(nl, msg);
}

int nsp_nl_veth_create(struct nsp_nl *nl, const char *host, const char *peer,
		       const struct nsp_mac *peer_mac, int peer_netns_fd)
{
	return veth_create(nl, host, peer, peer_mac, peer_netns_fd, true);
}

int nsp_nl_veth_create_down(struct nsp_nl *nl, const char *a, const char *b)
{
	return veth_create(nl, a, b, NULL, -1, false);
}

int nsp_nl_link_xdp(struct nsp_nl *nl, int ifindex, int prog_fd, uint32_t flags)
{
	struct nl_msg *msg = link_msg(RTM_SETLINK, 0, ifindex, 0);
	struct nlattr *x;

	if (!msg)
		return -ENOMEM;
	if (!(x = nla_nest_start(msg, IFLA_XDP)) || nla_put_s32(msg, IFLA_XDP_FD, prog_fd) < 0 ||
	    nla_put_u32(msg, IFLA_XDP_FLAGS, flags) < 0) {
		nlmsg_free(msg);
		return -ENOMEM;
	}
	nla_nest_end(msg, x);
	return transact(nl, msg);
}

int nsp_nl_link_delete(struct nsp_nl *nl, int ifindex)
{
	struct nl_msg *msg = link_msg(RTM_DELLINK, 0, ifindex, 0);

	return msg ? transact(nl, msg) : -ENOMEM;
}

int nsp_nl_link_up(struct nsp_nl *nl, int ifindex)
{
	struct nl_msg *msg = link_msg(RTM_NEWLINK, 0, ifindex, 1);

	return msg ? transact(nl, msg) : -ENOMEM;
}

int nsp_nl_link_mac(struct nsp_nl *nl, int ifindex, const struct nsp_mac *mac)
{
	struct nl_msg *msg = link_msg(RTM_NEWLINK, 0, ifindex, 0);

	if (!msg)
		return -ENOMEM;
	if (nla_put(msg, IFLA_ADDRESS, sizeof(mac->b), mac->b) < 0) {
		nlmsg_free(msg);
		return -ENOMEM;
	}
	return transact(nl, msg);
}

/* The link's IPv4 promote_secondaries (inet_set_link_af(): IPV4_DEVCONF_* as attribute types). */
int nsp_nl_link_promote_secondaries(struct nsp_nl *nl, int ifindex, bool on)
{
	struct nl_msg *msg = link_msg(RTM_NEWLINK, 0, ifindex, 0);
	struct nlattr *spec, *inet, *conf;

	if (!msg)
		return -ENOMEM;
	if (!(spec = nla_nest_start(msg, IFLA_AF_SPEC)) || !(inet = nla_nest_start(msg, AF_INET)) ||
	    !(conf = nla_nest_start(msg, IFLA_INET_CONF)) ||
	    nla_put_u32(msg, IPV4_DEVCONF_PROMOTE_SECONDARIES, on) < 0) {
		nlmsg_free(msg);
		return -ENOMEM;
	}
	nla_nest_end(msg, conf);
	nla_nest_end(msg, inet);
	nla_nest_end(msg, spec);
	return transact(nl, msg);
}

int nsp_nl_link_alias(struct nsp_nl *nl, int ifindex, const char *alias)
{
	struct nl_msg *msg = link_msg(RTM_NEWLINK, 0, ifindex, 0);

	if (!msg)
		return -ENOMEM;
	if (nla_put_string(msg, IFLA_IFALIAS, alias) < 0) {
		nlmsg_free(msg);
		return -ENOMEM;
	}
	return transact(nl, msg);
}

int nsp_nl_link_rename(struct nsp_nl *nl, int ifindex, const char *new_name, bool was_up)
{
	struct ifinfomsg down = {
		.ifi_family = AF_UNSPEC, .ifi_index = ifindex, .ifi_change = IFF_UP};
	struct nl_msg *msg;
	int r;

	if (was_up) {
		msg = nlmsg_alloc_simple(RTM_NEWLINK, 0);
		if (!msg || nlmsg_append(msg, &down, sizeof(down), NLMSG_ALIGNTO) < 0) {
			nlmsg_free(msg);
			return -ENOMEM;
		}
		r = transact(nl, msg);
		if (r < 0)
			return r;
	}
	msg = link_msg(RTM_NEWLINK, 0, ifindex, was_up);
	if (!msg)
		return -ENOMEM;
	if (nla_put_string(msg, IFLA_IFNAME, new_name) < 0) {
		nlmsg_free(msg);
		return -ENOMEM;
	}
	return transact(nl, msg);
}

int nsp_nl_addr(struct nsp_nl *nl, bool add, int ifindex, uint32_t addr, uint8_t prefix)
{
	struct ifaddrmsg ifa = {
		.ifa_family = AF_INET, .ifa_prefixlen = prefix, .ifa_index = (unsigned)ifindex};
	struct nl_msg *msg = nlmsg_alloc_simple(add ? RTM_NEWADDR : RTM_DELADDR,
						add ? NLM_F_CREATE | NLM_F_EXCL : 0);
	uint32_t brd = addr | htonl(prefix >= 32 ? 0 : 0xffffffffu >> prefix);

	if (!msg)
		return -ENOMEM;
	if (nlmsg_append(msg, &ifa, sizeof(ifa), NLMSG_ALIGNTO) < 0 ||
	    nla_put_u32(msg, IFA_LOCAL, addr) < 0 || nla_put_u32(msg, IFA_ADDRESS, addr) < 0 ||
	    (add && prefix < 31 && nla_put_u32(msg, IFA_BROADCAST, brd) < 0)) {
		nlmsg_free(msg);
		return -ENOMEM;
	}
	return transact(nl, msg);
}

int nsp_nl_route(struct nsp_nl *nl, bool replace, int oif, uint32_t dst, uint8_t dst_len,
		 uint32_t gateway)
{
	struct rtmsg rtm = {
		.rtm_family = AF_INET,
		.rtm_dst_len = dst_len,
		.rtm_table = RT_TABLE_MAIN,
		.rtm_protocol = replace ? NSP_RTPROT : 0,
		.rtm_scope = replace ? RT_SCOPE_UNIVERSE : RT_SCOPE_NOWHERE,
		.rtm_type = replace ? RTN_UNICAST : 0,
		/* onlink: the gateway need not sit inside the address's prefix */
		.rtm_flags = replace ? RTNH_F_ONLINK : 0,
	};
	struct nl_msg *msg = nlmsg_alloc_simple(replace ? RTM_NEWROUTE : RTM_DELROUTE,
						replace ? NLM_F_CREATE | NLM_F_REPLACE : 0);

	if (!msg)
		return -ENOMEM;
	if (nlmsg_append(msg, &rtm, sizeof(rtm), NLMSG_ALIGNTO) < 0 ||
	    (dst_len && nla_put_u32(msg, RTA_DST, dst) < 0) ||
	    (replace && nla_put_u32(msg, RTA_GATEWAY, gateway) < 0) ||
	    (replace && nla_put_u32(msg, RTA_OIF, (uint32_t)oif) < 0)) {
		nlmsg_free(msg);
		return -ENOMEM;
	}
	return transact(nl, msg);
}

int nsp_nl_neigh(struct nsp_nl *nl, bool replace, int ifindex, uint32_t dst,
		 const struct nsp_mac *lladdr)
{
	struct ndmsg ndm = {.ndm_family = AF_INET,
			    .ndm_ifindex = ifindex,
			    .ndm_state = replace ? NUD_PERMANENT : 0};
	struct nl_msg *msg = nlmsg_alloc_simple(replace ? RTM_NEWNEIGH : RTM_DELNEIGH,
						replace ? NLM_F_CREATE | NLM_F_REPLACE : 0);

	if (!msg)
		return -ENOMEM;
	if (nlmsg_append(msg, &ndm, sizeof(ndm), NLMSG_ALIGNTO) < 0 ||
	    nla_put_u32(msg, NDA_DST, dst) < 0 ||
	    (replace && nla_put(msg, NDA_LLADDR, sizeof(lladdr->b), lladdr->b) < 0)) {
		nlmsg_free(msg);
		return -ENOMEM;
	}
	return transact(nl, msg);
}
