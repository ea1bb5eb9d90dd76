/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Run QEMU with a test guest under a test or a benchmark: start it paused
 * with a QMP socket (and a second one for tools), read the guest's console
 * from a pipe, talk QMP, find the files QEMU holds.
 */
#ifndef QEMU_RUNNER_H
#define QEMU_RUNNER_H

#include <stdbool.h>
#include <stdio.h>
#include <stddef.h>
#include <sys/types.h>

#include "kvmcocoreset.h"

/* A second QMP monitor in the socket directory, for tools (kvm-coco-reset). */
#define QEMU_QMP_TOOL	"qmp-tool"

struct qemu {
	pid_t pid;
	int qmp;		/* QMP socket */
	FILE *qmp_in;		/* its read side, by lines */
	int console;		/* the guest's COM1, read end of a pipe */
	char dir[64];		/* the QMP socket's directory */
	char *log;		/* the console so far, NUL-terminated */
	size_t len;
	int resets;		/* QMP RESET events seen */
	int resets_in_place;	/* ... with in-place: true */
	int resets_no_in_place;	/* ... without in-place */
};

double now(void);

/*
 * Start @binary paused (-S) with the firmware @fw (-bios; NULL: QEMU's
 * default) and the arguments @args (NULL-terminated), and connect to its
 * QMP socket.  0 or a negative errno.
 */
int qemu_start(struct qemu *q, const char *binary, const char *fw,
	       const char *const *args);

/* Read the console until @needle has appeared @n times or @timeout_s passed. */
bool qemu_wait(struct qemu *q, const char *needle, int n, double timeout_s);

/* Occurrences of @needle in the console so far. */
int qemu_count(const struct qemu *q, const char *needle);

/*
 * Send @cmd (JSON) unless NULL, then read until a return or error (taking
 * the events on the way) into @reply.  0, -EINVAL (error reply), -EPIPE.
 */
int qmp(struct qemu *q, const char *cmd, char *reply, size_t size);

/* QMP quit and reap; kill if that fails.  The exit status, or -1. */
int qemu_quit(struct qemu *q);

/* Kill and reap if still running, free everything. */
void qemu_cleanup(struct qemu *q);

/* KVM's reset uevents for one QEMU process (kcr_monitor_dispatch). */
struct qemu_uevents {
	pid_t pid;		/* the QEMU process */
	int resets;
	char stats_path[sizeof(((struct kcr_event *)0)->stats_path)];
};

/* A kcr_event_fn: count @ev if it is a reset of @opaque's process. */
void qemu_count_resets(const struct kcr_event *ev, void *opaque);

/*
 * The fd of process @pid whose /proc link reads @target, or -1 (for the
 * vCPUs: libkvmcocoreset finds only VM fds).
 */
int qemu_find_fd(pid_t pid, const char *target);

/* A copy of process @pid's fd @fd in this process (pidfd_getfd), or -1. */
int qemu_grab_fd(pid_t pid, int fd);

/* Whether process @pid's fd @fd is the file that our @copy refers to. */
bool qemu_same_file(pid_t pid, int fd, int copy);

#endif
