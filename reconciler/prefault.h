/* SPDX-License-Identifier: GPL-2.0-only */
/* Mapping nsping's own code and read-only data in one call at start-up. */
#ifndef NSPING_PREFAULT_H
#define NSPING_PREFAULT_H

/*
 * Maps every read-only PT_LOAD segment of the running executable (code,
 * read-only data) with MADV_POPULATE_READ, so that the rest of the run
 * takes no page fault on them. Best effort: a kernel without
 * MADV_POPULATE_READ (before 5.14) populates nothing and changes nothing.
 */
void nsp_prefault_image(void);

#endif
