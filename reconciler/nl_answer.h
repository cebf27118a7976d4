/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * nl.c's reading of rtnetlink answers without a socket, for the fuzzer
 * (tests/fuzz/fuzz_nl.c): it feeds captured and mutated answers to the same
 * walk and parsers that a dump goes through. Nothing in nsping calls it; the
 * rest of the program reads the kernel through nl.h.
 */
#ifndef NSPING_NL_ANSWER_H
#define NSPING_NL_ANSWER_H

#include <stddef.h>
#include <stdint.h>

/*
 * The answer to request seq, whole in buf (len bytes, 4-byte aligned, at most
 * one receive buffer), as nsp_nl_dump_links(), _addrs(), _routes() or
 * _neighs() would collect it for type RTM_GETLINK, RTM_GETADDR, RTM_GETROUTE
 * or RTM_GETNEIGH: 0 with the array in *ret (free() it) and its length in
 * *ret_n; the kernel's -errno; -EAGAIN for an interrupted dump; -ENOMSG when
 * buf ends before the answer does; -EINVAL for another type.
 */
int nsp_nl_answer_parse(int type, void *buf, size_t len, uint32_t seq, void *ret, size_t *ret_n);

#endif
