// SPDX-License-Identifier: GPL-2.0-only
/*
 * The netdev generic-netlink family: two requests, built and read here as
 * nl.c reads rtnetlink (libnl core's attribute parsers on our own buffer).
 * libnl-genl-3 would add a library and a receive loop for one lookup of the
 * family's id and one DEV_GET per bound interface.
 */
#include <errno.h>
#include <linux/genetlink.h>
#include <netlink/attr.h>
#include <netlink/msg.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "netdev.h"

/*
 * Debian 12's linux-libc-dev (6.1) has no linux/netdev.h: the family's names
 * and numbers, from the kernel's include/uapi/linux/netdev.h (a stable ABI).
 */
#define NETDEV_GENL_NAME	    "netdev"
#define NETDEV_GENL_VERSION	    1
#define NETDEV_GENL_CMD_DEV_GET	    1
#define NETDEV_GENL_A_DEV_IFINDEX   1
#define NETDEV_GENL_A_DEV_XDP_FEATS 3
#define NETDEV_GENL_A_DEV_MAX	    3
#define NSP_NETDEV_RECV_TIMEOUT_S   5
#define NSP_NETDEV_RECV_BUF	    (16 * 1024)

struct request {
	struct nlmsghdr nh;
	struct genlmsghdr g;
	unsigned char attrs[64];
};

static uint32_t seq;

/* Append one attribute of size bytes to req. */
static void put_attr(struct request *req, uint16_t type, const void *data, size_t size)
{
	struct nlattr *a = (struct nlattr *)((unsigned char *)req + NLMSG_ALIGN(req->nh.nlmsg_len));

	a->nla_type = type;
	a->nla_len = (uint16_t)(NLA_HDRLEN + size);
	memcpy((unsigned char *)a + NLA_HDRLEN, data, size);
	req->nh.nlmsg_len = NLMSG_ALIGN(req->nh.nlmsg_len) + NLA_ALIGN(a->nla_len);
}

static void request_init(struct request *req, uint16_t family, uint8_t cmd, uint8_t version)
{
	memset(req, 0, sizeof(*req));
	req->nh.nlmsg_len = NLMSG_LENGTH(GENL_HDRLEN);
	req->nh.nlmsg_type = family;
	req->nh.nlmsg_flags = NLM_F_REQUEST;
	req->nh.nlmsg_seq = ++seq;
	req->g.cmd = cmd;
	req->g.version = version;
}

/*
 * Send req and hand the one message that answers it to on_msg: 0, or the
 * kernel's -errno (NLMSG_ERROR), or -EIO for an answer that is none.
 */
static int transact(int fd, struct request *req, void (*on_msg)(struct nlmsghdr *nh, void *arg),
		    void *arg)
{
	static union {
		struct nlmsghdr nh;
		unsigned char b[NSP_NETDEV_RECV_BUF];
	} buf;
	struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};

	if (sendto(fd, req, req->nh.nlmsg_len, 0, (struct sockaddr *)&kernel, sizeof(kernel)) < 0)
		return -errno;
	for (;;) {
		struct sockaddr_nl from = {0};
		socklen_t from_len = sizeof(from);
		ssize_t n = recvfrom(fd, buf.b, sizeof(buf.b), MSG_TRUNC, (struct sockaddr *)&from,
				     &from_len);
		struct nlmsghdr *nh = &buf.nh;
		int len;

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno == EAGAIN ? -ETIMEDOUT : -errno;
		if ((size_t)n > sizeof(buf.b))
			return -EMSGSIZE;
		if (from.nl_pid != 0)
			continue;
		for (len = (int)n; nlmsg_ok(nh, len); nh = nlmsg_next(nh, &len)) {
			int err = -EIO;

			if (nh->nlmsg_seq != req->nh.nlmsg_seq)
				continue;
			if (nh->nlmsg_type == NLMSG_ERROR) {
				if (nlmsg_datalen(nh) >= (int)sizeof(err))
					memcpy(&err, nlmsg_data(nh), sizeof(err));
				return err < 0 ? err : -EIO;
			}
			on_msg(nh, arg);
			return 0;
		}
	}
}

struct family_answer {
	bool found;
	uint16_t id;
};

static void on_family(struct nlmsghdr *nh, void *arg)
{
	struct family_answer *f = arg;
	struct nlattr *tb[CTRL_ATTR_MAX + 1];

	if (nh->nlmsg_type != GENL_ID_CTRL ||
	    nlmsg_parse(nh, GENL_HDRLEN, tb, CTRL_ATTR_MAX, NULL) < 0 || !tb[CTRL_ATTR_FAMILY_ID] ||
	    nla_len(tb[CTRL_ATTR_FAMILY_ID]) < (int)sizeof(uint16_t))
		return;
	f->found = true;
	f->id = nla_get_u16(tb[CTRL_ATTR_FAMILY_ID]);
}

int nsp_netdev_open(struct nsp_netdev *nd)
{
	static const struct timeval recv_timeout = {.tv_sec = NSP_NETDEV_RECV_TIMEOUT_S};
	struct family_answer f = {0};
	struct request req;
	int fd, r;

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	if (fd < 0)
		return -errno;
	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &recv_timeout, sizeof(recv_timeout)) < 0) {
		r = -errno;
		goto fail;
	}
	request_init(&req, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, 1);
	put_attr(&req, CTRL_ATTR_FAMILY_NAME, NETDEV_GENL_NAME, sizeof(NETDEV_GENL_NAME));
	r = transact(fd, &req, on_family, &f);
	if (r == 0 && !f.found)
		r = -EIO;
	if (r < 0)
		goto fail;
	*nd = (struct nsp_netdev){.fd = fd, .family = f.id};
	return 0;
fail:
	close(fd);
	/* the controller answers ENOENT for a family this kernel lacks */
	return r;
}

void nsp_netdev_close(struct nsp_netdev *nd)
{
	if (nd->fd >= 0)
		close(nd->fd);
	nd->fd = -1;
}

struct features_answer {
	bool found;
	uint64_t flags;
};

static void on_dev(struct nlmsghdr *nh, void *arg)
{
	struct features_answer *f = arg;
	struct nlattr *tb[NETDEV_GENL_A_DEV_MAX + 1];
	struct nlattr *a;

	if (nlmsg_parse(nh, GENL_HDRLEN, tb, NETDEV_GENL_A_DEV_MAX, NULL) < 0)
		return;
	a = tb[NETDEV_GENL_A_DEV_XDP_FEATS];
	f->found = true;
	/* a u64 on the wire; a kernel without it has no XDP feature either */
	if (a && nla_len(a) >= (int)sizeof(uint64_t))
		f->flags = nla_get_u64(a);
	else if (a && nla_len(a) >= (int)sizeof(uint32_t))
		f->flags = nla_get_u32(a);
}

int nsp_netdev_xdp_features(struct nsp_netdev *nd, int ifindex, uint64_t *ret_flags)
{
	struct features_answer f = {0};
	uint32_t index = (uint32_t)ifindex;
	struct request req;
	int r;

	if (ifindex <= 0)
		return -ENODEV;
	request_init(&req, nd->family, NETDEV_GENL_CMD_DEV_GET, NETDEV_GENL_VERSION);
	put_attr(&req, NETDEV_GENL_A_DEV_IFINDEX, &index, sizeof(index));
	r = transact(nd->fd, &req, on_dev, &f);
	if (r == 0 && !f.found)
		r = -EIO;
	if (r == 0)
		*ret_flags = f.flags;
	return r;
}
