// SPDX-License-Identifier: GPL-2.0-only
/* The closest name by edit distance (Levenshtein, with transpositions as one edit). */
#include <string.h>

#include "suggest.h"

#define LONGEST 32

static size_t distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), d[LONGEST + 1][LONGEST + 1];

	if (la > LONGEST || lb > LONGEST)
		return (size_t)-1;
	for (size_t i = 0; i <= la; i++)
		d[i][0] = i;
	for (size_t j = 0; j <= lb; j++)
		d[0][j] = j;
	for (size_t i = 1; i <= la; i++) {
		for (size_t j = 1; j <= lb; j++) {
			size_t sub = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);
			size_t del = d[i - 1][j] + 1, ins = d[i][j - 1] + 1;
			size_t best = sub < del ? sub : del;

			best = best < ins ? best : ins;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
			    d[i - 2][j - 2] + 1 < best)
				best = d[i - 2][j - 2] + 1;
			d[i][j] = best;
		}
	}
	return d[la][lb];
}

const char *nsp_suggest(const char *word, const char *const *candidates)
{
	size_t limit = strlen(word) / 3 ? strlen(word) / 3 : 1, best = limit + 1;
	const char *found = NULL;

	for (const char *const *c = candidates; *c; c++) {
		size_t d = distance(word, *c);

		if (d < best) {
			best = d;
			found = *c;
		}
	}
	return found;
}
