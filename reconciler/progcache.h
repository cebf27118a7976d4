/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * run's programs kept loaded: for each instance, program and attach point,
 * an fd on the last program of ours seen attached or loaded, with the
 * read-only data it carries. Re-attaching a program that someone detached is
 * then one request, not a load and a verification of the object (the program
 * lives on while we hold its fd). Off unless enabled: a one-shot apply has
 * no use for it.
 */
#ifndef NSPING_PROGCACHE_H
#define NSPING_PROGCACHE_H

#include "desired.h"
#include "observed.h"

void nsp_progcache_enable(void);
/* Forget every program (close the fds): a new configuration. */
void nsp_progcache_clear(void);
/* Keep fd (dup'ed) as the program of params->instance; a different one replaces it. */
void nsp_progcache_put(enum nsp_program program, enum nsp_attach attach,
		       const struct nsp_prog_params *params, int fd);
/* A new fd on a kept program with exactly these params, or -ENOENT. */
int nsp_progcache_get(enum nsp_program program, enum nsp_attach attach,
		      const struct nsp_prog_params *params);
/* A new fd on the instance's kept program, whatever its params (into *ret), or -ENOENT. */
int nsp_progcache_kept(enum nsp_program program, enum nsp_attach attach, const char *instance,
		       struct nsp_prog_params *ret);

#endif
