// SPDX-License-Identifier: GPL-2.0-only
/*
 * tc attach: filters go in and out through libbpf's bpf_tc_*() calls, in the
 * instance's slot only. The slot is read with a filter dump of our priority
 * rather than bpf_tc_query(): the query answers EINVAL alike for an empty
 * hook (no clsact qdisc, or no filter chain yet) and for a foreign classifier
 * holding our priority, and libbpf prints the kernel's complaint each time.
 * The dump answers an empty hook with nothing, and names what else is there;
 * it goes through nl.c's socket, bounded by its receive timeout.
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
#include <unistd.h>

#include "owner.h"
#include "tc.h"
#include "xdp.h"

/* An instance's slot on one ingress hook, and what occupies it. */
struct tc_slot {
	uint32_t handle;  /* the instance's, under our priority */
	uint32_t prog_id; /* of the bpf filter at our handle; 0: none */
	char blocker[16]; /* kind of a classifier that holds our priority; "": none */
};

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
static void note_filter(const struct nlmsghdr *nh, void *arg)
{
	struct tc_slot *s = arg;
	const struct tcmsg *tc = NLMSG_DATA(nh);
	const struct rtattr *options = NULL;
	int len = (int)nh->nlmsg_len - (int)NLMSG_LENGTH(sizeof(*tc));
	char kind[16] = "";
	uint32_t chain = 0;

	if (nh->nlmsg_type != RTM_NEWTFILTER || len < 0 ||
	    TC_H_MAJ(tc->tcm_info) >> 16 != NSP_TC_PRIORITY)
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
	if (tc->tcm_handle != s->handle)
		return; /* another instance's bpf filter at our priority, or not ours */
	s->prog_id = options ? bpf_prog_id_of(options) : 0;
	if (!s->prog_id)
		snprintf(s->blocker, sizeof(s->blocker), "%s", kind);
}

/* Before each read of the filters: nothing seen yet. */
static void slot_restart(void *arg)
{
	struct tc_slot *s = arg;

	*s = (struct tc_slot){.handle = s->handle};
}

static int read_slot(struct nsp_nl *nl, int ifindex, uint32_t handle, struct tc_slot *ret)
{
	/* The kernel lists our priority only, whatever the protocol. */
	struct tcmsg req = {.tcm_family = AF_UNSPEC,
			    .tcm_ifindex = ifindex,
			    .tcm_parent = TC_H_MAKE(TC_H_CLSACT, TC_H_MIN_INGRESS),
			    .tcm_info = TC_H_MAKE((uint32_t)NSP_TC_PRIORITY << 16, 0)};
	struct tc_slot s = {.handle = handle};
	int r = nsp_nl_dump_raw(nl, RTM_GETTFILTER, &req, sizeof(req), note_filter, slot_restart,
				&s);

	if (r == 0)
		*ret = s;
	return r;
}

/* The slot holds exactly old_id (0: nothing), as the plan saw it. */
static int slot_unchanged(struct nsp_nl *nl, int ifindex, uint32_t handle, uint32_t old_id)
{
	struct tc_slot s;
	int r = read_slot(nl, ifindex, handle, &s);

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
static void slot_address(int ifindex, const char *scope, const char *instance,
			 struct bpf_tc_hook *hook, struct bpf_tc_opts *opts)
{
	hook->ifindex = ifindex;
	hook->attach_point = BPF_TC_INGRESS;
	opts->handle = nsp_tc_handle(scope, instance);
	opts->priority = NSP_TC_PRIORITY;
}

int nsp_tc_slot_id(struct nsp_nl *nl, int ifindex, const struct nsp_owner *who, uint32_t *ret_id)
{
	struct tc_slot s;
	int r = read_slot(nl, ifindex, nsp_tc_handle(who->scope, who->instance), &s);

	if (r == 0)
		*ret_id = *s.blocker ? 0 : s.prog_id;
	return r;
}

int nsp_tc_observe(struct nsp_nl *nl, int ifindex, const struct nsp_owner *who,
		   enum nsp_program program, struct nsp_obs_prog *ret)
{
	struct nsp_obs_prog o = {0};
	struct tc_slot s;
	int r;

	r = read_slot(nl, ifindex, nsp_tc_handle(who->scope, who->instance), &s);
	if (r < 0)
		return r;
	if (*s.blocker) {
		o.present = true;
		snprintf(o.name, sizeof(o.name), "%s", s.blocker);
	} else if (s.prog_id) {
		o.present = true;
		o.id = s.prog_id;
		o.build_id = nsp_prog_build_id(program, NSP_ATTACH_TC);
		r = nsp_prog_identify(o.id, who, program, NSP_ATTACH_TC, &o);
		if (r < 0)
			return r;
	}
	*ret = o;
	return 0;
}

int nsp_tc_attach(struct nsp_nl *nl, int ifindex, enum nsp_program program,
		  const struct nsp_prog_params *params, uint32_t old_id)
{
	LIBBPF_OPTS(bpf_tc_hook, hook);
	LIBBPF_OPTS(bpf_tc_opts, opts);
	int fd, r;

	slot_address(ifindex, params->scope, params->instance, &hook, &opts);

	r = hook_create_quietly(&hook);
	if (r < 0 && r != -EEXIST)
		return r;
	if (r == 0)
		nsp_nl_count_request(nl);
	/*
	 * A create is exclusive in the kernel; a replace is not, so check that
	 * our slot still holds what the plan saw (nsping itself is serialised
	 * by the lock; this guards against a hand-made change in between).
	 */
	if (old_id) {
		r = slot_unchanged(nl, ifindex, opts.handle, old_id);
		if (r < 0)
			return r;
		opts.flags = BPF_TC_F_REPLACE;
	}
	fd = nsp_prog_load(program, NSP_ATTACH_TC, params);
	if (fd < 0)
		return fd;
	opts.prog_fd = fd;
	nsp_nl_count_request(nl);
	r = bpf_tc_attach(&hook, &opts);
	close(fd);
	return r;
}

int nsp_tc_detach(struct nsp_nl *nl, int ifindex, const struct nsp_owner *who, uint32_t old_id)
{
	LIBBPF_OPTS(bpf_tc_hook, hook);
	LIBBPF_OPTS(bpf_tc_opts, opts);
	int r;

	slot_address(ifindex, who->scope, who->instance, &hook, &opts);
	r = slot_unchanged(nl, ifindex, opts.handle, old_id);
	if (r < 0)
		return r;
	/*
	 * The clsact qdisc stays: other filters may hang on it, and an empty
	 * one costs nothing.
	 */
	nsp_nl_count_request(nl);
	return bpf_tc_detach(&hook, &opts);
}
