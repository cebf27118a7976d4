/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Replace a file's content atomically: write PATH.PID.tmp, then rename it
 * over PATH, so that a reader sees the old content or the new, never part.
 * Used for the worker's outputs that others read while it runs (the
 * Prometheus textfile, the state files of `status`).
 */
#ifndef NSPING_FILEREPLACE_H
#define NSPING_FILEREPLACE_H

#include <stddef.h>

/* 0, or -errno; on failure PATH is unchanged and no temporary file is left. */
int nsp_file_replace(const char *path, const void *data, size_t len);

#endif
