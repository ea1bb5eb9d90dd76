// SPDX-License-Identifier: GPL-2.0-only
/*
 * Benchmark: reboot a software-protected guest by KVM_RESET_VM in place
 * versus by closing the VM and building the same one again (new VM,
 * memslots, guest_memfd, vCPU, attributes), both up to the guest's first
 * GUEST_SYNC, alternating in one run.  The in-place time is also given by
 * phase: the ioctl as seen by userspace and as KVM's vm_reset_last_ns stat
 * counts it, reloading the boot image and vCPU state, and running to the
 * first GUEST_SYNC (which faults the private memory back in).
 * Usage: vm_reset_bench [iterations]
 */
#include <stdlib.h>
#include <time.h>

#include "kvm_util.h"
#include "processor.h"
#include "ucall_common.h"
#include "vm_reset.h"

#define DATA_PAGES	64

static void guest_touch_private(void)
{
	for (int i = 0; i < DATA_PAGES; i++)
		WRITE_ONCE(*(u64 *)(DATA_GPA + i * PAGE_SIZE), i);
	GUEST_SYNC(1);
}

static struct kvm_vm *build_vm(struct kvm_vcpu **vcpu)
{
	return vm_create_with_data(sw_protected_shape, vcpu, guest_touch_private,
				   DATA_PAGES, true);
}

static u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static int cmp_u64(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return x < y ? -1 : x > y;
}

static u64 median(u64 *v, int n)
{
	qsort(v, n, sizeof(*v), cmp_u64);
	return v[n / 2];
}

int main(int argc, char *argv[])
{
	int n = argc > 1 ? atoi(argv[1]) : 50;
	u64 *in_place, *rebuild, *ioctl_ns, *ioctl_wall, *reload, *run, t0, t1;
	struct vcpu_boot_state boot;
	struct vm_boot_image image;
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm;

	TEST_REQUIRE(kvm_reset_vm_types() & BIT(KVM_X86_SW_PROTECTED_VM));
	TEST_ASSERT(n > 0, "iterations must be positive");
	in_place = calloc(n, sizeof(u64));
	rebuild = calloc(n, sizeof(u64));
	ioctl_ns = calloc(n, sizeof(u64));
	ioctl_wall = calloc(n, sizeof(u64));
	reload = calloc(n, sizeof(u64));
	run = calloc(n, sizeof(u64));
	TEST_ASSERT(in_place && rebuild && ioctl_ns && ioctl_wall && reload && run,
		    "calloc");

	vm = build_vm(&vcpu);
	vcpu_save_boot_state(vcpu, &boot);
	vm_save_boot_image(vm, &image);
	TEST_ASSERT_EQ(vcpu_run_to_sync(vcpu), 1);

	for (int i = 0; i < n; i++) {
		t0 = now_ns();
		vm_reset(vm, 0);
		t1 = now_ns();
		ioctl_wall[i] = t1 - t0;
		ioctl_ns[i] = vm_get_stat(vm, vm_reset_last_ns);
		vm_load_boot_image(vm, &image);
		vcpu_load_boot_state(vcpu, &boot, guest_touch_private);
		reload[i] = now_ns() - t1;
		t1 = now_ns();
		TEST_ASSERT_EQ(vcpu_run_to_sync(vcpu), 1);
		run[i] = now_ns() - t1;
		in_place[i] = now_ns() - t0;

		t0 = now_ns();
		kvm_vm_free(vm);
		vm = build_vm(&vcpu);
		TEST_ASSERT_EQ(vcpu_run_to_sync(vcpu), 1);
		rebuild[i] = now_ns() - t0;
		vcpu_save_boot_state(vcpu, &boot);
	}
	kvm_vm_free(vm);

	printf("vm_reset_bench: %d iterations, %d private pages, medians:\n", n, DATA_PAGES);
	printf("  KVM_RESET_VM ioctl (stat)         %10.1f us\n", median(ioctl_ns, n) / 1e3);
	printf("  KVM_RESET_VM ioctl (wall)         %10.1f us\n", median(ioctl_wall, n) / 1e3);
	printf("  reload image and vCPU state       %10.1f us\n", median(reload, n) / 1e3);
	printf("  run to first sync                 %10.1f us\n", median(run, n) / 1e3);
	printf("  reset in place to first sync      %10.1f us\n", median(in_place, n) / 1e3);
	printf("  close and rebuild to first sync   %10.1f us\n", median(rebuild, n) / 1e3);
	printf("  rebuild / in place                %10.2f\n",
	       (double)median(rebuild, n) / median(in_place, n));
	free(image.copy);
	free(in_place);
	free(rebuild);
	free(ioctl_ns);
	free(ioctl_wall);
	free(reload);
	free(run);
	return 0;
}
