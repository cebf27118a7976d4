// SPDX-License-Identifier: GPL-2.0-only
/*
 * libconfig -> struct nsp_config. libconfig types stay in this file. Each check
 * records "FILE:LINE: KEY: message" and validation goes on, so that one run
 * shows every mistake in the file.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <libconfig.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "addr.h"
#include "config.h"
#include "nsping_magic.h"
#include "suggest.h"

#define DEFAULT_PORT	    NSP_DEFAULT_PORT
#define DEFAULT_MAGIC	    NSP_DEFAULT_MAGIC
#define DEFAULT_INTERVAL_MS 1000
#define DEFAULT_TIMEOUT_MS  1000
#define DEFAULT_DOWN_AFTER  3
#define DEFAULT_UP_AFTER    1
#define DEFAULT_SPORT_MIN   NSP_DEFAULT_SPORT_MIN
#define DEFAULT_SPORT_MAX   NSP_DEFAULT_SPORT_MAX

struct ctx {
	const char *file;
	struct nsp_diag *diag;
};

__attribute__((format(printf, 4, 5))) static void report(struct ctx *c, int line, const char *key,
							 const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	char safe[sizeof(msg) * 4];
	size_t n = 0;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* One line per error: control characters from the file are shown escaped. */
	for (const unsigned char *p = (const unsigned char *)msg; *p; p++)
		n += (size_t)snprintf(safe + n, sizeof(safe) - n,
				      *p < 0x20 || *p == 0x7f ? "\\x%02x" : "%c", *p);
	/* The root group has no line of its own: its keys are missing "at line 1". */
	nsp_diag_add(c->diag, "%s:%d: %s: %s", c->file, line > 0 ? line : 1, key, safe);
}

static int line_of(const config_setting_t *s)
{
	return (int)config_setting_source_line(s);
}

/* The line of group's member key; without it (a default) group's; without a group, fallback. */
static int line_of_key(const config_setting_t *group, const char *key, int fallback)
{
	const config_setting_t *m = group ? config_setting_get_member(group, key) : NULL;

	return m ? line_of(m) : group ? line_of(group) : fallback;
}

static const char *type_name(int type)
{
	switch (type) {
	case CONFIG_TYPE_GROUP:
		return "a group";
	case CONFIG_TYPE_INT:
	case CONFIG_TYPE_INT64:
		return "an integer";
	case CONFIG_TYPE_FLOAT:
		return "a float";
	case CONFIG_TYPE_STRING:
		return "a string";
	case CONFIG_TYPE_BOOL:
		return "a boolean";
	case CONFIG_TYPE_ARRAY:
		return "an array";
	case CONFIG_TYPE_LIST:
		return "a list";
	}
	return "a setting";
}

/* Every member of a group must be one of the known keys. */
static void check_keys(struct ctx *c, const config_setting_t *group, const char *path,
		       const char *const *known)
{
	for (int i = 0; i < config_setting_length(group); i++) {
		const config_setting_t *m = config_setting_get_elem(group, (unsigned)i);
		const char *name = config_setting_name(m);
		bool ok = false;
		char key[256];

		for (const char *const *k = known; *k; k++)
			ok |= !strcmp(name, *k);
		if (ok)
			continue;
		snprintf(key, sizeof(key), "%s%s%s", path, *path ? "." : "", name);
		if (nsp_suggest(name, known))
			report(c, line_of(m), key, "unknown key (did you mean \"%s\"?)",
			       nsp_suggest(name, known));
		else
			report(c, line_of(m), key, "unknown key");
	}
}

static void join(char *buf, size_t size, const char *path, const char *key)
{
	snprintf(buf, size, "%s%s%s", path, *path ? "." : "", key);
}

/*
 * Look up a member of the right type. Returns NULL (and reports) when it is
 * missing and required, or of another type.
 */
static const config_setting_t *member(struct ctx *c, const config_setting_t *group,
				      const char *path, const char *key, int type, bool required)
{
	const config_setting_t *m = config_setting_get_member(group, key);
	int t;
	char full[256];

	join(full, sizeof(full), path, key);
	if (!m) {
		if (required)
			report(c, line_of(group), full, "missing, %s is required", type_name(type));
		return NULL;
	}
	t = config_setting_type(m);
	if (t == CONFIG_TYPE_INT64 && type == CONFIG_TYPE_INT)
		t = CONFIG_TYPE_INT;
	if (type == CONFIG_TYPE_LIST && t == CONFIG_TYPE_ARRAY)
		t = CONFIG_TYPE_LIST; /* ( ) and [ ] both read as a list */
	if (t != type) {
		report(c, line_of(m), full, "expected %s, got %s", type_name(type), type_name(t));
		return NULL;
	}
	return m;
}

static const char *get_string(struct ctx *c, const config_setting_t *group, const char *path,
			      const char *key, bool required, int *ret_line)
{
	const config_setting_t *m = member(c, group, path, key, CONFIG_TYPE_STRING, required);

	if (!m)
		return NULL;
	*ret_line = line_of(m);
	return config_setting_get_string(m);
}

/* An integer in [min, max]; the default when absent; false on error. */
static bool get_int(struct ctx *c, const config_setting_t *group, const char *path, const char *key,
		    long long min, long long max, long long def, long long *ret_value)
{
	const config_setting_t *m;
	long long v;
	char full[256];

	if (!config_setting_get_member(group, key)) {
		*ret_value = def;
		return true;
	}
	m = member(c, group, path, key, CONFIG_TYPE_INT, false);
	if (!m)
		return false;
	v = config_setting_get_int64(m);
	/* libconfig reads 0x80000000..0xffffffff into a negative int: take the bits. */
	if (v < 0 && config_setting_type(m) == CONFIG_TYPE_INT &&
	    config_setting_get_format(m) == CONFIG_FORMAT_HEX)
		v = (uint32_t)v;
	if (v < min || v > max) {
		join(full, sizeof(full), path, key);
		report(c, line_of(m), full, "%lld is out of range, expected %lld..%lld", v, min,
		       max);
		return false;
	}
	*ret_value = v;
	return true;
}

static bool get_bool(struct ctx *c, const config_setting_t *group, const char *path,
		     const char *key, bool def, bool *ret_value)
{
	const config_setting_t *m;

	if (!config_setting_get_member(group, key)) {
		*ret_value = def;
		return true;
	}
	m = member(c, group, path, key, CONFIG_TYPE_BOOL, false);
	if (!m)
		return false;
	*ret_value = config_setting_get_bool(m);
	return true;
}

/* Instance and scope names: they make up the marks (owner.h). */
static bool valid_instance_name(const char *s)
{
	size_t len = strlen(s);

	if (len < 1 || len > NSP_NAME_MAX)
		return false;
	return strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_-") == len;
}

/* A file name under /run/netns: no way out of that directory. */
static bool valid_netns_name(const char *s)
{
	size_t len = strlen(s);

	if (len < 1 || len > NSP_NETNS_MAX || !strcmp(s, ".") || !strcmp(s, ".."))
		return false;
	return strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-") ==
	       len;
}

/* An interface name into out; its line, 0 when it is missing or not one. */
static int get_ifname(struct ctx *c, const config_setting_t *group, const char *path,
		      const char *key, char out[IFNAMSIZ])
{
	int line = 0;
	const char *s = get_string(c, group, path, key, true, &line);
	char full[256];

	if (!s)
		return 0;
	if (!nsp_ifname_valid(s)) {
		join(full, sizeof(full), path, key);
		report(c, line, full,
		       "\"%s\" is not an interface name (1..15 bytes, no '/', ':' or space, not "
		       "'.' or '..')",
		       s);
		return 0;
	}
	strcpy(out, s);
	return line;
}

static void get_unicast_mac(struct ctx *c, int line, const char *key, const char *s,
			    struct nsp_mac *out)
{
	struct nsp_mac mac;

	if (nsp_mac_parse(s, &mac) < 0) {
		report(c, line, key, "\"%s\" is not a MAC address (xx:xx:xx:xx:xx:xx)", s);
		return;
	}
	if (!nsp_mac_is_unicast(&mac)) {
		report(c, line, key, "\"%s\" is not a unicast MAC address", s);
		return;
	}
	*out = mac;
}

static bool ipv4_is_host(uint32_t addr)
{
	uint32_t h = ntohl(addr);

	return h != 0 && h != 0xffffffffu && (h >> 28) != 0xe && (h >> 24) != 127;
}

static void get_host_ipv4(struct ctx *c, int line, const char *key, const char *s, uint32_t *out)
{
	uint32_t addr;

	if (nsp_ipv4_parse(s, &addr) < 0) {
		report(c, line, key, "\"%s\" is not an IPv4 address (a.b.c.d)", s);
		return;
	}
	if (!ipv4_is_host(addr)) {
		report(c, line, key, "\"%s\" is not a unicast host address", s);
		return;
	}
	*out = addr;
}

static void load_veth(struct ctx *c, const config_setting_t *inst, const char *path,
		      struct nsp_instance *in)
{
	static const char *const keys[] = {"host", "peer", NULL};
	const config_setting_t *v = member(c, inst, path, "veth", CONFIG_TYPE_GROUP, true);
	char sub[160], key[192];
	int line;

	if (!v)
		return;
	join(sub, sizeof(sub), path, "veth");
	check_keys(c, v, sub, keys);
	get_ifname(c, v, sub, "host", in->veth_host);
	line = get_ifname(c, v, sub, "peer", in->veth_peer);
	if (line && (!strcmp(in->veth_peer, NSP_HOLD_TX) || !strcmp(in->veth_peer, NSP_HOLD_RX))) {
		join(key, sizeof(key), sub, "peer");
		report(c, line, key,
		       "\"%s\" is reserved: run keeps its own pair %s/%s in the netns",
		       in->veth_peer, NSP_HOLD_TX, NSP_HOLD_RX);
	}
}

static void load_gateway(struct ctx *c, const config_setting_t *inst, const char *path,
			 struct nsp_instance *in)
{
	static const char *const keys[] = {"ip", "mac", NULL};
	const config_setting_t *g = member(c, inst, path, "gateway", CONFIG_TYPE_GROUP, true);
	const char *s;
	char sub[160], key[256];
	int line = 0;

	if (!g)
		return;
	in->gateway_ip_line = line_of_key(g, "ip", in->line);
	join(sub, sizeof(sub), path, "gateway");
	check_keys(c, g, sub, keys);
	s = get_string(c, g, sub, "ip", true, &line);
	if (s) {
		join(key, sizeof(key), sub, "ip");
		get_host_ipv4(c, line, key, s, &in->gateway_ip);
	}
	s = get_string(c, g, sub, "mac", true, &line);
	if (s) {
		join(key, sizeof(key), sub, "mac");
		get_unicast_mac(c, line, key, s, &in->gateway_mac);
	}
}

static void load_mac_address(struct ctx *c, const config_setting_t *inst, const char *path,
			     struct nsp_instance *in)
{
	const char *s;
	char key[256];
	int line = 0;

	in->mac_inherit = true;
	in->mac_line = line_of_key(inst, "mac", in->line);
	in->address_line = line_of_key(inst, "address", in->line);
	s = get_string(c, inst, path, "mac", false, &line);
	if (s && strcmp(s, "inherit")) {
		join(key, sizeof(key), path, "mac");
		in->mac_inherit = false;
		get_unicast_mac(c, line, key, s, &in->mac);
	}

	s = get_string(c, inst, path, "address", true, &line);
	if (!s)
		return;
	join(key, sizeof(key), path, "address");
	if (!strcmp(s, "inherit")) {
		in->address_inherit = true;
		return;
	}
	switch (nsp_prefix_parse(s, &in->address, &in->prefix)) {
	case 0:
		if (!ipv4_is_host(in->address))
			report(c, line, key, "\"%s\" is not a unicast host address", s);
		break;
	case -ERANGE:
		report(c, line, key, "\"%s\": the prefix length must be 1..32", s);
		break;
	default:
		report(c, line, key,
		       "\"%s\" is not \"inherit\" or an IPv4 address with prefix (a.b.c.d/p)", s);
	}
}

static void load_offload(struct ctx *c, const config_setting_t *inst, const char *path,
			 struct nsp_instance *in)
{
	static const char *const keys[] = {"gro", "tx_checksum", NULL};
	const config_setting_t *o = member(c, inst, path, "offload", CONFIG_TYPE_GROUP, false);
	char sub[160];

	in->gro = true;
	in->tx_checksum = false;
	in->gro_line = line_of_key(o, "gro", in->line);
	in->tx_checksum_line = line_of_key(o, "tx_checksum", in->line);
	if (!o)
		return;
	join(sub, sizeof(sub), path, "offload");
	check_keys(c, o, sub, keys);
	get_bool(c, o, sub, "gro", true, &in->gro);
	get_bool(c, o, sub, "tx_checksum", false, &in->tx_checksum);
}

static int lookup_enum(const char *s, const char *const *names)
{
	for (int i = 0; names[i]; i++)
		if (!strcmp(s, names[i]))
			return i;
	return -1;
}

static const char *const program_names[] = {"tx_ping", "rx_ping", NULL};
static const char *const mode_names[] = {"auto", "native", "generic", NULL};
static const char *const attach_names[] = {"xdp", "tc", NULL};

const char *nsp_program_name(enum nsp_program p)
{
	return program_names[p];
}

const char *nsp_mode_name(enum nsp_xdp_mode m)
{
	return mode_names[m];
}

const char *nsp_attach_name(enum nsp_attach a)
{
	return attach_names[a];
}

/* An enum-valued string key; returns false on error, leaves *out at its default if absent. */
static bool get_enum(struct ctx *c, const config_setting_t *group, const char *path,
		     const char *key, bool required, const char *const *names, int *out,
		     int *ret_line)
{
	const char *s = get_string(c, group, path, key, required, ret_line);
	char full[256], expected[96] = "";
	int v;

	if (!s)
		return !required && !config_setting_get_member(group, key);
	v = lookup_enum(s, names);
	if (v < 0) {
		for (int i = 0; names[i]; i++)
			snprintf(expected + strlen(expected), sizeof(expected) - strlen(expected),
				 "%s\"%s\"", i ? ", " : "", names[i]);
		join(full, sizeof(full), path, key);
		report(c, *ret_line, full, "\"%s\" is not one of %s", s, expected);
		return false;
	}
	*out = v;
	return true;
}

static void load_binding(struct ctx *c, const config_setting_t *b, const char *path,
			 struct nsp_instance *in)
{
	static const char *const keys[] = {"program", "interface", "mode", "attach", NULL};
	struct nsp_binding *bd = &in->bindings[in->n_bindings];
	const config_setting_t *m;
	int program = -1, mode = NSP_MODE_AUTO, attach = NSP_ATTACH_XDP, line = 0;

	if (config_setting_type(b) != CONFIG_TYPE_GROUP) {
		report(c, line_of(b), path, "expected a group, got %s",
		       type_name(config_setting_type(b)));
		return;
	}
	check_keys(c, b, path, keys);
	memset(bd, 0, sizeof(*bd));
	bd->line = line_of(b);
	get_enum(c, b, path, "program", true, program_names, &program, &line);
	bd->program_line = line ? line : bd->line;
	line = 0;
	get_ifname(c, b, path, "interface", bd->interface);
	m = config_setting_get_member(b, "interface");
	bd->interface_line = m ? line_of(m) : bd->line;
	get_enum(c, b, path, "mode", false, mode_names, &mode, &line);
	bd->mode_line = line_of_key(b, "mode", bd->line);
	get_enum(c, b, path, "attach", false, attach_names, &attach, &line);
	if (program < 0)
		return;
	/*
	 * rx_ping's default is tc: it sits on the uplink, where all the node's
	 * traffic passes, and an XDP program changes how a driver receives
	 * (virtio_net turns the guest's receive offloads off, veth takes every
	 * frame through its XDP path before GRO); at tc ingress it sees packets
	 * after GRO and changes nothing (docs/DESIGN.md, "The uplink hook").
	 * tx_ping, on the host veth, carries only probes and stays XDP. An
	 * attach or a mode in the file is honoured: a mode is an XDP setting.
	 */
	if (!config_setting_get_member(b, "attach") && !config_setting_get_member(b, "mode") &&
	    program == NSP_PROG_RX_PING)
		attach = NSP_ATTACH_TC;
	bd->program = program;
	bd->mode = mode;
	bd->attach = attach;
	in->n_bindings++;
}

static void load_bindings(struct ctx *c, const config_setting_t *inst, const char *path,
			  struct nsp_instance *in)
{
	const config_setting_t *l = member(c, inst, path, "xdp", CONFIG_TYPE_LIST, false);
	char sub[160];
	int n;

	if (!l)
		return;
	n = config_setting_length(l);
	if (n > NSP_MAX_BINDINGS) {
		join(sub, sizeof(sub), path, "xdp");
		report(c, line_of(l), sub, "%d bindings, at most %d are allowed", n,
		       NSP_MAX_BINDINGS);
		return;
	}
	for (int i = 0; i < n; i++) {
		snprintf(sub, sizeof(sub), "%s.xdp[%d]", path, i);
		load_binding(c, config_setting_get_elem(l, (unsigned)i), sub, in);
	}
}

/* The bindings make sense for this instance: each program once, on its interface. */
static void check_bindings(struct ctx *c, const char *path, const struct nsp_instance *in)
{
	bool seen[2] = {false, false};
	char key[256];

	for (size_t i = 0; i < in->n_bindings; i++) {
		const struct nsp_binding *b = &in->bindings[i];
		const char *want = b->program == NSP_PROG_TX_PING ? in->veth_host : in->uplink;

		snprintf(key, sizeof(key), "%s.xdp[%zu].program", path, i);
		if (seen[b->program])
			report(c, b->program_line, key, "%s is bound twice",
			       nsp_program_name(b->program));
		seen[b->program] = true;
		snprintf(key, sizeof(key), "%s.xdp[%zu].interface", path, i);
		if (*b->interface && *want && strcmp(b->interface, want))
			report(c, b->interface_line, key, "%s must be bound to %s (%s), not \"%s\"",
			       nsp_program_name(b->program),
			       b->program == NSP_PROG_TX_PING ? "veth.host" : "uplink", want,
			       b->interface);
	}
}

static void load_ping(struct ctx *c, const config_setting_t *inst, const char *path,
		      struct nsp_instance *in)
{
	static const char *const keys[] = {"port",	"magic",      "interval_ms", "timeout_ms",
					   "targets",	"down_after", "up_after",    "sport_min",
					   "sport_max", NULL};
	const config_setting_t *p = member(c, inst, path, "ping", CONFIG_TYPE_GROUP, false);
	struct nsp_ping *ping = &in->ping;
	const config_setting_t *t;
	long long v;
	char sub[160], key[256];

	ping->port = DEFAULT_PORT;
	ping->magic = DEFAULT_MAGIC;
	ping->interval_ms = DEFAULT_INTERVAL_MS;
	ping->timeout_ms = DEFAULT_TIMEOUT_MS;
	ping->down_after = DEFAULT_DOWN_AFTER;
	ping->up_after = DEFAULT_UP_AFTER;
	ping->sport_min = DEFAULT_SPORT_MIN;
	ping->sport_max = DEFAULT_SPORT_MAX;
	in->sport_line = line_of_key(p, "sport_min", in->line);
	if (p) {
		join(sub, sizeof(sub), path, "ping");
		check_keys(c, p, sub, keys);
		if (get_int(c, p, sub, "port", 1, 65535, DEFAULT_PORT, &v))
			ping->port = (uint16_t)v;
		if (get_int(c, p, sub, "magic", 0, 0xffffffffLL, DEFAULT_MAGIC, &v))
			ping->magic = (uint32_t)v;
		if (get_int(c, p, sub, "interval_ms", 10, 3600000, DEFAULT_INTERVAL_MS, &v))
			ping->interval_ms = (uint32_t)v;
		if (get_int(c, p, sub, "timeout_ms", 10, 60000, DEFAULT_TIMEOUT_MS, &v))
			ping->timeout_ms = (uint32_t)v;
		if (get_int(c, p, sub, "down_after", 1, 100, DEFAULT_DOWN_AFTER, &v))
			ping->down_after = (uint32_t)v;
		if (get_int(c, p, sub, "up_after", 1, 100, DEFAULT_UP_AFTER, &v))
			ping->up_after = (uint32_t)v;
		if (get_int(c, p, sub, "sport_min", 1024, 65535, DEFAULT_SPORT_MIN, &v))
			ping->sport_min = (uint16_t)v;
		if (get_int(c, p, sub, "sport_max", 1024, 65535, DEFAULT_SPORT_MAX, &v))
			ping->sport_max = (uint16_t)v;
		if (ping->sport_min > ping->sport_max) {
			const config_setting_t *m = config_setting_get_member(p, "sport_max");

			join(key, sizeof(key), sub, "sport_max");
			report(c, line_of(m ? m : p), key, "%u is below sport_min %u",
			       ping->sport_max, ping->sport_min);
		}
		t = member(c, p, sub, "targets", CONFIG_TYPE_LIST, false);
		if (t) {
			int n = config_setting_length(t);

			join(key, sizeof(key), sub, "targets");
			if (n < 1 || n > NSP_MAX_TARGETS) {
				report(c, line_of(t), key, "%d targets, expected 1..%d", n,
				       NSP_MAX_TARGETS);
				return;
			}
			ping->targets = calloc((size_t)n, sizeof(*ping->targets));
			if (!ping->targets) {
				report(c, line_of(t), key, "out of memory");
				return;
			}
			for (int i = 0; i < n; i++) {
				const config_setting_t *e = config_setting_get_elem(t, (unsigned)i);
				const char *s = config_setting_get_string(e);

				snprintf(key, sizeof(key), "%s.targets[%d]", sub, i);
				if (!s) {
					report(c, line_of(e), key, "expected a string, got %s",
					       type_name(config_setting_type(e)));
					continue;
				}
				get_host_ipv4(c, line_of(e), key, s, &ping->targets[i]);
			}
			ping->n_targets = (size_t)n;
			return;
		}
	}
	/* By default the instance pings its own gateway. */
	ping->targets = calloc(1, sizeof(*ping->targets));
	if (ping->targets) {
		ping->targets[0] = in->gateway_ip;
		ping->n_targets = 1;
	}
}

static void load_instance(struct ctx *c, const config_setting_t *inst, const char *path,
			  struct nsp_instance *in)
{
	static const char *const keys[] = {"name",    "netns",	 "uplink", "veth", "mac", "address",
					   "gateway", "offload", "xdp",	   "ping", NULL};
	const char *s;
	char key[256];
	int line = 0;

	in->line = line_of(inst);
	check_keys(c, inst, path, keys);

	s = get_string(c, inst, path, "name", true, &line);
	join(key, sizeof(key), path, "name");
	if (s && !valid_instance_name(s))
		report(c, line, key, "\"%s\" must be 1..%d characters of [a-z0-9_-]", s,
		       NSP_NAME_MAX);
	else if (s)
		strcpy(in->name, s);

	s = get_string(c, inst, path, "netns", true, &line);
	join(key, sizeof(key), path, "netns");
	if (s && !valid_netns_name(s))
		report(c, line, key,
		       "\"%s\" must be 1..%d characters of [A-Za-z0-9_.-], not '.' or '..'", s,
		       NSP_NETNS_MAX);
	else if (s)
		strcpy(in->netns, s);

	get_ifname(c, inst, path, "uplink", in->uplink);
	load_veth(c, inst, path, in);
	load_mac_address(c, inst, path, in);
	load_gateway(c, inst, path, in);
	load_offload(c, inst, path, in);
	load_bindings(c, inst, path, in);
	check_bindings(c, path, in);
	load_ping(c, inst, path, in);
}

/* Report a clash on member key of instances[j], at that key's line. */
__attribute__((format(printf, 5, 6))) static void report_clash(struct ctx *c,
							       config_setting_t *list, size_t j,
							       const char *member, const char *fmt,
							       ...)
{
	config_setting_t *inst = config_setting_get_elem(list, (unsigned)j);
	const config_setting_t *m = config_setting_lookup(inst, member);
	char key[256], msg[256];
	va_list ap;

	snprintf(key, sizeof(key), "instances[%zu].%s", j, member);
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	report(c, m ? line_of(m) : line_of(inst), key, "%s", msg);
}

/* Names that must differ between instances; the later one is reported. */
static void check_clashes(struct ctx *c, config_setting_t *list, const struct nsp_config *cfg)
{
	char key[256];

	for (size_t j = 0; j < cfg->n_instances; j++) {
		const struct nsp_instance *b = &cfg->instances[j];

		for (size_t i = 0; i < j; i++) {
			const struct nsp_instance *a = &cfg->instances[i];

			if (*b->name && !strcmp(a->name, b->name))
				report_clash(c, list, j, "name",
					     "\"%s\" is already the name of instances[%zu]",
					     b->name, i);
			if (*b->netns && !strcmp(a->netns, b->netns))
				report_clash(c, list, j, "netns",
					     "\"%s\" is already the netns of instances[%zu]",
					     b->netns, i);
			if (*b->veth_host && (!strcmp(a->veth_host, b->veth_host) ||
					      !strcmp(a->uplink, b->veth_host)))
				report_clash(c, list, j, "veth.host",
					     "\"%s\" is already used by instances[%zu]",
					     b->veth_host, i);
			if (*b->uplink && !strcmp(a->veth_host, b->uplink))
				report_clash(c, list, j, "uplink",
					     "\"%s\" is the host veth of instances[%zu]", b->uplink,
					     i);
			if (*b->veth_peer && !strcmp(a->veth_peer, b->veth_peer))
				report_clash(c, list, j, "veth.peer",
					     "\"%s\" is already the peer of instances[%zu]",
					     b->veth_peer, i);
			/* One XDP program per interface: two bindings there can't coexist. */
			for (size_t x = 0; x < b->n_bindings; x++) {
				const struct nsp_binding *bx = &b->bindings[x];

				if (bx->attach != NSP_ATTACH_XDP)
					continue;
				for (size_t y = 0; y < a->n_bindings; y++) {
					const struct nsp_binding *ay = &a->bindings[y];

					if (ay->attach != NSP_ATTACH_XDP ||
					    strcmp(ay->interface, bx->interface))
						continue;
					snprintf(key, sizeof(key),
						 "instances[%zu].xdp[%zu].interface", j, x);
					report(c, bx->interface_line, key,
					       "instances[%zu] already binds XDP to \"%s\"", i,
					       bx->interface);
				}
			}
		}
		if (*b->veth_host && !strcmp(b->veth_host, b->uplink))
			report_clash(c, list, j, "veth.host", "\"%s\" is also the uplink",
				     b->veth_host);
	}
}

static int load(config_t *cf, const char *file, bool read_ok, struct nsp_config *ret_cfg,
		struct nsp_diag *diag)
{
	static const char *const keys[] = {"version", "scope", "instances", NULL};
	struct ctx c = {.file = file, .diag = diag};
	struct nsp_config cfg = {0};
	const config_setting_t *root, *v;
	config_setting_t *list;
	size_t before = diag->n;
	const char *s;
	int n, line = 0;

	if (!read_ok) {
		report(&c, config_error_line(cf), "syntax", "%s", config_error_text(cf));
		return -EINVAL;
	}
	snprintf(cfg.path, sizeof(cfg.path), "%s", file);
	root = config_root_setting(cf);
	check_keys(&c, root, "", keys);

	v = member(&c, root, "", "version", CONFIG_TYPE_INT, true);
	if (v) {
		cfg.version = config_setting_get_int(v);
		if (cfg.version != 1)
			report(&c, line_of(v), "version", "%d is not supported, expected 1",
			       cfg.version);
	}

	strcpy(cfg.scope, NSP_DEFAULT_SCOPE);
	s = get_string(&c, root, "", "scope", false, &line);
	if (s && !valid_instance_name(s))
		report(&c, line, "scope", "\"%s\" must be 1..%d characters of [a-z0-9_-]", s,
		       NSP_NAME_MAX);
	else if (s)
		strcpy(cfg.scope, s);

	list = (config_setting_t *)member(&c, root, "", "instances", CONFIG_TYPE_LIST, true);
	if (list) {
		n = config_setting_length(list);
		if (n < 1 || n > NSP_MAX_INSTANCES) {
			report(&c, line_of(list), "instances", "%d instances, expected 1..%d", n,
			       NSP_MAX_INSTANCES);
		} else {
			cfg.instances = calloc((size_t)n, sizeof(*cfg.instances));
			if (!cfg.instances)
				return -ENOMEM;
			cfg.n_instances = (size_t)n;
			for (int i = 0; i < n; i++) {
				const config_setting_t *e =
					config_setting_get_elem(list, (unsigned)i);
				char path[32];

				snprintf(path, sizeof(path), "instances[%d]", i);
				if (config_setting_type(e) != CONFIG_TYPE_GROUP) {
					report(&c, line_of(e), path, "expected a group, got %s",
					       type_name(config_setting_type(e)));
					continue;
				}
				load_instance(&c, e, path, &cfg.instances[i]);
			}
			check_clashes(&c, list, &cfg);
		}
	}

	if (diag->n != before) {
		nsp_config_free(&cfg);
		return -EINVAL;
	}
	*ret_cfg = cfg;
	return 0;
}

/* Past any real configuration (64 instances of 65536 targets is ~80 MB). */
#define CONFIG_MAX_BYTES (256u << 20)

/*
 * The whole file, NUL-terminated, in *ret (free() it). A regular file is one
 * read of its size (the byte after it sees the end); anything else grows.
 */
static int read_whole(const char *path, char **ret, size_t *ret_len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), r = 0;
	struct stat st;
	size_t cap = 4096, len = 0;
	char *buf = NULL;

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
		if ((unsigned long long)st.st_size > CONFIG_MAX_BYTES) {
			close(fd);
			return -EFBIG;
		}
		cap = (size_t)st.st_size + 2;
	}
	for (;;) {
		ssize_t n;

		if (!buf || len + 1 == cap) {
			size_t want = buf ? cap * 2 : cap;
			char *grown = want > CONFIG_MAX_BYTES + 2 ? NULL : realloc(buf, want);

			if (!grown) {
				r = want > CONFIG_MAX_BYTES + 2 ? -EFBIG : -ENOMEM;
				break;
			}
			buf = grown;
			cap = want;
		}
		n = read(fd, buf + len, cap - 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			r = n < 0 ? -errno : 0;
			break;
		}
		len += (size_t)n;
	}
	close(fd);
	if (r < 0) {
		free(buf);
		return r;
	}
	buf[len] = '\0';
	*ret = buf;
	*ret_len = len;
	return 0;
}

/*
 * libconfig parses a string faster than a FILE: from a FILE its scanner reads
 * through a buffer of its own, on top of stdio's. A string ends at a NUL, so
 * a NUL in the file is reported here, as the FILE parse reported it: a
 * syntax error on its line.
 */
int nsp_config_load(const char *path, struct nsp_config *ret_cfg, struct nsp_diag *diag)
{
	return nsp_config_load_keep(path, ret_cfg, diag, NULL);
}

int nsp_config_load_keep(const char *path, struct nsp_config *ret_cfg, struct nsp_diag *diag,
			 char **ret_text)
{
	const char *nul;
	char *text = NULL;
	size_t len = 0;
	int r = read_whole(path, &text, &len);

	if (r < 0)
		return r;
	nul = memchr(text, '\0', len);
	if (nul) {
		struct ctx c = {.file = path, .diag = diag};
		int line = 1;

		for (const char *p = text; p < nul; p++)
			line += *p == '\n';
		report(&c, line, "syntax", "a NUL byte in the file");
		r = -EINVAL;
	} else {
		r = nsp_config_load_string(text, path, ret_cfg, diag);
	}
	if (r == 0 && ret_text)
		*ret_text = text;
	else
		free(text);
	return r;
}

/*
 * libconfig's @include directive is refused: an error in an included file
 * would be reported against the including one, relative paths would resolve
 * against the current directory, and a reload would read the included files
 * again, apart from the text it checked. The line of the first one, or 0.
 */
static int include_line(const char *text)
{
	int line = 1;

	for (const char *p = text; *p; line++) {
		const char *q = p + strspn(p, " \t");

		if (!strncmp(q, "@include", 8))
			return line;
		p = strchr(p, '\n');
		if (!p)
			break;
		p++;
	}
	return 0;
}

int nsp_config_load_string(const char *text, const char *name, struct nsp_config *ret_cfg,
			   struct nsp_diag *diag)
{
	int r, inc = include_line(text);
	config_t cf;

	if (inc) {
		struct ctx c = {.file = name, .diag = diag};

		report(&c, inc, "syntax",
		       "@include is not supported: keep the configuration in one file");
		return -EINVAL;
	}
	config_init(&cf);
	r = load(&cf, name, config_read_string(&cf, text) == CONFIG_TRUE, ret_cfg, diag);
	config_destroy(&cf);
	if (r == 0) {
		uint64_t h = 14695981039346656037ULL; /* FNV-1a */

		for (const unsigned char *p = (const unsigned char *)text; *p; p++)
			h = (h ^ *p) * 1099511628211ULL;
		ret_cfg->text_hash = h;
	}
	return r;
}

void nsp_ping_text(const struct nsp_instance *in, char buf[NSP_PING_TEXT_MAX])
{
	const struct nsp_ping *p = &in->ping;
	uint32_t hash = 2166136261u; /* FNV-1a over the targets, in order */

	for (size_t i = 0; i < p->n_targets; i++) {
		const uint8_t *b = (const uint8_t *)&p->targets[i];

		for (size_t k = 0; k < sizeof(p->targets[i]); k++)
			hash = (hash ^ b[k]) * 16777619u;
	}
	snprintf(buf, NSP_PING_TEXT_MAX,
		 "port=%u magic=0x%08x interval_ms=%u timeout_ms=%u down_after=%u up_after=%u "
		 "sports=%u-%u targets=%zu/%08x",
		 p->port, p->magic, p->interval_ms, p->timeout_ms, p->down_after, p->up_after,
		 p->sport_min, p->sport_max, p->n_targets, hash);
}

void nsp_config_free(struct nsp_config *cfg)
{
	for (size_t i = 0; i < cfg->n_instances; i++)
		free(cfg->instances[i].ping.targets);
	free(cfg->instances);
	cfg->instances = NULL;
	cfg->n_instances = 0;
}
