// SPDX-License-Identifier: GPL-2.0
/*
 * Fail unless /dev/kvm works and offers software-protected VMs, the VM type
 * through which the test host exercises guest_memfd private memory.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <linux/kvm.h>

int main(void)
{
	int kvm, types, vm;

	kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kvm < 0) {
		printf("# kvm-check: open /dev/kvm: %s\n", strerror(errno));
		return 1;
	}
	types = ioctl(kvm, KVM_CHECK_EXTENSION, KVM_CAP_VM_TYPES);
	printf("# kvm-check: KVM_API_VERSION=%d KVM_CAP_VM_TYPES=%#x\n",
	       ioctl(kvm, KVM_GET_API_VERSION, 0), types);
	if (types < 0 || !(types & (1 << KVM_X86_SW_PROTECTED_VM))) {
		printf("# kvm-check: KVM_X86_SW_PROTECTED_VM is not offered\n");
		return 1;
	}
	vm = ioctl(kvm, KVM_CREATE_VM, KVM_X86_SW_PROTECTED_VM);
	if (vm < 0) {
		printf("# kvm-check: KVM_CREATE_VM(SW_PROTECTED): %s\n",
		       strerror(errno));
		return 1;
	}
	close(vm);
	close(kvm);
	return 0;
}
