// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "filereplace.h"

/*
 * The temporary file is new (O_EXCL: not a file or symlink someone planted
 * under a name we could guess, in a directory others may write, such as a
 * node_exporter textfile directory) and not followed (O_NOFOLLOW); its data
 * is on disk before the rename makes it the file.
 */
static int replace(const char *path, const void *data, size_t len, mode_t mode, bool sync)
{
	char tmp[PATH_MAX];
	unsigned int salt;
	ssize_t n;
	int fd = -1, r = 0;

	for (int tries = 0; fd < 0 && tries < 8; tries++) {
		if (getrandom(&salt, sizeof(salt), GRND_NONBLOCK) != sizeof(salt))
			salt = (unsigned int)tries;
		if (snprintf(tmp, sizeof(tmp), "%s.%d.%08x.tmp", path, (int)getpid(), salt) >=
		    (int)sizeof(tmp))
			return -ENAMETOOLONG;
		fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
		if (fd < 0 && errno != EEXIST)
			return -errno;
	}
	if (fd < 0)
		return -EEXIST;
	/* the umask may take bits away; the mode is the file's contract */
	if (fchmod(fd, mode) < 0)
		r = -errno;
	n = r ? 0 : write(fd, data, len);
	if (!r && n < 0)
		r = -errno;
	else if (!r && (size_t)n != len)
		r = -EIO;
	if (!r && sync && fsync(fd) < 0)
		r = -errno;
	if (close(fd) < 0 && !r)
		r = -errno;
	if (!r && rename(tmp, path) < 0)
		r = -errno;
	if (r)
		unlink(tmp);
	return r;
}

int nsp_file_replace_mode(const char *path, const void *data, size_t len, mode_t mode)
{
	return replace(path, data, len, mode, true);
}

int nsp_file_replace(const char *path, const void *data, size_t len)
{
	return replace(path, data, len, 0644, true);
}

int nsp_file_replace_volatile(const char *path, const void *data, size_t len)
{
	return replace(path, data, len, 0644, false);
}
