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

/* td_vm_create(), KVM_TDX_INIT_VM, the boot memslot and one vCPU. */
struct kvm_vm *td_create(struct kvm_vcpu **vcpu);

/*
 * The launch flow that follows KVM_TDX_INIT_VM (or KVM_RESET_VM): INIT_VCPU,
 * INIT_MEM_REGION of the boot image with @payload, FINALIZE_VM; then run the
 * TD until its report and return the byte it sent.
 */
u8 td_launch_and_run(struct kvm_vm *vm, struct kvm_vcpu *vcpu, u8 payload);

#endif /* SELFTEST_KVM_TDX_H */
