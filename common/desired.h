/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The desired state, as read from the configuration file. Plain values only:
 * no libconfig, libnl or libbpf type appears here, so the planner and its
 * tests can build one by hand.
 */
#ifndef NSPING_DESIRED_H
#define NSPING_DESIRED_H

#include <limits.h>
#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NSP_NAME_MAX	  15
#define NSP_NETNS_MAX	  64
#define NSP_MAX_INSTANCES 64
#define NSP_MAX_BINDINGS  2 /* one per program: tx_ping, rx_ping */
#define NSP_MAX_TARGETS	  65536
/* The scope of a file that names none: what every nsping before scopes marked. */
#define NSP_DEFAULT_SCOPE "default"
/* What nsping's marks (ifalias) begin with (reconciler/owner.c). */
#define NSP_MARK_PREFIX "nsping:"
/*
 * The veth pair that run keeps down in each netns to hold its XDP programs
 * (reconciler/xdphold.h): names a veth.peer may not take.
 */
#define NSP_HOLD_TX "nsping-hold-tx"
#define NSP_HOLD_RX "nsping-hold-rx"

enum nsp_program { NSP_PROG_TX_PING, NSP_PROG_RX_PING };
enum nsp_xdp_mode { NSP_MODE_AUTO, NSP_MODE_NATIVE, NSP_MODE_GENERIC };
enum nsp_attach { NSP_ATTACH_XDP, NSP_ATTACH_TC };

struct nsp_mac {
	uint8_t b[6];
};

struct nsp_binding {
	enum nsp_program program;
	char interface[IFNAMSIZ];
	enum nsp_xdp_mode mode;
	enum nsp_attach attach;
	int line; /* of the entry, its program and its interface key */
	int program_line;
	int interface_line;
	int mode_line; /* of its mode key, else of the entry (lint.h's warnings name it) */
};

struct nsp_ping {
	uint16_t port;
	uint32_t magic;
	uint32_t interval_ms;
	uint32_t timeout_ms;
	uint32_t *targets; /* IPv4, network order */
	size_t n_targets;
	uint32_t down_after;
	uint32_t up_after;
	uint16_t sport_min; /* the probes' source ports: the worker's own range */
	uint16_t sport_max;
};

struct nsp_instance {
	char name[NSP_NAME_MAX + 1];
	char netns[NSP_NETNS_MAX + 1];
	char uplink[IFNAMSIZ];
	char veth_host[IFNAMSIZ];
	char veth_peer[IFNAMSIZ];
	bool mac_inherit;
	struct nsp_mac mac;
	bool address_inherit;
	uint32_t address; /* network order */
	uint8_t prefix;
	uint32_t gateway_ip; /* network order */
	struct nsp_mac gateway_mac;
	bool gro;
	bool tx_checksum;
	struct nsp_binding bindings[NSP_MAX_BINDINGS];
	size_t n_bindings;
	struct nsp_ping ping;
	int line;
	/*
	 * Where the keys that the plan-time checks (reconciler/lint.h) name are:
	 * the key's own line, else its group's (a default), else the instance's.
	 */
	int mac_line;
	int address_line;
	int gateway_ip_line;
	int gro_line;
	int tx_checksum_line;
	int sport_line; /* ping.sport_min's */
};

struct nsp_config {
	char path[PATH_MAX];
	uint64_t text_hash; /* of the file's text: two versions of a file differ */
	int version;
	/*
	 * The objects this file manages: apply prunes what it owns in its scope
	 * and no longer describes, and leaves other scopes alone.
	 */
	char scope[NSP_NAME_MAX + 1];
	struct nsp_instance *instances;
	size_t n_instances;
};

#endif
