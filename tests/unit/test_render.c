// SPDX-License-Identifier: GPL-2.0-only
/* The plan as people and programs read it: exact bytes for a known plan. */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "render.h"

static struct nsp_instance inst = {.name = "gwping"};
static struct nsp_config cfg = {.instances = &inst, .n_instances = 1};

static struct nsp_change changes[] = {
	{.op = NSP_OP_CREATE,
	 .kind = NSP_KIND_NETNS,
	 .object = "ns-ping",
	 .to = "/run/netns/ns-ping"},
	{.op = NSP_OP_UPDATE,
	 .kind = NSP_KIND_LINK,
	 .object = "vpingn",
	 .attribute = "mac",
	 .from = "02:00:00:00:00:09",
	 .to = "02:00:00:00:00:02"},
	{.op = NSP_OP_DELETE,
	 .kind = NSP_KIND_ADDRESS,
	 .object = "10.1.1.1/24 dev vpingn",
	 .from = "10.1.1.1/24"},
	{.op = NSP_OP_UPDATE,
	 .kind = NSP_KIND_OFFLOAD,
	 .object = "vpingn",
	 .attribute = "gro",
	 .to = "on"},
};

static char *render(void (*fn)(FILE *, const struct nsp_config *, const struct nsp_plan *),
		    const struct nsp_plan *plan)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	fn(f, &cfg, plan);
	fclose(f);
	return buf;
}

static void test_text(void **state)
{
	struct nsp_plan plan = {.changes = changes, .n_changes = 4};
	char *out;

	(void)state;
	out = render(nsp_render_plan_text, &plan);
	assert_string_equal(out, "instance gwping:\n"
				 "  + netns ns-ping (/run/netns/ns-ping)\n"
				 "  ~ link vpingn mac: 02:00:00:00:00:09 -> 02:00:00:00:00:02\n"
				 "  - address 10.1.1.1/24 dev vpingn (10.1.1.1/24)\n"
				 "  ~ offload vpingn gro: (unknown) -> on\n"
				 "Plan: 1 to create, 2 to update, 1 to delete.\n");
	free(out);

	plan.n_changes = 0;
	out = render(nsp_render_plan_text, &plan);
	assert_string_equal(out, "No changes. The kernel matches the configuration.\n");
	free(out);
}

static void test_json(void **state)
{
	struct nsp_conflict conflict = {
		.kind = NSP_KIND_LINK, .object = "vpingh", .reason = "link \"vpingh\" is not ours"};
	struct nsp_plan plan = {
		.changes = changes, .n_changes = 2, .conflicts = &conflict, .n_conflicts = 1};
	char *out;

	(void)state;
	out = render(nsp_render_plan_json, &plan);
	assert_string_equal(
		out,
		"{\"changes\":["
		"{\"op\":\"create\",\"kind\":\"netns\",\"instance\":\"gwping\",\"object\":\"ns-"
		"ping\","
		"\"from\":null,\"to\":\"/run/netns/ns-ping\"},"
		"{\"op\":\"update\",\"kind\":\"link\",\"instance\":\"gwping\",\"object\":"
		"\"vpingn\","
		"\"attribute\":\"mac\",\"from\":\"02:00:00:00:00:09\",\"to\":\"02:00:00:00:00:02\"}"
		"],"
		"\"summary\":{\"create\":1,\"update\":1,\"delete\":0},"
		"\"conflicts\":[{\"kind\":\"link\",\"instance\":\"gwping\",\"object\":\"vpingh\","
		"\"reason\":\"link \\\"vpingh\\\" is not ours\"}],"
		"\"errors\":[]}\n");
	free(out);
}

/* Orphans come last, each owner's under its name and scope; JSON says both. */
static void test_orphans(void **state)
{
	struct nsp_change orphans[] = {
		{.op = NSP_OP_DELETE,
		 .kind = NSP_KIND_XDP,
		 .instance = 0,
		 .owner = {"default", "gwping"},
		 .object = "rx_ping on eth9",
		 .from = "id 40"},
		{.op = NSP_OP_DELETE,
		 .kind = NSP_KIND_TC,
		 .instance = NSP_NO_INSTANCE,
		 .owner = {"default", "gwold"},
		 .object = "rx_ping on eth0",
		 .from = "id 31"},
		{.op = NSP_OP_DELETE,
		 .kind = NSP_KIND_NETNS,
		 .instance = NSP_NO_INSTANCE,
		 .owner = {"default", "gwold"},
		 .object = "ns-old",
		 .from = "/run/netns/ns-old"},
		{.op = NSP_OP_DELETE,
		 .kind = NSP_KIND_NETNS,
		 .instance = NSP_NO_INSTANCE,
		 .owner = {"blue", "b"},
		 .object = "ns-b",
		 .from = "/run/netns/ns-b"},
	};
	struct nsp_plan plan = {.changes = orphans, .n_changes = 4};
	char *out;

	(void)state;
	out = render(nsp_render_plan_text, &plan);
	assert_string_equal(out, "instance gwping:\n"
				 "  - xdp rx_ping on eth9 (id 40)\n"
				 "instance gwold of scope default, not in the file:\n"
				 "  - tc rx_ping on eth0 (id 31)\n"
				 "  - netns ns-old (/run/netns/ns-old)\n"
				 "instance b of scope blue, not in the file:\n"
				 "  - netns ns-b (/run/netns/ns-b)\n"
				 "Plan: 0 to create, 0 to update, 4 to delete.\n");
	free(out);
	plan.changes = orphans + 1;
	plan.n_changes = 1;
	out = render(nsp_render_plan_json, &plan);
	assert_string_equal(out, "{\"changes\":["
				 "{\"op\":\"delete\",\"kind\":\"tc\",\"instance\":\"gwold\","
				 "\"scope\":\"default\",\"object\":\"rx_ping on eth0\","
				 "\"from\":\"id 31\",\"to\":null}],"
				 "\"summary\":{\"create\":0,\"update\":0,\"delete\":1},"
				 "\"conflicts\":[],\"errors\":[]}\n");
	free(out);
}

/* The warnings, in JSON (a member of plan and apply) and as a line of stderr. */
static void test_warnings(void **state)
{
	struct nsp_warning items[] = {
		{.instance = 0,
		 .code = NSP_WARN_GRO_OFF,
		 .key = "instances[0].offload.gro",
		 .line = 9,
		 .message = "the \"replies\" are dropped",
		 .fix = "set offload.gro = true"},
	};
	struct nsp_warnings w = {.items = items, .n = 1}, none = {0};
	char *buf = NULL;
	size_t len = 0;
	struct nsp_json j;
	FILE *f;

	(void)state;
	strcpy(cfg.path, "/etc/nsping/nsping.conf");
	f = open_memstream(&buf, &len);
	assert_non_null(f);
	nsp_json_init(&j, f);
	nsp_json_begin_object(&j, NULL);
	nsp_render_warnings_json(&j, &cfg, &w);
	nsp_json_end_object(&j);
	nsp_json_init(&j, f);
	nsp_json_begin_object(&j, NULL);
	nsp_render_warnings_json(&j, &cfg, &none);
	nsp_json_end_object(&j);
	nsp_render_warning_text(f, &cfg, &items[0]);
	fclose(f);
	assert_string_equal(buf,
			    "{\"warnings\":[{\"instance\":\"gwping\",\"key\":\"instances[0]."
			    "offload.gro\",\"code\":\"gro_off\",\"message\":\"the "
			    "\\\"replies\\\" are dropped\",\"fix\":\"set offload.gro = "
			    "true\",\"line\":9}]}\n"
			    "{\"warnings\":[]}\n"
			    "nsping: warning: gwping: instances[0].offload.gro: the \"replies\" "
			    "are dropped; fix: set offload.gro = true "
			    "(/etc/nsping/nsping.conf:9)\n");
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_text),
		cmocka_unit_test(test_json),
		cmocka_unit_test(test_orphans),
		cmocka_unit_test(test_warnings),
	};

	return cmocka_run_group_tests_name("render", tests, NULL, NULL);
}
