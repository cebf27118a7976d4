// SPDX-License-Identifier: GPL-2.0-only
#include <string.h>

#include "render.h"

static char op_sign(enum nsp_op op)
{
	return op == NSP_OP_CREATE ? '+' : op == NSP_OP_UPDATE ? '~' : '-';
}

void nsp_render_change(FILE *f, const struct nsp_change *c)
{
	fprintf(f, "%c %s %s", op_sign(c->op), nsp_kind_name(c->kind), c->object);
	if (*c->attribute)
		fprintf(f, " %s: %s -> %s", c->attribute, *c->from ? c->from : "(unknown)", c->to);
	else if (c->op == NSP_OP_CREATE && *c->to)
		fprintf(f, " (%s)", c->to);
	else if (c->op == NSP_OP_UPDATE)
		fprintf(f, ": %s -> %s", c->from, c->to);
	else if (c->op == NSP_OP_DELETE && *c->from)
		fprintf(f, " (%s)", c->from);
}

void nsp_render_plan_text(FILE *f, const struct nsp_config *cfg, const struct nsp_plan *plan)
{
	struct nsp_summary s = nsp_plan_summary(plan);

	for (size_t i = 0; i < cfg->n_instances; i++) {
		bool header = false;

		for (size_t k = 0; k < plan->n_changes; k++) {
			const struct nsp_change *c = &plan->changes[k];

			if (c->instance != i)
				continue;
			if (!header)
				fprintf(f, "instance %s:\n", cfg->instances[i].name);
			header = true;
			fputs("  ", f);
			nsp_render_change(f, c);
			fputc('\n', f);
		}
		for (size_t k = 0; k < plan->n_conflicts; k++) {
			const struct nsp_conflict *c = &plan->conflicts[k];

			if (c->instance != i)
				continue;
			if (!header)
				fprintf(f, "instance %s:\n", cfg->instances[i].name);
			header = true;
			fprintf(f, "  ! conflict: %s\n", c->reason);
		}
		for (size_t k = 0; k < plan->n_problems; k++) {
			const struct nsp_problem *pr = &plan->problems[k];

			if (pr->instance != i)
				continue;
			if (!header)
				fprintf(f, "instance %s:\n", cfg->instances[i].name);
			header = true;
			fprintf(f, "  ! error: %s\n", pr->reason);
		}
	}
	/* the orphans, each owner's changes together (plan.c groups them) */
	for (size_t k = 0; k < plan->n_changes; k++) {
		const struct nsp_change *c = &plan->changes[k], *prev = k ? c - 1 : NULL;

		if (c->instance != NSP_NO_INSTANCE)
			continue;
		if (!prev || prev->instance != NSP_NO_INSTANCE ||
		    strcmp(prev->owner.scope, c->owner.scope) ||
		    strcmp(prev->owner.instance, c->owner.instance))
			fprintf(f, "instance %s of scope %s, not in the file:\n", c->owner.instance,
				c->owner.scope);
		fputs("  ", f);
		nsp_render_change(f, c);
		fputc('\n', f);
	}
	if (nsp_plan_empty(plan)) {
		fputs("No changes. The kernel matches the configuration.\n", f);
		return;
	}
	fprintf(f, "Plan: %zu to create, %zu to update, %zu to delete.", s.create, s.update,
		s.delete);
	if (plan->n_conflicts)
		fprintf(f, " %zu conflict%s: nothing will be changed.", plan->n_conflicts,
			plan->n_conflicts == 1 ? "" : "s");
	if (plan->n_problems)
		fprintf(f, " %zu error%s.", plan->n_problems, plan->n_problems == 1 ? "" : "s");
	fputc('\n', f);
}

void nsp_render_change_json(struct nsp_json *j, const struct nsp_config *cfg,
			    const struct nsp_change *c)
{
	nsp_json_begin_object(j, NULL);
	nsp_json_string(j, "op", nsp_op_name(c->op));
	nsp_json_string(j, "kind", nsp_kind_name(c->kind));
	/* an orphan's: its owner, in no instance of the file */
	if (c->instance == NSP_NO_INSTANCE) {
		nsp_json_string(j, "instance", c->owner.instance);
		nsp_json_string(j, "scope", c->owner.scope);
	} else {
		nsp_json_string(j, "instance", cfg->instances[c->instance].name);
	}
	nsp_json_string(j, "object", c->object);
	if (*c->attribute)
		nsp_json_string(j, "attribute", c->attribute);
	nsp_json_string_or_null(j, "from", c->from);
	nsp_json_string_or_null(j, "to", c->to);
	nsp_json_end_object(j);
}

void nsp_render_plan_members(struct nsp_json *j, const struct nsp_config *cfg,
			     const struct nsp_plan *plan)
{
	struct nsp_summary s = nsp_plan_summary(plan);

	nsp_json_begin_array(j, "changes");
	for (size_t k = 0; k < plan->n_changes; k++)
		nsp_render_change_json(j, cfg, &plan->changes[k]);
	nsp_json_end_array(j);
	nsp_json_begin_object(j, "summary");
	nsp_json_uint(j, "create", s.create);
	nsp_json_uint(j, "update", s.update);
	nsp_json_uint(j, "delete", s.delete);
	nsp_json_end_object(j);
	nsp_json_begin_array(j, "conflicts");
	for (size_t k = 0; k < plan->n_conflicts; k++) {
		const struct nsp_conflict *c = &plan->conflicts[k];

		nsp_json_begin_object(j, NULL);
		nsp_json_string(j, "kind", nsp_kind_name(c->kind));
		nsp_json_string(j, "instance", cfg->instances[c->instance].name);
		nsp_json_string(j, "object", c->object);
		nsp_json_string(j, "reason", c->reason);
		nsp_json_end_object(j);
	}
	nsp_json_end_array(j);
	nsp_json_begin_array(j, "errors");
	for (size_t k = 0; k < plan->n_problems; k++) {
		nsp_json_begin_object(j, NULL);
		nsp_json_string(j, "instance", cfg->instances[plan->problems[k].instance].name);
		nsp_json_string(j, "reason", plan->problems[k].reason);
		nsp_json_end_object(j);
	}
	nsp_json_end_array(j);
}

void nsp_render_warnings_json(struct nsp_json *j, const struct nsp_config *cfg,
			      const struct nsp_warnings *w)
{
	nsp_json_begin_array(j, "warnings");
	for (size_t k = 0; k < w->n; k++) {
		const struct nsp_warning *x = &w->items[k];

		nsp_json_begin_object(j, NULL);
		nsp_json_string(j, "instance", cfg->instances[x->instance].name);
		nsp_json_string(j, "key", x->key);
		nsp_json_string(j, "code", nsp_warning_code_name(x->code));
		nsp_json_string(j, "message", x->message);
		nsp_json_string(j, "fix", x->fix);
		nsp_json_uint(j, "line", x->line > 0 ? (unsigned long)x->line : 0);
		nsp_json_end_object(j);
	}
	nsp_json_end_array(j);
}

void nsp_render_warning_text(FILE *f, const struct nsp_config *cfg, const struct nsp_warning *w)
{
	fprintf(f, "nsping: warning: %s: %s: %s; fix: %s (%s:%d)\n",
		cfg->instances[w->instance].name, w->key, w->message, w->fix, cfg->path, w->line);
}

void nsp_render_plan_json(FILE *f, const struct nsp_config *cfg, const struct nsp_plan *plan)
{
	struct nsp_json j;

	nsp_json_init(&j, f);
	nsp_json_begin_object(&j, NULL);
	nsp_render_plan_members(&j, cfg, plan);
	nsp_json_end_object(&j);
}
