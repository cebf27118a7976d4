/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * STATE_DIR/run: that an `nsping run` keeps the node converged, and to which
 * version of which file. apply defers to it (it signals run to reload after
 * changing the kernel, before releasing the lock, so that run does not put
 * the old configuration back), destroy refuses while it runs, and a second
 * run on the same state dir refuses to start.
 */
#ifndef NSPING_RUNSTATE_H
#define NSPING_RUNSTATE_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

struct nsp_runstate {
	int32_t pid;
	uint64_t start_ticks; /* of pid: a recycled pid is not the run */
	uint64_t hash;	      /* nsp_config.text_hash of what it runs */
	char config[PATH_MAX];
};

int nsp_runstate_write(const char *state_dir, const struct nsp_runstate *s);
/* Remove the file, if pid wrote it. */
void nsp_runstate_remove(const char *state_dir, int32_t pid);
/* The file's text into *ret (pure; whether the run is alive is read's); -EINVAL. */
int nsp_runstate_parse(const char *text, struct nsp_runstate *ret);
/* 1 with *ret when a run is alive, 0 when none is, -errno when unreadable. */
int nsp_runstate_read(const char *state_dir, struct nsp_runstate *ret);
/* The same file, by its real path (a run of another file is left alone). */
bool nsp_runstate_same_file(const struct nsp_runstate *s, const char *config);

#endif
