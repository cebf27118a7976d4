/* SPDX-License-Identifier: GPL-2.0-only */
/* A minimal JSON emitter: enough for nsping's documents, with correct escaping. */
#ifndef NSPING_JSON_H
#define NSPING_JSON_H

#include <stdbool.h>
#include <stdio.h>

#define NSP_JSON_DEPTH 16

struct nsp_json {
	FILE *f;
	int depth;
	bool first[NSP_JSON_DEPTH]; /* no member written yet at this depth */
};

void nsp_json_init(struct nsp_json *j, FILE *f);
void nsp_json_begin_object(struct nsp_json *j, const char *key);
void nsp_json_end_object(struct nsp_json *j);
void nsp_json_begin_array(struct nsp_json *j, const char *key);
void nsp_json_end_array(struct nsp_json *j);
/* key is NULL inside arrays; value NULL or "" writes null for nsp_json_string_or_null. */
void nsp_json_string(struct nsp_json *j, const char *key, const char *value);
void nsp_json_string_or_null(struct nsp_json *j, const char *key, const char *value);
void nsp_json_uint(struct nsp_json *j, const char *key, unsigned long long value);
void nsp_json_double(struct nsp_json *j, const char *key, double value);
void nsp_json_bool(struct nsp_json *j, const char *key, bool value);
void nsp_json_null(struct nsp_json *j, const char *key);

#endif
