// SPDX-License-Identifier: GPL-2.0-only
/*
 * The worker's privileged opener (worker/opener.c) against a real kernel, as
 * root: it opens the probe sockets in a netns nsping made, and refuses what a
 * compromised worker could ask for instead: a path (the host's netns through
 * /proc), a name that climbs out of /run/netns, a netns that is not nsping's.
 * The namespaces are made here, named nspo<pid>*, and removed at the end.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "desired.h"
#include "netns.h"
#include "opener.h"

static char ours[64], foreign[64];

/* Runs inside the new netns: mark its lo as nsping does (ip link set lo alias). */
static int mark_lo(void *arg)
{
	(void)arg;
	return system("ip link set dev lo alias " NSP_MARK_PREFIX "optest") == 0 ? 0 : -EIO;
}

static int setup(void **state)
{
	(void)state;
	snprintf(ours, sizeof(ours), "nspo%dm", (int)getpid());
	snprintf(foreign, sizeof(foreign), "nspo%df", (int)getpid());
	if (nsp_netns_create(ours, mark_lo, NULL) < 0 || nsp_netns_create(foreign, NULL, NULL) < 0)
		return -1;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	nsp_netns_delete(ours);
	nsp_netns_delete(foreign);
	return 0;
}

/* name -> the opener's answer; sockets closed again on success. */
static int ask(struct nsp_opener *o, const char *name)
{
	struct nsp_path_socks socks;
	uint64_t id;
	int r = nsp_opener_open(o, name, 10086, 61000, 65535, &socks, &id);

	if (r == 0)
		nsp_path_socks_close(&socks);
	return r;
}

static void test_opener_serves_only_nspings_netns(void **state)
{
	struct nsp_opener o = {.sock = -1};
	char climb[96], self_path[64];

	(void)state;
	snprintf(climb, sizeof(climb), "../../proc/%d/ns/net", (int)getpid());
	snprintf(self_path, sizeof(self_path), "/proc/%d/ns/net", (int)getpid());
	assert_int_equal(nsp_opener_start(&o), 0);
	assert_int_equal(ask(&o, ours), 0);
	assert_int_equal(ask(&o, foreign), -EPERM);
	assert_int_equal(ask(&o, self_path), -EPERM);	     /* the host's netns by path */
	assert_int_equal(ask(&o, "/proc/1/ns/net"), -EPERM); /* PID 1's */
	assert_int_equal(ask(&o, climb), -EPERM);
	assert_int_equal(ask(&o, ".."), -EPERM);
	assert_int_equal(ask(&o, "nspo-no-such-netns"), -ENOENT);
	assert_int_equal(ask(&o, ours), 0); /* and it still serves */
	nsp_opener_stop(&o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_opener_serves_only_nspings_netns),
	};

	if (geteuid() != 0) {
		fprintf(stderr, "test_opener: needs root (it makes network namespaces)\n");
		return 1;
	}
	return cmocka_run_group_tests(tests, setup, teardown);
}
