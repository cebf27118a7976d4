/* SPDX-License-Identifier: GPL-2.0-only */
/* Plans for people (terraform's + ~ -) and for programs (SPEC.md's JSON). */
#ifndef NSPING_RENDER_H
#define NSPING_RENDER_H

#include <stdio.h>

#include "json.h"
#include "lint.h"
#include "plan.h"

void nsp_render_plan_text(FILE *f, const struct nsp_config *cfg, const struct nsp_plan *plan);
/* The plan's members (changes, summary, conflicts, errors) inside an open object. */
void nsp_render_plan_members(struct nsp_json *j, const struct nsp_config *cfg,
			     const struct nsp_plan *plan);
void nsp_render_plan_json(FILE *f, const struct nsp_config *cfg, const struct nsp_plan *plan);
/*
 * The plan-time warnings (plan and apply): "warnings":[{"instance","key","code",
 * "message","fix","line"}] inside an open object.
 */
void nsp_render_warnings_json(struct nsp_json *j, const struct nsp_config *cfg,
			      const struct nsp_warnings *w);
/* One warning on a line: "nsping: warning: INSTANCE: KEY: message; fix: FIX (FILE:LINE)". */
void nsp_render_warning_text(FILE *f, const struct nsp_config *cfg, const struct nsp_warning *w);
/* One change as an object of a JSON array. */
void nsp_render_change_json(struct nsp_json *j, const struct nsp_config *cfg,
			    const struct nsp_change *c);
/* One line for a change, without the trailing newline: "+ netns ns-ping". */
void nsp_render_change(FILE *f, const struct nsp_change *c);

#endif
