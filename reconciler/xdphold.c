// SPDX-License-Identifier: GPL-2.0-only
/* run's second attachment of its XDP programs (xdphold.h). */
#include <errno.h>
#include <linux/if_link.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "xdphold.h"

static const char *const end_name[2] = {
	[NSP_PROG_TX_PING] = NSP_HOLD_TX,
	[NSP_PROG_RX_PING] = NSP_HOLD_RX,
};

/*
 * Both ends as they are now: 0, -ENODEV when neither is there, -EEXIST
 * when what bears the names is not the pair (one end alone, a link of
 * another kind, an altname): not ours to touch.
 */
static int read_ends(struct nsp_nl *nl, struct nsp_obs_link end[2])
{
	for (int k = 0; k < 2; k++) {
		int r = nsp_nl_get_link(nl, end_name[k], &end[k]);

		if (r < 0 && r != -ENODEV)
			return r;
	}
	if (!end[0].present && !end[1].present)
		return -ENODEV;
	for (int k = 0; k < 2; k++)
		if (!end[k].present || !end[k].is_veth || strcmp(end[k].name, end_name[k]) ||
		    end[k].peer_ifindex != end[1 - k].ifindex || end[k].has_link_netnsid)
			return -EEXIST;
	return 0;
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
	if (!want[0] && !want[1])
		return r == -ENODEV ? 0 : nsp_nl_link_delete(nl, end[0].ifindex);
	if (r == -ENODEV) {
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
