/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Everything KVM exposes about a VM and its vCPUs through GET ioctls, taken
 * as a snapshot, and the comparison of two snapshots: the oracle of
 * KVM_RESET_VM, which compares a reset VM with a never-run twin.
 */
#ifndef SELFTEST_KVM_VM_STATE_H
#define SELFTEST_KVM_VM_STATE_H

#include "kvm_util.h"
#include "processor.h"

struct msr_value {
	u32 index;
	bool readable;
	u64 value;
};

struct vcpu_snapshot {
	struct kvm_regs regs;
	struct kvm_sregs sregs;
	struct kvm_debugregs debugregs;
	struct kvm_xcrs xcrs;
	struct kvm_lapic_state lapic;
	struct kvm_vcpu_events events;
	struct kvm_mp_state mp_state;
	struct kvm_xsave *xsave;
	int xsave_size;
	struct kvm_nested_state *nested;
	int nested_size;
	struct msr_value *msrs;
	int nr_msrs;
	u64 tsc_khz;
	/* Xen vCPU attributes, valid if the VM has Xen shared info. */
	struct kvm_xen_vcpu_attr xen_vcpu_info, xen_runstate, xen_timer;
};

struct vm_snapshot {
	struct kvm_irqchip pic_master, pic_slave, ioapic;
	bool has_pit;
	struct kvm_pit_state2 pit;
	struct kvm_clock_data clock;
	bool has_xen;
	struct kvm_xen_hvm_attr xen_shared_info;
};

/* What the comparison found; each difference is also printed. */
struct state_diff {
	const char *phase;
	int count;
};

/* KVM_GET_MSRS of one MSR; false if KVM refuses it. */
bool vcpu_msr_read(struct kvm_vcpu *vcpu, u32 index, u64 *value);

/* Xen shared info is compared when the host offers it (KVM_CAP_XEN_HVM). */
bool xen_shared_info_supported(void);

void vcpu_snapshot_take(struct kvm_vcpu *vcpu, struct vcpu_snapshot *s);
void vcpu_snapshot_free(struct vcpu_snapshot *s);
void vm_snapshot_take(struct kvm_vm *vm, struct vm_snapshot *s);

/*
 * Compare @got (the reset VM) with @want (the twin); the MSRs in @kept are
 * userspace-owned configuration that the reset keeps by contract and are
 * not compared (a @kept MSR that is equal anyway is fine).  Time-based
 * values (TSC, kvmclock, PIT load time) must lie within @slack_ns of each
 * other.
 */
void vcpu_snapshot_compare(struct state_diff *d, const struct vcpu_snapshot *got,
			   const struct vcpu_snapshot *want, const u32 *kept,
			   int nr_kept, u64 slack_ns);
void vm_snapshot_compare(struct state_diff *d, const struct vm_snapshot *got,
			 const struct vm_snapshot *want, u64 slack_ns);

/* Compare @len bytes of guest memory at @gpa in two VMs. */
void vm_memory_compare(struct state_diff *d, struct kvm_vm *got,
		       struct kvm_vm *want, u64 gpa, size_t len);

#endif /* SELFTEST_KVM_VM_STATE_H */
