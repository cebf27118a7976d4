// SPDX-License-Identifier: GPL-2.0-only
/* rtnetlink notifications and /run/netns, judged per instance (watch.h). */
#include <errno.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/socket.h>
#include <unistd.h>

#include "netns.h"
#include "watch.h"

#define RCVBUF (4 << 20) /* a storm of other pods' events before we read */

/* A netlink socket in the calling thread's netns, joined to the groups. */
static int subscribe(const unsigned int *groups, size_t n)
{
	struct sockaddr_nl sa = {.nl_family = AF_NETLINK};
	int fd, size = RCVBUF;

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_ROUTE);
	if (fd < 0)
		return -errno;
	/* SO_RCVBUFFORCE needs CAP_NET_ADMIN, which run has; the plain one is capped */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		goto fail;
	for (size_t i = 0; i < n; i++)
		if (setsockopt(fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &groups[i],
			       sizeof(groups[i])) < 0)
			goto fail;
	return fd;
fail:
	size = -errno;
	close(fd);
	return size;
}

static int subscribe_netns(void *arg)
{
	static const unsigned int groups[] = {RTNLGRP_LINK, RTNLGRP_IPV4_IFADDR, RTNLGRP_IPV4_ROUTE,
					      RTNLGRP_NEIGH};
	int *ret = arg;

	*ret = subscribe(groups, sizeof(groups) / sizeof(groups[0]));
	return *ret < 0 ? *ret : 0;
}

int nsp_watch_open(struct nsp_watch *w, const struct nsp_config *cfg)
{
	static const unsigned int host_groups[] = {RTNLGRP_LINK, RTNLGRP_TC, RTNLGRP_IPV4_IFADDR};
	int r;

	*w = (struct nsp_watch){.host_fd = -1, .inotify_fd = -1};
	w->inst = calloc(cfg->n_instances ? cfg->n_instances : 1, sizeof(*w->inst));
	if (!w->inst)
		return -ENOMEM;
	w->n = cfg->n_instances;
	for (size_t i = 0; i < w->n; i++)
		w->inst[i] = (struct nsp_watch_instance){.want = &cfg->instances[i], .fd = -1};
	r = subscribe(host_groups, sizeof(host_groups) / sizeof(host_groups[0]));
	if (r < 0)
		goto fail;
	w->host_fd = r;
	w->inotify_fd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
	if (w->inotify_fd < 0 ||
	    inotify_add_watch(w->inotify_fd, NSP_NETNS_DIR,
			      IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO) < 0) {
		r = -errno;
		goto fail;
	}
	return 0;
fail:
	nsp_watch_close(w);
	return r;
}

void nsp_watch_close(struct nsp_watch *w)
{
	for (size_t i = 0; i < w->n; i++)
		if (w->inst[i].fd >= 0)
			close(w->inst[i].fd);
	free(w->inst);
	if (w->host_fd >= 0)
		close(w->host_fd);
	if (w->inotify_fd >= 0)
		close(w->inotify_fd);
	*w = (struct nsp_watch){.host_fd = -1, .inotify_fd = -1};
}

static void add_ifindex(struct nsp_watch_instance *x, const struct nsp_obs_link *l)
{
	if (l->present && x->n_ifindex < NSP_WATCH_LINKS)
		x->ifindex[x->n_ifindex++] = l->ifindex;
}

int nsp_watch_update(struct nsp_watch *w, size_t i, const struct nsp_obs_instance *obs)
{
	struct nsp_watch_instance *x = &w->inst[i];
	uint64_t id = 0;
	int fd, r;

	x->n_ifindex = 0;
	x->uplink_ifindex = obs->uplink.present ? obs->uplink.ifindex : 0;
	add_ifindex(x, &obs->uplink);
	add_ifindex(x, &obs->host);
	add_ifindex(x, &obs->host_owned);
	/* a binding's interface is the uplink or the host veth (config.c) */

	if (nsp_netns_id(x->want->netns, &id) < 0)
		id = 0;
	if (id == x->netns_id && (x->fd >= 0 || !id))
		return 0;
	if (x->fd >= 0)
		close(x->fd);
	x->fd = -1;
	x->netns_id = id;
	if (!id)
		return 1;
	fd = nsp_netns_open(x->want->netns);
	if (fd < 0)
		return fd;
	r = nsp_netns_run(fd, subscribe_netns, &x->fd);
	close(fd);
	if (r < 0) {
		x->fd = -1;
		return r;
	}
	return 1;
}

/* The host link named in an RTM_NEWLINK/DELLINK, or "". */
static void link_name(const struct nlmsghdr *nh, char name[IFNAMSIZ])
{
	const struct ifinfomsg *ifi = NLMSG_DATA(nh);
	int len = (int)nh->nlmsg_len - NLMSG_LENGTH(sizeof(*ifi));

	name[0] = '\0';
	for (const struct rtattr *a = IFLA_RTA(ifi); RTA_OK(a, len); a = RTA_NEXT(a, len)) {
		if (a->rta_type == IFLA_IFNAME) {
			size_t n = RTA_PAYLOAD(a) < IFNAMSIZ ? RTA_PAYLOAD(a) : IFNAMSIZ - 1;

			memcpy(name, RTA_DATA(a), n);
			name[n] = '\0';
			return;
		}
	}
}

static bool has_ifindex(const struct nsp_watch_instance *x, int ifindex)
{
	for (size_t i = 0; i < x->n_ifindex; i++)
		if (x->ifindex[i] == ifindex)
			return true;
	return false;
}

static bool names_link(const struct nsp_instance *want, const char *name)
{
	if (!name[0])
		return false;
	if (!strcmp(name, want->uplink) || !strcmp(name, want->veth_host))
		return true;
	for (size_t b = 0; b < want->n_bindings; b++)
		if (!strcmp(name, want->bindings[b].interface))
			return true;
	return false;
}

/* Does a notification from the host netns concern instance x? */
static bool host_concerns(const struct nsp_watch_instance *x, const struct nlmsghdr *nh)
{
	char name[IFNAMSIZ];

	switch (nh->nlmsg_type) {
	case RTM_NEWLINK:
	case RTM_DELLINK:
		if (nh->nlmsg_len < NLMSG_LENGTH(sizeof(struct ifinfomsg)))
			return false;
		if (has_ifindex(x, ((const struct ifinfomsg *)NLMSG_DATA(nh))->ifi_index))
			return true;
		link_name(nh, name);
		return names_link(x->want, name);
	case RTM_NEWTFILTER:
	case RTM_DELTFILTER:
	case RTM_NEWQDISC:
	case RTM_DELQDISC:
		return nh->nlmsg_len >= NLMSG_LENGTH(sizeof(struct tcmsg)) &&
		       has_ifindex(x, ((const struct tcmsg *)NLMSG_DATA(nh))->tcm_ifindex);
	case RTM_NEWADDR:
	case RTM_DELADDR:
		/* the uplink's address matters only to an instance that inherits it */
		return x->want->address_inherit && x->uplink_ifindex &&
		       nh->nlmsg_len >= NLMSG_LENGTH(sizeof(struct ifaddrmsg)) &&
		       (int)((const struct ifaddrmsg *)NLMSG_DATA(nh))->ifa_index ==
			       x->uplink_ifindex;
	default:
		return false;
	}
}

static int mark(bool *dirty, size_t i)
{
	if (dirty[i])
		return 0;
	dirty[i] = true;
	return 1;
}

static int mark_all(struct nsp_watch *w, bool *dirty)
{
	int n = 0;

	for (size_t i = 0; i < w->n; i++)
		n += mark(dirty, i);
	return n;
}

static int read_inotify(struct nsp_watch *w, bool *dirty)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	int marked = 0;
	ssize_t len;

	while ((len = read(w->inotify_fd, buf, sizeof(buf))) > 0) {
		for (char *p = buf; p < buf + len;) {
			const struct inotify_event *ev = (const struct inotify_event *)p;

			if (ev->mask & IN_Q_OVERFLOW)
				marked += mark_all(w, dirty);
			for (size_t i = 0; i < w->n && ev->len; i++)
				if (!strcmp(ev->name, w->inst[i].want->netns))
					marked += mark(dirty, i);
			p += sizeof(*ev) + ev->len;
		}
	}
	return len < 0 && errno != EAGAIN ? -errno : marked;
}

int nsp_watch_read(struct nsp_watch *w, int fd, bool *dirty)
{
	static char buf[64 << 10] __attribute__((aligned(NLMSG_ALIGNTO)));
	ssize_t len;
	int marked = 0, rem;

	if (fd == w->inotify_fd)
		return read_inotify(w, dirty);
	for (;;) {
		len = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (len < 0) {
			if (errno == EAGAIN || errno == EINTR)
				break;
			if (errno == ENOBUFS) { /* notifications were lost: trust none */
				marked += mark_all(w, dirty);
				continue;
			}
			return -errno;
		}
		rem = (int)len;
		for (struct nlmsghdr *nh = (struct nlmsghdr *)buf; NLMSG_OK(nh, rem);
		     nh = NLMSG_NEXT(nh, rem)) {
			for (size_t i = 0; i < w->n; i++) {
				if (fd == w->inst[i].fd)
					marked += mark(dirty, i); /* everything in its netns */
				else if (fd == w->host_fd && host_concerns(&w->inst[i], nh))
					marked += mark(dirty, i);
			}
		}
	}
	return marked;
}
