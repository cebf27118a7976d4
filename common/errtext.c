// SPDX-License-Identifier: GPL-2.0-only
/*
 * strerror() that keeps the number of an error the C library has no text
 * for. glibc prints "Unknown error 524"; musl, which build/nsping links,
 * prints "No error information" for every such number, its text for 0. The
 * kernel returns numbers that no C library names (524, ENOTSUPP, from BPF
 * calls), and libbpf returns its own (4000 and up): without the number, an
 * operator could not tell them apart.
 */
#include <stdio.h>
#include <string.h>

#include "errtext.h"

const char *nsp_strerror(int err)
{
	static char unknown[sizeof("Unknown error -2147483648")]; /* one thread */
	const char *none = strerror(0); /* a constant string in both libraries */
	const char *text = strerror(err);

	if (err == 0 || strcmp(text, none))
		return text;
	snprintf(unknown, sizeof(unknown), "Unknown error %d", err);
	return unknown;
}
