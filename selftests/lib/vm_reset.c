// SPDX-License-Identifier: GPL-2.0-only
/*
 * Helpers for KVM_RESET_VM selftests, on top of the KVM selftests library.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vm_reset.h"
#include "ucall_common.h"

void guest_data_write_secret(void)
{
	u64 *p = (u64 *)DATA_GPA;
	int i;

	for (i = 0; i < DATA_WORDS; i++)
		WRITE_ONCE(p[i], DATA_SECRET ^ i);
	GUEST_SYNC(READ_ONCE(p[DATA_WORDS - 1]));
}

void guest_data_or_page(void)
{
	u64 *p = (u64 *)DATA_GPA, acc = 0;
	int i;

	for (i = 0; i < DATA_WORDS; i++)
		acc |= READ_ONCE(p[i]);
	GUEST_SYNC(acc);
}

const struct vm_shape sw_protected_shape = {
	.mode = VM_MODE_DEFAULT,
	.type = KVM_X86_SW_PROTECTED_VM,
};

struct kvm_vm *vm_create_with_data(struct vm_shape shape, struct kvm_vcpu **vcpu,
				   void *guest_code, int npages, bool private)
{
	struct kvm_vm *vm;

	vm = vm_create_shape_with_one_vcpu(shape, vcpu, guest_code);
	vm_userspace_mem_region_add(vm, VM_MEM_SRC_ANONYMOUS, DATA_GPA, DATA_SLOT,
				    npages, private ? KVM_MEM_GUEST_MEMFD : 0);
	virt_map(vm, DATA_GPA, DATA_GPA, npages);
	if (private)
		vm_mem_set_private(vm, DATA_GPA, npages * PAGE_SIZE);
	return vm;
}

u32 kvm_reset_vm_types(void)
{
	return kvm_check_cap(KVM_CAP_VM_RESET);
}

int __vm_reset(struct kvm_vm *vm, struct kvm_reset_vm *args)
{
	return __vm_ioctl(vm, KVM_RESET_VM, args);
}

void vm_reset(struct kvm_vm *vm, u64 flags)
{
	struct kvm_reset_vm args = { .flags = flags };
	int r;

	r = __vm_reset(vm, &args);
	TEST_ASSERT_VM_VCPU_IOCTL(!r, KVM_RESET_VM, r, vm);
	TEST_ASSERT(args.state == KVM_RESET_VM_STATE_DONE && !args.hw_error,
		    "KVM_RESET_VM: expected state DONE and hw_error 0, got state %llu hw_error 0x%llx",
		    args.state, args.hw_error);

	/* The guest's page tables are plain memory again until the next launch. */
	vm->arch.is_pt_protected = false;
}

static void *boot_memory(struct kvm_vm *vm, size_t *size)
{
	struct userspace_mem_region *region = memslot2region(vm, 0);

	*size = region->region.memory_size;
	return region->host_mem;
}

void vm_save_boot_image(struct kvm_vm *vm, struct vm_boot_image *img)
{
	void *mem = boot_memory(vm, &img->size);

	img->copy = malloc(img->size);
	TEST_ASSERT(img->copy, "malloc(%zu)", img->size);
	memcpy(img->copy, mem, img->size);
}

void vm_load_boot_image(struct kvm_vm *vm, const struct vm_boot_image *img)
{
	size_t size;
	void *mem = boot_memory(vm, &size);

	TEST_ASSERT_EQ(size, img->size);
	memcpy(mem, img->copy, size);
}

void vcpu_save_boot_state(struct kvm_vcpu *vcpu, struct vcpu_boot_state *s)
{
	vcpu_regs_get(vcpu, &s->regs);
	vcpu_sregs_get(vcpu, &s->sregs);
	if (kvm_cpu_has(X86_FEATURE_XSAVE))
		vcpu_xcrs_get(vcpu, &s->xcrs);
}

void vcpu_load_boot_state(struct kvm_vcpu *vcpu,
			  const struct vcpu_boot_state *s, void *guest_code)
{
	struct kvm_mp_state mp_state = { .mp_state = KVM_MP_STATE_RUNNABLE };
	struct kvm_sregs sregs = s->sregs;
	struct kvm_regs regs = s->regs;
	struct kvm_xcrs xcrs = s->xcrs;

	vcpu_sregs_set(vcpu, &sregs);
	if (kvm_cpu_has(X86_FEATURE_XSAVE))
		vcpu_xcrs_set(vcpu, &xcrs);
	regs.rip = (unsigned long)guest_code;
	vcpu_regs_set(vcpu, &regs);
	vcpu_mp_state_set(vcpu, &mp_state);
}

u64 vcpu_run_to_sync(struct kvm_vcpu *vcpu)
{
	struct ucall uc;

	vcpu_run(vcpu);
	TEST_ASSERT_KVM_EXIT_REASON(vcpu, KVM_EXIT_IO);
	switch (get_ucall(vcpu, &uc)) {
	case UCALL_SYNC:
		return uc.args[1];
	case UCALL_ABORT:
		REPORT_GUEST_ASSERT(uc);
	default:
		TEST_FAIL("expected GUEST_SYNC, got ucall %lu", uc.cmd);
	}
	return 0;
}

long misc_cg_current(const char *resource)
{
	char line[64], key[16];
	long v = -1, n;
	FILE *f = fopen("/sys/fs/cgroup/misc.current", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%15s %ld", key, &n) == 2 && !strcmp(key, resource))
			v = n;
	fclose(f);
	return v;
}
