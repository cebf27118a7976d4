/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The probe on the wire and the replies to it; pure functions over bytes.
 *
 * A probe is an IPv4 packet (DF, TTL 64) carrying a TCP SYN whose only
 * options are NOP NOP TS, with TSval = MAGIC and TSecr = 0:
 *
 *	IPv4 20 bytes | TCP 20 bytes | 01 01 08 0a <TSval> <TSecr>
 *
 * A reply is what a raw socket of the namespace reads: an IPv4 packet
 * carrying either TCP (SYN-ACK: answered; RST: reachable but closed) or an
 * ICMP error that quotes the probe's IPv4 header and first 8 TCP bytes.
 * nsp_reply_parse() checks everything a packet can say about itself
 * (lengths, checksums, options); nsp_reply_matches() checks it against the
 * probe it claims to answer.
 */
#ifndef NSPING_PROBE_H
#define NSPING_PROBE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NSP_PROBE_LEN	 52 /* IPv4 20 + TCP 20 + options 12 */
#define NSP_PROBE_TTL	 64
#define NSP_PROBE_WINDOW 64240

/* Everything that varies between probes. Addresses in network order. */
struct nsp_probe {
	uint32_t src;
	uint32_t dst;
	uint16_t sport;
	uint16_t dport;
	uint32_t seq;
	uint32_t magic; /* the TSval, as a number: its bytes go out big-endian */
	uint16_t ip_id;
};

enum nsp_reply_kind {
	NSP_REPLY_SYNACK,	/* answered */
	NSP_REPLY_RST,		/* reachable, port closed */
	NSP_REPLY_UNREACHABLE,	/* ICMP destination unreachable */
	NSP_REPLY_TIME_EXCEEDED /* ICMP time exceeded */
};

/*
 * A parsed reply, in the probe's terms: src/dst/sport/dport are those of
 * the probe it answers (so for a SYN-ACK, src is the SYN-ACK's destination).
 */
struct nsp_reply {
	enum nsp_reply_kind kind;
	uint32_t src;
	uint32_t dst;
	uint16_t sport;
	uint16_t dport;
	uint32_t seq;  /* the probe's seq: ack - 1, or quoted by ICMP */
	uint32_t from; /* who sent the reply (the ICMP error's source) */
	uint8_t icmp_type;
	uint8_t icmp_code;
	bool has_tsecr;	    /* SYN-ACK with a timestamps option */
	uint32_t tsecr_raw; /* its TSecr bytes, memcpy()-loaded */
};

/* Writes the probe into buf; returns its length, or -ENOSPC. */
int nsp_probe_build(uint8_t *buf, size_t cap, const struct nsp_probe *probe);

/*
 * Parses a packet read from a raw IPv4 socket. Returns 0 and fills
 * *ret_reply for a well-formed reply to a probe sent to port; -EBADMSG for
 * a malformed packet (truncated, bad checksum, option garbage); -ENOMSG for
 * a well-formed packet that is not a reply to port (other port, a SYN, a
 * plain ACK, another ICMP type, ...).
 */
int nsp_reply_parse(const uint8_t *pkt, size_t len, uint16_t port, struct nsp_reply *ret_reply);

/* The reply answers exactly this probe: addresses, ports and sequence. */
bool nsp_reply_matches(const struct nsp_reply *reply, const struct nsp_probe *probe);

/*
 * The Internet checksum (RFC 1071): add big-endian 16-bit words of buf to
 * sum (an odd length pads with a zero byte); finish folds and inverts.
 * A packet whose checksum field is right sums to a finished value of 0.
 */
uint32_t nsp_csum_add(uint32_t sum, const uint8_t *buf, size_t len);
uint16_t nsp_csum_finish(uint32_t sum);

const char *nsp_reply_kind_name(enum nsp_reply_kind kind);

#endif
