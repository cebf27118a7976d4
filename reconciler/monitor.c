// SPDX-License-Identifier: GPL-2.0-only
/*
 * monitor: the datapath's decisions on probe traffic as they happen
 * (docs/DESIGN.md, "Monitoring the datapath"). Finds the instances' attached
 * programs as status does, switches their events on (monitorctl.h, under
 * STATE_DIR/monitor.lock), prints what their ring buffers carry through the
 * filters, and on SIGINT, SIGTERM, SIGHUP, --count or a closed stdout leaves
 * again: the events go off when no other monitor is left.
 */
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "commands.h"
#include "converge.h"
#include "lock.h"
#include "monitorbpf.h"
#include "monitorctl.h"
#include "monitorfmt.h"
#include "xdp.h"

#define POLL_MS	  200
#define REPORT_MS 1000

/* One program of ours that a monitor listens to. */
struct mon_prog {
	struct monitor *m;
	const char *instance;
	uint32_t id;
	uint8_t program; /* enum nsp_mon_program */
	struct nsp_mon_maps maps;
	int ring_fd; /* this monitor's ring, in the events map at its owner slot */
	bool joined, gone;
	struct nsp_monitor_state seen;	  /* the drop counters when last reported */
	uint64_t rate_limited, ring_full; /* since this monitor joined */
	uint64_t received, printed;
	int ifindex; /* the last event's, and its name */
	char ifname[IF_NAMESIZE];
};

struct monitor {
	const struct nsp_options *o;
	const struct nsp_config *cfg;
	bool *selected; /* per instance of cfg */
	struct nsp_mon_filter filter;
	struct nsp_monitor_owner self;
	struct mon_prog **progs; /* each its own allocation: the reader's callbacks hold it */
	size_t n, cap;
	struct nsp_mon_reader *reader;
	int64_t realtime_shift;
	uint64_t printed;
	bool done, write_failed;
};

static volatile sig_atomic_t stop_signal;

static void on_stop(int sig)
{
	stop_signal = sig;
}

/* Field 22 of /proc/PID/stat: when the process started, in clock ticks after boot. */
static int start_time(uint32_t pid, uint64_t *ret)
{
	char path[64], buf[1024], *p;
	unsigned long long t;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%u/stat", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -EIO;
	buf[n] = '\0';
	/* the command name may hold spaces and parentheses: the fields follow its last ')' */
	p = strrchr(buf, ')');
	if (!p || sscanf(p + 1,
			 " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d "
			 "%*d %*d %*d %*d %llu",
			 &t) != 1)
		return -EIO;
	*ret = t;
	return 0;
}

static bool alive(uint32_t pid, uint64_t started, void *arg)
{
	uint64_t t;

	(void)arg;
	return start_time(pid, &t) == 0 && t == started;
}

static int lock_monitors(const struct monitor *m)
{
	int fd = nsp_lock_take_named(m->o->state_dir, "monitor.lock", m->o->lock_wait_ms);

	if (fd < 0)
		fprintf(stderr, "nsping: monitor: %s/monitor.lock: %s\n", m->o->state_dir,
			fd == -EWOULDBLOCK ? "another nsping monitor holds the lock"
			: fd == -ELOOP	   ? "the state dir is a symlink; refusing to write there"
					   : strerror(-fd));
	return fd;
}

/* The rings at the slots of freed (owners gone, or self leaving) go. */
static void drop_rings(const struct mon_prog *p, uint32_t freed)
{
	for (uint32_t i = 0; i < NSP_MON_OWNERS; i++)
		if (freed & (1u << i))
			nsp_mon_ring_drop(&p->maps, i);
}

/*
 * Take a place among p's control's owners, and put p's ring in its slot
 * before the events go on; under the monitors' lock.
 */
static int join(struct mon_prog *p)
{
	struct nsp_monitor_ctl ctl;
	uint32_t freed = 0;
	int r = nsp_mon_ctl_read(&p->maps, &ctl), slot;

	if (r < 0)
		return r;
	slot = nsp_monitor_ctl_join(&ctl, &p->m->self, alive, NULL, &freed);
	if (slot < 0)
		return slot;
	drop_rings(p, freed);
	r = nsp_mon_ring_put(&p->maps, (uint32_t)slot, p->ring_fd);
	if (r == 0)
		r = nsp_mon_ctl_write(&p->maps, &ctl);
	if (r < 0) {
		nsp_mon_ring_drop(&p->maps, (uint32_t)slot);
		return r;
	}
	p->joined = true;
	return 0;
}

/* Leave p's control (the events go off if nobody is left), then take p's ring out. */
static int leave(struct mon_prog *p)
{
	struct nsp_monitor_ctl ctl;
	uint32_t freed = 0;
	int r = nsp_mon_ctl_read(&p->maps, &ctl);

	p->joined = false;
	if (r < 0)
		return r;
	nsp_monitor_ctl_leave(&ctl, &p->m->self, alive, NULL, &freed);
	r = nsp_mon_ctl_write(&p->maps, &ctl);
	drop_rings(p, freed);
	return r;
}

/* A ring for rate events a second: half a second of them, 64 KiB to 16 MiB. */
static uint32_t ring_bytes(uint32_t rate)
{
	uint64_t want = (uint64_t)rate * (sizeof(struct nsp_event) + 8) / 2;
	uint32_t bytes = NSP_MON_RING_BYTES;

	while (bytes < want && bytes < (16u << 20))
		bytes <<= 1;
	return bytes;
}

static const char *ifname_of(struct mon_prog *p, int ifindex)
{
	if (ifindex != p->ifindex) {
		p->ifindex = ifindex;
		if (!if_indextoname((unsigned int)ifindex, p->ifname))
			p->ifname[0] = '\0';
	}
	return p->ifname[0] ? p->ifname : NULL;
}

static int on_event(const struct nsp_event *ev, void *arg)
{
	struct mon_prog *p = arg;
	struct monitor *m = p->m;
	struct nsp_mon_source src = {p->instance, p->id, NULL, m->realtime_shift};

	p->received++;
	if (m->done || !nsp_mon_match(&m->filter, ev))
		return 0;
	src.ifname = ifname_of(p, (int)ev->ifindex);
	if (m->o->json)
		nsp_mon_print_json(stdout, ev, &src);
	else
		nsp_mon_print_text(stdout, ev, &src);
	if (fflush(stdout) == EOF) {
		m->write_failed = true;
		m->done = true;
	}
	p->printed++;
	m->printed++;
	if (m->o->count && m->printed >= (uint64_t)m->o->count)
		m->done = true;
	return 0;
}

static void tally_of(const struct mon_prog *p, struct nsp_mon_tally *t, uint64_t rate_limited,
		     uint64_t ring_full)
{
	struct nsp_monitor_ctl ctl;

	*t = (struct nsp_mon_tally){p->instance, p->program, p->id,	   0,
				    p->received, p->printed, rate_limited, ring_full};
	if (nsp_mon_ctl_read(&p->maps, &ctl) == 0)
		t->rate = ctl.rate;
}

/*
 * The events the programs dropped since the last report (every program's,
 * whichever monitor they were meant for): on stderr, or a JSON line.
 */
static void report_drops(struct monitor *m)
{
	for (size_t i = 0; i < m->n; i++) {
		struct mon_prog *p = m->progs[i];
		struct nsp_monitor_state s;
		struct nsp_mon_tally t;
		uint64_t limited, full;

		if (!p->joined || nsp_mon_state_read(&p->maps, &s) < 0)
			continue;
		limited = s.rate_limited - p->seen.rate_limited;
		full = s.ring_full - p->seen.ring_full;
		p->seen = s;
		p->rate_limited += limited;
		p->ring_full += full;
		if (!limited && !full)
			continue;
		tally_of(p, &t, limited, full);
		if (m->o->json)
			nsp_mon_print_tally(stdout, true, "drops", &t);
		else if (m->o->verbosity != NSP_QUIET)
			nsp_mon_print_tally(stderr, false, "drops", &t);
	}
	fflush(stdout);
}

static int64_t realtime_shift(void)
{
	return (int64_t)nsp_clock_ns(CLOCK_REALTIME) - (int64_t)nsp_clock_ns(CLOCK_MONOTONIC);
}

static bool known(const struct monitor *m, uint32_t id)
{
	for (size_t i = 0; i < m->n; i++)
		if (m->progs[i]->id == id)
			return true;
	return false;
}

static uint8_t mon_program(enum nsp_program program, enum nsp_attach attach)
{
	if (attach == NSP_ATTACH_TC)
		return program == NSP_PROG_RX_PING ? NSP_MON_RX_PING_TC : NSP_MON_TX_PING_TC;
	return program == NSP_PROG_RX_PING ? NSP_MON_RX_PING : NSP_MON_TX_PING;
}

/* A copy of p in the list, its ring buffer read into on_event; takes p's maps. */
static int add_prog(struct monitor *m, const struct mon_prog *p)
{
	struct mon_prog *copy;
	int r;

	if (m->n == m->cap) {
		size_t cap = m->cap ? 2 * m->cap : 8;
		struct mon_prog **more = realloc(m->progs, cap * sizeof(*more));

		if (!more)
			return -ENOMEM;
		m->progs = more;
		m->cap = cap;
	}
	copy = malloc(sizeof(*copy));
	if (!copy)
		return -ENOMEM;
	*copy = *p;
	r = nsp_mon_reader_add(m->reader, p->ring_fd, on_event, copy);
	if (r < 0) {
		free(copy);
		return r;
	}
	m->progs[m->n++] = copy;
	return 0;
}

/*
 * Observe the selected instances as status does and take each attached
 * program of ours not yet known: its maps, its ring buffer, a place among
 * its control's owners. How many programs were added, or -errno (said).
 */
static int find_programs(struct monitor *m)
{
	struct nsp_converge c;
	struct nsp_kernel k;
	int lock, added = 0, r;

	r = nsp_kernel_open(&k, m->cfg->n_instances);
	if (r < 0) {
		fprintf(stderr, "nsping: monitor: opening netlink: %s\n", strerror(-r));
		return r;
	}
	r = nsp_converge_init(&c, &k, m->cfg, nsp_plan_build);
	if (r == 0 && (r = nsp_converge_observe(&c)) < 0)
		fprintf(stderr, "nsping: monitor: %s\n", c.err);
	lock = r < 0 ? r : lock_monitors(m);
	if (lock < 0) {
		r = lock;
		goto out;
	}
	for (size_t i = 0; i < m->cfg->n_instances; i++) {
		const struct nsp_instance *w = &m->cfg->instances[i];

		for (size_t b = 0; m->selected[i] && b < w->n_bindings; b++) {
			const struct nsp_obs_prog *o = &c.obs[i].progs[b];
			const struct nsp_binding *bd = &w->bindings[b];
			struct mon_prog p = {
				.m = m, .instance = w->name, .id = o->id, .ring_fd = -1};
			int e;

			if (!o->present || !o->ours || !o->id || known(m, o->id))
				continue;
			p.program = mon_program(bd->program, bd->attach);
			p.ring_fd = nsp_mon_ring_new(ring_bytes(m->self.rate));
			e = p.ring_fd < 0 ? p.ring_fd : nsp_mon_maps_open(o->id, &p.maps);
			if (e == 0 && (e = join(&p)) == -ENOSPC)
				fprintf(stderr,
					"nsping: monitor: %s %s on %s (id %u): %d monitors already "
					"listen; skipped\n",
					w->name, nsp_mon_program_name(p.program), bd->interface,
					o->id, NSP_MON_OWNERS);
			else if (e < 0)
				fprintf(stderr, "nsping: monitor: %s %s on %s (id %u): %s\n",
					w->name, nsp_mon_program_name(p.program), bd->interface,
					o->id,
					e == -EOPNOTSUPP
						? "loaded by an older nsping, which has no "
						  "events (nsping apply replaces it)"
						: strerror(-e));
			if (e == 0) {
				nsp_mon_state_read(&p.maps, &p.seen);
				e = add_prog(m, &p);
			}
			if (e < 0) {
				if (p.joined)
					leave(&p);
				nsp_mon_maps_close(&p.maps);
				if (p.ring_fd >= 0)
					close(p.ring_fd);
				continue;
			}
			added++;
		}
	}
	nsp_lock_release(lock);
	r = added;
out:
	nsp_converge_free(&c);
	nsp_kernel_close(&k);
	return r;
}

/* Leave every program's control: the events go off where no other monitor is left. */
static void leave_all(struct monitor *m)
{
	int lock = lock_monitors(m);

	for (size_t i = 0; i < m->n; i++) {
		struct mon_prog *p = m->progs[i];
		int e;

		if (!p->joined)
			continue;
		/* without the lock, leave anyway: a stale owner would keep the events on */
		e = leave(p);
		if (e < 0 && e != -ENOENT)
			fprintf(stderr, "nsping: monitor: %s %s (id %u): leaving: %s\n",
				p->instance, nsp_mon_program_name(p->program), p->id, strerror(-e));
	}
	nsp_lock_release(lock);
}

static int parse_filters(struct monitor *m)
{
	const struct nsp_options *o = m->o;
	char bad[64];
	int r;

	for (size_t a = 0; a < o->n_names; a++) {
		size_t i;

		for (i = 0; i < m->cfg->n_instances; i++)
			if (!strcmp(o->names[a], m->cfg->instances[i].name))
				break;
		if (i == m->cfg->n_instances) {
			fprintf(stderr, "nsping: monitor: %s has no instance \"%s\"\n",
				m->cfg->path, o->names[a]);
			return -EINVAL;
		}
		m->selected[i] = true;
	}
	for (size_t i = 0; !o->n_names && i < m->cfg->n_instances; i++)
		m->selected[i] = true;
	if (o->targets) {
		r = nsp_mon_parse_targets(o->targets, &m->filter, bad, sizeof(bad));
		if (r < 0) {
			if (r == -E2BIG)
				fprintf(stderr,
					"nsping: monitor: --target: more than %d addresses\n",
					NSP_MON_MAX_TARGETS);
			else
				fprintf(stderr,
					"nsping: monitor: --target: \"%s\" is not an IPv4 "
					"address\n",
					bad);
			return r;
		}
	}
	if (o->verdicts) {
		r = nsp_mon_parse_verdicts(o->verdicts, &m->filter.verdicts, bad, sizeof(bad));
		if (r < 0) {
			fprintf(stderr,
				"nsping: monitor: --verdict: \"%s\" is not a verdict (status's "
				"counter names: redirected, redirect_error, pass_wrong_dst_ip, "
				"...)\n",
				bad);
			return r;
		}
	}
	return 0;
}

/* A program gone (replaced by apply, detached by destroy): follow its instance's new one. */
static void check_gone(struct monitor *m)
{
	bool any = false;

	for (size_t i = 0; i < m->n; i++) {
		struct mon_prog *p = m->progs[i];

		if (p->gone || nsp_prog_exists(p->id))
			continue;
		p->gone = true;
		p->joined = false;
		any = true;
		if (m->o->verbosity != NSP_QUIET)
			fprintf(stderr, "nsping: monitor: %s %s (id %u) is gone\n", p->instance,
				nsp_mon_program_name(p->program), p->id);
	}
	if (any)
		find_programs(m);
}

static void summary(struct monitor *m)
{
	report_drops(m);
	for (size_t i = 0; i < m->n && m->o->verbosity != NSP_QUIET; i++) {
		struct nsp_mon_tally t;

		tally_of(m->progs[i], &t, m->progs[i]->rate_limited, m->progs[i]->ring_full);
		if (m->o->json)
			nsp_mon_print_tally(stdout, true, "summary", &t);
		else
			nsp_mon_print_tally(stderr, false, "summary", &t);
	}
	fflush(stdout);
}

static void catch_signals(void)
{
	struct sigaction sa = {.sa_handler = on_stop};
	static const int sigs[] = {SIGINT, SIGTERM, SIGHUP};

	/* no SA_RESTART: the poll returns at once */
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaction(sigs[i], &sa, NULL);
	/* a closed stdout is a failed write, after which the monitor leaves */
	signal(SIGPIPE, SIG_IGN);
}

int nsp_cmd_monitor(const struct nsp_options *o, const struct nsp_config *cfg)
{
	struct monitor m = {.o = o, .cfg = cfg};
	uint64_t next_report, started;
	int code = NSP_EXIT_OK, r;

	m.selected = calloc(cfg->n_instances, sizeof(*m.selected));
	m.reader = nsp_mon_reader_new();
	if (!m.selected || !m.reader) {
		fprintf(stderr, "nsping: monitor: %s\n", strerror(ENOMEM));
		code = NSP_EXIT_FAILURE;
		goto out;
	}
	if (parse_filters(&m) < 0) {
		code = NSP_EXIT_USAGE;
		goto out;
	}
	m.self.pid = (uint32_t)getpid();
	m.self.rate = o->rate ? (uint32_t)o->rate : NSP_MON_DEFAULT_RATE;
	if (start_time(m.self.pid, &started) < 0) {
		fprintf(stderr, "nsping: monitor: /proc/self/stat: cannot read\n");
		code = NSP_EXIT_FAILURE;
		goto out;
	}
	m.self.start_time = started;
	/* before the events go on: a signal from now on ends the loop, and leaves */
	catch_signals();
	setvbuf(stdout, NULL, _IOLBF, 0);
	r = find_programs(&m);
	if (r == -EWOULDBLOCK) {
		code = NSP_EXIT_LOCKED;
		goto out;
	}
	if (r <= 0) {
		if (r == 0)
			fprintf(stderr,
				"nsping: monitor: no program of %s is attached to listen to "
				"(nsping status; nsping apply)\n",
				o->n_names ? "these instances" : "the file's instances");
		code = NSP_EXIT_FAILURE;
		goto out;
	}
	/* on stderr with --json too: the JSON lines stay the events' */
	if (o->verbosity != NSP_QUIET)
		for (size_t i = 0; i < m.n; i++)
			fprintf(stderr, "nsping: monitor: listening to %s %s (id %u)\n",
				m.progs[i]->instance, nsp_mon_program_name(m.progs[i]->program),
				m.progs[i]->id);
	m.realtime_shift = realtime_shift();
	next_report = nsp_clock_ns(CLOCK_MONOTONIC) + REPORT_MS * 1000000ULL;
	while (!stop_signal && !m.done) {
		uint64_t now;

		r = nsp_mon_reader_poll(m.reader, POLL_MS);
		if (r < 0 && r != -EINTR) {
			fprintf(stderr, "nsping: monitor: reading events: %s\n", strerror(-r));
			code = NSP_EXIT_FAILURE;
			break;
		}
		now = nsp_clock_ns(CLOCK_MONOTONIC);
		if (now >= next_report && !m.done) {
			/* the wall clock may have been stepped */
			m.realtime_shift = realtime_shift();
			report_drops(&m);
			check_gone(&m);
			next_report = now + REPORT_MS * 1000000ULL;
		}
	}
	leave_all(&m);
	if (m.write_failed) {
		fprintf(stderr, "nsping: monitor: writing the events: %s\n", strerror(errno));
		code = NSP_EXIT_FAILURE;
	} else {
		summary(&m);
	}
out:
	nsp_mon_reader_free(m.reader);
	for (size_t i = 0; i < m.n; i++) {
		nsp_mon_maps_close(&m.progs[i]->maps);
		close(m.progs[i]->ring_fd);
		free(m.progs[i]);
	}
	free(m.progs);
	free(m.selected);
	return code;
}
