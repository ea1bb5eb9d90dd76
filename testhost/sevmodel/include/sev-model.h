/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Test-only software model of the AMD SEV/SEV-ES/SEV-SNP firmware and of the
 * RMP, for running kvm-amd's SEV control plane on a host without SEV (the
 * TCG test host).  Never part of the series or of the shipped modules.
 *
 * The model is a module named "ccp" that exports the symbols kvm-amd takes
 * from the real ccp.ko, with the same prototypes (include/linux/psp-sev.h),
 * plus the sev_model_* functions below, which stand in for what kvm-amd
 * takes from vmlinux (the RMP instructions, cc_platform_has(), WBINVD and
 * VM_PAGE_FLUSH).  sev-model-redirect.h, included by sev.c in the model
 * build only, renames the calls.
 *
 * Its state and controls are in debugfs, under /sys/kernel/debug/sev-model/:
 *   violations  (r)  number of rule violations since load: every command or
 *                    RMP operation the model refused because it broke a
 *                    firmware or RMP rule, and what is left at shutdown
 *   last        (r)  the text of the last violation, empty if none
 *   audits      (r)  pages the model's own audits found still assigned to
 *                    an ASID at ACTIVATE or DECOMMISSION, which the
 *                    firmware does not refuse (unlike SNP_ACTIVATE)
 *   assigned    (r)  pages assigned in the RMP to a guest ASID (not
 *                    firmware or context pages)
 *   firmware    (r)  pages in the Firmware, Context or Reclaim state
 *   guests      (r)  live SEV guest handles plus SNP guest contexts
 *   leaked      (r)  pages given up by sev_model_snp_leak_pages()
 *   counts      (r)  one line "NAME N" per firmware command and operation
 *                    issued since load (e.g. "DF_FLUSH 3", "WBINVD 5",
 *                    "RMPUPDATE 12", "VM_PAGE_FLUSH 2")
 *   state       (r)  a dump: platform state, one line per ASID
 *                    ("asid N free|bound|dirty ..."), guests, contexts
 *   fail        (rw) "CMD STATUS [SKIP]": the command with id CMD (SEV_CMD_*)
 *                    fails with firmware status STATUS, without any effect,
 *                    after SKIP more successful issues of it (default 0);
 *                    once only; "0 0" disarms; reads back what is armed
 *   selftest    (r)  runs the model's own tests on a private instance of
 *                    its state and reports one line per rule:
 *                    "ok NAME" or "not ok NAME: WHY"
 */
#ifndef SEV_MODEL_H
#define SEV_MODEL_H

#include <linux/types.h>
#include <asm/pgtable_types.h>

/* ASIDs the model reports: SEV-ES and SNP below SEV_MODEL_MIN_SEV_ASID. */
#define SEV_MODEL_C_BIT		47
#define SEV_MODEL_MAX_SEV_ASID	14
#define SEV_MODEL_MIN_SEV_ASID	8

int sev_model_rmp_make_private(u64 pfn, u64 gpa, enum pg_level level, u32 asid,
			       bool immutable);
int sev_model_rmp_make_shared(u64 pfn, enum pg_level level);
int sev_model_snp_lookup_rmpentry(u64 pfn, bool *assigned, int *level);
int sev_model_psmash(u64 pfn);
void sev_model_snp_leak_pages(u64 pfn, unsigned int npages);
void sev_model_wbinvd_on_all_cpus(void);
/* MSR_AMD64_VM_PAGE_FLUSH is checked (bound ASID); other MSRs pass through. */
int sev_model_wrmsrq_safe(u32 msr, u64 val);

#endif
