// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * kcr_monitor_dispatch() and the monitor command when the uevent socket
 * overflows or floods: this program's recvmsg() stands in for the kernel's
 * on the monitor's socket and answers ENOBUFS, then a KVM uevent, then
 * EAGAIN; or, in flood mode, a uevent each time, KVM's and another
 * device's in turn (and SIGTERM once after 1,000, as an operator's Ctrl-C).
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/netlink.h>

#include "cli.h"
#include "kvmcocoreset.h"
#include "kselftest_harness.h"

static int fake_fd = -1;
static int step;
static int flood;

/* In flood mode every netlink socket is the fake: the command opens its own. */
static int faked(int fd)
{
	int domain = 0;
	socklen_t len = sizeof(domain);

	if (flood)
		return !getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &len) &&
		       domain == AF_NETLINK;
	return fd == fake_fd;
}

int poll(struct pollfd *fds, nfds_t nfds, int timeout)
{
	int (*real)(struct pollfd *, nfds_t, int) = dlsym(RTLD_NEXT, "poll");

	if (nfds == 1 && faked(fds[0].fd)) {
		fds[0].revents = POLLIN;
		return 1;
	}
	return real(fds, nfds, timeout);
}

static const char reset_uevent[] =
	"change@/devices/virtual/misc/kvm\0ACTION=change\0"
	"DEVPATH=/devices/virtual/misc/kvm\0SUBSYSTEM=misc\0CREATED=1\0"
	"COUNT=1\0EVENT=reset\0VM_TYPE=0\0DURATION_NS=10\0PID=77";
static const char net_uevent[] =
	"add@/devices/virtual/net/lo\0ACTION=add\0DEVPATH=/devices/virtual/net/lo\0"
	"SUBSYSTEM=net";

/* A dispatch reads at most this many messages (lib/uevent.c). */
#define BATCH	64

ssize_t recvmsg(int fd, struct msghdr *msg, int flags)
{
	ssize_t (*real)(int, struct msghdr *, int) = dlsym(RTLD_NEXT, "recvmsg");
	struct sockaddr_nl *from = msg->msg_name;

	if (!faked(fd))
		return real(fd, msg, flags);
	if (flood && ++step == 1000)
		raise(SIGTERM);
	if (flood && step % 2) {
		memset(from, 0, sizeof(*from));
		memcpy(msg->msg_iov[0].iov_base, net_uevent, sizeof(net_uevent));
		return sizeof(net_uevent);
	}
	switch (flood ? 1 : step++) {
	case 0:
		errno = ENOBUFS;
		return -1;
	case 1:
		memset(from, 0, sizeof(*from));
		from->nl_family = AF_NETLINK;
		msg->msg_namelen = sizeof(*from);
		memcpy(msg->msg_iov[0].iov_base, reset_uevent, sizeof(reset_uevent));
		return sizeof(reset_uevent);
	default:
		errno = EAGAIN;
		return -1;
	}
}

struct seen {
	int lost, resets;
	pid_t pid;
};

static void count(const struct kcr_event *ev, void *opaque)
{
	struct seen *seen = opaque;

	if (ev->type == KCR_EVENT_LOST)
		seen->lost++;
	if (ev->type == KCR_EVENT_RESET) {
		seen->resets++;
		seen->pid = ev->pid;
	}
}

TEST(overflow_is_reported_and_the_monitor_goes_on)
{
	struct kcr_monitor *mon;
	struct seen seen = { 0 };
	int r;

	r = kcr_monitor_open(&mon);
	ASSERT_EQ(0, r) TH_LOG("uevent socket: %s", kcr_strerror(r));
	fake_fd = kcr_monitor_fd(mon);

	r = kcr_monitor_dispatch(mon, count, &seen);
	ASSERT_LE(0, r) TH_LOG("dispatch after ENOBUFS: %s", kcr_strerror(r));
	EXPECT_EQ(2, r);
	EXPECT_EQ(1, seen.lost);
	EXPECT_EQ(1, seen.resets);
	EXPECT_EQ(77, seen.pid);
	EXPECT_STREQ("lost", kcr_event_name(KCR_EVENT_LOST));
	kcr_monitor_close(mon);
}

/* A flood is handled in batches: the caller's main loop gets its turn. */
TEST(dispatch_is_bounded)
{
	struct kcr_monitor *mon;
	struct seen seen = { 0 };

	ASSERT_EQ(0, kcr_monitor_open(&mon));
	flood = 1;
	/* Other devices' uevents count against the bound too. */
	EXPECT_EQ(BATCH / 2, kcr_monitor_dispatch(mon, count, &seen));
	EXPECT_EQ(BATCH / 2, seen.resets);
	EXPECT_EQ(BATCH, step);
	kcr_monitor_close(mon);
}

/* Point this test's stdout (fd 1) at @path: 0, or -1. */
static int stdout_to(const char *path)
{
	int fd = open(path, O_WRONLY), r;

	if (fd < 0)
		return -1;
	r = dup2(fd, STDOUT_FILENO) < 0 ? -1 : 0;
	close(fd);
	return r;
}

/* The monitor command sees SIGTERM during a flood, and exits 0. */
TEST(monitor_stops_on_signal_in_a_flood)
{
	char *argv[] = { "monitor", NULL };

	ASSERT_EQ(0, stdout_to("/dev/null"));
	flood = 1;
	EXPECT_EQ(EXIT_OK, cmd_monitor(1, argv));
	EXPECT_GT(1000 + 2 * BATCH, step);
}

/* A write error (here ENOSPC) ends the monitor at once, exit 1. */
TEST(monitor_stops_on_write_error)
{
	char *argv[] = { "monitor", NULL };

	ASSERT_EQ(0, stdout_to("/dev/full"));
	flood = 1;
	EXPECT_EQ(EXIT_FAILED, cmd_monitor(1, argv));
	EXPECT_GT(BATCH + 1, step);
	/* What close_stdout() will report: the write's own errno. */
	EXPECT_EQ(-ENOSPC, flush_stdout());
}

/* The receive buffer is enlarged, beyond rmem_max where that is allowed. */
TEST(receive_buffer)
{
	struct kcr_monitor *mon;
	socklen_t len = sizeof(int);
	int size = 0;

	if (geteuid())
		SKIP(return, "SO_RCVBUFFORCE needs CAP_NET_ADMIN; not root");
	ASSERT_EQ(0, kcr_monitor_open(&mon));
	ASSERT_EQ(0, getsockopt(kcr_monitor_fd(mon), SOL_SOCKET, SO_RCVBUF,
				&size, &len));
	EXPECT_LE(KCR_MONITOR_RCVBUF, size);
	kcr_monitor_close(mon);
}

TEST_HARNESS_MAIN
