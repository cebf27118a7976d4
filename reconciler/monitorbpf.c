// SPDX-License-Identifier: GPL-2.0-only
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "monitorbpf.h"
#include "xdp.h"

int nsp_mon_maps_open(uint32_t prog_id, struct nsp_mon_maps *ret)
{
	struct nsp_mon_maps m = {-1, -1, -1};
	int r;

	m.events_fd = nsp_prog_map_fd(prog_id, NSP_MON_EVENTS_MAP);
	m.ctl_fd = nsp_prog_map_fd(prog_id, NSP_MON_CTL_SEC);
	m.state_fd = nsp_prog_map_fd(prog_id, NSP_MON_STATE_SEC);
	r = m.events_fd < 0 ? m.events_fd : m.ctl_fd < 0 ? m.ctl_fd : m.state_fd;
	if (r < 0) {
		/* the program is there (one of its maps was found, or it has none of them) */
		if (r == -ENOENT && nsp_prog_exists(prog_id))
			r = -EOPNOTSUPP;
		nsp_mon_maps_close(&m);
		*ret = m;
		return r;
	}
	*ret = m;
	return 0;
}

void nsp_mon_maps_close(struct nsp_mon_maps *m)
{
	int *fds[] = {&m->events_fd, &m->ctl_fd, &m->state_fd};

	for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++) {
		if (*fds[i] >= 0)
			close(*fds[i]);
		*fds[i] = -1;
	}
}

/* A one-entry map's value, which must be at least size bytes (an older layout is shorter). */
static int value_read(int fd, void *ret, size_t size)
{
	struct bpf_map_info mi = {0};
	uint32_t len = sizeof(mi), zero = 0;
	void *buf;
	int r;

	if (bpf_obj_get_info_by_fd(fd, &mi, &len) < 0)
		return -errno;
	if (mi.value_size < size)
		return -EOPNOTSUPP;
	buf = calloc(1, mi.value_size);
	if (!buf)
		return -ENOMEM;
	r = bpf_map_lookup_elem(fd, &zero, buf) < 0 ? -errno : 0;
	if (r == 0)
		memcpy(ret, buf, size);
	free(buf);
	return r;
}

int nsp_mon_ctl_read(const struct nsp_mon_maps *m, struct nsp_monitor_ctl *ret)
{
	return value_read(m->ctl_fd, ret, sizeof(*ret));
}

int nsp_mon_ctl_write(const struct nsp_mon_maps *m, const struct nsp_monitor_ctl *ctl)
{
	uint32_t zero = 0;

	return bpf_map_update_elem(m->ctl_fd, &zero, ctl, BPF_ANY) < 0 ? -errno : 0;
}

int nsp_mon_state_read(const struct nsp_mon_maps *m, struct nsp_monitor_state *ret)
{
	return value_read(m->state_fd, ret, sizeof(*ret));
}

int nsp_mon_read(uint32_t prog_id, struct nsp_monitor_ctl *ret_ctl,
		 struct nsp_monitor_state *ret_state)
{
	struct nsp_mon_maps m;
	int r = nsp_mon_maps_open(prog_id, &m);

	if (r == 0)
		r = nsp_mon_ctl_read(&m, ret_ctl);
	if (r == 0)
		r = nsp_mon_state_read(&m, ret_state);
	nsp_mon_maps_close(&m);
	return r;
}

int nsp_mon_ring_new(uint32_t bytes)
{
	int fd = bpf_map_create(BPF_MAP_TYPE_RINGBUF, "nsp_mon_ring", 0, 0, bytes, NULL);

	return fd < 0 ? -errno : fd;
}

int nsp_mon_ring_put(const struct nsp_mon_maps *m, uint32_t slot, int ring_fd)
{
	return bpf_map_update_elem(m->events_fd, &slot, &ring_fd, BPF_ANY) < 0 ? -errno : 0;
}

int nsp_mon_ring_drop(const struct nsp_mon_maps *m, uint32_t slot)
{
	if (bpf_map_delete_elem(m->events_fd, &slot) < 0 && errno != ENOENT)
		return -errno;
	return 0;
}

struct source {
	nsp_mon_event_fn fn;
	void *arg;
};

struct nsp_mon_reader {
	struct ring_buffer *rb; /* made with the first ring buffer added */
	struct source **sources;
	size_t n;
};

struct nsp_mon_reader *nsp_mon_reader_new(void)
{
	return calloc(1, sizeof(struct nsp_mon_reader));
}

/* libbpf's sample callback: a record of a ring buffer, copied out of it. */
static int on_sample(void *ctx, void *data, size_t size)
{
	const struct source *s = ctx;
	struct nsp_event ev = {0};

	/* a newer layout is longer: its first fields are these */
	memcpy(&ev, data, size < sizeof(ev) ? size : sizeof(ev));
	return s->fn(&ev, s->arg);
}

int nsp_mon_reader_add(struct nsp_mon_reader *r, int events_fd, nsp_mon_event_fn fn, void *arg)
{
	struct source **more, *s = malloc(sizeof(*s));
	int e;

	more = s ? realloc(r->sources, (r->n + 1) * sizeof(*more)) : NULL;
	if (!more) {
		free(s);
		return -ENOMEM;
	}
	r->sources = more;
	*s = (struct source){fn, arg};
	if (!r->rb) {
		r->rb = ring_buffer__new(events_fd, on_sample, s, NULL);
		e = r->rb ? 0 : -errno;
	} else {
		e = ring_buffer__add(r->rb, events_fd, on_sample, s);
	}
	if (e < 0) {
		free(s);
		return e;
	}
	r->sources[r->n++] = s;
	return 0;
}

int nsp_mon_reader_poll(struct nsp_mon_reader *r, int timeout_ms)
{
	struct timespec ts = {timeout_ms / 1000, (timeout_ms % 1000) * 1000000L};
	int n;

	if (!r->rb)
		return nanosleep(&ts, NULL) < 0 ? -errno : 0;
	n = ring_buffer__poll(r->rb, timeout_ms);
	return n;
}

void nsp_mon_reader_free(struct nsp_mon_reader *r)
{
	if (!r)
		return;
	ring_buffer__free(r->rb);
	for (size_t i = 0; i < r->n; i++)
		free(r->sources[i]);
	free(r->sources);
	free(r);
}
