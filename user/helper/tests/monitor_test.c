// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * kcr_monitor_dispatch() when the uevent socket overflows: this program's
 * recvmsg() stands in for the kernel's on the monitor's socket and answers
 * ENOBUFS, then a KVM uevent, then EAGAIN.
 */
#include <dlfcn.h>
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/netlink.h>

#include "kvmcocoreset.h"
#include "kselftest_harness.h"

static int fake_fd = -1;
static int step;

static const char reset_uevent[] =
	"change@/devices/virtual/misc/kvm\0ACTION=change\0"
	"DEVPATH=/devices/virtual/misc/kvm\0SUBSYSTEM=misc\0CREATED=1\0"
	"COUNT=1\0EVENT=reset\0VM_TYPE=0\0DURATION_NS=10\0PID=77";

ssize_t recvmsg(int fd, struct msghdr *msg, int flags)
{
	ssize_t (*real)(int, struct msghdr *, int) = dlsym(RTLD_NEXT, "recvmsg");
	struct sockaddr_nl *from = msg->msg_name;

	if (fd != fake_fd)
		return real(fd, msg, flags);
	switch (step++) {
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
