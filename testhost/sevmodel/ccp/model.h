/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Test-only SEV/SEV-ES/SEV-SNP firmware and RMP model: internal declarations.
 * The whole state is one struct sm_fw, so that the selftest can run on a
 * private instance next to the live one that kvm-amd uses.
 */
#ifndef SEV_MODEL_INTERNAL_H
#define SEV_MODEL_INTERNAL_H

#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/psp-sev.h>
#include <linux/seq_file.h>
#include <linux/spinlock.h>
#include <linux/xarray.h>

/* The .c files include the team header (include/) before this one. */

#define SM_NR_ASIDS	(SEV_MODEL_MAX_SEV_ASID + 1)
#define SM_LAST_LEN	192

/* Firmware view of an ASID. */
enum sm_asid_state { SM_ASID_FREE, SM_ASID_BOUND, SM_ASID_DIRTY };

/* SEV guest states, numbered as GUEST_STATUS reports them. */
enum sm_gstate { SM_G_NONE, SM_G_LUPDATE, SM_G_LSECRET, SM_G_RUNNING,
		 SM_G_SUPDATE, SM_G_RUPDATE, SM_G_SENT };

/* SNP guest states, numbered as SNP_GUEST_STATUS reports them. */
enum sm_sstate { SM_S_INIT, SM_S_LAUNCH, SM_S_RUNNING };

/* Page states, derived from the RMP fields (SNP ABI chapter 5). */
enum sm_pstate { SM_P_HYPERVISOR, SM_P_FIRMWARE, SM_P_CONTEXT, SM_P_RECLAIM,
		 SM_P_PRE_GUEST, SM_P_PRE_SWAP, SM_P_GUEST_INVALID,
		 SM_P_GUEST_VALID, SM_P_NR };

/* Operations counted besides firmware commands. */
enum sm_op { SM_OP_WBINVD, SM_OP_RMPUPDATE, SM_OP_PSMASH, SM_OP_VM_PAGE_FLUSH,
	     SM_OP_UNKNOWN_CMD, SM_OP_NR };

struct sm_rmpe {
	bool assigned;
	bool huge;		/* 2M entry, repeated on each of its 512 pfns */
	bool validated;
	bool immutable;
	bool vmsa;
	u32 asid;
	u64 gpa;
};

/* What an ACTIVATE binds: an SEV guest (by handle) or an SNP context. */
struct sm_bind {
	u32 asid;
	bool active;
	bool in_use;		/* ran (RUNNING) while bound: dirty on unbind */
	u64 gen;		/* this binding's number (fw->bind_gen) */
};

struct sm_guest {
	struct list_head node;
	u32 handle;
	u32 policy;
	enum sm_gstate state;
	struct sm_bind b;
};

struct sm_ctx {
	struct list_head node;
	u64 pfn;		/* the context page */
	u64 policy;
	enum sm_sstate state;
	struct sm_bind b;
};

struct sm_cmd;

struct sm_fw {
	bool quiet;		/* selftest instance: no log output */
	struct mutex lock;	/* firmware state; commands are serialized */
	u8 platform;		/* SEV_STATE_* */
	bool snp_init;
	bool wbinvd_seen;	/* since the last DEACTIVATE of a used ASID */
	u8 asid[SM_NR_ASIDS];	/* enum sm_asid_state, READ_ONCE outside lock */
	u64 bind_gen;		/* bindings made so far */
	u64 asid_gen[SM_NR_ASIDS];	/* the bound binding's gen, 0: none */
	struct xarray vmsa;	/* pfn of an encrypted VMSA -> gen << 8 | ASID */
	struct list_head guests;
	struct list_head ctxs;
	struct xarray rmp;	/* pfn -> packed struct sm_rmpe; xa_lock */
	u32 fail_cmd, fail_status, fail_skip;
	const struct sm_cmd *cur;	/* the command being executed */
	unsigned long cmd_count[SEV_CMD_MAX];
	atomic_long_t op_count[SM_OP_NR];
	atomic_long_t leaked;
	atomic_t violations;
	atomic_t audits;	/* model-only findings, not violations */
	spinlock_t last_lock;	/* protects last */
	char last[SM_LAST_LEN];
};

extern struct sm_fw sm_live;

/* main.c: count @n violations, remember and log (unless quiet) the text. */
__printf(3, 4) void sm_violation_n(struct sm_fw *fw, unsigned long n,
				   const char *fmt, ...);
#define sm_violation(fw, ...)	sm_violation_n(fw, 1, __VA_ARGS__)

/* fw.c */
void sm_fw_init(struct sm_fw *fw, bool quiet);
void sm_fw_destroy(struct sm_fw *fw);
int sm_do_cmd(struct sm_fw *fw, int cmd, void *data, int *psp_ret);
int sm_fw_cmd(struct sm_fw *fw, int cmd, void *data, int *psp_ret);
int sm_platform_init(struct sm_fw *fw, bool snp, int *error);
void sm_platform_shutdown(struct sm_fw *fw, const char *why);
void sm_wbinvd(struct sm_fw *fw);
int sm_vm_page_flush(struct sm_fw *fw, u64 val);
void sm_show_state(struct sm_fw *fw, struct seq_file *m);
void sm_show_counts(struct sm_fw *fw, struct seq_file *m);

/* rmp.c */
enum sm_pstate sm_rmp_state(const struct sm_rmpe *e);
bool sm_rmp_get(struct sm_fw *fw, u64 pfn, struct sm_rmpe *e);
int sm_rmp_put(struct sm_fw *fw, u64 pfn, const struct sm_rmpe *e);
const char *sm_pstate_name(const struct sm_rmpe *e);
int sm_rmp_make_private(struct sm_fw *fw, u64 pfn, u64 gpa, int level,
			u32 asid, bool immutable);
int sm_rmp_make_shared(struct sm_fw *fw, u64 pfn, int level);
int sm_rmp_lookup(struct sm_fw *fw, u64 pfn, bool *assigned, int *level);
int sm_psmash(struct sm_fw *fw, u64 pfn);
unsigned long sm_rmp_audit(struct sm_fw *fw, u32 asid, bool all,
			   const char *when, bool violation);
void sm_rmp_count(struct sm_fw *fw, unsigned long *n);
void sm_rmp_show(struct sm_fw *fw, struct seq_file *m);
void sm_rmp_clear(struct sm_fw *fw);

#endif
