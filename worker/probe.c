// SPDX-License-Identifier: GPL-2.0-only
/* Probe building and reply parsing; see probe.h. No I/O. */
#include <errno.h>
#include <string.h>

#include "probe.h"

#define IPPROTO_ICMP_ 1
#define IPPROTO_TCP_  6
#define IP_DF	      0x4000
#define IP_OFFMASK    0x3fff /* MF and the fragment offset */

#define TCP_FIN 0x01
#define TCP_SYN 0x02
#define TCP_RST 0x04
#define TCP_ACK 0x10

#define TCPOPT_EOL 0
#define TCPOPT_NOP 1
#define TCPOPT_TS  8
#define TCPOLEN_TS 10

#define ICMP_DEST_UNREACH  3
#define ICMP_TIME_EXCEEDED 11

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)get16(p) << 16 | get16(p + 2);
}

/* Addresses are kept in network order: their bytes are copied, not converted. */
static void put_addr(uint8_t *p, uint32_t addr)
{
	memcpy(p, &addr, 4);
}

static uint32_t get_addr(const uint8_t *p)
{
	uint32_t addr;

	memcpy(&addr, p, 4);
	return addr;
}

uint32_t nsp_csum_add(uint32_t sum, const uint8_t *buf, size_t len)
{
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += get16(buf + i);
	if (len & 1)
		sum += (uint32_t)buf[len - 1] << 8;
	return sum;
}

uint16_t nsp_csum_finish(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* The TCP pseudo-header of RFC 793: addresses, protocol, TCP length. */
static uint32_t tcp_pseudo_sum(const uint8_t *ip, size_t tcp_len)
{
	uint32_t sum = nsp_csum_add(0, ip + 12, 8);

	return sum + IPPROTO_TCP_ + (uint32_t)tcp_len;
}

int nsp_probe_build(uint8_t *buf, size_t cap, const struct nsp_probe *probe)
{
	uint8_t *ip = buf, *tcp = buf + 20, *opt = tcp + 20;

	if (cap < NSP_PROBE_LEN)
		return -ENOSPC;
	memset(buf, 0, NSP_PROBE_LEN);

	ip[0] = 0x45;
	put16(ip + 2, NSP_PROBE_LEN);
	put16(ip + 4, probe->ip_id);
	put16(ip + 6, IP_DF);
	ip[8] = NSP_PROBE_TTL;
	ip[9] = IPPROTO_TCP_;
	put_addr(ip + 12, probe->src);
	put_addr(ip + 16, probe->dst);
	put16(ip + 10, nsp_csum_finish(nsp_csum_add(0, ip, 20)));

	put16(tcp, probe->sport);
	put16(tcp + 2, probe->dport);
	put32(tcp + 4, probe->seq);
	tcp[12] = (32 / 4) << 4; /* doff: header and options */
	tcp[13] = TCP_SYN;
	put16(tcp + 14, NSP_PROBE_WINDOW);

	opt[0] = TCPOPT_NOP;
	opt[1] = TCPOPT_NOP;
	opt[2] = TCPOPT_TS;
	opt[3] = TCPOLEN_TS;
	put32(opt + 4, probe->magic);
	/* TSecr stays 0: there is nothing to echo in a SYN. */

	put16(tcp + 16, nsp_csum_finish(nsp_csum_add(tcp_pseudo_sum(ip, 32), tcp, 32)));
	return NSP_PROBE_LEN;
}

/*
 * Walks the TCP options. Returns 0 (TSecr found or not), or -EBADMSG for an
 * option that runs past the header or has a length below 2.
 */
static int parse_tcp_options(const uint8_t *opt, size_t len, struct nsp_reply *r)
{
	size_t i = 0;

	while (i < len) {
		uint8_t kind = opt[i], olen;

		if (kind == TCPOPT_EOL)
			return 0;
		if (kind == TCPOPT_NOP) {
			i++;
			continue;
		}
		if (i + 1 >= len)
			return -EBADMSG;
		olen = opt[i + 1];
		if (olen < 2 || i + olen > len)
			return -EBADMSG;
		if (kind == TCPOPT_TS) {
			if (olen != TCPOLEN_TS)
				return -EBADMSG;
			r->has_tsecr = true;
			memcpy(&r->tsecr_raw, opt + i + 6, 4);
		}
		i += olen;
	}
	return 0;
}

/* Checks an IPv4 header at ip (avail bytes); returns its length or -EBADMSG. */
static int ipv4_header(const uint8_t *ip, size_t avail, bool verify_csum)
{
	size_t ihl;

	if (avail < 20 || ip[0] >> 4 != 4)
		return -EBADMSG;
	ihl = (size_t)(ip[0] & 0xf) * 4;
	if (ihl < 20 || ihl > avail)
		return -EBADMSG;
	if (verify_csum && nsp_csum_finish(nsp_csum_add(0, ip, ihl)) != 0)
		return -EBADMSG;
	return (int)ihl;
}

static int parse_tcp(const uint8_t *ip, size_t ihl, size_t tot, uint16_t port, struct nsp_reply *r)
{
	const uint8_t *tcp = ip + ihl;
	size_t tcp_len = tot - ihl, doff;
	uint8_t flags;

	if (tcp_len < 20)
		return -EBADMSG;
	doff = (size_t)(tcp[12] >> 4) * 4;
	if (doff < 20 || doff > tcp_len)
		return -EBADMSG;
	if (nsp_csum_finish(nsp_csum_add(tcp_pseudo_sum(ip, tcp_len), tcp, tcp_len)) != 0)
		return -EBADMSG;
	if (get16(tcp) != port)
		return -ENOMSG;

	flags = tcp[13];
	if (!(flags & TCP_ACK))
		return -ENOMSG; /* a SYN or bare RST answers nothing we sent */
	if ((flags & (TCP_SYN | TCP_RST)) == TCP_SYN)
		r->kind = NSP_REPLY_SYNACK;
	else if ((flags & (TCP_SYN | TCP_RST | TCP_FIN)) == TCP_RST)
		r->kind = NSP_REPLY_RST;
	else
		return -ENOMSG;

	r->src = get_addr(ip + 16);
	r->dst = get_addr(ip + 12);
	r->from = r->dst;
	r->sport = get16(tcp + 2);
	r->dport = port;
	r->seq = get32(tcp + 8) - 1;
	return parse_tcp_options(tcp + 20, doff - 20, r);
}

/* An ICMP error quotes the probe's IPv4 header and at least 8 TCP bytes. */
static int parse_icmp(const uint8_t *ip, size_t ihl, size_t tot, uint16_t port, struct nsp_reply *r)
{
	const uint8_t *icmp = ip + ihl, *inner;
	size_t icmp_len = tot - ihl;
	int inner_ihl;

	if (icmp_len < 8)
		return -EBADMSG;
	if (nsp_csum_finish(nsp_csum_add(0, icmp, icmp_len)) != 0)
		return -EBADMSG;
	if (icmp[0] == ICMP_DEST_UNREACH)
		r->kind = NSP_REPLY_UNREACHABLE;
	else if (icmp[0] == ICMP_TIME_EXCEEDED)
		r->kind = NSP_REPLY_TIME_EXCEEDED;
	else
		return -ENOMSG;

	inner = icmp + 8;
	inner_ihl = ipv4_header(inner, icmp_len - 8, false);
	if (inner_ihl < 0 || icmp_len - 8 < (size_t)inner_ihl + 8)
		return -EBADMSG;
	if (inner[9] != IPPROTO_TCP_ || get16(inner + inner_ihl + 2) != port)
		return -ENOMSG;

	r->icmp_type = icmp[0];
	r->icmp_code = icmp[1];
	r->from = get_addr(ip + 12);
	r->src = get_addr(inner + 12);
	r->dst = get_addr(inner + 16);
	r->sport = get16(inner + inner_ihl);
	r->dport = port;
	r->seq = get32(inner + inner_ihl + 4);
	return 0;
}

int nsp_reply_parse(const uint8_t *pkt, size_t len, uint16_t port, struct nsp_reply *ret_reply)
{
	struct nsp_reply r = {0};
	size_t tot;
	int ihl, err;

	ihl = ipv4_header(pkt, len, true);
	if (ihl < 0)
		return ihl;
	tot = get16(pkt + 2);
	if (tot < (size_t)ihl || tot > len)
		return -EBADMSG;
	if (get16(pkt + 6) & IP_OFFMASK)
		return -ENOMSG; /* a fragment: no probe reply is one */

	if (pkt[9] == IPPROTO_TCP_)
		err = parse_tcp(pkt, (size_t)ihl, tot, port, &r);
	else if (pkt[9] == IPPROTO_ICMP_)
		err = parse_icmp(pkt, (size_t)ihl, tot, port, &r);
	else
		err = -ENOMSG;
	if (err)
		return err;
	*ret_reply = r;
	return 0;
}

bool nsp_reply_matches(const struct nsp_reply *reply, const struct nsp_probe *probe)
{
	return reply->src == probe->src && reply->dst == probe->dst &&
	       reply->sport == probe->sport && reply->dport == probe->dport &&
	       reply->seq == probe->seq;
}

const char *nsp_reply_kind_name(enum nsp_reply_kind kind)
{
	switch (kind) {
	case NSP_REPLY_SYNACK:
		return "syn-ack";
	case NSP_REPLY_RST:
		return "rst";
	case NSP_REPLY_UNREACHABLE:
		return "unreachable";
	case NSP_REPLY_TIME_EXCEEDED:
		return "time-exceeded";
	}
	return "?";
}
