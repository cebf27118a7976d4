/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Load and validate a configuration file into the desired state (desired.h).
 * Every error is recorded in the diag as "FILE:LINE: KEY: message"; no kernel
 * call is made.
 */
#ifndef NSPING_CONFIG_H
#define NSPING_CONFIG_H

#include "diag.h"
#include "desired.h"

/* 0, or -EINVAL with the reasons in diag, or -errno when the file can't be read. */
int nsp_config_load(const char *path, struct nsp_config *ret_cfg, struct nsp_diag *diag);
/* The same, and on success the file's text in *ret_text (free() it). */
int nsp_config_load_keep(const char *path, struct nsp_config *ret_cfg, struct nsp_diag *diag,
			 char **ret_text);
/* The same for text in memory; name is used in the messages. */
int nsp_config_load_string(const char *text, const char *name, struct nsp_config *ret_cfg,
			   struct nsp_diag *diag);
void nsp_config_free(struct nsp_config *cfg);

/*
 * An instance's ping settings as one line of "key=value" words, the same for
 * the same settings: what a running worker reports having (workerstate.h) and
 * plan compares with the file. The targets are their count and a hash.
 */
#define NSP_PING_TEXT_MAX 200
void nsp_ping_text(const struct nsp_instance *in, char buf[NSP_PING_TEXT_MAX]);

/* The names the file uses for these values. */
const char *nsp_program_name(enum nsp_program p);
const char *nsp_mode_name(enum nsp_xdp_mode m);
const char *nsp_attach_name(enum nsp_attach a);

#endif
