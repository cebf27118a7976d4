// SPDX-License-Identifier: GPL-2.0-only
/*
 * tc attach: filters go in and out through libbpf's bpf_tc_*() calls, in the
 * instance's slot only. The slot is read with a filter dump of our priority
 * rather than bpf_tc_query(): the query answers EINVAL alike for an empty
 * hook (no clsact qdisc, or no filter chain yet) and for a foreign classifier
 * holding our priority, and libbpf prints the kernel's complaint each time.
 * The dump answers an empty hook with nothing, and names what else is there.
 */
#include <arpa/inet.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/netlink.h>
#include <linux/pkt_cls.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "tc.h"
#include "xdp.h"

#define DUMP_TIMEOUT_SEC 5     /* a lost answer must not hang a boot-time apply */
#define DUMP_BUF_SIZE	 32768 /* the kernel's largest dump batch */

/* What occupies an instance's slot on one ingress hook. */
struct tc_slot {
	uint32_t prog_id; /* of the bpf filter at our handle; 0: none */
	char blocker[16]; /* kind of a classifier that holds our priority; "": none */
};

static int dump_request(int fd, int ifindex)
{
	struct {
		struct nlmsghdr nh;
		struct tcmsg tc;
	} req = {
		.nh = {.nlmsg_len = NLMSG_LENGTH(sizeof(struct tcmsg)),
		       .nlmsg_type = RTM_GETTFILTER,
		       .nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP,
		       .nlmsg_seq = 1},
		/* The kernel lists our priority only, whatever the protocol. */
		.tc = {.tcm_family = AF_UNSPEC,
		       .tcm_ifindex = ifindex,
		       .tcm_parent = TC_H_MAKE(TC_H_CLSACT, TC_H_MIN_INGRESS),
		       .tcm_info = TC_H_MAKE((uint32_t)NSP_TC_PRIORITY << 16, 0)},
	};

	return send(fd, &req, req.nh.nlmsg_len, 0) < 0 ? -errno : 0;
}

static uint32_t bpf_prog_id_of(const struct rtattr *options)
{
	int len = (int)RTA_PAYLOAD(options);
	uint32_t id = 0;

	for (const struct rtattr *a = RTA_DATA(options); RTA_OK(a, len); a = RTA_NEXT(a, len))
		if (a->rta_type == TCA_BPF_ID && RTA_PAYLOAD(a) >= sizeof(id))
			memcpy(&id, RTA_DATA(a), sizeof(id));
	return id;
}

/* One filter of our priority (or the priority's own entry, handle 0). */
static void note_filter(const struct nlmsghdr *nh, uint32_t handle, struct tc_slot *s)
{
	const struct tcmsg *tc = NLMSG_DATA(nh);
	const struct rtattr *options = NULL;
	int len = (int)nh->nlmsg_len - (int)NLMSG_LENGTH(sizeof(*tc));
	char kind[16] = "";
	uint32_t chain = 0;

	if (len < 0 || TC_H_MAJ(tc->tcm_info) >> 16 != NSP_TC_PRIORITY)
		return;
	for (const struct rtattr *a = TCA_RTA(tc); RTA_OK(a, len); a = RTA_NEXT(a, len)) {
		if (a->rta_type == TCA_KIND)
			snprintf(kind, sizeof(kind), "%.*s", (int)RTA_PAYLOAD(a),
				 (const char *)RTA_DATA(a));
		else if (a->rta_type == TCA_CHAIN && RTA_PAYLOAD(a) >= sizeof(chain))
			memcpy(&chain, RTA_DATA(a), sizeof(chain));
		else if (a->rta_type == TCA_OPTIONS)
			options = a;
	}
	/* libbpf attaches in chain 0; other chains are other lists of priorities. */
	if (chain)
		return;
	/* A priority holds one kind of classifier for one protocol: anything else blocks it. */
	if (strcmp(kind, "bpf") || TC_H_MIN(tc->tcm_info) != htons(ETH_P_ALL)) {
		snprintf(s->blocker, sizeof(s->blocker), "%s", kind);
		return;
	}
	if (tc->tcm_handle != handle)
		return; /* another bpf filter sharing our priority: another instance's, or not ours
			 */
	s->prog_id = options ? bpf_prog_id_of(options) : 0;
	if (!s->prog_id)
		snprintf(s->blocker, sizeof(s->blocker), "%s", kind);
}

static int dump_status(const struct nlmsghdr *nh)
{
	int err = 0;

	if (nh->nlmsg_type == NLMSG_ERROR && nh->nlmsg_len >= NLMSG_LENGTH(sizeof(struct nlmsgerr)))
		err = ((const struct nlmsgerr *)NLMSG_DATA(nh))->error;
	else if (nh->nlmsg_len >= NLMSG_LENGTH(sizeof(err)))
		memcpy(&err, NLMSG_DATA(nh), sizeof(err));
	return err < 0 ? err : 0;
}

static int dump_read(int fd, uint32_t handle, struct tc_slot *s)
{
	union {
		struct nlmsghdr nh; /* for the alignment */
		char bytes[DUMP_BUF_SIZE];
	} buf;

	for (;;) {
		ssize_t n = recv(fd, &buf, sizeof(buf), MSG_TRUNC);
		unsigned int len;

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno == EAGAIN ? -ETIMEDOUT : -errno;
		if ((size_t)n > sizeof(buf))
			return -EMSGSIZE;
		len = (unsigned int)n;
		for (const struct nlmsghdr *nh = &buf.nh; NLMSG_OK(nh, len);
		     nh = NLMSG_NEXT(nh, len)) {
			if (nh->nlmsg_type == NLMSG_DONE || nh->nlmsg_type == NLMSG_ERROR)
				return dump_status(nh);
			if (nh->nlmsg_type == RTM_NEWTFILTER)
				note_filter(nh, handle, s);
		}
	}
}

static int read_slot(int ifindex, uint32_t handle, struct tc_slot *ret)
{
	struct timeval timeout = {.tv_sec = DUMP_TIMEOUT_SEC};
	struct tc_slot s = {0};
	int fd, r;

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0)
		return -errno;
	r = setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout)) < 0 ? -errno : 0;
	if (r == 0)
		r = dump_request(fd, ifindex);
	if (r == 0)
		r = dump_read(fd, handle, &s);
	close(fd);
	if (r == 0)
		*ret = s;
	return r;
}

/* The slot holds exactly old_id (0: nothing), as the plan saw it. */
static int slot_unchanged(int ifindex, uint32_t handle, uint32_t old_id)
{
	struct tc_slot s;
	int r = read_slot(ifindex, handle, &s);

	if (r < 0)
		return r;
	return !*s.blocker && s.prog_id == old_id ? 0 : -EBUSY;
}

/*
 * An exclusive create, so that a qdisc that is there already (often someone
 * else's) is never touched. That answer is expected: keep libbpf from
 * printing the kernel's message about it.
 */
static int hook_create_quietly(struct bpf_tc_hook *hook)
{
	libbpf_print_fn_t print = libbpf_set_print(NULL);
	int r = bpf_tc_hook_create(hook);

	libbpf_set_print(print);
	return r;
}

/* The instance's slot on ifindex's ingress, in libbpf's terms. */
static void slot_address(int ifindex, const char *instance, struct bpf_tc_hook *hook,
			 struct bpf_tc_opts *opts)
{
	hook->ifindex = ifindex;
	hook->attach_point = BPF_TC_INGRESS;
	opts->handle = nsp_tc_handle(instance);
	opts->priority = NSP_TC_PRIORITY;
}

int nsp_tc_observe(int ifindex, const char *instance, enum nsp_program program,
		   struct nsp_obs_prog *ret)
{
	struct nsp_obs_prog o = {.build_id = nsp_prog_build_id(program, NSP_ATTACH_TC)};
	struct tc_slot s;
	int r;

	r = read_slot(ifindex, nsp_tc_handle(instance), &s);
	if (r < 0)
		return r;
	if (*s.blocker) {
		o.present = true;
		snprintf(o.name, sizeof(o.name), "%s", s.blocker);
	} else if (s.prog_id) {
		o.present = true;
		o.id = s.prog_id;
		r = nsp_prog_identify(o.id, instance, program, NSP_ATTACH_TC, &o);
		if (r < 0)
			return r;
	}
	*ret = o;
	return 0;
}

int nsp_tc_attach(int ifindex, enum nsp_program program, const struct nsp_prog_params *params,
		  uint32_t old_id)
{
	LIBBPF_OPTS(bpf_tc_hook, hook);
	LIBBPF_OPTS(bpf_tc_opts, opts);
	int fd, r, sent;

	slot_address(ifindex, params->instance, &hook, &opts);

	r = hook_create_quietly(&hook);
	if (r < 0 && r != -EEXIST)
		return r;
	sent = r == 0;
	/*
	 * A create is exclusive in the kernel; a replace is not, so check that
	 * our slot still holds what the plan saw (nsping itself is serialised
	 * by the lock; this guards against a hand-made change in between).
	 */
	if (old_id) {
		r = slot_unchanged(ifindex, opts.handle, old_id);
		if (r < 0)
			return r;
		opts.flags = BPF_TC_F_REPLACE;
	}
	fd = nsp_prog_load(program, NSP_ATTACH_TC, params);
	if (fd < 0)
		return fd;
	opts.prog_fd = fd;
	r = bpf_tc_attach(&hook, &opts);
	close(fd);
	return r < 0 ? r : sent + 1;
}

int nsp_tc_detach(int ifindex, const char *instance, uint32_t old_id)
{
	LIBBPF_OPTS(bpf_tc_hook, hook);
	LIBBPF_OPTS(bpf_tc_opts, opts);
	int r;

	slot_address(ifindex, instance, &hook, &opts);
	r = slot_unchanged(ifindex, opts.handle, old_id);

	/*
	 * The clsact qdisc stays: other filters may hang on it, and an empty
	 * one costs nothing.
	 */
	return r < 0 ? r : bpf_tc_detach(&hook, &opts);
}
