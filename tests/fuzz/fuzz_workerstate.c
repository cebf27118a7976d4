// SPDX-License-Identifier: GPL-2.0-only
/*
 * The worker's state file (common/workerstate.c) as `status` reads it, from
 * any text. What parses must come back the same through the worker's own
 * writer: parse(format(parse(text))) == parse(text). Nothing is written to
 * *ret on failure.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "workerstate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int same(const struct nsp_workerstate *a, const struct nsp_workerstate *b)
{
	return a->pid == b->pid && a->start_ticks == b->start_ticks && a->since == b->since &&
	       a->updated == b->updated && a->path_up == b->path_up && a->targets == b->targets &&
	       a->targets_up == b->targets_up && a->sent == b->sent && a->received == b->received &&
	       a->repairs == b->repairs && !strcmp(a->reason, b->reason) &&
	       !strcmp(a->ping, b->ping) && a->reloader == b->reloader;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct nsp_workerstate s, again, untouched;
	char *text, out[1024];
	int n;

	text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	memset(&s, 0xa5, sizeof(s));
	untouched = s;
	if (nsp_workerstate_parse(text, &s) < 0) {
		if (memcmp(&s, &untouched, sizeof(s)))
			abort();
	} else {
		n = nsp_workerstate_format(out, sizeof(out), &s);
		if (n < 0 || nsp_workerstate_parse(out, &again) < 0 || !same(&s, &again))
			abort();
	}
	free(text);
	return 0;
}
