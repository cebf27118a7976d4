// SPDX-License-Identifier: GPL-2.0-only
/* The names of a path's causes; see pathcause.h. */
#include <string.h>

#include "pathcause.h"

static const char *const names[NSP_CAUSE_COUNT] = {
	[NSP_CAUSE_NONE] = "none",
	[NSP_CAUSE_NETNS_GONE] = "netns_gone",
	[NSP_CAUSE_NETNS_NOT_OURS] = "netns_not_ours",
	[NSP_CAUSE_VETH_DOWN] = "veth_down",
	[NSP_CAUSE_NO_ROUTE] = "no_route",
	[NSP_CAUSE_SEND_FAILED] = "send_failed",
	[NSP_CAUSE_RECEIVE_PATH_MISSING] = "receive_path_missing",
	[NSP_CAUSE_TRANSMIT_PATH_MISSING] = "transmit_path_missing",
	[NSP_CAUSE_UPLINK_MISSING] = "uplink_missing",
	[NSP_CAUSE_UPLINK_DOWN] = "uplink_down",
	[NSP_CAUSE_UPLINK_TX_ERRORS] = "uplink_tx_errors",
	[NSP_CAUSE_CONFLICT] = "conflict",
	[NSP_CAUSE_REPAIR_FAILED] = "repair_failed",
	[NSP_CAUSE_INTERNAL] = "internal",
};

const char *nsp_path_cause_name(enum nsp_path_cause cause)
{
	return (unsigned int)cause < NSP_CAUSE_COUNT ? names[cause] : "unknown";
}

bool nsp_path_cause_parse(const char *name, enum nsp_path_cause *ret)
{
	for (unsigned int c = 0; c < NSP_CAUSE_COUNT; c++) {
		if (!strcmp(name, names[c])) {
			*ret = (enum nsp_path_cause)c;
			return true;
		}
	}
	return false;
}
