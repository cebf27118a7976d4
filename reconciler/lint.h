/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Plan-time checks: configurations that converge (apply makes the kernel
 * match them) but cannot carry a probe, or break something else on the way.
 * lint(desired, observed facts) -> warnings. Pure: no syscalls, no library
 * types; observe.c gathers the facts (nsp_observe_facts(), kernel.h).
 * docs/nsping.8 "WARNINGS" lists each code with its cause and fix.
 */
#ifndef NSPING_LINT_H
#define NSPING_LINT_H

#include <stddef.h>

#include "desired.h"
#include "observed.h"

/* Each has a stable name (nsp_warning_code_name()): append, never rename. */
enum nsp_warning_code {
	/* mac_differs_from_uplink: an own mac, the uplink's address: replies go to its MAC */
	NSP_WARN_MAC_DIFFERS_FROM_UPLINK,
	/* gateway_off_subnet: gateway.ip outside the address's subnet: the route is onlink */
	NSP_WARN_GATEWAY_OFF_SUBNET,
	/* sport_in_ephemeral_range: the probes' source ports are also the node's own */
	NSP_WARN_SPORT_IN_EPHEMERAL_RANGE,
	/* xdp_native_unsupported: mode "native" on a driver without native XDP: the attach fails */
	NSP_WARN_XDP_NATIVE_UNSUPPORTED,
	/* xdp_redirect_unsupported: native tx_ping, an uplink without ndo_xdp_xmit */
	NSP_WARN_XDP_REDIRECT_UNSUPPORTED,
	/* gro_off: offload.gro off under a native rx_ping: the veth drops the redirected replies */
	NSP_WARN_GRO_OFF,
	/* tx_checksum_on: offload.tx_checksum on under a native tx_ping: bad checksums leave */
	NSP_WARN_TX_CHECKSUM_ON,
	NSP_WARN_MAX
};

#define NSP_WARNING_KEY_MAX	64
#define NSP_WARNING_MESSAGE_MAX 512
#define NSP_WARNING_FIX_MAX	256

struct nsp_warning {
	size_t instance; /* in the file */
	enum nsp_warning_code code;
	char key[NSP_WARNING_KEY_MAX]; /* the key path: "instances[0].mac" */
	int line; /* of that key; of its group or instance when it is a default */
	char message[NSP_WARNING_MESSAGE_MAX]; /* what will go wrong */
	char fix[NSP_WARNING_FIX_MAX];	       /* what to change */
};

struct nsp_warnings {
	struct nsp_warning *items;
	size_t n;
};

/*
 * The warnings for cfg, in the order of its instances, each instance's in
 * the order of enum nsp_warning_code. obs (cfg->n_instances entries) and
 * facts are what plan observed; both NULL checks the file alone (validate):
 * the checks that need the kernel's word are left out. A fact that is
 * unknown leaves its check out: a warning is never a guess. 0 or -ENOMEM;
 * *ret is written either way (empty on failure).
 */
int nsp_lint(const struct nsp_config *cfg, const struct nsp_obs_instance *obs,
	     const struct nsp_obs_facts *facts, struct nsp_warnings *ret);
void nsp_warnings_free(struct nsp_warnings *w);
const char *nsp_warning_code_name(enum nsp_warning_code code);

#endif
