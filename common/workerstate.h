/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The worker's state as `status` shows it: one small file per instance in
 * the state directory, STATE_DIR/INSTANCE.worker, that a running worker
 * rewrites (nsp_file_replace) every second and removes when it ends cleanly.
 * A file whose writer is gone (a crash, a kill -9) is told apart by the
 * writer's pid and start time, so a recycled pid does not look alive.
 *
 * The file is "key value" lines; format and parse are pure, for the tests.
 */
#ifndef NSPING_WORKERSTATE_H
#define NSPING_WORKERSTATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pathcause.h"

struct nsp_workerstate {
	int32_t pid;
	uint64_t start_ticks; /* the writer's start time, /proc/PID/stat field 22 */
	uint64_t since;	      /* when the worker started, Unix seconds */
	uint64_t updated;     /* when it last wrote the file, Unix seconds */
	bool path_up;	      /* the instance's netns, veth and raw socket work */
	uint32_t targets;
	uint32_t targets_up;
	uint64_t sent;
	uint64_t received;
	uint64_t repairs; /* run: repairs of the datapath so far (0 when absent) */
	/* the worker's matching, summed over its targets (optional: 0 when absent) */
	uint64_t timeouts;  /* probes that nothing answered in time */
	uint64_t late;	    /* answers after their timeout */
	uint64_t duplicate; /* second answers to one probe */
	uint64_t stray;	    /* replies that match no probe of ours */
	enum nsp_path_cause cause; /* why the path is down, a name (optional: none) */
	char reason[192];	   /* why the path is down, "" when up (optional) */
	char ping[200];	  /* the settings it probes with, nsp_ping_text() (optional) */
	int32_t reloader; /* the process that a SIGHUP makes reload them (0: unknown) */
};

/* Text of the file; the length written (without the NUL), or -ENOSPC. */
int nsp_workerstate_format(char *buf, size_t len, const struct nsp_workerstate *s);
/* Fill ret from the file's text; -EINVAL if a key is missing or malformed. */
int nsp_workerstate_parse(const char *text, struct nsp_workerstate *ret);

/* This process's start time (clock ticks since boot), as /proc/self/stat says. */
int nsp_process_start_ticks(int32_t pid, uint64_t *ret);

int nsp_workerstate_write(const char *state_dir, const char *instance,
			  const struct nsp_workerstate *s);
void nsp_workerstate_remove(const char *state_dir, const char *instance);
/*
 * Read the instance's file. Returns 1 with *ret filled when its writer is
 * running, 0 when there is no file or its writer is gone, -errno when the
 * file cannot be read or parsed.
 */
int nsp_workerstate_read(const char *state_dir, const char *instance, struct nsp_workerstate *ret);

#endif
