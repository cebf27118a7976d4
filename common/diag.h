/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A list of user-facing error messages. Library code records, main() prints:
 * the config module collects every error of a file before giving up.
 */
#ifndef NSPING_DIAG_H
#define NSPING_DIAG_H

#include <stddef.h>

struct nsp_diag {
	char **msgs;
	size_t n;
};

__attribute__((format(printf, 2, 3))) void nsp_diag_add(struct nsp_diag *d, const char *fmt, ...);
void nsp_diag_free(struct nsp_diag *d);

#endif
