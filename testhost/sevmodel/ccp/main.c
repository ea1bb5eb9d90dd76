// SPDX-License-Identifier: GPL-2.0
/*
 * Test-only stand-in for ccp.ko on a host without SEV: exports what kvm-amd
 * takes from the real driver, backed by a software model of the SEV firmware
 * and the RMP (fw.c, rmp.c), plus the sev_model_* functions of sev-model.h.
 * Never load it next to the real ccp.ko.  State and controls are in
 * /sys/kernel/debug/sev-model/ (see sev-model.h).
 */
#define pr_fmt(fmt) "sev-model: " fmt

#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/kvm.h>
#include <linux/miscdevice.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <asm/msr.h>
#include <asm/smp.h>
#include <sev-model.h>
#include "model.h"

static bool snp = true;
module_param(snp, bool, 0444);
MODULE_PARM_DESC(snp, "Initialize SNP: RMP, SNP commands, the SNP VM type (default: true)");

struct sm_fw sm_live;
static struct dentry *sm_dir;

void sm_violation_n(struct sm_fw *fw, unsigned long n, const char *fmt, ...)
{
	unsigned long flags;
	va_list ap;

	atomic_add(n, &fw->violations);
	spin_lock_irqsave(&fw->last_lock, flags);
	va_start(ap, fmt);
	vscnprintf(fw->last, sizeof(fw->last), fmt, ap);
	va_end(ap);
	if (!fw->quiet)
		pr_err("%s\n", fw->last);
	spin_unlock_irqrestore(&fw->last_lock, flags);
}

/* ---- /dev/sev: opened by userspace and passed to KVM as sev_fd ---- */

static long sm_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	return -ENOTTY;
}

static const struct file_operations sm_fops = {
	.owner = THIS_MODULE,
	.unlocked_ioctl = sm_ioctl,
};

static struct miscdevice sm_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "sev",
	.fops = &sm_fops,
};

/* ---- What kvm-amd imports from ccp.ko (include/linux/psp-sev.h) ---- */

int sev_platform_init(struct sev_platform_init_args *args)
{
	return sm_platform_init(&sm_live, snp, &args->error);
}
EXPORT_SYMBOL_GPL(sev_platform_init);

void sev_platform_shutdown(void)
{
	sm_platform_shutdown(&sm_live, "platform shutdown");
}
EXPORT_SYMBOL_GPL(sev_platform_shutdown);

int sev_do_cmd(int cmd, void *data, int *psp_ret)
{
	return sm_do_cmd(&sm_live, cmd, data, psp_ret);
}
EXPORT_SYMBOL_GPL(sev_do_cmd);

int sev_issue_cmd_external_user(struct file *filep, unsigned int cmd,
				void *data, int *error)
{
	if (!filep || filep->f_op != &sm_fops)
		return -EBADF;
	return sev_do_cmd(cmd, data, error);
}
EXPORT_SYMBOL_GPL(sev_issue_cmd_external_user);

int sev_guest_activate(struct sev_data_activate *data, int *error)
{
	return sev_do_cmd(SEV_CMD_ACTIVATE, data, error);
}
EXPORT_SYMBOL_GPL(sev_guest_activate);

int sev_guest_deactivate(struct sev_data_deactivate *data, int *error)
{
	return sev_do_cmd(SEV_CMD_DEACTIVATE, data, error);
}
EXPORT_SYMBOL_GPL(sev_guest_deactivate);

int sev_guest_decommission(struct sev_data_decommission *data, int *error)
{
	return sev_do_cmd(SEV_CMD_DECOMMISSION, data, error);
}
EXPORT_SYMBOL_GPL(sev_guest_decommission);

int sev_guest_df_flush(int *error)
{
	return sev_do_cmd(SEV_CMD_DF_FLUSH, NULL, error);
}
EXPORT_SYMBOL_GPL(sev_guest_df_flush);

/* A Firmware page in the RMP once SNP is initialized. */
void *snp_alloc_firmware_page(gfp_t gfp_mask)
{
	struct page *page = alloc_page(gfp_mask);

	if (!page)
		return NULL;
	if (READ_ONCE(sm_live.snp_init) &&
	    sm_rmp_make_private(&sm_live, page_to_pfn(page), 0, PG_LEVEL_4K,
				0, true)) {
		__free_page(page);
		return NULL;
	}
	return page_address(page);
}
EXPORT_SYMBOL_GPL(snp_alloc_firmware_page);

/* SNP_PAGE_RECLAIM and RMPUPDATE back to the hypervisor, or leak it. */
void snp_free_firmware_page(void *addr)
{
	struct sev_data_snp_page_reclaim data = {};
	u64 pfn;
	int err;

	if (!addr)
		return;
	pfn = PHYS_PFN(__pa(addr));
	if (READ_ONCE(sm_live.snp_init)) {
		data.paddr = __pa(addr);
		if (sev_do_cmd(SEV_CMD_SNP_PAGE_RECLAIM, &data, &err) ||
		    sm_rmp_make_shared(&sm_live, pfn, PG_LEVEL_4K)) {
			sev_model_snp_leak_pages(pfn, 1);
			return;
		}
	}
	free_page((unsigned long)addr);
}
EXPORT_SYMBOL_GPL(snp_free_firmware_page);

void *psp_copy_user_blob(u64 uaddr, u32 len)
{
	if (!uaddr || !len || len > SEV_FW_BLOB_MAX_SIZE)
		return ERR_PTR(-EINVAL);
	return memdup_user(u64_to_user_ptr(uaddr), len);
}
EXPORT_SYMBOL_GPL(psp_copy_user_blob);

bool sev_is_snp_ciphertext_hiding_supported(void)
{
	return false;
}
EXPORT_SYMBOL_GPL(sev_is_snp_ciphertext_hiding_supported);

u64 sev_get_snp_policy_bits(void)
{
	return snp ? SNP_POLICY_MASK_BASE : 0;
}
EXPORT_SYMBOL_GPL(sev_get_snp_policy_bits);

int sev_firmware_supported_vm_types(void)
{
	int types = BIT(KVM_X86_SEV_VM) | BIT(KVM_X86_SEV_ES_VM);

	if (READ_ONCE(sm_live.snp_init))
		types |= BIT(KVM_X86_SNP_VM);
	return types;
}
EXPORT_SYMBOL_GPL(sev_firmware_supported_vm_types);

/* ---- What kvm-amd would take from vmlinux (sev-model.h) ---- */

int sev_model_rmp_make_private(u64 pfn, u64 gpa, enum pg_level level, u32 asid,
			       bool immutable)
{
	return sm_rmp_make_private(&sm_live, pfn, gpa, level, asid, immutable);
}
EXPORT_SYMBOL_GPL(sev_model_rmp_make_private);

int sev_model_rmp_make_shared(u64 pfn, enum pg_level level)
{
	return sm_rmp_make_shared(&sm_live, pfn, level);
}
EXPORT_SYMBOL_GPL(sev_model_rmp_make_shared);

int sev_model_snp_lookup_rmpentry(u64 pfn, bool *assigned, int *level)
{
	return sm_rmp_lookup(&sm_live, pfn, assigned, level);
}
EXPORT_SYMBOL_GPL(sev_model_snp_lookup_rmpentry);

int sev_model_psmash(u64 pfn)
{
	return sm_psmash(&sm_live, pfn);
}
EXPORT_SYMBOL_GPL(sev_model_psmash);

/* The pages stay allocated and keep their RMP state, as with the real one. */
void sev_model_snp_leak_pages(u64 pfn, unsigned int npages)
{
	atomic_long_add(npages, &sm_live.leaked);
	pr_warn("leaking PFN range %#llx-%#llx\n", pfn, pfn + npages);
}
EXPORT_SYMBOL_GPL(sev_model_snp_leak_pages);

void sev_model_wbinvd_on_all_cpus(void)
{
	wbinvd_on_all_cpus();
	sm_wbinvd(&sm_live);
}
EXPORT_SYMBOL_GPL(sev_model_wbinvd_on_all_cpus);

int sev_model_wrmsrq_safe(u32 msr, u64 val)
{
	if (msr == MSR_AMD64_VM_PAGE_FLUSH)
		return sm_vm_page_flush(&sm_live, val);
	return wrmsrq_safe(msr, val);
}
EXPORT_SYMBOL_GPL(sev_model_wrmsrq_safe);

/* ---- Selftest: each case on a private, fresh instance ---- */

struct st {
	struct sm_fw *fw;
	struct page *pg[2];	/* [0]: context or output page, [1]: a page */
	int viol;		/* violations already checked */
	char why[160];
};

/* Remember the first mismatch; true if @got is not @want. */
static bool st_bad(struct st *s, int line, const char *what, long got,
		   long want)
{
	if (got == want)
		return false;
	if (!s->why[0])
		snprintf(s->why, sizeof(s->why), "line %d: %s %#lx, want %#lx",
			 line, what, got, want);
	return true;
}

/* The number of violations since the last check. */
static bool st_bad_viol(struct st *s, int line, long want)
{
	int now = atomic_read(&s->fw->violations), n = now - s->viol;

	s->viol = now;
	return st_bad(s, line, "violations", n, want);
}

#define ST(s, got, want)	st_bad(s, __LINE__, "got", got, want)
#define ST_VIOL(s, want)	st_bad_viol(s, __LINE__, want)

/* Firmware status of @cmd, or the -errno of sm_do_cmd(). */
static long st_cmd(struct st *s, int cmd, void *data)
{
	int err = 0, rc = sm_do_cmd(s->fw, cmd, data, &err);

	return rc == -EIO ? err : rc;
}

static u64 st_pa(struct st *s, int i)
{
	return page_to_phys(s->pg[i]);
}

static u64 st_pfn(struct st *s, int i)
{
	return page_to_pfn(s->pg[i]);
}

static bool st_wbinvd(struct st *s)
{
	sm_wbinvd(s->fw);
	return false;
}

static long st_start(struct st *s, u32 policy, u32 *handle)
{
	struct sev_data_launch_start d = { .policy = policy };
	long st = st_cmd(s, SEV_CMD_LAUNCH_START, &d);

	*handle = d.handle;
	return st;
}

static long st_act(struct st *s, u32 handle, u32 asid)
{
	struct sev_data_activate d = { .handle = handle, .asid = asid };

	return st_cmd(s, SEV_CMD_ACTIVATE, &d);
}

/* A command whose buffer is just the handle. */
static long st_h(struct st *s, int cmd, u32 handle)
{
	struct sev_data_deactivate d = { .handle = handle };

	return st_cmd(s, cmd, &d);
}

static long st_measure(struct st *s, u32 handle)
{
	struct sev_data_launch_measure d = {
		.handle = handle, .address = st_pa(s, 0), .len = 48,
	};

	return st_cmd(s, SEV_CMD_LAUNCH_MEASURE, &d);
}

/* A guest launched to RUNNING on @asid. */
static bool st_running(struct st *s, u32 asid, u32 *h)
{
	return ST(s, st_start(s, 0, h), 0) || ST(s, st_act(s, *h, asid), 0) ||
	       ST(s, st_measure(s, *h), 0) ||
	       ST(s, st_h(s, SEV_CMD_LAUNCH_FINISH, *h), 0);
}

static long st_snp(struct st *s, int cmd, u64 pa)
{
	struct sev_data_snp_addr d = { .address = pa };

	return st_cmd(s, cmd, &d);
}

static long st_snp_act(struct st *s, u32 asid)
{
	struct sev_data_snp_activate d = { .gctx_paddr = st_pa(s, 0), .asid = asid };

	return st_cmd(s, SEV_CMD_SNP_ACTIVATE, &d);
}

/* An SNP guest with its context in page 0, launching, on @asid unless 0. */
static bool st_snp_guest(struct st *s, u32 asid)
{
	struct sev_data_snp_launch_start d = {
		.gctx_paddr = st_pa(s, 0), .policy = SNP_POLICY_MASK_RSVD_MBO,
	};

	return ST(s, sm_rmp_make_private(s->fw, st_pfn(s, 0), 0, PG_LEVEL_4K, 0, true), 0) ||
	       ST(s, st_snp(s, SEV_CMD_SNP_GCTX_CREATE, st_pa(s, 0)), 0) ||
	       ST(s, st_cmd(s, SEV_CMD_SNP_LAUNCH_START, &d), 0) ||
	       (asid && ST(s, st_snp_act(s, asid), 0));
}

/* RMPUPDATE of page 1 to ASID @asid. */
static long st_private(struct st *s, u32 asid, bool immutable)
{
	return sm_rmp_make_private(s->fw, st_pfn(s, 1), 0x1000, PG_LEVEL_4K,
				   asid, immutable);
}

static long st_update(struct st *s)
{
	struct sev_data_snp_launch_update d = {
		.gctx_paddr = st_pa(s, 0), .address = st_pa(s, 1),
		.page_type = SNP_PAGE_TYPE_NORMAL,
	};

	return st_cmd(s, SEV_CMD_SNP_LAUNCH_UPDATE, &d);
}

static long st_reclaim(struct st *s, int i)
{
	struct sev_data_snp_page_reclaim d = { .paddr = st_pa(s, i) };

	return st_cmd(s, SEV_CMD_SNP_PAGE_RECLAIM, &d);
}

static long st_page(struct st *s, u64 pfn)
{
	struct sm_rmpe e;

	xa_lock(&s->fw->rmp);
	sm_rmp_get(s->fw, pfn, &e);
	xa_unlock(&s->fw->rmp);
	return sm_rmp_state(&e);
}

static bool st_asid_owned(struct st *s)
{
	u32 h1, h2;

	return ST(s, st_start(s, 0, &h1), 0) || ST(s, st_act(s, h1, 8), 0) ||
	       ST(s, st_start(s, 0, &h2), 0) || ST_VIOL(s, 0) ||
	       ST(s, st_act(s, h2, 8), SEV_RET_ASID_OWNED) || ST_VIOL(s, 1);
}

static bool st_dfflush_required(struct st *s)
{
	u32 h1, h2;

	return st_running(s, 8, &h1) ||
	       ST(s, st_h(s, SEV_CMD_DEACTIVATE, h1), 0) ||
	       ST(s, st_h(s, SEV_CMD_DECOMMISSION, h1), 0) ||
	       ST(s, st_start(s, 0, &h2), 0) || ST_VIOL(s, 0) ||
	       ST(s, st_act(s, h2, 8), SEV_RET_DFFLUSH_REQUIRED) || ST_VIOL(s, 1) ||
	       st_wbinvd(s) || ST(s, st_cmd(s, SEV_CMD_DF_FLUSH, NULL), 0) ||
	       ST(s, st_act(s, h2, 8), 0) || ST_VIOL(s, 0);
}

/* An ASID whose guest never ran comes back clean (AMD-ASPFW). */
static bool st_unused_asid_clean(struct st *s)
{
	u32 h1, h2;

	return ST(s, st_start(s, 0, &h1), 0) || ST(s, st_act(s, h1, 9), 0) ||
	       ST(s, st_h(s, SEV_CMD_DEACTIVATE, h1), 0) ||
	       ST(s, st_start(s, 0, &h2), 0) || ST(s, st_act(s, h2, 9), 0) ||
	       ST_VIOL(s, 0);
}

static bool st_wbinvd_required(struct st *s)
{
	u32 h;

	return st_running(s, 8, &h) || ST(s, st_h(s, SEV_CMD_DEACTIVATE, h), 0) ||
	       ST(s, st_cmd(s, SEV_CMD_DF_FLUSH, NULL), SEV_RET_WBINVD_REQUIRED) ||
	       ST(s, st_cmd(s, SEV_CMD_SNP_DF_FLUSH, NULL), SEV_RET_WBINVD_REQUIRED) ||
	       ST_VIOL(s, 2) || ST(s, s->fw->asid[8], SM_ASID_DIRTY) ||
	       st_wbinvd(s) || ST(s, st_cmd(s, SEV_CMD_SNP_DF_FLUSH, NULL), 0) ||
	       ST(s, s->fw->asid[8], SM_ASID_FREE) || ST_VIOL(s, 0);
}

static bool st_invalid_asid_es(struct st *s)
{
	u32 h;

	return ST(s, st_start(s, SEV_POLICY_MASK_ES, &h), 0) ||
	       ST(s, st_act(s, h, SEV_MODEL_MIN_SEV_ASID), SEV_RET_INVALID_ASID) ||
	       ST(s, st_act(s, h, 0), SEV_RET_INVALID_ASID) || ST_VIOL(s, 2) ||
	       ST(s, st_act(s, h, SEV_MODEL_MIN_SEV_ASID - 1), 0) || ST_VIOL(s, 0);
}

static bool st_invalid_asid_sev(struct st *s)
{
	u32 h;

	return ST(s, st_start(s, 0, &h), 0) ||
	       ST(s, st_act(s, h, SEV_MODEL_MIN_SEV_ASID - 1), SEV_RET_INVALID_ASID) ||
	       ST(s, st_act(s, h, SEV_MODEL_MAX_SEV_ASID + 1), SEV_RET_INVALID_ASID) ||
	       ST_VIOL(s, 2) || ST(s, st_act(s, h, SEV_MODEL_MAX_SEV_ASID), 0) ||
	       ST_VIOL(s, 0);
}

static bool st_active_decommission(struct st *s)
{
	u32 h;

	return ST(s, st_start(s, 0, &h), 0) || ST(s, st_act(s, h, 8), 0) ||
	       ST(s, st_h(s, SEV_CMD_DECOMMISSION, h), SEV_RET_ACTIVE) ||
	       ST_VIOL(s, 1) || ST(s, st_h(s, SEV_CMD_DEACTIVATE, h), 0) ||
	       ST(s, st_h(s, SEV_CMD_DECOMMISSION, h), 0) ||
	       ST(s, s->fw->platform, SEV_STATE_INIT) || ST_VIOL(s, 0);
}

static bool st_inactive_data(struct st *s)
{
	struct sev_data_launch_update_data d = { .address = st_pa(s, 1), .len = 16 };

	return ST(s, st_start(s, 0, &d.handle), 0) ||
	       ST(s, st_cmd(s, SEV_CMD_LAUNCH_UPDATE_DATA, &d), SEV_RET_INACTIVE) ||
	       ST_VIOL(s, 1) || ST(s, st_act(s, d.handle, 8), 0) ||
	       ST(s, st_cmd(s, SEV_CMD_LAUNCH_UPDATE_DATA, &d), 0) || ST_VIOL(s, 0);
}

static bool st_invalid_guest_state(struct st *s)
{
	u32 h;

	return ST(s, st_start(s, 0, &h), 0) || ST(s, st_act(s, h, 8), 0) ||
	       ST(s, st_h(s, SEV_CMD_LAUNCH_FINISH, h), SEV_RET_INVALID_GUEST_STATE) ||
	       ST(s, st_h(s, SEV_CMD_SEND_FINISH, h), SEV_RET_INVALID_GUEST_STATE) ||
	       ST_VIOL(s, 2) || ST(s, st_measure(s, h), 0) ||
	       ST(s, st_h(s, SEV_CMD_LAUNCH_FINISH, h), 0) || ST_VIOL(s, 0);
}

static bool st_invalid_guest(struct st *s)
{
	u32 h;

	return ST(s, st_start(s, 0, &h), 0) ||
	       ST(s, st_act(s, h + 100, 8), SEV_RET_INVALID_GUEST) || ST_VIOL(s, 1);
}

/* On an instance that was never initialized. */
static bool st_invalid_platform_state(struct st *s)
{
	int err;
	u32 h;

	return ST(s, st_start(s, 0, &h), SEV_RET_INVALID_PLATFORM_STATE) ||
	       ST(s, st_snp(s, SEV_CMD_SNP_GCTX_CREATE, st_pa(s, 0)),
		  SEV_RET_INVALID_PLATFORM_STATE) || ST_VIOL(s, 2) ||
	       ST(s, sm_platform_init(s->fw, true, &err), 0) ||
	       ST(s, st_start(s, 0, &h), 0) || ST_VIOL(s, 0);
}

/* Length 0 asks for the length: INVALID_LEN, but no violation. */
static bool st_measure_length_query(struct st *s)
{
	struct sev_data_launch_measure d = {};

	return ST(s, st_start(s, 0, &d.handle), 0) ||
	       ST(s, st_cmd(s, SEV_CMD_LAUNCH_MEASURE, &d), SEV_RET_INVALID_LEN) ||
	       ST(s, d.len, 48) || ST_VIOL(s, 0) || ST(s, st_measure(s, d.handle), 0);
}

/* A decommissioned guest's handle is the next one given out. */
static bool st_handle_reused(struct st *s)
{
	u32 h1, h2, h3;

	return ST(s, st_start(s, 0, &h1), 0) || ST(s, st_start(s, 0, &h2), 0) ||
	       ST(s, st_h(s, SEV_CMD_DECOMMISSION, h1), 0) ||
	       ST(s, st_start(s, 0, &h3), 0) || ST(s, !h1 || h2 == h1 || h3 != h1, 0) ||
	       ST(s, st_h(s, SEV_CMD_DECOMMISSION, h2), 0) ||
	       ST(s, st_h(s, SEV_CMD_DECOMMISSION, h3), 0);
}

static bool st_rmpupdate_immutable(struct st *s)
{
	u64 pfn = st_pfn(s, 1);

	return ST(s, sm_rmp_make_private(s->fw, pfn, 0, PG_LEVEL_4K, 0, true), 0) ||
	       ST(s, sm_rmp_make_shared(s->fw, pfn, PG_LEVEL_4K), -EFAULT) ||
	       ST_VIOL(s, 1) || ST(s, st_reclaim(s, 1), 0) ||
	       ST(s, st_page(s, pfn), SM_P_RECLAIM) ||
	       ST(s, sm_rmp_make_shared(s->fw, pfn, PG_LEVEL_4K), 0) || ST_VIOL(s, 0);
}

/* The RMP never touches memory: any 2M-aligned range of valid pfns works. */
static bool st_rmpupdate_4k_in_2m(struct st *s)
{
	u64 pfn = ALIGN_DOWN(st_pfn(s, 1), PTRS_PER_PMD);
	bool assigned;
	int level;

	return ST(s, sm_rmp_make_private(s->fw, pfn, SZ_2M, PG_LEVEL_2M, 1, false), 0) ||
	       ST(s, sm_rmp_make_shared(s->fw, pfn + 1, PG_LEVEL_4K), -EFAULT) ||
	       ST_VIOL(s, 1) || ST(s, sm_rmp_lookup(s->fw, pfn + 1, &assigned, &level), 0) ||
	       ST(s, assigned && level == PG_LEVEL_2M, 1) ||
	       ST(s, sm_psmash(s->fw, pfn + 1), 1) || ST_VIOL(s, 1) ||
	       ST(s, sm_psmash(s->fw, pfn), 0) ||
	       ST(s, sm_rmp_make_shared(s->fw, pfn + 1, PG_LEVEL_4K), 0) ||
	       ST(s, sm_rmp_make_shared(s->fw, pfn, PG_LEVEL_2M), -EFAULT) ||
	       ST_VIOL(s, 1);
}

static bool st_update_page_owner(struct st *s)
{
	return st_snp_guest(s, 1) || ST(s, st_private(s, 2, true), 0) ||
	       ST(s, st_update(s), SEV_RET_INVALID_PAGE_OWNER) || ST_VIOL(s, 1);
}

static bool st_update_page_state(struct st *s)
{
	return st_snp_guest(s, 1) || ST(s, st_private(s, 1, false), 0) ||
	       ST(s, st_update(s), SEV_RET_INVALID_PAGE_STATE) || ST_VIOL(s, 1) ||
	       ST(s, st_private(s, 1, true), 0) || ST(s, st_update(s), 0) ||
	       ST(s, st_page(s, st_pfn(s, 1)), SM_P_GUEST_VALID) ||
	       ST(s, st_update(s), SEV_RET_INVALID_PAGE_STATE) || ST_VIOL(s, 1) ||
	       ST(s, sm_rmp_make_shared(s->fw, st_pfn(s, 1), PG_LEVEL_4K), 0) ||
	       ST_VIOL(s, 0);
}

static bool st_gctx_create_not_firmware(struct st *s)
{
	return ST(s, st_snp(s, SEV_CMD_SNP_GCTX_CREATE, st_pa(s, 1)),
		  SEV_RET_INVALID_PAGE_STATE) || ST_VIOL(s, 1);
}

static bool st_reclaim_live_context(struct st *s)
{
	return st_snp_guest(s, 0) ||
	       ST(s, st_reclaim(s, 0), SEV_RET_INVALID_PAGE_STATE) || ST_VIOL(s, 1) ||
	       ST(s, st_snp(s, SEV_CMD_SNP_DECOMMISSION, st_pa(s, 0)), 0) ||
	       ST(s, st_reclaim(s, 0), 0) ||
	       ST(s, sm_rmp_make_shared(s->fw, st_pfn(s, 0), PG_LEVEL_4K), 0) ||
	       ST_VIOL(s, 0);
}

/* Accepted by the firmware: the page becomes Guest-Invalid (AMD-ASPFW). */
static bool st_reclaim_pre_guest(struct st *s)
{
	return st_snp_guest(s, 1) || ST(s, st_private(s, 1, true), 0) ||
	       ST(s, sm_rmp_make_shared(s->fw, st_pfn(s, 1), PG_LEVEL_4K), -EFAULT) ||
	       ST_VIOL(s, 1) || ST(s, st_reclaim(s, 1), 0) ||
	       ST(s, st_page(s, st_pfn(s, 1)), SM_P_GUEST_INVALID) || ST_VIOL(s, 0);
}

static bool st_snp_activate_assigned(struct st *s)
{
	return st_snp_guest(s, 0) || ST(s, st_private(s, 1, false), 0) ||
	       ST(s, st_snp_act(s, 1), SEV_RET_INVALID_CONFIG) || ST_VIOL(s, 1) ||
	       ST(s, st_snp_act(s, 2), 0) || ST_VIOL(s, 0);
}

static bool st_decommission_audit(struct st *s)
{
	return st_snp_guest(s, 1) || ST(s, st_private(s, 1, true), 0) ||
	       ST(s, st_update(s), 0) || ST_VIOL(s, 0) ||
	       ST(s, st_snp(s, SEV_CMD_SNP_DECOMMISSION, st_pa(s, 0)), 0) ||
	       ST_VIOL(s, 0) || ST(s, atomic_read(&s->fw->audits), 1);
}

static bool st_vm_page_flush_unbound(struct st *s)
{
	u64 va = (u64)page_address(s->pg[1]);

	return ST(s, sm_vm_page_flush(s->fw, va | 3), -EIO) || ST_VIOL(s, 1) ||
	       st_snp_guest(s, 3) || ST(s, sm_vm_page_flush(s->fw, va | 3), 0) ||
	       ST_VIOL(s, 0) ||
	       ST(s, st_snp(s, SEV_CMD_SNP_DECOMMISSION, st_pa(s, 0)), 0) ||
	       ST(s, sm_vm_page_flush(s->fw, va | 3), -EIO) || ST_VIOL(s, 1);
}

/* LAUNCH_UPDATE_DATA or _VMSA of @len bytes of page 1, through the driver. */
static long st_lud(struct st *s, int cmd, u32 handle, u32 len)
{
	struct sev_data_launch_update_data d = {
		.handle = handle, .address = st_pa(s, 1), .len = len,
	};

	return st_cmd(s, cmd, &d);
}

/* The same, to the firmware alone: no driver puts the page in Firmware. */
static long st_lud_raw(struct st *s, int cmd, u32 handle, u32 len)
{
	struct sev_data_launch_update_data d = {
		.handle = handle, .address = st_pa(s, 1), .len = len,
	};
	int err = 0, rc = sm_fw_cmd(s->fw, cmd, &d, &err);

	return rc == -EIO ? err : rc;
}

/*
 * Once SNP is initialized, LAUNCH_UPDATE_DATA/VMSA refuse a page that is
 * not in the Firmware state; the driver converts the page before the
 * command and returns it to the hypervisor after, and refuses (an RMPUPDATE
 * refused) a page that a guest owns.
 */
static bool st_launch_update_firmware_pages(struct st *s)
{
	u64 pfn = st_pfn(s, 1);
	u32 h, es;

	return ST(s, st_start(s, 0, &h), 0) || ST(s, st_act(s, h, 8), 0) ||
	       ST(s, st_start(s, SEV_POLICY_MASK_ES, &es), 0) ||
	       ST(s, st_act(s, es, 1), 0) ||
	       ST(s, st_lud_raw(s, SEV_CMD_LAUNCH_UPDATE_DATA, h, 32),
		  SEV_RET_INVALID_PAGE_STATE) ||
	       ST(s, st_lud_raw(s, SEV_CMD_LAUNCH_UPDATE_VMSA, es, PAGE_SIZE),
		  SEV_RET_INVALID_PAGE_STATE) || ST_VIOL(s, 2) ||
	       ST(s, sm_rmp_make_private(s->fw, pfn, 0, PG_LEVEL_4K, 0, true), 0) ||
	       ST(s, st_lud_raw(s, SEV_CMD_LAUNCH_UPDATE_DATA, h, 32), 0) ||
	       ST(s, st_reclaim(s, 1), 0) ||
	       ST(s, sm_rmp_make_shared(s->fw, pfn, PG_LEVEL_4K), 0) ||
	       ST(s, st_lud(s, SEV_CMD_LAUNCH_UPDATE_DATA, h, PAGE_SIZE), 0) ||
	       ST(s, st_lud(s, SEV_CMD_LAUNCH_UPDATE_VMSA, es, PAGE_SIZE), 0) ||
	       ST(s, st_page(s, pfn), SM_P_HYPERVISOR) || ST_VIOL(s, 0) ||
	       ST(s, st_private(s, 1, true), 0) ||
	       ST(s, st_lud(s, SEV_CMD_LAUNCH_UPDATE_DATA, h, 32), -EFAULT) ||
	       ST_VIOL(s, 1) || ST(s, st_page(s, pfn), SM_P_PRE_GUEST);
}

/*
 * LAUNCH_UPDATE_VMSA takes one VMSA page, 4096 bytes exactly, checked
 * before anything else: even a guest without SEV-ES gets INVALID_LEN.
 */
static bool st_launch_update_vmsa_length(struct st *s)
{
	u32 h, es;

	return ST(s, st_start(s, 0, &h), 0) || ST(s, st_act(s, h, 8), 0) ||
	       ST(s, st_start(s, SEV_POLICY_MASK_ES, &es), 0) ||
	       ST(s, st_act(s, es, 1), 0) ||
	       ST(s, st_lud(s, SEV_CMD_LAUNCH_UPDATE_VMSA, es, 16), SEV_RET_INVALID_LEN) ||
	       ST(s, st_lud(s, SEV_CMD_LAUNCH_UPDATE_VMSA, es, 2 * PAGE_SIZE),
		  SEV_RET_INVALID_LEN) ||
	       ST(s, st_lud(s, SEV_CMD_LAUNCH_UPDATE_VMSA, h, 16), SEV_RET_INVALID_LEN) ||
	       ST_VIOL(s, 3) ||
	       ST(s, st_lud(s, SEV_CMD_LAUNCH_UPDATE_VMSA, h, PAGE_SIZE), SEV_RET_UNSUPPORTED) ||
	       ST_VIOL(s, 1) ||
	       ST(s, st_lud(s, SEV_CMD_LAUNCH_UPDATE_VMSA, es, PAGE_SIZE), 0) || ST_VIOL(s, 0);
}

/*
 * INIT leaves every ASID dirty and WBINVD not done (AMD-ASPFW): the first
 * ACTIVATE needs a WBINVD and a DF_FLUSH before it.  On an instance that
 * was never initialized.
 */
static bool st_init_asids_dirty(struct st *s)
{
	struct sev_data_init init = {};
	u32 h;

	return ST(s, st_cmd(s, SEV_CMD_INIT, &init), 0) ||
	       ST(s, s->fw->asid[SEV_MODEL_MAX_SEV_ASID], SM_ASID_DIRTY) ||
	       ST(s, st_start(s, 0, &h), 0) ||
	       ST(s, st_act(s, h, 8), SEV_RET_DFFLUSH_REQUIRED) ||
	       ST(s, st_cmd(s, SEV_CMD_DF_FLUSH, NULL), SEV_RET_WBINVD_REQUIRED) ||
	       ST_VIOL(s, 2) || st_wbinvd(s) ||
	       ST(s, st_cmd(s, SEV_CMD_DF_FLUSH, NULL), 0) ||
	       ST(s, st_act(s, h, 8), 0) || ST_VIOL(s, 0);
}

/*
 * SNP_INIT does the same; a SEV INIT after it leaves the ASIDs alone.  On
 * an instance that was never initialized.
 */
static bool st_snp_init_asids_dirty(struct st *s)
{
	struct sev_data_init init = {};

	return ST(s, st_cmd(s, SEV_CMD_SNP_INIT, NULL), 0) || st_snp_guest(s, 0) ||
	       ST(s, st_snp_act(s, 1), SEV_RET_DFFLUSH_REQUIRED) ||
	       ST(s, st_cmd(s, SEV_CMD_SNP_DF_FLUSH, NULL), SEV_RET_WBINVD_REQUIRED) ||
	       ST_VIOL(s, 2) || st_wbinvd(s) ||
	       ST(s, st_cmd(s, SEV_CMD_SNP_DF_FLUSH, NULL), 0) ||
	       ST(s, st_cmd(s, SEV_CMD_INIT, &init), 0) ||
	       ST(s, s->fw->asid[2], SM_ASID_FREE) ||
	       ST(s, st_snp_act(s, 1), 0) || ST_VIOL(s, 0);
}

/* sev_platform_init() flushes what INIT and SNP_INIT left dirty. */
static bool st_platform_init_flushes(struct st *s)
{
	int a;

	for (a = 1; a < SM_NR_ASIDS; a++)
		if (ST(s, s->fw->asid[a], SM_ASID_FREE))
			return true;
	return ST(s, s->fw->snp_init && s->fw->platform == SEV_STATE_INIT, 1) ||
	       ST_VIOL(s, 0);
}

/*
 * VM_PAGE_FLUSH of a VMSA must name the binding that encrypted it: after
 * the guest's ASID was deactivated, flushed and bound to a new guest, the
 * ASID names the new guest's key.  The new guest's own VMSA is fine.
 */
static bool st_vm_page_flush_rebound(struct st *s)
{
	u64 va = (u64)page_address(s->pg[1]);
	u32 h1, h2;

	return ST(s, st_start(s, SEV_POLICY_MASK_ES, &h1), 0) ||
	       ST(s, st_act(s, h1, 1), 0) ||
	       ST(s, st_lud(s, SEV_CMD_LAUNCH_UPDATE_VMSA, h1, PAGE_SIZE), 0) ||
	       ST(s, st_measure(s, h1), 0) ||
	       ST(s, st_h(s, SEV_CMD_LAUNCH_FINISH, h1), 0) ||
	       ST(s, st_h(s, SEV_CMD_DEACTIVATE, h1), 0) ||
	       ST(s, st_h(s, SEV_CMD_DECOMMISSION, h1), 0) || st_wbinvd(s) ||
	       ST(s, st_cmd(s, SEV_CMD_DF_FLUSH, NULL), 0) ||
	       ST(s, st_start(s, SEV_POLICY_MASK_ES, &h2), 0) ||
	       ST(s, st_act(s, h2, 1), 0) || ST_VIOL(s, 0) ||
	       ST(s, sm_vm_page_flush(s->fw, va | 1), -EIO) || ST_VIOL(s, 1) ||
	       ST(s, st_lud(s, SEV_CMD_LAUNCH_UPDATE_VMSA, h2, PAGE_SIZE), 0) ||
	       ST(s, sm_vm_page_flush(s->fw, va | 1), 0) || ST_VIOL(s, 0);
}

/* Armed with skip 1: the second ACTIVATE fails and changes nothing. */
static bool st_fault_injection(struct st *s)
{
	u32 h;

	s->fw->fail_cmd = SEV_CMD_ACTIVATE;
	s->fw->fail_status = SEV_RET_HWSEV_RET_UNSAFE;
	s->fw->fail_skip = 1;
	return ST(s, st_start(s, 0, &h), 0) || ST(s, st_act(s, h, 8), 0) ||
	       ST(s, st_h(s, SEV_CMD_DEACTIVATE, h), 0) ||
	       ST(s, st_act(s, h, 8), SEV_RET_HWSEV_RET_UNSAFE) ||
	       ST(s, s->fw->asid[8], SM_ASID_FREE) || ST(s, s->fw->fail_status, 0) ||
	       ST(s, st_act(s, h, 8), 0) || ST_VIOL(s, 0);
}

static const struct {
	const char *name;
	bool (*fn)(struct st *s);
	bool uninit;
} st_cases[] = {
	{ "asid_owned", st_asid_owned },
	{ "dfflush_required", st_dfflush_required },
	{ "unused_asid_clean", st_unused_asid_clean },
	{ "wbinvd_required", st_wbinvd_required },
	{ "invalid_asid_es", st_invalid_asid_es },
	{ "invalid_asid_sev", st_invalid_asid_sev },
	{ "active_decommission", st_active_decommission },
	{ "inactive_data_command", st_inactive_data },
	{ "invalid_guest_state", st_invalid_guest_state },
	{ "invalid_guest", st_invalid_guest },
	{ "invalid_platform_state", st_invalid_platform_state, true },
	{ "measure_length_query", st_measure_length_query },
	{ "handle_reused", st_handle_reused },
	{ "rmpupdate_immutable", st_rmpupdate_immutable },
	{ "rmpupdate_4k_in_2m", st_rmpupdate_4k_in_2m },
	{ "snp_launch_update_page_owner", st_update_page_owner },
	{ "snp_launch_update_page_state", st_update_page_state },
	{ "gctx_create_not_firmware", st_gctx_create_not_firmware },
	{ "page_reclaim_live_context", st_reclaim_live_context },
	{ "page_reclaim_pre_guest_allowed", st_reclaim_pre_guest },
	{ "snp_activate_assigned_page", st_snp_activate_assigned },
	{ "snp_decommission_audit", st_decommission_audit },
	{ "vm_page_flush_unbound", st_vm_page_flush_unbound },
	{ "launch_update_firmware_pages", st_launch_update_firmware_pages },
	{ "launch_update_vmsa_length", st_launch_update_vmsa_length },
	{ "init_asids_dirty", st_init_asids_dirty, true },
	{ "snp_init_asids_dirty", st_snp_init_asids_dirty, true },
	{ "platform_init_flushes", st_platform_init_flushes },
	{ "vm_page_flush_rebound", st_vm_page_flush_rebound },
	{ "fault_injection", st_fault_injection },
};

static void st_run(struct seq_file *m, int i)
{
	struct st s = {};
	int err;

	s.fw = kzalloc_obj(*s.fw, GFP_KERNEL);
	s.pg[0] = alloc_page(GFP_KERNEL | __GFP_ZERO);
	s.pg[1] = alloc_page(GFP_KERNEL | __GFP_ZERO);
	if (!s.fw || !s.pg[0] || !s.pg[1]) {
		seq_printf(m, "not ok %s: out of memory\n", st_cases[i].name);
		goto free;
	}
	sm_fw_init(s.fw, true);
	if (st_cases[i].uninit ||
	    !(ST(&s, sm_platform_init(s.fw, true, &err), 0) || ST_VIOL(&s, 0)))
		st_cases[i].fn(&s);
	if (s.why[0])
		seq_printf(m, "not ok %s: %s (last: %s)\n", st_cases[i].name,
			   s.why, s.fw->last);
	else
		seq_printf(m, "ok %s\n", st_cases[i].name);
	sm_fw_destroy(s.fw);
free:
	if (s.pg[0])
		__free_page(s.pg[0]);
	if (s.pg[1])
		__free_page(s.pg[1]);
	kfree(s.fw);
}

/* ---- debugfs ---- */

enum {
	SHOW_LAST, SHOW_ASSIGNED, SHOW_FIRMWARE, SHOW_GUESTS, SHOW_LEAKED,
	SHOW_COUNTS, SHOW_STATE, SHOW_SELFTEST, SHOW_FAIL,
};

static const char * const show_names[] = {
	"last", "assigned", "firmware", "guests", "leaked", "counts", "state",
	"selftest", "fail",
};

static int sm_show(struct seq_file *m, void *v)
{
	unsigned long n[SM_P_NR], flags;
	int i;

	switch ((long)m->private) {
	case SHOW_LAST:
		spin_lock_irqsave(&sm_live.last_lock, flags);
		if (sm_live.last[0])
			seq_printf(m, "%s\n", sm_live.last);
		spin_unlock_irqrestore(&sm_live.last_lock, flags);
		break;
	case SHOW_ASSIGNED:	/* to a guest ASID */
		sm_rmp_count(&sm_live, n);
		seq_printf(m, "%lu\n", n[SM_P_PRE_GUEST] + n[SM_P_PRE_SWAP] +
			   n[SM_P_GUEST_INVALID] + n[SM_P_GUEST_VALID]);
		break;
	case SHOW_FIRMWARE:	/* owned by the firmware, or on their way back */
		sm_rmp_count(&sm_live, n);
		seq_printf(m, "%lu\n", n[SM_P_FIRMWARE] + n[SM_P_CONTEXT] +
			   n[SM_P_RECLAIM]);
		break;
	case SHOW_GUESTS:	/* SEV guest handles and SNP guest contexts */
		mutex_lock(&sm_live.lock);
		seq_printf(m, "%zu\n", list_count_nodes(&sm_live.guests) +
			   list_count_nodes(&sm_live.ctxs));
		mutex_unlock(&sm_live.lock);
		break;
	case SHOW_LEAKED:
		seq_printf(m, "%ld\n", atomic_long_read(&sm_live.leaked));
		break;
	case SHOW_COUNTS:
		sm_show_counts(&sm_live, m);
		break;
	case SHOW_STATE:
		sm_show_state(&sm_live, m);
		break;
	case SHOW_SELFTEST:
		for (i = 0; i < ARRAY_SIZE(st_cases); i++)
			st_run(m, i);
		break;
	case SHOW_FAIL:
		mutex_lock(&sm_live.lock);
		seq_printf(m, "%#x %#x %u\n", sm_live.fail_cmd,
			   sm_live.fail_status, sm_live.fail_skip);
		mutex_unlock(&sm_live.lock);
		break;
	}
	return 0;
}

static int sm_open(struct inode *inode, struct file *file)
{
	return single_open_size(file, sm_show, inode->i_private, SZ_16K);
}

/* fail: "CMD STATUS [SKIP]" arms a one-shot failure; "0 0" disarms. */
static ssize_t fail_write(struct file *file, const char __user *ubuf,
			  size_t len, loff_t *ppos)
{
	int cmd, status, skip = 0;
	char buf[48];

	if (len >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, len))
		return -EFAULT;
	buf[len] = '\0';
	if (sscanf(buf, "%i %i %i", &cmd, &status, &skip) < 2 || cmd < 0 ||
	    status < 0 || skip < 0 || !cmd != !status)
		return -EINVAL;
	mutex_lock(&sm_live.lock);
	sm_live.fail_cmd = cmd;
	sm_live.fail_status = status;
	sm_live.fail_skip = skip;
	mutex_unlock(&sm_live.lock);
	return len;
}

static const struct file_operations sm_ro_fops = {
	.owner = THIS_MODULE,
	.open = sm_open,
	.read = seq_read,
	.llseek = seq_lseek,
	.release = single_release,
};

static const struct file_operations sm_fail_fops = {
	.owner = THIS_MODULE,
	.open = sm_open,
	.read = seq_read,
	.write = fail_write,
	.llseek = seq_lseek,
	.release = single_release,
};

static int __init sm_init(void)
{
	long i;
	int ret;

	sm_fw_init(&sm_live, false);
	sm_dir = debugfs_create_dir("sev-model", NULL);
	debugfs_create_atomic_t("violations", 0444, sm_dir, &sm_live.violations);
	debugfs_create_atomic_t("audits", 0444, sm_dir, &sm_live.audits);
	for (i = 0; i < ARRAY_SIZE(show_names); i++)
		debugfs_create_file(show_names[i], i == SHOW_FAIL ? 0644 : 0444,
				    sm_dir, (void *)i,
				    i == SHOW_FAIL ? &sm_fail_fops : &sm_ro_fops);

	ret = misc_register(&sm_misc);
	if (ret) {
		debugfs_remove_recursive(sm_dir);
		sm_fw_destroy(&sm_live);
		return ret;
	}
	pr_info("SEV firmware and RMP model loaded (test only; SNP %s)\n",
		snp ? "on" : "off");
	return 0;
}

static void __exit sm_exit(void)
{
	misc_deregister(&sm_misc);
	debugfs_remove_recursive(sm_dir);
	sm_platform_shutdown(&sm_live, "module exit");
	pr_info("unloaded, %d violations\n", atomic_read(&sm_live.violations));
	sm_fw_destroy(&sm_live);
}

module_init(sm_init);
module_exit(sm_exit);

MODULE_DESCRIPTION("Test-only model of the AMD SEV firmware and the SNP RMP, standing in for ccp");
MODULE_LICENSE("GPL");
