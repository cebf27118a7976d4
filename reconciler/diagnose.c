// SPDX-License-Identifier: GPL-2.0-only
/*
 * diagnose [INSTANCE...]: one probe flow per instance, with the counters
 * along its path read before and after; pathwalk.c says where the numbers
 * stop adding up. Reads and sends probes; changes nothing.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include "addr.h"
#include "commands.h"
#include "config.h"
#include "converge.h"
#include "ethstats.h"
#include "json.h"
#include "kernel.h"
#include "netns.h"
#include "pathwalk.h"
#include "probeflow.h"
#include "workerstate.h"
#include "xdp.h"

#define DEFAULT_PROBES 5
#define PROBE_GAP_MS   100

/* Everything read along the path at one moment. */
struct snapshot {
	bool tx_ok, rx_ok;
	uint64_t tx[NSP_CNT_MAX], rx[NSP_CNT_MAX];
	bool uplink_ok, host_ok, peer_ok, snmp_ok;
	struct nsp_link_stats uplink, host, peer;
	bool uplink_loss_ok, host_loss_ok, uplink_drop_ok, host_drop_ok;
	uint64_t uplink_loss, host_loss, uplink_drop, host_drop;
	struct nsp_snmp snmp;
};

struct diagnosis {
	const struct nsp_options *o;
	const struct nsp_config *cfg;
	struct nsp_kernel k;
	struct nsp_converge c;
	int sock; /* AF_INET, host netns: ethtool */
};

static int read_snmp(void *arg)
{
	return nsp_snmp_read(arg);
}

static void take(struct diagnosis *d, size_t i, const struct nsp_walk_input *in, struct snapshot *s)
{
	const struct nsp_obs_instance *obs = &d->c.obs[i];
	struct nsp_netns_handles *ns = &d->k.ns[i];

	*s = (struct snapshot){0};
	s->tx_ok = in->tx.present && in->tx.ours &&
		   nsp_prog_counters(in->tx.id, s->tx, NSP_CNT_MAX) == 0;
	s->rx_ok = in->rx.present && in->rx.ours &&
		   nsp_prog_counters(in->rx.id, s->rx, NSP_CNT_MAX) == 0;
	s->uplink_ok = obs->uplink.present &&
		       nsp_nl_link_stats(&d->k.host, obs->uplink.ifindex, &s->uplink) == 0;
	s->host_ok = obs->host.present &&
		     nsp_nl_link_stats(&d->k.host, obs->host.ifindex, &s->host) == 0;
	s->uplink_loss_ok = obs->uplink.present && d->sock >= 0 &&
			    nsp_ethstats_sum(d->sock, obs->uplink.name, nsp_ethstat_is_xdp_loss,
					     &s->uplink_loss) == 0;
	s->host_loss_ok = obs->host.present && d->sock >= 0 &&
			  nsp_ethstats_sum(d->sock, obs->host.name, nsp_ethstat_is_xdp_loss,
					   &s->host_loss) == 0;
	s->uplink_drop_ok = obs->uplink.present && d->sock >= 0 &&
			    nsp_ethstats_sum(d->sock, obs->uplink.name,
					     nsp_ethstat_is_veth_xdp_drop, &s->uplink_drop) == 0;
	s->host_drop_ok = obs->host.present && d->sock >= 0 &&
			  nsp_ethstats_sum(d->sock, obs->host.name, nsp_ethstat_is_veth_xdp_drop,
					   &s->host_drop) == 0;
	if (ns->netns_fd < 0)
		return;
	s->peer_ok = obs->peer.present && ns->nl.open &&
		     nsp_nl_link_stats(&ns->nl, obs->peer.ifindex, &s->peer) == 0;
	s->snmp_ok = nsp_netns_run(ns->netns_fd, read_snmp, &s->snmp) == 0;
}

static uint64_t grew(uint64_t before, uint64_t after)
{
	return after > before ? after - before : 0;
}

static struct nsp_link_stats stats_delta(const struct nsp_link_stats *a,
					 const struct nsp_link_stats *b)
{
	return (struct nsp_link_stats){.rx_packets = grew(a->rx_packets, b->rx_packets),
				       .tx_packets = grew(a->tx_packets, b->tx_packets),
				       .rx_dropped = grew(a->rx_dropped, b->rx_dropped),
				       .tx_dropped = grew(a->tx_dropped, b->tx_dropped),
				       .rx_errors = grew(a->rx_errors, b->rx_errors),
				       .tx_errors = grew(a->tx_errors, b->tx_errors)};
}

static void snmp_delta(const struct nsp_snmp *a, const struct nsp_snmp *b, struct nsp_snmp *ret)
{
	const uint64_t *x = (const uint64_t *)a, *y = (const uint64_t *)b;
	uint64_t *z = (uint64_t *)ret;

	for (size_t k = 0; k < sizeof(*a) / sizeof(uint64_t); k++)
		z[k] = grew(x[k], y[k]);
}

/* What the walk compares: the growth of every counter between a and b. */
static void deltas(const struct snapshot *a, const struct snapshot *b, struct nsp_walk_input *in)
{
	in->tx.counted = a->tx_ok && b->tx_ok;
	in->rx.counted = a->rx_ok && b->rx_ok;
	for (unsigned int k = 0; k < NSP_CNT_MAX; k++) {
		in->tx.delta[k] = grew(a->tx[k], b->tx[k]);
		in->rx.delta[k] = grew(a->rx[k], b->rx[k]);
	}
	in->uplink.counted = a->uplink_ok && b->uplink_ok;
	in->uplink.delta = stats_delta(&a->uplink, &b->uplink);
	in->uplink.xdp_loss_known = a->uplink_loss_ok && b->uplink_loss_ok;
	in->uplink.xdp_loss_delta = grew(a->uplink_loss, b->uplink_loss);
	in->host.counted = a->host_ok && b->host_ok;
	in->host.delta = stats_delta(&a->host, &b->host);
	in->host.xdp_loss_known = a->host_loss_ok && b->host_loss_ok;
	in->host.xdp_loss_delta = grew(a->host_loss, b->host_loss);
	in->uplink.xdp_drop_known = a->uplink_drop_ok && b->uplink_drop_ok;
	in->uplink.xdp_drop_delta = grew(a->uplink_drop, b->uplink_drop);
	in->host.xdp_drop_known = a->host_drop_ok && b->host_drop_ok;
	in->host.xdp_drop_delta = grew(a->host_drop, b->host_drop);
	in->peer.counted = a->peer_ok && b->peer_ok;
	in->peer.delta = stats_delta(&a->peer, &b->peer);
	in->snmp_counted = a->snmp_ok && b->snmp_ok;
	snmp_delta(&a->snmp, &b->snmp, &in->snmp_delta);
}

static void walk_link(const struct nsp_obs_link *l, struct nsp_walk_link *ret)
{
	*ret = (struct nsp_walk_link){
		.present = l->present, .up = l->up, .running = l->running, .mac = l->mac};
	snprintf(ret->name, sizeof(ret->name), "%s", l->name);
}

/* What the observation says about the path, before any probe. */
static void static_input(struct diagnosis *d, size_t i, struct nsp_walk_input *in)
{
	const struct nsp_instance *w = &d->cfg->instances[i];
	const struct nsp_obs_instance *obs = &d->c.obs[i];

	in->netns = w->netns;
	in->port = w->ping.port;
	in->netns_present = obs->netns_present && d->k.ns[i].netns_fd >= 0;
	for (size_t k = 0; k < d->c.plan.n_changes; k++)
		in->drift += d->c.plan.changes[k].instance == i;
	walk_link(&obs->uplink, &in->uplink);
	walk_link(&obs->host, &in->host);
	walk_link(&obs->peer, &in->peer);
	if (!obs->uplink.present)
		snprintf(in->uplink.name, sizeof(in->uplink.name), "%s", w->uplink);
	if (!obs->host.present)
		snprintf(in->host.name, sizeof(in->host.name), "%s", w->veth_host);
	if (!obs->peer.present)
		snprintf(in->peer.name, sizeof(in->peer.name), "%s", w->veth_peer);
	in->tx.program = NSP_PROG_TX_PING;
	in->rx.program = NSP_PROG_RX_PING;
	for (size_t b = 0; b < w->n_bindings; b++) {
		const struct nsp_binding *bd = &w->bindings[b];
		const struct nsp_obs_prog *o = &obs->progs[b];
		struct nsp_walk_prog *p = bd->program == NSP_PROG_TX_PING ? &in->tx : &in->rx;

		p->bound = true;
		p->attach = bd->attach;
		snprintf(p->ifname, sizeof(p->ifname), "%s", bd->interface);
		p->present = o->present;
		p->ours = o->ours;
		p->id = o->id;
		snprintf(p->name, sizeof(p->name), "%s", o->name);
	}
}

struct flow_call {
	const struct nsp_flow_request *req;
	struct nsp_flow_result *res;
};

static int run_flow(void *arg)
{
	struct flow_call *f = arg;

	return nsp_flow_run(f->req, f->res);
}

/*
 * Where the flow's ports start: anywhere in the range, so that a rerun does
 * not meet the handshakes that the gateway may still hold open from the last
 * one (a SYN-ACK that never came through is retransmitted for a minute).
 */
static uint16_t first_sport(const struct nsp_ping *p)
{
	uint32_t r, span = (uint32_t)(p->sport_max - p->sport_min) + 1;

	if (getrandom(&r, sizeof(r), 0) != sizeof(r))
		r = (uint32_t)getpid();
	return (uint16_t)(p->sport_min + r % span);
}

static void diagnose_instance(struct diagnosis *d, size_t i, struct nsp_walk_input *in,
			      struct nsp_walk *walk)
{
	const struct nsp_instance *w = &d->cfg->instances[i];
	struct nsp_flow_request req = {
		.target = in->target,
		.port = w->ping.port,
		.magic = w->ping.magic,
		.sport_min = w->ping.sport_min,
		.sport_max = w->ping.sport_max,
		.sport = first_sport(&w->ping),
		.count = in->count,
		.gap_ms = PROBE_GAP_MS,
		.timeout_ms = w->ping.timeout_ms,
	};
	struct flow_call call = {&req, &in->flow};
	struct snapshot before, after;

	static_input(d, i, in);
	if (in->netns_present) {
		take(d, i, in, &before);
		in->flow_err = nsp_netns_run(d->k.ns[i].netns_fd, run_flow, &call);
		take(d, i, in, &after);
		deltas(&before, &after, in);
	}
	nsp_walk(in, walk);
}

static void print_text(const char *name, const struct nsp_walk_input *in,
		       const struct nsp_walk *walk, const struct nsp_workerstate *ws, int worker)
{
	char ip[NSP_IPV4_STRLEN];

	printf("%s: %u probes to %s:%u\n", name, in->count, nsp_ipv4_format(in->target, ip),
	       in->port);
	for (unsigned int h = 0; h < NSP_HOP_COUNT; h++) {
		const struct nsp_hop_report *r = &walk->hops[h];

		printf("  %-7s %-11s %s", nsp_hop_status_name(r->status),
		       nsp_hop_name((enum nsp_hop)h), r->detail);
		for (size_t k = 0; k < r->n_ev; k++)
			printf("%s%s %llu", k ? ", " : " [", r->ev[k].name,
			       (unsigned long long)r->ev[k].value);
		puts(r->n_ev ? "]" : "");
	}
	if (worker == 1)
		printf("  worker  pid %d: sent %llu, received %llu, late %llu, duplicate %llu, "
		       "unmatched %llu since it started%s%s\n",
		       ws->pid, (unsigned long long)ws->sent, (unsigned long long)ws->received,
		       (unsigned long long)ws->late, (unsigned long long)ws->duplicate,
		       (unsigned long long)ws->stray,
		       ws->path_up ? "" : "; path down: ", ws->path_up ? "" : ws->reason);
	printf("verdict: %s\n", walk->verdict);
}

static void print_json(struct nsp_json *j, const char *name, const struct nsp_walk_input *in,
		       const struct nsp_walk *walk, const struct nsp_workerstate *ws, int worker)
{
	char ip[NSP_IPV4_STRLEN];

	nsp_json_begin_object(j, NULL);
	nsp_json_string(j, "instance", name);
	nsp_json_string(j, "target", nsp_ipv4_format(in->target, ip));
	nsp_json_uint(j, "port", in->port);
	nsp_json_uint(j, "probes", in->count);
	nsp_json_uint(j, "sent", in->flow.sent);
	nsp_json_uint(j, "answered", in->flow.answered);
	nsp_json_bool(j, "ok", walk->ok);
	nsp_json_begin_array(j, "hops");
	for (unsigned int h = 0; h < NSP_HOP_COUNT; h++) {
		const struct nsp_hop_report *r = &walk->hops[h];

		nsp_json_begin_object(j, NULL);
		nsp_json_string(j, "hop", nsp_hop_name((enum nsp_hop)h));
		nsp_json_string(j, "status", nsp_hop_status_name(r->status));
		nsp_json_string(j, "detail", r->detail);
		nsp_json_begin_object(j, "evidence");
		for (size_t k = 0; k < r->n_ev; k++)
			nsp_json_uint(j, r->ev[k].name, r->ev[k].value);
		nsp_json_end_object(j);
		nsp_json_end_object(j);
	}
	nsp_json_end_array(j);
	if (worker == 1) {
		nsp_json_begin_object(j, "worker");
		nsp_json_uint(j, "pid", (unsigned long long)ws->pid);
		nsp_json_bool(j, "path_up", ws->path_up);
		nsp_json_uint(j, "sent", ws->sent);
		nsp_json_uint(j, "received", ws->received);
		nsp_json_uint(j, "late", ws->late);
		nsp_json_uint(j, "duplicate", ws->duplicate);
		nsp_json_uint(j, "unmatched", ws->stray);
		nsp_json_end_object(j);
	} else {
		nsp_json_null(j, "worker");
	}
	nsp_json_begin_object(j, "verdict");
	if (walk->ok)
		nsp_json_null(j, "hop");
	else
		nsp_json_string(j, "hop", nsp_hop_name(walk->hop));
	nsp_json_string(j, "message", walk->verdict);
	nsp_json_end_object(j);
	nsp_json_end_object(j);
}

/* The instances asked for, by name; every one when none is named. -1 for an unknown name. */
static int selected(const struct nsp_options *o, const struct nsp_config *cfg, bool *ret)
{
	for (size_t i = 0; i < cfg->n_instances; i++)
		ret[i] = o->n_names == 0;
	for (size_t k = 0; k < o->n_names; k++) {
		size_t i = 0;

		while (i < cfg->n_instances && strcmp(cfg->instances[i].name, o->names[k]))
			i++;
		if (i == cfg->n_instances) {
			fprintf(stderr, "nsping: diagnose: no instance \"%s\" in %s\n", o->names[k],
				cfg->path);
			return -1;
		}
		ret[i] = true;
	}
	return 0;
}

int nsp_cmd_diagnose(const struct nsp_options *o, const struct nsp_config *cfg)
{
	struct diagnosis d = {.o = o, .cfg = cfg, .sock = -1};
	bool want[NSP_MAX_INSTANCES];
	struct nsp_json j;
	int e, code = NSP_EXIT_OK;

	if (selected(o, cfg, want) < 0)
		return NSP_EXIT_USAGE;
	e = nsp_kernel_open(&d.k, cfg->n_instances);
	if (e < 0) {
		fprintf(stderr, "nsping: opening netlink: %s\n", strerror(-e));
		return NSP_EXIT_FAILURE;
	}
	d.k.state_dir = o->state_dir;
	e = nsp_converge_init(&d.c, &d.k, cfg, nsp_plan_build);
	if (e == 0)
		e = nsp_converge_observe(&d.c);
	if (e == 0)
		e = nsp_converge_plan(&d.c);
	if (e < 0) {
		fprintf(stderr, "nsping: %s\n", d.c.err[0] ? d.c.err : strerror(-e));
		nsp_converge_free(&d.c);
		nsp_kernel_close(&d.k);
		return NSP_EXIT_FAILURE;
	}
	d.sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (o->json) {
		nsp_json_init(&j, stdout);
		nsp_json_begin_object(&j, NULL);
		nsp_json_begin_array(&j, "instances");
	}
	for (size_t i = 0; i < cfg->n_instances; i++) {
		const struct nsp_instance *w = &cfg->instances[i];
		struct nsp_walk_input in = {
			.count = o->count ? (unsigned int)o->count : DEFAULT_PROBES,
			.target = o->has_target ? o->target : w->ping.targets[0]};
		struct nsp_workerstate ws = {0};
		struct nsp_walk walk;
		int worker;

		if (!want[i])
			continue;
		diagnose_instance(&d, i, &in, &walk);
		worker = nsp_workerstate_read(o->state_dir, w->name, &ws);
		if (o->json)
			print_json(&j, w->name, &in, &walk, &ws, worker);
		else
			print_text(w->name, &in, &walk, &ws, worker);
		if (!walk.ok)
			code = NSP_EXIT_FAILURE;
	}
	if (o->json) {
		nsp_json_end_array(&j);
		nsp_json_end_object(&j);
	}
	if (d.sock >= 0)
		close(d.sock);
	nsp_converge_free(&d.c);
	nsp_kernel_close(&d.k);
	return code;
}
