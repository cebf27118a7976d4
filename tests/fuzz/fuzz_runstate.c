// SPDX-License-Identifier: GPL-2.0-only
/*
 * STATE_DIR/run (reconciler/runstate.c) as apply, destroy and run read it,
 * from any text: a pid > 0 and the config path of one line, or -EINVAL with
 * *ret untouched.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "runstate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct nsp_runstate s, untouched;
	char *text;
	int r;

	text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	memset(&s, 0xa5, sizeof(s));
	untouched = s;
	r = nsp_runstate_parse(text, &s);
	if (r == 0 &&
	    (s.pid <= 0 || !memchr(s.config, '\0', sizeof(s.config)) || strchr(s.config, '\n')))
		abort();
	if (r != 0 && (r != -EINVAL || memcmp(&s, &untouched, sizeof(s))))
		abort();
	free(text);
	return 0;
}
