// SPDX-License-Identifier: GPL-2.0
/*
 * Test-only model of the AMD SEV/SEV-ES/SEV-SNP firmware: the command
 * dispatcher and the firmware state machine.  Nothing is encrypted or
 * measured; what is checked is the order of commands, the guest, ASID and
 * page states, and the status of each refusal.  The rules follow the SEV API
 * (pub. 55766) and the SNP firmware ABI (pub. 56860) as far as they were at
 * hand, otherwise the published firmware source (github.com/amd/AMD-ASPFW,
 * sev_mcmd.c).  Documentation/sev-model.md lists them.
 */
#define pr_fmt(fmt) "sev-model: " fmt

#include <linux/mm.h>
#include <linux/slab.h>
#include <asm/pgtable_types.h>
#include <sev-model.h>
#include "model.h"

#define SM_MEASURE_LEN	48	/* HMAC-SHA256 and 16-byte nonce */
#define SM_ATTEST_LEN	208
#define SM_SESSION_LEN	128
#define SM_PKT_HDR_LEN	52

#define F_DATA		BIT(0)	/* the handler reads the command buffer */
#define F_GUEST		BIT(1)	/* an SEV guest, by the handle at offset 0 */
#define F_ACTIVE	BIT(2)	/* ... that must have an ASID bound */
#define F_ES		BIT(3)	/* ... and the SEV-ES policy */

struct sm_cmd {
	u16 id;
	u8 flags;
	u8 from;		/* F_GUEST: guest states allowed, BIT(SM_G_*) */
	u8 to;			/* F_GUEST: state after success, or SM_G_NONE */
	const char *name;
	const char *sec;	/* spec section, where verified */
	int (*fn)(struct sm_fw *fw, void *data, struct sm_guest *g);
};

#define S(x)	BIT(SM_G_##x)
#define ANY	(S(LUPDATE) | S(LSECRET) | S(RUNNING) | S(SUPDATE) | S(RUPDATE) | S(SENT))

static const char * const gstate_names[] = {
	"NONE", "LUPDATE", "LSECRET", "RUNNING", "SUPDATE", "RUPDATE", "SENT",
};

static const char * const sstate_names[] = { "INIT", "LAUNCH", "RUNNING" };
static const char * const pstate_names[] = { "UNINIT", "INIT", "WORKING" };
static const char * const asid_names[] = { "free", "bound", "dirty" };

/* Refuse the current command: a violation, logged with the spec reference. */
static __printf(3, 4) int refuse(struct sm_fw *fw, int status,
				 const char *fmt, ...)
{
	const struct sm_cmd *c = fw->cur;
	struct va_format vaf;
	va_list ap;

	va_start(ap, fmt);
	vaf.fmt = fmt;
	vaf.va = &ap;
	sm_violation(fw, "%s refused, status %#x: %pV (%s %s%s)", c->name,
		     status, &vaf, c->id >= SEV_CMD_SNP_INIT ? "SNP ABI 56860" :
		     "SEV API 55766", c->sec ?: "", c->name);
	va_end(ap);
	return status;
}

/* Kernel address of host physical range [@pa, @pa + @len), if RAM. */
static void *sm_va(u64 pa, u64 len)
{
	pa = __sme_clr(pa);
	if (!len || !pfn_valid(PHYS_PFN(pa)) || !pfn_valid(PHYS_PFN(pa + len - 1)))
		return NULL;
	return __va(pa);
}

/* ---- ASIDs: ACTIVATE, SNP_ACTIVATE, DEACTIVATE, (SNP_)DECOMMISSION ---- */

static int bind_check(struct sm_fw *fw, struct sm_bind *b, u32 asid, bool es)
{
	u32 lo = es ? 1 : SEV_MODEL_MIN_SEV_ASID;
	u32 hi = es ? SEV_MODEL_MIN_SEV_ASID - 1 : SEV_MODEL_MAX_SEV_ASID;

	if (!asid || asid > SEV_MODEL_MAX_SEV_ASID)
		return refuse(fw, SEV_RET_INVALID_ASID, "ASID %u is not in 1..%u",
			      asid, SEV_MODEL_MAX_SEV_ASID);
	if (fw->asid[asid] == SM_ASID_BOUND)
		return refuse(fw, SEV_RET_ASID_OWNED,
			      "ASID %u is bound to another guest", asid);
	if (b->active)
		return refuse(fw, SEV_RET_ACTIVE,
			      "the guest is already active on ASID %u", b->asid);
	if (fw->asid[asid] == SM_ASID_DIRTY)
		return refuse(fw, SEV_RET_DFFLUSH_REQUIRED,
			      "ASID %u was used and deactivated, no DF_FLUSH since",
			      asid);
	if (asid < lo || asid > hi)
		return refuse(fw, SEV_RET_INVALID_ASID,
			      "ASID %u is outside the %s range %u..%u", asid,
			      es ? "SEV-ES/SNP" : "SEV", lo, hi);
	return 0;
}

/* The ASID is in use once the guest runs; until then it stays clean. */
static void bind(struct sm_fw *fw, struct sm_bind *b, u32 asid, bool running)
{
	WRITE_ONCE(fw->asid[asid], SM_ASID_BOUND);
	b->gen = ++fw->bind_gen;
	WRITE_ONCE(fw->asid_gen[asid], b->gen);
	b->asid = asid;
	b->active = true;
	b->in_use = running;
}

static void unbind(struct sm_fw *fw, struct sm_bind *b)
{
	if (!b->active)
		return;
	WRITE_ONCE(fw->asid[b->asid], b->in_use ? SM_ASID_DIRTY : SM_ASID_FREE);
	WRITE_ONCE(fw->asid_gen[b->asid], 0);
	if (b->in_use)
		fw->wbinvd_seen = false;
	b->active = false;
}

/*
 * The VMSA at @pa was encrypted under binding @b: VM_PAGE_FLUSH must name
 * the ASID while that binding holds it (sm_vm_page_flush()).
 */
static int record_vmsa(struct sm_fw *fw, u64 pa, struct sm_bind *b)
{
	void *v = xa_mk_value(b->gen << 8 | b->asid);

	if (xa_is_err(xa_store(&fw->vmsa, PHYS_PFN(__sme_clr(pa)), v, GFP_KERNEL)))
		return SEV_RET_RESOURCE_LIMIT;
	return 0;
}

/* Model-only audit: nothing may stay assigned to a guest's ASID. */
static void audit_asid(struct sm_fw *fw, u32 asid)
{
	if (asid && fw->asid[asid] != SM_ASID_BOUND)
		sm_rmp_audit(fw, asid, false, fw->cur->name, false);
}

/* ---- Platform ---- */

/*
 * INIT, and SNP_INIT, when neither was done: every ASID is dirty and no
 * WBINVD is done, so the first ACTIVATE needs a WBINVD and a DF_FLUSH
 * (AMD-ASPFW sev_mcmd.c: the ASID initialization of sev_mcmd_init_common()
 * and snp_mcmd_init_common(), run only while SNP is uninitialized).
 */
static void all_asids_dirty(struct sm_fw *fw)
{
	int a;

	for (a = 1; a < SM_NR_ASIDS; a++)
		WRITE_ONCE(fw->asid[a], SM_ASID_DIRTY);
	fw->wbinvd_seen = false;
}

static int cmd_init(struct sm_fw *fw, void *data, struct sm_guest *unused)
{
	if (fw->platform != SEV_STATE_UNINIT)
		return refuse(fw, SEV_RET_INVALID_PLATFORM_STATE,
			      "the platform is already initialized");
	if (!fw->snp_init)
		all_asids_dirty(fw);
	fw->platform = SEV_STATE_INIT;
	return 0;
}

static int cmd_shutdown(struct sm_fw *fw, void *data, struct sm_guest *unused)
{
	struct sm_guest *g, *tmp;

	list_for_each_entry_safe(g, tmp, &fw->guests, node) {
		if (g->b.active) {
			WRITE_ONCE(fw->asid[g->b.asid], SM_ASID_FREE);
			WRITE_ONCE(fw->asid_gen[g->b.asid], 0);
		}
		list_del(&g->node);
		kfree(g);
	}
	fw->platform = SEV_STATE_UNINIT;
	return 0;
}

static int cmd_snp_init(struct sm_fw *fw, void *data, struct sm_guest *unused)
{
	if (fw->snp_init || fw->platform != SEV_STATE_UNINIT)
		return refuse(fw, SEV_RET_INVALID_PLATFORM_STATE,
			      "SNP is initialized, or SEV INIT came first");
	sm_rmp_clear(fw);	/* INIT_RMP */
	all_asids_dirty(fw);
	fw->snp_init = true;
	return 0;
}

static int cmd_snp_shutdown(struct sm_fw *fw, void *data, struct sm_guest *unused)
{
	struct sm_ctx *c, *tmp;

	list_for_each_entry_safe(c, tmp, &fw->ctxs, node) {
		if (c->b.active) {
			WRITE_ONCE(fw->asid[c->b.asid], SM_ASID_FREE);
			WRITE_ONCE(fw->asid_gen[c->b.asid], 0);
		}
		list_del(&c->node);
		kfree(c);
	}
	fw->snp_init = false;
	return 0;
}

/* DF_FLUSH, SNP_DF_FLUSH: after WBINVD, every dirty ASID becomes free. */
static int cmd_df_flush(struct sm_fw *fw, void *data, struct sm_guest *unused)
{
	int a;

	if (fw->cur->id == SEV_CMD_SNP_DF_FLUSH ? !fw->snp_init :
	    fw->platform == SEV_STATE_UNINIT)
		return refuse(fw, SEV_RET_INVALID_PLATFORM_STATE,
			      "not initialized");
	if (!fw->wbinvd_seen)
		return refuse(fw, SEV_RET_WBINVD_REQUIRED,
			      "no WBINVD on all CPUs since the last DEACTIVATE of a used ASID");
	for (a = 1; a < SM_NR_ASIDS; a++)
		if (fw->asid[a] == SM_ASID_DIRTY)
			WRITE_ONCE(fw->asid[a], SM_ASID_FREE);
	return 0;
}

/* ---- SEV and SEV-ES guests ---- */

static struct sm_guest *find_guest(struct sm_fw *fw, u32 handle)
{
	struct sm_guest *g;

	list_for_each_entry(g, &fw->guests, node)
		if (g->handle == handle)
			return g;
	return NULL;
}

/* F_GUEST: platform WORKING, a known handle, the state, an ASID, SEV-ES. */
static int guest_check(struct sm_fw *fw, void *data, struct sm_guest **gp)
{
	const struct sm_cmd *c = fw->cur;
	u32 handle = *(u32 *)data;
	struct sm_guest *g;

	if (fw->platform != SEV_STATE_WORKING)
		return refuse(fw, SEV_RET_INVALID_PLATFORM_STATE,
			      "the platform is %s, not WORKING",
			      pstate_names[fw->platform]);
	g = find_guest(fw, handle);
	if (!g)
		return refuse(fw, SEV_RET_INVALID_GUEST, "no guest has handle %u",
			      handle);
	if (!(c->from & BIT(g->state)))
		return refuse(fw, SEV_RET_INVALID_GUEST_STATE,
			      "guest %u is in state %s", handle,
			      gstate_names[g->state]);
	if ((c->flags & F_ACTIVE) && !g->b.active)
		return refuse(fw, SEV_RET_INACTIVE,
			      "guest %u has no ASID bound, ACTIVATE first", handle);
	if ((c->flags & F_ES) && !(g->policy & SEV_POLICY_MASK_ES))
		return refuse(fw, SEV_RET_UNSUPPORTED,
			      "guest %u has no SEV-ES policy", handle);
	*gp = g;
	return 0;
}

/*
 * The lowest handle no live guest has: the firmware takes the first free
 * slot of its guest table (find_free_guest_handle() in AMD's published
 * source), so a relaunch after a reset usually gets the old handle back.
 */
static u32 free_handle(struct sm_fw *fw)
{
	u32 h = 1;

	while (find_guest(fw, h))
		h++;
	return h;
}

/* LAUNCH_START, RECEIVE_START: a new guest, with the lowest free handle. */
static int cmd_start(struct sm_fw *fw, void *data, struct sm_guest *unused)
{
	struct sev_data_launch_start *d = data;	/* handle, policy lead both */
	struct sm_guest *g;

	if (fw->platform == SEV_STATE_UNINIT)
		return refuse(fw, SEV_RET_INVALID_PLATFORM_STATE,
			      "the platform is not initialized");
	if (d->handle && !find_guest(fw, d->handle))
		return refuse(fw, SEV_RET_INVALID_GUEST,
			      "key-sharing handle %u does not exist", d->handle);
	g = kzalloc_obj(*g, GFP_KERNEL);
	if (!g)
		return SEV_RET_RESOURCE_LIMIT;
	g->handle = free_handle(fw);
	g->policy = d->policy;
	g->state = fw->cur->id == SEV_CMD_RECEIVE_START ? SM_G_RUPDATE :
							  SM_G_LUPDATE;
	list_add_tail(&g->node, &fw->guests);
	fw->platform = SEV_STATE_WORKING;
	d->handle = g->handle;
	return 0;
}

static int cmd_activate(struct sm_fw *fw, void *data, struct sm_guest *g)
{
	struct sev_data_activate *d = data;
	int st = bind_check(fw, &g->b, d->asid, g->policy & SEV_POLICY_MASK_ES);

	if (st)
		return st;
	sm_rmp_audit(fw, d->asid, false, "ACTIVATE", false);
	bind(fw, &g->b, d->asid,
	     g->state == SM_G_RUNNING || g->state == SM_G_SUPDATE);
	return 0;
}

static int cmd_deactivate(struct sm_fw *fw, void *data, struct sm_guest *g)
{
	if (!g->b.active)
		return refuse(fw, SEV_RET_INACTIVE, "guest %u is not active",
			      g->handle);
	unbind(fw, &g->b);
	return 0;
}

static int cmd_decommission(struct sm_fw *fw, void *data, struct sm_guest *g)
{
	if (g->b.active)
		return refuse(fw, SEV_RET_ACTIVE,
			      "guest %u is still active on ASID %u, DEACTIVATE first",
			      g->handle, g->b.asid);
	audit_asid(fw, g->b.asid);
	list_del(&g->node);
	kfree(g);
	if (list_empty(&fw->guests))
		fw->platform = SEV_STATE_INIT;
	return 0;
}

/* No error for an unknown handle: it reads as state 0. */
static int cmd_guest_status(struct sm_fw *fw, void *data, struct sm_guest *g)
{
	struct sev_data_guest_status *d = data;

	if (fw->platform == SEV_STATE_UNINIT)
		return refuse(fw, SEV_RET_INVALID_PLATFORM_STATE,
			      "the platform is not initialized");
	g = find_guest(fw, d->handle);
	d->policy = g ? g->policy : 0;
	d->asid = g && g->b.active ? g->b.asid : 0;
	d->state = g ? g->state : SM_G_NONE;
	return 0;
}

static int check_align(struct sm_fw *fw, u64 addr, u32 len)
{
	if (!IS_ALIGNED(addr, 16))
		return refuse(fw, SEV_RET_INVALID_ADDRESS,
			      "address %#llx is not 16-byte aligned", addr);
	if (!len || !IS_ALIGNED(len, 16))
		return refuse(fw, SEV_RET_INVALID_LEN,
			      "length %#x is 0 or not a multiple of 16", len);
	return 0;
}

/*
 * Once SNP is initialized, a legacy command that writes to memory refuses
 * a range with a page that is not in the Firmware state, walking the RMP
 * from the page of @pa, one entry (4K or 2M) after another, until @len
 * bytes are covered (check_page_range_firmware_writable() in AMD-ASPFW
 * sev_rmp.c; the ccp driver converts the pages before the command).
 */
static int check_fw_pages(struct sm_fw *fw, u64 pa, u32 len)
{
	u64 pfn = PHYS_PFN(__sme_clr(pa));
	long left = len;
	struct sm_rmpe e;
	int st = 0;

	if (!fw->snp_init)
		return 0;
	xa_lock(&fw->rmp);
	do {
		sm_rmp_get(fw, pfn, &e);
		if (sm_rmp_state(&e) != SM_P_FIRMWARE) {
			st = refuse(fw, SEV_RET_INVALID_PAGE_STATE,
				    "page %#llx is %s, not Firmware, and SNP is initialized (SNP ABI 56860 ch. 5)",
				    PFN_PHYS(pfn), sm_pstate_name(&e));
			break;
		}
		left -= e.huge ? PMD_SIZE : PAGE_SIZE;
		pfn = e.huge ? ALIGN_DOWN(pfn, PTRS_PER_PMD) + PTRS_PER_PMD : pfn + 1;
	} while (left > 0);
	xa_unlock(&fw->rmp);
	return st;
}

/* LAUNCH_UPDATE_DATA and LAUNCH_UPDATE_VMSA share the layout. */
static int cmd_launch_update(struct sm_fw *fw, void *data, struct sm_guest *g)
{
	struct sev_data_launch_update_data *d = data;

	int st = check_align(fw, d->address, d->len) ?:
		 check_fw_pages(fw, d->address, d->len);

	if (!st && fw->cur->id == SEV_CMD_LAUNCH_UPDATE_VMSA)
		st = record_vmsa(fw, d->address, &g->b);
	return st;
}

static int cmd_launch_measure(struct sm_fw *fw, void *data, struct sm_guest *g)
{
	struct sev_data_launch_measure *d = data;
	u8 *buf;

	if (d->len < SM_MEASURE_LEN) {
		d->len = SM_MEASURE_LEN;	/* the length query */
		return SEV_RET_INVALID_LEN;
	}
	buf = sm_va(d->address, SM_MEASURE_LEN);
	if (!buf)
		return refuse(fw, SEV_RET_INVALID_ADDRESS, "%#llx is not RAM",
			      d->address);
	memset(buf, 0x5a, SM_MEASURE_LEN);	/* a fake measurement */
	memcpy(buf, &g->handle, sizeof(g->handle));
	d->len = SM_MEASURE_LEN;
	return 0;
}

static int cmd_launch_secret(struct sm_fw *fw, void *data, struct sm_guest *g)
{
	struct sev_data_launch_secret *d = data;

	return check_align(fw, d->guest_address, 16);
}

static int cmd_attestation(struct sm_fw *fw, void *data, struct sm_guest *g)
{
	struct sev_data_attestation_report *d = data;
	u8 *buf;

	if (d->len < SM_ATTEST_LEN) {
		d->len = SM_ATTEST_LEN;		/* the length query */
		return SEV_RET_INVALID_LEN;
	}
	buf = sm_va(d->address, SM_ATTEST_LEN);
	if (!buf)
		return refuse(fw, SEV_RET_INVALID_ADDRESS, "%#llx is not RAM",
			      d->address);
	memset(buf, 0, SM_ATTEST_LEN);
	memcpy(buf, d->mnonce, sizeof(d->mnonce));
	d->len = SM_ATTEST_LEN;
	return 0;
}

static int cmd_send_start(struct sm_fw *fw, void *data, struct sm_guest *g)
{
	struct sev_data_send_start *d = data;

	if (d->session_len < SM_SESSION_LEN) {
		d->session_len = SM_SESSION_LEN;	/* the length query */
		return SEV_RET_INVALID_LEN;
	}
	if (g->policy & SEV_POLICY_MASK_NOSEND)
		return refuse(fw, SEV_RET_POLICY_FAILURE,
			      "guest %u has the NOSEND policy", g->handle);
	d->policy = g->policy;
	d->session_len = SM_SESSION_LEN;
	return 0;
}

static int cmd_send_update(struct sm_fw *fw, void *data, struct sm_guest *g)
{
	struct sev_data_send_update_data *d = data;
	int st = 0;

	if (d->hdr_len < SM_PKT_HDR_LEN || !d->guest_len ||
	    d->trans_len < d->guest_len)
		st = SEV_RET_INVALID_LEN;		/* the length query */
	d->hdr_len = SM_PKT_HDR_LEN;
	d->trans_len = d->guest_len ?: PAGE_SIZE;
	return st;
}

static int cmd_receive_update(struct sm_fw *fw, void *data, struct sm_guest *g)
{
	struct sev_data_receive_update_data *d = data;

	return check_align(fw, d->guest_address, d->guest_len);
}

/* DBG_DECRYPT, DBG_ENCRYPT: plain copies, nothing is encrypted. */
static int cmd_dbg(struct sm_fw *fw, void *data, struct sm_guest *g)
{
	struct sev_data_dbg *d = data;
	void *src = sm_va(d->src_addr, d->len), *dst = sm_va(d->dst_addr, d->len);
	int st = check_align(fw, d->src_addr | d->dst_addr, d->len);

	if (st)
		return st;
	if (g->policy & SEV_POLICY_MASK_NODBG)
		return refuse(fw, SEV_RET_POLICY_FAILURE,
			      "guest %u has the NODBG policy", g->handle);
	if (!src || !dst)
		return refuse(fw, SEV_RET_INVALID_ADDRESS, "%#llx or %#llx is not RAM",
			      d->src_addr, d->dst_addr);
	memmove(dst, src, d->len);
	return 0;
}

/* ---- SNP guests, by guest context page ---- */

static int snp_check(struct sm_fw *fw)
{
	if (fw->snp_init)
		return 0;
	return refuse(fw, SEV_RET_INVALID_PLATFORM_STATE, "SNP is not initialized");
}

/* The context at @gctx_pa, in one of @states. */
static int ctx_get(struct sm_fw *fw, u64 gctx_pa, unsigned int states,
		   struct sm_ctx **cp)
{
	u64 pfn = PHYS_PFN(__sme_clr(gctx_pa));
	struct sm_ctx *c;
	int st = snp_check(fw);

	if (st)
		return st;
	list_for_each_entry(c, &fw->ctxs, node) {
		if (c->pfn != pfn)
			continue;
		*cp = c;
		if (states & BIT(c->state))
			return 0;
		return refuse(fw, SEV_RET_INVALID_GUEST_STATE,
			      "SNP guest %#llx is in state %s", gctx_pa,
			      sstate_names[c->state]);
	}
	return refuse(fw, SEV_RET_INVALID_GUEST,
		      "%#llx is not a guest context page", gctx_pa);
}

static int ctx_active(struct sm_fw *fw, struct sm_ctx *c)
{
	if (c->b.active)
		return 0;
	return refuse(fw, SEV_RET_INACTIVE,
		      "SNP guest %#llx has no ASID, SNP_ACTIVATE first",
		      PFN_PHYS(c->pfn));
}

#define ALL_SNP		(BIT(SM_S_INIT) | BIT(SM_S_LAUNCH) | BIT(SM_S_RUNNING))

/* Firmware -> Context: the page becomes the guest context (SNP ABI ch. 5). */
static int cmd_gctx_create(struct sm_fw *fw, void *data, struct sm_guest *unused)
{
	u64 pa = __sme_clr(((struct sev_data_snp_addr *)data)->address);
	struct sm_rmpe e;
	struct sm_ctx *c;
	int st = snp_check(fw);

	if (st)
		return st;
	if (!sm_va(pa, PAGE_SIZE) || !PAGE_ALIGNED(pa))
		return refuse(fw, SEV_RET_INVALID_ADDRESS, "%#llx is not a RAM page", pa);
	c = kzalloc_obj(*c, GFP_KERNEL);
	if (!c)
		return SEV_RET_RESOURCE_LIMIT;
	xa_lock(&fw->rmp);
	sm_rmp_get(fw, PHYS_PFN(pa), &e);
	if (sm_rmp_state(&e) != SM_P_FIRMWARE || e.huge) {
		st = refuse(fw, e.huge ? SEV_RET_INVALID_PAGE_SIZE :
			    SEV_RET_INVALID_PAGE_STATE,
			    "page %#llx is %s%s, not a 4K Firmware page (ch. 5)",
			    pa, e.huge ? "2M " : "", sm_pstate_name(&e));
	} else {
		e.vmsa = true;
		sm_rmp_put(fw, PHYS_PFN(pa), &e);
	}
	xa_unlock(&fw->rmp);
	if (st) {
		kfree(c);
		return st;
	}
	clear_page(__va(pa));
	c->pfn = PHYS_PFN(pa);
	c->state = SM_S_INIT;
	list_add_tail(&c->node, &fw->ctxs);
	return 0;
}

static int cmd_snp_launch_start(struct sm_fw *fw, void *data, struct sm_guest *unused)
{
	struct sev_data_snp_launch_start *d = data;
	struct sm_ctx *c;
	int st = ctx_get(fw, d->gctx_paddr, BIT(SM_S_INIT), &c);

	if (st)
		return st;
	if (!(d->policy & SNP_POLICY_MASK_RSVD_MBO))
		return refuse(fw, SEV_RET_POLICY_FAILURE,
			      "policy %#llx lacks the must-be-one bit 17", d->policy);
	c->policy = d->policy;
	c->state = SM_S_LAUNCH;
	return 0;
}

static int cmd_snp_activate(struct sm_fw *fw, void *data, struct sm_guest *unused)
{
	struct sev_data_snp_activate *d = data;
	struct sm_ctx *c;
	int st = ctx_get(fw, d->gctx_paddr, BIT(SM_S_LAUNCH) | BIT(SM_S_RUNNING), &c);

	if (st)
		return st;
	/* Refused while pages are assigned to the ASID; the audit logs them. */
	if (d->asid && sm_rmp_audit(fw, d->asid, false, "SNP_ACTIVATE", true))
		return SEV_RET_INVALID_CONFIG;
	st = bind_check(fw, &c->b, d->asid, true);
	if (!st)
		bind(fw, &c->b, d->asid, c->state == SM_S_RUNNING);
	return st;
}

/* Pre-Guest -> Guest-Valid, as the published firmware does. */
static int cmd_snp_launch_update(struct sm_fw *fw, void *data, struct sm_guest *unused)
{
	struct sev_data_snp_launch_update *d = data;
	u64 pa = __sme_clr(d->address), pfn = PHYS_PFN(pa);
	unsigned int type = d->page_type;
	bool small = type == SNP_PAGE_TYPE_VMSA || type == SNP_PAGE_TYPE_SECRET ||
		     type == SNP_PAGE_TYPE_CPUID;
	struct sm_rmpe e;
	struct sm_ctx *c;
	int st = ctx_get(fw, d->gctx_paddr, BIT(SM_S_LAUNCH), &c);

	if (!st)
		st = ctx_active(fw, c);
	if (st)
		return st;
	xa_lock(&fw->rmp);
	sm_rmp_get(fw, pfn, &e);
	if (sm_rmp_state(&e) != SM_P_PRE_GUEST)
		st = refuse(fw, SEV_RET_INVALID_PAGE_STATE,
			    "page %#llx is %s, not Pre-Guest (ch. 5)", pa,
			    sm_pstate_name(&e));
	else if (!type || type >= SNP_PAGE_TYPE_MAX)
		st = refuse(fw, SEV_RET_INVALID_PARAM, "page type %u", type);
	else if (e.huge != d->page_size || (e.huge && small))
		st = refuse(fw, SEV_RET_INVALID_PAGE_SIZE,
			    "page %#llx (type %u): the command says %s, the RMP %s",
			    pa, type, d->page_size ? "2M" : "4K", e.huge ? "2M" : "4K");
	else if (e.huge && !IS_ALIGNED(pfn, PTRS_PER_PMD))
		st = refuse(fw, SEV_RET_INVALID_ADDRESS, "%#llx is not 2M-aligned", pa);
	else if (e.asid != c->b.asid)
		st = refuse(fw, SEV_RET_INVALID_PAGE_OWNER,
			    "page %#llx is assigned to ASID %u, the guest has ASID %u",
			    pa, e.asid, c->b.asid);
	if (!st) {
		e.validated = true;
		e.immutable = false;
		e.vmsa = type == SNP_PAGE_TYPE_VMSA;
		sm_rmp_put(fw, pfn, &e);
	}
	xa_unlock(&fw->rmp);
	if (!st && (type == SNP_PAGE_TYPE_ZERO || type == SNP_PAGE_TYPE_SECRET))
		memset(__va(pa), 0, e.huge ? PMD_SIZE : PAGE_SIZE);
	if (!st && type == SNP_PAGE_TYPE_VMSA)
		st = record_vmsa(fw, pa, &c->b);
	return st;
}

static int cmd_snp_launch_finish(struct sm_fw *fw, void *data, struct sm_guest *unused)
{
	struct sev_data_snp_launch_finish *d = data;
	struct sm_ctx *c;
	int st = ctx_get(fw, d->gctx_paddr, BIT(SM_S_LAUNCH), &c);

	if (!st)
		st = ctx_active(fw, c);
	if (st)
		return st;
	c->state = SM_S_RUNNING;
	c->b.in_use = true;
	return 0;
}

/* Unbind the ASID, drop the guest; its page goes Context -> Firmware. */
static int cmd_snp_decommission(struct sm_fw *fw, void *data, struct sm_guest *unused)
{
	struct sm_ctx *c;
	struct sm_rmpe e;
	int st = ctx_get(fw, ((struct sev_data_snp_addr *)data)->address,
			 ALL_SNP, &c);

	if (st)
		return st;
	unbind(fw, &c->b);
	audit_asid(fw, c->b.asid);
	xa_lock(&fw->rmp);
	sm_rmp_get(fw, c->pfn, &e);
	e.vmsa = false;
	sm_rmp_put(fw, c->pfn, &e);
	xa_unlock(&fw->rmp);
	list_del(&c->node);
	kfree(c);
	return 0;
}

/*
 * Clears immutable: Firmware -> Reclaim, Pre-Guest -> Guest-Invalid,
 * Pre-Swap -> Guest-Valid; a no-op on a mutable page; a live guest's context
 * page is refused.
 */
static int cmd_page_reclaim(struct sm_fw *fw, void *data, struct sm_guest *unused)
{
	u64 pa = __sme_clr(((struct sev_data_snp_page_reclaim *)data)->paddr);
	u64 pfn = PHYS_PFN(pa);
	bool huge = pa & 1;
	struct sm_rmpe e;
	int st = snp_check(fw);

	if (st)
		return st;
	if (!pfn_valid(pfn))
		return refuse(fw, SEV_RET_INVALID_ADDRESS, "%#llx is not RAM", pa);
	xa_lock(&fw->rmp);
	sm_rmp_get(fw, pfn, &e);
	if (e.huge != huge || (huge && !IS_ALIGNED(pfn, PTRS_PER_PMD)))
		st = refuse(fw, SEV_RET_INVALID_PAGE_SIZE,
			    "page %#llx: the command says %s, the RMP %s",
			    PFN_PHYS(pfn), huge ? "2M" : "4K", e.huge ? "2M" : "4K");
	else if (e.immutable && sm_rmp_state(&e) == SM_P_CONTEXT)
		st = refuse(fw, SEV_RET_INVALID_PAGE_STATE,
			    "page %#llx is the context page of a live guest, SNP_DECOMMISSION first (ch. 5)",
			    PFN_PHYS(pfn));
	if (!st && e.immutable) {
		e.immutable = false;
		sm_rmp_put(fw, pfn, &e);
	}
	xa_unlock(&fw->rmp);
	return st;
}

static int cmd_snp_platform_status(struct sm_fw *fw, void *data, struct sm_guest *unused)
{
	u64 pa = __sme_clr(((struct sev_data_snp_addr *)data)->address);
	struct sev_user_data_snp_status *s = sm_va(pa, sizeof(*s));
	struct sm_rmpe e;
	struct sm_ctx *c;

	xa_lock(&fw->rmp);
	sm_rmp_get(fw, PHYS_PFN(pa), &e);
	xa_unlock(&fw->rmp);
	if (!s)
		return refuse(fw, SEV_RET_INVALID_ADDRESS, "%#llx is not RAM", pa);
	if (fw->snp_init && sm_rmp_state(&e) != SM_P_FIRMWARE)
		return refuse(fw, SEV_RET_INVALID_PAGE_STATE,
			      "status page %#llx is %s, not Firmware", pa,
			      sm_pstate_name(&e));
	memset(s, 0, sizeof(*s));
	s->api_major = 1;
	s->api_minor = 55;
	s->state = fw->snp_init;
	s->is_rmp_initialized = fw->snp_init;
	list_for_each_entry(c, &fw->ctxs, node)
		s->guest_count += c->state != SM_S_INIT;
	return 0;
}

static int cmd_snp_guest_request(struct sm_fw *fw, void *data, struct sm_guest *unused)
{
	struct sev_data_snp_guest_request *d = data;
	struct sm_ctx *c;
	int st = ctx_get(fw, d->gctx_paddr, BIT(SM_S_RUNNING), &c);

	if (!st && !fw->quiet)
		pr_notice("SNP_GUEST_REQUEST is not modelled\n");
	return st ?: SEV_RET_INVALID_COMMAND;
}

#define C(cmd, fl, fr, t, sec, f) \
	{ SEV_CMD_##cmd, fl, fr, SM_G_##t, #cmd, sec, f }
#define G(cmd, fl, fr, t, f)	C(cmd, F_DATA | F_GUEST | (fl), fr, t, NULL, f)
#define P(cmd, fl, f)		C(cmd, fl, 0, NONE, NULL, f)

static const struct sm_cmd sm_cmds[] = {
	P(INIT, 0, cmd_init),
	P(SHUTDOWN, 0, cmd_shutdown),
	P(DF_FLUSH, 0, cmd_df_flush),
	G(DECOMMISSION, 0, ANY, NONE, cmd_decommission),
	G(ACTIVATE, 0, ANY & ~S(SENT), NONE, cmd_activate),
	G(DEACTIVATE, 0, ANY, NONE, cmd_deactivate),
	P(GUEST_STATUS, F_DATA, cmd_guest_status),
	C(LAUNCH_START, F_DATA, 0, NONE, "6.2 ", cmd_start),
	C(LAUNCH_UPDATE_DATA, F_DATA | F_GUEST | F_ACTIVE, S(LUPDATE), NONE,
	  "6.3 ", cmd_launch_update),
	G(LAUNCH_UPDATE_VMSA, F_ACTIVE | F_ES, S(LUPDATE), NONE, cmd_launch_update),
	C(LAUNCH_MEASURE, F_DATA | F_GUEST, S(LUPDATE), LSECRET, "6.4 ",
	  cmd_launch_measure),
	G(LAUNCH_UPDATE_SECRET, F_ACTIVE, S(LSECRET), NONE, cmd_launch_secret),
	G(LAUNCH_FINISH, 0, S(LSECRET), RUNNING, NULL),
	G(ATTESTATION_REPORT, 0, S(LSECRET) | S(RUNNING), NONE, cmd_attestation),
	G(SEND_START, 0, S(RUNNING), SUPDATE, cmd_send_start),
	G(SEND_UPDATE_DATA, F_ACTIVE, S(SUPDATE), NONE, cmd_send_update),
	G(SEND_FINISH, 0, S(SUPDATE), SENT, NULL),
	G(SEND_CANCEL, 0, S(SUPDATE), RUNNING, NULL),
	C(RECEIVE_START, F_DATA, 0, NONE, "6.12 ", cmd_start),
	G(RECEIVE_UPDATE_DATA, F_ACTIVE, S(RUPDATE), NONE, cmd_receive_update),
	G(RECEIVE_FINISH, 0, S(RUPDATE), RUNNING, NULL),
	G(DBG_DECRYPT, F_ACTIVE, ANY, NONE, cmd_dbg),
	G(DBG_ENCRYPT, F_ACTIVE, ANY, NONE, cmd_dbg),
	P(SNP_INIT, 0, cmd_snp_init),
	P(SNP_SHUTDOWN, 0, cmd_snp_shutdown),
	P(SNP_PLATFORM_STATUS, F_DATA, cmd_snp_platform_status),
	P(SNP_DF_FLUSH, 0, cmd_df_flush),
	P(SNP_DECOMMISSION, F_DATA, cmd_snp_decommission),
	P(SNP_ACTIVATE, F_DATA, cmd_snp_activate),
	P(SNP_GCTX_CREATE, F_DATA, cmd_gctx_create),
	P(SNP_GUEST_REQUEST, F_DATA, cmd_snp_guest_request),
	P(SNP_LAUNCH_START, F_DATA, cmd_snp_launch_start),
	P(SNP_LAUNCH_UPDATE, F_DATA, cmd_snp_launch_update),
	P(SNP_LAUNCH_FINISH, F_DATA, cmd_snp_launch_finish),
	P(SNP_PAGE_RECLAIM, F_DATA, cmd_page_reclaim),
};

static const struct sm_cmd *find_cmd(int cmd)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(sm_cmds); i++)
		if (sm_cmds[i].id == cmd)
			return &sm_cmds[i];
	return NULL;
}

/*
 * LAUNCH_UPDATE_VMSA takes exactly one VMSA page, a check the firmware makes
 * before any other (sev_mcmd_launch_update_vmsa() in AMD-ASPFW: length
 * other than VMSA_SIZE, 4K, is INVALID_LENGTH).
 */
static int check_vmsa_len(struct sm_fw *fw, void *data)
{
	struct sev_data_launch_update_vmsa *d = data;

	if (d->len == PAGE_SIZE)
		return 0;
	return refuse(fw, SEV_RET_INVALID_LEN,
		      "length %#x is not that of a VMSA page, %#lx", d->len,
		      PAGE_SIZE);
}

static int run_cmd(struct sm_fw *fw, const struct sm_cmd *c, void *data)
{
	struct sm_guest *g = NULL;
	int st = 0;

	if (c->id == SEV_CMD_LAUNCH_UPDATE_VMSA)
		st = check_vmsa_len(fw, data);
	if (!st && (c->flags & F_GUEST))
		st = guest_check(fw, data, &g);
	if (!st && c->fn)
		st = c->fn(fw, data, g);
	if (!st && c->to) {
		g->state = c->to;
		if (c->to == SM_G_RUNNING)
			g->b.in_use = g->b.active;
	}
	return st;
}

/* Issue @cmd with fw->lock held; returns the firmware status. */
static int __sm_do_cmd(struct sm_fw *fw, int cmd, void *data)
{
	const struct sm_cmd *c = find_cmd(cmd);
	int st;

	if (cmd >= 0 && cmd < SEV_CMD_MAX)
		fw->cmd_count[cmd]++;
	if (fw->fail_status && fw->fail_cmd == cmd && !fw->fail_skip) {
		st = fw->fail_status;
		fw->fail_cmd = 0;
		fw->fail_status = 0;
		if (!fw->quiet)
			pr_info("injected: command %#x fails with status %#x\n",
				cmd, st);
		return st;
	}
	if (!c) {
		atomic_long_inc(&fw->op_count[SM_OP_UNKNOWN_CMD]);
		if (!fw->quiet)
			pr_notice("command %#x is not modelled\n", cmd);
		return SEV_RET_INVALID_COMMAND;
	}
	fw->cur = c;
	st = run_cmd(fw, c, data);
	fw->cur = NULL;
	if (!st && fw->fail_status && fw->fail_cmd == cmd)
		fw->fail_skip--;
	return st;
}

/*
 * The guest-owned buffer of a legacy command that the model checks, which
 * the ccp driver moves to the Firmware state before the command once SNP
 * is initialized (snp_populate_cmd_buf_desc_list() in sev-dev.c).  The
 * other commands' buffers (DBG_*, LAUNCH_UPDATE_SECRET, RECEIVE_UPDATE_DATA,
 * and the bounce buffers of the rest) are not checked by the model.
 */
static u32 drv_buf(int cmd, void *data, u64 *pa)
{
	struct sev_data_launch_update_data *d = data;

	if (cmd != SEV_CMD_LAUNCH_UPDATE_DATA && cmd != SEV_CMD_LAUNCH_UPDATE_VMSA)
		return 0;
	*pa = __sme_clr(d->address);
	return d->len;
}

/*
 * As snp_reclaim_pages(): SNP_PAGE_RECLAIM and RMPUPDATE to the hypervisor
 * of @n pages from @pfn, the rest leaked after a failure.
 */
static int drv_reclaim(struct sm_fw *fw, u64 pfn, unsigned long n)
{
	struct sev_data_snp_page_reclaim d;
	unsigned long i;

	for (i = 0; i < n; i++) {
		d.paddr = PFN_PHYS(pfn + i);
		if (__sm_do_cmd(fw, SEV_CMD_SNP_PAGE_RECLAIM, &d) ||
		    sm_rmp_make_shared(fw, pfn + i, PG_LEVEL_4K)) {
			atomic_long_add(n - i, &fw->leaked);
			if (!fw->quiet)
				pr_warn("leaking PFN range %#llx-%#llx\n", pfn + i,
					pfn + n);
			return -EFAULT;
		}
	}
	return 0;
}

/*
 * As sev_do_cmd(): -EIO and *psp_ret = status when the status is not 0.
 * Once SNP is initialized, the driver moves the guest-owned buffer of a
 * legacy command to the Firmware state first, counting pages as
 * PAGE_ALIGN(len) >> PAGE_SHIFT from the page of the address
 * (rmp_mark_pages_firmware()), and gives it back after: -EFAULT if either
 * fails, the command not issued in the first case.
 */
int sm_do_cmd(struct sm_fw *fw, int cmd, void *data, int *psp_ret)
{
	const struct sm_cmd *c = find_cmd(cmd);
	unsigned long n = 0, i;
	u64 pa = 0, pfn;
	int st, ret;

	if (c && (c->flags & F_DATA) && !data) {
		sm_violation(fw, "%s issued without a command buffer", c->name);
		return -EINVAL;
	}
	mutex_lock(&fw->lock);
	if (fw->snp_init && data)
		n = PAGE_ALIGN(drv_buf(cmd, data, &pa)) >> PAGE_SHIFT;
	pfn = PHYS_PFN(pa);
	for (i = 0; i < n; i++) {
		if (sm_rmp_make_private(fw, pfn + i, 0, PG_LEVEL_4K, 0, true)) {
			drv_reclaim(fw, pfn, i);
			mutex_unlock(&fw->lock);
			return -EFAULT;
		}
	}
	st = __sm_do_cmd(fw, cmd, data);
	ret = st ? -EIO : 0;
	if (drv_reclaim(fw, pfn, n))
		ret = -EFAULT;
	mutex_unlock(&fw->lock);
	if (psp_ret)
		*psp_ret = st;
	return ret;
}

/*
 * The firmware alone, without what the ccp driver does around a command
 * (see sm_do_cmd()): for the selftest, to issue what a driver that skipped
 * that would issue.
 */
int sm_fw_cmd(struct sm_fw *fw, int cmd, void *data, int *psp_ret)
{
	int st;

	mutex_lock(&fw->lock);
	st = __sm_do_cmd(fw, cmd, data);
	mutex_unlock(&fw->lock);
	*psp_ret = st;
	return st ? -EIO : 0;
}

static void sm_wbinvd_locked(struct sm_fw *fw)
{
	atomic_long_inc(&fw->op_count[SM_OP_WBINVD]);
	fw->wbinvd_seen = true;
}

void sm_wbinvd(struct sm_fw *fw)
{
	mutex_lock(&fw->lock);
	sm_wbinvd_locked(fw);
	mutex_unlock(&fw->lock);
}

static void sm_platform_wbinvd(struct sm_fw *fw)
{
	if (!fw->quiet)
		wbinvd_on_all_cpus();
	sm_wbinvd_locked(fw);
}

/*
 * As sev_platform_init() (_sev_platform_init_locked() in sev-dev.c), once:
 * if @snp, WBINVD, SNP_INIT, WBINVD, SNP_DF_FLUSH (__sev_snp_init_locked());
 * then INIT, WBINVD, DF_FLUSH (__sev_platform_init_locked()).
 */
int sm_platform_init(struct sm_fw *fw, bool snp, int *error)
{
	struct sev_data_init init = {};
	int st = 0;

	mutex_lock(&fw->lock);
	if (fw->platform != SEV_STATE_UNINIT)
		goto out;
	if (snp && !fw->snp_init) {
		sm_platform_wbinvd(fw);
		st = __sm_do_cmd(fw, SEV_CMD_SNP_INIT, NULL);
		if (!st) {
			sm_platform_wbinvd(fw);
			st = __sm_do_cmd(fw, SEV_CMD_SNP_DF_FLUSH, NULL);
		}
	}
	if (!st)
		st = __sm_do_cmd(fw, SEV_CMD_INIT, &init);
	if (!st) {
		sm_platform_wbinvd(fw);
		st = __sm_do_cmd(fw, SEV_CMD_DF_FLUSH, NULL);
	}
out:
	mutex_unlock(&fw->lock);
	if (error)
		*error = st;
	return st ? -EIO : 0;
}

/* As sev_platform_shutdown(), after auditing what is left. */
void sm_platform_shutdown(struct sm_fw *fw, const char *why)
{
	struct sm_guest *g;
	struct sm_ctx *c;
	int a;

	mutex_lock(&fw->lock);
	list_for_each_entry(g, &fw->guests, node)
		sm_violation(fw, "%s: guest handle %u is left (%s, ASID %u%s)", why,
			     g->handle, gstate_names[g->state], g->b.asid,
			     g->b.active ? " bound" : "");
	list_for_each_entry(c, &fw->ctxs, node)
		sm_violation(fw, "%s: SNP guest context %#llx is left (%s, ASID %u%s)",
			     why, PFN_PHYS(c->pfn), sstate_names[c->state],
			     c->b.asid, c->b.active ? " bound" : "");
	for (a = 1; a < SM_NR_ASIDS; a++)
		if (fw->asid[a] == SM_ASID_DIRTY)
			sm_violation(fw, "%s: ASID %u is dirty, no DF_FLUSH since its DEACTIVATE",
				     why, a);
	sm_rmp_audit(fw, 0, true, why, true);
	if (fw->platform != SEV_STATE_UNINIT)
		__sm_do_cmd(fw, SEV_CMD_SHUTDOWN, NULL);
	if (fw->snp_init)
		__sm_do_cmd(fw, SEV_CMD_SNP_SHUTDOWN, NULL);
	mutex_unlock(&fw->lock);
}

/*
 * VM_PAGE_FLUSH (wrmsr, value = VA | ASID) writes back and invalidates the
 * page's cache lines of that ASID, with the key the ASID has now.  The
 * model requires a bound ASID, i.e. the flush before DEACTIVATE/
 * SNP_DECOMMISSION, while the key is certainly installed; and for a VMSA
 * that LAUNCH_UPDATE_VMSA or SNP_LAUNCH_UPDATE encrypted, the binding that
 * encrypted it: once the ASID was deactivated and bound to a new guest, it
 * names the new guest's key, and the old guest's page is flushed with the
 * wrong one.  A successful flush forgets the page.
 */
int sm_vm_page_flush(struct sm_fw *fw, u64 val)
{
	unsigned long va = val & PAGE_MASK;
	u32 asid = val & ~PAGE_MASK;
	u64 rec, pfn;
	void *entry;

	atomic_long_inc(&fw->op_count[SM_OP_VM_PAGE_FLUSH]);
	if (asid >= SM_NR_ASIDS || READ_ONCE(fw->asid[asid]) != SM_ASID_BOUND) {
		sm_violation(fw, "VM_PAGE_FLUSH of %#lx with ASID %u, which is not bound: #GP (%s)",
			     va, asid, "APM vol. 2 15.36; model rule");
		return -EIO;
	}
	if (!virt_addr_valid(va))
		return 0;
	pfn = PHYS_PFN(__pa(va));
	entry = xa_load(&fw->vmsa, pfn);
	if (!entry)
		return 0;
	rec = xa_to_value(entry);
	if (rec >> 8 != READ_ONCE(fw->asid_gen[asid])) {
		sm_violation(fw,
			     "VM_PAGE_FLUSH of %#lx with ASID %u: a VMSA encrypted by binding %llu of ASID %llu, the ASID is bound to binding %llu now, another guest's key (%s)",
			     va, asid, rec >> 8, rec & 0xff,
			     READ_ONCE(fw->asid_gen[asid]), "APM vol. 2 15.36; model rule");
		return -EIO;
	}
	xa_erase(&fw->vmsa, pfn);
	return 0;
}

void sm_fw_init(struct sm_fw *fw, bool quiet)
{
	memset(fw, 0, sizeof(*fw));
	fw->quiet = quiet;
	mutex_init(&fw->lock);
	spin_lock_init(&fw->last_lock);
	INIT_LIST_HEAD(&fw->guests);
	INIT_LIST_HEAD(&fw->ctxs);
	xa_init(&fw->rmp);
	xa_init(&fw->vmsa);
}

void sm_fw_destroy(struct sm_fw *fw)
{
	mutex_lock(&fw->lock);
	cmd_shutdown(fw, NULL, NULL);
	cmd_snp_shutdown(fw, NULL, NULL);
	mutex_unlock(&fw->lock);
	xa_destroy(&fw->rmp);
	xa_destroy(&fw->vmsa);
	mutex_destroy(&fw->lock);
}

void sm_show_state(struct sm_fw *fw, struct seq_file *m)
{
	struct sm_guest *g;
	struct sm_ctx *c;
	int a;

	mutex_lock(&fw->lock);
	seq_printf(m, "platform %s snp %s wbinvd %s\n", pstate_names[fw->platform],
		   fw->snp_init ? "init" : "uninit",
		   fw->wbinvd_seen ? "seen" : "required");
	for (a = 1; a < SM_NR_ASIDS; a++)
		seq_printf(m, "asid %d %s %s\n", a, asid_names[fw->asid[a]],
			   a < SEV_MODEL_MIN_SEV_ASID ? "es/snp" : "sev");
	list_for_each_entry(g, &fw->guests, node)
		seq_printf(m, "guest %u %s policy %#x asid %u %s%s\n", g->handle,
			   gstate_names[g->state], g->policy, g->b.asid,
			   g->b.active ? "active" : "inactive",
			   g->b.in_use ? " in-use" : "");
	list_for_each_entry(c, &fw->ctxs, node)
		seq_printf(m, "snp-guest %#llx %s policy %#llx asid %u %s%s\n",
			   PFN_PHYS(c->pfn), sstate_names[c->state], c->policy,
			   c->b.asid, c->b.active ? "active" : "inactive",
			   c->b.in_use ? " in-use" : "");
	mutex_unlock(&fw->lock);
	sm_rmp_show(fw, m);
}

void sm_show_counts(struct sm_fw *fw, struct seq_file *m)
{
	static const char * const ops[SM_OP_NR] = {
		"WBINVD", "RMPUPDATE", "PSMASH", "VM_PAGE_FLUSH", "UNKNOWN",
	};
	int i;

	mutex_lock(&fw->lock);
	for (i = 0; i < ARRAY_SIZE(sm_cmds); i++)
		seq_printf(m, "%s %lu\n", sm_cmds[i].name,
			   fw->cmd_count[sm_cmds[i].id]);
	mutex_unlock(&fw->lock);
	for (i = 0; i < SM_OP_NR; i++)
		seq_printf(m, "%s %ld\n", ops[i], atomic_long_read(&fw->op_count[i]));
}
