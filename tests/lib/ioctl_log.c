// SPDX-License-Identifier: GPL-2.0-only
/*
 * LD_PRELOAD shim of the real-kernel tests (tests/lib/lab.sh): strace can't
 * show which ethtool command an ioctl(SIOCETHTOOL) carries (it prints ifr_data
 * as a pointer), so this wrapper appends one line per SIOCETHTOOL call to
 * $LAB_IOCTL_LOG:
 *   SIOCETHTOOL IFNAME cmd=0xNN ret=R
 * and otherwise calls the real ioctl unchanged.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int ioctl(int fd, unsigned long req, ...)
{
	static int (*real)(int, unsigned long, ...);
	unsigned int cmd = 0;
	const char *path;
	void *arg;
	va_list ap;
	int r, e, lfd;

	va_start(ap, req);
	arg = va_arg(ap, void *);
	va_end(ap);
	if (!real)
		real = (int (*)(int, unsigned long, ...))dlsym(RTLD_NEXT, "ioctl");
	if (req == SIOCETHTOOL && arg) {
		struct ifreq *ifr = arg;

		if (ifr->ifr_data)
			memcpy(&cmd, ifr->ifr_data, sizeof(cmd));
	}
	r = real(fd, req, arg);
	e = errno;
	path = getenv("LAB_IOCTL_LOG");
	if (req == SIOCETHTOOL && arg && path) {
		struct ifreq *ifr = arg;

		lfd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
		if (lfd >= 0) {
			dprintf(lfd, "SIOCETHTOOL %.*s cmd=0x%x ret=%d\n", IFNAMSIZ, ifr->ifr_name, cmd, r);
			close(lfd);
		}
	}
	errno = e;
	return r;
}
