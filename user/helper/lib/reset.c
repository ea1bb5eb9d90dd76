// SPDX-License-Identifier: LGPL-2.1-or-later
/* KVM_RESET_VM and what its errors mean. */
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>
#include <linux/kvm.h>

#include "kvmcocoreset.h"

int kcr_reset(int vm_fd, uint64_t flags, uint64_t data,
	      struct kcr_reset_result *result)
{
	struct kvm_reset_vm args = { 0 };
	int r;

	if (result)
		memset(result, 0, sizeof(*result));
	/* Stock KVM would answer ENOTTY, or EIO to another process. */
	r = kcr_probe_vm(vm_fd);
	if (r <= 0)
		return r ? r : -EOPNOTSUPP;

	do {
		memset(&args, 0, sizeof(args));
		args.flags = flags;
		args.data = data;
		r = ioctl(vm_fd, KVM_RESET_VM, &args);
	} while (r < 0 && errno == EINTR);
	r = r < 0 ? -errno : 0;

	/* KVM writes state NONE first: a refused reset reads NONE. */
	if (result) {
		result->state = args.state;
		result->hw_error = args.hw_error;
	}
	return r;
}

const char *kcr_strerror(int err)
{
	switch (err < 0 ? -err : err) {
	case 0:
		return "success";
	case EINVAL:
		return "invalid argument (unknown flag, non-zero reserved field, "
		       "or data this VM type does not use); or not a VM fd";
	case EOPNOTSUPP:
		return "this VM cannot be reset: KVM lacks KVM_RESET_VM (KVM_CAP_VM_RESET "
		       "is 0), or the VM's type is not resettable";
	case ENOTTY:
		return "KVM lacks KVM_RESET_VM, or this is not a KVM VM file descriptor";
	case EBADF:
		return "not a KVM VM file descriptor";
	case EBUSY:
		return "a vCPU is running or being created (stop the vCPUs first)";
	case EFAULT:
		return "bad address for the ioctl argument";
	case EIO:
		return "the VM is dead, or this process did not create it (only the "
		       "VMM that created a VM can reset it)";
	case EAGAIN:
	case ENOSPC:
		return "the new guest context could not be prepared; retry the reset";
	case ENOMEM:
		return "out of memory; retry the reset";
	case EPERM:
	case EACCES:
		return "permission denied";
	case ESRCH:
		return "no such process";
	case ENOENT:
		return "not found";
	case ENOTUNIQ:
		return "the process has several KVM VMs; name the VM's file descriptor";
	case EPROTO:
		return "malformed data from KVM";
	default:
		return strerror(err < 0 ? -err : err);
	}
}
