/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The minimum to build and run a TD in a selftest: a VM of type
 * KVM_X86_TDX_VM with one vCPU and a three-page private boot image at the
 * top of 4 GiB whose code reports one byte through TDG.VP.VMCALL<IO>.
 * Linux 7.3 has no TDX selftest library.
 */
#ifndef SELFTEST_KVM_TDX_H
#define SELFTEST_KVM_TDX_H

#include "kvm_util.h"

/* The port the boot code writes its payload byte to. */
#define TD_REPORT_PORT	0x7e

/* Why a TD cannot be created here, or NULL. */
const char *td_missing(void);

/* KVM_CREATE_VM(KVM_X86_TDX_VM) with the split irqchip TDX requires. */
struct kvm_vm *td_vm_create(void);

/* KVM_TDX_INIT_VM; returns the raw ioctl result (for pool tests). */
int __td_init_vm(struct kvm_vm *vm);

/*
 * td_vm_create(), MapGPA exits to userspace, KVM_TDX_INIT_VM, the boot
 * memslot and @nr vCPUs.
 */
struct kvm_vm *td_create_vcpus(struct kvm_vcpu **vcpus, int nr);
struct kvm_vm *td_create(struct kvm_vcpu **vcpu);

/* The boot memslot (private, a new guest_memfd), added or deleted. */
void td_add_boot_slot(struct kvm_vm *vm);
void td_delete_boot_slot(struct kvm_vm *vm);

/*
 * The launch flow that follows KVM_TDX_INIT_VM (or KVM_RESET_VM): INIT_VCPU
 * of each vCPU, INIT_MEM_REGION of the boot image with @payload (and, with
 * @map_gpa, the request to convert 4 MiB at GPA 0 to shared first),
 * FINALIZE_VM.
 */
void td_launch(struct kvm_vm *vm, struct kvm_vcpu **vcpus, int nr,
	       u8 payload, bool map_gpa);

/* Run a vCPU until its report (KVM_EXIT_IO) and return the byte it sent. */
u8 td_run_to_report(struct kvm_vcpu *vcpu);

/* td_launch() of one vCPU without MapGPA, then td_run_to_report(). */
u8 td_launch_and_run(struct kvm_vm *vm, struct kvm_vcpu *vcpu, u8 payload);

#endif /* SELFTEST_KVM_TDX_H */
