/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The bpf adapter: nsping's programs, embedded as skeletons, loaded,
 * identified and attached. libbpf types stay in xdp.c and tc.c; callers see
 * the plain struct nsp_obs_prog and -errno.
 */
#ifndef NSPING_XDP_H
#define NSPING_XDP_H

#include <stdbool.h>
#include <stdint.h>

#include "desired.h"
#include "nl.h"
#include "observed.h"

/* A fingerprint of the embedded object: a program loaded by another build differs. */
uint64_t nsp_prog_build_id(enum nsp_program program, enum nsp_attach attach);
/*
 * Load program's object for attach (XDP or tc) with params in its rodata;
 * the program's fd. Attaching is the caller's (nsp_xdp_attach(), tc.c).
 */
int nsp_prog_load(enum nsp_program program, enum nsp_attach attach,
		  const struct nsp_prog_params *params);
/*
 * Fill o->name; o->nsping and o->params when the loaded program id is
 * program for attach, with our rodata; o->ours when that names who.
 */
int nsp_prog_identify(uint32_t id, const struct nsp_owner *who, enum nsp_program program,
		      enum nsp_attach attach, struct nsp_obs_prog *o);
/*
 * The program id as *ret (present, id, name; params when nsping), and which
 * of our objects it is: 1 when it is one of ours (ret->nsping), 0 when not,
 * -ENOENT when no program has that id.
 */
int nsp_prog_describe(uint32_t id, enum nsp_program *ret_program, enum nsp_attach *ret_attach,
		      struct nsp_obs_prog *ret);
/* Whether a program has that id (a failure to tell is a yes). */
bool nsp_prog_exists(uint32_t id);
/* BPF_PROG_GET_NEXT_ID: the first program id above id; -ENOENT past the last. */
int nsp_prog_next_id(uint32_t id, uint32_t *ret_id);
/* The per-CPU counters of an attached program, summed; n entries. */
int nsp_prog_counters(uint32_t prog_id, uint64_t *ret, size_t n);
/* An fd of the program's map of that name (the kernel's, at most 15 chars); -ENOENT if none. */
int nsp_prog_map_fd(uint32_t prog_id, const char *name);

/*
 * The XDP program that link carries (as observed: its IFLA_XDP), and whether
 * it is who's program.
 */
int nsp_xdp_observe(const struct nsp_obs_link *link, const struct nsp_owner *who,
		    enum nsp_program program, struct nsp_obs_prog *ret);
/*
 * Load the program with params and attach it to ifindex in mode, atomically
 * replacing old_id (0: nothing may be attached). It stays attached after we exit.
 * Counts on nl (nsp_nl_count_request(), as tc.h does) each changing request
 * sent: the attach, and the detach first when the program moves to another mode.
 */
int nsp_xdp_attach(struct nsp_nl *nl, int ifindex, enum nsp_program program, enum nsp_xdp_mode mode,
		   const struct nsp_prog_params *params, uint32_t old_id,
		   enum nsp_xdp_mode old_mode);
/* Detach old_id from ifindex, only if it is still the attached program; counts as above. */
int nsp_xdp_detach(struct nsp_nl *nl, int ifindex, uint32_t old_id, enum nsp_xdp_mode old_mode);

#endif
