// SPDX-License-Identifier: GPL-2.0-only
/*
 * KVM_RESET_VM of a TD (needs TDX; skips elsewhere): the smallest TD that
 * proves a reset.  Create, initialize, finalize and run a TD that reports
 * its payload; reset; initialize again with another payload; run again.
 * Also: the misc cgroup "tdx" count stays, and the reset and relaunch work
 * when every other key ID is taken.  And what the old TD leaves behind must
 * not reach the new one: a queued NMI, a MapGPA that userspace did not
 * complete, vCPUs associated with other CPUs, a guest_memfd closed while the
 * reset runs; 100 resets leave the key ID charge where it was.
 *
 * MRTD is visible only inside the TD (TDG.MR.REPORT); that the TD runs the
 * new image, which KVM_TDX_INIT_MEM_REGION measured, shows the relaunch was
 * measured afresh.
 */
#include <pthread.h>
#include <sched.h>

#include "kvm_util.h"
#include "tdx.h"
#include "vm_reset.h"
#include "kselftest_harness.h"

#define require_td()						\
do {								\
	const char *why = td_missing();				\
								\
	if (why)						\
		SKIP(return, "%s", why);			\
	KCR_REQUIRE(kvm_reset_vm_types() & BIT(KVM_X86_TDX_VM));\
} while (0)

TEST(td_reset_relaunch)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm;
	long charged;

	require_td();
	vm = td_create(&vcpu);
	TEST_ASSERT_EQ(td_launch_and_run(vm, vcpu, 0xa1), 0xa1);
	charged = misc_cg_current("tdx");

	vm_reset(vm, 0);
	TEST_ASSERT_EQ(misc_cg_current("tdx"), charged);

	TEST_ASSERT_EQ(td_launch_and_run(vm, vcpu, 0xb2), 0xb2);
	TEST_ASSERT_EQ(vm_get_stat(vm, vm_resets), 1);
	kvm_vm_free(vm);
}

TEST(td_reset_with_keyid_pool_full)
{
	struct kvm_vm *vm, *others[1024];
	struct kvm_vcpu *vcpu;
	int n;

	require_td();
	vm = td_create(&vcpu);
	TEST_ASSERT_EQ(td_launch_and_run(vm, vcpu, 1), 1);

	for (n = 0; n < ARRAY_SIZE(others); n++) {
		others[n] = td_vm_create();
		if (__td_init_vm(others[n])) {
			kvm_vm_free(others[n]);
			break;
		}
	}
	TEST_ASSERT(n < ARRAY_SIZE(others), "could not exhaust the TDX key IDs");

	vm_reset(vm, 0);
	TEST_ASSERT_EQ(td_launch_and_run(vm, vcpu, 2), 2);

	while (n--)
		kvm_vm_free(others[n]);
	kvm_vm_free(vm);
}

/* A queued NMI of the old TD: the new one would take it at its reset vector. */
TEST(td_nmi_does_not_survive)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm;

	require_td();
	vm = td_create(&vcpu);
	TEST_ASSERT_EQ(td_launch_and_run(vm, vcpu, 0x11), 0x11);
	vcpu_ioctl(vcpu, KVM_NMI, NULL);

	vm_reset(vm, 0);
	TEST_ASSERT_EQ(td_launch_and_run(vm, vcpu, 0x22), 0x22);
	kvm_vm_free(vm);
}

/*
 * A MapGPA that KVM handed to userspace and that was never completed: the
 * first exit of the new TD must be its report, not the old conversion.
 */
TEST(td_map_gpa_does_not_survive)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm;

	require_td();
	vm = td_create(&vcpu);
	td_launch(vm, &vcpu, 1, 0x33, true);
	vcpu_run(vcpu);
	TEST_ASSERT_KVM_EXIT_REASON(vcpu, KVM_EXIT_HYPERCALL);
	TEST_ASSERT_EQ(vcpu->run->hypercall.nr, KVM_HC_MAP_GPA_RANGE);

	vm_reset(vm, 0);
	td_launch(vm, &vcpu, 1, 0x44, false);
	TEST_ASSERT_EQ(td_run_to_report(vcpu), 0x44);
	kvm_vm_free(vm);
}

static void run_on_cpu(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	TEST_ASSERT(!sched_setaffinity(0, sizeof(set), &set),
		    "sched_setaffinity(%d): errno %d", cpu, errno);
}

/*
 * Two vCPUs run on two CPUs and are then loaded on the other one, so each
 * is associated with a CPU it has left; the reset flushes both, and both
 * run the new TD.
 */
TEST(td_two_vcpus_moved_across_cpus)
{
	struct kvm_vcpu *vcpus[2];
	struct kvm_mp_state mp;
	cpu_set_t all;
	struct kvm_vm *vm;
	int i;

	require_td();
	TEST_ASSERT(!sched_getaffinity(0, sizeof(all), &all), "sched_getaffinity");
	if (CPU_COUNT(&all) < 2)
		SKIP(return, "needs two CPUs, has %d", CPU_COUNT(&all));

	vm = td_create_vcpus(vcpus, 2);
	td_launch(vm, vcpus, 2, 0x55, false);
	for (i = 0; i < 2; i++) {
		run_on_cpu(i);
		TEST_ASSERT_EQ(td_run_to_report(vcpus[i]), 0x55);
	}
	for (i = 0; i < 2; i++) {
		run_on_cpu(1 - i);
		vcpu_ioctl(vcpus[i], KVM_GET_MP_STATE, &mp);
	}
	TEST_ASSERT(!sched_setaffinity(0, sizeof(all), &all), "sched_setaffinity");

	vm_reset(vm, 0);
	td_launch(vm, vcpus, 2, 0x66, false);
	for (i = 0; i < 2; i++)
		TEST_ASSERT_EQ(td_run_to_report(vcpus[i]), 0x66);
	kvm_vm_free(vm);
}

static void *delete_boot_slot(void *vm)
{
	td_delete_boot_slot(vm);
	return NULL;
}

/*
 * The boot memslot is deleted and its guest_memfd closed while the reset
 * runs: either before it (the deletion removes the private pages with the
 * HKID live) or after it (nothing is left to remove).  The VM is whole and
 * relaunches on a new slot.
 */
TEST(td_gmem_closed_during_reset)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm;
	pthread_t thread;

	require_td();
	vm = td_create(&vcpu);
	TEST_ASSERT_EQ(td_launch_and_run(vm, vcpu, 0x77), 0x77);

	TEST_ASSERT_EQ(pthread_create(&thread, NULL, delete_boot_slot, vm), 0);
	vm_reset(vm, 0);
	TEST_ASSERT_EQ(pthread_join(thread, NULL), 0);

	td_add_boot_slot(vm);
	TEST_ASSERT_EQ(td_launch_and_run(vm, vcpu, 0x88), 0x88);
	kvm_vm_free(vm);
}

/* 100 resets keep the one key ID; destroying the VM returns it. */
TEST(td_hundred_resets)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm;
	long baseline, charged;
	int i;

	require_td();
	baseline = misc_cg_current("tdx");
	if (baseline < 0)
		SKIP(return, "no \"tdx\" count in /sys/fs/cgroup/misc.current");
	vm = td_create(&vcpu);
	charged = misc_cg_current("tdx");
	TEST_ASSERT_EQ(charged, baseline + 1);

	for (i = 0; i < 100; i++) {
		vm_reset(vm, 0);
		TEST_ASSERT_EQ(td_launch_and_run(vm, vcpu, i), i);
		TEST_ASSERT_EQ(misc_cg_current("tdx"), charged);
	}
	TEST_ASSERT_EQ(vm_get_stat(vm, vm_resets), 100);
	kvm_vm_free(vm);
	TEST_ASSERT_EQ(misc_cg_current("tdx"), baseline);

	vm = td_create(&vcpu);
	TEST_ASSERT_EQ(td_launch_and_run(vm, vcpu, 0x99), 0x99);
	kvm_vm_free(vm);
}

TEST_HARNESS_MAIN
