/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Test-only: included by arch/x86/kvm/svm/sev.c after its own includes in
 * the SEV firmware model build (KCR_SEV_MODEL), never in the series.  It
 * routes what sev.c takes from the CPU and from vmlinux to the model
 * (sev-model.h), because a module can neither change CPU feature bits,
 * raw CPUID or cc_platform_has() nor re-export a vmlinux symbol.  Calls to
 * the real ccp.ko need no renaming: the model is a module named "ccp" that
 * exports the same symbols.
 */
#ifndef SEV_MODEL_REDIRECT_H
#define SEV_MODEL_REDIRECT_H

#include <sev-model.h>

/* The SEV CPU features, and those sev_hardware_setup() insists on. */
static inline bool sev_model_boot_cpu_has(unsigned int bit)
{
	switch (bit) {
	case X86_FEATURE_SEV:
	case X86_FEATURE_SEV_ES:
	case X86_FEATURE_SEV_SNP:
	case X86_FEATURE_DECODEASSISTS:
	case X86_FEATURE_FLUSHBYASID:
	case X86_FEATURE_LBRV:
		return true;
	/* Else sev_flush_encrypted_page() would skip the VM_PAGE_FLUSH check. */
	case X86_FEATURE_SME_COHERENT:
		return false;
	}
	return cpu_has(&boot_cpu_data, bit);
}

#undef boot_cpu_has
#define boot_cpu_has(bit) sev_model_boot_cpu_has(bit)

/* Leaf 0x8000001f: SEV, SEV-ES and SNP; the model's C-bit and ASIDs. */
static inline void sev_model_cpuid(unsigned int op, unsigned int *eax,
				   unsigned int *ebx, unsigned int *ecx,
				   unsigned int *edx)
{
	if (op != 0x8000001f) {
		cpuid(op, eax, ebx, ecx, edx);
		return;
	}
	*eax = BIT(1) | BIT(3) | BIT(4);
	*ebx = SEV_MODEL_C_BIT;
	*ecx = SEV_MODEL_MAX_SEV_ASID;
	*edx = SEV_MODEL_MIN_SEV_ASID;
}

#define cpuid(op, a, b, c, d) sev_model_cpuid(op, a, b, c, d)

/*
 * svm.c turns these off on a CPU without NRIPS and LBRV; only sev.c, which
 * never runs an SEV-ES guest here, sees them on.
 */
#define nrips true
#define lbrv true

static inline bool sev_model_cc_platform_has(enum cc_attr attr)
{
	return attr == CC_ATTR_HOST_SEV_SNP || cc_platform_has(attr);
}

#define cc_platform_has sev_model_cc_platform_has

#define rmp_make_private sev_model_rmp_make_private
#define rmp_make_shared sev_model_rmp_make_shared
#define snp_lookup_rmpentry sev_model_snp_lookup_rmpentry
#define psmash sev_model_psmash
#define snp_leak_pages sev_model_snp_leak_pages
#define wbinvd_on_all_cpus sev_model_wbinvd_on_all_cpus
#define wrmsrq_safe sev_model_wrmsrq_safe

#endif
