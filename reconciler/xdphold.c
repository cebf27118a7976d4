// SPDX-License-Identifier: GPL-2.0-only
/* run's second attachment of its XDP programs (xdphold.h). */
#include <errno.h>
#include <linux/if_link.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "xdphold.h"

static const char *const end_name[2] = {
	[NSP_PROG_TX_PING] = NSP_HOLD_TX,
	[NSP_PROG_RX_PING] = NSP_HOLD_RX,
};

/* Both ends as they are now; -ENODEV for an end that is missing. */
static int read_ends(struct nsp_nl *nl, struct nsp_obs_link end[2])
{
	int r = 0;

	for (int k = 0; k < 2; k++) {
		int e = nsp_nl_get_link(nl, end_name[k], &end[k]);

		if (e < 0 && e != -ENODEV)
			return e;
		if (e < 0)
			r = e;
	}
	return r;
}

/* Attach program id (0: detach) to the end, natively. */
static int hold(struct nsp_nl *nl, const struct nsp_obs_link *end, uint32_t id)
{
	int fd = -1, r;

	if (id) {
		fd = bpf_prog_get_fd_by_id(id);
		if (fd < 0)
			return -errno;
	}
	r = nsp_nl_link_xdp(nl, end->ifindex, fd, XDP_FLAGS_DRV_MODE);
	if (fd >= 0)
		close(fd);
	return r;
}

int nsp_xdphold_sync(struct nsp_nl *nl, const uint32_t want[2])
{
	struct nsp_obs_link end[2] = {0};
	int r = read_ends(nl, end);

	if (r < 0 && r != -ENODEV)
		return r;
	/* deleting one end of a veth pair deletes both */
	if (!want[0] && !want[1]) {
		for (int k = 0; k < 2; k++)
			if (end[k].present)
				return nsp_nl_link_delete(nl, end[k].ifindex);
		return 0;
	}
	if (r == -ENODEV) {
		for (int k = 0; k < 2; k++)
			if (end[k].present && (r = nsp_nl_link_delete(nl, end[k].ifindex)) < 0)
				return r;
		r = nsp_nl_veth_create_down(nl, NSP_HOLD_TX, NSP_HOLD_RX);
		if (r == 0)
			r = read_ends(nl, end);
		if (r < 0)
			return r;
	}
	for (int k = 0; k < 2; k++)
		if (want[k] != NSP_HOLD_KEEP && end[k].xdp_prog_id != want[k] &&
		    (r = hold(nl, &end[k], want[k])) < 0)
			return r;
	return 0;
}
