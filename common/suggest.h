/* SPDX-License-Identifier: GPL-2.0-only */
/* "Did you mean": the closest of a list of names to a misspelt one. */
#ifndef NSPING_SUGGEST_H
#define NSPING_SUGGEST_H

/*
 * The candidate (a NULL-terminated list) within a few edits of word (one
 * edit per three letters, at least one), the closest first; NULL when none is.
 */
const char *nsp_suggest(const char *word, const char *const *candidates);

#endif
