/* SPDX-License-Identifier: GPL-2.0-only */
/* One nsping at a time: an flock on STATE_DIR/lock, waited for a bounded time. */
#ifndef NSPING_LOCK_H
#define NSPING_LOCK_H

/*
 * The locked fd, or -EWOULDBLOCK past wait_ms, -ELOOP when the state dir is a
 * symlink (never written through), or another -errno.
 */
int nsp_lock_take(const char *state_dir, unsigned int wait_ms);
/* The same on STATE_DIR/name: monitor.lock serializes the monitors' bookkeeping. */
int nsp_lock_take_named(const char *state_dir, const char *name, unsigned int wait_ms);
void nsp_lock_release(int fd);

#endif
