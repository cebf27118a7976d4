// SPDX-License-Identifier: GPL-2.0-only
/*
 * The worker's state file (workerstate.h): what the worker writes, status
 * reads back the same; every damaged file is refused, not half read; the
 * liveness check tells a live writer from a recycled pid.
 */
#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "workerstate.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static const struct nsp_workerstate sample = {
	.pid = 4242,
	.start_ticks = 123456789,
	.since = 1795000000,
	.updated = 1795000042,
	.path_up = true,
	.targets = 3,
	.targets_up = 2,
	.sent = 18446744073709551615ULL,
	.received = 7,
	.repairs = 3,
	.timeouts = 11,
	.late = 2,
	.duplicate = 1,
	.stray = 5,
	.reason = "",
	.ping = "port=10086 interval_ms=1000",
	.reloader = 4241,
};

static const char sample_text[] = "pid 4242\n"
				  "start_ticks 123456789\n"
				  "since 1795000000\n"
				  "updated 1795000042\n"
				  "path up\n"
				  "targets 3\n"
				  "targets_up 2\n"
				  "sent 18446744073709551615\n"
				  "received 7\n"
				  "repairs 3\n"
				  "reloader 4241\n"
				  "timeouts 11\n"
				  "late 2\n"
				  "duplicate 1\n"
				  "stray 5\n"
				  "ping port=10086 interval_ms=1000\n";

static void test_format_golden(void **state)
{
	char buf[512];

	(void)state;
	assert_int_equal(nsp_workerstate_format(buf, sizeof(buf), &sample),
			 (int)strlen(sample_text));
	assert_string_equal(buf, sample_text);
	assert_int_equal(nsp_workerstate_format(buf, 20, &sample), -ENOSPC);
}

static void test_round_trip(void **state)
{
	struct nsp_workerstate in = sample, out;
	char buf[512];

	(void)state;
	for (int up = 0; up < 2; up++) {
		in.path_up = up;
		assert_true(nsp_workerstate_format(buf, sizeof(buf), &in) > 0);
		memset(&out, 0xa5, sizeof(out));
		assert_int_equal(nsp_workerstate_parse(buf, &out), 0);
		assert_int_equal(out.pid, in.pid);
		assert_true(out.start_ticks == in.start_ticks && out.since == in.since &&
			    out.updated == in.updated && out.sent == in.sent &&
			    out.received == in.received);
		assert_int_equal(out.path_up, in.path_up);
		assert_int_equal(out.targets, in.targets);
		assert_int_equal(out.targets_up, in.targets_up);
		assert_true(out.repairs == in.repairs);
		assert_true(out.timeouts == in.timeouts && out.late == in.late &&
			    out.duplicate == in.duplicate && out.stray == in.stray);
		assert_string_equal(out.reason, in.reason);
		assert_int_equal(out.cause, NSP_CAUSE_NONE);
		assert_string_equal(out.ping, in.ping);
		assert_int_equal(out.reloader, in.reloader);
	}
}

/* A down path's reason is one line, whatever it holds; an older file has none. */
static void test_reason_and_older_files(void **state)
{
	struct nsp_workerstate in = sample, out;
	char buf[1024], old[1024];

	(void)state;
	in.path_up = false;
	snprintf(in.reason, sizeof(in.reason), "datapath: foreign program id 7\non eth0");
	assert_true(nsp_workerstate_format(buf, sizeof(buf), &in) > 0);
	assert_int_equal(nsp_workerstate_parse(buf, &out), 0);
	assert_string_equal(out.reason, "datapath: foreign program id 7 on eth0");
	/* written before repairs and reasons existed */
	snprintf(old, sizeof(old), "%.*s", (int)(strstr(sample_text, "repairs") - sample_text),
		 sample_text);
	assert_int_equal(nsp_workerstate_parse(old, &out), 0);
	assert_true(out.repairs == 0 && out.reason[0] == '\0' && out.ping[0] == '\0' &&
		    out.reloader == 0);
	/* written before the worker counted timeouts, late, duplicate and stray replies */
	snprintf(old, sizeof(old), "%.*s", (int)(strstr(sample_text, "timeouts") - sample_text),
		 sample_text);
	assert_int_equal(nsp_workerstate_parse(old, &out), 0);
	assert_true(out.repairs == 3 && out.timeouts == 0 && out.late == 0 && out.duplicate == 0 &&
		    out.stray == 0);
}

/* A down path's cause is a name; an up path has none, whatever the struct held. */
static void test_cause(void **state)
{
	struct nsp_workerstate in = sample, out;
	char buf[1024];

	(void)state;
	in.path_up = false;
	in.cause = NSP_CAUSE_RECEIVE_PATH_MISSING;
	snprintf(in.reason, sizeof(in.reason), "datapath: foreign program id 7 on eth0");
	assert_true(nsp_workerstate_format(buf, sizeof(buf), &in) > 0);
	assert_non_null(strstr(buf, "\ncause receive_path_missing\n"));
	assert_int_equal(nsp_workerstate_parse(buf, &out), 0);
	assert_int_equal(out.cause, NSP_CAUSE_RECEIVE_PATH_MISSING);
	for (unsigned int c = 0; c < NSP_CAUSE_COUNT; c++) {
		enum nsp_path_cause back;

		assert_true(nsp_path_cause_parse(nsp_path_cause_name(c), &back));
		assert_int_equal(back, c);
	}
	in.path_up = true;
	assert_true(nsp_workerstate_format(buf, sizeof(buf), &in) > 0);
	assert_null(strstr(buf, "cause"));
	/* a cause that is none of the names is damage */
	in.path_up = false;
	assert_true(nsp_workerstate_format(buf, sizeof(buf), &in) > 0);
	memcpy(strstr(buf, "receive_path_missing"), "receive_path_mossing", 20);
	assert_int_equal(nsp_workerstate_parse(buf, &out), -EINVAL);
}

/* One line of the sample replaced (or removed, with "") must be refused. */
struct damage {
	const char *name;
	const char *line; /* the sample's line to replace, without "\n" */
	const char *with; /* its replacement, with "\n"; "" removes it */
};

static const struct damage damages[] = {
	{"pid missing", "pid 4242", ""},
	{"pid zero", "pid 4242", "pid 0\n"},
	{"pid negative", "pid 4242", "pid -1\n"},
	{"pid too large", "pid 4242", "pid 2147483648\n"},
	{"pid not a number", "pid 4242", "pid x\n"},
	{"pid with trailing junk", "pid 4242", "pid 42x\n"},
	{"start_ticks missing", "start_ticks 123456789", ""},
	{"since overflows", "since 1795000000", "since 18446744073709551616\n"},
	{"updated missing", "updated 1795000042", ""},
	{"path missing", "path up", ""},
	{"path neither up nor down", "path up", "path sideways\n"},
	{"path with trailing junk", "path up", "path upx\n"},
	{"targets missing", "targets 3", ""},
	{"targets too large", "targets 3", "targets 4294967296\n"},
	{"more targets up than targets", "targets_up 2", "targets_up 4\n"},
	{"sent missing", "sent 18446744073709551615", ""},
	{"received empty", "received 7", "received \n"},
	{"key without its space", "received 7", "received7\n"},
	{"repairs not a number", "repairs 3", "repairs x\n"},
	{"timeouts not a number", "timeouts 11", "timeouts x\n"},
	{"late negative", "late 2", "late -2\n"},
	{"duplicate overflows", "duplicate 1", "duplicate 18446744073709551616\n"},
	{"stray empty", "stray 5", "stray \n"},
};

static void test_damaged_files_are_refused(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(damages); i++) {
		const struct damage *d = &damages[i];
		char text[1024];
		const char *at = strstr(sample_text, d->line);
		struct nsp_workerstate out = sample;
		size_t before;

		assert_non_null(at);
		before = (size_t)(at - sample_text);
		snprintf(text, sizeof(text), "%.*s%s%s", (int)before, sample_text, d->with,
			 at + strlen(d->line) + 1);
		if (nsp_workerstate_parse(text, &out) != -EINVAL)
			fail_msg("case \"%s\": accepted:\n%s", d->name, text);
		/* ret untouched */
		assert_true(out.pid == sample.pid && out.start_ticks == sample.start_ticks &&
			    out.sent == sample.sent && out.targets_up == sample.targets_up);
	}
	{
		struct nsp_workerstate out;

		assert_int_equal(nsp_workerstate_parse("", &out), -EINVAL);
		assert_int_equal(nsp_workerstate_parse("pid 1\n", &out), -EINVAL);
	}
}

/* How many names in dir end in suffix. */
static int count_entries(const char *dir, const char *suffix)
{
	struct dirent *e;
	DIR *d = opendir(dir);
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d))) {
		size_t len = strlen(e->d_name), slen = strlen(suffix);

		n += len >= slen && !strcmp(e->d_name + len - slen, suffix);
	}
	closedir(d);
	return n;
}

/* A file written and read back in a temporary state dir; its writer is us. */
static void test_write_read_remove(void **state)
{
	char dir[] = "/tmp/nsping-ws.XXXXXX", path[256];
	struct nsp_workerstate s = sample, out;

	(void)state;
	assert_non_null(mkdtemp(dir));
	s.pid = (int32_t)getpid();
	assert_int_equal(nsp_process_start_ticks(s.pid, &s.start_ticks), 0);
	assert_int_equal(nsp_workerstate_read(dir, "gw", &out), 0); /* no file */
	assert_int_equal(nsp_workerstate_write(dir, "gw", &s), 0);
	assert_int_equal(count_entries(dir, ".tmp"), 0); /* renamed, none left */
	assert_int_equal(count_entries(dir, ".worker"), 1);
	assert_int_equal(nsp_workerstate_read(dir, "gw", &out), 1);
	assert_int_equal(out.pid, s.pid);
	assert_int_equal(out.targets_up, 2);

	/* the same pid with another start time: a recycled pid, not our writer */
	s.start_ticks++;
	assert_int_equal(nsp_workerstate_write(dir, "gw", &s), 0);
	assert_int_equal(nsp_workerstate_read(dir, "gw", &out), 0);

	/* damaged: an error, not "not running" */
	snprintf(path, sizeof(path), "%s/gw.worker", dir);
	{
		FILE *f = fopen(path, "w");

		assert_non_null(f);
		fputs("pid 12\n", f);
		fclose(f);
	}
	assert_int_equal(nsp_workerstate_read(dir, "gw", &out), -EINVAL);

	nsp_workerstate_remove(dir, "gw");
	assert_int_equal(access(path, F_OK), -1);
	assert_int_equal(nsp_workerstate_read(dir, "gw", &out), 0);
	assert_int_equal(rmdir(dir), 0);
}

static void test_start_ticks_of_a_missing_process(void **state)
{
	uint64_t ticks;

	(void)state;
	/* pid_max is at most 2^22: this pid cannot exist */
	assert_true(nsp_process_start_ticks(2147483600, &ticks) < 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_format_golden),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_reason_and_older_files),
		cmocka_unit_test(test_cause),
		cmocka_unit_test(test_damaged_files_are_refused),
		cmocka_unit_test(test_write_read_remove),
		cmocka_unit_test(test_start_ticks_of_a_missing_process),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
