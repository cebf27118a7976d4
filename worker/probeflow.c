// SPDX-License-Identifier: GPL-2.0-only
/*
 * diagnose's probe flow (common/probeflow.h): the worker's sockets and
 * probes, without its schedule. Probes go one every gap_ms; replies are read
 * until timeout_ms after the last.
 */
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdbool.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>

#include "clock.h"
#include "pathsock.h"
#include "probe.h"
#include "probeflow.h"

#define FLOW_MAX  64 /* probes of one flow */
#define NS_PER_MS 1000000ull

struct flow {
	const struct nsp_flow_request *req;
	struct nsp_flow_result *res;
	struct nsp_path_socks socks;
	uint32_t seq0;		    /* the first probe's sequence number */
	uint64_t sent_ns[FLOW_MAX]; /* 0: not sent */
	bool answered[FLOW_MAX];
};

/*
 * Probe i, from its own source port (the next one down from req->sport, in
 * the range): a probe that reused the port of one whose handshake the
 * gateway still holds open would be answered with an RST.
 */
static struct nsp_probe probe_of(const struct flow *f, unsigned int i)
{
	const struct nsp_flow_request *q = f->req;
	unsigned int span = (unsigned int)(q->sport_max - q->sport_min) + 1;
	unsigned int down = (unsigned int)(q->sport - q->sport_min);

	return (struct nsp_probe){
		.src = f->res->src,
		.dst = f->req->target,
		.sport = (uint16_t)(q->sport_min + (down + span - i % span) % span),
		.dport = f->req->port,
		.seq = f->seq0 + i,
		.magic = f->req->magic,
		.ip_id = (uint16_t)(f->seq0 + i)};
}

static void send_probe(struct flow *f, unsigned int i)
{
	struct sockaddr_in to = {.sin_family = AF_INET, .sin_addr.s_addr = f->req->target};
	struct nsp_probe p = probe_of(f, i);
	uint8_t buf[NSP_PROBE_LEN];
	int len = nsp_probe_build(buf, sizeof(buf), &p);

	if (len > 0 &&
	    sendto(f->socks.tcp, buf, (size_t)len, 0, (struct sockaddr *)&to, sizeof(to)) == len) {
		f->sent_ns[i] = nsp_clock_ns(CLOCK_MONOTONIC);
		f->res->sent++;
	} else if (!f->res->send_err) {
		f->res->send_err = len < 0 ? len : -errno;
	}
}

/* A packet read from one of the sockets: one of ours, another's, or garbage. */
static void on_packet(struct flow *f, const uint8_t *pkt, size_t len)
{
	struct nsp_flow_result *res = f->res;
	struct nsp_reply r;
	struct nsp_probe p;
	unsigned int i;
	int e = nsp_reply_parse(pkt, len, f->req->port, &r);

	if (e == -EBADMSG) {
		res->malformed++;
		return;
	}
	if (e < 0)
		return; /* not a reply to the probe port: the filters let little through */
	i = r.seq - f->seq0;
	if (i >= f->req->count || !f->sent_ns[i] ||
	    (p = probe_of(f, i), !nsp_reply_matches(&r, &p))) {
		res->unmatched++;
		return;
	}
	if (f->answered[i]) {
		res->duplicate++;
		return;
	}
	f->answered[i] = true;
	if (r.kind == NSP_REPLY_SYNACK) {
		uint64_t rtt = (nsp_clock_ns(CLOCK_MONOTONIC) - f->sent_ns[i]) / 1000;

		if (!res->answered || rtt < res->rtt_min_us)
			res->rtt_min_us = rtt;
		if (rtt > res->rtt_max_us)
			res->rtt_max_us = rtt;
		res->answered++;
	} else if (r.kind == NSP_REPLY_RST) {
		res->closed++;
	} else {
		res->unreachable++;
	}
}

static void read_socket(struct flow *f, int fd)
{
	uint8_t pkt[2048];
	ssize_t n;

	while ((n = recv(fd, pkt, sizeof(pkt), MSG_DONTWAIT)) > 0)
		on_packet(f, pkt, (size_t)n);
	/* the sockets' tx timestamps (pathsock.c) would keep poll() saying POLLERR */
	while (recv(fd, pkt, sizeof(pkt), MSG_ERRQUEUE | MSG_DONTWAIT) > 0)
		;
}

static bool all_done(const struct flow *f)
{
	const struct nsp_flow_result *r = f->res;

	return r->sent == f->req->count && r->answered + r->closed + r->unreachable == r->sent;
}

/* Read what arrives until the monotonic time until_ns. */
static void read_until(struct flow *f, uint64_t until_ns)
{
	struct pollfd fds[2] = {{.fd = f->socks.tcp, .events = POLLIN},
				{.fd = f->socks.icmp, .events = POLLIN}};

	for (;;) {
		uint64_t now = nsp_clock_ns(CLOCK_MONOTONIC);
		int ms;

		if (now >= until_ns || all_done(f))
			return;
		ms = (int)((until_ns - now + NS_PER_MS - 1) / NS_PER_MS);
		if (poll(fds, 2, ms) < 0 && errno != EINTR)
			return;
		read_socket(f, f->socks.tcp);
		read_socket(f, f->socks.icmp);
	}
}

int nsp_flow_run(const struct nsp_flow_request *req, struct nsp_flow_result *ret)
{
	struct flow f = {.req = req, .res = ret};
	int e;

	*ret = (struct nsp_flow_result){0};
	if (req->count == 0 || req->count > FLOW_MAX)
		return -EINVAL;
	e = nsp_path_socks_open(req->port, req->sport_min, req->sport_max, &f.socks);
	if (e < 0)
		return e;
	if (getrandom(&f.seq0, sizeof(f.seq0), 0) != sizeof(f.seq0))
		f.seq0 = (uint32_t)nsp_clock_ns(CLOCK_REALTIME);
	e = nsp_path_source_address(&f.socks, req->target, req->port, &ret->src);
	if (e < 0) {
		ret->send_err = e; /* no route: nothing can leave */
		nsp_path_socks_close(&f.socks);
		return 0;
	}
	for (unsigned int i = 0; i < req->count; i++) {
		send_probe(&f, i);
		if (i + 1 < req->count)
			read_until(&f, nsp_clock_ns(CLOCK_MONOTONIC) + req->gap_ms * NS_PER_MS);
	}
	read_until(&f, nsp_clock_ns(CLOCK_MONOTONIC) + req->timeout_ms * NS_PER_MS);
	nsp_path_socks_close(&f.socks);
	return 0;
}
