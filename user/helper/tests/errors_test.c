// SPDX-License-Identifier: GPL-2.0-or-later
/* Every errno of the KVM_RESET_VM uAPI has its own message and exit code. */
#include <errno.h>
#include <string.h>

#include "cli.h"
#include "kvmcocoreset.h"
#include "kselftest_harness.h"

TEST(uapi_errnos_have_specific_messages)
{
	static const int uapi[] = { EINVAL, EOPNOTSUPP, EBUSY, EFAULT, EIO,
				    EAGAIN, ENOSPC, ENOMEM, ENOTTY };

	for (size_t i = 0; i < sizeof(uapi) / sizeof(uapi[0]); i++) {
		const char *neg = kcr_strerror(-uapi[i]);

		EXPECT_STREQ(neg, kcr_strerror(uapi[i]));
		EXPECT_STRNE(strerror(uapi[i]), neg);
	}
	EXPECT_NE(NULL, strstr(kcr_strerror(-EBUSY), "stop the vCPUs"));
	EXPECT_NE(NULL, strstr(kcr_strerror(-ENOTUNIQ), "several KVM VMs"));
}

/* Permission errors come from /dev/kvm as much as from other processes. */
TEST(permission_message_blames_nobody)
{
	EXPECT_STREQ("permission denied", kcr_strerror(-EACCES));
	EXPECT_STREQ("permission denied", kcr_strerror(-EPERM));
}

TEST(unknown_errno_falls_back_to_strerror)
{
	EXPECT_STREQ(strerror(EXDEV), kcr_strerror(-EXDEV));
	EXPECT_STREQ("success", kcr_strerror(0));
	/* The library's words fit every caller: no CLI, socket or option in them. */
	EXPECT_STREQ("not found", kcr_strerror(-ENOENT));
}

TEST(exit_codes)
{
	EXPECT_EQ(EXIT_OK, exit_code(0));
	EXPECT_EQ(EXIT_UNSUPPORTED, exit_code(-EOPNOTSUPP));
	EXPECT_EQ(EXIT_UNSUPPORTED, exit_code(-ENOTTY));
	EXPECT_EQ(EXIT_NOT_FOUND, exit_code(-ESRCH));
	EXPECT_EQ(EXIT_NOT_FOUND, exit_code(-ENOENT));
	EXPECT_EQ(EXIT_NOT_FOUND, exit_code(-ENOTUNIQ));
	EXPECT_EQ(EXIT_NOT_FOUND, exit_code(-EBADF));
	EXPECT_EQ(6, EXIT_NOT_FOUND);	/* never 4, the kselftest SKIP code */
	EXPECT_EQ(EXIT_PERMISSION, exit_code(-EPERM));
	EXPECT_EQ(EXIT_FAILED, exit_code(-EBUSY));
	EXPECT_EQ(EXIT_FAILED, exit_code(-EIO));
}

TEST(vm_type_names)
{
	EXPECT_STREQ("default", kcr_vm_type_name(0));
	EXPECT_STREQ("sw_protected", kcr_vm_type_name(1));
	EXPECT_STREQ("snp", kcr_vm_type_name(4));
	EXPECT_STREQ("tdx", kcr_vm_type_name(5));
	EXPECT_STREQ("unknown", kcr_vm_type_name(31));
}

/* Without KVM_RESET_VM support on the fd, the call fails cleanly. */
TEST(reset_on_non_kvm_fd)
{
	struct kcr_reset_result res;

	EXPECT_EQ(-ENOTTY, kcr_reset(0, 0, 0, &res));
	EXPECT_EQ(-EBADF, kcr_reset(-1, 0, 0, &res));
	EXPECT_STREQ("not a KVM VM file descriptor", kcr_strerror(-EBADF));
}

TEST_HARNESS_MAIN
