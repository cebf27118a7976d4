// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sysctl.h"

#define PORT_RANGE_FILE	    "/proc/sys/net/ipv4/ip_local_port_range"
#define RESERVED_PORTS_FILE "/proc/sys/net/ipv4/ip_local_reserved_ports"

/* A port number at *p, which moves past it; false if there is none. */
static bool parse_port(const char **p, uint16_t *ret)
{
	char *end;
	unsigned long v;

	if (**p < '0' || **p > '9')
		return false;
	errno = 0;
	v = strtoul(*p, &end, 10);
	if (errno || v > 65535)
		return false;
	*p = end;
	*ret = (uint16_t)v;
	return true;
}

int nsp_port_range_parse(const char *text, struct nsp_port_range *ret)
{
	struct nsp_port_range r;
	const char *p = text;

	if (!parse_port(&p, &r.min))
		return -EINVAL;
	p += strspn(p, " \t");
	if (!parse_port(&p, &r.max) || strspn(p, "\n") != strlen(p) || r.min > r.max)
		return -EINVAL;
	*ret = r;
	return 0;
}

int nsp_port_list_parse(const char *text, struct nsp_port_range *ret, size_t max, size_t *ret_n)
{
	const char *p = text;
	size_t n = 0;

	while (*p && *p != '\n') {
		struct nsp_port_range r;

		if (!parse_port(&p, &r.min))
			return -EINVAL;
		r.max = r.min;
		if (*p == '-') {
			p++;
			if (!parse_port(&p, &r.max) || r.max < r.min)
				return -EINVAL;
		}
		if (*p == ',')
			p++;
		else if (*p && *p != '\n')
			return -EINVAL;
		if (n < max)
			ret[n++] = r;
	}
	*ret_n = n;
	return 0;
}

/* A small sysctl file's text, NUL-terminated; -EFBIG when it does not fit. */
static int read_text(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), r = 0;
	size_t len = 0;

	if (fd < 0)
		return -errno;
	while (len < size - 1) {
		ssize_t n = read(fd, buf + len, size - 1 - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = -errno;
			break;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	if (r == 0 && len == size - 1)
		r = -EFBIG;
	close(fd);
	buf[len] = '\0';
	return r;
}

int nsp_sysctl_ports(struct nsp_obs_ports *ret)
{
	/* every reserved port one by one would be about 400 kB; ranges are the rule */
	static char text[64 * 1024];
	struct nsp_obs_ports p = {.known = true};
	int r = read_text(PORT_RANGE_FILE, text, sizeof(text));

	if (r == 0)
		r = nsp_port_range_parse(text, &p.local);
	if (r < 0)
		return r;
	/* reserved ports narrow the range; without the file (an older kernel) there are none */
	r = read_text(RESERVED_PORTS_FILE, text, sizeof(text));
	if (r == -EFBIG && strrchr(text, ',')) {
		/* the ranges that fit (more than NSP_MAX_PORT_RANGES anyway) */
		*strrchr(text, ',') = '\0';
		r = 0;
	}
	if (r == 0)
		r = nsp_port_list_parse(text, p.reserved, NSP_MAX_PORT_RANGES, &p.n_reserved);
	if (r < 0 && r != -ENOENT)
		return r;
	*ret = p;
	return 0;
}
