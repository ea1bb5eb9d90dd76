// SPDX-License-Identifier: GPL-2.0-only
/*
 * The oracle of KVM_RESET_VM: a reset VM is indistinguishable from a VM that
 * was created the same way and never ran.
 *
 * Three VMs are configured alike (memslots, CPUID, in-kernel irqchip, PIT,
 * MCE banks, Hyper-V and Xen where the host offers them): "old" runs a guest
 * that dirties every state it can reach and is left with traps (an MMIO
 * read exit never completed, taken in L2 when nested SVM is offered; NMI,
 * SMI and a latched INIT pending; every MSR of KVM_GET_MSR_INDEX_LIST
 * written from userspace; PV and Hyper-V pages armed; a running PIT and APIC
 * timer; a far kvmclock), then is reset.  "twin" never runs.  Every state
 * the GET ioctls expose must then be equal, apart from the userspace-owned
 * configuration that the uAPI says a reset keeps.  Both are then booted
 * the same way and run to the same point, and compared again, including the
 * memory where the old guest had KVM write its PV structures.
 */
#include <string.h>
#include <asm/kvm_para.h>

#include "apic.h"
#include "hyperv.h"
#include "mce.h"
#include "kvm_util.h"
#include "processor.h"
#include "svm_util.h"
#include "ucall_common.h"
#include "vm_reset.h"
#include "vm_state.h"
#include "kselftest_harness.h"

#define SECRET		0x5ec2e7000000cafeull
#define DATA_PAGES	16
#define PV_GPA(n)	(DATA_GPA + (n) * PAGE_SIZE)
/* Not backed by a memslot: a read there exits to userspace as MMIO. */
#define MMIO_GPA	0xd0000000ul
#define SLACK_NS	(30 * 1000000000ull)

/* Not in the selftests' processor.h of 7.3. */
#define X86_FEATURE_AVX		KVM_X86_CPU_FEATURE(0x1, 0, ECX, 28)
#define X86_FEATURE_MTRR	KVM_X86_CPU_FEATURE(0x1, 0, EDX, 12)

static bool nested;

static void port_out(u16 port, u8 value)
{
	asm volatile("outb %0, %1" : : "a"(value), "Nd"(port));
}

static void l2_mmio_read(void)
{
	u64 v;

	asm volatile("mov %1, %%rbx\n\t"
		     "mov %1, %%r12\n\t"
		     "mov %1, %%r15\n\t"
		     "mov (%2), %0"
		     : "=a"(v) : "r"(SECRET), "r"(MMIO_GPA) : "rbx", "r12", "r15", "memory");
	GUEST_FAIL("the MMIO read completed: 0x%lx", v);
}

static void dirty_fpu(void)
{
	u64 secret[4] = { SECRET, ~SECRET, SECRET ^ 1, ~SECRET ^ 1 };

	asm volatile("movdqu %0, %%xmm0\n\t"
		     "movdqu %0, %%xmm7\n\t"
		     "movdqu %0, %%xmm15\n\t"
		     "fninit\n\t"
		     "fldpi\n\t"
		     "fld1\n\t"
		     : : "m"(secret) : "xmm0", "xmm7", "xmm15", "memory");
	if (this_cpu_has(X86_FEATURE_AVX))
		asm volatile("vmovdqu %0, %%ymm3" : : "m"(secret) : "xmm3");
	if (this_cpu_has(X86_FEATURE_PKU)) {
		set_cr4(get_cr4() | X86_CR4_PKE);
		wrpkru(0x55555554);
	}
}

static void dirty_msrs(void)
{
	wrmsr(MSR_STAR, 0x0023001000000000ull);
	wrmsr(MSR_LSTAR, 0xffffffff81234560ull);
	wrmsr(MSR_CSTAR, 0xffffffff81234600ull);
	wrmsr(MSR_SYSCALL_MASK, 0x47700);
	wrmsr(MSR_KERNEL_GS_BASE, 0xffff888012340000ull);
	wrmsr(MSR_IA32_SYSENTER_CS, 0x10);
	wrmsr(MSR_IA32_SYSENTER_ESP, 0xffffc90000001000ull);
	wrmsr(MSR_IA32_SYSENTER_EIP, 0xffffffff81234700ull);
	wrmsr(MSR_IA32_CR_PAT, 0x0606060606060606ull);
	wrmsr(MSR_IA32_TSC, 1ull << 50);
	if (this_cpu_has(X86_FEATURE_TSC_ADJUST))
		wrmsr(MSR_IA32_TSC_ADJUST, 1ull << 40);
	if (this_cpu_has(X86_FEATURE_MTRR)) {
		wrmsr_safe(MSR_MTRRdefType, 0xc06);
		wrmsr_safe(MSR_MTRRfix64K_00000, 0x0606060606060606ull);
	}
	if (this_cpu_has(X86_FEATURE_RDTSCP))
		wrmsr(MSR_TSC_AUX, 0x42);
	if (this_cpu_has(X86_FEATURE_MCE))
		wrmsr_safe(MSR_IA32_MCG_STATUS, 1);
	wrmsr_safe(MSR_IA32_MISC_ENABLE, rdmsr(MSR_IA32_MISC_ENABLE) |
		   MSR_IA32_MISC_ENABLE_FAST_STRING);

	if (this_cpu_has(X86_FEATURE_KVM_CLOCKSOURCE2)) {
		wrmsr(MSR_KVM_SYSTEM_TIME_NEW, PV_GPA(0) | 1);
		wrmsr(MSR_KVM_WALL_CLOCK_NEW, PV_GPA(1));
	}
	if (this_cpu_has(X86_FEATURE_KVM_STEAL_TIME))
		wrmsr(MSR_KVM_STEAL_TIME, PV_GPA(2) | KVM_MSR_ENABLED);
	if (this_cpu_has(X86_FEATURE_KVM_ASYNC_PF_INT)) {
		wrmsr(MSR_KVM_ASYNC_PF_INT, 0xec);
		wrmsr(MSR_KVM_ASYNC_PF_EN, PV_GPA(3) | KVM_ASYNC_PF_ENABLED |
		      KVM_ASYNC_PF_DELIVERY_AS_INT);
	}
	if (this_cpu_has(X86_FEATURE_KVM_PV_EOI))
		wrmsr(MSR_KVM_PV_EOI_EN, PV_GPA(4) | KVM_MSR_ENABLED);
	if (this_cpu_has(X86_FEATURE_KVM_POLL_CONTROL))
		wrmsr(MSR_KVM_POLL_CONTROL, 0);
}

static void dirty_hyperv(void)
{
	if (!this_cpu_has(HV_MSR_HYPERCALL_AVAILABLE))
		return;
	wrmsr(HV_X64_MSR_GUEST_OS_ID, HYPERV_LINUX_OS_ID);
	wrmsr(HV_X64_MSR_HYPERCALL, PV_GPA(5) | 1);
	wrmsr_safe(HV_X64_MSR_REFERENCE_TSC, PV_GPA(6) | 1);
	wrmsr_safe(HV_X64_MSR_VP_ASSIST_PAGE, PV_GPA(7) | 1);
	wrmsr_safe(HV_X64_MSR_SIMP, PV_GPA(8) | 1);
	wrmsr_safe(HV_X64_MSR_SIEFP, PV_GPA(9) | 1);
	wrmsr_safe(HV_X64_MSR_SCONTROL, 1);
	wrmsr_safe(HV_X64_MSR_STIMER0_CONFIG, 0x10000 | 3);
	wrmsr_safe(HV_X64_MSR_CRASH_P0, SECRET);
}

/* x2APIC timer armed and periodic, TPR raised; PIC and PIT programmed. */
static void dirty_devices(void)
{
	x2apic_enable();
	x2apic_write_reg(APIC_TASKPRI, 0x20);
	x2apic_write_reg(APIC_TDCR, 0xb);
	x2apic_write_reg(APIC_LVTT, APIC_LVT_TIMER_PERIODIC | 0xee);
	x2apic_write_reg(APIC_TMICT, 0x10000000);

	port_out(0x20, 0x11);
	port_out(0x21, 0x30);
	port_out(0x21, 0x04);
	port_out(0x21, 0x01);
	port_out(0x21, 0xfa);
	port_out(0x43, 0x34);
	port_out(0x40, 0x00);
	port_out(0x40, 0x10);

	asm volatile("mov %0, %%dr0\n\t"
		     "mov %0, %%dr3\n\t"
		     "mov %1, %%dr7\n\t"
		     "mov %0, %%cr2"
		     : : "r"(0xffffffff81000000ul), "r"(0x402ul));
}

static void guest_old(struct svm_test_data *svm)
{
	dirty_fpu();
	dirty_msrs();
	dirty_hyperv();
	dirty_devices();
	GUEST_SYNC(1);

	if (svm) {
		generic_svm_setup(svm, l2_mmio_read);
		run_guest(svm->vmcb, svm->vmcb_gpa);
		GUEST_FAIL("L2 returned to L1: exit code 0x%lx", svm->vmcb->control.exit_code);
	}
	l2_mmio_read();
}

/* What both VMs boot after the reset: a little work, then a sync. */
static void guest_boot(void)
{
	u64 xmm0[2];

	asm volatile("movdqu %%xmm0, %0" : "=m"(xmm0));
	GUEST_SYNC(xmm0[0] | xmm0[1] | rdmsr(MSR_LSTAR));
	GUEST_DONE();
}

struct twins {
	struct kvm_vm *old, *twin;
	struct kvm_vcpu *old_vcpu, *twin_vcpu;
	struct vm_boot_image image;
	struct vcpu_boot_state boot;
	int mce_banks;
};

static void configure_vm(struct kvm_vm *vm)
{
	struct kvm_pit_config pit = { .flags = KVM_PIT_SPEAKER_DUMMY };
	struct kvm_xen_hvm_config xen = {
		.flags = KVM_XEN_HVM_CONFIG_INTERCEPT_HCALL,
	};

	if (kvm_has_cap(KVM_CAP_PIT2))
		vm_ioctl(vm, KVM_CREATE_PIT2, &pit);
	if (xen_shared_info_supported())
		vm_ioctl(vm, KVM_XEN_HVM_CONFIG, &xen);
	vm_userspace_mem_region_add(vm, VM_MEM_SRC_ANONYMOUS, DATA_GPA, DATA_SLOT,
				    DATA_PAGES, 0);
}

static void configure_vcpu(struct twins *t, struct kvm_vcpu *vcpu)
{
	u64 mcg_cap = t->mce_banks | MCG_CTL_P;

	if (kvm_has_cap(KVM_CAP_HYPERV_CPUID))
		vcpu_set_hv_cpuid(vcpu);
	if (kvm_has_cap(KVM_CAP_HYPERV_SYNIC2))
		vcpu_enable_cap(vcpu, KVM_CAP_HYPERV_SYNIC2, 0);
	if (t->mce_banks)
		vcpu_ioctl(vcpu, KVM_X86_SETUP_MCE, &mcg_cap);
	/* A feature MSR the VMM sets: configuration the reset must keep. */
	vcpu_set_msr(vcpu, MSR_IA32_UCODE_REV, 0x1234ull << 32);
}

static void twins_create(struct twins *t, struct vm_shape shape)
{
	gva_t svm_gva = 0;

	memset(t, 0, sizeof(*t));
	if (kvm_has_cap(KVM_CAP_MCE))
		t->mce_banks = kvm_check_cap(KVM_CAP_MCE) < 4 ?
			       kvm_check_cap(KVM_CAP_MCE) : 4;

	t->old = vm_create_shape_with_one_vcpu(shape, &t->old_vcpu, guest_old);
	configure_vm(t->old);
	virt_map(t->old, DATA_GPA, DATA_GPA, DATA_PAGES);
	virt_map(t->old, MMIO_GPA, MMIO_GPA, 1);
	configure_vcpu(t, t->old_vcpu);
	if (nested)
		vcpu_alloc_svm(t->old, &svm_gva);
	vcpu_args_set(t->old_vcpu, 1, svm_gva);
	vm_save_boot_image(t->old, &t->image);
	vcpu_save_boot_state(t->old_vcpu, &t->boot);

	/* KVM_CREATE_VM, the same configuration, KVM_CREATE_VCPU, CPUID. */
	t->twin = __vm_create(shape, 1, 0);
	configure_vm(t->twin);
	t->twin_vcpu = vm_arch_vcpu_recreate(t->twin, 0);
	configure_vcpu(t, t->twin_vcpu);
}

static void twins_destroy(struct twins *t)
{
	free(t->image.copy);
	kvm_vm_free(t->old);
	kvm_vm_free(t->twin);
}

/* Every MSR of KVM_GET_MSR_INDEX_LIST that takes a new value, takes it. */
static int dirty_every_msr(struct kvm_vcpu *vcpu)
{
	const struct kvm_msr_list *list = kvm_get_msr_index_list();
	const struct kvm_msr_list *features = kvm_get_feature_msr_index_list();
	int i, j, n = 0;

	for (i = 0; i < list->nmsrs; i++) {
		u32 index = list->indices[i];
		u64 v, try[3];
		bool feature = false;

		for (j = 0; j < features->nmsrs; j++)
			feature |= features->indices[j] == index;
		/* Feature MSRs are the VMM's configuration, not guest state. */
		if (feature || index == MSR_IA32_TSC)
			continue;

		if (!vcpu_msr_read(vcpu, index, &v))
			continue;
		try[0] = v ^ 1;
		try[1] = v ^ 0x1000;
		try[2] = v | 0x10;
		for (j = 0; j < 3; j++) {
			if (_vcpu_set_msr(vcpu, index, try[j]) == 1) {
				n++;
				break;
			}
		}
	}
	return n;
}

static void set_traps(struct twins *t)
{
	struct kvm_vcpu *vcpu = t->old_vcpu;
	struct kvm_clock_data clock = { .clock = 1000000 * 1000000000ull };
	struct kvm_vcpu_events events;
	struct kvm_irqchip ioapic = { .chip_id = KVM_IRQCHIP_IOAPIC };
	int n;

	n = dirty_every_msr(vcpu);
	printf("# userspace wrote %d MSRs of KVM_GET_MSR_INDEX_LIST\n", n);
	if (t->mce_banks) {
		/* A machine check the VMM injected into the old guest. */
		vcpu_set_msr(vcpu, MSR_IA32_MC0_STATUS, 0xb200000000000135ull);
		vcpu_set_msr(vcpu, MSR_IA32_MC0_ADDR, 0x12345000);
		vcpu_set_msr(vcpu, MSR_IA32_MC0_MISC, 0x86);
		vcpu_set_msr(vcpu, MSR_IA32_MCG_STATUS, 0x5);
	}

	vcpu_ioctl(vcpu, KVM_NMI, NULL);
	vcpu_events_get(vcpu, &events);
	if (kvm_has_cap(KVM_CAP_X86_SMM)) {
		events.flags = KVM_VCPUEVENT_VALID_SMM;
		events.smi.pending = 1;
		events.smi.latched_init = 1;
		vcpu_events_set(vcpu, &events);
	}

	vm_ioctl(t->old, KVM_SET_CLOCK, &clock);

	vm_ioctl(t->old, KVM_GET_IRQCHIP, &ioapic);
	ioapic.chip.ioapic.redirtbl[3].bits = 0x33;
	ioapic.chip.ioapic.id = 5;
	vm_ioctl(t->old, KVM_SET_IRQCHIP, &ioapic);

	/*
	 * Lines that a device holds asserted across the reboot (GSI 10 goes
	 * to the PIC and the I/O APIC, GSI 20 to the I/O APIC only): kept, with
	 * the requests they raise, as in a new VM whose device asserted them.
	 */
	kvm_irq_line(t->old, 10, 1);
	kvm_irq_line(t->old, 20, 1);
	kvm_irq_line(t->twin, 10, 1);
	kvm_irq_line(t->twin, 20, 1);

	if (xen_shared_info_supported()) {
		struct kvm_xen_hvm_attr shinfo = {
			.type = KVM_XEN_ATTR_TYPE_SHARED_INFO,
			.u.shared_info.gfn = PV_GPA(10) >> PAGE_SHIFT,
		};
		struct kvm_xen_vcpu_attr attr = {
			.type = KVM_XEN_VCPU_ATTR_TYPE_VCPU_INFO,
			.u.gpa = PV_GPA(11),
		};

		vm_ioctl(t->old, KVM_XEN_HVM_SET_ATTR, &shinfo);
		vcpu_ioctl(vcpu, KVM_XEN_VCPU_SET_ATTR, &attr);
		attr.type = KVM_XEN_VCPU_ATTR_TYPE_RUNSTATE_ADDR;
		attr.u.gpa = PV_GPA(12);
		vcpu_ioctl(vcpu, KVM_XEN_VCPU_SET_ATTR, &attr);
	}
}

/* Userspace-owned configuration that KVM_RESET_VM keeps (api.rst). */
static const u32 kept_msrs[] = {
	/* Hyper-V VP index: only userspace writes it (the guest reads it). */
	HV_X64_MSR_VP_INDEX,
};

static void compare_all(struct twins *t, const char *phase)
{
	struct vcpu_snapshot got, want;
	struct vm_snapshot vgot, vwant;
	struct state_diff d = { .phase = phase };

	vcpu_snapshot_take(t->old_vcpu, &got);
	vcpu_snapshot_take(t->twin_vcpu, &want);
	/*
	 * RESET puts CPUID.1.EAX in RDX.  A vCPU that KVM_CREATE_VCPU just
	 * made has no CPUID yet and gets KVM's 0x600; the reset vCPU has its
	 * CPUID, which the reset keeps, and gets the architectural value.
	 */
	if (got.regs.rdx != want.regs.rdx) {
		u32 eax = vcpu_get_cpuid_entry(t->old_vcpu, 1)->eax;

		TEST_ASSERT(got.regs.rdx == eax && want.regs.rdx == 0x600,
			    "%s: RDX 0x%llx, expected CPUID.1.EAX 0x%x (twin: 0x%llx)",
			    phase, got.regs.rdx, eax, want.regs.rdx);
		got.regs.rdx = want.regs.rdx;
	}
	vm_snapshot_take(t->old, &vgot);
	vm_snapshot_take(t->twin, &vwant);
	vcpu_snapshot_compare(&d, &got, &want, kept_msrs, ARRAY_SIZE(kept_msrs), SLACK_NS);
	vm_snapshot_compare(&d, &vgot, &vwant, SLACK_NS);
	vcpu_snapshot_free(&got);
	vcpu_snapshot_free(&want);
	TEST_ASSERT(!d.count, "%s: %d states of the reset VM differ from its never-run twin",
		    phase, d.count);
}

/* Run @vcpu to its next exit that is not a SynIC MSR notification. */
static void run_past_synic_exits(struct kvm_vcpu *vcpu)
{
	do {
		vcpu_run(vcpu);
	} while (vcpu->run->exit_reason == KVM_EXIT_HYPERV);
}

/* KVM_RUN with immediate_exit: nothing may run, nothing may change. */
static void run_immediate_exit(struct kvm_vcpu *vcpu)
{
	int r;

	vcpu->run->immediate_exit = 1;
	r = __vcpu_run(vcpu);
	vcpu->run->immediate_exit = 0;
	TEST_ASSERT(r == -1 && errno == EINTR,
		    "KVM_RUN with immediate_exit: expected EINTR, got %d errno %d", r, errno);
}

static void boot(struct twins *t, struct kvm_vm *vm, struct kvm_vcpu *vcpu)
{
	vm_load_boot_image(vm, &t->image);
	memset(addr_gpa2hva(vm, DATA_GPA), 0, DATA_PAGES * PAGE_SIZE);
	vcpu_load_boot_state(vcpu, &t->boot, guest_boot);
}

/*
 * @flags: KVM_RESET_VM's flags; with KVM_RESET_VM_F_ASYNC the backlog is
 * reclaimed only after the rebooted guest ran.
 */
static void oracle(struct vm_shape shape, u64 flags)
{
	struct twins t;
	u64 got, want;

	twins_create(&t, shape);
	printf("# traps on this host: nested SVM %s, Hyper-V %s, Xen %s, SMM %s, AVX %s, PKU %s, MCE banks %d, PMU %s\n",
	       nested ? "yes" : "no", kvm_has_cap(KVM_CAP_HYPERV_CPUID) ? "yes" : "no",
	       xen_shared_info_supported() ? "yes" : "no",
	       kvm_has_cap(KVM_CAP_X86_SMM) ? "yes" : "no",
	       kvm_cpu_has(X86_FEATURE_AVX) ? "yes" : "no",
	       kvm_cpu_has(X86_FEATURE_PKU) ? "yes" : "no", t.mce_banks,
	       kvm_cpu_has(X86_FEATURE_PERFCTR_CORE) ? "yes" : "no");

	run_past_synic_exits(t.old_vcpu);
	TEST_ASSERT_KVM_EXIT_REASON(t.old_vcpu, KVM_EXIT_IO);
	TEST_ASSERT(get_ucall(t.old_vcpu, NULL) == UCALL_SYNC,
		    "the dirtying guest did not reach its GUEST_SYNC");
	run_past_synic_exits(t.old_vcpu);
	TEST_ASSERT(t.old_vcpu->run->exit_reason == KVM_EXIT_MMIO &&
		    t.old_vcpu->run->mmio.phys_addr == MMIO_GPA,
		    "expected the MMIO read exit at 0x%lx, got exit %u", MMIO_GPA,
		    t.old_vcpu->run->exit_reason);
	memset(t.old_vcpu->run->mmio.data, 0xab, sizeof(t.old_vcpu->run->mmio.data));
	set_traps(&t);

	vm_reset(t.old, flags);
	compare_all(&t, "after the reset");

	run_immediate_exit(t.old_vcpu);
	run_immediate_exit(t.twin_vcpu);
	compare_all(&t, "after KVM_RUN with immediate_exit");

	boot(&t, t.old, t.old_vcpu);
	boot(&t, t.twin, t.twin_vcpu);
	got = vcpu_run_to_sync(t.old_vcpu);
	want = vcpu_run_to_sync(t.twin_vcpu);
	TEST_ASSERT(got == want, "the rebooted guest saw 0x%lx, its twin 0x%lx", got, want);
	compare_all(&t, "both booted and run to the same point");
	{
		struct state_diff d = { .phase = "guest memory after the boot" };

		vm_memory_compare(&d, t.old, t.twin, DATA_GPA, DATA_PAGES * PAGE_SIZE);
		TEST_ASSERT(!d.count, "KVM wrote into the rebooted guest's memory");
	}

	if (flags & KVM_RESET_VM_F_ASYNC) {
		struct kvm_reset_vm_reclaim r = {};

		vm_ioctl(t.old, KVM_RESET_VM_RECLAIM, &r);
		TEST_ASSERT_EQ(r.remaining, 0);
		compare_all(&t, "after the reclaim");
	}

	twins_destroy(&t);
}

TEST(default_vm_matches_fresh_twin)
{
	KCR_REQUIRE(kvm_reset_vm_types() & BIT(KVM_X86_DEFAULT_VM));
	oracle(VM_SHAPE_DEFAULT, 0);
}

TEST(sw_protected_vm_matches_fresh_twin)
{
	KCR_REQUIRE(kvm_reset_vm_types() & BIT(KVM_X86_SW_PROTECTED_VM));
	oracle(sw_protected_shape, 0);
}

TEST(default_vm_async_matches_fresh_twin)
{
	KCR_REQUIRE(kvm_check_cap(KVM_CAP_VM_RESET_ASYNC) & BIT(KVM_X86_DEFAULT_VM));
	oracle(VM_SHAPE_DEFAULT, KVM_RESET_VM_F_ASYNC);
}

TEST(sw_protected_vm_async_matches_fresh_twin)
{
	KCR_REQUIRE(kvm_check_cap(KVM_CAP_VM_RESET_ASYNC) & BIT(KVM_X86_SW_PROTECTED_VM));
	oracle(sw_protected_shape, KVM_RESET_VM_F_ASYNC);
}

int main(int argc, char *argv[])
{
	nested = kvm_cpu_has(X86_FEATURE_SVM) && kvm_is_tdp_enabled() &&
		 kvm_has_cap(KVM_CAP_NESTED_STATE);
	return test_harness_run(argc, argv);
}
