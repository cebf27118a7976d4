// SPDX-License-Identifier: GPL-2.0-only
/*
 * nsp_file_replace (common/filereplace.c): the whole new content or the old,
 * the mode asked for whatever the umask, nothing written through a symlink
 * planted at the path, and no temporary file left behind.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "filereplace.h"

static char dir[64]; /* short: paths under it fit PATH_MAX */

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/nsp-filereplace.XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[PATH_MAX + 16];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void read_file(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	size_t n;

	assert_non_null(f);
	n = fread(buf, 1, len - 1, f);
	buf[n] = '\0';
	fclose(f);
}

/* Temporary files left in dir. */
static int temporaries(void)
{
	struct dirent *e;
	DIR *d = opendir(dir);
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d)))
		n += strstr(e->d_name, ".tmp") != NULL;
	closedir(d);
	return n;
}

static void test_replace_and_mode(void **state)
{
	char path[PATH_MAX], buf[64];
	struct stat st;
	mode_t old = umask(077);

	(void)state;
	snprintf(path, sizeof(path), "%s/metrics.prom", dir);
	assert_int_equal(nsp_file_replace(path, "one\n", 4), 0);
	assert_int_equal(nsp_file_replace(path, "two\n", 4), 0);
	read_file(path, buf, sizeof(buf));
	assert_string_equal(buf, "two\n");
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777,
			 0644); /* readable by node_exporter despite umask 077 */
	assert_int_equal(nsp_file_replace_mode(path, "three\n", 6, 0600), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	/* the volatile one (the state files): the same replacement, mode 0644 */
	assert_int_equal(nsp_file_replace_volatile(path, "four\n", 5), 0);
	read_file(path, buf, sizeof(buf));
	assert_string_equal(buf, "four\n");
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0644);
	assert_int_equal(temporaries(), 0);
	umask(old);
}

/* A symlink at the path is replaced, never written through. */
static void test_symlink_is_not_followed(void **state)
{
	char path[PATH_MAX], victim[PATH_MAX], buf[64];
	struct stat st;

	(void)state;
	snprintf(path, sizeof(path), "%s/state", dir);
	snprintf(victim, sizeof(victim), "%s/victim", dir);
	assert_int_equal(nsp_file_replace(victim, "precious\n", 9), 0);
	assert_int_equal(symlink(victim, path), 0);
	assert_int_equal(nsp_file_replace(path, "new\n", 4), 0);
	read_file(victim, buf, sizeof(buf));
	assert_string_equal(buf, "precious\n");
	assert_int_equal(lstat(path, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	read_file(path, buf, sizeof(buf));
	assert_string_equal(buf, "new\n");
	assert_int_equal(temporaries(), 0);
}

/* A symlink planted where a temporary file could be expected is not written through. */
static void test_planted_temporary_is_not_followed(void **state)
{
	char path[PATH_MAX], victim[PATH_MAX], plant[PATH_MAX], buf[64];

	(void)state;
	snprintf(path, sizeof(path), "%s/state2", dir);
	snprintf(victim, sizeof(victim), "%s/victim2", dir);
	snprintf(plant, sizeof(plant), "%s/state2.%d.tmp", dir, (int)getpid());
	assert_int_equal(nsp_file_replace(victim, "precious\n", 9), 0);
	assert_int_equal(symlink(victim, plant), 0);
	assert_int_equal(nsp_file_replace(path, "new\n", 4), 0);
	read_file(victim, buf, sizeof(buf));
	assert_string_equal(buf, "precious\n");
	unlink(plant);
}

/* A failed replace leaves the file as it was and no temporary file. */
static void test_failure_leaves_nothing(void **state)
{
	char path[PATH_MAX], buf[64];

	(void)state;
	snprintf(path, sizeof(path), "%s/keep", dir);
	assert_int_equal(nsp_file_replace(path, "old\n", 4), 0);
	assert_int_equal(mkdir(path, 0755) < 0 ? 0 : -1, 0); /* exists: mkdir fails */
	snprintf(path, sizeof(path), "%s/adir", dir);
	assert_int_equal(mkdir(path, 0755), 0);
	/* rename of a file over a directory fails: EISDIR */
	assert_int_equal(nsp_file_replace(path, "x\n", 2), -EISDIR);
	assert_int_equal(temporaries(), 0);
	snprintf(path, sizeof(path), "%s/keep", dir);
	read_file(path, buf, sizeof(buf));
	assert_string_equal(buf, "old\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_replace_and_mode),
		cmocka_unit_test(test_symlink_is_not_followed),
		cmocka_unit_test(test_planted_temporary_is_not_followed),
		cmocka_unit_test(test_failure_leaves_nothing),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
