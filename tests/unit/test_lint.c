// SPDX-License-Identifier: GPL-2.0-only
/*
 * The plan-time checks (reconciler/lint.c), table-driven over hand-built
 * states: each case starts from a sound instance on a node, changes the file
 * or a fact, and names the warning codes nsp_lint() must give, in order
 * (none: the negative). Then the parsers of the sysctl files (sysctl.c).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "lint.h"
#include "sysctl.h"

static const struct nsp_mac uplink_mac = {{0x02, 0, 0, 0, 0, 0x10}};
static const struct nsp_mac own_mac = {{0x02, 0, 0, 0, 0, 0x42}};

static uint32_t ip(const char *s)
{
	return inet_addr(s);
}

/* One instance of a file, what plan observed of it and the facts. */
struct state {
	struct nsp_config cfg;
	struct nsp_instance w;
	struct nsp_obs_instance o;
	struct nsp_obs_facts facts;
	struct nsp_obs_instance_facts f;
};

/*
 * A sound instance: the node's address 10.99.0.2/24 written out, mac
 * inherit, gateway 10.99.0.1, both programs at XDP (auto), default offloads
 * and ports; the node's ephemeral range is Linux's default, its uplink a
 * veth-like driver with every XDP feature.
 */
static void state_init(struct state *s)
{
	struct nsp_instance *w = &s->w;
	struct nsp_obs_instance_facts *f = &s->f;

	memset(s, 0, sizeof(*s));
	strcpy(w->name, "gwping");
	strcpy(w->netns, "ns-ping");
	strcpy(w->uplink, "eth0");
	strcpy(w->veth_host, "vpingh");
	strcpy(w->veth_peer, "vpingn");
	w->mac_inherit = true;
	w->address = ip("10.99.0.2");
	w->prefix = 24;
	w->gateway_ip = ip("10.99.0.1");
	w->gro = true;
	w->ping.port = 10086;
	w->ping.sport_min = 61000;
	w->ping.sport_max = 65535;
	w->bindings[0] = (struct nsp_binding){.program = NSP_PROG_TX_PING, .interface = "vpingh"};
	w->bindings[1] = (struct nsp_binding){.program = NSP_PROG_RX_PING, .interface = "eth0"};
	w->n_bindings = 2;
	w->line = 3;
	w->mac_line = 7;
	w->address_line = 8;
	w->gateway_ip_line = 9;
	w->gro_line = 10;
	w->tx_checksum_line = 11;
	w->sport_line = 12;
	w->bindings[0].mode_line = 13;
	w->bindings[1].mode_line = 14;
	s->cfg.instances = w;
	s->cfg.n_instances = 1;
	strcpy(s->cfg.path, "/etc/nsping/nsping.conf");

	s->o.uplink.present = true;
	s->o.uplink.ifindex = 2;
	s->o.uplink.mac = uplink_mac;
	s->o.uplink_has_address = true;
	s->o.uplink_address = ip("10.99.0.2");
	s->o.uplink_prefix = 24;

	s->facts.host_ports = (struct nsp_obs_ports){.known = true, .local = {32768, 60999}};
	s->facts.instances = f;
	s->facts.n_instances = 1;
	f->uplink_addrs_known = true;
	f->uplink_addrs[0] = ip("10.99.0.2");
	f->n_uplink_addrs = 1;
	f->uplink_xdp = (struct nsp_obs_xdp_features){
		.known = true,
		.flags = NSP_XDP_ACT_BASIC | NSP_XDP_ACT_REDIRECT | NSP_XDP_ACT_NDO_XMIT};
}

/* The uplink: a bridge or any driver without XDP of its own. */
static void no_native_xdp(struct state *s)
{
	s->f.uplink_xdp.flags = 0;
}

struct lint_case {
	const char *name;
	void (*change)(struct state *s);
	bool file_only; /* validate: no observation, no facts */
	enum nsp_warning_code want[NSP_WARN_MAX];
	size_t n_want;
	/* the first warning's key and line */
	const char *key;
	int line;
};

/* --- (a) mac_differs_from_uplink ----------------------------------------------------- */
static void own_mac_shared_address(struct state *s)
{
	s->w.mac_inherit = false;
	s->w.mac = own_mac;
}
static void own_mac_inherit_address(struct state *s)
{
	own_mac_shared_address(s);
	s->w.address_inherit = true;
}
static void own_mac_is_uplinks(struct state *s)
{
	s->w.mac_inherit = false;
	s->w.mac = uplink_mac;
}
static void own_mac_own_address(struct state *s)
{
	own_mac_shared_address(s);
	s->w.address = ip("10.99.0.3");
	s->f.uplink_addrs[0] = ip("10.99.0.2");
}
static void own_mac_secondary_of_uplink(struct state *s)
{
	own_mac_shared_address(s);
	s->w.address = ip("10.99.0.7");
	s->f.uplink_addrs[1] = ip("10.99.0.7");
	s->f.n_uplink_addrs = 2;
}
static void own_mac_addresses_unknown(struct state *s)
{
	own_mac_shared_address(s);
	s->f.uplink_addrs_known = false;
}
static void own_mac_no_uplink(struct state *s)
{
	own_mac_inherit_address(s);
	s->o.uplink.present = false;
}

/* --- (b) gateway_off_subnet -------------------------------------------------------------- */
static void address_elsewhere(struct state *s)
{
	s->w.address = ip("10.98.0.2");
	s->f.uplink_addrs_known = false;
}
static void address_wide_prefix(struct state *s)
{
	s->w.address = ip("10.99.7.2");
	s->w.prefix = 16;
}
static void address_host_prefix(struct state *s)
{
	s->w.prefix = 32;
}
static void address_p2p_prefix(struct state *s)
{
	s->w.address = ip("10.99.0.2");
	s->w.prefix = 31;
}
static void inherit_uplink_host_prefix(struct state *s)
{
	s->w.address_inherit = true;
	s->o.uplink_prefix = 32;
}
static void inherit_uplink_elsewhere(struct state *s)
{
	s->w.address_inherit = true;
	s->o.uplink_address = ip("192.0.2.10");
}
static void inherit_uplink_without_address(struct state *s)
{
	s->w.address_inherit = true;
	s->o.uplink_has_address = false;
}

/* --- (c) sport_in_ephemeral_range ---------------------------------------------------- */
static void range_overlaps(struct state *s)
{
	s->facts.host_ports.local = (struct nsp_port_range){32768, 62000};
}
static void range_touches_sport_min(struct state *s)
{
	s->facts.host_ports.local = (struct nsp_port_range){1024, 61000};
}
static void range_ends_below(struct state *s)
{
	s->facts.host_ports.local = (struct nsp_port_range){1024, 60999};
}
static void range_overlaps_reserved(struct state *s)
{
	range_overlaps(s);
	s->facts.host_ports.reserved[0] = (struct nsp_port_range){100, 200};
	s->facts.host_ports.reserved[1] = (struct nsp_port_range){61000, 62000};
	s->facts.host_ports.n_reserved = 2;
}
static void range_overlaps_partly_reserved(struct state *s)
{
	range_overlaps(s);
	s->facts.host_ports.reserved[0] = (struct nsp_port_range){61000, 61499};
	s->facts.host_ports.n_reserved = 1;
}
static void range_overlaps_own_address(struct state *s)
{
	range_overlaps(s);
	s->w.address = ip("10.99.0.3");
}
static void range_overlaps_inherit(struct state *s)
{
	range_overlaps(s);
	s->w.address_inherit = true;
}
static void range_unknown(struct state *s)
{
	range_overlaps(s);
	s->facts.host_ports.known = false;
}

/* --- (d) xdp_native_unsupported, xdp_redirect_unsupported ---------------------------------- */
static void rx_native_no_xdp(struct state *s)
{
	no_native_xdp(s);
	s->w.bindings[1].mode = NSP_MODE_NATIVE;
	s->w.bindings[0].mode = NSP_MODE_GENERIC;
}
static void rx_native_with_xdp(struct state *s)
{
	s->w.bindings[1].mode = NSP_MODE_NATIVE;
}
static void rx_auto_no_xdp(struct state *s)
{
	no_native_xdp(s);
	s->w.bindings[0].mode = NSP_MODE_GENERIC;
}
static void rx_native_at_tc(struct state *s)
{
	rx_native_no_xdp(s);
	s->w.bindings[1].attach = NSP_ATTACH_TC;
}
static void rx_native_features_unknown(struct state *s)
{
	rx_native_no_xdp(s);
	s->f.uplink_xdp.known = false;
}
static void tx_auto_no_xmit(struct state *s)
{
	s->f.uplink_xdp.flags = NSP_XDP_ACT_BASIC | NSP_XDP_ACT_REDIRECT;
}
static void tx_generic_no_xmit(struct state *s)
{
	tx_auto_no_xmit(s);
	s->w.bindings[0].mode = NSP_MODE_GENERIC;
}
static void tx_tc_no_xmit(struct state *s)
{
	tx_auto_no_xmit(s);
	s->w.bindings[0].attach = NSP_ATTACH_TC;
}
static void both_native_no_xdp(struct state *s)
{
	no_native_xdp(s);
	s->w.bindings[0].mode = NSP_MODE_NATIVE;
	s->w.bindings[1].mode = NSP_MODE_NATIVE;
}

/* --- (e) gro_off, tx_checksum_on ------------------------------------------------------- */
static void gro_off(struct state *s)
{
	s->w.gro = false;
}
static void gro_off_rx_generic(struct state *s)
{
	gro_off(s);
	s->w.bindings[1].mode = NSP_MODE_GENERIC;
}
static void gro_off_rx_tc(struct state *s)
{
	gro_off(s);
	s->w.bindings[1].attach = NSP_ATTACH_TC;
}
static void gro_off_rx_auto_no_xdp(struct state *s)
{
	gro_off(s);
	no_native_xdp(s);
	s->w.bindings[0].mode = NSP_MODE_GENERIC;
}
static void gro_off_rx_auto_unknown(struct state *s)
{
	gro_off(s);
	s->f.uplink_xdp.known = false;
}
static void gro_off_no_rx(struct state *s)
{
	gro_off(s);
	s->w.n_bindings = 1;
}
static void tx_checksum_on(struct state *s)
{
	s->w.tx_checksum = true;
}
static void tx_checksum_on_tx_generic(struct state *s)
{
	tx_checksum_on(s);
	s->w.bindings[0].mode = NSP_MODE_GENERIC;
}
static void tx_checksum_on_tx_tc(struct state *s)
{
	tx_checksum_on(s);
	s->w.bindings[0].attach = NSP_ATTACH_TC;
}
static void offloads_both(struct state *s)
{
	gro_off(s);
	tx_checksum_on(s);
	s->w.bindings[1].mode = NSP_MODE_NATIVE;
}

/* --- everything at once, in the order of the codes ----------------------------------- */
static void everything(struct state *s)
{
	own_mac_inherit_address(s);
	s->o.uplink_address = ip("192.0.2.10");
	s->facts.host_ports.local = (struct nsp_port_range){1024, 65535};
	s->f.uplink_xdp.flags = 0;
	s->w.bindings[1].mode = NSP_MODE_NATIVE;
	s->w.gro = false;
	s->w.tx_checksum = true;
}

#define W(...)                                                                                     \
	.want = {__VA_ARGS__},                                                                     \
	.n_want = sizeof((enum nsp_warning_code[]){__VA_ARGS__}) / sizeof(enum nsp_warning_code)

static const struct lint_case cases[] = {
	{.name = "sound", .change = NULL},
	{.name = "sound, file only", .change = NULL, .file_only = true},
	{.name = "own mac, the uplink's address",
	 .change = own_mac_shared_address,
	 W(NSP_WARN_MAC_DIFFERS_FROM_UPLINK),
	 "instances[0].mac",
	 7},
	{.name = "own mac, address inherit",
	 .change = own_mac_inherit_address,
	 W(NSP_WARN_MAC_DIFFERS_FROM_UPLINK),
	 "instances[0].mac",
	 7},
	{.name = "own mac, a secondary address of the uplink",
	 .change = own_mac_secondary_of_uplink,
	 W(NSP_WARN_MAC_DIFFERS_FROM_UPLINK),
	 "instances[0].mac",
	 7},
	{.name = "the uplink's mac written out", .change = own_mac_is_uplinks},
	{.name = "own mac, own address", .change = own_mac_own_address},
	{.name = "own mac, the uplink's addresses unknown", .change = own_mac_addresses_unknown},
	{.name = "own mac, no uplink", .change = own_mac_no_uplink},
	{.name = "own mac, file only", .change = own_mac_inherit_address, .file_only = true},
	{.name = "address off the gateway's subnet",
	 .change = address_elsewhere,
	 W(NSP_WARN_GATEWAY_OFF_SUBNET),
	 "instances[0].gateway.ip",
	 9},
	{.name = "address off the gateway's subnet, file only",
	 .change = address_elsewhere,
	 .file_only = true,
	 W(NSP_WARN_GATEWAY_OFF_SUBNET),
	 "instances[0].gateway.ip",
	 9},
	{.name = "a prefix wide enough", .change = address_wide_prefix},
	{.name = "a /32: onlink by design", .change = address_host_prefix},
	{.name = "a /31",
	 .change = address_p2p_prefix,
	 W(NSP_WARN_GATEWAY_OFF_SUBNET),
	 "instances[0].gateway.ip",
	 9},
	{.name = "inherit, the uplink elsewhere",
	 .change = inherit_uplink_elsewhere,
	 W(NSP_WARN_GATEWAY_OFF_SUBNET),
	 "instances[0].gateway.ip",
	 9},
	{.name = "inherit, the uplink without an address",
	 .change = inherit_uplink_without_address},
	{.name = "inherit, the uplink a /32", .change = inherit_uplink_host_prefix},
	{.name = "sports among the ephemeral ports",
	 .change = range_overlaps,
	 W(NSP_WARN_SPORT_IN_EPHEMERAL_RANGE),
	 "instances[0].ping.sport_min",
	 12},
	{.name = "the range ends at sport_min",
	 .change = range_touches_sport_min,
	 W(NSP_WARN_SPORT_IN_EPHEMERAL_RANGE),
	 "instances[0].ping.sport_min",
	 12},
	{.name = "the range ends below sport_min", .change = range_ends_below},
	{.name = "the overlap reserved", .change = range_overlaps_reserved},
	{.name = "the overlap partly reserved",
	 .change = range_overlaps_partly_reserved,
	 W(NSP_WARN_SPORT_IN_EPHEMERAL_RANGE),
	 "instances[0].ping.sport_min",
	 12},
	{.name = "overlap, own address", .change = range_overlaps_own_address},
	{.name = "overlap, address inherit",
	 .change = range_overlaps_inherit,
	 W(NSP_WARN_SPORT_IN_EPHEMERAL_RANGE),
	 "instances[0].ping.sport_min",
	 12},
	{.name = "overlap, the range unknown", .change = range_unknown},
	{.name = "overlap, file only", .change = range_overlaps, .file_only = true},
	{.name = "rx native, no native XDP",
	 .change = rx_native_no_xdp,
	 W(NSP_WARN_XDP_NATIVE_UNSUPPORTED),
	 "instances[0].xdp[1].mode",
	 14},
	{.name = "rx native, native XDP", .change = rx_native_with_xdp},
	{.name = "rx auto, no native XDP", .change = rx_auto_no_xdp},
	{.name = "rx native at tc", .change = rx_native_at_tc},
	{.name = "rx native, features unknown", .change = rx_native_features_unknown},
	{.name = "rx native, file only", .change = rx_native_no_xdp, .file_only = true},
	{.name = "tx auto, no ndo_xdp_xmit",
	 .change = tx_auto_no_xmit,
	 W(NSP_WARN_XDP_REDIRECT_UNSUPPORTED),
	 "instances[0].xdp[0].mode",
	 13},
	{.name = "tx generic, no ndo_xdp_xmit", .change = tx_generic_no_xmit},
	{.name = "tx at tc, no ndo_xdp_xmit", .change = tx_tc_no_xmit},
	{.name = "both native, no XDP at all",
	 .change = both_native_no_xdp,
	 W(NSP_WARN_XDP_NATIVE_UNSUPPORTED, NSP_WARN_XDP_REDIRECT_UNSUPPORTED),
	 "instances[0].xdp[1].mode",
	 14},
	{.name = "gro off, rx auto on native XDP",
	 .change = gro_off,
	 W(NSP_WARN_GRO_OFF),
	 "instances[0].offload.gro",
	 10},
	{.name = "gro off, rx generic", .change = gro_off_rx_generic},
	{.name = "gro off, rx at tc", .change = gro_off_rx_tc},
	{.name = "gro off, rx auto on a driver without XDP", .change = gro_off_rx_auto_no_xdp},
	{.name = "gro off, rx auto, features unknown", .change = gro_off_rx_auto_unknown},
	{.name = "gro off, no rx_ping", .change = gro_off_no_rx},
	{.name = "gro off, rx auto, file only", .change = gro_off, .file_only = true},
	{.name = "gro off, rx native, file only",
	 .change = offloads_both,
	 .file_only = true,
	 W(NSP_WARN_GRO_OFF, NSP_WARN_TX_CHECKSUM_ON),
	 "instances[0].offload.gro",
	 10},
	{.name = "tx checksum on, tx auto",
	 .change = tx_checksum_on,
	 W(NSP_WARN_TX_CHECKSUM_ON),
	 "instances[0].offload.tx_checksum",
	 11},
	{.name = "tx checksum on, tx generic", .change = tx_checksum_on_tx_generic},
	{.name = "tx checksum on, tx at tc", .change = tx_checksum_on_tx_tc},
	{.name = "tx checksum on, file only",
	 .change = tx_checksum_on,
	 .file_only = true,
	 W(NSP_WARN_TX_CHECKSUM_ON),
	 "instances[0].offload.tx_checksum",
	 11},
	{.name = "everything",
	 .change = everything,
	 W(NSP_WARN_MAC_DIFFERS_FROM_UPLINK, NSP_WARN_GATEWAY_OFF_SUBNET,
	   NSP_WARN_SPORT_IN_EPHEMERAL_RANGE, NSP_WARN_XDP_NATIVE_UNSUPPORTED,
	   NSP_WARN_XDP_REDIRECT_UNSUPPORTED, NSP_WARN_GRO_OFF, NSP_WARN_TX_CHECKSUM_ON),
	 "instances[0].mac",
	 7},
};

static void check_case(const struct lint_case *c)
{
	struct nsp_warnings got;
	struct state s;

	state_init(&s);
	if (c->change)
		c->change(&s);
	assert_int_equal(
		nsp_lint(&s.cfg, c->file_only ? NULL : &s.o, c->file_only ? NULL : &s.facts, &got),
		0);
	if (got.n != c->n_want)
		fail_msg("%s: %zu warnings (first %s), expected %zu", c->name, got.n,
			 got.n ? nsp_warning_code_name(got.items[0].code) : "none", c->n_want);
	for (size_t k = 0; k < got.n; k++) {
		const struct nsp_warning *w = &got.items[k];

		if (w->code != c->want[k])
			fail_msg("%s: warning %zu is %s, expected %s", c->name, k,
				 nsp_warning_code_name(w->code), nsp_warning_code_name(c->want[k]));
		if (w->instance != 0 || !w->message[0] || !w->fix[0] || !w->key[0])
			fail_msg("%s: warning %zu lacks a part: instance %zu, key '%s', message "
				 "'%s', fix '%s'",
				 c->name, k, w->instance, w->key, w->message, w->fix);
	}
	if (got.n && (strcmp(got.items[0].key, c->key) || got.items[0].line != c->line))
		fail_msg("%s: the first warning names %s at line %d, expected %s at line %d",
			 c->name, got.items[0].key, got.items[0].line, c->key, c->line);
	nsp_warnings_free(&got);
}

static void test_cases(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		check_case(&cases[i]);
}

/* The words of a warning: what an operator reads first. */
static void test_messages_name_the_facts(void **state)
{
	struct nsp_warnings got;
	struct state s;

	(void)state;
	state_init(&s);
	range_overlaps_partly_reserved(&s);
	own_mac_shared_address(&s);
	assert_int_equal(nsp_lint(&s.cfg, &s.o, &s.facts, &got), 0);
	assert_int_equal(got.n, 2);
	assert_non_null(strstr(got.items[0].message, "02:00:00:00:00:42"));
	assert_non_null(strstr(got.items[0].message, "02:00:00:00:00:10"));
	assert_non_null(strstr(got.items[0].fix, "mac = \"inherit\""));
	/* 61500..62000 are the node's: 501 ports, reserving them is the fix */
	assert_non_null(
		strstr(got.items[1].message, "501 of the probes' source ports 61000-65535"));
	assert_non_null(strstr(got.items[1].message, "(from 61500)"));
	assert_non_null(strstr(got.items[1].message, "32768 62000"));
	assert_non_null(strstr(got.items[1].fix, "sport_min = 62001"));
	assert_non_null(strstr(got.items[1].fix, "ip_local_reserved_ports = 61500-62000"));
	nsp_warnings_free(&got);
	/* a range up to 65535: below it */
	state_init(&s);
	s.facts.host_ports.local = (struct nsp_port_range){40000, 65535};
	assert_int_equal(nsp_lint(&s.cfg, &s.o, &s.facts, &got), 0);
	assert_int_equal(got.n, 1);
	assert_non_null(strstr(got.items[0].fix, "sport_max = 39999"));
	nsp_warnings_free(&got);
}

/* Two instances: each its own, in the file's order; the facts per instance. */
static void test_instances_in_order(void **state)
{
	struct nsp_instance w[2];
	struct nsp_obs_instance o[2];
	struct nsp_obs_instance_facts f[2];
	struct nsp_warnings got;
	struct state s;

	(void)state;
	state_init(&s);
	w[0] = w[1] = s.w;
	o[0] = o[1] = s.o;
	f[0] = f[1] = s.f;
	strcpy(w[1].name, "second");
	w[0].tx_checksum = true;
	w[1].address = ip("10.98.0.2");
	f[1].uplink_addrs_known = false;
	w[1].mac_inherit = false;
	w[1].mac = own_mac;
	s.cfg.instances = w;
	s.cfg.n_instances = 2;
	s.facts.instances = f;
	s.facts.n_instances = 2;
	assert_int_equal(nsp_lint(&s.cfg, o, &s.facts, &got), 0);
	assert_int_equal(got.n, 2);
	assert_int_equal(got.items[0].instance, 0);
	assert_int_equal(got.items[0].code, NSP_WARN_TX_CHECKSUM_ON);
	assert_int_equal(got.items[1].instance, 1);
	assert_int_equal(got.items[1].code, NSP_WARN_GATEWAY_OFF_SUBNET);
	assert_string_equal(got.items[1].key, "instances[1].gateway.ip");
	nsp_warnings_free(&got);
}

/* The codes are a contract (JSON, nsping(8)): stable, snake_case, unique. */
static void test_code_names(void **state)
{
	static const char *const want[NSP_WARN_MAX] = {
		"mac_differs_from_uplink", "gateway_off_subnet",       "sport_in_ephemeral_range",
		"xdp_native_unsupported",  "xdp_redirect_unsupported", "gro_off",
		"tx_checksum_on",
	};

	(void)state;
	for (int c = 0; c < NSP_WARN_MAX; c++)
		assert_string_equal(nsp_warning_code_name(c), want[c]);
	assert_string_equal(nsp_warning_code_name(NSP_WARN_MAX), "unknown");
}

static void test_port_range_parse(void **state)
{
	static const struct {
		const char *text;
		int r;
		uint16_t min, max;
	} cases[] = {
		{"32768\t60999\n", 0, 32768, 60999},
		{"1024 65535", 0, 1024, 65535},
		{"5000 5000\n", 0, 5000, 5000},
		{"60999\t32768\n", -EINVAL, 0, 0},
		{"32768\n", -EINVAL, 0, 0},
		{"32768 70000\n", -EINVAL, 0, 0},
		{"", -EINVAL, 0, 0},
		{"a b\n", -EINVAL, 0, 0},
		{"1 2 3\n", -EINVAL, 0, 0},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct nsp_port_range r = {1, 1};
		int got = nsp_port_range_parse(cases[i].text, &r);

		if (got != cases[i].r)
			fail_msg("'%s': %d, expected %d", cases[i].text, got, cases[i].r);
		if (got == 0 && (r.min != cases[i].min || r.max != cases[i].max))
			fail_msg("'%s': %u %u", cases[i].text, r.min, r.max);
		if (got < 0 && (r.min != 1 || r.max != 1))
			fail_msg("'%s': written on failure", cases[i].text);
	}
}

static void test_port_list_parse(void **state)
{
	struct nsp_port_range r[3];
	size_t n = 99;

	(void)state;
	assert_int_equal(nsp_port_list_parse("\n", r, 3, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(nsp_port_list_parse("", r, 3, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(nsp_port_list_parse("8080,61000-62000,65000\n", r, 3, &n), 0);
	assert_int_equal(n, 3);
	assert_int_equal(r[0].min, 8080);
	assert_int_equal(r[0].max, 8080);
	assert_int_equal(r[1].min, 61000);
	assert_int_equal(r[1].max, 62000);
	assert_int_equal(r[2].min, 65000);
	/* more than fit: the first ones */
	assert_int_equal(nsp_port_list_parse("1,2,3,4,5\n", r, 3, &n), 0);
	assert_int_equal(n, 3);
	assert_int_equal(r[2].min, 3);
	assert_int_equal(nsp_port_list_parse("62000-61000\n", r, 3, &n), -EINVAL);
	assert_int_equal(nsp_port_list_parse("1,,2\n", r, 3, &n), -EINVAL);
	assert_int_equal(nsp_port_list_parse("1;2\n", r, 3, &n), -EINVAL);
	assert_int_equal(nsp_port_list_parse("70000\n", r, 3, &n), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cases),
		cmocka_unit_test(test_messages_name_the_facts),
		cmocka_unit_test(test_instances_in_order),
		cmocka_unit_test(test_code_names),
		cmocka_unit_test(test_port_range_parse),
		cmocka_unit_test(test_port_list_parse),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
