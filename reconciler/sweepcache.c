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
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

static bool owner_valid(const struct nsp_owner *o)
{
	return nsp_owner_name_valid(o->scope, strlen(o->scope)) &&
	       nsp_owner_name_valid(o->instance, strlen(o->instance));
}

/* One line into c; false when it is not one the format has. */
static bool parse_line(const char *line, struct nsp_sweep_cache *c)
{
	struct nsp_cache_prog p = {0};
	struct nsp_cache_netns n = {0};
	char end;
	int prog, attach, older;

	if (sscanf(line, "progmax %" SCNu32 " %c", &c->prog_max, &end) == 1)
		return true;
	if (sscanf(line, "prog %" SCNu32 " %15s %15s %d %d %d %d %c", &p.id, p.owner.scope,
		   p.owner.instance, &prog, &attach, &p.ifindex, &older, &end) == 7) {
		if (!owner_valid(&p.owner) || prog < NSP_PROG_TX_PING || prog > NSP_PROG_RX_PING ||
		    attach < NSP_ATTACH_XDP || attach > NSP_ATTACH_TC)
			return false;
		p.older = older;
		p.program = (enum nsp_program)prog;
		p.attach = (enum nsp_attach)attach;
		return nsp_cache_add_prog(c, &p) == 0;
	}
	if (sscanf(line, "nsid %d %15s %c", &n.nsid, n.scope, &end) == 2) {
		if (!strcmp(n.scope, "-"))
			n.scope[0] = '\0';
		else if (!nsp_owner_name_valid(n.scope, strlen(n.scope)))
			return false;
		return nsp_cache_add_netns(c, &n) == 0;
	}
	return false;
}

static char *read_file(const char *path)
{
	FILE *f = fopen(path, "re");
	char *buf = NULL;
	size_t len = 0, cap = 0;

	if (!f)
		return NULL;
	for (;;) {
		size_t n;

		if (len + 4096 + 1 > cap) {
			char *grown = cap > CACHE_MAX_BYTES ? NULL : realloc(buf, cap + 65536);

			if (!grown) {
				free(buf);
				buf = NULL;
				break;
			}
			buf = grown;
			cap += 65536;
		}
		n = fread(buf + len, 1, cap - len - 1, f);
		len += n;
		if (n == 0)
			break;
	}
	if (buf && ferror(f)) {
		free(buf);
		buf = NULL;
	}
	if (buf)
		buf[len] = '\0';
	fclose(f);
	return buf;
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

int nsp_sweep_cache_save(const char *path, const char *stamp, const struct nsp_sweep_cache *c,
			 const struct nsp_sweep_cache *was)
{
	size_t len = 0;
	char *text = format(stamp, c, &len);
	int r;

	if (!text)
		return -ENOMEM;
	r = was->text && !strcmp(was->text, text) ? 0 : nsp_file_replace(path, text, len);
	free(text);
	return r;
}
