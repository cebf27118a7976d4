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
	return nsp_lock_take_named(state_dir, "lock", wait_ms);
}

int nsp_lock_take_named(const char *state_dir, const char *name, unsigned int wait_ms)
{
	unsigned int waited = 0;
	int fd;

	int dir;

	if (mkdir(state_dir, 0755) < 0 && errno != EEXIST)
		return -errno;
	/* root writes here: not through a symlink someone put in the state dir's place */
	dir = open(state_dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dir < 0) {
		struct stat st;
		int err = -errno;

		/* O_DIRECTORY | O_NOFOLLOW on a symlink says ENOTDIR */
		return lstat(state_dir, &st) == 0 && S_ISLNK(st.st_mode) ? -ELOOP : err;
	}
	fd = openat(dir, name, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	close(dir);
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
