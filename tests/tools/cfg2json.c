// SPDX-License-Identifier: GPL-2.0-only
/*
 * cfg2json: read a libconfig file with libconfig and print it as one JSON
 * document on stdout, so that the configuration can be checked against
 * schema/nsping.conf.schema.json.
 *
 *   groups -> objects (member order kept), lists and arrays -> arrays,
 *   ints (32 and 64 bit) -> integers, floats -> numbers that always carry a
 *   '.' or an exponent (so a float never reads back as an integer),
 *   strings -> strings, bools -> true/false. A hex integer written without
 *   the L suffix (a 32-bit int to libconfig 1.5) is printed unsigned:
 *   0xFFFFFFFF -> 4294967295, not -1.
 *
 * Exit 0 with the JSON on stdout; on a parse error "FILE:LINE: syntax: MESSAGE"
 * on stderr and exit 65 (EX_DATAERR, nsping's "invalid configuration");
 * 66 when the file can't be read; 64 on a usage error.
 */
#include <errno.h>
#include <libconfig.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EXIT_USAGE  64
#define EXIT_SYNTAX 65
#define EXIT_NOFILE 66

static void put_string(const char *s)
{
	putchar('"');
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '"':
			fputs("\\\"", stdout);
			break;
		case '\\':
			fputs("\\\\", stdout);
			break;
		case '\b':
			fputs("\\b", stdout);
			break;
		case '\f':
			fputs("\\f", stdout);
			break;
		case '\n':
			fputs("\\n", stdout);
			break;
		case '\r':
			fputs("\\r", stdout);
			break;
		case '\t':
			fputs("\\t", stdout);
			break;
		default:
			/* Control bytes escaped; other bytes (UTF-8 included) pass through. */
			if (*p < 0x20 || *p == 0x7f)
				printf("\\u%04x", *p);
			else
				putchar(*p);
		}
	}
	putchar('"');
}

static void put_float(double v)
{
	char buf[64];

	if (!isfinite(v)) {
		/* JSON has no inf/nan: null is rejected by every typed schema. */
		fputs("null", stdout);
		return;
	}
	snprintf(buf, sizeof(buf), "%.17g", v);
	if (!strpbrk(buf, ".eEn"))
		strcat(buf, ".0");
	fputs(buf, stdout);
}

static void indent(int depth)
{
	for (int i = 0; i < depth; i++)
		fputs("  ", stdout);
}

static void put_setting(const config_setting_t *s, int depth)
{
	int type = config_setting_type(s);
	int n;

	switch (type) {
	case CONFIG_TYPE_GROUP:
	case CONFIG_TYPE_LIST:
	case CONFIG_TYPE_ARRAY:
		n = config_setting_length(s);
		putchar(type == CONFIG_TYPE_GROUP ? '{' : '[');
		for (int i = 0; i < n; i++) {
			const config_setting_t *e = config_setting_get_elem(s, (unsigned)i);

			fputs(i ? ",\n" : "\n", stdout);
			indent(depth + 1);
			if (type == CONFIG_TYPE_GROUP) {
				put_string(config_setting_name(e));
				fputs(": ", stdout);
			}
			put_setting(e, depth + 1);
		}
		if (n) {
			putchar('\n');
			indent(depth);
		}
		putchar(type == CONFIG_TYPE_GROUP ? '}' : ']');
		break;
	case CONFIG_TYPE_INT:
		/*
		 * libconfig 1.5 stores a hex literal without the L suffix in a
		 * 32-bit int, so 0xFFFFFFFF reads back as -1. Print what the file
		 * says: a hex literal is unsigned. (Decimal literals past INT_MAX
		 * are already wrapped by libconfig and can't be recovered.)
		 */
		if (config_setting_get_format((config_setting_t *)s) == CONFIG_FORMAT_HEX)
			printf("%u", (unsigned)config_setting_get_int(s));
		else
			printf("%d", config_setting_get_int(s));
		break;
	case CONFIG_TYPE_INT64:
		printf("%lld", config_setting_get_int64(s));
		break;
	case CONFIG_TYPE_FLOAT:
		put_float(config_setting_get_float(s));
		break;
	case CONFIG_TYPE_STRING:
		put_string(config_setting_get_string(s));
		break;
	case CONFIG_TYPE_BOOL:
		fputs(config_setting_get_bool(s) ? "true" : "false", stdout);
		break;
	default:
		fputs("null", stdout);
	}
}

int main(int argc, char **argv)
{
	const char *path;
	config_t cf;
	FILE *f;

	if (argc != 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		fprintf(stderr,
			"usage: %s FILE\n"
			"Print a libconfig file as JSON; exit 65 on a syntax error.\n",
			argv[0]);
		return argc == 2 ? 0 : EXIT_USAGE;
	}
	path = argv[1];
	f = fopen(path, "re");
	if (!f) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return EXIT_NOFILE;
	}
	config_init(&cf);
	if (config_read(&cf, f) != CONFIG_TRUE) {
		const char *file = config_error_file(&cf);

		fprintf(stderr, "%s:%d: syntax: %s\n", file ? file : path, config_error_line(&cf),
			config_error_text(&cf));
		config_destroy(&cf);
		fclose(f);
		return EXIT_SYNTAX;
	}
	put_setting(config_root_setting(&cf), 0);
	putchar('\n');
	config_destroy(&cf);
	fclose(f);
	return fflush(stdout) == 0 ? 0 : 1;
}
