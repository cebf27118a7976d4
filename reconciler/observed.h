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
};

/* What is attached to an interface (XDP) or sits in our tc slot, and whether it is ours. */
struct nsp_obs_prog {
	bool present;
	uint32_t id;		/* 0: a tc classifier other than bpf holds our priority */
	char name[16];		/* the program's, or that classifier's kind */
	enum nsp_xdp_mode mode; /* XDP only, effective: native or generic */
	bool ours;		/* our program's name and this instance's name in its rodata */
	struct nsp_prog_params params; /* read back from its rodata, when ours */
	uint64_t build_id;	       /* of the program this binary would load (when present) */
};

/*
 * Our program where the file binds none: a binding removed from the file
 * leaves it in its place (tx_ping on veth.host, rx_ping on the uplink).
 */
struct nsp_obs_orphan {
	enum nsp_program program;
	enum nsp_attach attach;
	char ifname[IFNAMSIZ];
	struct nsp_obs_prog prog;
};

/* Two programs, each at either attach point. */
#define NSP_MAX_ORPHANS 4

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
	struct nsp_obs_orphan orphans[NSP_MAX_ORPHANS];
	size_t n_orphans;

	/* the instance's running ping worker (ping, run), from its state file */
	bool worker_running;
	char worker_ping[200]; /* the settings it probes with (nsp_ping_text()) */
	int32_t worker_reloader;
};

#endif
