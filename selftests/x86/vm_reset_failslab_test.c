// SPDX-License-Identifier: GPL-2.0-only
/*
 * KVM_RESET_VM while allocations fail: with failslab and fail_page_alloc
 * set to fail any allocation, the resetting thread's fail-nth makes the
 * Nth fault-injection point of the reset fail, for N = 1, 2, ... until a
 * reset reaches fewer than N.
 * Every outcome must be a documented one: the reset done (the failure was
 * absorbed) and the guest boots from zeroed private memory; ENOMEM with
 * state NONE and a VM that a second reset still resets; or EIO with the VM
 * dead.  Needs CONFIG_FAULT_INJECTION_DEBUG_FS (the debug test host);
 * kmemleak there reports what a failure path leaks.
 */
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include "kvm_util.h"
#include "processor.h"
#include "ucall_common.h"
#include "vm_reset.h"
#include "kselftest_harness.h"

#define DATA_PAGES	16
#define MAX_SWEEP	4096
#define FAULT_DIR	"/sys/kernel/debug/"

static void guest_dirty(void)
{
	u64 old = READ_ONCE(*(u64 *)DATA_GPA);

	WRITE_ONCE(*(u64 *)DATA_GPA, 0x5ec2e7);
	GUEST_SYNC(old);
}

static void put(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY);

	TEST_ASSERT(fd >= 0, "open %s", path);
	TEST_ASSERT(write(fd, val, strlen(val)) == (ssize_t)strlen(val),
		    "write %s to %s", val, path);
	close(fd);
}

/*
 * Let both kinds fail GFP_KERNEL allocations of any order, quietly: a
 * stack trace per injected failure would read as a kernel problem.
 */
static void setup_fault_injection(void)
{
	put(FAULT_DIR "failslab/ignore-gfp-wait", "N");
	put(FAULT_DIR "failslab/verbose", "0");
	put(FAULT_DIR "fail_page_alloc/ignore-gfp-wait", "N");
	put(FAULT_DIR "fail_page_alloc/ignore-gfp-highmem", "N");
	put(FAULT_DIR "fail_page_alloc/min-order", "0");
	put(FAULT_DIR "fail_page_alloc/verbose", "0");
}

struct outcomes {
	int done, enomem, eio;
};

/*
 * One VM: the guest dirties private memory, then the @nth fault-injection
 * point that the resetting thread reaches inside KVM_RESET_VM fails (the
 * task's fail-nth, opened as @nth_fd beforehand, as opening it allocates).
 * The reset has @flags.  Returns whether the reset got that far.
 */
static bool one(int nth_fd, int nth, u64 flags, struct outcomes *o)
{
	struct kvm_reset_vm args = { .flags = flags };
	struct vcpu_boot_state boot;
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm;
	char buf[16];
	int r, err, n;

	vm = vm_create_with_data(sw_protected_shape, &vcpu, guest_dirty, DATA_PAGES, true);
	vcpu_save_boot_state(vcpu, &boot);
	TEST_ASSERT_EQ(vcpu_run_to_sync(vcpu), 0);

	n = snprintf(buf, sizeof(buf), "%d", nth);
	TEST_ASSERT(pwrite(nth_fd, buf, n, 0) == n, "arm fail-nth");
	r = __vm_reset(vm, &args);
	err = errno;
	memset(buf, 0, sizeof(buf));
	TEST_ASSERT(pread(nth_fd, buf, sizeof(buf) - 1, 0) > 0, "read fail-nth");
	/* 0: injected; otherwise the reset stopped short of the nth point. */
	n = atoi(buf);
	TEST_ASSERT(pwrite(nth_fd, "0", 1, 0) == 1, "disarm fail-nth");

	if (!r) {
		TEST_ASSERT_EQ(args.state, KVM_RESET_VM_STATE_DONE);
		o->done++;
	} else if (err == ENOMEM) {
		TEST_ASSERT_EQ(args.state, KVM_RESET_VM_STATE_NONE);
		TEST_ASSERT_EQ(vm_get_stat(vm, vm_resets), 0);
		if (flags & KVM_RESET_VM_F_ASYNC)
			TEST_ASSERT_EQ(vm_get_stat(vm, vm_reset_backlog_bytes), 0);
		o->enomem++;
		vm_reset(vm, flags);
	} else {
		TEST_ASSERT(err == EIO, "failure %d: errno %d", nth, err);
		TEST_ASSERT(__vm_reset(vm, &args) && errno == EIO,
			    "failure %d: EIO, yet the VM is alive", nth);
		o->eio++;
	}
	if (!r || err == ENOMEM) {
		vcpu_load_boot_state(vcpu, &boot, guest_dirty);
		TEST_ASSERT(!vcpu_run_to_sync(vcpu),
			    "failure %d: the old guest's data survived", nth);
	}
	kvm_vm_free(vm);
	return n == 0;
}

static void sweep(u64 flags)
{
	struct outcomes o = {};
	int nth, nth_fd;

	setup_fault_injection();
	nth_fd = open("/proc/thread-self/fail-nth", O_RDWR);
	TEST_ASSERT(nth_fd >= 0, "open /proc/thread-self/fail-nth");
	for (nth = 1; nth <= MAX_SWEEP; nth++)
		if (!one(nth_fd, nth, flags, &o))
			break;
	close(nth_fd);
	TEST_ASSERT(nth <= MAX_SWEEP, "more than %d allocations in one reset?", MAX_SWEEP);
	ksft_print_msg("a reset (flags 0x%lx) reaches %d fault-injection points (slab and page allocations); with one failing: %d done, %d ENOMEM, %d EIO\n",
		       flags, nth - 1, o.done, o.enomem, o.eio);
	TEST_ASSERT(nth > 1, "the sweep injected no failure at all");
}

#define REQUIRE_FAULT_INJECTION()						\
do {										\
	KCR_REQUIRE(!access(FAULT_DIR "failslab/ignore-gfp-wait", W_OK));	\
	KCR_REQUIRE(!access(FAULT_DIR "fail_page_alloc/ignore-gfp-wait", W_OK)); \
} while (0)

TEST(allocation_failure_sweep)
{
	REQUIRE_FAULT_INJECTION();
	KCR_REQUIRE(kvm_reset_vm_types() & BIT(KVM_X86_SW_PROTECTED_VM));
	sweep(0);
}

/* The asynchronous reset allocates its backlog entries before it detaches. */
TEST(async_allocation_failure_sweep)
{
	REQUIRE_FAULT_INJECTION();
	KCR_REQUIRE(kvm_check_cap(KVM_CAP_VM_RESET_ASYNC) & BIT(KVM_X86_SW_PROTECTED_VM));
	sweep(KVM_RESET_VM_F_ASYNC);
}

TEST_HARNESS_MAIN
