// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "snmp.h"

static const struct {
	const char *proto;
	const char *name;
	size_t offset;
} fields[] = {
	{"Ip", "InReceives", offsetof(struct nsp_snmp, ip_in_receives)},
	{"Ip", "InHdrErrors", offsetof(struct nsp_snmp, ip_in_hdr_errors)},
	{"Ip", "InAddrErrors", offsetof(struct nsp_snmp, ip_in_addr_errors)},
	{"Ip", "InDiscards", offsetof(struct nsp_snmp, ip_in_discards)},
	{"Ip", "InDelivers", offsetof(struct nsp_snmp, ip_in_delivers)},
	{"Ip", "OutRequests", offsetof(struct nsp_snmp, ip_out_requests)},
	{"Ip", "OutNoRoutes", offsetof(struct nsp_snmp, ip_out_no_routes)},
	{"Icmp", "InMsgs", offsetof(struct nsp_snmp, icmp_in_msgs)},
	{"Icmp", "InErrors", offsetof(struct nsp_snmp, icmp_in_errors)},
	{"Icmp", "InCsumErrors", offsetof(struct nsp_snmp, icmp_in_csum_errors)},
	{"Tcp", "InSegs", offsetof(struct nsp_snmp, tcp_in_segs)},
	{"Tcp", "InErrs", offsetof(struct nsp_snmp, tcp_in_errs)},
	{"Tcp", "InCsumErrors", offsetof(struct nsp_snmp, tcp_in_csum_errors)},
	{"Tcp", "OutRsts", offsetof(struct nsp_snmp, tcp_out_rsts)},
};

/* The next whitespace-separated word of a line at *p, or NULL at its end. */
static const char *next_word(const char **p, size_t *len)
{
	const char *s = *p;

	while (*s == ' ' || *s == '\t')
		s++;
	if (*s == '\0' || *s == '\n')
		return NULL;
	*len = strcspn(s, " \t\n");
	*p = s + *len;
	return s;
}

/* One "Proto: names" line (names) and its "Proto: values" line (values). */
static void parse_pair(const char *proto, size_t proto_len, const char *names, const char *values,
		       struct nsp_snmp *ret)
{
	const char *name, *value;
	size_t name_len, value_len;

	while ((name = next_word(&names, &name_len)) && (value = next_word(&values, &value_len))) {
		for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
			if (strlen(fields[i].proto) != proto_len ||
			    strncmp(fields[i].proto, proto, proto_len) ||
			    strlen(fields[i].name) != name_len ||
			    strncmp(fields[i].name, name, name_len))
				continue;
			/* counters are unsigned; a negative field (Tcp MaxConn) is not one of ours
			 */
			*(uint64_t *)((char *)ret + fields[i].offset) = strtoull(value, NULL, 10);
		}
	}
}

int nsp_snmp_parse(const char *text, struct nsp_snmp *ret)
{
	const char *line = text;
	bool ip = false;

	*ret = (struct nsp_snmp){0};
	while (*line) {
		const char *colon = strchr(line, ':');
		const char *eol = strchr(line, '\n');
		const char *next, *next_colon;
		size_t proto_len;

		if (!eol || !colon || colon > eol)
			break;
		proto_len = (size_t)(colon - line);
		next = eol + 1;
		next_colon = strchr(next, ':');
		/* the values line repeats the prefix */
		if (!next_colon || (size_t)(next_colon - next) != proto_len ||
		    strncmp(next, line, proto_len)) {
			line = next;
			continue;
		}
		parse_pair(line, proto_len, colon + 1, next_colon + 1, ret);
		ip |= proto_len == 2 && !strncmp(line, "Ip", 2);
		eol = strchr(next, '\n');
		if (!eol)
			break;
		line = eol + 1;
	}
	return ip ? 0 : -EINVAL;
}

int nsp_snmp_read(struct nsp_snmp *ret)
{
	char buf[8192];
	size_t len = 0;
	ssize_t n;
	int fd = open("/proc/thread-self/net/snmp", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	while (len < sizeof(buf) - 1 && (n = read(fd, buf + len, sizeof(buf) - 1 - len)) > 0)
		len += (size_t)n;
	n = n < 0 ? -errno : 0;
	close(fd);
	if (n < 0)
		return (int)n;
	buf[len] = '\0';
	return nsp_snmp_parse(buf, ret);
}
