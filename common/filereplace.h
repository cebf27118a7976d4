/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Replace a file's content atomically: write a new PATH.PID.RANDOM.tmp
 * (O_EXCL, O_NOFOLLOW: never through a planted file or symlink), fsync it,
 * then rename it over PATH, so that a reader sees the old content or the new,
 * never part, even after a crash.
 * Used for the worker's outputs that others read while it runs (the
 * Prometheus textfile, the state files of `status`).
 */
#ifndef NSPING_FILEREPLACE_H
#define NSPING_FILEREPLACE_H

#include <stddef.h>
#include <sys/types.h>

/* 0, or -errno; on failure PATH is unchanged and no temporary file is left. */
int nsp_file_replace_mode(const char *path, const void *data, size_t len, mode_t mode);
/* The same with mode 0644: files that monitoring reads. */
int nsp_file_replace(const char *path, const void *data, size_t len);
/*
 * The same without the fsync: for a file that describes a running process
 * and is rewritten every second (the worker's state files), whose loss in a
 * crash costs nothing (its writer is gone then too). Readers still see the old
 * content or the new. The probe loop writes it: an fsync there waits for the
 * disk (up to 9 ms measured while the metrics file was written beside it), and
 * the probes due meanwhile leave late.
 */
int nsp_file_replace_volatile(const char *path, const void *data, size_t len);

#endif
