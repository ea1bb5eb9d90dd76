// SPDX-License-Identifier: GPL-2.0-only
/*
 * A minimal TD for selftests.  The vCPU of a TD starts at 0xfffffff0 in
 * 32-bit protected mode without paging, with EFER.LME set by the TDX
 * module; the boot code at the top of 4 GiB enables paging on an identity
 * map of that gigabyte, enters 64-bit mode and reports its payload byte with
 * TDG.VP.VMCALL<Instruction.IO>, which KVM turns into a KVM_EXIT_IO.  If the
 * image asks for it, the code first converts 4 MiB at GPA 0 to shared with
 * TDG.VP.VMCALL<MapGPA>, which KVM passes to userspace in pieces.
 */
#include <stdlib.h>
#include <string.h>

#include "kvm_util.h"
#include "processor.h"
#include "tdx.h"

#define TD_BOOT_SLOT	20
#define TD_PML4_GPA	0xffffd000ul
#define TD_PDPT_GPA	0xffffe000ul
#define TD_CODE_GPA	0xfffff000ul
#define TD_BOOT_GPA	TD_PML4_GPA
#define TD_BOOT_PAGES	3
#define TD_PAYLOAD_OFF	0x800
#define TD_MAP_GPA_OFF	0x801
/* Architectural page-table bits: present, writable, 1 GiB page. */
#define TD_PTE_P	BIT_ULL(0)
#define TD_PTE_RW	BIT_ULL(1)
#define TD_PTE_PS	BIT_ULL(7)
#define TD_RESET_OFF	0xff0

/* Offsets in the code page become absolute GPAs. */
#define TD_ABS(sym)	"(" #sym " - td_code_start + 0xfffff000)"

extern const u8 td_code_start[], td_code_end[];
asm(".pushsection .rodata\n"
    "td_code_start:\n"
    ".code32\n"
    "	lgdtl " TD_ABS(td_gdt_desc) "\n"
    "	movl %cr4, %eax\n"
    "	orl $0x20, %eax\n"			/* CR4.PAE */
    "	movl %eax, %cr4\n"
    "	movl $0xffffd000, %eax\n"		/* PML4 */
    "	movl %eax, %cr3\n"
    "	movl %cr0, %eax\n"
    "	orl $0x80000000, %eax\n"		/* CR0.PG: EFER.LME is set */
    "	movl %eax, %cr0\n"
    "	ljmpl $0x8, $" TD_ABS(td_code64) "\n"
    ".code64\n"
    "td_code64:\n"
    "	movabs $0xfffff801, %rax\n"		/* TD_MAP_GPA_OFF */
    "	cmpb $0, (%rax)\n"
    "	je 2f\n"
    "	xorl %eax, %eax\n"			/* TDG.VP.VMCALL */
    "	movl $0x3c00, %ecx\n"			/* passes R10-R13 */
    "	xorl %r10d, %r10d\n"			/* standard TDVMCALL */
    "	movl $0x10001, %r11d\n"		/* MapGPA */
    "	movabs $0x800000000000, %r12\n"	/* GPA 0, shared bit 47 */
    "	movl $0x400000, %r13d\n"		/* 4 MiB */
    "	.byte 0x66, 0x0f, 0x01, 0xcc\n"		/* TDCALL */
    "2:	movabs $0xfffff800, %rax\n"		/* TD_PAYLOAD_OFF */
    "	movzbl (%rax), %r15d\n"
    "	xorl %eax, %eax\n"			/* TDG.VP.VMCALL */
    "	movl $0xfc00, %ecx\n"			/* passes R10-R15 */
    "	xorl %r10d, %r10d\n"			/* standard TDVMCALL */
    "	movl $30, %r11d\n"			/* Instruction.IO */
    "	movl $1, %r12d\n"			/* one byte */
    "	movl $1, %r13d\n"			/* out */
    "	movl $" __stringify(TD_REPORT_PORT) ", %r14d\n"
    "	.byte 0x66, 0x0f, 0x01, 0xcc\n"		/* TDCALL */
    "1:	jmp 1b\n"
    ".align 8\n"
    "td_gdt:\n"
    "	.quad 0\n"
    "	.quad 0x00af9b000000ffff\n"		/* 64-bit code, selector 8 */
    "td_gdt_desc:\n"
    "	.word td_gdt_desc - td_gdt - 1\n"
    "	.long " TD_ABS(td_gdt) "\n"
    "td_code_end:\n"
    ".popsection");

static int tdx_ioctl(int fd, u32 id, u32 flags, u64 data)
{
	struct kvm_tdx_cmd cmd = { .id = id, .flags = flags, .data = data };

	return ioctl(fd, KVM_MEMORY_ENCRYPT_OP, &cmd);
}

const char *td_missing(void)
{
	if (!(kvm_check_cap(KVM_CAP_VM_TYPES) & BIT(KVM_X86_TDX_VM)))
		return "KVM does not offer KVM_X86_TDX_VM (no TDX on this host)";
	return NULL;
}

/* The CPUID configuration: what KVM supports, within what TDX lets us set. */
static struct kvm_tdx_init_vm *td_init_params(struct kvm_vm *vm)
{
	const struct kvm_cpuid2 *supported = kvm_get_supported_cpuid();
	struct kvm_tdx_capabilities *caps;
	struct kvm_tdx_init_vm *init;
	size_t n = MAX_NR_CPUID_ENTRIES;

	caps = calloc(1, sizeof(*caps) + n * sizeof(caps->cpuid.entries[0]));
	init = calloc(1, sizeof(*init) + n * sizeof(init->cpuid.entries[0]));
	TEST_ASSERT(caps && init, "calloc");
	caps->cpuid.nent = n;
	TEST_ASSERT(!tdx_ioctl(vm->fd, KVM_TDX_CAPABILITIES, 0, (u64)caps),
		    "KVM_TDX_CAPABILITIES: errno %d", errno);

	init->xfam = caps->supported_xfam & (XFEATURE_MASK_FP | XFEATURE_MASK_SSE);
	for (u32 i = 0; i < caps->cpuid.nent; i++) {
		const struct kvm_cpuid_entry2 *mask = &caps->cpuid.entries[i];
		struct kvm_cpuid_entry2 *e = &init->cpuid.entries[init->cpuid.nent];

		for (u32 j = 0; j < supported->nent; j++) {
			const struct kvm_cpuid_entry2 *s = &supported->entries[j];

			if (s->function != mask->function || s->index != mask->index)
				continue;
			*e = *s;
			e->eax &= mask->eax;
			e->ebx &= mask->ebx;
			e->ecx &= mask->ecx;
			e->edx &= mask->edx;
			init->cpuid.nent++;
			break;
		}
	}
	free(caps);
	return init;
}

int __td_init_vm(struct kvm_vm *vm)
{
	struct kvm_tdx_init_vm *init = td_init_params(vm);
	int r;

	r = tdx_ioctl(vm->fd, KVM_TDX_INIT_VM, 0, (u64)init);
	free(init);
	return r;
}

struct kvm_vm *td_vm_create(void)
{
	struct kvm_vm *vm = vm_create_barebones_type(KVM_X86_TDX_VM);

	vm_enable_cap(vm, KVM_CAP_SPLIT_IRQCHIP, 24);
	return vm;
}

void td_add_boot_slot(struct kvm_vm *vm)
{
	vm_mem_add(vm, VM_MEM_SRC_ANONYMOUS, TD_BOOT_GPA, TD_BOOT_SLOT,
		   TD_BOOT_PAGES, KVM_MEM_GUEST_MEMFD, -1, 0);
}

void td_delete_boot_slot(struct kvm_vm *vm)
{
	vm_mem_region_delete(vm, TD_BOOT_SLOT);
}

struct kvm_vm *td_create_vcpus(struct kvm_vcpu **vcpus, int nr)
{
	struct kvm_vm *vm = td_vm_create();
	int i;

	/* The boot code may ask to convert memory: userspace does that. */
	vm_enable_cap(vm, KVM_CAP_EXIT_HYPERCALL, BIT(KVM_HC_MAP_GPA_RANGE));
	TEST_ASSERT(!__td_init_vm(vm), "KVM_TDX_INIT_VM: errno %d", errno);

	td_add_boot_slot(vm);
	for (i = 0; i < nr; i++) {
		vcpus[i] = __vm_vcpu_add(vm, i);
		vcpu_init_cpuid(vcpus[i], kvm_get_supported_cpuid());
	}
	return vm;
}

struct kvm_vm *td_create(struct kvm_vcpu **vcpu)
{
	return td_create_vcpus(vcpu, 1);
}

/* The boot image: PML4, PDPT mapping the top gigabyte, and the code. */
static void td_fill_image(u8 *image, u8 payload, bool map_gpa)
{
	u64 *pml4 = (u64 *)image, *pdpt = (u64 *)(image + PAGE_SIZE);
	u8 *code = image + 2 * PAGE_SIZE;
	/* jmp rel32 from the reset vector back to the start of the page. */
	const u8 jmp_to_start[] = { 0xe9, 0x0b, 0xf0, 0xff, 0xff };

	memset(image, 0, TD_BOOT_PAGES * PAGE_SIZE);
	pml4[0] = TD_PDPT_GPA | TD_PTE_P | TD_PTE_RW;
	pdpt[3] = 0xc0000000ul | TD_PTE_P | TD_PTE_RW | TD_PTE_PS;
	memcpy(code, td_code_start, td_code_end - td_code_start);
	code[TD_PAYLOAD_OFF] = payload;
	code[TD_MAP_GPA_OFF] = map_gpa;
	memcpy(code + TD_RESET_OFF, jmp_to_start, sizeof(jmp_to_start));
}

void td_launch(struct kvm_vm *vm, struct kvm_vcpu **vcpus, int nr,
	       u8 payload, bool map_gpa)
{
	struct kvm_tdx_init_mem_region region = {
		.gpa = TD_BOOT_GPA,
		.nr_pages = TD_BOOT_PAGES,
	};
	u8 *image = aligned_alloc(PAGE_SIZE, TD_BOOT_PAGES * PAGE_SIZE);
	int i;

	TEST_ASSERT(image, "aligned_alloc");
	td_fill_image(image, payload, map_gpa);
	region.source_addr = (u64)image;

	for (i = 0; i < nr; i++)
		TEST_ASSERT(!tdx_ioctl(vcpus[i]->fd, KVM_TDX_INIT_VCPU, 0, 0),
			    "KVM_TDX_INIT_VCPU: errno %d", errno);
	vm_mem_set_private(vm, TD_BOOT_GPA, TD_BOOT_PAGES * PAGE_SIZE);
	TEST_ASSERT(!tdx_ioctl(vcpus[0]->fd, KVM_TDX_INIT_MEM_REGION,
			       KVM_TDX_MEASURE_MEMORY_REGION, (u64)&region),
		    "KVM_TDX_INIT_MEM_REGION: errno %d", errno);
	TEST_ASSERT(!tdx_ioctl(vm->fd, KVM_TDX_FINALIZE_VM, 0, 0),
		    "KVM_TDX_FINALIZE_VM: errno %d", errno);
	free(image);
}

u8 td_run_to_report(struct kvm_vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;

	vcpu_run(vcpu);
	TEST_ASSERT_KVM_EXIT_REASON(vcpu, KVM_EXIT_IO);
	TEST_ASSERT(run->io.port == TD_REPORT_PORT &&
		    run->io.direction == KVM_EXIT_IO_OUT && run->io.size == 1,
		    "unexpected I/O exit: port %#x dir %u size %u",
		    run->io.port, run->io.direction, run->io.size);
	return *((u8 *)run + run->io.data_offset);
}

u8 td_launch_and_run(struct kvm_vm *vm, struct kvm_vcpu *vcpu, u8 payload)
{
	td_launch(vm, &vcpu, 1, payload, false);
	return td_run_to_report(vcpu);
}
