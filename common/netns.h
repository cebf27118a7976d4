/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Named network namespaces, iproute2-compatible: a bind mount of the namespace
 * file at /run/netns/NAME, on a shared mount so other mount namespaces see it.
 */
#ifndef NSPING_NETNS_H
#define NSPING_NETNS_H

#include <stdbool.h>
#include <stdint.h>

#define NSP_NETNS_DIR "/run/netns"

/* An fd for a netns given by name (under /run/netns) or by path; -errno. */
int nsp_netns_open(const char *name_or_path);
/* Move the calling thread into the netns of fd. */
int nsp_netns_enter(int fd);
/*
 * Create /run/netns/NAME, under an flock of /run/netns. init(arg) runs inside
 * the new namespace before the name is published, so a crash can't leave a
 * named netns without its mark. -EEXIST when the name is taken (a lost race).
 * The calling thread is back in its own netns on return.
 */
int nsp_netns_create(const char *name, int (*init)(void *arg), void *arg);
int nsp_netns_delete(const char *name);
/* The mode of nsping's mount points: what tells an interrupted create of ours. */
#define NSP_NETNS_PLACEHOLDER_MODE 0400
/*
 * /run/netns/NAME is an empty plain file, not a namespace: the mount point
 * left by a create or a delete of ours that was interrupted.
 */
bool nsp_netns_is_stale(const char *name);
/*
 * /run/netns/NAME is something else that is not a namespace: another
 * tool's mount point (ip netns add between its create and its mount), or a
 * file of someone's. Not ours to take.
 */
bool nsp_netns_is_placeholder(const char *name);
/*
 * What identifies the netns now named name: its nsfs inode (the same number
 * fstat() gives on an fd of it). A recreated netns has another. -errno.
 */
int nsp_netns_id(const char *name, uint64_t *ret_id);
/* Run fn(arg) inside the netns of fd and come back; returns fn's result or -errno. */
int nsp_netns_run(int fd, int (*fn)(void *arg), void *arg);

#endif
