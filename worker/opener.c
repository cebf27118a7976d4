// SPDX-License-Identifier: GPL-2.0-only
/* The privileged socket opener; see opener.h. */
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "desired.h"
#include "netns.h"
#include "opener.h"
#include "privs.h"

struct open_request {
	char netns[NSP_NETNS_MAX + 1];
	uint16_t port;
	uint16_t sport_min;
	uint16_t sport_max;
};

struct open_reply {
	int err;
	uint64_t netns_id;
};

#define N_FDS 3

static int send_reply(int sock, const struct open_reply *reply, const int *fds)
{
	char control[CMSG_SPACE(sizeof(int) * N_FDS)] = {0};
	struct iovec iov = {.iov_base = (void *)reply, .iov_len = sizeof(*reply)};
	struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1};
	struct cmsghdr *cm;

	if (fds) {
		msg.msg_control = control;
		msg.msg_controllen = sizeof(control);
		cm = CMSG_FIRSTHDR(&msg);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int) * N_FDS);
		memcpy(CMSG_DATA(cm), fds, sizeof(int) * N_FDS);
	}
	return sendmsg(sock, &msg, MSG_NOSIGNAL) < 0 ? -errno : 0;
}

/* A name under /run/netns, not a path: nothing to climb out with. */
static bool plain_name(const char *name)
{
	return name[0] && !strchr(name, '/') && strcmp(name, ".") && strcmp(name, "..");
}

/*
 * The calling thread's netns is one nsping made: its lo (ifindex 1) carries
 * nsping's mark, set before the netns got its name (reconciler/apply.c).
 */
static bool marked_by_nsping(void)
{
	struct {
		struct nlmsghdr nh;
		struct ifinfomsg ifi;
	} req = {.nh = {.nlmsg_len = sizeof(req),
			.nlmsg_type = RTM_GETLINK,
			.nlmsg_flags = NLM_F_REQUEST},
		 .ifi = {.ifi_family = AF_UNSPEC, .ifi_index = 1}};
	char buf[8192] __attribute__((aligned(NLMSG_ALIGNTO)));
	struct nlmsghdr *nh = (struct nlmsghdr *)buf;
	bool ours = false;
	ssize_t n;
	int fd, len;

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0)
		return false;
	if (send(fd, &req, sizeof(req), 0) == sizeof(req) &&
	    (n = recv(fd, buf, sizeof(buf), 0)) > 0 && NLMSG_OK(nh, (unsigned int)n) &&
	    nh->nlmsg_type == RTM_NEWLINK) {
		struct ifinfomsg *ifi = NLMSG_DATA(nh);

		len = (int)nh->nlmsg_len - NLMSG_LENGTH(sizeof(*ifi));
		for (struct rtattr *a = IFLA_RTA(ifi); RTA_OK(a, len); a = RTA_NEXT(a, len))
			if (a->rta_type == IFLA_IFALIAS)
				ours = RTA_PAYLOAD(a) > strlen(NSP_MARK_PREFIX) &&
				       !strncmp(RTA_DATA(a), NSP_MARK_PREFIX,
						strlen(NSP_MARK_PREFIX));
	}
	close(fd);
	return ours;
}

/*
 * What a compromised worker could ask for is only what it is for: raw
 * sockets in a netns that nsping made, named under /run/netns. A path, the
 * host's own netns or any other is refused with -EPERM.
 */
static void serve_one(int sock, const struct open_request *req)
{
	struct open_reply reply = {0};
	struct nsp_path_socks socks;
	struct stat st;
	int nsfd;

	if (!plain_name(req->netns)) {
		reply.err = -EPERM;
		goto out;
	}
	nsfd = nsp_netns_open(req->netns);
	if (nsfd < 0) {
		reply.err = nsfd;
		goto out;
	}
	if (fstat(nsfd, &st) < 0 || setns(nsfd, CLONE_NEWNET) < 0) {
		reply.err = -errno;
		close(nsfd);
		goto out;
	}
	close(nsfd);
	if (!marked_by_nsping()) {
		reply.err = -EPERM;
		goto out;
	}
	reply.netns_id = (uint64_t)st.st_ino;
	reply.err = nsp_path_socks_open(req->port, req->sport_min, req->sport_max, &socks);
	if (!reply.err) {
		int fds[N_FDS] = {socks.tcp, socks.icmp, socks.udp};

		send_reply(sock, &reply, fds);
		nsp_path_socks_close(&socks);
		return;
	}
out:
	send_reply(sock, &reply, NULL);
}

static void __attribute__((noreturn)) opener_main(int sock, pid_t parent)
{
	struct open_request req;
	ssize_t n;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(0);
	prctl(PR_SET_NAME, "nsping-opener");
	signal(SIGINT, SIG_IGN); /* a ^C is for the worker, which ends us */
	signal(SIGTERM, SIG_DFL);
	if (nsp_privs_restrict(NSP_CAP(CAP_SYS_ADMIN) | NSP_CAP(CAP_NET_RAW)) < 0)
		_exit(1);
	for (;;) {
		n = recv(sock, &req, sizeof(req), 0);
		if (n <= 0)
			_exit(0); /* the worker is gone */
		if ((size_t)n != sizeof(req))
			continue;
		req.netns[sizeof(req.netns) - 1] = '\0';
		serve_one(sock, &req);
	}
}

int nsp_opener_start(struct nsp_opener *ret_opener)
{
	pid_t parent = getpid(), pid;
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return -errno;
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		int err = -errno;

		close(sv[0]);
		close(sv[1]);
		return err;
	}
	if (pid == 0) {
		close(sv[0]);
		opener_main(sv[1], parent);
	}
	close(sv[1]);
	ret_opener->pid = pid;
	ret_opener->sock = sv[0];
	return 0;
}

static int recv_reply(int sock, struct open_reply *reply, int *fds)
{
	char control[CMSG_SPACE(sizeof(int) * N_FDS)];
	struct iovec iov = {.iov_base = reply, .iov_len = sizeof(*reply)};
	struct msghdr msg = {.msg_iov = &iov,
			     .msg_iovlen = 1,
			     .msg_control = control,
			     .msg_controllen = sizeof(control)};
	struct cmsghdr *cm;
	ssize_t n;

	n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
	if (n < 0)
		return -errno;
	if ((size_t)n != sizeof(*reply))
		return -EPIPE; /* the opener died */
	if (reply->err)
		return reply->err;
	cm = CMSG_FIRSTHDR(&msg);
	if (!cm || cm->cmsg_type != SCM_RIGHTS || cm->cmsg_len != CMSG_LEN(sizeof(int) * N_FDS))
		return -EPROTO;
	memcpy(fds, CMSG_DATA(cm), sizeof(int) * N_FDS);
	return 0;
}

int nsp_opener_open(struct nsp_opener *o, const char *netns, uint16_t port, uint16_t sport_min,
		    uint16_t sport_max, struct nsp_path_socks *ret_socks, uint64_t *ret_netns_id)
{
	struct open_request req = {.port = port, .sport_min = sport_min, .sport_max = sport_max};
	struct open_reply reply;
	int fds[N_FDS], err;

	if (strlen(netns) >= sizeof(req.netns))
		return -ENAMETOOLONG;
	strcpy(req.netns, netns);
	if (send(o->sock, &req, sizeof(req), MSG_NOSIGNAL) < 0)
		return -errno;
	err = recv_reply(o->sock, &reply, fds);
	if (err)
		return err;
	ret_socks->tcp = fds[0];
	ret_socks->icmp = fds[1];
	ret_socks->udp = fds[2];
	*ret_netns_id = reply.netns_id;
	return 0;
}

void nsp_opener_stop(struct nsp_opener *o)
{
	if (o->sock >= 0)
		close(o->sock);
	if (o->pid > 0)
		waitpid(o->pid, NULL, 0);
	o->sock = -1;
	o->pid = 0;
}
