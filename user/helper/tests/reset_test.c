// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * kcr_reset() against a fake KVM (the test links with --wrap=ioctl): the
 * capability is probed first, and the result says what KVM wrote.
 */
#include <errno.h>
#include <stdarg.h>
#include <string.h>
#include <sys/ioctl.h>
#include <linux/kvm.h>

#include "kvmcocoreset.h"
#include "kselftest_harness.h"

#define FAKE_VM_FD	1000

static struct {
	int cap;		/* KVM_CHECK_EXTENSION(KVM_CAP_VM_RESET) */
	int err;		/* KVM_RESET_VM's errno, 0 for success */
	__u64 state, hw_error;	/* what KVM_RESET_VM writes back */
	int resets;		/* KVM_RESET_VM calls */
} kvm;

int __real_ioctl(int fd, unsigned long req, ...);

int __wrap_ioctl(int fd, unsigned long req, ...)
{
	struct kvm_reset_vm *args;
	va_list ap;
	void *arg;

	va_start(ap, req);
	arg = va_arg(ap, void *);
	va_end(ap);
	if (fd != FAKE_VM_FD)
		return __real_ioctl(fd, req, arg);
	if (req == KVM_CHECK_EXTENSION)
		return (long)arg == KVM_CAP_VM_RESET ? kvm.cap : 0;
	if (req != KVM_RESET_VM) {
		errno = ENOTTY;
		return -1;
	}
	kvm.resets++;
	args = arg;
	args->state = kvm.state;
	args->hw_error = kvm.hw_error;
	errno = kvm.err;
	return kvm.err ? -1 : 0;
}

static void poison(struct kcr_reset_result *res)
{
	memset(res, 0xa5, sizeof(*res));
}

/* A KVM without KVM_RESET_VM (or this VM's type) is not asked to reset. */
TEST(no_capability)
{
	struct kcr_reset_result res;

	kvm.cap = 0;
	poison(&res);
	EXPECT_EQ(-EOPNOTSUPP, kcr_reset(FAKE_VM_FD, 0, 0, &res));
	EXPECT_EQ(0, kvm.resets);
	EXPECT_EQ((int)KCR_STATE_NONE, (int)res.state);
	EXPECT_EQ(0u, res.hw_error);
	EXPECT_NE(NULL, strstr(kcr_strerror(-EOPNOTSUPP), "KVM_RESET_VM"));
}

TEST(done)
{
	struct kcr_reset_result res;

	kvm.cap = 1;
	kvm.state = KCR_STATE_DONE;
	poison(&res);
	EXPECT_EQ(0, kcr_reset(FAKE_VM_FD, 0, 0, &res));
	EXPECT_EQ(1, kvm.resets);
	EXPECT_EQ((int)KCR_STATE_DONE, (int)res.state);
	EXPECT_EQ(0u, res.hw_error);
	for (size_t i = 0; i < sizeof(res.reserved) / sizeof(res.reserved[0]); i++)
		EXPECT_EQ(0u, res.reserved[i]);
}

/* A refusal leaves the VM untouched: state NONE, whatever was in res. */
TEST(refused)
{
	struct kcr_reset_result res;

	kvm.cap = 1;
	kvm.err = EBUSY;
	kvm.state = KCR_STATE_NONE;
	poison(&res);
	EXPECT_EQ(-EBUSY, kcr_reset(FAKE_VM_FD, 0, 0, &res));
	EXPECT_EQ((int)KCR_STATE_NONE, (int)res.state);
}

TEST(reinit_pending)
{
	struct kcr_reset_result res;

	kvm.cap = 1;
	kvm.err = EAGAIN;
	kvm.state = KCR_STATE_REINIT_PENDING;
	kvm.hw_error = 0x1234;
	EXPECT_EQ(-EAGAIN, kcr_reset(FAKE_VM_FD, 0, 0, &res));
	EXPECT_EQ((int)KCR_STATE_REINIT_PENDING, (int)res.state);
	EXPECT_EQ(0x1234u, res.hw_error);
}

/* Not a VM fd: the probe's answer, and nothing else tried. */
TEST(not_a_vm)
{
	struct kcr_reset_result res;

	poison(&res);
	EXPECT_EQ(-EBADF, kcr_reset(-1, 0, 0, &res));
	EXPECT_EQ((int)KCR_STATE_NONE, (int)res.state);
}

/* The library's messages name no option of the command. */
TEST(messages_name_no_command_option)
{
	for (int e = 1; e < 134; e++) {
		EXPECT_EQ(NULL, strstr(kcr_strerror(-e), "--"))
			TH_LOG("errno %d: %s", e, kcr_strerror(-e));
	}
}

TEST_HARNESS_MAIN
