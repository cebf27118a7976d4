// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "lock.h"

#define POLL_MS 20

int nsp_lock_take(const char *state_dir, unsigned int wait_ms)
{
	char path[PATH_MAX];
	unsigned int waited = 0;
	int fd;

	if (mkdir(state_dir, 0755) < 0 && errno != EEXIST)
		return -errno;
	snprintf(path, sizeof(path), "%s/lock", state_dir);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	while (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		struct timespec ts = {0, POLL_MS * 1000000L};

		if (errno != EWOULDBLOCK || waited >= wait_ms) {
			int r = errno == EWOULDBLOCK ? -EWOULDBLOCK : -errno;

			close(fd);
			return r;
		}
		nanosleep(&ts, NULL);
		waited += POLL_MS;
	}
	return fd;
}

void nsp_lock_release(int fd)
{
	if (fd >= 0)
		close(fd);
}
