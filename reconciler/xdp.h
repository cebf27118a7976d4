/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The bpf adapter: nsping's XDP programs, embedded as skeletons. libbpf types
 * stay in xdp.c; callers see the plain struct nsp_obs_prog and -errno.
 */
#ifndef NSPING_XDP_H
#define NSPING_XDP_H

#include <stdint.h>

#include "model.h"
#include "state.h"

/* A fingerprint of the embedded object: a program loaded by another build differs. */
uint64_t nsp_prog_build_id(enum nsp_program program);
/* What is attached (XDP) to ifindex, and whether it is this instance's program. */
int nsp_xdp_observe(int ifindex, const char *instance, enum nsp_program program,
		    struct nsp_obs_prog *ret);
/*
 * Load the program with params and attach it to ifindex in mode, atomically
 * replacing old_id (0: nothing may be attached). It stays attached after we exit.
 */
int nsp_xdp_attach(int ifindex, enum nsp_program program, enum nsp_xdp_mode mode,
		   const struct nsp_prog_params *params, uint32_t old_id,
		   enum nsp_xdp_mode old_mode);
/* Detach old_id from ifindex, only if it is still the attached program. */
int nsp_xdp_detach(int ifindex, uint32_t old_id, enum nsp_xdp_mode old_mode);
/* The per-CPU counters of an attached program, summed; n entries. */
int nsp_prog_counters(uint32_t prog_id, uint64_t *ret, size_t n);

#endif
