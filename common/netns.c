// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "netns.h"

#ifndef NSFS_MAGIC
#define NSFS_MAGIC 0x6e736673
#endif

static void netns_path(const char *name, char buf[PATH_MAX])
{
	if (strchr(name, '/'))
		snprintf(buf, PATH_MAX, "%s", name);
	else
		snprintf(buf, PATH_MAX, NSP_NETNS_DIR "/%s", name);
}

int nsp_netns_open(const char *name_or_path)
{
	char path[PATH_MAX];
	struct statfs st;
	int fd;

	netns_path(name_or_path, path);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	/* A plain file left by an interrupted "ip netns add" is not a namespace. */
	if (fstatfs(fd, &st) < 0 || st.f_type != NSFS_MAGIC) {
		close(fd);
		return -ENOENT;
	}
	return fd;
}

int nsp_netns_enter(int fd)
{
	return setns(fd, CLONE_NEWNET) < 0 ? -errno : 0;
}

int nsp_netns_run(int fd, int (*fn)(void *arg), void *arg)
{
	int home, r, back;

	home = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (home < 0)
		return -errno;
	r = nsp_netns_enter(fd);
	if (r == 0) {
		r = fn(arg);
		back = nsp_netns_enter(home);
		if (back < 0)
			r = back;
	}
	close(home);
	return r;
}

/* What "ip netns add" does first, so both tools share one view of /run/netns. */
static int prepare_dir(void)
{
	bool bound = false;

	if (mkdir(NSP_NETNS_DIR, 0755) < 0 && errno != EEXIST)
		return -errno;
	while (mount("", NSP_NETNS_DIR, "none", MS_SHARED | MS_REC, NULL) < 0) {
		if (errno != EINVAL || bound)
			return -errno;
		if (mount(NSP_NETNS_DIR, NSP_NETNS_DIR, "none", MS_BIND | MS_REC, NULL) < 0)
			return -errno;
		bound = true;
	}
	return 0;
}

/*
 * Ours, left by a create that was interrupted: an empty plain file of our
 * mode. iproute2 creates its mount points with mode 0, so a file it is about
 * to mount on is never taken for ours.
 */
static bool our_placeholder(const struct stat *st)
{
	return S_ISREG(st->st_mode) && st->st_size == 0 &&
	       (st->st_mode & 07777) == NSP_NETNS_PLACEHOLDER_MODE;
}

int nsp_netns_create(const char *name, int (*init)(void *arg), void *arg)
{
	char path[PATH_MAX];
	int dir, home, fd, r;
	struct stat st;

	r = prepare_dir();
	if (r < 0)
		return r;
	/*
	 * iproute2 holds this lock while it sets /run/netns up; nsping holds it
	 * from the mount point's creation to the bind mount, so that two nsping
	 * creators never see each other's mount point empty.
	 */
	dir = open(NSP_NETNS_DIR, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dir < 0)
		return -errno;
	if (flock(dir, LOCK_EX) < 0) {
		r = -errno;
		close(dir);
		return r;
	}
	netns_path(name, path);
	fd = open(path, O_RDONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
		  NSP_NETNS_PLACEHOLDER_MODE);
	if (fd < 0) {
		/* Reuse only our own empty mount point, left by an interrupted create. */
		if (errno != EEXIST || lstat(path, &st) < 0 || !our_placeholder(&st) ||
		    nsp_netns_open(path) != -ENOENT) {
			r = -EEXIST;
			goto out_unlock;
		}
	} else {
		/* the umask may have taken bits away: the mode is our mark */
		if (fchmod(fd, NSP_NETNS_PLACEHOLDER_MODE) < 0) {
			r = -errno;
			close(fd);
			goto out_unlink;
		}
		close(fd);
	}

	home = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (home < 0) {
		r = -errno;
		goto out_unlink;
	}
	if (unshare(CLONE_NEWNET) < 0) {
		r = -errno;
		goto out_close;
	}
	r = init ? init(arg) : 0;
	if (r == 0 && mount("/proc/thread-self/ns/net", path, "none", MS_BIND, NULL) < 0)
		r = -errno;
	if (nsp_netns_enter(home) < 0 && r == 0)
		r = -errno;
out_close:
	close(home);
out_unlink:
	if (r < 0)
		unlink(path);
out_unlock:
	close(dir); /* and the lock with it */
	return r;
}

bool nsp_netns_is_stale(const char *name)
{
	char path[PATH_MAX];
	struct statfs sfs;
	struct stat st;

	netns_path(name, path);
	return lstat(path, &st) == 0 && our_placeholder(&st) && statfs(path, &sfs) == 0 &&
	       sfs.f_type != NSFS_MAGIC;
}

bool nsp_netns_is_placeholder(const char *name)
{
	char path[PATH_MAX];
	struct statfs sfs;
	struct stat st;

	netns_path(name, path);
	return lstat(path, &st) == 0 && !our_placeholder(&st) && statfs(path, &sfs) == 0 &&
	       sfs.f_type != NSFS_MAGIC;
}

int nsp_netns_id(const char *name, uint64_t *ret_id)
{
	char path[PATH_MAX];
	struct stat st;

	netns_path(name, path);
	if (stat(path, &st) < 0)
		return -errno;
	*ret_id = (uint64_t)st.st_ino;
	return 0;
}

int nsp_netns_delete(const char *name)
{
	char path[PATH_MAX];

	netns_path(name, path);
	if (umount2(path, MNT_DETACH) < 0 && errno != EINVAL && errno != ENOENT)
		return -errno;
	if (unlink(path) < 0 && errno != ENOENT)
		return -errno;
	return 0;
}
