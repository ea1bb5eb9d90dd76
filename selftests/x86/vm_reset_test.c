// SPDX-License-Identifier: GPL-2.0-only
/*
 * KVM_RESET_VM: what a reset keeps and what it discards, for the VM types
 * that run without confidential-computing hardware.
 */
#include <string.h>
#include <sys/wait.h>

#include "apic.h"
#include "kvm_util.h"
#include "processor.h"
#include "ucall_common.h"
#include "vm_reset.h"
#include "kselftest_harness.h"

#define SHARED_MAGIC	0x5a5a5a5a5a5a5a5aull

/* Leave marks a RESET must erase, in registers, and one it must keep. */
static void guest_dirty_state(void)
{
	WRITE_ONCE(*(u64 *)DATA_GPA, SHARED_MAGIC);
	asm volatile("mov %0, %%cr2; mov %0, %%dr0" : : "r"(0xdead000ul));
	GUEST_SYNC(1);
}

static void guest_report_first_word(void)
{
	GUEST_SYNC(READ_ONCE(*(u64 *)DATA_GPA));
}

#define ASSERT_SEG(seg, sel, b, lim)						\
	TEST_ASSERT((seg).selector == (sel) && (seg).base == (b) &&		\
		    (seg).limit == (lim),					\
		    #seg ": expected %#x/%#lx/%#x, got %#x/%#llx/%#x",		\
		    sel, (unsigned long)(b), lim, (seg).selector, (seg).base,	\
		    (seg).limit)

/* The architectural RESET values, as the SDM and the APM give them. */
static void assert_reset_regs(struct kvm_vcpu *vcpu)
{
	const struct kvm_cpuid_entry2 *leaf1 = vcpu_get_cpuid_entry(vcpu, 1);
	struct kvm_sregs sregs;
	struct kvm_regs regs;

	vcpu_regs_get(vcpu, &regs);
	TEST_ASSERT(regs.rip == 0xfff0 && regs.rflags == X86_EFLAGS_FIXED,
		    "RIP/RFLAGS: expected 0xfff0/0x2, got %#llx/%#llx",
		    regs.rip, regs.rflags);
	TEST_ASSERT(regs.rdx == leaf1->eax,
		    "RDX: expected CPUID.1.EAX %#x, got %#llx", leaf1->eax, regs.rdx);
	TEST_ASSERT(!(regs.rax | regs.rbx | regs.rcx | regs.rsi | regs.rdi |
		      regs.rsp | regs.rbp | regs.r8 | regs.r9 | regs.r10 |
		      regs.r11 | regs.r12 | regs.r13 | regs.r14 | regs.r15),
		    "GPRs other than RDX must be zero after RESET");

	vcpu_sregs_get(vcpu, &sregs);
	ASSERT_SEG(sregs.cs, 0xf000, 0xffff0000ul, 0xffff);
	ASSERT_SEG(sregs.ds, 0, 0, 0xffff);
	ASSERT_SEG(sregs.ss, 0, 0, 0xffff);
	TEST_ASSERT(sregs.cr0 == (X86_CR0_ET | X86_CR0_NW | X86_CR0_CD) &&
		    !sregs.cr2 && !sregs.cr3 && !sregs.cr4 && !sregs.efer,
		    "CR0/CR2/CR3/CR4/EFER: expected 0x60000010/0/0/0/0, got %#llx/%#llx/%#llx/%#llx/%#llx",
		    sregs.cr0, sregs.cr2, sregs.cr3, sregs.cr4, sregs.efer);
	TEST_ASSERT(sregs.apic_base == (APIC_DEFAULT_GPA | MSR_IA32_APICBASE_ENABLE |
					MSR_IA32_APICBASE_BSP),
		    "APIC base: expected enabled BSP at 0xfee00000, got %#llx",
		    sregs.apic_base);
}

/*
 * Everything KVM reports about the reset vCPU must equal a vCPU that
 * KVM_CREATE_VCPU just made, except RDX, which RESET takes from CPUID and
 * the new vCPU does not have yet.
 */
static void assert_same_as_new_vcpu(struct kvm_vcpu *vcpu)
{
	struct kvm_vcpu *fresh;
	struct kvm_vm *ref;
	struct {
		struct kvm_regs regs;
		struct kvm_sregs sregs;
		struct kvm_debugregs dregs;
		struct kvm_vcpu_events events;
		struct kvm_mp_state mp;
	} a = {}, b = {};

	ref = vm_create(1);
	fresh = __vm_vcpu_add(ref, vcpu->id);

	vcpu_regs_get(vcpu, &a.regs);
	vcpu_regs_get(fresh, &b.regs);
	a.regs.rdx = b.regs.rdx = 0;
	TEST_ASSERT(!memcmp(&a.regs, &b.regs, sizeof(a.regs)),
		    "KVM_GET_REGS differs from a new vCPU's");
	vcpu_sregs_get(vcpu, &a.sregs);
	vcpu_sregs_get(fresh, &b.sregs);
	TEST_ASSERT(!memcmp(&a.sregs, &b.sregs, sizeof(a.sregs)),
		    "KVM_GET_SREGS differs from a new vCPU's");
	vcpu_debugregs_get(vcpu, &a.dregs);
	vcpu_debugregs_get(fresh, &b.dregs);
	TEST_ASSERT(!memcmp(&a.dregs, &b.dregs, sizeof(a.dregs)),
		    "KVM_GET_DEBUGREGS differs from a new vCPU's (DR0 %#llx)",
		    a.dregs.db[0]);
	vcpu_events_get(vcpu, &a.events);
	vcpu_events_get(fresh, &b.events);
	TEST_ASSERT(!memcmp(&a.events, &b.events, sizeof(a.events)),
		    "KVM_GET_VCPU_EVENTS differs from a new vCPU's");
	vcpu_mp_state_get(vcpu, &a.mp);
	vcpu_mp_state_get(fresh, &b.mp);
	TEST_ASSERT(a.mp.mp_state == b.mp.mp_state,
		    "mp_state: expected %u as at creation, got %u",
		    b.mp.mp_state, a.mp.mp_state);

	kvm_vm_free(ref);
}

TEST(default_vm_vcpu_back_to_reset_shared_memory_kept)
{
	struct vcpu_boot_state boot;
	struct kvm_vcpu *vcpu;
	struct kvm_run *run;
	struct kvm_vm *vm;
	int vm_fd, vcpu_fd;

	vm = vm_create_with_data(VM_SHAPE_DEFAULT, &vcpu, guest_dirty_state, 1, false);
	vcpu_save_boot_state(vcpu, &boot);
	vm_fd = vm->fd;
	vcpu_fd = vcpu->fd;
	run = vcpu->run;

	TEST_ASSERT_EQ(vcpu_run_to_sync(vcpu), 1);
	vm_reset(vm, 0);

	assert_reset_regs(vcpu);
	assert_same_as_new_vcpu(vcpu);
	TEST_ASSERT_EQ(*(u64 *)addr_gpa2hva(vm, DATA_GPA), SHARED_MAGIC);

	/* Same fds, same kvm_run mapping, and the guest runs code we place. */
	vcpu_load_boot_state(vcpu, &boot, guest_report_first_word);
	TEST_ASSERT_EQ(vcpu_run_to_sync(vcpu), SHARED_MAGIC);
	TEST_ASSERT(vm->fd == vm_fd && vcpu->fd == vcpu_fd && vcpu->run == run,
		    "the VM and vCPU fds and the kvm_run mapping must not change");
	TEST_ASSERT_EQ(run->exit_reason, KVM_EXIT_IO);
	kvm_vm_free(vm);
}

TEST(application_processor_back_to_uninitialized)
{
	struct kvm_vcpu *vcpus[2];
	struct kvm_mp_state mp;
	struct kvm_vm *vm;

	vm = vm_create_with_vcpus(2, guest_dirty_state, vcpus);
	vm_reset(vm, 0);

	vcpu_mp_state_get(vcpus[0], &mp);
	TEST_ASSERT_EQ(mp.mp_state, KVM_MP_STATE_RUNNABLE);
	vcpu_mp_state_get(vcpus[1], &mp);
	TEST_ASSERT_EQ(mp.mp_state, KVM_MP_STATE_UNINITIALIZED);
	assert_same_as_new_vcpu(vcpus[1]);
	kvm_vm_free(vm);
}

static void check_private_reset(struct __test_metadata *_metadata, u64 flags,
				u64 expect_or, u64 expect_first)
{
	struct vcpu_boot_state boot;
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm;
	u64 *shared;

	KCR_REQUIRE(kvm_check_cap(KVM_CAP_VM_TYPES) & BIT(KVM_X86_SW_PROTECTED_VM));
	KCR_REQUIRE(kvm_reset_vm_types() & BIT(KVM_X86_SW_PROTECTED_VM));

	vm = vm_create_with_data(sw_protected_shape, &vcpu, guest_data_write_secret, 1, true);
	vcpu_save_boot_state(vcpu, &boot);
	shared = addr_gpa2hva(vm, DATA_GPA);
	for (int i = 0; i < DATA_WORDS; i++)
		shared[i] = SHARED_MAGIC;

	TEST_ASSERT_EQ(vcpu_run_to_sync(vcpu), DATA_SECRET ^ (DATA_WORDS - 1));
	TEST_ASSERT(shared[0] == SHARED_MAGIC,
		    "the private write must not reach the shared page");

	vm_reset(vm, flags);

	vcpu_load_boot_state(vcpu, &boot, guest_data_or_page);
	TEST_ASSERT_EQ(vcpu_run_to_sync(vcpu), expect_or);
	vcpu_load_boot_state(vcpu, &boot, guest_report_first_word);
	TEST_ASSERT_EQ(vcpu_run_to_sync(vcpu), expect_first);
	kvm_vm_free(vm);
}

/* Attributes stay private: the guest reads its private page, now zeroes. */
TEST(sw_protected_private_memory_reads_zero)
{
	check_private_reset(_metadata, 0, 0, 0);
}

/* With the flag the GPA is shared again and reads the shared page. */
TEST(sw_protected_clear_mem_attributes)
{
	check_private_reset(_metadata, KVM_RESET_VM_F_CLEAR_MEM_ATTRIBUTES,
			    SHARED_MAGIC, SHARED_MAGIC);
}

TEST(capability_is_a_subset_of_vm_types)
{
	u32 types = kvm_check_cap(KVM_CAP_VM_TYPES);
	u32 reset = kvm_reset_vm_types();
	struct kvm_vm *vm;

	TEST_ASSERT(reset && !(reset & ~types),
		    "KVM_CAP_VM_RESET %#x must be a non-empty subset of KVM_CAP_VM_TYPES %#x",
		    reset, types);
	TEST_ASSERT(reset & BIT(KVM_X86_DEFAULT_VM),
		    "KVM_X86_DEFAULT_VM must be resettable (mask %#x)", reset);
	if (types & BIT(KVM_X86_SW_PROTECTED_VM))
		TEST_ASSERT(reset & BIT(KVM_X86_SW_PROTECTED_VM),
			    "KVM_X86_SW_PROTECTED_VM must be resettable (mask %#x)", reset);

	vm = vm_create_barebones();
	TEST_ASSERT_EQ(vm_check_cap(vm, KVM_CAP_VM_RESET), reset);
	kvm_vm_free(vm);
}

TEST(vm_still_usable_after_reset)
{
	struct vcpu_boot_state boot;
	struct kvm_vcpu *vcpu, *vcpu2;
	struct kvm_vm *vm;

	vm = vm_create_with_data(VM_SHAPE_DEFAULT, &vcpu, guest_dirty_state, 1, false);
	vcpu_save_boot_state(vcpu, &boot);
	vm_reset(vm, 0);

	/* Memslots can change and vCPUs can be added after a reset. */
	vm_userspace_mem_region_add(vm, VM_MEM_SRC_ANONYMOUS, DATA_GPA + PAGE_SIZE,
				    DATA_SLOT + 1, 1, 0);
	vcpu2 = vm_vcpu_add(vm, 1, guest_report_first_word);
	vcpu_load_boot_state(vcpu, &boot, guest_dirty_state);
	TEST_ASSERT_EQ(vcpu_run_to_sync(vcpu), 1);
	TEST_ASSERT_EQ(vcpu_run_to_sync(vcpu2), SHARED_MAGIC);

	/* And the VM can be reset again. */
	vm_reset(vm, 0);
	assert_reset_regs(vcpu);
	kvm_vm_free(vm);
}

TEST(stats_count_resets)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm;

	vm = vm_create_with_one_vcpu(&vcpu, guest_dirty_state);
	TEST_ASSERT_EQ(vm_get_stat(vm, vm_resets), 0);
	TEST_ASSERT_EQ(vm_get_stat(vm, vm_reset_last_ns), 0);
	vm_reset(vm, 0);
	vm_reset(vm, 0);
	TEST_ASSERT_EQ(vm_get_stat(vm, vm_resets), 2);
	TEST_ASSERT(vm_get_stat(vm, vm_reset_last_ns) > 0,
		    "vm_reset_last_ns must hold the last reset's duration");
	kvm_vm_free(vm);
}

/*
 * A private page that the old guest populated through a binding userspace
 * has since deleted, keeping the guest_memfd, must not reach the next guest
 * through a new binding of the same range.
 */
TEST(orphaned_guest_memfd_pages_discarded)
{
	struct vcpu_boot_state boot;
	struct vm_boot_image img;
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm;
	int gmem;

	KCR_REQUIRE(kvm_reset_vm_types() & BIT(KVM_X86_SW_PROTECTED_VM));

	vm = vm_create_shape_with_one_vcpu(sw_protected_shape, &vcpu, guest_data_write_secret);
	gmem = vm_create_guest_memfd(vm, PAGE_SIZE, 0);
	vm_mem_add(vm, VM_MEM_SRC_ANONYMOUS, DATA_GPA, DATA_SLOT, 1,
		   KVM_MEM_GUEST_MEMFD, gmem, 0);
	virt_map(vm, DATA_GPA, DATA_GPA, 1);
	vm_mem_set_private(vm, DATA_GPA, PAGE_SIZE);
	vm_save_boot_image(vm, &img);
	vcpu_save_boot_state(vcpu, &boot);

	TEST_ASSERT_EQ(vcpu_run_to_sync(vcpu), DATA_SECRET ^ (DATA_WORDS - 1));
	vm_mem_region_delete(vm, DATA_SLOT);

	vm_reset(vm, 0);

	vm_mem_add(vm, VM_MEM_SRC_ANONYMOUS, DATA_GPA, DATA_SLOT, 1,
		   KVM_MEM_GUEST_MEMFD, gmem, 0);
	vm_load_boot_image(vm, &img);
	vcpu_load_boot_state(vcpu, &boot, guest_data_or_page);
	TEST_ASSERT_EQ(vcpu_run_to_sync(vcpu), 0);

	close(gmem);
	free(img.copy);
	kvm_vm_free(vm);
}

/*
 * Only the VM's creator may reset it: a process that holds the VM fd
 * without having created it (here a forked child) gets EIO, as for every
 * other VM ioctl, and nothing changes.
 */
TEST(reset_refused_to_another_process)
{
	struct kvm_regs before, after;
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm;
	int status;
	pid_t child;

	vm = vm_create_with_one_vcpu(&vcpu, guest_dirty_state);
	vcpu_regs_get(vcpu, &before);
	child = fork();
	TEST_ASSERT(child >= 0, "fork");
	if (!child) {
		struct kvm_reset_vm args = {};

		if (ioctl(vm->fd, KVM_CHECK_EXTENSION, KVM_CAP_USER_MEMORY) != -1 ||
		    errno != EIO)
			_exit(1);
		if (ioctl(vm->fd, KVM_RESET_VM, &args) != -1 || errno != EIO)
			_exit(2);
		_exit(args.state == KVM_RESET_VM_STATE_NONE ? 0 : 3);
	}
	TEST_ASSERT_EQ(waitpid(child, &status, 0), child);
	TEST_ASSERT(WIFEXITED(status) && !WEXITSTATUS(status),
		    "child: status %#x (1: other ioctls not refused, 2: reset not refused with EIO, 3: state set)",
		    status);
	TEST_ASSERT_EQ(vm_get_stat(vm, vm_resets), 0);
	vcpu_regs_get(vcpu, &after);
	TEST_ASSERT(!memcmp(&before, &after, sizeof(before)),
		    "a refused reset changed the vCPU's registers");
	kvm_vm_free(vm);
}

TEST_HARNESS_MAIN
