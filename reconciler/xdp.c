// SPDX-License-Identifier: GPL-2.0-only
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stddef.h>
#include <linux/if_link.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rx_ping.skel.h"
#include "tx_ping.skel.h"
#include "xdp.h"

/* Both objects share nsping.bpf.h, so their read-only data have one layout. */
typedef struct rx_ping_bpf__rodata nsp_rodata;

static const void *elf_bytes(enum nsp_program program, size_t *size)
{
	return program == NSP_PROG_TX_PING ? tx_ping_bpf__elf_bytes(size)
					   : rx_ping_bpf__elf_bytes(size);
}

/* FNV-1a over the object file: cheap, stable, and changes with any rebuild. */
uint64_t nsp_prog_build_id(enum nsp_program program)
{
	size_t size;
	const unsigned char *p = elf_bytes(program, &size);
	uint64_t h = 0xcbf29ce484222325ULL;

	for (size_t i = 0; i < size; i++)
		h = (h ^ p[i]) * 0x100000001b3ULL;
	return h;
}

static int xdp_flags(enum nsp_xdp_mode mode)
{
	return mode == NSP_MODE_NATIVE	  ? XDP_FLAGS_DRV_MODE
	       : mode == NSP_MODE_GENERIC ? XDP_FLAGS_SKB_MODE
					  : 0;
}

/* Read the rodata map of a program we already hold an fd for. */
static int read_rodata(int prog_fd, nsp_rodata *ret)
{
	struct bpf_prog_info info = {0};
	uint32_t len = sizeof(info), map_ids[8];
	int r = -ENOENT;

	info.nr_map_ids = 8;
	info.map_ids = (uint64_t)(unsigned long)map_ids;
	if (bpf_obj_get_info_by_fd(prog_fd, &info, &len) < 0)
		return -errno;
	for (uint32_t i = 0; i < info.nr_map_ids && i < 8 && r == -ENOENT; i++) {
		struct bpf_map_info mi = {0};
		uint32_t mlen = sizeof(mi), zero = 0;
		int fd = bpf_map_get_fd_by_id(map_ids[i]);
		void *buf;

		if (fd < 0)
			continue;
		/* The section holds the variables unpadded: compare with the last one's end. */
		if (bpf_obj_get_info_by_fd(fd, &mi, &mlen) == 0 && strstr(mi.name, ".rodata") &&
		    mi.value_size >= offsetof(nsp_rodata, uplink_mac) + sizeof(ret->uplink_mac)) {
			buf = calloc(1,
				     mi.value_size > sizeof(*ret) ? mi.value_size : sizeof(*ret));
			r = !buf ? -ENOMEM : bpf_map_lookup_elem(fd, &zero, buf) < 0 ? -errno : 0;
			if (r == 0)
				memcpy(ret, buf, sizeof(*ret));
			free(buf);
		}
		close(fd);
	}
	return r;
}

int nsp_xdp_observe(int ifindex, const char *instance, enum nsp_program program,
		    struct nsp_obs_prog *ret)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);
	struct nsp_obs_prog o = {.build_id = nsp_prog_build_id(program)};
	struct bpf_prog_info info = {0};
	uint32_t len = sizeof(info);
	nsp_rodata ro;
	int fd, r;

	r = bpf_xdp_query(ifindex, 0, &q);
	if (r < 0)
		return r;
	o.id = q.prog_id ? q.prog_id : q.drv_prog_id ? q.drv_prog_id : q.skb_prog_id;
	if (!o.id) {
		*ret = o;
		return 0;
	}
	o.present = true;
	o.mode = q.attach_mode == XDP_ATTACHED_SKB ? NSP_MODE_GENERIC : NSP_MODE_NATIVE;
	fd = bpf_prog_get_fd_by_id(o.id);
	if (fd < 0)
		return -errno;
	if (bpf_obj_get_info_by_fd(fd, &info, &len) < 0) {
		r = -errno;
		goto out;
	}
	memcpy(o.name, info.name, sizeof(o.name) - 1);
	if (!strcmp(o.name, nsp_program_name(program)) && read_rodata(fd, &ro) == 0 &&
	    !strncmp(ro.instance, instance, sizeof(ro.instance))) {
		o.ours = true;
		memcpy(o.params.instance, ro.instance, sizeof(o.params.instance));
		o.params.uplink_ifindex = ro.uplink_ifindex;
		o.params.veth_ifindex = ro.veth_ifindex;
		o.params.build_id = ro.build_id;
		o.params.port = ro.port;
		o.params.addr = ro.addr;
		memcpy(o.params.uplink_mac.b, ro.uplink_mac, 6);
	}
	*ret = o;
	r = 0;
out:
	close(fd);
	return r;
}

static void fill_rodata(nsp_rodata *ro, const struct nsp_prog_params *p)
{
	memcpy((char *)ro->instance, p->instance, sizeof(ro->instance));
	ro->uplink_ifindex = p->uplink_ifindex;
	ro->veth_ifindex = p->veth_ifindex;
	ro->build_id = p->build_id;
	ro->port = p->port;
	ro->addr = p->addr;
	memcpy((void *)ro->uplink_mac, p->uplink_mac.b, 6);
}

int nsp_xdp_attach(int ifindex, enum nsp_program program, enum nsp_xdp_mode mode,
		   const struct nsp_prog_params *params, uint32_t old_id,
		   enum nsp_xdp_mode old_mode)
{
	LIBBPF_OPTS(bpf_xdp_attach_opts, opts);
	struct tx_ping_bpf *tx = NULL;
	struct rx_ping_bpf *rx = NULL;
	int prog_fd, old_fd = -1, flags = xdp_flags(mode), r;

	if (program == NSP_PROG_TX_PING) {
		tx = tx_ping_bpf__open();
		if (!tx)
			return -errno;
		fill_rodata((nsp_rodata *)tx->rodata, params);
		r = tx_ping_bpf__load(tx);
		prog_fd = r ? -1 : bpf_program__fd(tx->progs.tx_ping);
	} else {
		rx = rx_ping_bpf__open();
		if (!rx)
			return -errno;
		fill_rodata((nsp_rodata *)rx->rodata, params);
		r = rx_ping_bpf__load(rx);
		prog_fd = r ? -1 : bpf_program__fd(rx->progs.rx_ping);
	}
	if (r < 0)
		goto out;
	if (old_id) {
		old_fd = bpf_prog_get_fd_by_id(old_id);
		if (old_fd < 0) {
			r = -errno;
			goto out;
		}
		/* A program attached in another mode is not replaced in place. */
		if (mode != NSP_MODE_AUTO && mode != old_mode) {
			r = nsp_xdp_detach(ifindex, old_id, old_mode);
			if (r < 0)
				goto out;
		} else {
			opts.old_prog_fd = old_fd;
			flags |= XDP_FLAGS_REPLACE | xdp_flags(old_mode);
		}
	} else {
		flags |= XDP_FLAGS_UPDATE_IF_NOEXIST;
	}
	r = bpf_xdp_attach(ifindex, prog_fd, (uint32_t)flags, &opts);
out:
	if (old_fd >= 0)
		close(old_fd);
	tx_ping_bpf__destroy(tx);
	rx_ping_bpf__destroy(rx);
	return r;
}

int nsp_xdp_detach(int ifindex, uint32_t old_id, enum nsp_xdp_mode old_mode)
{
	LIBBPF_OPTS(bpf_xdp_attach_opts, opts);
	int fd = bpf_prog_get_fd_by_id(old_id), r;

	if (fd < 0)
		return -errno;
	opts.old_prog_fd = fd;
	r = bpf_xdp_detach(ifindex, (uint32_t)(xdp_flags(old_mode) | XDP_FLAGS_REPLACE), &opts);
	close(fd);
	return r;
}

int nsp_prog_counters(uint32_t prog_id, uint64_t *ret, size_t n)
{
	struct bpf_prog_info info = {0};
	uint32_t len = sizeof(info), map_ids[8];
	int fd = bpf_prog_get_fd_by_id(prog_id), r = -ENOENT, ncpu = libbpf_num_possible_cpus();

	if (fd < 0)
		return -errno;
	if (ncpu < 0) {
		close(fd);
		return ncpu;
	}
	info.nr_map_ids = 8;
	info.map_ids = (uint64_t)(unsigned long)map_ids;
	if (bpf_obj_get_info_by_fd(fd, &info, &len) < 0) {
		r = -errno;
		goto out;
	}
	for (uint32_t i = 0; i < info.nr_map_ids && i < 8 && r == -ENOENT; i++) {
		struct bpf_map_info mi = {0};
		uint32_t mlen = sizeof(mi);
		int mfd = bpf_map_get_fd_by_id(map_ids[i]);
		uint64_t *per_cpu;

		if (mfd < 0)
			continue;
		if (bpf_obj_get_info_by_fd(mfd, &mi, &mlen) == 0 &&
		    !strcmp(mi.name, "nsp_counters")) {
			per_cpu = calloc((size_t)ncpu, sizeof(*per_cpu));
			r = per_cpu ? 0 : -ENOMEM;
			for (uint32_t k = 0; r == 0 && k < n && k < mi.max_entries; k++) {
				ret[k] = 0;
				if (bpf_map_lookup_elem(mfd, &k, per_cpu) < 0)
					continue;
				for (int c = 0; c < ncpu; c++)
					ret[k] += per_cpu[c];
			}
			free(per_cpu);
		}
		close(mfd);
	}
out:
	close(fd);
	return r;
}
