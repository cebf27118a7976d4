// SPDX-License-Identifier: GPL-2.0-only
/* Loaded programs kept by run (progcache.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <string.h>
#include <unistd.h>

#include "owner.h"
#include "progcache.h"

/* Each instance's two programs, at either attach point. */
#define SLOTS (NSP_MAX_INSTANCES * 4)

struct slot {
	bool used;
	enum nsp_program program;
	enum nsp_attach attach;
	struct nsp_prog_params params;
	int fd;
};

static bool enabled;
static struct slot slots[SLOTS];

void nsp_progcache_enable(void)
{
	enabled = true;
}

void nsp_progcache_clear(void)
{
	for (size_t i = 0; i < SLOTS; i++) {
		if (slots[i].used)
			close(slots[i].fd);
		slots[i].used = false;
	}
}

/* The slot of (instance, program, attach), or NULL. */
static struct slot *find(enum nsp_program program, enum nsp_attach attach, const char *instance)
{
	for (size_t i = 0; i < SLOTS; i++)
		if (slots[i].used && slots[i].program == program && slots[i].attach == attach &&
		    !strncmp(slots[i].params.instance, instance, sizeof(slots[i].params.instance)))
			return &slots[i];
	return NULL;
}

void nsp_progcache_put(enum nsp_program program, enum nsp_attach attach,
		       const struct nsp_prog_params *params, int fd)
{
	struct slot *s;
	int dup;

	if (!enabled)
		return;
	s = find(program, attach, params->instance);
	if (s && nsp_prog_params_equal(&s->params, params))
		return; /* that one already */
	dup = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	if (dup < 0)
		return;
	for (size_t i = 0; !s && i < SLOTS; i++)
		if (!slots[i].used)
			s = &slots[i];
	if (!s) {
		close(dup);
		return;
	}
	if (s->used)
		close(s->fd);
	*s = (struct slot){
		.used = true, .program = program, .attach = attach, .params = *params, .fd = dup};
}

int nsp_progcache_kept(enum nsp_program program, enum nsp_attach attach, const char *instance,
		       struct nsp_prog_params *ret)
{
	struct slot *s = enabled ? find(program, attach, instance) : NULL;
	int fd;

	if (!s)
		return -ENOENT;
	fd = fcntl(s->fd, F_DUPFD_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	*ret = s->params;
	return fd;
}

int nsp_progcache_get(enum nsp_program program, enum nsp_attach attach,
		      const struct nsp_prog_params *params)
{
	struct nsp_prog_params kept;
	int fd = nsp_progcache_kept(program, attach, params->instance, &kept);

	if (fd >= 0 && !nsp_prog_params_equal(&kept, params)) {
		close(fd);
		return -ENOENT;
	}
	return fd;
}
