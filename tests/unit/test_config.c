// SPDX-License-Identifier: GPL-2.0-only
/*
 * Configuration loading and validation, table-driven: each case is a file
 * text and either the model it must give or the first "FILE:LINE: KEY"
 * error it must report. The corpus in tests/configs/bad covers more through
 * the binary; these pin the model and the messages.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "config.h"

#define GOOD_INSTANCE                                                                              \
	"  { name = \"gwping\"; netns = \"ns-ping\"; uplink = \"eth0\";\n"                         \
	"    veth = { host = \"vpingh\"; peer = \"vpingn\"; };\n"                                  \
	"    address = \"10.99.0.2/24\";\n"                                                        \
	"    gateway = { ip = \"10.99.0.1\"; mac = \"02:00:00:00:00:01\"; }; }\n"

static void test_defaults(void **state)
{
	const char *text = "version = 1;\ninstances = (\n" GOOD_INSTANCE ");\n";
	struct nsp_config cfg;
	struct nsp_diag d = {0};
	const struct nsp_instance *in;

	(void)state;
	assert_int_equal(nsp_config_load_string(text, "t.conf", &cfg, &d), 0);
	assert_int_equal(cfg.n_instances, 1);
	assert_string_equal(cfg.scope, "default");
	in = &cfg.instances[0];
	assert_string_equal(in->name, "gwping");
	assert_string_equal(in->netns, "ns-ping");
	assert_string_equal(in->veth_host, "vpingh");
	assert_true(in->mac_inherit);
	assert_int_equal(in->address, inet_addr("10.99.0.2"));
	assert_int_equal(in->prefix, 24);
	assert_int_equal(in->gateway_ip, inet_addr("10.99.0.1"));
	assert_int_equal(in->gateway_mac.b[5], 1);
	assert_true(in->gro);
	assert_false(in->tx_checksum);
	assert_int_equal(in->n_bindings, 0);
	assert_int_equal(in->ping.port, 10086);
	assert_int_equal(in->ping.magic, 0x4E535047u);
	assert_int_equal(in->ping.interval_ms, 1000);
	assert_int_equal(in->ping.timeout_ms, 1000);
	assert_int_equal(in->ping.down_after, 3);
	assert_int_equal(in->ping.up_after, 1);
	assert_int_equal(in->ping.n_targets, 1);
	assert_int_equal(in->ping.targets[0], inet_addr("10.99.0.1"));
	nsp_config_free(&cfg);
}

/*
 * The lines the plan-time warnings name (lint.h): a key's own, else its
 * group's (a default inside a group), else the instance's.
 */
static void test_warning_lines(void **state)
{
	const char *text =
		"version = 1;\n"				/* 1 */
		"instances = (\n"				/* 2 */
		"  { name = \"gwping\"; netns = \"ns-ping\";\n" /* 3 */
		"    uplink = \"eth0\";\n"			/* 4 */
		"    veth = { host = \"vpingh\"; peer = \"vpingn\"; };\n"
		"    mac = \"02:00:00:00:00:42\";\n"		 /* 6 */
		"    address = \"10.99.0.2/24\";\n"		 /* 7 */
		"    gateway = { mac = \"02:00:00:00:00:01\";\n" /* 8 */
		"                ip = \"10.99.0.1\"; };\n"	 /* 9 */
		"    offload = {\n"				 /* 10 */
		"      tx_checksum = true; };\n"		 /* 11 */
		"    xdp = ( { program = \"tx_ping\"; interface = \"vpingh\";\n"
		"              mode = \"native\"; },\n" /* 13 */
		"            { program = \"rx_ping\"; interface = \"eth0\";\n"
		"              attach = \"xdp\"; } );\n"  /* 15 */
		"    ping = { sport_max = 65000;\n"	  /* 16 */
		"             sport_min = 64000; }; },\n" /* 17 */
		"  { name = \"second\"; netns = \"ns-2\"; uplink = \"eth0\";\n"
		"    veth = { host = \"vh2\"; peer = \"vp2\"; }; address = \"inherit\";\n"
		"    gateway = { ip = \"10.99.0.1\"; mac = \"02:00:00:00:00:01\"; }; }\n"
		");\n";
	struct nsp_config cfg;
	struct nsp_diag d = {0};
	const struct nsp_instance *in, *two;

	(void)state;
	assert_int_equal(nsp_config_load_string(text, "t.conf", &cfg, &d), 0);
	in = &cfg.instances[0];
	assert_int_equal(in->mac_line, 6);
	assert_int_equal(in->address_line, 7);
	assert_int_equal(in->gateway_ip_line, 9);
	assert_int_equal(in->gro_line, 10); /* a default: its group's line */
	assert_int_equal(in->tx_checksum_line, 11);
	assert_int_equal(in->bindings[0].mode_line, 13);
	assert_int_equal(in->bindings[1].mode_line, 14); /* a default: the entry's */
	assert_int_equal(in->sport_line, 17);
	two = &cfg.instances[1];
	/* defaults without a group: the instance's line */
	assert_int_equal(two->mac_line, two->line);
	assert_int_equal(two->gro_line, two->line);
	assert_int_equal(two->tx_checksum_line, two->line);
	assert_int_equal(two->sport_line, two->line);
	assert_int_equal(two->address_line, 19);
	nsp_config_free(&cfg);
}

/* rx_ping attaches at tc unless the file says attach or mode; tx_ping at XDP. */
static void test_binding_defaults(void **state)
{
	static const struct {
		const char *rx;
		enum nsp_attach want;
	} cases[] = {
		{"{ program = \"rx_ping\"; interface = \"eth0\"; }", NSP_ATTACH_TC},
		{"{ program = \"rx_ping\"; interface = \"eth0\"; mode = \"auto\"; }",
		 NSP_ATTACH_XDP},
		{"{ program = \"rx_ping\"; interface = \"eth0\"; mode = \"native\"; }",
		 NSP_ATTACH_XDP},
		{"{ program = \"rx_ping\"; interface = \"eth0\"; attach = \"xdp\"; }",
		 NSP_ATTACH_XDP},
		{"{ program = \"rx_ping\"; interface = \"eth0\"; attach = \"tc\"; }",
		 NSP_ATTACH_TC},
	};
	char text[1024];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct nsp_config cfg;
		struct nsp_diag d = {0};

		snprintf(text, sizeof(text),
			 "version = 1;\ninstances = ( { name = \"g\"; netns = \"n\"; uplink = "
			 "\"eth0\";\n veth = { host = \"vh\"; peer = \"vp\"; }; address = "
			 "\"10.99.0.2/24\";\n gateway = { ip = \"10.99.0.1\"; mac = "
			 "\"02:00:00:00:00:01\"; };\n xdp = ( { program = \"tx_ping\"; interface = "
			 "\"vh\"; }, %s ); } );\n",
			 cases[i].rx);
		assert_int_equal(nsp_config_load_string(text, "t.conf", &cfg, &d), 0);
		assert_int_equal(cfg.instances[0].bindings[0].attach, NSP_ATTACH_XDP);
		if (cfg.instances[0].bindings[1].attach != cases[i].want)
			fail_msg("case %zu (%s): attach %d, want %d", i, cases[i].rx,
				 cfg.instances[0].bindings[1].attach, cases[i].want);
		nsp_config_free(&cfg);
	}
}

static void test_full(void **state)
{
	const char *text =
		"version = 1;\n"
		"scope = \"edge_gw-2\";\n"
		"instances = ( { name = \"a\"; netns = \"ns-a\"; uplink = \"eth0\";\n"
		"  veth = { host = \"vah\"; peer = \"van\"; };\n"
		"  mac = \"02:aa:bb:cc:dd:ee\"; address = \"inherit\";\n"
		"  gateway = { ip = \"10.0.0.1\"; mac = \"02:00:00:00:00:01\"; };\n"
		"  offload = { gro = false; tx_checksum = true; };\n"
		"  xdp = ( { program = \"tx_ping\"; interface = \"vah\"; mode = \"native\"; },\n"
		"          { program = \"rx_ping\"; interface = \"eth0\"; attach = \"tc\"; } );\n"
		"  ping = { port = 80; magic = 0xDEADBEEF; interval_ms = 200; timeout_ms = 500;\n"
		"           targets = ( \"10.0.0.1\", \"10.0.0.2\" ); down_after = 5; up_after = "
		"2; };\n"
		"} );\n";
	struct nsp_config cfg;
	struct nsp_diag d = {0};
	const struct nsp_instance *in;

	(void)state;
	if (nsp_config_load_string(text, "t.conf", &cfg, &d) < 0)
		fail_msg("%s", d.n ? d.msgs[0] : "no message");
	assert_string_equal(cfg.scope, "edge_gw-2");
	in = &cfg.instances[0];
	assert_false(in->mac_inherit);
	assert_int_equal(in->mac.b[1], 0xaa);
	assert_true(in->address_inherit);
	assert_false(in->gro);
	assert_true(in->tx_checksum);
	assert_int_equal(in->n_bindings, 2);
	assert_int_equal(in->bindings[0].program, NSP_PROG_TX_PING);
	assert_int_equal(in->bindings[0].mode, NSP_MODE_NATIVE);
	assert_int_equal(in->bindings[1].attach, NSP_ATTACH_TC);
	assert_int_equal(in->bindings[1].mode, NSP_MODE_AUTO);
	assert_int_equal(in->ping.port, 80);
	assert_int_equal(in->ping.magic, 0xDEADBEEFu);
	assert_int_equal(in->ping.n_targets, 2);
	assert_int_equal(in->ping.down_after, 5);
	nsp_config_free(&cfg);
}

struct bad_case {
	const char *name;
	const char *text;
	const char *expect; /* the start of the first message */
};

#define INST(body)                                                                                 \
	"version = 1;\ninstances = (\n  { name = \"gwping\"; netns = \"ns-ping\"; "                \
	"uplink = \"eth0\";\n    veth = { host = \"vpingh\"; peer = \"vpingn\"; };\n"              \
	"    address = \"10.99.0.2/24\";\n"                                                        \
	"    gateway = { ip = \"10.99.0.1\"; mac = \"02:00:00:00:00:01\"; };\n" body "  }\n);\n"

static const struct bad_case bad[] = {
	{"syntax", "version = 1;\ninstances = = ();\n", "t.conf:2: syntax: "},
	{"@include", "version = 1;\n  @include \"more.conf\"\ninstances = (\n" GOOD_INSTANCE ");\n",
	 "t.conf:2: syntax: @include is not supported"},
	{"no version", "instances = (\n" GOOD_INSTANCE ");\n", "t.conf:1: version: missing"},
	{"version 2", "version = 2;\ninstances = (\n" GOOD_INSTANCE ");\n",
	 "t.conf:1: version: 2 is not supported"},
	{"no instances", "version = 1;\n", "t.conf:1: instances: missing"},
	{"empty instances", "version = 1;\ninstances = ();\n", "t.conf:2: instances: 0 instances"},
	{"unknown top key", "version = 1;\nfoo = 1;\ninstances = (\n" GOOD_INSTANCE ");\n",
	 "t.conf:2: foo: unknown key"},
	{"scope uppercase", "version = 1;\nscope = \"Blue\";\ninstances = (\n" GOOD_INSTANCE ");\n",
	 "t.conf:2: scope: \"Blue\" must be 1..15 characters of [a-z0-9_-]"},
	{"scope empty", "version = 1;\nscope = \"\";\ninstances = (\n" GOOD_INSTANCE ");\n",
	 "t.conf:2: scope: \"\" must be 1..15 characters"},
	{"scope too long",
	 "version = 1;\ninstances = (\n" GOOD_INSTANCE ");\nscope = \"abcdefghijklmnop\";\n",
	 "t.conf:8: scope: \"abcdefghijklmnop\" must be 1..15 characters"},
	{"scope with a slash",
	 "version = 1;\nscope = \"a/b\";\ninstances = (\n" GOOD_INSTANCE ");\n",
	 "t.conf:2: scope: \"a/b\" must be"},
	{"scope type", "version = 1;\nscope = 7;\ninstances = (\n" GOOD_INSTANCE ");\n",
	 "t.conf:2: scope: expected a string, got an integer"},
	{"unknown instance key", INST("    colour = \"red\";\n"),
	 "t.conf:7: instances[0].colour: unknown key"},
	{"bad mac", INST("    mac = \"01:00:5e:00:00:01\";\n"),
	 "t.conf:7: instances[0].mac: \"01:00:5e:00:00:01\" is not a unicast"},
	{"mac malformed", INST("    mac = \"02:00:00:00:00\";\n"),
	 "t.conf:7: instances[0].mac: \"02:00:00:00:00\" is not a MAC"},
	{"port range", INST("    ping = { port = 0; };\n"),
	 "t.conf:7: instances[0].ping.port: 0 is out of range"},
	{"port type", INST("    ping = { port = \"http\"; };\n"),
	 "t.conf:7: instances[0].ping.port: expected an integer, got a string"},
	{"mode",
	 INST("    xdp = ( { program = \"rx_ping\"; interface = \"eth0\"; mode = \"fast\"; } );\n"),
	 "t.conf:7: instances[0].xdp[0].mode: \"fast\" is not one of"},
	{"tx_ping on uplink",
	 INST("    xdp = ( { program = \"tx_ping\"; interface = \"eth0\"; } );\n"),
	 "t.conf:7: instances[0].xdp[0].interface: tx_ping must be bound to veth.host"},
	{"target", INST("    ping = { targets = ( \"10.0.0.300\" ); };\n"),
	 "t.conf:7: instances[0].ping.targets[0]: \"10.0.0.300\" is not an IPv4"},
	{"long ifname",
	 "version = 1;\ninstances = ( { name = \"a\"; netns = \"n\"; uplink = \"eth0\";\n"
	 "  veth = { host = \"abcdefghijklmnop\"; peer = \"p\"; };\n"
	 "  address = \"10.0.0.2/24\"; gateway = { ip = \"10.0.0.1\"; mac = \"02:00:00:00:00:01\"; "
	 "}; } );\n",
	 "t.conf:3: instances[0].veth.host: \"abcdefghijklmnop\" is not an interface name"},
	{"peer named as run's hold pair",
	 "version = 1;\ninstances = ( { name = \"a\"; netns = \"n\"; uplink = \"eth0\";\n"
	 "  veth = { host = \"h\";\n    peer = \"nsping-hold-rx\"; };\n"
	 "  address = \"10.0.0.2/24\"; gateway = { ip = \"10.0.0.1\"; mac = \"02:00:00:00:00:01\"; "
	 "}; } );\n",
	 "t.conf:4: instances[0].veth.peer: \"nsping-hold-rx\" is reserved"},
	{"netns escape",
	 "version = 1;\ninstances = ( { name = \"a\"; netns = \"..\"; uplink = \"eth0\";\n"
	 "  veth = { host = \"h\"; peer = \"p\"; };\n"
	 "  address = \"10.0.0.2/24\"; gateway = { ip = \"10.0.0.1\"; mac = \"02:00:00:00:00:01\"; "
	 "}; } );\n",
	 "t.conf:2: instances[0].netns: \"..\" must be"},
	{"prefix 33",
	 "version = 1;\ninstances = ( { name = \"a\"; netns = \"n\"; uplink = \"eth0\";\n"
	 "  veth = { host = \"h\"; peer = \"p\"; }; address = \"10.0.0.2/33\";\n"
	 "  gateway = { ip = \"10.0.0.1\"; mac = \"02:00:00:00:00:01\"; }; } );\n",
	 "t.conf:3: instances[0].address: \"10.0.0.2/33\": the prefix length must be 1..32"},
};

static void test_bad(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct nsp_config cfg;
		struct nsp_diag d = {0};
		int r;

		if (!bad[i].expect)
			continue;
		r = nsp_config_load_string(bad[i].text, "t.conf", &cfg, &d);
		if (r != -EINVAL || d.n == 0)
			fail_msg("case \"%s\": accepted (r=%d)", bad[i].name, r);
		if (strncmp(d.msgs[0], bad[i].expect, strlen(bad[i].expect)))
			fail_msg("case \"%s\": got \"%s\", expected \"%s...\"", bad[i].name,
				 d.msgs[0], bad[i].expect);
		nsp_diag_free(&d);
	}
}

/* Clashes between instances are reported on the later instance. */
static void test_clashes(void **state)
{
	const char *text = "version = 1;\ninstances = (\n" GOOD_INSTANCE "," GOOD_INSTANCE ");\n";
	struct nsp_config cfg;
	struct nsp_diag d = {0};
	const char *want[] = {
		"t.conf:7: instances[1].name:", "t.conf:7: instances[1].netns:",
		"t.conf:8: instances[1].veth.host:", "t.conf:8: instances[1].veth.peer:"};

	(void)state;
	assert_int_equal(nsp_config_load_string(text, "t.conf", &cfg, &d), -EINVAL);
	assert_int_equal(d.n, 4);
	for (size_t i = 0; i < 4; i++)
		if (strncmp(d.msgs[i], want[i], strlen(want[i])))
			fail_msg("clash %zu: got \"%s\", expected \"%s\"", i, d.msgs[i], want[i]);
	nsp_diag_free(&d);
}

/* A temporary file holding len bytes of text; its path in path (unlink it). */
static void temp_file(char *path, const char *text, size_t len)
{
	int fd;

	strcpy(path, "/tmp/nsping-test-config.XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, len), (ssize_t)len);
	close(fd);
}

/*
 * nsp_config_load reads the file itself and parses the text: the same model
 * as from the string, from a file, a pipe (read as it comes, in more than one
 * buffer) and an empty file; a NUL byte is a syntax error on its line; a
 * directory is an error to read, not a parse.
 */
static void test_load_file(void **state)
{
	const char *good = "version = 1;\ninstances = (\n" GOOD_INSTANCE ");\n";
	const char with_nul[] = "version = 1;\n\ninstances = \0();\n";
	char path[64], want[128], big[16384], fdpath[32];
	struct nsp_config cfg;
	struct nsp_diag d = {0};
	int p[2], n;

	(void)state;
	temp_file(path, good, strlen(good));
	assert_int_equal(nsp_config_load(path, &cfg, &d), 0);
	assert_int_equal(cfg.n_instances, 1);
	assert_string_equal(cfg.instances[0].veth_host, "vpingh");
	nsp_config_free(&cfg);
	unlink(path);

	temp_file(path, with_nul, sizeof(with_nul) - 1);
	assert_int_equal(nsp_config_load(path, &cfg, &d), -EINVAL);
	snprintf(want, sizeof(want), "%s:3: syntax: a NUL byte in the file", path);
	assert_int_equal(d.n, 1);
	assert_string_equal(d.msgs[0], want);
	nsp_diag_free(&d);
	unlink(path);

	temp_file(path, "", 0);
	assert_int_equal(nsp_config_load(path, &cfg, &d), -EINVAL);
	assert_int_equal(d.n, 2); /* version and instances missing */
	nsp_diag_free(&d);
	unlink(path);

	/* well over the first 4 KiB a non-regular file is read in */
	n = snprintf(big, sizeof(big), "version = 1;\ninstances = (\n" GOOD_INSTANCE ");\n");
	while (n < (int)sizeof(big) - 64)
		n += snprintf(big + n, sizeof(big) - (size_t)n, "# padding to grow the buffer\n");
	assert_int_equal(pipe(p), 0);
	assert_int_equal(write(p[1], big, (size_t)n), n);
	close(p[1]);
	snprintf(fdpath, sizeof(fdpath), "/dev/fd/%d", p[0]);
	assert_int_equal(nsp_config_load(fdpath, &cfg, &d), 0);
	assert_int_equal(cfg.n_instances, 1);
	nsp_config_free(&cfg);
	close(p[0]);

	assert_int_equal(nsp_config_load("/", &cfg, &d), -EISDIR);
	assert_int_equal(d.n, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),      cmocka_unit_test(test_binding_defaults),
		cmocka_unit_test(test_warning_lines), cmocka_unit_test(test_full),
		cmocka_unit_test(test_bad),	      cmocka_unit_test(test_clashes),
		cmocka_unit_test(test_load_file),
	};

	return cmocka_run_group_tests_name("config", tests, NULL, NULL);
}
