/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * libmicrohttpd, the server of the /metrics endpoint, loaded with dlopen(3)
 * when an endpoint is asked for (--prom-listen), not linked. Linked, it
 * brought GnuTLS and eight libraries more into every nsping command, and
 * GnuTLS's constructor (its ASN.1 tables, its crypto back ends) ran at each
 * start: more user time than a no-op apply's own work. The Debian package
 * depends on it all the same.
 */
#ifndef NSPING_HTTPLIB_H
#define NSPING_HTTPLIB_H

#include <microhttpd.h>

#define NSP_HTTPLIB_SONAME "libmicrohttpd.so.12"

/* The functions of libmicrohttpd that metrics.c calls. */
struct nsp_httplib {
	__typeof__(MHD_start_daemon) *start_daemon;
	__typeof__(MHD_quiesce_daemon) *quiesce_daemon;
	__typeof__(MHD_stop_daemon) *stop_daemon;
	__typeof__(MHD_create_response_from_buffer) *create_response_from_buffer;
	__typeof__(MHD_create_response_from_buffer_with_free_callback_cls)
		*create_response_with_free;
	__typeof__(MHD_add_response_header) *add_response_header;
	__typeof__(MHD_queue_response) *queue_response;
	__typeof__(MHD_destroy_response) *destroy_response;
};

/*
 * The library, loaded at the first call (the later ones return the same);
 * NULL when it cannot be, with why in *ret_why (dlerror()'s text, kept).
 */
const struct nsp_httplib *nsp_httplib_load(const char **ret_why);

#endif
