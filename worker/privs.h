/* SPDX-License-Identifier: GPL-2.0-only */
/* Giving up privileges for good: capabilities, bounding set, no_new_privs. */
#ifndef NSPING_PRIVS_H
#define NSPING_PRIVS_H

#include <stdint.h>

#define NSP_CAP(c) (UINT64_C(1) << (c))

/*
 * Keeps only the capabilities in keep (a mask of NSP_CAP()) in the
 * effective, permitted and bounding sets, clears the inheritable and
 * ambient sets and sets no_new_privs. Returns 0 or -errno.
 */
int nsp_privs_restrict(uint64_t keep);

#endif
