/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The observed state: what the kernel holds for one instance, as plain values.
 * observe.c fills it from netlink, ethtool and bpf queries; plan.c reads it.
 */
#ifndef NSPING_OBSERVED_H
#define NSPING_OBSERVED_H

#include <stdbool.h>
#include <stdint.h>

#include "desired.h"

#define NSP_MAX_OBS_ADDRS  16
#define NSP_MAX_OBS_ROUTES 16
#define NSP_MAX_OBS_NEIGHS 32
#define NSP_ALIAS_MAX	   64

/* Who a mark or a program's rodata names: an instance of a scope (owner.h). */
struct nsp_owner {
	char scope[NSP_NAME_MAX + 1];
	char instance[NSP_NAME_MAX + 1];
};

struct nsp_obs_link {
	bool present;
	int ifindex;
	char name[IFNAMSIZ];
	char alias[NSP_ALIAS_MAX];
	struct nsp_mac mac;
	bool up;
	bool running; /* IFF_RUNNING: up with a carrier */
	bool is_veth;
	int peer_ifindex;	  /* IFLA_LINK: the other end of a veth */
	bool has_link_netnsid;	  /* IFLA_LINK_NETNSID: that end is in another netns, */
	int link_netnsid;	  /* ... this one's id for it */
	uint32_t xdp_prog_id;	  /* IFLA_XDP: the XDP program attached, 0 for none */
	bool xdp_generic;	  /* ... attached in generic (skb) mode */
	bool promote_secondaries; /* IPv4: deleting a primary address promotes the next */
};

struct nsp_obs_addr {
	uint32_t addr; /* network order */
	uint8_t prefix;
	bool secondary; /* IFA_F_SECONDARY: another address of its subnet is the primary */
};

struct nsp_obs_route {
	uint32_t dst; /* network order */
	uint8_t dst_len;
	uint32_t gateway;
	int oif;
	uint8_t protocol;
};

struct nsp_obs_neigh {
	uint32_t dst;
	struct nsp_mac lladdr;
	bool has_lladdr;
	bool permanent;
};

/* The read-only data an nsping program is loaded with: its identity and inputs. */
struct nsp_prog_params {
	char instance[16];
	uint32_t uplink_ifindex;
	uint32_t veth_ifindex;
	uint64_t build_id;
	uint16_t port;
	uint32_t addr; /* network order */
	struct nsp_mac uplink_mac;
	uint16_t sport_min; /* the worker's source ports, host order */
	uint16_t sport_max;
	uint32_t peer_ifindex; /* tc objects only: the netns-side veth, in its netns */
	char scope[16];	       /* the owner's scope; an older build's reads "default" */
	uint64_t host_netns;   /* the host netns's inode it was loaded for; 0: unknown */
};

/* What is attached to an interface (XDP) or sits in our tc slot, and whether it is ours. */
struct nsp_obs_prog {
	bool present;
	uint32_t id;		/* 0: a tc classifier other than bpf holds our priority */
	char name[16];		/* the program's, or that classifier's kind */
	enum nsp_xdp_mode mode; /* XDP only, effective: native or generic */
	bool nsping; /* one of our programs' names, with our rodata: params name its owner */
	bool ours;   /* ... and that owner is this instance */
	struct nsp_prog_params params; /* read back from its rodata, when nsping */
	uint64_t build_id;	       /* of the program this binary would load (when present) */
};

/*
 * Our program where the file binds none: a binding removed from the file
 * leaves it in its place (tx_ping on veth.host, rx_ping on the uplink).
 */
struct nsp_obs_unbound {
	enum nsp_program program;
	enum nsp_attach attach;
	char ifname[IFNAMSIZ];
	struct nsp_obs_prog prog;
};

/* Two programs, each at either attach point. */
#define NSP_MAX_UNBOUND 4

struct nsp_obs_instance {
	/* host side */
	struct nsp_obs_link uplink;
	bool uplink_has_address;
	uint32_t uplink_address;
	uint8_t uplink_prefix;
	struct nsp_obs_link host;	/* the link named veth.host */
	struct nsp_obs_link host_owned; /* our veth under another name (a rename) */

	/* the isolated netns */
	bool netns_present;
	bool netns_owned;		/* its lo carries our mark */
	char netns_mark[NSP_ALIAS_MAX]; /* its lo's ifalias, whoever's */
	/*
	 * Read only when lo carries another owner's mark: the netns has an id
	 * for the host netns (a veth pair joined them), so it was made for this
	 * host, not for another netns that shares /run/netns.
	 */
	bool netns_of_host;
	bool netns_stale;		/* no netns, only its empty mount point is left */
	bool netns_placeholder;		/* no netns, and a file there that is not ours */
	struct nsp_obs_link peer;	/* the other end of host (or host_owned) */
	struct nsp_obs_link peer_named; /* whatever is named veth.peer in the netns */
	struct nsp_obs_addr addrs[NSP_MAX_OBS_ADDRS]; /* IPv4 on peer */
	size_t n_addrs;
	struct nsp_obs_route routes[NSP_MAX_OBS_ROUTES]; /* main table, not proto kernel */
	size_t n_routes;
	struct nsp_obs_neigh neighs[NSP_MAX_OBS_NEIGHS]; /* on peer */
	size_t n_neighs;
	bool offload_known;
	bool gro;
	bool tx_checksum;

	/* datapath, per binding of the instance */
	struct nsp_obs_prog progs[NSP_MAX_BINDINGS];
	/* the same binding's other attach point: ours there is left over from a switch */
	struct nsp_obs_prog other_attach[NSP_MAX_BINDINGS];
	/* ours, of a program the file has no binding for */
	struct nsp_obs_unbound unbound[NSP_MAX_UNBOUND];
	size_t n_unbound;

	/* the instance's running ping worker (ping, run), from its state file */
	bool worker_running;
	char worker_ping[200]; /* the settings it probes with (nsp_ping_text()) */
	int32_t worker_reloader;
};

/*
 * What nsping owns on the host and no instance of the file observed: the
 * orphans that apply prunes (sweep.c, docs/DESIGN.md "Finding orphans").
 */
struct nsp_obs_orphan_netns {
	char name[NSP_NETNS_MAX + 1]; /* under /run/netns; "": unnamed, a process holds it */
	struct nsp_owner owner;	      /* its lo's mark */
	/* the host end of its veth pair, when that carries a mark of ours */
	struct nsp_obs_link host_veth;
	struct nsp_owner host_veth_owner;
};

/* A program of ours attached in the host netns where no instance looked. */
struct nsp_obs_orphan_prog {
	struct nsp_owner owner; /* from its rodata */
	enum nsp_program program;
	enum nsp_attach attach;
	char ifname[IFNAMSIZ]; /* the link it is attached to */
	struct nsp_obs_prog prog;
};

/* A host veth of ours that is no instance's, found through an orphan program. */
struct nsp_obs_orphan_link {
	struct nsp_owner owner;
	struct nsp_obs_link link;
};

struct nsp_obs_orphans {
	bool swept; /* false: nobody looked (--no-prune, or destroy without --all) */
	bool all;   /* every scope's (destroy --all), not only the file's */
	struct nsp_obs_orphan_netns *netns;
	size_t n_netns;
	struct nsp_obs_orphan_prog *progs;
	size_t n_progs;
	struct nsp_obs_orphan_link *links;
	size_t n_links;
};

/*
 * What the plan-time checks (lint.h) read beyond the plan's own observation:
 * gathered once by plan and apply (nsp_observe_facts(), kernel.h), never by
 * run's repairs.
 */

/* NETDEV_XDP_ACT_* of the netdev generic-netlink family (include/uapi/linux/netdev.h). */
#define NSP_XDP_ACT_BASIC    (1ULL << 0) /* the driver runs XDP natively at all */
#define NSP_XDP_ACT_REDIRECT (1ULL << 1) /* ... and its programs may redirect */
#define NSP_XDP_ACT_NDO_XMIT (1ULL << 2) /* a target of native redirects (ndo_xdp_xmit) */

struct nsp_obs_xdp_features {
	bool known; /* false: no such link, a failed read, or a kernel before 6.3 */
	uint64_t flags;
};

struct nsp_port_range {
	uint16_t min, max;
};

#define NSP_MAX_PORT_RANGES 64

/* The host netns's ephemeral ports: what its kernel picks for a connect() without bind(). */
struct nsp_obs_ports {
	bool known;
	struct nsp_port_range local; /* net.ipv4.ip_local_port_range */
	/* net.ipv4.ip_local_reserved_ports: never picked (the first NSP_MAX_PORT_RANGES) */
	struct nsp_port_range reserved[NSP_MAX_PORT_RANGES];
	size_t n_reserved;
};

struct nsp_obs_instance_facts {
	/* the uplink's IPv4 addresses, read when the file gives an address of its own */
	bool uplink_addrs_known;
	uint32_t uplink_addrs[NSP_MAX_OBS_ADDRS]; /* network order */
	size_t n_uplink_addrs;
	/*
	 * The uplink's, read for an instance with an XDP binding. veth.host
	 * needs no read: nsping makes it, and a veth runs XDP natively.
	 */
	struct nsp_obs_xdp_features uplink_xdp;
};

struct nsp_obs_facts {
	struct nsp_obs_ports host_ports;
	bool no_netdev_family; /* the kernel has no netdev family: XDP features unknown */
	struct nsp_obs_instance_facts *instances; /* one per instance of the file */
	size_t n_instances;
};

#endif
