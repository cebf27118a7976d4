/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * config.h for compiling elfutils' libelf against musl without elfutils'
 * configure (musl/build.sh says why): what that configure finds on x86_64
 * with musl 1.2, for the macros that libelf and lib/ read.
 */
#define PACKAGE "elfutils"
#define PACKAGE_NAME "elfutils"
#define VERSION "0.188"
#define PACKAGE_VERSION VERSION
#define HAVE_ERR_H 1
#define HAVE_DECL_MEMPCPY 1
#define HAVE_DECL_MEMRCHR 1
#define HAVE_DECL_POWEROF2 1
#define HAVE_DECL_RAWMEMCHR 0 /* lib/system.h supplies it */
#define HAVE_DECL_REALLOCARRAY 1
#define HAVE_DECL_STRERROR_R 1
#define HAVE_STDATOMIC_H 1
#define HAVE_FALLTHROUGH 1
#define HAVE_VISIBILITY 1
#define HAVE_GCC_STRUCT 1
#define USE_ZLIB 1
#define SIZEOF_LONG 8
#define _FILE_OFFSET_BITS 64
#include <eu-config.h>
