// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "filereplace.h"
#include "workerstate.h"

#define FILE_MAX 1024

int nsp_workerstate_format(char *buf, size_t len, const struct nsp_workerstate *s)
{
	char reason[sizeof(s->reason)];
	bool cause = !s->path_up && s->cause != NSP_CAUSE_NONE;
	int n;

	/* one line: a newline in the reason would end it */
	snprintf(reason, sizeof(reason), "%s", s->reason);
	for (char *c = reason; *c; c++)
		if (*c == '\n')
			*c = ' ';
	n = snprintf(buf, len,
		     "pid %" PRId32 "\nstart_ticks %" PRIu64 "\nsince %" PRIu64 "\nupdated %" PRIu64
		     "\npath %s\ntargets %" PRIu32 "\ntargets_up %" PRIu32 "\nsent %" PRIu64
		     "\nreceived %" PRIu64 "\nrepairs %" PRIu64 "\nreloader %" PRId32
		     "\ntimeouts %" PRIu64 "\nlate %" PRIu64 "\nduplicate %" PRIu64
		     "\nstray %" PRIu64 "\n%s%s%s%s%s%s%s%s%s",
		     s->pid, s->start_ticks, s->since, s->updated, s->path_up ? "up" : "down",
		     s->targets, s->targets_up, s->sent, s->received, s->repairs, s->reloader,
		     s->timeouts, s->late, s->duplicate, s->stray, cause ? "cause " : "",
		     cause ? nsp_path_cause_name(s->cause) : "", cause ? "\n" : "",
		     reason[0] ? "reason " : "", reason, reason[0] ? "\n" : "",
		     s->ping[0] ? "ping " : "", s->ping, s->ping[0] ? "\n" : "");

	return n < 0 || (size_t)n >= len ? -ENOSPC : n;
}

/* The value after "\nKEY " (or "KEY " at the start) in text, as a number. */
static int number_of(const char *text, const char *key, uint64_t max, uint64_t *ret)
{
	size_t klen = strlen(key);
	const char *p = text;
	unsigned long long v;
	char *end;

	while (p && (strncmp(p, key, klen) != 0 || p[klen] != ' ')) {
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	if (!p || p[klen + 1] < '0' || p[klen + 1] > '9')
		return -EINVAL;
	errno = 0;
	v = strtoull(p + klen + 1, &end, 10);
	if (errno || *end != '\n' || v > max)
		return -EINVAL;
	*ret = v;
	return 0;
}

/*
 * An optional number: absent (a file of an older worker) leaves *ret as it
 * is and is 0; present, it must be well formed: -EINVAL when damaged.
 */
static int optional_number(const char *text, const char *key, uint64_t *ret)
{
	char line[32];

	snprintf(line, sizeof(line), "\n%s ", key);
	return number_of(text, key, UINT64_MAX, ret) && strstr(text, line) ? -EINVAL : 0;
}

/* The text after "\nKEY " up to the end of its line, or "". */
static void line_of(const char *text, const char *key, char *ret, size_t len)
{
	char find[32];
	const char *p;
	size_t n;

	snprintf(find, sizeof(find), "\n%s ", key);
	p = strstr(text, find);
	ret[0] = '\0';
	if (!p)
		return;
	p += strlen(find);
	n = strcspn(p, "\n");
	if (n >= len)
		n = len - 1;
	memcpy(ret, p, n);
	ret[n] = '\0';
}

int nsp_workerstate_parse(const char *text, struct nsp_workerstate *ret)
{
	struct nsp_workerstate s = {0};
	uint64_t pid, targets, up, reloader;
	const char *path = strstr(text, "\npath ");
	char cause[32];

	if (number_of(text, "pid", INT32_MAX, &pid) || pid == 0 ||
	    number_of(text, "start_ticks", UINT64_MAX, &s.start_ticks) ||
	    number_of(text, "since", UINT64_MAX, &s.since) ||
	    number_of(text, "updated", UINT64_MAX, &s.updated) ||
	    number_of(text, "targets", UINT32_MAX, &targets) ||
	    number_of(text, "targets_up", UINT32_MAX, &up) || up > targets ||
	    number_of(text, "sent", UINT64_MAX, &s.sent) ||
	    number_of(text, "received", UINT64_MAX, &s.received))
		return -EINVAL;
	/* optional: 0 in the file of an older worker */
	if (optional_number(text, "repairs", &s.repairs) ||
	    optional_number(text, "timeouts", &s.timeouts) ||
	    optional_number(text, "late", &s.late) ||
	    optional_number(text, "duplicate", &s.duplicate) ||
	    optional_number(text, "stray", &s.stray))
		return -EINVAL;
	line_of(text, "cause", cause, sizeof(cause));
	if (cause[0] && !nsp_path_cause_parse(cause, &s.cause))
		return -EINVAL;
	line_of(text, "reason", s.reason, sizeof(s.reason));
	line_of(text, "ping", s.ping, sizeof(s.ping));
	if (number_of(text, "reloader", INT32_MAX, &reloader) == 0)
		s.reloader = (int32_t)reloader;
	if (path && !strncmp(path, "\npath up\n", 9))
		s.path_up = true;
	else if (!path || strncmp(path, "\npath down\n", 11))
		return -EINVAL;
	s.pid = (int32_t)pid;
	s.targets = (uint32_t)targets;
	s.targets_up = (uint32_t)up;
	*ret = s;
	return 0;
}

int nsp_process_start_ticks(int32_t pid, uint64_t *ret)
{
	char path[64], buf[1024], *p;
	unsigned long long ticks;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%" PRId32 "/stat", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return n < 0 ? -errno : -EINVAL;
	buf[n] = '\0';
	/* after "PID (COMM) ", which may hold any byte: field 3 is the state */
	p = strrchr(buf, ')');
	if (!p)
		return -EINVAL;
	/* starttime is field 22: skip fields 3..21 */
	for (int field = 3; field < 22; field++) {
		p = strchr(p + 1, ' ');
		if (!p)
			return -EINVAL;
	}
	if (sscanf(p + 1, "%llu", &ticks) != 1)
		return -EINVAL;
	*ret = ticks;
	return 0;
}

static void file_path(char *buf, size_t len, const char *state_dir, const char *instance)
{
	snprintf(buf, len, "%s/%s.worker", state_dir, instance);
}

int nsp_workerstate_write(const char *state_dir, const char *instance,
			  const struct nsp_workerstate *s)
{
	char path[PATH_MAX], text[FILE_MAX];
	int len = nsp_workerstate_format(text, sizeof(text), s);

	if (len < 0)
		return len;
	file_path(path, sizeof(path), state_dir, instance);
	return nsp_file_replace_volatile(path, text, (size_t)len);
}

void nsp_workerstate_remove(const char *state_dir, const char *instance)
{
	char path[PATH_MAX];

	file_path(path, sizeof(path), state_dir, instance);
	unlink(path);
}

int nsp_workerstate_read(const char *state_dir, const char *instance, struct nsp_workerstate *ret)
{
	char path[PATH_MAX], text[FILE_MAX];
	struct nsp_workerstate s;
	uint64_t ticks;
	ssize_t n;
	int fd, r;

	file_path(path, sizeof(path), state_dir, instance);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	n = read(fd, text, sizeof(text) - 1);
	r = n < 0 ? -errno : 0;
	close(fd);
	if (r)
		return r;
	text[n] = '\0';
	r = nsp_workerstate_parse(text, &s);
	if (r)
		return r;
	/* gone, or its pid now belongs to another process */
	if (nsp_process_start_ticks(s.pid, &ticks) < 0 || ticks != s.start_ticks)
		return 0;
	*ret = s;
	return 1;
}
