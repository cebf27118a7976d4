// SPDX-License-Identifier: GPL-2.0-only
/* nsp_suggest: the closest name within a few edits, or none. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "suggest.h"

static void test_suggest(void **state)
{
	static const char *const commands[] = {"validate", "plan", "apply", "status",
					       "destroy",  "ping", "run",   NULL};
	static const char *const keys[] = {"name",    "netns",	 "uplink", "veth", "mac", "address",
					   "gateway", "offload", "xdp",	   "ping", NULL};
	static const struct {
		const char *word;
		const char *const *from;
		const char *want; /* NULL: no suggestion */
	} cases[] = {
		{"plam", commands, "plan"},	{"aply", commands, "apply"},
		{"stauts", commands, "status"}, {"destory", commands, "destroy"},
		{"uplnk", keys, "uplink"},	{"adress", keys, "address"},
		{"gatway", keys, "gateway"},	{"frobnicate", commands, NULL},
		{"x", commands, NULL},		{"", keys, NULL},
		{"veht", keys, "veth"},		{"reconcile", commands, NULL},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *got = nsp_suggest(cases[i].word, cases[i].from);

		if ((got == NULL) != (cases[i].want == NULL) || (got && strcmp(got, cases[i].want)))
			fail_msg("\"%s\": got %s, want %s", cases[i].word, got ? got : "none",
				 cases[i].want ? cases[i].want : "none");
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {cmocka_unit_test(test_suggest)};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
