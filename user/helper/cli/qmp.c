// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A small QMP client: connect to QEMU's monitor socket, system_reset, and
 * wait for the RESET event that answers it.  QEMU with the kvm-coco-reset
 * hook says in the event's "in-place" member whether KVM_RESET_VM did the
 * reset.  QMP messages are JSON objects, one a line, or spread over lines
 * when the monitor has pretty=on; messages are therefore split where an
 * object ends, and only the top-level members needed here are looked at.
 */
#include <ctype.h>
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

/* The longest QMP message taken; QEMU's greeting and events are far shorter. */
#define QMP_MSG_MAX	65536

struct qmp {
	int fd;
	struct timespec deadline;
	size_t len;	/* bytes in buf */
	size_t scan;	/* bytes of buf already scanned for an object's end */
	int depth;	/* the scan's nesting depth */
	bool in_string, escaped;
	char buf[QMP_MSG_MAX];
	char msg[QMP_MSG_MAX + 1];	/* the message read_message() returned */
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

/* Milliseconds left until the deadline, 0 if it has passed. */
static int time_left(const struct qmp *q)
{
	struct timespec now;
	long long ms;

	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (q->deadline.tv_sec - now.tv_sec) * 1000LL +
	     (q->deadline.tv_nsec - now.tv_nsec) / 1000000;
	return ms > 0 ? (int)ms : 0;
}

/*
 * Scan the new bytes of the buffer; true when the object that starts at
 * buf[0] ends at buf[scan - 1].
 */
static bool object_complete(struct qmp *q)
{
	for (; q->scan < q->len; q->scan++) {
		char c = q->buf[q->scan];

		if (q->escaped)
			q->escaped = false;
		else if (q->in_string && c == '\\')
			q->escaped = true;
		else if (c == '"')
			q->in_string = !q->in_string;
		else if (!q->in_string && (c == '{' || c == '['))
			q->depth++;
		else if (!q->in_string && (c == '}' || c == ']') && !--q->depth) {
			q->scan++;
			return true;
		}
	}
	return false;
}

/* Drop the whitespace between messages from the front of the buffer. */
static void skip_space(struct qmp *q)
{
	size_t n = 0;

	while (n < q->len && strchr(" \t\r\n", q->buf[n]))
		n++;
	q->len -= n;
	memmove(q->buf, q->buf + n, q->len);
}

/* The next message QEMU sent, as a NUL-terminated string in q->msg. */
static int read_message(struct qmp *q, char *err, size_t err_len)
{
	struct pollfd pfd = { .fd = q->fd, .events = POLLIN };
	ssize_t n;

	for (;;) {
		skip_space(q);
		if (q->len && q->buf[0] != '{') {
			snprintf(err, err_len, "not a QMP message");
			return -EPROTO;
		}
		if (q->len && object_complete(q))
			break;
		if (q->len == sizeof(q->buf)) {
			snprintf(err, err_len, "a message longer than %d bytes",
				 QMP_MSG_MAX);
			return -EPROTO;
		}
		/* Checked here too: a peer that never pauses must not keep us. */
		if (!time_left(q))
			return -ETIMEDOUT;
		n = poll(&pfd, 1, time_left(q));
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
	memcpy(q->msg, q->buf, q->scan);
	q->msg[q->scan] = '\0';
	q->len -= q->scan;
	memmove(q->buf, q->buf + q->scan, q->len);
	q->scan = 0;
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

static const char *json_space(const char *p)
{
	return p + strspn(p, " \t\r\n");
}

/* The end of the JSON string at @p (its opening quote), or NULL. */
static const char *string_end(const char *p)
{
	for (p++; *p && *p != '"'; p++)
		if (*p == '\\' && !*++p)
			return NULL;
	return *p ? p + 1 : NULL;
}

/* The end of the JSON value at @p, or NULL if it is malformed. */
static const char *value_end(const char *p)
{
	int depth = 0;

	if (*p == '"')
		return string_end(p);
	if (*p != '{' && *p != '[')
		return p[strcspn(p, ",}] \t\r\n")] ? p + strcspn(p, ",}] \t\r\n") : NULL;
	for (; *p; p++) {
		if (*p == '"') {
			p = string_end(p);
			if (!p)
				return NULL;
			p--;
		} else if (*p == '{' || *p == '[') {
			depth++;
		} else if ((*p == '}' || *p == ']') && !--depth) {
			return p + 1;
		}
	}
	return NULL;
}

/* The value of the top-level member @key of the JSON object @obj, or NULL. */
static const char *member(const char *obj, const char *key)
{
	size_t len = strlen(key);
	const char *p, *name;
	bool match;

	if (!obj)
		return NULL;
	p = json_space(obj);
	if (*p != '{')
		return NULL;
	for (p = json_space(p + 1); *p == '"'; p = json_space(p + 1)) {
		name = p + 1;
		p = string_end(p);
		if (!p)
			return NULL;
		match = (size_t)(p - 1 - name) == len && !strncmp(name, key, len);
		p = json_space(p);
		if (*p != ':')
			return NULL;
		p = json_space(p + 1);
		if (match)
			return p;
		p = value_end(p);
		if (!p)
			return NULL;
		p = json_space(p);
		if (*p != ',')
			return NULL;
	}
	return NULL;
}

/* Whether @value is the JSON literal or string @expect (quotes included). */
static bool is(const char *value, const char *expect)
{
	size_t len = strlen(expect);

	return value && !strncmp(value, expect, len) &&
	       (expect[0] == '"' || !value[len] || strchr(",}] \t\r\n", value[len]));
}

static char unescape(char c)
{
	switch (c) {
	case 'b':
		return '\b';
	case 'f':
		return '\f';
	case 'n':
		return '\n';
	case 'r':
		return '\r';
	case 't':
		return '\t';
	case 'u':
		/* \uXXXX: QEMU's writer escapes every non-ASCII character. */
		return '?';
	default:
		return c;	/* '"', '\\' and '/' */
	}
}

/* Copy the JSON string at @value, unescaped, into @out ("" if none). */
static void copy_string(const char *value, char *out, size_t size)
{
	size_t n = 0;

	if (!size)
		return;
	if (value && *value == '"') {
		for (value++; *value && *value != '"' && n + 1 < size; value++) {
			if (*value != '\\' || !value[1]) {
				out[n++] = *value;
				continue;
			}
			out[n++] = unescape(*++value);
			if (*value == 'u')
				for (int i = 0; i < 4 && isxdigit((unsigned char)value[1]); i++)
					value++;
		}
	}
	out[n] = '\0';
}

/* The reply to the last command: 0, or -EPROTO with QEMU's error. */
static int reply(const char *msg, bool *done, char *err, size_t err_len)
{
	const char *error = member(msg, "error");

	if (member(msg, "event"))
		return 0;
	if (error) {
		char desc[256];

		copy_string(member(error, "desc"), desc, sizeof(desc));
		snprintf(err, err_len, "QEMU answered: %s", desc);
		return -EPROTO;
	}
	if (member(msg, "return"))
		*done = true;
	return 0;
}

/*
 * The RESET event of our system_reset: not the guest's own reboot, which
 * may be reported in the same window (guest true, another reason).
 */
static bool is_our_reset(const char *msg)
{
	const char *data = member(msg, "data");

	return is(member(msg, "event"), "\"RESET\"") &&
	       is(member(data, "guest"), "false") &&
	       is(member(data, "reason"), "\"host-qmp-system-reset\"");
}

static enum qmp_in_place in_place_of(const char *msg)
{
	const char *v = member(member(msg, "data"), "in-place");

	if (is(v, "true"))
		return QMP_IN_PLACE_YES;
	if (is(v, "false"))
		return QMP_IN_PLACE_NO;
	return QMP_IN_PLACE_UNKNOWN;
}

static int exchange(struct qmp *q, enum qmp_in_place *in_place, char *err,
		    size_t err_len)
{
	bool done = false, reset = false;
	int r;

	r = read_message(q, err, err_len);
	if (r)
		return r;
	if (!member(q->msg, "QMP")) {
		snprintf(err, err_len, "not a QMP greeting");
		return -EPROTO;
	}

	r = send_command(q, "qmp_capabilities");
	while (!r && !done && !(r = read_message(q, err, err_len)))
		r = reply(q->msg, &done, err, err_len);
	if (r)
		return r;

	done = false;
	r = send_command(q, "system_reset");
	while (!r && !(done && reset) && !(r = read_message(q, err, err_len))) {
		if (is_our_reset(q->msg)) {
			reset = true;
			*in_place = in_place_of(q->msg);
		} else {
			r = reply(q->msg, &done, err, err_len);
		}
	}
	return r;
}

int qmp_system_reset(int fd, int timeout_ms, enum qmp_in_place *in_place,
		     char *err, size_t err_len)
{
	struct qmp *q;
	int r;

	copy_string(NULL, err, err_len);
	q = calloc(1, sizeof(*q));
	if (!q)
		return -ENOMEM;
	q->fd = fd;
	clock_gettime(CLOCK_MONOTONIC, &q->deadline);
	q->deadline.tv_sec += timeout_ms / 1000;
	q->deadline.tv_nsec += (timeout_ms % 1000) * 1000000L;
	if (q->deadline.tv_nsec >= 1000000000L) {
		q->deadline.tv_sec++;
		q->deadline.tv_nsec -= 1000000000L;
	}
	r = exchange(q, in_place, err, err_len);
	free(q);
	return r;
}
