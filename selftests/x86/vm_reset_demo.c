// SPDX-License-Identifier: GPL-2.0-only
/*
 * The main job, shown: a software-protected guest writes a secret to its
 * private memory, the VM is reset in place (same VM fd), the guest boots
 * again and finds zeroes where its secret was.  Exits 0 only if it does.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kvm_util.h"
#include "processor.h"
#include "ucall_common.h"
#include "vm_reset.h"

#define SECRET		"kvm-coco-reset: the guest's secret"

static void guest_write_secret(void)
{
	memcpy((void *)DATA_GPA, SECRET, sizeof(SECRET));
	GUEST_SYNC(*(u64 *)DATA_GPA);
}

static void guest_read_secret(void)
{
	u64 acc = 0;

	for (int i = 0; i < PAGE_SIZE / 8; i++)
		acc |= ((volatile u64 *)DATA_GPA)[i];
	GUEST_SYNC(acc);
}

int main(void)
{
	struct vcpu_boot_state boot;
	struct vm_boot_image image;
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm;
	u64 word, acc;
	int fd;

	TEST_REQUIRE(kvm_reset_vm_types() & BIT(KVM_X86_SW_PROTECTED_VM));
	printf("KVM_CAP_VM_RESET: resettable VM types %#x\n", kvm_reset_vm_types());

	vm = vm_create_with_data(sw_protected_shape, &vcpu, guest_write_secret, 1, true);
	vcpu_save_boot_state(vcpu, &boot);
	vm_save_boot_image(vm, &image);
	fd = vm->fd;
	printf("software-protected VM: VM fd %d, vCPU fd %d, private page at GPA %#lx\n",
	       vm->fd, vcpu->fd, DATA_GPA);

	word = vcpu_run_to_sync(vcpu);
	printf("boot 1: the guest wrote \"%s\" to private memory (first word %#llx)\n",
	       SECRET, (unsigned long long)word);

	vm_reset(vm, 0);
	printf("KVM_RESET_VM: done in %lu us, VM fd %d (%s), vCPU fd %d\n",
	       vm_get_stat(vm, vm_reset_last_ns) / 1000, vm->fd,
	       vm->fd == fd ? "the same" : "CHANGED", vcpu->fd);

	vm_load_boot_image(vm, &image);
	vcpu_load_boot_state(vcpu, &boot, guest_read_secret);
	acc = vcpu_run_to_sync(vcpu);
	printf("boot 2: the guest reads its private page: %s (OR of all words %#llx)\n",
	       acc ? "DATA SURVIVED" : "all zeroes", (unsigned long long)acc);

	free(image.copy);
	kvm_vm_free(vm);
	return acc ? 1 : 0;
}
