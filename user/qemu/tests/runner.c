// SPDX-License-Identifier: GPL-2.0-or-later
/* Run QEMU with a test guest: console pipe, QMP, its files. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/kcmp.h>

#include "runner.h"

#define CONNECT_TIMEOUT_S 60

double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void exec_qemu(const char *binary, const char *fw, const char *dir,
		      const char *const *args, int console)
{
	char qmp[128], qmp_tool[128];
	const char *argv[64];
	int n = 0;

	snprintf(qmp, sizeof(qmp), "unix:%s/qmp,server=on,wait=off", dir);
	snprintf(qmp_tool, sizeof(qmp_tool), "unix:%s/" QEMU_QMP_TOOL ",server=on,wait=off",
		 dir);
	argv[n++] = binary;
	argv[n++] = "-nodefaults";
	argv[n++] = "-display";
	argv[n++] = "none";
	argv[n++] = "-accel";
	argv[n++] = "kvm";
	if (fw) {
		argv[n++] = "-bios";
		argv[n++] = fw;
	}
	argv[n++] = "-chardev";
	argv[n++] = "stdio,id=console,signal=off";
	argv[n++] = "-serial";
	argv[n++] = "chardev:console";
	argv[n++] = "-qmp";
	argv[n++] = qmp;
	argv[n++] = "-qmp";
	argv[n++] = qmp_tool;
	argv[n++] = "-S";
	while (*args && n < 63)
		argv[n++] = *args++;
	argv[n] = NULL;

	dup2(console, STDOUT_FILENO);
	close(console);
	close(STDIN_FILENO);
	open("/dev/null", O_RDONLY);
	execv(binary, (char **)argv);
	perror(binary);
	_exit(127);
}

static int qmp_connect(struct qemu *q)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	double end = now() + CONNECT_TIMEOUT_S;

	snprintf(addr.sun_path, sizeof(addr.sun_path), "%s/qmp", q->dir);
	while (now() < end) {
		q->qmp = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (q->qmp < 0)
			return -errno;
		if (!connect(q->qmp, (struct sockaddr *)&addr, sizeof(addr))) {
			q->qmp_in = fdopen(q->qmp, "r");
			return q->qmp_in ? 0 : -errno;
		}
		close(q->qmp);
		q->qmp = -1;
		if (waitpid(q->pid, NULL, WNOHANG) == q->pid) {
			q->pid = 0;
			return -ECHILD;
		}
		usleep(50 * 1000);
	}
	return -ETIMEDOUT;
}

int qemu_start(struct qemu *q, const char *binary, const char *fw,
	       const char *const *args)
{
	char reply[4096];
	int pipefd[2], r;

	memset(q, 0, sizeof(*q));
	q->qmp = -1;
	snprintf(q->dir, sizeof(q->dir), "/tmp/qemu-run-XXXXXX");
	if (!mkdtemp(q->dir) || pipe2(pipefd, O_CLOEXEC))
		return -errno;
	q->pid = fork();
	if (q->pid < 0)
		return -errno;
	if (!q->pid)
		exec_qemu(binary, fw, q->dir, args, pipefd[1]);
	close(pipefd[1]);
	q->console = pipefd[0];

	r = qmp_connect(q);
	if (!r)
		r = qmp(q, NULL, reply, sizeof(reply));	/* the greeting */
	if (!r)
		r = qmp(q, "{\"execute\": \"qmp_capabilities\"}", reply,
			sizeof(reply));
	return r;
}

/* Append what the console pipe holds. */
static bool console_read(struct qemu *q, double timeout_s)
{
	struct pollfd pfd = { .fd = q->console, .events = POLLIN };
	char buf[4096], *log;
	ssize_t n;

	if (poll(&pfd, 1, timeout_s * 1000) <= 0)
		return false;
	n = read(q->console, buf, sizeof(buf));
	if (n <= 0)
		return false;
	log = realloc(q->log, q->len + n + 1);
	if (!log)
		return false;
	q->log = log;
	memcpy(q->log + q->len, buf, n);
	q->len += n;
	q->log[q->len] = '\0';
	return true;
}

int qemu_count(const struct qemu *q, const char *needle)
{
	const char *p;
	int count = 0;

	for (p = q->log; p && (p = strstr(p, needle)); p++)
		count++;
	return count;
}

bool qemu_wait(struct qemu *q, const char *needle, int n, double timeout_s)
{
	double end = now() + timeout_s;

	while (qemu_count(q, needle) < n) {
		if (now() >= end || !console_read(q, end - now()))
			return false;
	}
	return true;
}

/* Account for an event line; QMP prints one JSON object per line. */
static void qmp_event(struct qemu *q, const char *line)
{
	if (!strstr(line, "\"event\": \"RESET\""))
		return;
	q->resets++;
	if (strstr(line, "\"in-place\": true"))
		q->resets_in_place++;
	else if (!strstr(line, "\"in-place\""))
		q->resets_no_in_place++;
}

int qmp(struct qemu *q, const char *cmd, char *reply, size_t size)
{
	char line[4096];

	if (cmd && dprintf(q->qmp, "%s\n", cmd) < 0)
		return -errno;
	while (fgets(line, sizeof(line), q->qmp_in)) {
		if (strstr(line, "\"event\"")) {
			qmp_event(q, line);
			continue;
		}
		if (!strncmp(line, "{\"return\"", 9) ||
		    !strncmp(line, "{\"error\"", 8) ||
		    !strncmp(line, "{\"QMP\"", 6)) {
			snprintf(reply, size, "%s", line);
			return strncmp(line, "{\"error\"", 8) ? 0 : -EINVAL;
		}
	}
	return -EPIPE;
}

int qemu_quit(struct qemu *q)
{
	char reply[256];
	int status;

	if (qmp(q, "{\"execute\": \"quit\"}", reply, sizeof(reply)))
		kill(q->pid, SIGKILL);
	if (waitpid(q->pid, &status, 0) != q->pid)
		return -1;
	q->pid = 0;
	return status;
}

void qemu_cleanup(struct qemu *q)
{
	char path[96];

	if (q->pid > 0) {
		kill(q->pid, SIGKILL);
		waitpid(q->pid, NULL, 0);
		q->pid = 0;
	}
	if (q->qmp_in)
		fclose(q->qmp_in);
	else if (q->qmp >= 0)
		close(q->qmp);
	q->qmp_in = NULL;
	q->qmp = -1;
	if (q->console > 0)
		close(q->console);
	q->console = -1;
	snprintf(path, sizeof(path), "%s/qmp", q->dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/" QEMU_QMP_TOOL, q->dir);
	unlink(path);
	rmdir(q->dir);
	free(q->log);
	q->log = NULL;
}

int qemu_find_fd(pid_t pid, const char *target)
{
	char path[300], link[64];
	struct dirent *de;
	int fd = -1;
	ssize_t n;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%d/fd", pid);
	d = opendir(path);
	if (!d)
		return -1;
	while (fd < 0 && (de = readdir(d))) {
		snprintf(path, sizeof(path), "/proc/%d/fd/%s", pid, de->d_name);
		n = readlink(path, link, sizeof(link) - 1);
		if (n < 0)
			continue;
		link[n] = '\0';
		if (!strcmp(link, target))
			fd = atoi(de->d_name);
	}
	closedir(d);
	return fd;
}

int qemu_grab_fd(pid_t pid, int fd)
{
	int pidfd, copy;

	pidfd = syscall(SYS_pidfd_open, pid, 0);
	if (pidfd < 0)
		return -1;
	copy = syscall(SYS_pidfd_getfd, pidfd, fd, 0);
	close(pidfd);
	return copy;
}

bool qemu_same_file(pid_t pid, int fd, int copy)
{
	return fd >= 0 &&
	       !syscall(SYS_kcmp, getpid(), pid, KCMP_FILE, copy, fd);
}

void qemu_count_resets(const struct kcr_event *ev, void *opaque)
{
	struct qemu_uevents *u = opaque;

	if (ev->type != KCR_EVENT_RESET || ev->pid != u->pid)
		return;
	u->resets++;
	snprintf(u->stats_path, sizeof(u->stats_path), "%s", ev->stats_path);
}
