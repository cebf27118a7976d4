// SPDX-License-Identifier: GPL-2.0-only
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "diag.h"

void nsp_diag_add(struct nsp_diag *d, const char *fmt, ...)
{
	char **msgs;
	char *msg;
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vasprintf(&msg, fmt, ap);
	va_end(ap);
	if (r < 0)
		return;
	msgs = realloc(d->msgs, (d->n + 1) * sizeof(*msgs));
	if (!msgs) {
		free(msg);
		return;
	}
	msgs[d->n++] = msg;
	d->msgs = msgs;
}

void nsp_diag_free(struct nsp_diag *d)
{
	for (size_t i = 0; i < d->n; i++)
		free(d->msgs[i]);
	free(d->msgs);
	d->msgs = NULL;
	d->n = 0;
}
