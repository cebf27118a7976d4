// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>

#include "addr.h"
#include "json.h"
#include "monitorfmt.h"

#define ETHERTYPE_IPV4 0x0800
#define ETHERTYPE_ARP  0x0806
#define ETHERTYPE_IPV6 0x86dd
#define PROTO_ICMP     1
#define PROTO_TCP      6

const char *nsp_mon_program_name(uint8_t program)
{
	static const char *const names[NSP_MON_PROGRAM_MAX] = {
		[NSP_MON_TX_PING] = "tx_ping",
		[NSP_MON_RX_PING] = "rx_ping",
		[NSP_MON_TX_PING_TC] = "tx_ping_tc",
		[NSP_MON_RX_PING_TC] = "rx_ping_tc",
	};

	return program && program < NSP_MON_PROGRAM_MAX ? names[program] : "unknown";
}

/* The next comma-separated word of *list into word; false at the end. */
static bool next_word(const char **list, char *word, size_t size)
{
	size_t n;

	if (!**list)
		return false;
	n = strcspn(*list, ",");
	snprintf(word, size, "%.*s", (int)n, *list);
	*list += n + ((*list)[n] == ',');
	return true;
}

static int verdict_of(const char *word)
{
	for (unsigned int i = 0; i < NSP_CNT_MAX; i++) {
		const char *name = nsp_counter_name(i);

		if (!strcmp(word, name) || (!strncmp(name, "pass_", 5) && !strcmp(word, name + 5)))
			return (int)i;
	}
	return -EINVAL;
}

int nsp_mon_parse_verdicts(const char *list, uint32_t *ret_mask, char *bad, size_t bad_size)
{
	uint32_t mask = 0;
	char word[64];
	int v;

	if (!*list) {
		snprintf(bad, bad_size, "%s", "");
		return -EINVAL;
	}
	while (next_word(&list, word, sizeof(word))) {
		v = verdict_of(word);
		if (v < 0) {
			snprintf(bad, bad_size, "%s", word);
			return -EINVAL;
		}
		mask |= 1u << v;
	}
	*ret_mask = mask;
	return 0;
}

int nsp_mon_parse_targets(const char *list, struct nsp_mon_filter *f, char *bad, size_t bad_size)
{
	struct nsp_mon_filter next = *f;
	char word[64];
	uint32_t a;

	if (!*list) {
		snprintf(bad, bad_size, "%s", "");
		return -EINVAL;
	}
	while (next_word(&list, word, sizeof(word))) {
		if (nsp_ipv4_parse(word, &a) < 0) {
			snprintf(bad, bad_size, "%s", word);
			return -EINVAL;
		}
		if (next.n_targets == NSP_MON_MAX_TARGETS)
			return -E2BIG;
		next.targets[next.n_targets++] = a;
	}
	*f = next;
	return 0;
}

bool nsp_mon_match(const struct nsp_mon_filter *f, const struct nsp_event *ev)
{
	if (f->verdicts && (ev->verdict >= 32 || !(f->verdicts & (1u << ev->verdict))))
		return false;
	if (!f->n_targets)
		return true;
	for (size_t i = 0; i < f->n_targets; i++) {
		uint32_t t = f->targets[i];

		if (t == ev->saddr || t == ev->daddr || (ev->quoted_daddr && t == ev->quoted_daddr))
			return true;
	}
	return false;
}

/* "tcp", "icmp", "ip" (another IPv4 protocol), "arp", "ipv6" or "ether". */
static const char *protocol_name(const struct nsp_event *ev)
{
	switch (ntohs(ev->eth_proto)) {
	case ETHERTYPE_IPV4:
		return ev->ip_proto == PROTO_TCP    ? "tcp"
		       : ev->ip_proto == PROTO_ICMP ? "icmp"
						    : "ip";
	case ETHERTYPE_ARP:
		return "arp";
	case ETHERTYPE_IPV6:
		return "ipv6";
	default:
		return "ether";
	}
}

/* TCP flags as letters, FIN first: "SA" for a SYN-ACK. */
static char *tcp_flag_letters(uint8_t flags, char buf[9])
{
	static const char letters[] = "FSRPAUEC";
	int n = 0;

	for (int i = 0; i < 8; i++)
		if (flags & (1u << i))
			buf[n++] = letters[i];
	buf[n] = '\0';
	return buf;
}

static bool is_ipv4(const struct nsp_event *ev)
{
	return ntohs(ev->eth_proto) == ETHERTYPE_IPV4;
}

/* A port pair is in the event when either is non-zero (0 is no TCP port). */
static bool has_ports(const struct nsp_event *ev)
{
	return ev->sport || ev->dport;
}

void nsp_mon_print_text(FILE *f, const struct nsp_event *ev, const struct nsp_mon_source *src)
{
	char s[NSP_IPV4_STRLEN], d[NSP_IPV4_STRLEN], q[NSP_IPV4_STRLEN], flags[9], clock[16] = "?";
	uint64_t real = ev->time_ns + (uint64_t)src->realtime_shift;
	time_t secs = (time_t)(real / 1000000000u);
	const char *proto = protocol_name(ev);
	struct tm tm;

	if (localtime_r(&secs, &tm))
		strftime(clock, sizeof(clock), "%H:%M:%S", &tm);
	fprintf(f, "%s.%06u %s %s %s %s %s", clock, (unsigned)(real % 1000000000u / 1000u),
		src->instance, nsp_mon_program_name(ev->program), src->ifname ? src->ifname : "?",
		nsp_counter_name(ev->verdict), proto);
	if (!is_ipv4(ev)) {
		if (!strcmp(proto, "ether"))
			fprintf(f, " 0x%04x", ntohs(ev->eth_proto));
	} else if (ev->ip_proto == PROTO_TCP && has_ports(ev)) {
		fprintf(f, " %s:%u > %s:%u [%s]", nsp_ipv4_format(ev->saddr, s), ntohs(ev->sport),
			nsp_ipv4_format(ev->daddr, d), ntohs(ev->dport),
			tcp_flag_letters(ev->tcp_flags, flags));
	} else {
		fprintf(f, " %s > %s", nsp_ipv4_format(ev->saddr, s),
			nsp_ipv4_format(ev->daddr, d));
		if (ev->ip_proto == PROTO_ICMP)
			fprintf(f, " type %u code %u", ev->icmp_type, ev->icmp_code);
		else if (ev->ip_proto != PROTO_TCP)
			fprintf(f, " proto %u", ev->ip_proto);
		if (ev->quoted_daddr)
			fprintf(f, " quoting tcp :%u > %s:%u", ntohs(ev->sport),
				nsp_ipv4_format(ev->quoted_daddr, q), ntohs(ev->dport));
	}
	fprintf(f, " len %u\n", ev->len);
}

void nsp_mon_print_json(FILE *f, const struct nsp_event *ev, const struct nsp_mon_source *src)
{
	char a[NSP_IPV4_STRLEN], when[40] = "", frac[16];
	uint64_t real = ev->time_ns + (uint64_t)src->realtime_shift;
	time_t secs = (time_t)(real / 1000000000u);
	struct nsp_json j;
	struct tm tm;

	if (gmtime_r(&secs, &tm)) {
		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
		snprintf(frac, sizeof(frac), ".%06uZ", (unsigned)(real % 1000000000u / 1000u));
		strncat(when, frac, sizeof(when) - strlen(when) - 1);
	}
	nsp_json_init(&j, f);
	nsp_json_begin_object(&j, NULL);
	nsp_json_string(&j, "type", "event");
	nsp_json_uint(&j, "time_ns", ev->time_ns);
	nsp_json_string(&j, "time", when);
	nsp_json_string(&j, "instance", src->instance);
	nsp_json_string(&j, "program", nsp_mon_program_name(ev->program));
	nsp_json_uint(&j, "prog_id", src->prog_id);
	nsp_json_uint(&j, "ifindex", ev->ifindex);
	if (src->ifname)
		nsp_json_string(&j, "interface", src->ifname);
	nsp_json_string(&j, "verdict", nsp_counter_name(ev->verdict));
	nsp_json_uint(&j, "len", ev->len);
	nsp_json_string(&j, "protocol", protocol_name(ev));
	nsp_json_uint(&j, "eth_proto", ntohs(ev->eth_proto));
	if (is_ipv4(ev)) {
		nsp_json_uint(&j, "ip_proto", ev->ip_proto);
		nsp_json_string(&j, "saddr", nsp_ipv4_format(ev->saddr, a));
		nsp_json_string(&j, "daddr", nsp_ipv4_format(ev->daddr, a));
		if (has_ports(ev)) {
			nsp_json_uint(&j, "sport", ntohs(ev->sport));
			nsp_json_uint(&j, "dport", ntohs(ev->dport));
		}
		if (ev->ip_proto == PROTO_TCP)
			nsp_json_uint(&j, "tcp_flags", ev->tcp_flags);
		if (ev->ip_proto == PROTO_ICMP) {
			nsp_json_uint(&j, "icmp_type", ev->icmp_type);
			nsp_json_uint(&j, "icmp_code", ev->icmp_code);
		}
		if (ev->quoted_daddr)
			nsp_json_string(&j, "quoted_daddr", nsp_ipv4_format(ev->quoted_daddr, a));
	}
	nsp_json_end_object(&j);
}

void nsp_mon_print_tally(FILE *f, bool json, const char *type, const struct nsp_mon_tally *t)
{
	struct nsp_json j;

	if (!json) {
		if (!strcmp(type, "summary"))
			fprintf(f, "nsping: monitor: %s %s (id %u): %llu events, %llu printed; ",
				t->instance, nsp_mon_program_name(t->program), t->prog_id,
				(unsigned long long)t->received, (unsigned long long)t->printed);
		else
			fprintf(f, "nsping: monitor: %s %s (id %u): ", t->instance,
				nsp_mon_program_name(t->program), t->prog_id);
		fprintf(f,
			"%llu events dropped by the rate limit (%u/s), %llu by a full ring "
			"buffer\n",
			(unsigned long long)t->rate_limited, t->rate,
			(unsigned long long)t->ring_full);
		return;
	}
	nsp_json_init(&j, f);
	nsp_json_begin_object(&j, NULL);
	nsp_json_string(&j, "type", type);
	nsp_json_string(&j, "instance", t->instance);
	nsp_json_string(&j, "program", nsp_mon_program_name(t->program));
	nsp_json_uint(&j, "prog_id", t->prog_id);
	nsp_json_uint(&j, "rate", t->rate);
	if (!strcmp(type, "summary")) {
		nsp_json_uint(&j, "received", t->received);
		nsp_json_uint(&j, "printed", t->printed);
	}
	nsp_json_uint(&j, "rate_limited", t->rate_limited);
	nsp_json_uint(&j, "ring_full", t->ring_full);
	nsp_json_end_object(&j);
}
