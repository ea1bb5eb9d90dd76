// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * kcr_find_vm_fd() on this process: readlink() here names the fds in
 * vm_fds "anon_inode:kvm-vm", as /proc shows a KVM VM fd.
 */
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/kcmp.h>

#include "kvmcocoreset.h"
#include "kselftest_harness.h"

#define KVM_VM_LINK	"anon_inode:kvm-vm"

static int vm_fds[4] = { -1, -1, -1, -1 };

ssize_t readlink(const char *path, char *buf, size_t len)
{
	ssize_t (*real)(const char *, char *, size_t) = dlsym(RTLD_NEXT, "readlink");
	char vm_path[64];

	for (int i = 0; i < 4; i++) {
		snprintf(vm_path, sizeof(vm_path), "/proc/%d/fd/%d", getpid(), vm_fds[i]);
		if (vm_fds[i] >= 0 && !strcmp(path, vm_path) && len >= strlen(KVM_VM_LINK)) {
			memcpy(buf, KVM_VM_LINK, strlen(KVM_VM_LINK));
			return strlen(KVM_VM_LINK);
		}
	}
	return real(path, buf, len);
}

TEST(one_vm)
{
	vm_fds[0] = eventfd(0, 0);
	EXPECT_EQ(vm_fds[0], kcr_find_vm_fd(getpid(), -1));
	EXPECT_EQ(vm_fds[0], kcr_find_vm_fd(getpid(), vm_fds[0]));
	EXPECT_EQ(-EBADF, kcr_find_vm_fd(getpid(), 0));
}

/* dup() gives a second fd of the same VM, not a second VM. */
TEST(dup_is_the_same_vm)
{
	int r;

	vm_fds[0] = eventfd(0, 0);
	/* Without kcmp() (a container's seccomp filter) dups count as VMs. */
	if (syscall(SYS_kcmp, getpid(), getpid(), KCMP_FILE, vm_fds[0], vm_fds[0]))
		SKIP(return, "kcmp() is not allowed here: %s", strerror(errno));
	vm_fds[1] = dup(vm_fds[0]);
	vm_fds[2] = dup2(vm_fds[0], 100);
	r = kcr_find_vm_fd(getpid(), -1);
	EXPECT_TRUE(r == vm_fds[0] || r == vm_fds[1] || r == vm_fds[2])
		TH_LOG("kcr_find_vm_fd: %d (%s)", r, kcr_strerror(r));
}

TEST(two_vms)
{
	vm_fds[0] = eventfd(0, 0);
	vm_fds[1] = dup(vm_fds[0]);
	vm_fds[2] = eventfd(0, 0);
	EXPECT_EQ(-ENOTUNIQ, kcr_find_vm_fd(getpid(), -1));
}

TEST(no_vm)
{
	EXPECT_EQ(-ENOENT, kcr_find_vm_fd(getpid(), -1));
	EXPECT_EQ(-ESRCH, kcr_find_vm_fd(0x3ffffff, -1));
	EXPECT_EQ(-ESRCH, kcr_find_vm_fd(0x3ffffff, 3));
}

TEST_HARNESS_MAIN
