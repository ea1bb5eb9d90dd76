// SPDX-License-Identifier: GPL-2.0
/*
 * Test-only model of the SNP Reverse Map Table (RMP): one entry per 4K pfn in
 * an xarray, packed into an xarray value; absent means hypervisor-owned.  A
 * 2M entry is stored on each of its 512 pfns.  RMPUPDATE and PSMASH follow
 * APM vol. 2 "Secure Nested Paging" (section 15.36, number unverified).
 *
 * The xarray lock is the RMP lock: RMPUPDATE may come from guest_memfd folio
 * freeing, so nothing here sleeps and new entries are stored with
 * GFP_ATOMIC.  Firmware commands (fw.c) hold it around sm_rmp_get() and
 * sm_rmp_put().
 */
#define pr_fmt(fmt) "sev-model: " fmt

#include <linux/bitfield.h>
#include <linux/mm.h>
#include <asm/pgtable_types.h>
#include <sev-model.h>
#include "model.h"

#define E_ASSIGNED	BIT_ULL(0)
#define E_HUGE		BIT_ULL(1)
#define E_VALIDATED	BIT_ULL(2)
#define E_IMMUTABLE	BIT_ULL(3)
#define E_VMSA		BIT_ULL(4)
#define E_ASID		GENMASK_ULL(19, 8)
#define E_GFN		GENMASK_ULL(59, 20)

#define APM_RMPUPDATE	"APM vol. 2 15.36 RMPUPDATE"
#define APM_PSMASH	"APM vol. 2 15.36 PSMASH"

static const char * const pstate_names[SM_P_NR] = {
	[SM_P_HYPERVISOR] = "Hypervisor",
	[SM_P_FIRMWARE] = "Firmware",
	[SM_P_CONTEXT] = "Context",
	[SM_P_RECLAIM] = "Reclaim",
	[SM_P_PRE_GUEST] = "Pre-Guest",
	[SM_P_PRE_SWAP] = "Pre-Swap",
	[SM_P_GUEST_INVALID] = "Guest-Invalid",
	[SM_P_GUEST_VALID] = "Guest-Valid",
};

const char *sm_pstate_name(const struct sm_rmpe *e)
{
	return pstate_names[sm_rmp_state(e)];
}

/* The page state that the RMP fields encode (SNP ABI chapter 5). */
enum sm_pstate sm_rmp_state(const struct sm_rmpe *e)
{
	if (!e->assigned)
		return SM_P_HYPERVISOR;
	if (!e->asid) {
		if (!e->immutable)
			return SM_P_RECLAIM;
		return e->vmsa ? SM_P_CONTEXT : SM_P_FIRMWARE;
	}
	if (e->immutable)
		return e->validated ? SM_P_PRE_SWAP : SM_P_PRE_GUEST;
	return e->validated ? SM_P_GUEST_VALID : SM_P_GUEST_INVALID;
}

static void *pack(const struct sm_rmpe *e)
{
	u64 v = FIELD_PREP(E_ASID, e->asid) |
		FIELD_PREP(E_GFN, e->gpa >> PAGE_SHIFT);

	v |= (e->assigned ? E_ASSIGNED : 0) | (e->huge ? E_HUGE : 0) |
	     (e->validated ? E_VALIDATED : 0) |
	     (e->immutable ? E_IMMUTABLE : 0) | (e->vmsa ? E_VMSA : 0);
	return xa_mk_value(v);
}

static void unpack(void *entry, struct sm_rmpe *e)
{
	u64 v = xa_to_value(entry);

	e->assigned = v & E_ASSIGNED;
	e->huge = v & E_HUGE;
	e->validated = v & E_VALIDATED;
	e->immutable = v & E_IMMUTABLE;
	e->vmsa = v & E_VMSA;
	e->asid = FIELD_GET(E_ASID, v);
	e->gpa = FIELD_GET(E_GFN, v) << PAGE_SHIFT;
}

/* Read the entry of @pfn, with the xarray lock held; false if unassigned. */
bool sm_rmp_get(struct sm_fw *fw, u64 pfn, struct sm_rmpe *e)
{
	void *entry = xa_load(&fw->rmp, pfn);

	memset(e, 0, sizeof(*e));
	if (!entry)
		return false;
	unpack(entry, e);
	return true;
}

/* Write the entry of @pfn (all 512 pfns for a 2M one), xarray lock held. */
int sm_rmp_put(struct sm_fw *fw, u64 pfn, const struct sm_rmpe *e)
{
	unsigned long i, n = e->huge ? PTRS_PER_PMD : 1;
	void *v = pack(e);

	if (e->huge)
		pfn = ALIGN_DOWN(pfn, PTRS_PER_PMD);
	for (i = 0; i < n; i++) {
		if (!e->assigned) {
			__xa_erase(&fw->rmp, pfn + i);
			continue;
		}
		if (xa_is_err(__xa_store(&fw->rmp, pfn + i, v,
					 GFP_ATOMIC | __GFP_NOWARN)))
			return -ENOMEM;
	}
	return 0;
}

/*
 * RMPUPDATE: fails on an immutable page, on a 4K update of a pfn that a 2M
 * entry covers (PSMASH first) and on a 2M update over assigned 4K entries.
 * The new entry is never validated.  Returns -EFAULT as the kernel's
 * rmpupdate() does when the instruction fails.
 */
static int rmpupdate(struct sm_fw *fw, u64 pfn, const struct sm_rmpe *new)
{
	unsigned long i, n = new->huge ? PTRS_PER_PMD : 1;
	struct sm_rmpe cur;
	int ret = 0;

	atomic_long_inc(&fw->op_count[SM_OP_RMPUPDATE]);
	if ((new->huge && !IS_ALIGNED(pfn, PTRS_PER_PMD)) ||
	    !pfn_valid(pfn) || !pfn_valid(pfn + n - 1)) {
		sm_violation(fw, "RMPUPDATE of invalid or unaligned pfn %#llx, %s (%s)",
			     pfn, new->huge ? "2M" : "4K", APM_RMPUPDATE);
		return -EFAULT;
	}

	xa_lock(&fw->rmp);
	for (i = 0; i < n; i++) {
		sm_rmp_get(fw, pfn + i, &cur);
		if (cur.immutable) {
			sm_violation(fw,
				     "RMPUPDATE of pfn %#llx refused: the page is immutable (%s), reclaim it first (%s; SNP ABI 56860 ch. 5)",
				     pfn + i, sm_pstate_name(&cur), APM_RMPUPDATE);
			ret = -EFAULT;
			break;
		}
		if (cur.huge && !new->huge) {
			sm_violation(fw,
				     "4K RMPUPDATE of pfn %#llx refused: a 2M entry covers it, PSMASH first (%s)",
				     pfn + i, APM_RMPUPDATE);
			ret = -EFAULT;
			break;
		}
		if (cur.assigned && !cur.huge && new->huge) {
			sm_violation(fw,
				     "2M RMPUPDATE at pfn %#llx refused: 4K entry %#llx is assigned (%s)",
				     pfn, pfn + i, APM_RMPUPDATE);
			ret = -EFAULT;
			break;
		}
	}
	if (!ret)
		ret = sm_rmp_put(fw, pfn, new);
	xa_unlock(&fw->rmp);
	return ret;
}

int sm_rmp_make_private(struct sm_fw *fw, u64 pfn, u64 gpa, int level,
			u32 asid, bool immutable)
{
	struct sm_rmpe e = {
		.assigned = true,
		.huge = level == PG_LEVEL_2M,
		.immutable = immutable,
		.asid = asid,
		.gpa = gpa,
	};

	return rmpupdate(fw, pfn, &e);
}

int sm_rmp_make_shared(struct sm_fw *fw, u64 pfn, int level)
{
	struct sm_rmpe e = { .huge = level == PG_LEVEL_2M };

	return rmpupdate(fw, pfn, &e);
}

int sm_rmp_lookup(struct sm_fw *fw, u64 pfn, bool *assigned, int *level)
{
	struct sm_rmpe e;

	xa_lock(&fw->rmp);
	*assigned = sm_rmp_get(fw, pfn, &e);
	xa_unlock(&fw->rmp);
	*level = e.huge ? PG_LEVEL_2M : PG_LEVEL_4K;
	return 0;
}

/*
 * PSMASH: split the 2M entry at 2M-aligned @pfn into 512 4K entries that keep
 * its fields (validated included) with consecutive GPAs.  Returns 0 or the
 * instruction's FAIL_INPUT (1), never FAIL_INUSE, which KVM retries.
 */
int sm_psmash(struct sm_fw *fw, u64 pfn)
{
	struct sm_rmpe e;
	u64 gpa, i;

	atomic_long_inc(&fw->op_count[SM_OP_PSMASH]);
	if (!pfn_valid(pfn))
		return -EINVAL;

	xa_lock(&fw->rmp);
	if (!IS_ALIGNED(pfn, PTRS_PER_PMD) || !sm_rmp_get(fw, pfn, &e) ||
	    !e.huge) {
		xa_unlock(&fw->rmp);
		sm_violation(fw, "PSMASH of pfn %#llx refused: not a 2M-aligned 2M entry (%s)",
			     pfn, APM_PSMASH);
		return 1;
	}
	gpa = e.gpa;
	e.huge = false;
	for (i = 0; i < PTRS_PER_PMD; i++) {
		e.gpa = gpa + i * PAGE_SIZE;
		sm_rmp_put(fw, pfn + i, &e);	/* replaces, cannot fail */
	}
	xa_unlock(&fw->rmp);
	return 0;
}

/*
 * Report, as violations, the pages assigned to @asid (to any ASID or to
 * the firmware if @all): at most 4 lines, then one line for the rest.
 * Returns how many there were.
 */
/*
 * The pages assigned to @asid (all assigned pages if @all), each logged and
 * counted as a violation if @violation, else as a model audit finding,
 * which the firmware would not refuse (see "Model audits" in the doc).
 */
unsigned long sm_rmp_audit(struct sm_fw *fw, u32 asid, bool all,
			   const char *when, bool violation)
{
	unsigned long pfn, n = 0;
	struct sm_rmpe e;
	void *entry;

	xa_lock(&fw->rmp);
	xa_for_each(&fw->rmp, pfn, entry) {
		unpack(entry, &e);
		if (!all && e.asid != asid)
			continue;
		if (++n > 4)
			continue;
		if (violation)
			sm_violation(fw,
				     "%s: page assigned to ASID %u at pfn %#lx (%s, GPA %#llx) (SNP ABI 56860 ch. 5 Page States)",
				     when, e.asid, pfn, sm_pstate_name(&e), e.gpa);
		else if (!fw->quiet)
			pr_info("sev-model: audit: %s: page assigned to ASID %u at pfn %#lx (%s, GPA %#llx)\n",
				when, e.asid, pfn, sm_pstate_name(&e), e.gpa);
	}
	xa_unlock(&fw->rmp);
	if (!violation)
		atomic_add(n, &fw->audits);
	else if (n > 4)
		sm_violation_n(fw, n - 4, "%s: %lu more pages assigned%s",
			       when, n - 4, all ? "" : " to that ASID");
	return n;
}

void sm_rmp_count(struct sm_fw *fw, unsigned long *n)
{
	unsigned long pfn;
	struct sm_rmpe e;
	void *entry;

	memset(n, 0, SM_P_NR * sizeof(*n));
	xa_lock(&fw->rmp);
	xa_for_each(&fw->rmp, pfn, entry) {
		unpack(entry, &e);
		n[sm_rmp_state(&e)]++;
	}
	xa_unlock(&fw->rmp);
}

void sm_rmp_show(struct sm_fw *fw, struct seq_file *m)
{
	unsigned long n[SM_P_NR];
	int i;

	sm_rmp_count(fw, n);
	seq_puts(m, "rmp");
	for (i = SM_P_FIRMWARE; i < SM_P_NR; i++)
		seq_printf(m, " %s %lu", pstate_names[i], n[i]);
	seq_putc(m, '\n');
}

/* SNP_INIT with INIT_RMP: every page starts hypervisor-owned. */
void sm_rmp_clear(struct sm_fw *fw)
{
	xa_destroy(&fw->rmp);
}
