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
#include <sys/wait.h>
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

/*
 * The file system side of a named netns, /run/netns/NAME, belongs to the
 * host's mount namespace, where iproute2 and every other tool look. A systemd
 * sandbox (ProtectSystem= and the other options that give a service a mount
 * namespace of its own) makes nsping's mount namespace a slave of the host's:
 * the host's mounts reach nsping, but no mount nsping makes reaches the host,
 * and /run is read-only there. So when the calling process's mount namespace
 * is not PID 1's, each step that changes /run/netns runs in a child that
 * enters PID 1's (setns(2) needs CAP_SYS_ADMIN and CAP_SYS_CHROOT, opening
 * /proc/1/ns/mnt CAP_SYS_PTRACE); its result reaches nsping's view by
 * propagation, as an "ip netns add" of the operator's does. When PID 1's mount
 * namespace is the caller's, or cannot be opened, the step runs in place.
 */
static int host_mounts_run(int (*step)(void *arg), void *arg)
{
	struct stat own, host;
	int host_fd, status, r;
	pid_t pid;

	host_fd = open("/proc/1/ns/mnt", O_RDONLY | O_CLOEXEC);
	if (host_fd < 0)
		return step(arg);
	if (fstat(host_fd, &host) < 0 || stat("/proc/self/ns/mnt", &own) < 0 ||
	    (own.st_ino == host.st_ino && own.st_dev == host.st_dev)) {
		close(host_fd);
		return step(arg);
	}
	pid = fork();
	if (pid < 0) {
		r = -errno;
		close(host_fd);
		return r;
	}
	if (pid == 0) {
		/* an errno fits an exit status */
		r = setns(host_fd, CLONE_NEWNS) < 0 ? -errno : step(arg);
		_exit(r < 0 ? -r : 0);
	}
	close(host_fd);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	if (!WIFEXITED(status))
		return -EINTR;
	return -WEXITSTATUS(status);
}

/* What "ip netns add" does first, so both tools share one view of /run/netns. */
static int prepare_dir(void *unused)
{
	bool bound = false;

	(void)unused;
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

/* The mount point at path (a char[PATH_MAX]): new, or ours left by an interrupted create. */
static int make_mount_point(void *path)
{
	struct stat st;
	int fd;

	fd = open(path, O_RDONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
		  NSP_NETNS_PLACEHOLDER_MODE);
	if (fd < 0) {
		if (errno != EEXIST)
			return -errno; /* EROFS, EACCES: not a lost race */
		/* Reuse only our own empty mount point, left by an interrupted create. */
		if (lstat(path, &st) < 0 || !our_placeholder(&st) ||
		    nsp_netns_open(path) != -ENOENT)
			return -EEXIST;
		return 0;
	}
	/* the umask may have taken bits away: the mode is our mark */
	if (fchmod(fd, NSP_NETNS_PLACEHOLDER_MODE) < 0) {
		int r = -errno;

		close(fd);
		unlink(path);
		return r;
	}
	close(fd);
	return 0;
}

/* Pin the calling thread's netns at path: a child of it is in that netns too. */
static int pin_netns(void *path)
{
	return mount("/proc/thread-self/ns/net", path, "none", MS_BIND, NULL) < 0 ? -errno : 0;
}

static int remove_mount_point(void *path)
{
	return unlink(path) < 0 && errno != ENOENT ? -errno : 0;
}

static int unpin_netns(void *path)
{
	if (umount2(path, MNT_DETACH) < 0 && errno != EINVAL && errno != ENOENT)
		return -errno;
	return remove_mount_point(path);
}

int nsp_netns_create(const char *name, int (*init)(void *arg), void *arg)
{
	char path[PATH_MAX];
	int dir, home, r;

	r = host_mounts_run(prepare_dir, NULL);
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
	r = host_mounts_run(make_mount_point, path);
	if (r < 0)
		goto out_unlock;

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
	if (r == 0)
		r = host_mounts_run(pin_netns, path);
	if (nsp_netns_enter(home) < 0 && r == 0)
		r = -errno;
out_close:
	close(home);
out_unlink:
	if (r < 0)
		host_mounts_run(remove_mount_point, path);
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
	return host_mounts_run(unpin_netns, path);
}
