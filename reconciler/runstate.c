// SPDX-License-Identifier: GPL-2.0-only
/* STATE_DIR/run (runstate.h): "key value" lines. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "filereplace.h"
#include "runstate.h"
#include "workerstate.h"

static void file_path(char *buf, size_t len, const char *state_dir)
{
	snprintf(buf, len, "%s/run", state_dir);
}

int nsp_runstate_write(const char *state_dir, const struct nsp_runstate *s)
{
	char path[PATH_MAX], text[PATH_MAX + 128];
	int n = snprintf(text, sizeof(text),
			 "pid %" PRId32 "\nstart_ticks %" PRIu64 "\nhash %016" PRIx64
			 "\nconfig %s\n",
			 s->pid, s->start_ticks, s->hash, s->config);

	if (n < 0 || (size_t)n >= sizeof(text))
		return -ENAMETOOLONG;
	file_path(path, sizeof(path), state_dir);
	return nsp_file_replace(path, text, (size_t)n);
}

int nsp_runstate_parse(const char *text, struct nsp_runstate *ret)
{
	struct nsp_runstate s = {0};
	const char *config = strstr(text, "\nconfig ");

	if (sscanf(text, "pid %" SCNd32 "\nstart_ticks %" SCNu64 "\nhash %" SCNx64, &s.pid,
		   &s.start_ticks, &s.hash) != 3 ||
	    !config || s.pid <= 0)
		return -EINVAL;
	config += strlen("\nconfig ");
	snprintf(s.config, sizeof(s.config), "%.*s", (int)strcspn(config, "\n"), config);
	*ret = s;
	return 0;
}

int nsp_runstate_read(const char *state_dir, struct nsp_runstate *ret)
{
	char path[PATH_MAX], text[PATH_MAX + 128];
	struct nsp_runstate s;
	unsigned long long ticks;
	ssize_t n;
	int fd;

	file_path(path, sizeof(path), state_dir);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	n = read(fd, text, sizeof(text) - 1);
	close(fd);
	if (n < 0)
		return -errno;
	text[n] = '\0';
	if (nsp_runstate_parse(text, &s) < 0)
		return -EINVAL;
	if (nsp_process_start_ticks(s.pid, (uint64_t *)&ticks) < 0 || ticks != s.start_ticks)
		return 0; /* gone, or its pid is another process's now */
	*ret = s;
	return 1;
}

void nsp_runstate_remove(const char *state_dir, int32_t pid)
{
	struct nsp_runstate s;
	char path[PATH_MAX];

	if (nsp_runstate_read(state_dir, &s) == 1 && s.pid != pid)
		return;
	file_path(path, sizeof(path), state_dir);
	unlink(path);
}

bool nsp_runstate_same_file(const struct nsp_runstate *s, const char *config)
{
	char *a = realpath(s->config, NULL), *b = realpath(config, NULL);
	bool same = a && b && !strcmp(a, b);

	free(a);
	free(b);
	return same;
}
