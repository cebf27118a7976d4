// SPDX-License-Identifier: GPL-2.0-only
/*
 * nsp_strerror() against musl's strerror(), linked as build/nsping is (static,
 * musl): the unit tests link glibc, whose strerror() already prints the
 * number of an unknown error, so only this build can show that the number is
 * kept. Plain asserts (cmocka is built for glibc); prints "N passed, N failed".
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "errtext.h"

static int passed, failed;

static void expect_text(int err, const char *want)
{
	const char *got = nsp_strerror(err);

	if (!strcmp(got, want)) {
		passed++;
		return;
	}
	failed++;
	printf("FAIL nsp_strerror(%d): \"%s\", expected \"%s\"\n", err, got, want);
}

int main(void)
{
	char known[64];

	/* numbers musl has no text for: the kernel's ENOTSUPP, libbpf's own */
	expect_text(524, "Unknown error 524");
	expect_text(4003, "Unknown error 4003");
	expect_text(-1, "Unknown error -1");
	/* a number it knows, and 0, are its own texts */
	snprintf(known, sizeof(known), "%s", strerror(EBUSY));
	expect_text(EBUSY, known);
	snprintf(known, sizeof(known), "%s", strerror(0));
	expect_text(0, known);
	expect_text(ENOENT, "No such file or directory");
	printf("%d passed, %d failed\n", passed, failed);
	return failed != 0;
}
