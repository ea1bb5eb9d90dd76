// SPDX-License-Identifier: LGPL-2.1-or-later
/* Probing /dev/kvm and VM fds for KVM_RESET_VM. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <linux/kvm.h>

#include "kvmcocoreset.h"

static const char *const vm_type_names[] = {
	[KVM_X86_DEFAULT_VM] = "default",
	[KVM_X86_SW_PROTECTED_VM] = "sw_protected",
	[KVM_X86_SEV_VM] = "sev",
	[KVM_X86_SEV_ES_VM] = "sev_es",
	[KVM_X86_SNP_VM] = "snp",
	[KVM_X86_TDX_VM] = "tdx",
};

const char *kcr_vm_type_name(unsigned int type)
{
	if (type < sizeof(vm_type_names) / sizeof(vm_type_names[0]) &&
	    vm_type_names[type])
		return vm_type_names[type];
	return "unknown";
}

static int check_extension(int fd, long cap)
{
	int r = ioctl(fd, KVM_CHECK_EXTENSION, cap);

	return r < 0 ? -errno : r;
}

int kcr_probe_host(struct kcr_caps *caps)
{
	int fd, r;

	memset(caps, 0, sizeof(*caps));
	fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -errno;

	r = check_extension(fd, KVM_CAP_VM_TYPES);
	if (r >= 0) {
		caps->vm_types = r;
		r = check_extension(fd, KVM_CAP_VM_RESET);
		caps->reset_types = r > 0 ? r : 0;
		r = r < 0 ? r : 0;
	}
	close(fd);
	return r;
}

int kcr_probe_vm(int vm_fd)
{
	int r = check_extension(vm_fd, KVM_CAP_VM_RESET);

	return r < 0 ? r : !!r;
}
