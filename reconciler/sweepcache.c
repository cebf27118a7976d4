// SPDX-License-Identifier: GPL-2.0-only
/*
 * The sweep's cache file: a text file, one fact a line, the first line the
 * stamp of the boot and host netns it is valid for.
 *
 *   progmax ID
 *   prog ID SCOPE INSTANCE PROGRAM ATTACH IFINDEX OLDER
 *   nsid NSID SCOPE|-
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "filereplace.h"
#include "owner.h"
#include "sweepcache.h"

/* Past any real host: a line is at most ~100 bytes. */
#define CACHE_MAX_BYTES (8u << 20)

static int append(void *arrp, size_t *n, const void *item, size_t size)
{
	void **arr = arrp;
	char *grown = realloc(*arr, (*n + 1) * size);

	if (!grown)
		return -ENOMEM;
	memcpy(grown + *n * size, item, size);
	*arr = grown;
	(*n)++;
	return 0;
}

int nsp_cache_add_prog(struct nsp_sweep_cache *c, const struct nsp_cache_prog *p)
{
	return append(&c->progs, &c->n_progs, p, sizeof(*p));
}

int nsp_cache_add_netns(struct nsp_sweep_cache *c, const struct nsp_cache_netns *n)
{
	return append(&c->netns, &c->n_netns, n, sizeof(*n));
}

void nsp_sweep_cache_free(struct nsp_sweep_cache *c)
{
	free(c->progs);
	free(c->netns);
	free(c->text);
	memset(c, 0, sizeof(*c));
}

/* A decimal number that is the whole word w, in [min, max]. */
static bool number(const char *w, long long min, long long max, long long *ret)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(w, &end, 10);
	if (errno || end == w || *end || v < min || v > max)
		return false;
	*ret = v;
	return true;
}

/* A name of a scope or an instance into dst. */
static bool name(const char *w, char dst[NSP_NAME_MAX + 1])
{
	size_t len = strlen(w);

	if (!nsp_owner_name_valid(w, len))
		return false;
	memcpy(dst, w, len + 1);
	return true;
}

/*
 * One line (split here into its words) into c; false when it is not one the
 * format has. Read by hand, not by sscanf(): a node's cache has a line per
 * netns joined to it, and this runs on every apply.
 */
static bool parse_line(char *line, struct nsp_sweep_cache *c)
{
	char *w[8], *save = NULL;
	size_t n = 0;
	long long v[5];

	for (char *t = strtok_r(line, " ", &save); t; t = strtok_r(NULL, " ", &save))
		if (n < sizeof(w) / sizeof(w[0]))
			w[n++] = t;
		else
			return false;
	if (n == 2 && !strcmp(w[0], "progmax") && number(w[1], 0, UINT32_MAX, &v[0])) {
		c->prog_max = (uint32_t)v[0];
		return true;
	}
	if (n == 3 && !strcmp(w[0], "nsid") && number(w[1], 0, INT32_MAX, &v[0])) {
		struct nsp_cache_netns x = {.nsid = (int)v[0]};

		if (strcmp(w[2], "-") && !name(w[2], x.scope))
			return false;
		return nsp_cache_add_netns(c, &x) == 0;
	}
	if (n == 8 && !strcmp(w[0], "prog") && number(w[1], 1, UINT32_MAX, &v[0]) &&
	    number(w[4], NSP_PROG_TX_PING, NSP_PROG_RX_PING, &v[1]) &&
	    number(w[5], NSP_ATTACH_XDP, NSP_ATTACH_TC, &v[2]) &&
	    number(w[6], 0, INT32_MAX, &v[3]) && number(w[7], 0, 1, &v[4])) {
		struct nsp_cache_prog x = {.id = (uint32_t)v[0],
					   .program = (enum nsp_program)v[1],
					   .attach = (enum nsp_attach)v[2],
					   .ifindex = (int)v[3],
					   .older = v[4]};

		if (!name(w[2], x.owner.scope) || !name(w[3], x.owner.instance))
			return false;
		return nsp_cache_add_prog(c, &x) == 0;
	}
	return false;
}

/* The whole file, NUL-terminated; NULL when it cannot be read. Plain reads: no stdio buffer. */
static char *read_file(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	char *buf = NULL;
	size_t len = 0, cap = 0;

	if (fd < 0)
		return NULL;
	for (;;) {
		ssize_t n;

		if (len + 4096 + 1 > cap) {
			char *grown = cap > CACHE_MAX_BYTES ? NULL : realloc(buf, cap + 16384);

			if (!grown)
				goto fail;
			buf = grown;
			cap += 16384;
		}
		n = read(fd, buf + len, cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			goto fail;
		if (n == 0)
			break;
		len += (size_t)n;
	}
	buf[len] = '\0';
	close(fd);
	return buf;
fail:
	free(buf);
	close(fd);
	return NULL;
}

void nsp_sweep_cache_load(const char *path, const char *stamp, struct nsp_sweep_cache *ret)
{
	struct nsp_sweep_cache c = {0};
	size_t stamp_len = strlen(stamp);
	char *text = read_file(path), *line, *save = NULL, *copy;
	bool ok;

	memset(ret, 0, sizeof(*ret));
	if (!text)
		return;
	ok = !strncmp(text, stamp, stamp_len) && text[stamp_len] == '\n';
	copy = ok ? strdup(text + stamp_len + 1) : NULL;
	ok = ok && copy;
	for (line = ok ? strtok_r(copy, "\n", &save) : NULL; ok && line;
	     line = strtok_r(NULL, "\n", &save))
		ok = parse_line(line, &c);
	free(copy);
	if (!ok) {
		nsp_sweep_cache_free(&c);
		free(text);
		return;
	}
	c.text = text;
	*ret = c;
}

static char *format(const char *stamp, const struct nsp_sweep_cache *c, size_t *ret_len)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	fprintf(f, "%s\nprogmax %" PRIu32 "\n", stamp, c->prog_max);
	for (size_t i = 0; i < c->n_progs; i++)
		fprintf(f, "prog %" PRIu32 " %s %s %d %d %d %d\n", c->progs[i].id,
			c->progs[i].owner.scope, c->progs[i].owner.instance,
			(int)c->progs[i].program, (int)c->progs[i].attach, c->progs[i].ifindex,
			c->progs[i].older);
	for (size_t i = 0; i < c->n_netns; i++)
		fprintf(f, "nsid %d %s\n", c->netns[i].nsid,
			*c->netns[i].scope ? c->netns[i].scope : "-");
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	*ret_len = len;
	return buf;
}

/* The same facts, in the same order: what was read needs no rewrite. */
static bool same(const struct nsp_sweep_cache *a, const struct nsp_sweep_cache *b)
{
	if (a->prog_max != b->prog_max || a->n_progs != b->n_progs || a->n_netns != b->n_netns)
		return false;
	for (size_t i = 0; i < a->n_progs; i++) {
		const struct nsp_cache_prog *x = &a->progs[i], *y = &b->progs[i];

		if (x->id != y->id || x->program != y->program || x->attach != y->attach ||
		    x->ifindex != y->ifindex || x->older != y->older ||
		    strcmp(x->owner.scope, y->owner.scope) ||
		    strcmp(x->owner.instance, y->owner.instance))
			return false;
	}
	for (size_t i = 0; i < a->n_netns; i++)
		if (a->netns[i].nsid != b->netns[i].nsid ||
		    strcmp(a->netns[i].scope, b->netns[i].scope))
			return false;
	return true;
}

int nsp_sweep_cache_save(const char *path, const char *stamp, const struct nsp_sweep_cache *c,
			 const struct nsp_sweep_cache *was)
{
	size_t len = 0;
	char *text;
	int r;

	if (was->text && same(c, was))
		return 0;
	text = format(stamp, c, &len);
	if (!text)
		return -ENOMEM;
	r = was->text && !strcmp(was->text, text) ? 0 : nsp_file_replace(path, text, len);
	free(text);
	return r;
}
