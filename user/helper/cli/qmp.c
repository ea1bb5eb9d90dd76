// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A small QMP client: connect to QEMU's monitor socket, system_reset, and
 * wait for the RESET event.  QEMU with the kvm-coco-reset hook says in
 * the event's "in-place" member whether KVM_RESET_VM did the reset.  QMP
 * messages are JSON objects, one a line; only the members needed here
 * are looked at.
 */
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "cli.h"

struct qmp {
	int fd;
	int timeout_ms;
	size_t len;
	char buf[8192];
};

int qmp_connect(const char *path)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	int fd, r;

	if (strlen(path) >= sizeof(addr.sun_path))
		return -ENAMETOOLONG;
	strcpy(addr.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&addr, sizeof(addr))) {
		r = -errno;
		close(fd);
		return r;
	}
	return fd;
}

/* The next line QEMU sent, NUL-terminated in place of its '\n'. */
static int read_line(struct qmp *q, char *line, size_t size)
{
	struct pollfd pfd = { .fd = q->fd, .events = POLLIN };
	char *nl;
	ssize_t n;
	size_t len;

	while (!(nl = memchr(q->buf, '\n', q->len))) {
		if (q->len == sizeof(q->buf))
			return -EPROTO;
		n = poll(&pfd, 1, q->timeout_ms);
		if (n == 0)
			return -ETIMEDOUT;
		if (n > 0)
			n = read(q->fd, q->buf + q->len, sizeof(q->buf) - q->len);
		if (n == 0)
			return -ECONNRESET;
		if (n < 0 && errno != EINTR)
			return -errno;
		if (n > 0)
			q->len += n;
	}
	len = nl - q->buf;
	if (len >= size)
		return -EPROTO;
	memcpy(line, q->buf, len);
	line[len] = '\0';
	q->len -= len + 1;
	memmove(q->buf, nl + 1, q->len);
	return 0;
}

static int send_command(struct qmp *q, const char *cmd)
{
	char msg[128];
	size_t len = snprintf(msg, sizeof(msg), "{\"execute\":\"%s\"}\n", cmd);
	ssize_t n = send(q->fd, msg, len, MSG_NOSIGNAL);

	if (n < 0)
		return -errno;
	return (size_t)n == len ? 0 : -EIO;
}

/* The value of member @key in @line (a JSON object), or NULL. */
static const char *member(const char *line, const char *key)
{
	size_t len = strlen(key);
	const char *p;

	for (p = line; (p = strchr(p, '"')); p++) {
		if (p > line && p[-1] == '\\')
			continue;
		if (strncmp(p + 1, key, len) || p[len + 1] != '"')
			continue;
		p += len + 2;
		p += strspn(p, " \t");
		if (*p != ':')
			continue;
		return p + 1 + strspn(p + 1, " \t");
	}
	return NULL;
}

/* Copy the JSON string at @value (unescaping nothing but \") into @out. */
static void copy_string(const char *value, char *out, size_t size)
{
	size_t n = 0;

	if (!size)
		return;
	if (value && *value == '"')
		for (value++; *value && *value != '"' && n + 1 < size; value++) {
			if (*value == '\\' && value[1])
				value++;
			out[n++] = *value;
		}
	out[n] = '\0';
}

/* The reply to the last command: 0, or -EPROTO with QEMU's error. */
static int reply(const char *line, bool *done, char *msg, size_t msg_len)
{
	const char *err = member(line, "error");

	if (member(line, "event"))
		return 0;
	if (err) {
		copy_string(member(err, "desc"), msg, msg_len);
		return -EPROTO;
	}
	if (member(line, "return"))
		*done = true;
	return 0;
}

static bool is_reset_event(const char *line)
{
	const char *ev = member(line, "event");

	return ev && !strncmp(ev, "\"RESET\"", 7);
}

static enum qmp_in_place in_place_of(const char *line)
{
	const char *v = member(line, "in-place");

	if (v && !strncmp(v, "true", 4))
		return QMP_IN_PLACE_YES;
	if (v && !strncmp(v, "false", 5))
		return QMP_IN_PLACE_NO;
	return QMP_IN_PLACE_UNKNOWN;
}

int qmp_system_reset(int fd, int timeout_ms, enum qmp_in_place *in_place,
		     char *msg, size_t msg_len)
{
	struct qmp q = { .fd = fd, .timeout_ms = timeout_ms };
	bool done = false, reset = false;
	char line[sizeof(q.buf)];
	int r;

	copy_string(NULL, msg, msg_len);
	r = read_line(&q, line, sizeof(line));
	if (r)
		return r;
	if (!member(line, "QMP")) {
		copy_string("\"not a QMP greeting\"", msg, msg_len);
		return -EPROTO;
	}

	r = send_command(&q, "qmp_capabilities");
	while (!r && !done && !(r = read_line(&q, line, sizeof(line))))
		r = reply(line, &done, msg, msg_len);
	if (r)
		return r;

	done = false;
	r = send_command(&q, "system_reset");
	while (!r && !(done && reset) && !(r = read_line(&q, line, sizeof(line)))) {
		if (is_reset_event(line)) {
			reset = true;
			*in_place = in_place_of(line);
		} else {
			r = reply(line, &done, msg, msg_len);
		}
	}
	return r;
}
