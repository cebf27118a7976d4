// SPDX-License-Identifier: GPL-2.0-only
/*
 * The ping worker's reply parser (worker/probe.c) over any packet, as a raw
 * IPv4 socket of the namespace reads it, for the probe port 10086. Checked
 * besides memory safety: the three documented results, *ret_reply written
 * only on success and then for the port asked, and that a probe built from
 * the same bytes (nsp_probe_build()) is never taken for a reply.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "probe.h"

#define PORT 10086

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct nsp_reply r, untouched;
	struct nsp_probe p = {0};
	uint8_t probe[NSP_PROBE_LEN];
	int ret;

	memset(&r, 0xa5, sizeof(r));
	untouched = r;
	ret = nsp_reply_parse(data, size, PORT, &r);
	if (ret == 0) {
		if (r.dport != PORT || !strcmp(nsp_reply_kind_name(r.kind), "?"))
			abort();
	} else if ((ret != -EBADMSG && ret != -ENOMSG) || memcmp(&r, &untouched, sizeof(r))) {
		abort();
	}

	/* the input's first bytes as a probe: a SYN, which answers nothing */
	memcpy(&p, data, size < sizeof(p) ? size : sizeof(p));
	if (nsp_probe_build(probe, sizeof(probe), &p) != NSP_PROBE_LEN ||
	    nsp_reply_parse(probe, sizeof(probe), p.sport, &r) != -ENOMSG)
		abort();
	return 0;
}
