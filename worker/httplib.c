// SPDX-License-Identifier: GPL-2.0-only
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>

#include "httplib.h"

static struct nsp_httplib lib;
static const struct nsp_httplib *loaded;
static char why[256];
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void load(void)
{
	void *h = dlopen(NSP_HTTPLIB_SONAME, RTLD_NOW | RTLD_LOCAL);
	const char *missing = NULL;

	if (!h) {
		snprintf(why, sizeof(why), "%s", dlerror());
		return;
	}
#define LOAD(field, name)                                                                          \
	do {                                                                                       \
		lib.field = (__typeof__(lib.field))dlsym(h, name);                                 \
		if (!lib.field && !missing)                                                        \
			missing = name;                                                            \
	} while (0)
	LOAD(start_daemon, "MHD_start_daemon");
	LOAD(quiesce_daemon, "MHD_quiesce_daemon");
	LOAD(stop_daemon, "MHD_stop_daemon");
	LOAD(create_response_from_buffer, "MHD_create_response_from_buffer");
	LOAD(create_response_with_free, "MHD_create_response_from_buffer_with_free_callback_cls");
	LOAD(add_response_header, "MHD_add_response_header");
	LOAD(queue_response, "MHD_queue_response");
	LOAD(destroy_response, "MHD_destroy_response");
#undef LOAD
	if (missing) {
		snprintf(why, sizeof(why), "%s has no %s", NSP_HTTPLIB_SONAME, missing);
		dlclose(h);
		return;
	}
	loaded = &lib; /* and h stays open for the life of the process */
}

const struct nsp_httplib *nsp_httplib_load(const char **ret_why)
{
	pthread_once(&once, load);
	if (!loaded && ret_why)
		*ret_why = why;
	return loaded;
}
