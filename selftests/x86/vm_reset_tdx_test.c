// SPDX-License-Identifier: GPL-2.0-only
/*
 * KVM_RESET_VM of a TD (needs TDX; skips elsewhere): the smallest TD that
 * proves a reset.  Create, initialize, finalize and run a TD that reports
 * its payload; reset; initialize again with another payload; run again.
 * Also: the misc cgroup "tdx" count stays, and the reset and relaunch work
 * when every other key ID is taken.
 *
 * MRTD is visible only inside the TD (TDG.MR.REPORT); that the TD runs the
 * new image, which KVM_TDX_INIT_MEM_REGION measured, shows the relaunch was
 * measured afresh.
 */
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

TEST_HARNESS_MAIN
