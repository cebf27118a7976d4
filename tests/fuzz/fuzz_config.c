// SPDX-License-Identifier: GPL-2.0-only
/*
 * The configuration loader (common/config.c) over any text: libconfig's
 * parser, then every check of the file, then nsp_ping_text() of what it
 * accepted. An accepted file has 1..NSP_MAX_INSTANCES instances and no
 * message; a rejected one says why, one line per message.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
const char *__lsan_default_suppressions(void);

/*
 * libconfig 1.5's scanner leaks the string it was reading when the parse
 * fails inside it (a quote left open over a newline); its buffer, not ours
 * (seen from strbuf_append() alone when malloc stacks are unwound fast).
 */
const char *__lsan_default_suppressions(void)
{
	return "leak:libconfig_yylex\nleak:strbuf_append\n";
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct nsp_diag diag = {0};
	struct nsp_config cfg;
	char *text, ping[NSP_PING_TEXT_MAX];
	int r;

	/*
	 * libconfig opens what an @include names, from the file system: not
	 * this harness's input, and /dev/zero would never end.
	 */
	if (memmem(data, size, "@include", 8))
		return -1;
	text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	r = nsp_config_load_string(text, "fuzz.conf", &cfg, &diag);
	if (r == 0) {
		if (diag.n || cfg.n_instances < 1 || cfg.n_instances > NSP_MAX_INSTANCES)
			abort();
		for (size_t i = 0; i < cfg.n_instances; i++)
			nsp_ping_text(&cfg.instances[i], ping);
		nsp_config_free(&cfg);
	} else {
		if (r != -EINVAL || !diag.n)
			abort();
		for (size_t i = 0; i < diag.n; i++)
			if (strncmp(diag.msgs[i], "fuzz.conf:", 10) || strchr(diag.msgs[i], '\n'))
				abort();
	}
	nsp_diag_free(&diag);
	free(text);
	return 0;
}
