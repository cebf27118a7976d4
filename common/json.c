// SPDX-License-Identifier: GPL-2.0-only
#include "json.h"

void nsp_json_init(struct nsp_json *j, FILE *f)
{
	j->f = f;
	j->depth = 0;
	j->first[0] = true;
}

static void quoted(FILE *f, const char *s)
{
	fputc('"', f);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '"':
			fputs("\\\"", f);
			break;
		case '\\':
			fputs("\\\\", f);
			break;
		case '\n':
			fputs("\\n", f);
			break;
		case '\t':
			fputs("\\t", f);
			break;
		default:
			if (*p < 0x20)
				fprintf(f, "\\u%04x", *p);
			else
				fputc(*p, f);
		}
	}
	fputc('"', f);
}

/* The separator and key that precede every value. */
static void lead(struct nsp_json *j, const char *key)
{
	if (!j->first[j->depth])
		fputc(',', j->f);
	j->first[j->depth] = false;
	if (key) {
		quoted(j->f, key);
		fputc(':', j->f);
	}
}

static void open_(struct nsp_json *j, const char *key, char c)
{
	lead(j, key);
	fputc(c, j->f);
	if (j->depth + 1 < NSP_JSON_DEPTH)
		j->depth++;
	j->first[j->depth] = true;
}

static void close_(struct nsp_json *j, char c)
{
	fputc(c, j->f);
	if (j->depth > 0)
		j->depth--;
	if (j->depth == 0)
		fputc('\n', j->f);
}

void nsp_json_begin_object(struct nsp_json *j, const char *key)
{
	open_(j, key, '{');
}

void nsp_json_end_object(struct nsp_json *j)
{
	close_(j, '}');
}

void nsp_json_begin_array(struct nsp_json *j, const char *key)
{
	open_(j, key, '[');
}

void nsp_json_end_array(struct nsp_json *j)
{
	close_(j, ']');
}

void nsp_json_string(struct nsp_json *j, const char *key, const char *value)
{
	lead(j, key);
	quoted(j->f, value);
}

void nsp_json_string_or_null(struct nsp_json *j, const char *key, const char *value)
{
	if (value && *value)
		nsp_json_string(j, key, value);
	else
		nsp_json_null(j, key);
}

void nsp_json_uint(struct nsp_json *j, const char *key, unsigned long long value)
{
	lead(j, key);
	fprintf(j->f, "%llu", value);
}

void nsp_json_double(struct nsp_json *j, const char *key, double value)
{
	lead(j, key);
	fprintf(j->f, "%.3f", value);
}

void nsp_json_bool(struct nsp_json *j, const char *key, bool value)
{
	lead(j, key);
	fputs(value ? "true" : "false", j->f);
}

void nsp_json_null(struct nsp_json *j, const char *key)
{
	lead(j, key);
	fputs("null", j->f);
}
