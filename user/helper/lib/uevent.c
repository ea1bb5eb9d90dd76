// SPDX-License-Identifier: LGPL-2.1-or-later
/* KVM's VM uevents: parsing, and a libnl listener for a main loop. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/netlink.h>
#include <netlink/netlink.h>
#include <netlink/socket.h>
#include <sys/socket.h>

#include "kvmcocoreset.h"

/* Kernel uevents go to multicast group 1 of NETLINK_KOBJECT_UEVENT. */
#define UEVENT_KERNEL_GROUP	1
/* A uevent is at most UEVENT_BUFFER_SIZE (2048) plus its header. */
#define UEVENT_MAX		8192
/* Messages read by one kcr_monitor_dispatch(), KVM's or not. */
#define DISPATCH_BATCH		64

static const char *const event_names[] = {
	[KCR_EVENT_CREATE] = "create",
	[KCR_EVENT_DESTROY] = "destroy",
	[KCR_EVENT_RESET] = "reset",
	[KCR_EVENT_LOST] = "lost",
};

const char *kcr_event_name(enum kcr_event_type type)
{
	return type <= KCR_EVENT_LOST ? event_names[type] : "unknown";
}

/* Parse an unsigned decimal value that must fill the whole string. */
static int parse_u64(const char *s, uint64_t *v)
{
	char *end;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	*v = strtoull(s, &end, 10);
	return errno || *end ? -EINVAL : 0;
}

static int parse_event(const char *s, enum kcr_event_type *type)
{
	for (int i = 0; i <= KCR_EVENT_RESET; i++) {
		if (!strcmp(s, event_names[i])) {
			*type = i;
			return 0;
		}
	}
	return -EINVAL;
}

/* Apply one KEY=VALUE of a KVM uevent; unknown keys are ignored. */
static int parse_key(const char *kv, struct kcr_event *ev, int *have_event)
{
	const char *val = strchr(kv, '=');
	uint64_t v;
	int r = 0;

	if (!val)
		return -EINVAL;
	val++;
	if (!strncmp(kv, "EVENT=", 6)) {
		r = parse_event(val, &ev->type);
		*have_event = !r;
	} else if (!strncmp(kv, "PID=", 4)) {
		r = parse_u64(val, &v);
		if (!r && (!v || v > INT_MAX))
			r = -EINVAL;
		ev->pid = r ? 0 : v;
	} else if (!strncmp(kv, "VM_TYPE=", 8)) {
		r = parse_u64(val, &v);
		if (!r && v > INT_MAX)
			r = -EINVAL;
		ev->vm_type = r ? -1 : (long)v;
	} else if (!strncmp(kv, "DURATION_NS=", 12)) {
		r = parse_u64(val, &ev->duration_ns);
	} else if (!strncmp(kv, "CREATED=", 8)) {
		r = parse_u64(val, &ev->created);
	} else if (!strncmp(kv, "COUNT=", 6)) {
		r = parse_u64(val, &ev->count);
	} else if (!strncmp(kv, "STATS_PATH=", 11)) {
		if (strlen(val) >= sizeof(ev->stats_path))
			return -EINVAL;
		strcpy(ev->stats_path, val);
	}
	return r;
}

/*
 * A kernel uevent is "ACTION@DEVPATH" followed by KEY=VALUE strings, each
 * NUL-terminated.  KVM's come from the kvm misc device and carry EVENT=.
 */
int kcr_uevent_parse(const char *msg, size_t len, struct kcr_event *ev)
{
	const char *p, *end = msg + len;
	int have_event = 0, is_kvm = 0, bad = 0;

	if (!len || msg[len - 1] != '\0' || !strchr(msg, '@'))
		return -EINVAL;

	memset(ev, 0, sizeof(*ev));
	ev->vm_type = -1;
	for (p = msg + strlen(msg) + 1; p < end; p += strlen(p) + 1) {
		if (!strcmp(p, "DEVPATH=/devices/virtual/misc/kvm"))
			is_kvm = 1;
		else if (parse_key(p, ev, &have_event))
			bad = 1;
	}
	if (!is_kvm)
		return -ENOENT;
	if (bad || !have_event || !ev->pid)
		return -EINVAL;
	return 0;
}

struct kcr_monitor {
	struct nl_sock *sock;
};

/* As large a receive buffer as the caller may have. */
static void enlarge_rcvbuf(struct nl_sock *sock)
{
	int size = KCR_MONITOR_RCVBUF;

	if (setsockopt(nl_socket_get_fd(sock), SOL_SOCKET, SO_RCVBUFFORCE,
		       &size, sizeof(size)))
		nl_socket_set_buffer_size(sock, size, 0);
}

int kcr_monitor_open(struct kcr_monitor **monitor)
{
	struct kcr_monitor *m;
	int r;

	m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	m->sock = nl_socket_alloc();
	if (!m->sock) {
		free(m);
		return -ENOMEM;
	}
	nl_socket_disable_seq_check(m->sock);
	r = nl_connect(m->sock, NETLINK_KOBJECT_UEVENT);
	if (!r)
		r = nl_socket_add_memberships(m->sock, UEVENT_KERNEL_GROUP, 0);
	if (!r)
		r = nl_socket_set_nonblocking(m->sock);
	if (r) {
		nl_socket_free(m->sock);
		free(m);
		return r == -NLE_PERM ? -EPERM : -EIO;
	}
	enlarge_rcvbuf(m->sock);
	*monitor = m;
	return 0;
}

int kcr_monitor_fd(const struct kcr_monitor *monitor)
{
	return nl_socket_get_fd(monitor->sock);
}

static ssize_t recv_uevent(int fd, char *buf, struct sockaddr_nl *from)
{
	struct iovec iov = { .iov_base = buf, .iov_len = UEVENT_MAX };
	struct msghdr msg = {
		.msg_name = from,
		.msg_namelen = sizeof(*from),
		.msg_iov = &iov,
		.msg_iovlen = 1,
	};
	ssize_t n;

	do {
		n = recvmsg(fd, &msg, MSG_DONTWAIT);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	/* A message larger than any uevent is nobody's uevent. */
	return msg.msg_flags & MSG_TRUNC ? 0 : n;
}

int kcr_monitor_dispatch(struct kcr_monitor *monitor, kcr_event_fn fn,
			 void *opaque)
{
	const struct kcr_event lost = { .type = KCR_EVENT_LOST, .vm_type = -1 };
	int fd = nl_socket_get_fd(monitor->sock);
	struct sockaddr_nl from;
	struct kcr_event ev;
	char *buf;
	ssize_t n;
	int events = 0, i;

	buf = malloc(UEVENT_MAX);
	if (!buf)
		return -ENOMEM;
	for (i = 0; i < DISPATCH_BATCH; i++) {
		n = recv_uevent(fd, buf, &from);
		if (n == -ENOBUFS) {
			/* The socket overflowed: say so, and go on. */
			fn(&lost, opaque);
			events++;
			continue;
		}
		if (n < 0)
			break;
		/* Only the kernel (port 0) sends uevents we trust. */
		if (n && !from.nl_pid && !kcr_uevent_parse(buf, n, &ev)) {
			fn(&ev, opaque);
			events++;
		}
	}
	free(buf);
	return i == DISPATCH_BATCH || n == -EAGAIN ? events : n;
}

void kcr_monitor_close(struct kcr_monitor *monitor)
{
	if (!monitor)
		return;
	nl_socket_free(monitor->sock);
	free(monitor);
}
