/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * plan(desired, observed) -> ordered changes. Pure: no syscalls, no library
 * types; apply.c turns each change into one kernel request.
 */
#ifndef NSPING_PLAN_H
#define NSPING_PLAN_H

#include "desired.h"
#include "observed.h"
#include "pathcause.h"

enum nsp_op { NSP_OP_CREATE, NSP_OP_UPDATE, NSP_OP_DELETE };

enum nsp_kind {
	NSP_KIND_NETNS,
	NSP_KIND_LINK,
	NSP_KIND_ADDRESS,
	NSP_KIND_ROUTE,
	NSP_KIND_NEIGHBOR,
	NSP_KIND_OFFLOAD,
	NSP_KIND_XDP,
	NSP_KIND_TC,
	NSP_KIND_PING, /* a running worker's settings */
};

enum nsp_action {
	NSP_ACT_NETNS_CREATE,
	NSP_ACT_NETNS_DELETE,
	NSP_ACT_NETNS_MARK, /* lo's mark: a netns of an orphan taken over (a rename) */
	NSP_ACT_VETH_CREATE,
	NSP_ACT_LINK_DELETE,
	NSP_ACT_LINK_RENAME,
	NSP_ACT_LINK_MAC,
	NSP_ACT_LINK_UP,
	NSP_ACT_LINK_MARK,
	NSP_ACT_LINK_PROMOTE_SECONDARIES,
	NSP_ACT_ADDR_ADD,
	NSP_ACT_ADDR_DEL,
	NSP_ACT_ROUTE_REPLACE,
	NSP_ACT_ROUTE_DEL,
	NSP_ACT_NEIGH_REPLACE,
	NSP_ACT_NEIGH_DEL,
	NSP_ACT_GRO,
	NSP_ACT_TX_CHECKSUM,
	NSP_ACT_PROG_ATTACH,
	NSP_ACT_PROG_DETACH,
	NSP_ACT_WORKER_RELOAD,
};

/* Where a change acts: the host netns or the instance's netns. */
enum nsp_side { NSP_SIDE_HOST, NSP_SIDE_NETNS };

#define NSP_TEXT_MAX 96

/* The instance of an orphan's change: none of the file's. */
#define NSP_NO_INSTANCE ((size_t)-1)

struct nsp_change {
	enum nsp_op op;
	enum nsp_kind kind;
	enum nsp_action action;
	size_t instance;	/* in the file, or NSP_NO_INSTANCE for an orphan */
	struct nsp_owner owner; /* whose object: the instance, or the orphan's owner */
	char object[NSP_TEXT_MAX];
	char attribute[24];	 /* "" for whole objects */
	char from[NSP_TEXT_MAX]; /* "" = none (JSON null) */
	char to[NSP_TEXT_MAX];

	/* what apply needs; only the fields of the action are set */
	enum nsp_side side;
	char netns[NSP_NETNS_MAX + 1];
	char ifname[IFNAMSIZ];
	char new_ifname[IFNAMSIZ];
	struct nsp_mac mac;
	uint32_t addr;
	uint8_t prefix;
	uint32_t gateway;
	bool enable;
	size_t binding;
	uint32_t old_prog_id;
	enum nsp_xdp_mode old_mode;
	int32_t pid; /* WORKER_RELOAD: the process that reloads on SIGHUP */
};

struct nsp_conflict {
	enum nsp_kind kind;
	size_t instance;
	char object[NSP_TEXT_MAX];
	char reason[160];
};

/* A problem that stops the plan for an instance and is not a conflict (exit 1). */
struct nsp_problem {
	size_t instance;
	enum nsp_path_cause cause; /* what it does to the probe path */
	char reason[160];
};

struct nsp_plan {
	struct nsp_change *changes;
	size_t n_changes;
	struct nsp_conflict *conflicts;
	size_t n_conflicts;
	struct nsp_problem *problems;
	size_t n_problems;
};

struct nsp_summary {
	size_t create, update, delete;
};

/*
 * The plan that makes the kernel match cfg (apply, plan), or that removes
 * what cfg's instances own (destroy, plan --destroy). Both only plan: apply.c
 * executes. obs has cfg->n_instances entries. The orphans found (NULL, or
 * not swept: none) are deleted after the instances' changes: those of cfg's
 * scope, or with orphans->all (destroy --all) every one, and then destroy
 * also takes what any nsping mark claims at the file's names. 0 or -ENOMEM.
 */
int nsp_plan_build(const struct nsp_config *cfg, const struct nsp_obs_instance *obs,
		   const struct nsp_obs_orphans *orphans, struct nsp_plan *ret_plan);
int nsp_plan_build_destroy(const struct nsp_config *cfg, const struct nsp_obs_instance *obs,
			   const struct nsp_obs_orphans *orphans, struct nsp_plan *ret_plan);
void nsp_plan_free(struct nsp_plan *plan);
bool nsp_plan_empty(const struct nsp_plan *plan);
struct nsp_summary nsp_plan_summary(const struct nsp_plan *plan);

const char *nsp_op_name(enum nsp_op op);
const char *nsp_kind_name(enum nsp_kind kind);

#endif
