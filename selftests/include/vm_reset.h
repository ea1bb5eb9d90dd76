/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Helpers for KVM_RESET_VM selftests, on top of the KVM selftests library.
 */
#ifndef SELFTEST_KVM_VM_RESET_H
#define SELFTEST_KVM_VM_RESET_H

#include "kvm_util.h"
#include "processor.h"

/* The register state a VMM loads before (re)starting a vCPU. */
struct vcpu_boot_state {
	struct kvm_regs regs;
	struct kvm_sregs sregs;
	struct kvm_xcrs xcrs;
};

/*
 * A copy of the guest memory the selftests library loads at VM creation
 * (code, data, page tables, ucall pool): after a reset the test loads it
 * again, as a VMM reloads its firmware image.
 */
struct vm_boot_image {
	void *copy;
	size_t size;
};

/*
 * In a kselftest harness TEST: skip the test, naming the requirement,
 * unless @cond holds (TEST_REQUIRE would exit without the harness knowing
 * the reason).
 */
#define KCR_REQUIRE(cond)						\
do {									\
	if (!(cond))							\
		SKIP(return, "requirement not met: %s", #cond);		\
} while (0)

extern const struct vm_shape sw_protected_shape;

/* Where the tests put the memory their guests dirty. */
#define DATA_GPA	0xc0000000ul
#define DATA_SLOT	10
#define DATA_WORDS	(PAGE_SIZE / sizeof(u64))
#define DATA_SECRET	0x5ec2e7000000cafeull

/*
 * Guest code: fill the page at DATA_GPA with DATA_SECRET ^ index and report
 * its last word.
 */
void guest_data_write_secret(void);
/* Guest code: report the OR of every word of the page at DATA_GPA (0: zeroes). */
void guest_data_or_page(void);

/*
 * A VM of @shape with one vCPU running @guest_code and @npages at DATA_GPA,
 * identity-mapped, in memslot DATA_SLOT: plain memory, or with @private
 * guest_memfd memory set private.
 */
struct kvm_vm *vm_create_with_data(struct vm_shape shape, struct kvm_vcpu **vcpu,
				   void *guest_code, int npages, bool private);

/* KVM_CHECK_EXTENSION(KVM_CAP_VM_RESET) on /dev/kvm: resettable VM types. */
u32 kvm_reset_vm_types(void);

/* Issue KVM_RESET_VM with @args as given; return the raw ioctl() result. */
int __vm_reset(struct kvm_vm *vm, struct kvm_reset_vm *args);

/* Reset @vm with @flags and assert success with state DONE. */
void vm_reset(struct kvm_vm *vm, u64 flags);

void vm_save_boot_image(struct kvm_vm *vm, struct vm_boot_image *img);
void vm_load_boot_image(struct kvm_vm *vm, const struct vm_boot_image *img);

void vcpu_save_boot_state(struct kvm_vcpu *vcpu, struct vcpu_boot_state *s);

/*
 * Load @s into @vcpu with RIP at @guest_code and make it runnable: what the
 * VMM does after a reset before it starts the guest again.
 */
void vcpu_load_boot_state(struct kvm_vcpu *vcpu,
			  const struct vcpu_boot_state *s, void *guest_code);

/*
 * The root misc cgroup's usage of @resource ("sev", "sev_es", "tdx"), or -1
 * if this kernel does not expose it.
 */
long misc_cg_current(const char *resource);

/* Run @vcpu and return the value of its next GUEST_SYNC(value). */
u64 vcpu_run_to_sync(struct kvm_vcpu *vcpu);

#endif /* SELFTEST_KVM_VM_RESET_H */
