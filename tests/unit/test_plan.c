// SPDX-License-Identifier: GPL-2.0-only
/*
 * The planner, table-driven over hand-built observed states: each case starts
 * from a converged instance, breaks one thing, and names the exact changes
 * (or conflicts) the plan must contain, in order.
 */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "config.h"
#include "owner.h"
#include "plan.h"

#define HOST_IF 7
#define PEER_IF 2

static const struct nsp_mac uplink_mac = {{0x02, 0, 0, 0, 0, 0x10}};
static const struct nsp_mac gw_mac = {{0x02, 0, 0, 0, 0, 0x01}};
static const struct nsp_mac other_mac = {{0x02, 0, 0, 0, 0, 0x99}};

static uint32_t ip(const char *s)
{
	return inet_addr(s);
}

static void want_init(struct nsp_instance *w, const char *name)
{
	memset(w, 0, sizeof(*w));
	snprintf(w->name, sizeof(w->name), "%s", name);
	snprintf(w->netns, sizeof(w->netns), "ns-%s", name);
	strcpy(w->uplink, "eth0");
	snprintf(w->veth_host, sizeof(w->veth_host), "%sh", name);
	snprintf(w->veth_peer, sizeof(w->veth_peer), "%sn", name);
	w->mac_inherit = true;
	w->address = ip("10.99.0.2");
	w->prefix = 24;
	w->gateway_ip = ip("10.99.0.1");
	w->gateway_mac = gw_mac;
	w->gro = true;
	w->tx_checksum = false;
	w->ping.port = 10086;
	w->ping.sport_min = 61000;
	w->ping.sport_max = 65535;
}

static struct nsp_obs_link link_(const char *name, int ifindex, int peer, const char *alias)
{
	struct nsp_obs_link l = {.present = true,
				 .ifindex = ifindex,
				 .up = true,
				 .is_veth = true,
				 .peer_ifindex = peer,
				 .mac = uplink_mac};

	snprintf(l.name, sizeof(l.name), "%s", name);
	snprintf(l.alias, sizeof(l.alias), "%s", alias);
	return l;
}

/* What the kernel holds after a successful apply of w. */
static void obs_converged(struct nsp_obs_instance *o, const struct nsp_instance *w)
{
	char mark[NSP_ALIAS_MAX];

	nsp_mark(NSP_DEFAULT_SCOPE, w->name, mark);
	memset(o, 0, sizeof(*o));
	o->uplink = link_("eth0", 2, 0, "");
	o->uplink.is_veth = false;
	o->uplink_has_address = true;
	o->uplink_address = ip("192.0.2.10");
	o->uplink_prefix = 24;
	o->host = link_(w->veth_host, HOST_IF, PEER_IF, mark);
	o->netns_present = o->netns_owned = true;
	o->peer = link_(w->veth_peer, PEER_IF, HOST_IF, mark);
	o->addrs[o->n_addrs++] = (struct nsp_obs_addr){w->address, w->prefix, false};
	o->routes[o->n_routes++] = (struct nsp_obs_route){
		.gateway = w->gateway_ip, .oif = PEER_IF, .protocol = NSP_RTPROT};
	o->neighs[o->n_neighs++] = (struct nsp_obs_neigh){
		.dst = w->gateway_ip, .lladdr = gw_mac, .has_lladdr = true, .permanent = true};
	o->offload_known = true;
	o->gro = true;
	o->tx_checksum = false;
}

static void obs_empty(struct nsp_obs_instance *o)
{
	struct nsp_obs_instance e = {0};

	e.uplink = link_("eth0", 2, 0, "");
	e.uplink.is_veth = false;
	*o = e;
}

struct expect {
	enum nsp_op op;
	enum nsp_kind kind;
	enum nsp_action action;
};

#define MAX_EXPECT 10 /* changes a case may expect */

struct plan_case {
	const char *name;
	void (*setup)(struct nsp_instance *w, struct nsp_obs_instance *o);
	struct expect changes[MAX_EXPECT];
	size_t n_changes;
	size_t n_conflicts;
	size_t n_problems;
};

static void s_converged(struct nsp_instance *w, struct nsp_obs_instance *o)
{
	(void)w;
	(void)o;
}

static void s_empty_host(struct nsp_instance *w, struct nsp_obs_instance *o)
{
	(void)w;
	obs_empty(o);
}

static void s_neigh_deleted(struct nsp_instance *w, struct nsp_obs_instance *o)
{
	(void)w;
	o->n_neighs = 0;
}

static void s_neigh_wrong_mac(struct nsp_instance *w, struct nsp_obs_instance *o)
{
	(void)w;
	o->neighs[0].lladdr = other_mac;
}

static void s_neigh_not_permanent(struct nsp_instance *w, struct nsp_obs_instance *o)
{
	(void)w;
	o->neighs[0].permanent = false;
}

static void s_neigh_extra(struct nsp_instance *w, struct nsp_obs_instance *o)
{
	(void)w;
	o->neighs[o->n_neighs++] = (struct nsp_obs_neigh){
		.dst = ip("10.99.0.7"), .lladdr = other_mac, .has_lladdr = true, .permanent = true};
	/* a neighbor the kernel resolved itself is left alone */
	o->neighs[o->n_neighs++] = (struct nsp_obs_neigh){
		.dst = ip("10.99.0.8"), .lladdr = other_mac, .has_lladdr = true};
}

static void s_peer_mac(struct nsp_instance *w, struct nsp_obs_instance *o)
{
	(void)w;
	o->peer.mac = other_mac;
}

static void s_config_mac(struct nsp_instance *w, struct nsp_obs_instance *o)
{
	(void)o;
	w->mac_inherit = false;
	w->mac = other_mac;
}

static void s_peer_down(struct nsp_instance *w, struct nsp_obs_instance *o)
{
	(void)w;
	o->peer.up = false;
}

static void s_host_down(struct nsp_instance *w, struct nsp_obs_instance *o)
{
	(void)w;
	o->host.up = false;
}

static void s_addr_deleted(struct nsp_instance *w, struct nsp_obs_instance *o)
{
	(void)w;
	o->n_addrs = 0;
}

static void s_addr_extra(struct nsp_instance *w, struct nsp_obs_instance *o)
{
	(void)w;
	o->addrs[o->n_addrs++] = (struct nsp_obs_addr){ip("10.1.1.1"), 24, false};
}

/* Added after ours, so its secondary: deleting it takes nothing along. */
static void s_addr_extra_in_subnet(struct nsp_instance *w, struct nsp_obs_instance *o)
{
	(void)w;
	o->addrs[o->n_addrs++] = (struct nsp_obs_addr){ip("10.99.0.9"), 24, true};
}

/* Added before ours (ours went and came back): ours is its secondary. */
static void s_addr_extra_primary(struct nsp_instance *w, struct nsp_obs_instance *o)
{
	o->addrs[0].secondary = true;
	o->addrs[o->n_addrs++] = (struct nsp_obs_addr){ip("10.99.0.9"), 24, false};
	(void)w;
}

static void s_addr_prefix(struct nsp_instance *w, struct nsp_obs_instance *o)
{
	(void)w;
	o->addrs[0].prefix = 16;
}

/* The file's address moves within the subnet: 10.99.0.2 -> 10.99.0.3. */
static void s_addr_moved(struct nsp_instance *w, struct nsp_obs_instance *o)
{
	(void)o;
	w->address = ip("10.99.0.3");
}

/* ... on a peer that promotes secondaries already (nsping set it before). */
static void s_addr_moved_promoting(struct nsp_instance *w, struct nsp_obs_instance *o)
{
	s_addr_moved(w, o);
	o->peer.promote_secondaries = true;
}

/* Another subnet and its gateway: 10.99.0.2/24 via .1 -> 10.98.0.2/24 via 10.98.0.1. */
static void s_addr_other_subnet(struct nsp_instance *w, struct nsp_obs_instance *o)
{
	(void)o;
	w->address = ip("10.98.0.2");
	w->gateway_ip = ip("10.98.0.1");
}

/* A worker runs with the file's settings: nothing to do. */
static void s_worker_current(struct nsp_instance *w, struct nsp_obs_instance *o)
{
	o->worker_running = true;
	nsp_ping_text(w, o->worker_ping);
}

/* A worker runs with an older interval: apply has it reload. */
static void s_worker_other_interval(struct nsp_instance *w, struct nsp_obs_instance *o)
{
	struct nsp_instance before = *w;

	before.ping.interval_ms = 1000;
	w->ping.interval_ms = 500;
	o->worker_running = true;
	o->worker_reloader = 4242;
	nsp_ping_text(&before, o->worker_ping);
}

static void s_route_deleted(struct nsp_instance *w, struct nsp_obs_instance *o)
{
	(void)w;
	o->n_routes = 0;
}

static void s_route_other_gw(struct nsp_instance *w, struct nsp_obs_instance *o)
{
	(void)w;
	o->routes[0].gateway = ip("10.99.0.254");
}

static void s_route_foreign_proto(struct nsp_instance *w, struct nsp_obs_instance *o)
{
	(void)w;
	o->routes[0].protocol = 3; /* boot: added by hand with ip route */
}

static void s_route_extra(struct nsp_instance *w, struct nsp_obs_instance *o)
{
	(void)w;
	o->routes[o->n_routes++] = (struct nsp_obs_route){.dst = ip("172.16.0.0"),
							  .dst_len = 12,
							  .gateway = ip("10.99.0.1"),
							  .oif = PEER_IF,
							  .protocol = 3};
}

static void s_gro_off(struct nsp_instance *w, struct nsp_obs_instance *o)
{
	(void)w;
	o->gro = false;
}

static void s_txcsum_on(struct nsp_instance *w, struct nsp_obs_instance *o)
{
	(void)w;
	o->tx_checksum = true;
}

static void s_host_mark_lost(struct nsp_instance *w, struct nsp_obs_instance *o)
{
	(void)w;
	o->host.alias[0] = '\0';
	o->peer.alias[0] = '\0';
}

static void s_host_foreign(struct nsp_instance *w, struct nsp_obs_instance *o)
{
	obs_empty(o);
	o->host = link_(w->veth_host, HOST_IF, 0, "");
	o->host.is_veth = false;
}

static void s_host_foreign_veth_netns_missing(struct nsp_instance *w, struct nsp_obs_instance *o)
{
	obs_empty(o);
	o->host = link_(w->veth_host, HOST_IF, 40, "someone-else");
}

static void s_netns_foreign(struct nsp_instance *w, struct nsp_obs_instance *o)
{
	(void)w;
	obs_empty(o);
	o->netns_present = true;
}

static void s_renamed_host(struct nsp_instance *w, struct nsp_obs_instance *o)
{
	o->host_owned = o->host;
	memset(&o->host, 0, sizeof(o->host));
	strcpy(w->veth_host, "renamedh");
}

static void s_renamed_peer(struct nsp_instance *w, struct nsp_obs_instance *o)
{
	(void)o;
	strcpy(w->veth_peer, "renamedn");
}

static void s_peer_gone(struct nsp_instance *w, struct nsp_obs_instance *o)
{
	(void)w;
	memset(&o->peer, 0, sizeof(o->peer));
	o->n_addrs = o->n_routes = o->n_neighs = 0;
	o->offload_known = false;
}

static void s_netns_gone(struct nsp_instance *w, struct nsp_obs_instance *o)
{
	(void)w;
	o->netns_present = o->netns_owned = false;
	memset(&o->peer, 0, sizeof(o->peer));
	o->n_addrs = o->n_routes = o->n_neighs = 0;
	o->offload_known = false;
}

static void s_uplink_missing(struct nsp_instance *w, struct nsp_obs_instance *o)
{
	(void)w;
	memset(&o->uplink, 0, sizeof(o->uplink));
}

static void s_inherit_address(struct nsp_instance *w, struct nsp_obs_instance *o)
{
	(void)o;
	w->address_inherit = true; /* uplink has 192.0.2.10/24, the peer 10.99.0.2/24 */
}

static void s_inherit_no_address(struct nsp_instance *w, struct nsp_obs_instance *o)
{
	w->address_inherit = true;
	o->uplink_has_address = false;
}

static void s_xdp_new(struct nsp_instance *w, struct nsp_obs_instance *o)
{
	(void)o;
	w->bindings[0] = (struct nsp_binding){.program = NSP_PROG_RX_PING, .interface = "eth0"};
	w->n_bindings = 1;
}

/* Our program, loaded by this build with this instance's inputs. */
static void s_xdp_current(struct nsp_instance *w, struct nsp_obs_instance *o)
{
	s_xdp_new(w, o);
	o->progs[0] = (struct nsp_obs_prog){
		.present = true,
		.id = 10,
		.mode = NSP_MODE_NATIVE,
		.nsping = true,
		.ours = true,
		.build_id = 42,
		.params = {.instance = "gwping",
			   .scope = NSP_DEFAULT_SCOPE,
			   .uplink_ifindex = 2,
			   .veth_ifindex = HOST_IF,
			   .build_id = 42,
			   .port = 10086,
			   .addr = w->address,
			   .uplink_mac = uplink_mac,
			   .sport_min = 61000,
			   .sport_max = 65535},
	};
}

static void s_xdp_stale(struct nsp_instance *w, struct nsp_obs_instance *o)
{
	s_xdp_current(w, o);
	o->progs[0].build_id = 43; /* this binary would load another object */
}

static void s_xdp_stale_ifindex(struct nsp_instance *w, struct nsp_obs_instance *o)
{
	s_xdp_current(w, o);
	o->progs[0].params.veth_ifindex = HOST_IF + 1; /* the veth was recreated */
}

static void s_xdp_sport_range_changed(struct nsp_instance *w, struct nsp_obs_instance *o)
{
	s_xdp_current(w, o);
	w->ping.sport_min = 50000; /* the loaded rx_ping would pass the new ports' replies */
}

static void s_xdp_other_mode(struct nsp_instance *w, struct nsp_obs_instance *o)
{
	s_xdp_current(w, o);
	w->bindings[0].mode = NSP_MODE_GENERIC;
}

static void s_xdp_veth_rebuilt(struct nsp_instance *w, struct nsp_obs_instance *o)
{
	s_xdp_current(w, o);
	s_peer_gone(w, o);
}

static void s_xdp_other_instance(struct nsp_instance *w, struct nsp_obs_instance *o)
{
	s_xdp_current(w, o);
	o->progs[0].ours = false; /* rx_ping of another instance: not ours to replace */
	strcpy(o->progs[0].name, "rx_ping");
}

static void s_xdp_foreign(struct nsp_instance *w, struct nsp_obs_instance *o)
{
	s_xdp_current(w, o);
	o->progs[0].ours = false;
	o->n_neighs = 0; /* drift elsewhere is not repaired while blocked */
}

static void s_tc_new(struct nsp_instance *w, struct nsp_obs_instance *o)
{
	s_xdp_new(w, o);
	w->bindings[0].attach = NSP_ATTACH_TC;
}

/* Our filter in our slot, loaded by this build with this instance's inputs. */
static void s_tc_current(struct nsp_instance *w, struct nsp_obs_instance *o)
{
	s_xdp_current(w, o);
	w->bindings[0].attach = NSP_ATTACH_TC;
	o->progs[0].mode = NSP_MODE_AUTO; /* tc has none */
	o->progs[0].params.peer_ifindex = PEER_IF;
}

static void s_tc_mode_ignored(struct nsp_instance *w, struct nsp_obs_instance *o)
{
	s_tc_current(w, o);
	w->bindings[0].mode = NSP_MODE_GENERIC;
}

static void s_tc_stale(struct nsp_instance *w, struct nsp_obs_instance *o)
{
	s_tc_current(w, o);
	o->progs[0].build_id = 43;
}

static void s_tc_stale_peer(struct nsp_instance *w, struct nsp_obs_instance *o)
{
	s_tc_current(w, o);
	o->progs[0].params.peer_ifindex = PEER_IF + 1; /* built for another pair */
}

static void s_tc_foreign(struct nsp_instance *w, struct nsp_obs_instance *o)
{
	s_tc_current(w, o);
	o->progs[0].ours = false;
	strcpy(o->progs[0].name, "xdp_pass");
}

/* Another classifier (not bpf, or another protocol) holds our priority. */
static void s_tc_blocked(struct nsp_instance *w, struct nsp_obs_instance *o)
{
	s_tc_new(w, o);
	o->progs[0] = (struct nsp_obs_prog){.present = true, .name = "u32", .build_id = 42};
}

/* attach was "xdp" until now: our XDP program is still on the uplink. */
static void s_switched_to_tc(struct nsp_instance *w, struct nsp_obs_instance *o)
{
	s_xdp_current(w, o);
	o->other_attach[0] = o->progs[0];
	memset(&o->progs[0], 0, sizeof(o->progs[0]));
	w->bindings[0].attach = NSP_ATTACH_TC;
}

/* A switch stopped between the attach and the detach. */
static void s_switched_half_done(struct nsp_instance *w, struct nsp_obs_instance *o)
{
	s_tc_current(w, o);
	o->other_attach[0] = (struct nsp_obs_prog){.present = true, .id = 9, .ours = true};
}

/* A gateway's own XDP program beside our tc filter: not ours, not in the way. */
static void s_tc_beside_foreign_xdp(struct nsp_instance *w, struct nsp_obs_instance *o)
{
	s_tc_current(w, o);
	o->other_attach[0] = (struct nsp_obs_prog){.present = true, .id = 9, .name = "gw_xdp"};
}

/* A binding removed from the file: our program is still where it was put. */
static void add_unbound(struct nsp_obs_instance *o, enum nsp_program program,
			enum nsp_attach attach, const char *ifname, uint32_t id)
{
	struct nsp_obs_unbound *x = &o->unbound[o->n_unbound++];

	*x = (struct nsp_obs_unbound){.program = program, .attach = attach};
	strcpy(x->ifname, ifname);
	x->prog = (struct nsp_obs_prog){.present = true, .id = id, .ours = true};
}

static void s_unbound_rx_xdp(struct nsp_instance *w, struct nsp_obs_instance *o)
{
	(void)w;
	add_unbound(o, NSP_PROG_RX_PING, NSP_ATTACH_XDP, "eth0", 12);
}

static void s_unbound_both_tc(struct nsp_instance *w, struct nsp_obs_instance *o)
{
	add_unbound(o, NSP_PROG_TX_PING, NSP_ATTACH_TC, w->veth_host, 13);
	add_unbound(o, NSP_PROG_RX_PING, NSP_ATTACH_TC, "eth0", 14);
}

/* tx_ping unbound on a veth that is rebuilt: the program goes with the old veth. */
static void s_unbound_tx_veth_rebuilt(struct nsp_instance *w, struct nsp_obs_instance *o)
{
	s_peer_gone(w, o);
	add_unbound(o, NSP_PROG_TX_PING, NSP_ATTACH_XDP, w->veth_host, 15);
}

/* tx_ping unbound on our veth under an old name: detached after the rename. */
static void s_unbound_tx_renamed(struct nsp_instance *w, struct nsp_obs_instance *o)
{
	add_unbound(o, NSP_PROG_TX_PING, NSP_ATTACH_XDP, w->veth_host, 17);
	s_renamed_host(w, o);
}

#define C(op, kind, act)                                                                           \
	{                                                                                          \
		NSP_OP_##op, NSP_KIND_##kind, NSP_ACT_##act                                        \
	}

static const struct plan_case cases[] = {
	{"converged", s_converged, {}, 0, 0, 0},
	{"empty host",
	 s_empty_host,
	 {C(CREATE, NETNS, NETNS_CREATE), C(CREATE, LINK, VETH_CREATE),
	  C(CREATE, ADDRESS, ADDR_ADD), C(CREATE, ROUTE, ROUTE_REPLACE),
	  C(CREATE, NEIGHBOR, NEIGH_REPLACE), C(UPDATE, OFFLOAD, GRO),
	  C(UPDATE, OFFLOAD, TX_CHECKSUM)},
	 7,
	 0,
	 0},
	{"neighbor deleted", s_neigh_deleted, {C(CREATE, NEIGHBOR, NEIGH_REPLACE)}, 1, 0, 0},
	{"neighbor wrong mac", s_neigh_wrong_mac, {C(UPDATE, NEIGHBOR, NEIGH_REPLACE)}, 1, 0, 0},
	{"neighbor not permanent",
	 s_neigh_not_permanent,
	 {C(UPDATE, NEIGHBOR, NEIGH_REPLACE)},
	 1,
	 0,
	 0},
	{"extra permanent neighbor", s_neigh_extra, {C(DELETE, NEIGHBOR, NEIGH_DEL)}, 1, 0, 0},
	{"peer mac drifted",
	 s_peer_mac,
	 {C(UPDATE, LINK, LINK_MAC), C(CREATE, NEIGHBOR, NEIGH_REPLACE)},
	 2,
	 0,
	 0},
	/* the kernel flushes a device's neighbors when its address changes */
	{"mac changed in config",
	 s_config_mac,
	 {C(UPDATE, LINK, LINK_MAC), C(CREATE, NEIGHBOR, NEIGH_REPLACE)},
	 2,
	 0,
	 0},
	{"peer down", s_peer_down, {C(UPDATE, LINK, LINK_UP)}, 1, 0, 0},
	{"host veth down", s_host_down, {C(UPDATE, LINK, LINK_UP)}, 1, 0, 0},
	{"address deleted", s_addr_deleted, {C(CREATE, ADDRESS, ADDR_ADD)}, 1, 0, 0},
	/*
	 * Make before break: a stale address goes last, once the new one (and
	 * the route and neighbor through it) are in; the peer promotes
	 * secondaries first, or deleting a primary would take the new one along.
	 */
	{"extra address", s_addr_extra, {C(DELETE, ADDRESS, ADDR_DEL)}, 1, 0, 0},
	{"extra address in the subnet",
	 s_addr_extra_in_subnet,
	 {C(DELETE, ADDRESS, ADDR_DEL)},
	 1,
	 0,
	 0},
	{"extra primary address in the subnet",
	 s_addr_extra_primary,
	 {C(UPDATE, LINK, LINK_PROMOTE_SECONDARIES), C(DELETE, ADDRESS, ADDR_DEL)},
	 2,
	 0,
	 0},
	/* another mask is another primary to the kernel: nothing to promote */
	{"address prefix changed",
	 s_addr_prefix,
	 {C(CREATE, ADDRESS, ADDR_ADD), C(DELETE, ADDRESS, ADDR_DEL)},
	 2,
	 0,
	 0},
	{"address moved in the subnet",
	 s_addr_moved,
	 {C(UPDATE, LINK, LINK_PROMOTE_SECONDARIES), C(CREATE, ADDRESS, ADDR_ADD),
	  C(DELETE, ADDRESS, ADDR_DEL)},
	 3,
	 0,
	 0},
	{"address moved, secondaries promoted already",
	 s_addr_moved_promoting,
	 {C(CREATE, ADDRESS, ADDR_ADD), C(DELETE, ADDRESS, ADDR_DEL)},
	 2,
	 0,
	 0},
	{"address and gateway in another subnet",
	 s_addr_other_subnet,
	 {C(CREATE, ADDRESS, ADDR_ADD), C(UPDATE, ROUTE, ROUTE_REPLACE),
	  C(CREATE, NEIGHBOR, NEIGH_REPLACE), C(DELETE, NEIGHBOR, NEIGH_DEL),
	  C(DELETE, ADDRESS, ADDR_DEL)},
	 5,
	 0,
	 0},
	{"worker with the file's settings", s_worker_current, {}, 0, 0, 0},
	{"worker with another interval",
	 s_worker_other_interval,
	 {C(UPDATE, PING, WORKER_RELOAD)},
	 1,
	 0,
	 0},
	{"route deleted", s_route_deleted, {C(CREATE, ROUTE, ROUTE_REPLACE)}, 1, 0, 0},
	{"route other gateway", s_route_other_gw, {C(UPDATE, ROUTE, ROUTE_REPLACE)}, 1, 0, 0},
	{"route not ours", s_route_foreign_proto, {C(UPDATE, ROUTE, ROUTE_REPLACE)}, 1, 0, 0},
	{"extra route", s_route_extra, {C(DELETE, ROUTE, ROUTE_DEL)}, 1, 0, 0},
	{"gro off", s_gro_off, {C(UPDATE, OFFLOAD, GRO)}, 1, 0, 0},
	{"tx checksum on", s_txcsum_on, {C(UPDATE, OFFLOAD, TX_CHECKSUM)}, 1, 0, 0},
	{"marks lost, pair still ours",
	 s_host_mark_lost,
	 {C(UPDATE, LINK, LINK_MARK), C(UPDATE, LINK, LINK_MARK)},
	 2,
	 0,
	 0},
	{"foreign link with the host veth's name", s_host_foreign, {}, 0, 1, 0},
	{"foreign veth, our netns absent", s_host_foreign_veth_netns_missing, {}, 0, 1, 0},
	{"foreign netns", s_netns_foreign, {}, 0, 1, 0},
	{"host veth renamed in config", s_renamed_host, {C(UPDATE, LINK, LINK_RENAME)}, 1, 0, 0},
	/* renamed while down: the kernel drops the peer's routes and neighbors */
	{"peer renamed in config",
	 s_renamed_peer,
	 {C(UPDATE, LINK, LINK_RENAME), C(CREATE, ROUTE, ROUTE_REPLACE),
	  C(CREATE, NEIGHBOR, NEIGH_REPLACE)},
	 3,
	 0,
	 0},
	{"peer gone from the netns",
	 s_peer_gone,
	 {C(DELETE, LINK, LINK_DELETE), C(CREATE, LINK, VETH_CREATE), C(CREATE, ADDRESS, ADDR_ADD),
	  C(CREATE, ROUTE, ROUTE_REPLACE), C(CREATE, NEIGHBOR, NEIGH_REPLACE),
	  C(UPDATE, OFFLOAD, GRO), C(UPDATE, OFFLOAD, TX_CHECKSUM)},
	 7,
	 0,
	 0},
	{"netns deleted under us",
	 s_netns_gone,
	 {C(CREATE, NETNS, NETNS_CREATE), C(DELETE, LINK, LINK_DELETE),
	  C(CREATE, LINK, VETH_CREATE), C(CREATE, ADDRESS, ADDR_ADD),
	  C(CREATE, ROUTE, ROUTE_REPLACE), C(CREATE, NEIGHBOR, NEIGH_REPLACE),
	  C(UPDATE, OFFLOAD, GRO), C(UPDATE, OFFLOAD, TX_CHECKSUM)},
	 8,
	 0,
	 0},
	{"uplink missing", s_uplink_missing, {}, 0, 0, 1},
	{"address inherit",
	 s_inherit_address,
	 {C(CREATE, ADDRESS, ADDR_ADD), C(DELETE, ADDRESS, ADDR_DEL)},
	 2,
	 0,
	 0},
	{"address inherit, uplink has none", s_inherit_no_address, {}, 0, 0, 1},
	{"xdp binding new", s_xdp_new, {C(CREATE, XDP, PROG_ATTACH)}, 1, 0, 0},
	{"xdp binding current", s_xdp_current, {}, 0, 0, 0},
	{"xdp binding stale", s_xdp_stale, {C(UPDATE, XDP, PROG_ATTACH)}, 1, 0, 0},
	{"xdp stale ifindex", s_xdp_stale_ifindex, {C(UPDATE, XDP, PROG_ATTACH)}, 1, 0, 0},
	{"xdp sport range changed",
	 s_xdp_sport_range_changed,
	 {C(UPDATE, XDP, PROG_ATTACH)},
	 1,
	 0,
	 0},
	{"xdp other mode", s_xdp_other_mode, {C(UPDATE, XDP, PROG_ATTACH)}, 1, 0, 0},
	{"xdp after veth rebuilt",
	 s_xdp_veth_rebuilt,
	 {C(DELETE, LINK, LINK_DELETE), C(CREATE, LINK, VETH_CREATE), C(CREATE, ADDRESS, ADDR_ADD),
	  C(CREATE, ROUTE, ROUTE_REPLACE), C(CREATE, NEIGHBOR, NEIGH_REPLACE),
	  C(UPDATE, OFFLOAD, GRO), C(UPDATE, OFFLOAD, TX_CHECKSUM), C(UPDATE, XDP, PROG_ATTACH)},
	 8,
	 0,
	 0},
	{"xdp program of another instance", s_xdp_other_instance, {}, 0, 1, 0},
	{"xdp foreign program", s_xdp_foreign, {}, 0, 1, 0},
	{"tc binding new", s_tc_new, {C(CREATE, TC, PROG_ATTACH)}, 1, 0, 0},
	{"tc binding current", s_tc_current, {}, 0, 0, 0},
	{"tc has no mode", s_tc_mode_ignored, {}, 0, 0, 0},
	{"tc binding stale", s_tc_stale, {C(UPDATE, TC, PROG_ATTACH)}, 1, 0, 0},
	{"tc built for another peer", s_tc_stale_peer, {C(UPDATE, TC, PROG_ATTACH)}, 1, 0, 0},
	{"tc foreign program in our slot", s_tc_foreign, {}, 0, 1, 0},
	{"tc priority held by another classifier", s_tc_blocked, {}, 0, 1, 0},
	{"attach switched from xdp to tc",
	 s_switched_to_tc,
	 {C(CREATE, TC, PROG_ATTACH), C(DELETE, XDP, PROG_DETACH)},
	 2,
	 0,
	 0},
	{"switch half done", s_switched_half_done, {C(DELETE, XDP, PROG_DETACH)}, 1, 0, 0},
	{"tc beside a foreign xdp program", s_tc_beside_foreign_xdp, {}, 0, 0, 0},
	{"binding removed, xdp left", s_unbound_rx_xdp, {C(DELETE, XDP, PROG_DETACH)}, 1, 0, 0},
	{"bindings removed, tc left",
	 s_unbound_both_tc,
	 {C(DELETE, TC, PROG_DETACH), C(DELETE, TC, PROG_DETACH)},
	 2,
	 0,
	 0},
	{"binding removed, its veth renamed",
	 s_unbound_tx_renamed,
	 {C(UPDATE, LINK, LINK_RENAME), C(DELETE, XDP, PROG_DETACH)},
	 2,
	 0,
	 0},
	{"binding removed, its veth rebuilt",
	 s_unbound_tx_veth_rebuilt,
	 {C(DELETE, LINK, LINK_DELETE), C(CREATE, LINK, VETH_CREATE), C(CREATE, ADDRESS, ADDR_ADD),
	  C(CREATE, ROUTE, ROUTE_REPLACE), C(CREATE, NEIGHBOR, NEIGH_REPLACE),
	  C(UPDATE, OFFLOAD, GRO), C(UPDATE, OFFLOAD, TX_CHECKSUM)},
	 7,
	 0,
	 0},
};

static void run_case(const struct plan_case *tc)
{
	struct nsp_instance w;
	struct nsp_obs_instance o;
	struct nsp_config cfg = {.scope = NSP_DEFAULT_SCOPE, .instances = &w, .n_instances = 1};
	struct nsp_plan plan;
	char why[256];

	want_init(&w, "gwping");
	obs_converged(&o, &w);
	tc->setup(&w, &o);
	assert_int_equal(nsp_plan_build(&cfg, &o, NULL, &plan), 0);
	snprintf(why, sizeof(why), "case \"%s\": %zu changes, %zu conflicts, %zu problems",
		 tc->name, plan.n_changes, plan.n_conflicts, plan.n_problems);
	if (plan.n_changes != tc->n_changes || plan.n_conflicts != tc->n_conflicts ||
	    plan.n_problems != tc->n_problems)
		fail_msg("%s; expected %zu/%zu/%zu", why, tc->n_changes, tc->n_conflicts,
			 tc->n_problems);
	for (size_t i = 0; i < tc->n_changes; i++) {
		const struct nsp_change *c = &plan.changes[i];
		const struct expect *e = &tc->changes[i];

		if (c->op != e->op || c->kind != e->kind || c->action != e->action)
			fail_msg("case \"%s\": change %zu is %s %s (action %d), expected %s %s "
				 "(action %d)",
				 tc->name, i, nsp_op_name(c->op), nsp_kind_name(c->kind), c->action,
				 nsp_op_name(e->op), nsp_kind_name(e->kind), e->action);
		assert_int_equal(c->instance, 0);
	}
	nsp_plan_free(&plan);
}

static void test_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		run_case(&cases[i]);
}

/*
 * Ownership beyond one instance: orphans (what the sweep found and no
 * instance explains), scopes, renamed instances. Each case starts from the
 * converged instance gwping of scope "default" and a sweep that found
 * nothing; a change's owner is gwping unless the case names another.
 */
struct expect_owned {
	enum nsp_op op;
	enum nsp_kind kind;
	enum nsp_action action;
	const char *owner; /* [scope/]instance; NULL: gwping */
	const char *object;
	bool in_file; /* a change of the file's instance gwping (else an orphan's) */
};

struct prune_case {
	const char *name;
	void (*setup)(struct nsp_instance *w, struct nsp_obs_instance *o,
		      struct nsp_obs_orphans *x);
	bool destroy;
	struct expect_owned changes[MAX_EXPECT];
	size_t n_changes;
	const char *conflict; /* the one conflict's reason; NULL: none */
};

#define D(kind, act, owner, object)                                                                \
	{                                                                                          \
		NSP_OP_DELETE, NSP_KIND_##kind, NSP_ACT_##act, owner, object, owner == NULL        \
	}
#define U(kind, act, object)                                                                       \
	{                                                                                          \
		NSP_OP_UPDATE, NSP_KIND_##kind, NSP_ACT_##act, NULL, object, true                  \
	}

static struct nsp_obs_orphans orphans_store;
static struct nsp_obs_orphan_netns orphan_netns[4];
static struct nsp_obs_orphan_prog orphan_progs[4];
static struct nsp_obs_orphan_link orphan_links[4];

static struct nsp_owner owner(const char *scope, const char *instance)
{
	struct nsp_owner o;

	snprintf(o.scope, sizeof(o.scope), "%s", scope);
	snprintf(o.instance, sizeof(o.instance), "%s", instance);
	return o;
}

/* A program of ours of owner (scope, instance), as observe and the sweep read it. */
static struct nsp_obs_prog prog_of(uint32_t id, const char *name, const char *scope,
				   const char *instance)
{
	struct nsp_obs_prog p = {
		.present = true, .id = id, .nsping = true, .mode = NSP_MODE_NATIVE};

	snprintf(p.name, sizeof(p.name), "%s", name);
	snprintf(p.params.scope, sizeof(p.params.scope), "%s", scope);
	snprintf(p.params.instance, sizeof(p.params.instance), "%s", instance);
	return p;
}

static void add_orphan_netns(struct nsp_obs_orphans *x, const char *name, const char *instance,
			     const char *veth, int ifindex)
{
	struct nsp_obs_orphan_netns *n = &x->netns[x->n_netns++];

	memset(n, 0, sizeof(*n));
	snprintf(n->name, sizeof(n->name), "%s", name);
	n->owner = owner(NSP_DEFAULT_SCOPE, instance);
	if (veth) {
		n->host_veth = link_("", ifindex, 2, "");
		snprintf(n->host_veth.name, sizeof(n->host_veth.name), "%s", veth);
		n->host_veth_owner = n->owner;
	}
}

static void add_orphan_prog(struct nsp_obs_orphans *x, enum nsp_program program,
			    enum nsp_attach attach, const char *ifname, uint32_t id,
			    const char *instance)
{
	struct nsp_obs_orphan_prog *p = &x->progs[x->n_progs++];

	*p = (struct nsp_obs_orphan_prog){
		.owner = owner(NSP_DEFAULT_SCOPE, instance), .program = program, .attach = attach};
	snprintf(p->ifname, sizeof(p->ifname), "%s", ifname);
	p->prog = prog_of(id, program == NSP_PROG_TX_PING ? "tx_ping" : "rx_ping",
			  NSP_DEFAULT_SCOPE, instance);
}

/* Instance gwold, removed from the file: its netns, its veth and two programs. */
static void p_removed_instance(struct nsp_instance *w, struct nsp_obs_instance *o,
			       struct nsp_obs_orphans *x)
{
	(void)w, (void)o;
	add_orphan_prog(x, NSP_PROG_TX_PING, NSP_ATTACH_XDP, "gwoldh", 30, "gwold");
	add_orphan_prog(x, NSP_PROG_RX_PING, NSP_ATTACH_TC, "eth0", 31, "gwold");
	add_orphan_netns(x, "ns-gwold", "gwold", "gwoldh", 20);
}

static void p_no_prune(struct nsp_instance *w, struct nsp_obs_instance *o,
		       struct nsp_obs_orphans *x)
{
	p_removed_instance(w, o, x);
	x->swept = false; /* --no-prune: nobody looked */
}

/* Its netns gone with a process still holding it: the veth is all that is left. */
static void p_orphan_veth(struct nsp_instance *w, struct nsp_obs_instance *o,
			  struct nsp_obs_orphans *x)
{
	(void)w, (void)o;
	x->links[x->n_links] = (struct nsp_obs_orphan_link){
		.owner = owner(NSP_DEFAULT_SCOPE, "gwold"), .link = link_("gwoldh", 20, 5, "")};
	x->n_links++;
}

/* A netns of gwold's without a veth to the host any more, and two of another owner. */
static void p_two_orphans(struct nsp_instance *w, struct nsp_obs_instance *o,
			  struct nsp_obs_orphans *x)
{
	(void)w, (void)o;
	add_orphan_netns(x, "ns-gwold", "gwold", NULL, 0);
	add_orphan_netns(x, "ns-gwold2", "gwold2", "gwold2h", 21);
	/* the same link again, through the remembered veths: it goes once */
	x->links[x->n_links] = (struct nsp_obs_orphan_link){
		.owner = owner(NSP_DEFAULT_SCOPE, "gwold2"), .link = link_("gwold2h", 21, 5, "")};
	x->n_links++;
}

/* uplink changed from eth9 to eth0: gwping's rx_ping is still on eth9. */
static void p_uplink_changed(struct nsp_instance *w, struct nsp_obs_instance *o,
			     struct nsp_obs_orphans *x)
{
	(void)w, (void)o;
	add_orphan_prog(x, NSP_PROG_RX_PING, NSP_ATTACH_XDP, "eth9", 40, "gwping");
}

/* netns renamed ns-gwping -> ns-new: the old netns holds the peer of our veth. */
static void p_netns_renamed(struct nsp_instance *w, struct nsp_obs_instance *o,
			    struct nsp_obs_orphans *x)
{
	strcpy(w->netns, "ns-new");
	add_orphan_netns(x, "ns-gwping", "gwping", "gwpingh", HOST_IF);
	o->netns_present = o->netns_owned = false;
	memset(&o->peer, 0, sizeof(o->peer));
	o->n_addrs = o->n_routes = o->n_neighs = 0;
	o->offload_known = false;
}

/* gwold renamed gwping, every name the same: everything carries gwold's mark. */
static void p_renamed_instance(struct nsp_instance *w, struct nsp_obs_instance *o,
			       struct nsp_obs_orphans *x)
{
	(void)x;
	w->bindings[0] = (struct nsp_binding){.program = NSP_PROG_TX_PING, .interface = "gwpingh"};
	w->bindings[1] = (struct nsp_binding){.program = NSP_PROG_RX_PING, .interface = "eth0"};
	w->n_bindings = 2;
	strcpy(o->netns_mark, "nsping:gwold");
	o->netns_owned = false;
	o->netns_of_host = true;
	strcpy(o->host.alias, "nsping:gwold");
	strcpy(o->peer.alias, "nsping:gwold");
	o->progs[0] = prog_of(10, "tx_ping", NSP_DEFAULT_SCOPE, "gwold");
	o->progs[1] = prog_of(11, "rx_ping", NSP_DEFAULT_SCOPE, "gwold");
}

static void p_renamed_other_host(struct nsp_instance *w, struct nsp_obs_instance *o,
				 struct nsp_obs_orphans *x)
{
	p_renamed_instance(w, o, x);
	o->netns_of_host = false; /* made for another netns that shares /run/netns */
}

static void p_netns_other_scope(struct nsp_instance *w, struct nsp_obs_instance *o,
				struct nsp_obs_orphans *x)
{
	(void)w, (void)x;
	strcpy(o->netns_mark, "nsping:blue/gwping");
	o->netns_owned = false;
	o->netns_of_host = true;
}

static void p_netns_foreign_mark(struct nsp_instance *w, struct nsp_obs_instance *o,
				 struct nsp_obs_orphans *x)
{
	(void)w, (void)x;
	strcpy(o->netns_mark, "nsping:Not a mark");
	o->netns_owned = false;
}

static void p_veth_other_scope(struct nsp_instance *w, struct nsp_obs_instance *o,
			       struct nsp_obs_orphans *x)
{
	(void)x;
	s_netns_gone(w, o);
	strcpy(o->host.alias, "nsping:blue/gwping");
}

/* A veth of gwold's under our name, its netns elsewhere: rebuilt as ours. */
static void p_veth_of_orphan(struct nsp_instance *w, struct nsp_obs_instance *o,
			     struct nsp_obs_orphans *x)
{
	(void)x;
	s_netns_gone(w, o);
	strcpy(o->host.alias, "nsping:gwold");
}

static void p_xdp_other_scope(struct nsp_instance *w, struct nsp_obs_instance *o,
			      struct nsp_obs_orphans *x)
{
	(void)x;
	s_xdp_current(w, o);
	o->progs[0] = prog_of(10, "rx_ping", "blue", "gwping");
}

static void p_xdp_of_orphan(struct nsp_instance *w, struct nsp_obs_instance *o,
			    struct nsp_obs_orphans *x)
{
	(void)x;
	s_xdp_current(w, o);
	o->progs[0] = prog_of(10, "rx_ping", NSP_DEFAULT_SCOPE, "gwold");
}

/* Bound with tc now; at XDP on the uplink, an orphan's program and another scope's. */
static void p_other_attach_orphan(struct nsp_instance *w, struct nsp_obs_instance *o,
				  struct nsp_obs_orphans *x)
{
	(void)x;
	s_tc_current(w, o);
	o->other_attach[0] = prog_of(9, "rx_ping", NSP_DEFAULT_SCOPE, "gwold");
}

static void p_other_attach_other_scope(struct nsp_instance *w, struct nsp_obs_instance *o,
				       struct nsp_obs_orphans *x)
{
	(void)x;
	s_tc_current(w, o);
	o->other_attach[0] = prog_of(9, "rx_ping", "blue", "gwold");
}

/* destroy --all: at the file's names, another scope's; elsewhere, an orphan of scope blue. */
static void p_destroy_all(struct nsp_instance *w, struct nsp_obs_instance *o,
			  struct nsp_obs_orphans *x)
{
	p_xdp_other_scope(w, o, x);
	strcpy(o->netns_mark, "nsping:blue/gwping");
	o->netns_owned = false;
	o->netns_of_host = true;
	strcpy(o->host.alias, "nsping:blue/gwping");
	strcpy(o->peer.alias, "nsping:blue/gwping");
	x->all = true;
	add_orphan_netns(x, "ns-b", "b", "bh", 22);
	x->netns[0].owner = x->netns[0].host_veth_owner = owner("blue", "b");
}

/* destroy without --all: another scope's objects at the file's names stay. */
static void p_destroy_other_scope(struct nsp_instance *w, struct nsp_obs_instance *o,
				  struct nsp_obs_orphans *x)
{
	p_destroy_all(w, o, x);
	x->swept = x->all = false;
}

static const struct prune_case prune_cases[] = {
	{"instance removed: its programs, veth and netns go",
	 p_removed_instance,
	 false,
	 {D(XDP, PROG_DETACH, "gwold", "tx_ping on gwoldh"),
	  D(TC, PROG_DETACH, "gwold", "rx_ping on eth0"), D(LINK, LINK_DELETE, "gwold", "gwoldh"),
	  D(NETNS, NETNS_DELETE, "gwold", "ns-gwold")},
	 4,
	 NULL},
	{"--no-prune keeps the orphans", p_no_prune, false, {}, 0, NULL},
	{"a veth whose netns is gone",
	 p_orphan_veth,
	 false,
	 {D(LINK, LINK_DELETE, "gwold", "gwoldh")},
	 1,
	 NULL},
	{"two owners, one link found twice",
	 p_two_orphans,
	 false,
	 {D(NETNS, NETNS_DELETE, "gwold", "ns-gwold"), D(LINK, LINK_DELETE, "gwold2", "gwold2h"),
	  D(NETNS, NETNS_DELETE, "gwold2", "ns-gwold2")},
	 3,
	 NULL},
	{"uplink changed: the old uplink's rx_ping goes",
	 p_uplink_changed,
	 false,
	 {D(XDP, PROG_DETACH, NULL, "rx_ping on eth9")}, /* gwping's own: under gwping */
	 1,
	 NULL},
	{"netns renamed: the new one is made, then the old one goes",
	 p_netns_renamed,
	 false,
	 {{NSP_OP_CREATE, NSP_KIND_NETNS, NSP_ACT_NETNS_CREATE, NULL, "ns-new", true},
	  D(LINK, LINK_DELETE, NULL, "gwpingh"),
	  {NSP_OP_CREATE, NSP_KIND_LINK, NSP_ACT_VETH_CREATE, NULL, "gwpingh", true},
	  {NSP_OP_CREATE, NSP_KIND_ADDRESS, NSP_ACT_ADDR_ADD, NULL, NULL, true},
	  {NSP_OP_CREATE, NSP_KIND_ROUTE, NSP_ACT_ROUTE_REPLACE, NULL, NULL, true},
	  {NSP_OP_CREATE, NSP_KIND_NEIGHBOR, NSP_ACT_NEIGH_REPLACE, NULL, NULL, true},
	  U(OFFLOAD, GRO, NULL),
	  U(OFFLOAD, TX_CHECKSUM, NULL),
	  D(NETNS, NETNS_DELETE, NULL, "ns-gwping")},
	 9,
	 NULL},
	{"instance renamed, names kept: re-marked in place, programs replaced",
	 p_renamed_instance,
	 false,
	 {U(NETNS, NETNS_MARK, "ns-gwping"), U(LINK, LINK_MARK, "gwpingh"),
	  U(LINK, LINK_MARK, "gwpingn"), U(XDP, PROG_ATTACH, "tx_ping on gwpingh"),
	  U(XDP, PROG_ATTACH, "rx_ping on eth0")},
	 5,
	 NULL},
	{"renamed, but the netns is another host's",
	 p_renamed_other_host,
	 false,
	 {},
	 0,
	 "netns ns-gwping is marked by nsping instance gwold of scope default but is not linked "
	 "to this host netns"},
	{"netns of another scope",
	 p_netns_other_scope,
	 false,
	 {},
	 0,
	 "netns ns-gwping exists and is owned by nsping instance gwping of scope blue"},
	{"netns with a malformed mark",
	 p_netns_foreign_mark,
	 false,
	 {},
	 0,
	 "netns ns-gwping exists and is not owned by nsping"},
	{"veth of another scope",
	 p_veth_other_scope,
	 false,
	 {},
	 0,
	 "link gwpingh exists in the host netns and is owned by nsping instance gwping of scope "
	 "blue"},
	{"veth of an orphan under our name: rebuilt",
	 p_veth_of_orphan,
	 false,
	 {{NSP_OP_CREATE, NSP_KIND_NETNS, NSP_ACT_NETNS_CREATE, NULL, "ns-gwping", true},
	  D(LINK, LINK_DELETE, NULL, "gwpingh"),
	  {NSP_OP_CREATE, NSP_KIND_LINK, NSP_ACT_VETH_CREATE, NULL, "gwpingh", true},
	  {NSP_OP_CREATE, NSP_KIND_ADDRESS, NSP_ACT_ADDR_ADD, NULL, NULL, true},
	  {NSP_OP_CREATE, NSP_KIND_ROUTE, NSP_ACT_ROUTE_REPLACE, NULL, NULL, true},
	  {NSP_OP_CREATE, NSP_KIND_NEIGHBOR, NSP_ACT_NEIGH_REPLACE, NULL, NULL, true},
	  U(OFFLOAD, GRO, NULL),
	  U(OFFLOAD, TX_CHECKSUM, NULL)},
	 8,
	 NULL},
	{"xdp program of another scope",
	 p_xdp_other_scope,
	 false,
	 {},
	 0,
	 "program id 10 \"rx_ping\" (native) of nsping instance gwping of scope blue is attached "
	 "to eth0"},
	{"xdp program of an orphan: replaced",
	 p_xdp_of_orphan,
	 false,
	 {U(XDP, PROG_ATTACH, "rx_ping on eth0")},
	 1,
	 NULL},
	{"an orphan's program at the other attach point goes",
	 p_other_attach_orphan,
	 false,
	 {D(XDP, PROG_DETACH, "gwold", "rx_ping on eth0")},
	 1,
	 NULL},
	{"another scope's program at the other attach point stays",
	 p_other_attach_other_scope,
	 false,
	 {},
	 0,
	 NULL},
	{"destroy --all: every scope's",
	 p_destroy_all,
	 true,
	 {{NSP_OP_DELETE, NSP_KIND_XDP, NSP_ACT_PROG_DETACH, "blue/gwping", "rx_ping on eth0",
	   true},
	  D(LINK, LINK_DELETE, NULL, "gwpingh"),
	  D(NETNS, NETNS_DELETE, NULL, "ns-gwping"),
	  D(LINK, LINK_DELETE, "blue/b", "bh"),
	  D(NETNS, NETNS_DELETE, "blue/b", "ns-b")},
	 5,
	 NULL},
	{"destroy: another scope's stays", p_destroy_other_scope, true, {}, 0, NULL},
};

static void run_prune_case(const struct prune_case *tc)
{
	struct nsp_instance w;
	struct nsp_obs_instance o;
	struct nsp_config cfg = {.scope = NSP_DEFAULT_SCOPE, .instances = &w, .n_instances = 1};
	struct nsp_obs_orphans *x = &orphans_store;
	struct nsp_plan plan;

	want_init(&w, "gwping");
	obs_converged(&o, &w);
	strcpy(o.netns_mark, "nsping:gwping");
	*x = (struct nsp_obs_orphans){
		.swept = true, .netns = orphan_netns, .progs = orphan_progs, .links = orphan_links};
	tc->setup(&w, &o, x);
	if (tc->destroy)
		assert_int_equal(nsp_plan_build_destroy(&cfg, &o, x, &plan), 0);
	else
		assert_int_equal(nsp_plan_build(&cfg, &o, x, &plan), 0);
	if (plan.n_changes != tc->n_changes || plan.n_conflicts != (tc->conflict ? 1 : 0))
		fail_msg("case \"%s\": %zu changes, %zu conflicts (%s); expected %zu, %d", tc->name,
			 plan.n_changes, plan.n_conflicts,
			 plan.n_conflicts ? plan.conflicts[0].reason : "", tc->n_changes,
			 tc->conflict ? 1 : 0);
	if (tc->conflict && strcmp(plan.conflicts[0].reason, tc->conflict))
		fail_msg("case \"%s\": conflict \"%s\", expected \"%s\"", tc->name,
			 plan.conflicts[0].reason, tc->conflict);
	for (size_t i = 0; i < tc->n_changes; i++) {
		const struct nsp_change *c = &plan.changes[i];
		const struct expect_owned *e = &tc->changes[i];
		const char *who = e->owner ? e->owner : "gwping";
		char owner_name[40];

		snprintf(owner_name, sizeof(owner_name), "%s%s%s",
			 strcmp(c->owner.scope, NSP_DEFAULT_SCOPE) ? c->owner.scope : "",
			 strcmp(c->owner.scope, NSP_DEFAULT_SCOPE) ? "/" : "", c->owner.instance);
		if (c->op != e->op || c->kind != e->kind || c->action != e->action ||
		    strcmp(owner_name, who) || c->instance != (e->in_file ? 0 : NSP_NO_INSTANCE) ||
		    (e->object && strcmp(c->object, e->object)))
			fail_msg("case \"%s\": change %zu is %s %s \"%s\" (action %d) of %s/%s, "
				 "instance %zu; expected %s %s \"%s\" (action %d) of %s",
				 tc->name, i, nsp_op_name(c->op), nsp_kind_name(c->kind), c->object,
				 c->action, c->owner.scope, c->owner.instance, c->instance,
				 nsp_op_name(e->op), nsp_kind_name(e->kind),
				 e->object ? e->object : "", e->action, who);
	}
	nsp_plan_free(&plan);
}

static void test_prune_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(prune_cases) / sizeof(prune_cases[0]); i++)
		run_prune_case(&prune_cases[i]);
}

/* What an orphan's change carries for apply: no instance of the file is there to ask. */
static void test_orphan_changes_carry_their_objects(void **state)
{
	struct nsp_instance w;
	struct nsp_obs_instance o;
	struct nsp_config cfg = {.scope = NSP_DEFAULT_SCOPE, .instances = &w, .n_instances = 1};
	struct nsp_obs_orphans x = {
		.swept = true, .netns = orphan_netns, .progs = orphan_progs, .links = orphan_links};
	struct nsp_plan plan;

	(void)state;
	want_init(&w, "gwping");
	obs_converged(&o, &w);
	p_removed_instance(&w, &o, &x);
	assert_int_equal(nsp_plan_build(&cfg, &o, &x, &plan), 0);
	assert_int_equal(plan.n_changes, 4);
	assert_int_equal(plan.changes[0].old_prog_id, 30);
	assert_string_equal(plan.changes[0].ifname, "gwoldh");
	assert_int_equal(plan.changes[1].old_prog_id, 31);
	/* tc: the filter is in gwold's slot, not gwping's */
	assert_string_equal(plan.changes[1].owner.instance, "gwold");
	assert_string_equal(plan.changes[2].ifname, "gwoldh");
	assert_int_equal(plan.changes[2].side, NSP_SIDE_HOST);
	assert_string_equal(plan.changes[3].netns, "ns-gwold");
	nsp_plan_free(&plan);
}

/*
 * An XDP program of another instance of the file on our binding's interface
 * is that instance's: a conflict, whatever the other instance now binds.
 */
static void test_xdp_of_another_instance_of_the_file(void **state)
{
	struct nsp_instance w[2];
	struct nsp_obs_instance o[2];
	struct nsp_config cfg = {.scope = NSP_DEFAULT_SCOPE, .instances = w, .n_instances = 2};
	struct nsp_plan plan;

	(void)state;
	want_init(&w[0], "a");
	want_init(&w[1], "b");
	obs_converged(&o[0], &w[0]);
	obs_converged(&o[1], &w[1]);
	s_xdp_current(&w[0], &o[0]);
	strcpy(o[0].progs[0].params.instance, "a");
	o[0].progs[0] = prog_of(10, "rx_ping", NSP_DEFAULT_SCOPE, "b");
	assert_int_equal(nsp_plan_build(&cfg, o, NULL, &plan), 0);
	assert_int_equal(plan.n_conflicts, 1);
	assert_int_equal(plan.conflicts[0].instance, 0);
	assert_string_equal(plan.conflicts[0].reason,
			    "program id 10 \"rx_ping\" (native) of nsping instance b of scope "
			    "default is attached to eth0: two instances may not bind xdp to the "
			    "same interface");
	nsp_plan_free(&plan);
}

/* Two files, two scopes: a file's instance is built with its scope's marks and slot. */
static void test_scope_marks(void **state)
{
	struct nsp_instance w;
	struct nsp_obs_instance o;
	struct nsp_config cfg = {.scope = "blue", .instances = &w, .n_instances = 1};
	struct nsp_plan plan;

	(void)state;
	want_init(&w, "gwping");
	obs_empty(&o);
	w.bindings[0] = (struct nsp_binding){
		.program = NSP_PROG_RX_PING, .interface = "eth0", .attach = NSP_ATTACH_TC};
	w.n_bindings = 1;
	assert_int_equal(nsp_plan_build(&cfg, &o, NULL, &plan), 0);
	for (size_t i = 0; i < plan.n_changes; i++)
		assert_string_equal(plan.changes[i].owner.scope, "blue");
	assert_string_equal(plan.changes[plan.n_changes - 1].to,
			    "rx_ping ingress handle 0x4e539041 prio 20051");
	nsp_plan_free(&plan);

	/* converged under blue's marks; default's gwping would be another instance */
	obs_converged(&o, &w);
	strcpy(o.host.alias, "nsping:blue/gwping");
	strcpy(o.peer.alias, "nsping:blue/gwping");
	w.n_bindings = 0;
	assert_int_equal(nsp_plan_build(&cfg, &o, NULL, &plan), 0);
	assert_int_equal(plan.n_changes, 0);
	nsp_plan_free(&plan);
}

/* The marks: the default scope keeps the form nsping has always written. */
static void test_marks(void **state)
{
	static const struct {
		const char *alias;
		const char *scope; /* NULL: not a mark */
		const char *instance;
	} cases[] = {
		{"nsping:gwping", NSP_DEFAULT_SCOPE, "gwping"},
		{"nsping:blue/gwping", "blue", "gwping"},
		{"nsping:default/gwping", NSP_DEFAULT_SCOPE, "gwping"},
		{"nsping:a-b_0/c-d_1", "a-b_0", "c-d_1"},
		{"nsping:", NULL, NULL},
		{"nsping:/gwping", NULL, NULL},
		{"nsping:blue/", NULL, NULL},
		{"nsping:blue/gw/x", NULL, NULL},
		{"nsping:Gwping", NULL, NULL},
		{"nsping:gw ping", NULL, NULL},
		{"nsping:0123456789abcdef", NULL, NULL},
		{"nsping:0123456789abcdef/gw", NULL, NULL},
		{"xnsping:gwping", NULL, NULL},
		{"", NULL, NULL},
	};
	char mark[NSP_ALIAS_MAX];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct nsp_owner o;
		bool ok = nsp_mark_parse(cases[i].alias, &o);

		if (ok != (cases[i].scope != NULL))
			fail_msg("\"%s\": parsed %s", cases[i].alias, ok ? "as a mark" : "as none");
		if (ok &&
		    (strcmp(o.scope, cases[i].scope) || strcmp(o.instance, cases[i].instance)))
			fail_msg("\"%s\": %s/%s", cases[i].alias, o.scope, o.instance);
	}
	nsp_mark(NSP_DEFAULT_SCOPE, "gwping", mark);
	assert_string_equal(mark, "nsping:gwping");
	nsp_mark("blue", "gwping", mark);
	assert_string_equal(mark, "nsping:blue/gwping");
	assert_true(nsp_is_marked("nsping:gwping", NSP_DEFAULT_SCOPE, "gwping"));
	assert_false(nsp_is_marked("nsping:gwping", "blue", "gwping"));
	assert_false(nsp_is_marked("nsping:blue/gwping", NSP_DEFAULT_SCOPE, "gwping"));
}

/* The detach of a program on a veth renamed in the same plan names the new name. */
static void test_unbound_on_renamed_veth(void **state)
{
	struct nsp_instance w;
	struct nsp_obs_instance o;
	struct nsp_config cfg = {.scope = NSP_DEFAULT_SCOPE, .instances = &w, .n_instances = 1};
	struct nsp_plan plan;

	(void)state;
	want_init(&w, "gwping");
	obs_converged(&o, &w);
	s_unbound_tx_renamed(&w, &o);
	assert_int_equal(nsp_plan_build(&cfg, &o, NULL, &plan), 0);
	assert_int_equal(plan.n_changes, 2);
	assert_string_equal(plan.changes[1].ifname, "renamedh");
	nsp_plan_free(&plan);
	/* destroy renames nothing: the detach names the link as it is */
	assert_int_equal(nsp_plan_build_destroy(&cfg, &o, NULL, &plan), 0);
	assert_int_equal(plan.changes[0].action, NSP_ACT_PROG_DETACH);
	assert_string_equal(plan.changes[0].ifname, "gwpingh");
	nsp_plan_free(&plan);
}

/* The inherited MAC is the uplink's; the created veth carries it. */
static void test_inherit_mac(void **state)
{
	struct nsp_instance w;
	struct nsp_obs_instance o;
	struct nsp_config cfg = {.scope = NSP_DEFAULT_SCOPE, .instances = &w, .n_instances = 1};
	struct nsp_plan plan;

	(void)state;
	want_init(&w, "gwping");
	obs_empty(&o);
	assert_int_equal(nsp_plan_build(&cfg, &o, NULL, &plan), 0);
	assert_int_equal(plan.changes[1].action, NSP_ACT_VETH_CREATE);
	assert_memory_equal(plan.changes[1].mac.b, uplink_mac.b, 6);
	assert_string_equal(plan.changes[1].ifname, "gwpingh");
	assert_string_equal(plan.changes[1].new_ifname, "gwpingn");
	nsp_plan_free(&plan);
}

/* Two instances: one converged, one new, one blocked; only the new one changes. */
static void test_several_instances(void **state)
{
	struct nsp_instance w[3];
	struct nsp_obs_instance o[3];
	struct nsp_config cfg = {.scope = NSP_DEFAULT_SCOPE, .instances = w, .n_instances = 3};
	struct nsp_plan plan;

	(void)state;
	want_init(&w[0], "a");
	want_init(&w[1], "b");
	want_init(&w[2], "c");
	obs_converged(&o[0], &w[0]);
	obs_empty(&o[1]);
	s_netns_foreign(&w[2], &o[2]);
	assert_int_equal(nsp_plan_build(&cfg, o, NULL, &plan), 0);
	assert_int_equal(plan.n_changes, 7);
	for (size_t i = 0; i < plan.n_changes; i++)
		assert_int_equal(plan.changes[i].instance, 1);
	assert_int_equal(plan.n_conflicts, 1);
	assert_int_equal(plan.conflicts[0].instance, 2);
	nsp_plan_free(&plan);
}

/* The plan of (cfg, o) changes nothing and has one conflict, for reason. */
static void assert_only_conflict(const struct nsp_config *cfg, const struct nsp_obs_instance *o,
				 const char *reason)
{
	struct nsp_plan plan;

	assert_int_equal(nsp_plan_build(cfg, o, NULL, &plan), 0);
	assert_int_equal(plan.n_changes, 0);
	assert_int_equal(plan.n_conflicts, 1);
	assert_string_equal(plan.conflicts[0].reason, reason);
	nsp_plan_free(&plan);
}

/*
 * The kernel finds a link by an altname too: a foreign link found under the
 * host veth's name but called otherwise is named in the conflict.
 */
static void test_foreign_link_conflict_names_it(void **state)
{
	struct nsp_instance w;
	struct nsp_obs_instance o;
	struct nsp_config cfg = {.scope = NSP_DEFAULT_SCOPE, .instances = &w, .n_instances = 1};

	(void)state;
	want_init(&w, "gwping");
	s_host_foreign(&w, &o);
	assert_only_conflict(&cfg, &o,
			     "link gwpingh exists in the host netns and is not owned by nsping");
	snprintf(o.host.name, sizeof(o.host.name), "eth0");
	assert_only_conflict(&cfg, &o,
			     "link gwpingh (an altname of eth0) exists in the host netns and is "
			     "not owned by nsping");
}

static void test_destroy(void **state)
{
	struct nsp_instance w;
	struct nsp_obs_instance o;
	struct nsp_config cfg = {.scope = NSP_DEFAULT_SCOPE, .instances = &w, .n_instances = 1};
	struct nsp_plan plan;

	(void)state;
	want_init(&w, "gwping");
	s_xdp_current(&w, &o);
	obs_converged(&o, &w);
	o.progs[0] = (struct nsp_obs_prog){.present = true, .id = 10, .ours = true};
	assert_int_equal(nsp_plan_build_destroy(&cfg, &o, NULL, &plan), 0);
	assert_int_equal(plan.n_changes, 3);
	assert_int_equal(plan.changes[0].action, NSP_ACT_PROG_DETACH);
	assert_int_equal(plan.changes[0].old_prog_id, 10);
	assert_int_equal(plan.changes[1].action, NSP_ACT_LINK_DELETE);
	assert_int_equal(plan.changes[2].action, NSP_ACT_NETNS_DELETE);
	nsp_plan_free(&plan);

	/* nothing of ours left: a second destroy is empty */
	obs_empty(&o);
	assert_int_equal(nsp_plan_build_destroy(&cfg, &o, NULL, &plan), 0);
	assert_true(nsp_plan_empty(&plan));
	nsp_plan_free(&plan);

	/* a destroy killed between umount and unlink left the empty mount point */
	obs_empty(&o);
	o.netns_stale = true;
	assert_int_equal(nsp_plan_build_destroy(&cfg, &o, NULL, &plan), 0);
	assert_int_equal(plan.n_changes, 1);
	assert_int_equal(plan.changes[0].action, NSP_ACT_NETNS_DELETE);
	assert_string_equal(plan.changes[0].from, "/run/netns/ns-gwping (empty)");
	nsp_plan_free(&plan);

	/* foreign objects with our names are never destroyed */
	s_host_foreign(&w, &o);
	o.netns_present = true;
	o.progs[0] = (struct nsp_obs_prog){.present = true, .id = 11};
	assert_int_equal(nsp_plan_build_destroy(&cfg, &o, NULL, &plan), 0);
	assert_true(nsp_plan_empty(&plan));
	nsp_plan_free(&plan);

	/* a tc filter of ours is detached, as a tc change */
	obs_converged(&o, &w);
	s_tc_current(&w, &o);
	assert_int_equal(nsp_plan_build_destroy(&cfg, &o, NULL, &plan), 0);
	assert_int_equal(plan.n_changes, 3);
	assert_int_equal(plan.changes[0].kind, NSP_KIND_TC);
	assert_int_equal(plan.changes[0].action, NSP_ACT_PROG_DETACH);
	assert_int_equal(plan.changes[0].old_prog_id, 10);
	nsp_plan_free(&plan);

	/* ours at both attach points (a switch stopped half way): both go */
	obs_converged(&o, &w);
	s_switched_half_done(&w, &o);
	assert_int_equal(nsp_plan_build_destroy(&cfg, &o, NULL, &plan), 0);
	assert_int_equal(plan.n_changes, 4);
	assert_int_equal(plan.changes[0].kind, NSP_KIND_TC);
	assert_int_equal(plan.changes[1].kind, NSP_KIND_XDP);
	assert_int_equal(plan.changes[1].action, NSP_ACT_PROG_DETACH);
	assert_int_equal(plan.changes[1].old_prog_id, 9);
	nsp_plan_free(&plan);

	/* ours where the file binds nothing any more goes first, then the links */
	obs_converged(&o, &w);
	w.n_bindings = 0;
	add_unbound(&o, NSP_PROG_RX_PING, NSP_ATTACH_XDP, "eth0", 16);
	assert_int_equal(nsp_plan_build_destroy(&cfg, &o, NULL, &plan), 0);
	assert_int_equal(plan.n_changes, 3);
	assert_int_equal(plan.changes[0].kind, NSP_KIND_XDP);
	assert_int_equal(plan.changes[0].action, NSP_ACT_PROG_DETACH);
	assert_int_equal(plan.changes[0].old_prog_id, 16);
	assert_string_equal(plan.changes[0].ifname, "eth0");
	assert_string_equal(plan.changes[0].object, "rx_ping on eth0");
	nsp_plan_free(&plan);

	/* a classifier holding our tc priority is not ours either */
	obs_converged(&o, &w);
	s_tc_blocked(&w, &o);
	assert_int_equal(nsp_plan_build_destroy(&cfg, &o, NULL, &plan), 0);
	assert_int_equal(plan.n_changes, 2);
	assert_int_equal(plan.changes[0].action, NSP_ACT_LINK_DELETE);
	nsp_plan_free(&plan);
}

/* One slot per instance, stable across runs, recognisably under our priority. */
/* The plan shows only the settings that differ, and whom apply signals. */
static void test_worker_settings_change(void **state)
{
	struct nsp_config cfg = {.scope = NSP_DEFAULT_SCOPE};
	struct nsp_instance w;
	struct nsp_obs_instance o;
	struct nsp_plan plan;

	(void)state;
	want_init(&w, "gw");
	obs_converged(&o, &w);
	s_worker_other_interval(&w, &o);
	cfg.instances = &w;
	cfg.n_instances = 1;
	assert_int_equal(nsp_plan_build(&cfg, &o, NULL, &plan), 0);
	assert_int_equal(plan.n_changes, 1);
	assert_string_equal(plan.changes[0].from, "interval_ms=1000");
	assert_string_equal(plan.changes[0].to, "interval_ms=500");
	assert_string_equal(plan.changes[0].attribute, "settings");
	assert_int_equal(plan.changes[0].pid, 4242);
	nsp_plan_free(&plan);
}

static void test_tc_handle(void **state)
{
	(void)state;
	/* the default scope's slots are where nsping put them before scopes */
	assert_int_equal(nsp_tc_handle(NSP_DEFAULT_SCOPE, "gwping"), 0x4e531508);
	assert_int_not_equal(nsp_tc_handle("blue", "gwping"),
			     nsp_tc_handle(NSP_DEFAULT_SCOPE, "gwping"));
	assert_int_equal(nsp_tc_handle("blue", "gwping") >> 16, NSP_TC_PRIORITY);
	assert_int_equal(nsp_tc_handle(NSP_DEFAULT_SCOPE, "gwping") >> 16, NSP_TC_PRIORITY);
	assert_int_equal(nsp_tc_handle(NSP_DEFAULT_SCOPE, "gwping"),
			 nsp_tc_handle(NSP_DEFAULT_SCOPE, "gwping"));
	assert_int_not_equal(nsp_tc_handle(NSP_DEFAULT_SCOPE, "gwping"),
			     nsp_tc_handle(NSP_DEFAULT_SCOPE, "gwping2"));
	assert_int_not_equal(nsp_tc_handle(NSP_DEFAULT_SCOPE, "a"),
			     nsp_tc_handle(NSP_DEFAULT_SCOPE, "b"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_inherit_mac),
		cmocka_unit_test(test_several_instances),
		cmocka_unit_test(test_foreign_link_conflict_names_it),
		cmocka_unit_test(test_destroy),
		cmocka_unit_test(test_unbound_on_renamed_veth),
		cmocka_unit_test(test_tc_handle),
		cmocka_unit_test(test_prune_table),
		cmocka_unit_test(test_orphan_changes_carry_their_objects),
		cmocka_unit_test(test_xdp_of_another_instance_of_the_file),
		cmocka_unit_test(test_scope_marks),
		cmocka_unit_test(test_marks),
		cmocka_unit_test(test_worker_settings_change),
	};

	return cmocka_run_group_tests_name("plan", tests, NULL, NULL);
}
