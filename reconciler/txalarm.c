// SPDX-License-Identifier: GPL-2.0-only
/* run's alarm for probes lost in transmit; see txalarm.h. */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "desired.h"
#include "nsping_txloss.h"
#include "txalarm.h"
#include "txloss.skel.h"

_Static_assert(NSP_TXLOSS_WATCHED_MAX >= NSP_MAX_INSTANCES, "one watched device per instance");

struct nsp_txalarm {
	struct txloss_bpf *skel;
	struct ring_buffer *ring;
	uint32_t watched[NSP_TXLOSS_WATCHED_MAX];
	size_t n_watched;
};

/* Each record is one alarm; what it says (the device) is not needed: the reading covers all. */
static int on_alarm(void *ctx, void *data, size_t size)
{
	(void)ctx, (void)data, (void)size;
	return 0;
}

int nsp_txalarm_open(struct nsp_txalarm **ret)
{
	struct nsp_txalarm *a = calloc(1, sizeof(*a));
	libbpf_print_fn_t print;
	int r;

	if (!a)
		return -ENOMEM;
	/* a kernel without BTF or these tracepoints: run's message says it, not libbpf's log */
	print = libbpf_set_print(NULL);
	a->skel = txloss_bpf__open_and_load();
	r = a->skel ? txloss_bpf__attach(a->skel) : -errno;
	libbpf_set_print(print);
	if (r < 0)
		goto fail;
	a->ring = ring_buffer__new(bpf_map__fd(a->skel->maps.nsp_txloss_alarms), on_alarm, NULL,
				   NULL);
	if (!a->ring) {
		r = -errno;
		goto fail;
	}
	*ret = a;
	return 0;
fail:
	nsp_txalarm_close(a);
	return r < 0 ? r : -EINVAL;
}

int nsp_txalarm_fd(const struct nsp_txalarm *a)
{
	return ring_buffer__epoll_fd(a->ring);
}

static bool contains(const uint32_t *set, size_t n, uint32_t v)
{
	for (size_t i = 0; i < n; i++)
		if (set[i] == v)
			return true;
	return false;
}

int nsp_txalarm_watch(struct nsp_txalarm *a, const uint32_t *ifindexes, size_t n)
{
	int fd = bpf_map__fd(a->skel->maps.nsp_txloss_watched);
	uint32_t next[NSP_TXLOSS_WATCHED_MAX];
	size_t n_next = 0;
	uint8_t one = 1;

	for (size_t i = 0; i < n && n_next < NSP_TXLOSS_WATCHED_MAX; i++)
		if (ifindexes[i] && !contains(next, n_next, ifindexes[i]))
			next[n_next++] = ifindexes[i];
	for (size_t i = 0; i < a->n_watched; i++)
		if (!contains(next, n_next, a->watched[i]))
			bpf_map_delete_elem(fd, &a->watched[i]);
	for (size_t i = 0; i < n_next; i++)
		if (!contains(a->watched, a->n_watched, next[i]) &&
		    bpf_map_update_elem(fd, &next[i], &one, BPF_ANY) < 0)
			return -errno; /* the caller closes the alarm and reads on a timer */
	memcpy(a->watched, next, n_next * sizeof(next[0]));
	a->n_watched = n_next;
	return 0;
}

void nsp_txalarm_arm(struct nsp_txalarm *a)
{
	__atomic_store_n(&a->skel->bss->raised, 0, __ATOMIC_SEQ_CST);
}

bool nsp_txalarm_take(struct nsp_txalarm *a)
{
	return ring_buffer__consume(a->ring) > 0;
}

void nsp_txalarm_close(struct nsp_txalarm *a)
{
	if (!a)
		return;
	ring_buffer__free(a->ring);
	txloss_bpf__destroy(a->skel);
	free(a);
}
