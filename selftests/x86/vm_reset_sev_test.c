// SPDX-License-Identifier: GPL-2.0-only
/*
 * KVM_RESET_VM of SEV, SEV-ES and SEV-SNP VMs (needs the hardware or the
 * firmware model; skips elsewhere): launch a guest that reports its payload,
 * reset in place, relaunch with another payload and policy, and check that
 * the firmware created a new guest context, that the ASID and its misc
 * cgroup charge stayed, that the reset works with the ASID pool otherwise
 * full, the refusals, and EIO for a VM that KVM killed (the source of an
 * intra-host migration).
 *
 * The launch measurement is an HMAC keyed with the platform owner's
 * transport key (SEV) or is reported only through an attestation report
 * (SNP), so it cannot be recomputed here; that the guest runs the new
 * payload in a new context shows the relaunch was measured afresh.
 *
 * On the test host the same tests run against the software firmware model
 * (testhost/sevmodel), which also shows what the firmware saw: the reset
 * unbinds the guest's ASID, the relaunch flushes it once and binds it
 * again, no page stays assigned to it, and no firmware or RMP rule was
 * broken.  There guests are launched, reset and relaunched without running
 * (see can_run()).
 */
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include "kvm_util.h"
#include "processor.h"
#include "sparsebit.h"
#include "sev.h"
#include "sev_model.h"
#include "ucall_common.h"
#include "vm_reset.h"
#include "kselftest_harness.h"

static u8 payload;

/* SEV: report the payload with a ucall. */
static void guest_sev(void)
{
	GUEST_SYNC(READ_ONCE(payload));
}

/* SEV-ES/SNP: no ucalls; report it as the GHCB termination reason code. */
static void guest_sev_es(void)
{
	wrmsr(MSR_AMD64_SEV_ES_GHCB, GHCB_MSR_TERM_REQ | ((u64)READ_ONCE(payload) << 16));
	vmgexit();
}

struct sev_type {
	u32 type;
	u64 policy;
	const char *cg_key;
};

static const struct sev_type types[] = {
	{ KVM_X86_SEV_VM, 0, "sev" },
	{ KVM_X86_SEV_ES_VM, SEV_POLICY_ES, "sev_es" },
	{ KVM_X86_SNP_VM, 0, "sev_es" },
};

/* Why VM type @t cannot be tested here, or NULL. */
static const char *missing(const struct sev_type *t)
{
	if (!kvm_cpu_has(X86_FEATURE_SEV))
		return "no SEV on this host";
	if (t->type != KVM_X86_SEV_VM && !kvm_cpu_has(X86_FEATURE_SEV_ES))
		return "no SEV-ES on this host";
	if (t->type == KVM_X86_SNP_VM && !kvm_cpu_has(X86_FEATURE_SEV_SNP))
		return "no SEV-SNP on this host";
	if (!(kvm_check_cap(KVM_CAP_VM_TYPES) & BIT(t->type)))
		return "KVM does not offer this VM type";
	if (!(kvm_reset_vm_types() & BIT(t->type)))
		return "KVM_CAP_VM_RESET does not include this VM type";
	return NULL;
}

#define require(t)							\
do {									\
	const char *why = missing(t);					\
									\
	if (why)							\
		SKIP(return, "%s", why);				\
} while (0)

static u64 policy(const struct sev_type *t)
{
	return t->type == KVM_X86_SNP_VM ? snp_default_policy() : t->policy;
}

/* The guest code for type @t: SEV guests report with a ucall, others not. */
static void *guest_of(const struct sev_type *t)
{
	return t->type == KVM_X86_SEV_VM ? guest_sev : guest_sev_es;
}

/* A VM of type @t with one vCPU running guest_of(@t). */
static struct kvm_vm *sev_vm_create(const struct sev_type *t, struct kvm_vcpu **vcpu)
{
	return vm_sev_create_with_one_vcpu(t->type, guest_of(t), vcpu);
}

/*
 * On the firmware model's test host no guest runs: the emulated CPU cannot
 * enter SEV-ES and SNP guests, and a plain SEV guest there page-faults on
 * its first access to shared memory (the ucall pool) and shuts down, as
 * upstream's sev_smoke_test fails there too.
 */
static bool can_run(const struct sev_type *t)
{
	return !sev_model_present();
}

/*
 * Launch with @p as payload, and @extra in the policy, and run to the
 * guest's report, which must be @p; where the guest cannot run, only launch.
 */
static void launch_policy_and_check(struct kvm_vm *vm, struct kvm_vcpu *vcpu,
				    const struct sev_type *t, u8 p, u64 extra)
{
	struct ucall uc;
	u8 got;

	payload = p;
	sync_global_to_guest(vm, payload);
	vm_sev_launch(vm, policy(t) | extra, NULL);
	if (!can_run(t))
		return;
	vcpu_run(vcpu);

	if (t->type == KVM_X86_SEV_VM) {
		TEST_ASSERT_KVM_EXIT_REASON(vcpu, KVM_EXIT_IO);
		TEST_ASSERT_EQ(get_ucall(vcpu, &uc), UCALL_SYNC);
		got = uc.args[1];
	} else {
		TEST_ASSERT_KVM_EXIT_REASON(vcpu, KVM_EXIT_SYSTEM_EVENT);
		TEST_ASSERT_EQ(vcpu->run->system_event.type, KVM_SYSTEM_EVENT_SEV_TERM);
		got = vcpu->run->system_event.data[0] >> 16;
	}
	TEST_ASSERT_EQ(got, p);
}

static void launch_and_check(struct kvm_vm *vm, struct kvm_vcpu *vcpu,
			     const struct sev_type *t, u8 p)
{
	launch_policy_and_check(vm, vcpu, t, p, 0);
}

/*
 * After a reset, load what a VMM loads before a launch: the boot image
 * (SEV and SEV-ES encrypted it in place) and the vCPU's boot registers.
 */
static void prepare_relaunch(struct kvm_vm *vm, struct kvm_vcpu *vcpu,
			     const struct sev_type *t,
			     struct vm_boot_image *image,
			     struct vcpu_boot_state *boot)
{
	vm_load_boot_image(vm, image);
	vcpu_load_boot_state(vcpu, boot, guest_of(t));
}

/* A one-vCPU VM of type @t and what its VMM keeps to launch it again. */
struct sev_vm {
	const struct sev_type *t;
	struct kvm_vm *vm;
	struct kvm_vcpu *vcpu;
	struct vcpu_boot_state boot;
	struct vm_boot_image image;
};

static void sev_vm_open(struct sev_vm *s, const struct sev_type *t)
{
	s->t = t;
	s->vm = sev_vm_create(t, &s->vcpu);
	vcpu_save_boot_state(s->vcpu, &s->boot);
	vm_save_boot_image(s->vm, &s->image);
}

static void sev_vm_reload(struct sev_vm *s)
{
	prepare_relaunch(s->vm, s->vcpu, s->t, &s->image, &s->boot);
}

static void sev_vm_close(struct sev_vm *s)
{
	free(s->image.copy);
	kvm_vm_free(s->vm);
}

/*
 * Whether the misc cgroup controller, which charges SEV ASIDs, is here: on
 * the model it must be, except on the debug test host, whose kernel has no
 * cgroups (misc_cg_current() then reads -1 throughout).
 */
static bool misc_cg_present(void)
{
	return !access("/sys/fs/cgroup/misc.current", F_OK);
}

/* What the firmware model saw; all zero without the model. */
struct model_view {
	long violations;
	long audits;
	long flushes;
	long guests;
	long firmware;
	unsigned int asid;
	bool launched;
	bool snp;
};

static long model_flushes(void)
{
	return sev_model_count("DF_FLUSH") + sev_model_count("SNP_DF_FLUSH");
}

/* The one ASID bound to a guest: the VM under test is the only SEV VM. */
static unsigned int model_bound_asid(void)
{
	unsigned int asid = 0;
	int n = sev_model_asids("bound", &asid, 1);

	TEST_ASSERT(n == 1, "the firmware model has %d bound ASIDs, expected 1", n);
	return asid;
}

/* The firmware's view of VM type @t, @launched or not, the only SEV VM. */
static void model_view(struct model_view *v, const struct sev_type *t, bool launched)
{
	memset(v, 0, sizeof(*v));
	if (!sev_model_present())
		return;
	v->violations = sev_model_value("violations");
	v->audits = sev_model_value("audits");
	v->flushes = model_flushes();
	v->guests = sev_model_value("guests");
	v->firmware = sev_model_value("firmware");
	v->launched = launched;
	v->snp = t->type == KVM_X86_SNP_VM;
	if (launched)
		v->asid = model_bound_asid();
}

/* Whether the firmware model lists @asid in @state. */
static bool model_asid_is(unsigned int asid, const char *state)
{
	unsigned int asids[64];
	int i, n = sev_model_asids(state, asids, ARRAY_SIZE(asids));

	for (i = 0; i < n && i < ARRAY_SIZE(asids); i++)
		if (asids[i] == asid)
			return true;
	return false;
}

/*
 * The firmware's view after a reset of the VM seen as @before: its guest
 * (handle or SNP context, and the context page) is gone and its ASID no
 * longer bound, no page is assigned to a guest, no rule was broken, and no
 * WBINVD + DF_FLUSH was issued: that waits for the relaunch.
 */
static void model_check_reset(const struct model_view *before)
{
	unsigned int asid;

	if (!sev_model_present())
		return;
	TEST_ASSERT(sev_model_value("violations") == before->violations,
		    "firmware model: %s", sev_model_last());
	TEST_ASSERT_EQ(sev_model_value("audits"), before->audits);
	TEST_ASSERT_EQ(sev_model_asids("bound", &asid, 1), 0);
	TEST_ASSERT_EQ(sev_model_value("assigned"), 0);
	TEST_ASSERT_EQ(sev_model_value("guests"), before->guests - before->launched);
	TEST_ASSERT_EQ(sev_model_value("firmware"),
		       before->firmware - (before->launched && before->snp));
	TEST_ASSERT_EQ(model_flushes(), before->flushes);
}

/* After the relaunch: the same ASID as before the reset, no violation. */
static void model_check_relaunch(const struct model_view *before)
{
	if (!sev_model_present())
		return;
	TEST_ASSERT(sev_model_value("violations") == before->violations,
		    "firmware model: %s", sev_model_last());
	TEST_ASSERT_EQ(sev_model_value("audits"), before->audits);
	TEST_ASSERT_EQ(model_bound_asid(), before->asid);
}

/* VM_PAGE_FLUSHes so far, 0 without the model. */
static long model_page_flushes(void)
{
	return sev_model_present() ? sev_model_count("VM_PAGE_FLUSH") : 0;
}

/*
 * The reset of a launched VM of type @t with @nr_vcpus flushed each
 * encrypted VMSA (SEV-ES, SNP) with VM_PAGE_FLUSH, which the model accepts
 * only while the old guest's binding holds the ASID.
 */
static void model_check_vmsa_flushes(const struct sev_type *t, long before,
				     int nr_vcpus)
{
	if (!sev_model_present())
		return;
	TEST_ASSERT_EQ(model_page_flushes(),
		       before + (t->type == KVM_X86_SEV_VM ? 0 : nr_vcpus));
}

/* After the VM is gone: no guest, nothing bound, assigned or in violation. */
static void model_check_clean(long violations)
{
	unsigned int asid;

	if (!sev_model_present())
		return;
	TEST_ASSERT(sev_model_value("violations") == violations,
		    "firmware model: %s", sev_model_last());
	TEST_ASSERT_EQ(sev_model_asids("bound", &asid, 1), 0);
	TEST_ASSERT_EQ(sev_model_value("assigned"), 0);
	TEST_ASSERT_EQ(sev_model_value("guests"), 0);
	TEST_ASSERT_EQ(sev_model_value("firmware"), 0);
}

static u32 policy_of(struct kvm_vm *vm)
{
	struct kvm_sev_guest_status status;

	vm_sev_ioctl(vm, KVM_SEV_GUEST_STATUS, &status);
	return status.policy;
}

static void reset_and_relaunch(struct __test_metadata *_metadata,
			       const struct sev_type *t)
{
	struct model_view view;
	long charged, page_flushes;
	struct sev_vm s;

	require(t);
	sev_vm_open(&s, t);

	launch_and_check(s.vm, s.vcpu, t, 0xa1);
	charged = misc_cg_current(t->cg_key);
	TEST_ASSERT(charged > 0 || (charged < 0 && (!sev_model_present() || !misc_cg_present())),
		    "misc cgroup %s: %ld", t->cg_key, charged);
	model_view(&view, t, true);

	page_flushes = model_page_flushes();
	vm_reset(s.vm, 0);
	TEST_ASSERT_EQ(misc_cg_current(t->cg_key), charged);
	model_check_reset(&view);
	model_check_vmsa_flushes(t, page_flushes, 1);
	/* Nothing may run on the ASID before the relaunch has flushed it. */
	TEST_ASSERT(__vcpu_run(s.vcpu) == -1 && errno == EINVAL,
		    "KVM_RUN before the relaunch: expected EINVAL, errno %d", errno);

	/*
	 * The firmware gives the new guest the lowest free handle, often the
	 * old one: a different policy, which a guest context cannot change,
	 * shows that the relaunch created a new one.  (SNP has no
	 * GUEST_STATUS.)
	 */
	sev_vm_reload(&s);
	launch_policy_and_check(s.vm, s.vcpu, t, 0xb2,
				t->type == KVM_X86_SNP_VM ? 0 : SEV_POLICY_NO_DBG);
	model_check_relaunch(&view);
	if (sev_model_present())
		TEST_ASSERT_EQ(model_flushes(), view.flushes + 1);
	if (t->type != KVM_X86_SNP_VM)
		TEST_ASSERT_EQ(policy_of(s.vm), policy(t) | SEV_POLICY_NO_DBG);
	TEST_ASSERT_EQ(vm_get_stat(s.vm, vm_resets), 1);
	sev_vm_close(&s);
	model_check_clean(view.violations);
}

TEST(sev_reset_relaunch) { reset_and_relaunch(_metadata, &types[0]); }
TEST(sev_es_reset_relaunch) { reset_and_relaunch(_metadata, &types[1]); }
TEST(snp_reset_relaunch) { reset_and_relaunch(_metadata, &types[2]); }

/*
 * Two vCPUs: each has its own VMSA (SEV-ES, SNP), which the reset takes
 * back and the relaunch measures again.
 */
static void reset_two_vcpus(struct __test_metadata *_metadata, const struct sev_type *t)
{
	struct vm_shape shape = { .mode = VM_MODE_DEFAULT, .type = t->type };
	struct vcpu_boot_state boot[2];
	struct vm_boot_image image;
	struct model_view view;
	struct kvm_vcpu *vcpu[2];
	long page_flushes;
	struct kvm_vm *vm;
	int i;

	require(t);
	vm = __vm_create_with_vcpus(shape, 2, 0, guest_of(t), vcpu);
	for (i = 0; i < 2; i++)
		vcpu_save_boot_state(vcpu[i], &boot[i]);
	vm_save_boot_image(vm, &image);
	launch_and_check(vm, vcpu[0], t, 1);
	model_view(&view, t, true);

	page_flushes = model_page_flushes();
	vm_reset(vm, 0);
	model_check_reset(&view);
	model_check_vmsa_flushes(t, page_flushes, 2);
	for (i = 0; i < 2; i++)
		prepare_relaunch(vm, vcpu[i], t, &image, &boot[i]);
	launch_and_check(vm, vcpu[1], t, 2);
	model_check_relaunch(&view);
	free(image.copy);
	kvm_vm_free(vm);
	model_check_clean(view.violations);
}

TEST(sev_reset_two_vcpus) { reset_two_vcpus(_metadata, &types[0]); }
TEST(sev_es_reset_two_vcpus) { reset_two_vcpus(_metadata, &types[1]); }
TEST(snp_reset_two_vcpus) { reset_two_vcpus(_metadata, &types[2]); }

/* An SEV VM of type @t with its ASID (KVM_SEV_INIT2), or NULL if none is left. */
static struct kvm_vm *vm_with_asid(const struct sev_type *t)
{
	struct kvm_sev_init init = {};
	struct kvm_vm *vm = vm_create_barebones_type(t->type);

	if (!__vm_sev_ioctl(vm, KVM_SEV_INIT2, &init))
		return vm;
	kvm_vm_free(vm);
	return NULL;
}

/*
 * Take every other ASID of the type's pool: the reset and the relaunch
 * still work, and the reset does not give the ASID back (one more VM still
 * finds the pool empty).  Then free another VM's ASID before a second
 * reset: that reset's flush makes it reusable, and both guests launch.
 */
static void reset_with_pool_full(struct __test_metadata *_metadata,
				 const struct sev_type *t)
{
	struct kvm_vm *more, *others[1024];
	struct kvm_vcpu *more_vcpu;
	struct rlimit nofile;
	int n;
	struct sev_vm s;

	require(t);
	/* Each VM holds a few fds; a real host has hundreds of ASIDs. */
	TEST_ASSERT(!getrlimit(RLIMIT_NOFILE, &nofile), "getrlimit");
	nofile.rlim_cur = nofile.rlim_max;
	TEST_ASSERT(!setrlimit(RLIMIT_NOFILE, &nofile), "setrlimit");

	sev_vm_open(&s, t);
	launch_and_check(s.vm, s.vcpu, t, 1);

	for (n = 0; n < ARRAY_SIZE(others); n++) {
		others[n] = vm_with_asid(t);
		if (!others[n])
			break;
	}
	TEST_ASSERT(n < ARRAY_SIZE(others), "could not exhaust the ASIDs");

	vm_reset(s.vm, 0);
	more = vm_with_asid(t);
	TEST_ASSERT(!more, "the reset gave its ASID back to the pool");
	sev_vm_reload(&s);
	launch_and_check(s.vm, s.vcpu, t, 2);

	if (n) {
		kvm_vm_free(others[--n]);
		vm_reset(s.vm, 0);
		more = sev_vm_create(t, &more_vcpu);
		launch_and_check(more, more_vcpu, t, 4);
		sev_vm_reload(&s);
		launch_and_check(s.vm, s.vcpu, t, 3);
		kvm_vm_free(more);
	}

	while (n--)
		kvm_vm_free(others[n]);
	sev_vm_close(&s);
}

TEST(sev_reset_with_asid_pool_full) { reset_with_pool_full(_metadata, &types[0]); }
TEST(sev_es_reset_with_asid_pool_full) { reset_with_pool_full(_metadata, &types[1]); }
TEST(snp_reset_with_asid_pool_full) { reset_with_pool_full(_metadata, &types[2]); }

/*
 * Legacy VMs: a KVM_X86_DEFAULT_VM made SEV or SEV-ES with KVM_SEV_INIT or
 * KVM_SEV_ES_INIT, the ioctls before KVM_SEV_INIT2, as a VMM that predates
 * the VM types makes it.  The selftest library lays out guest code and
 * page tables by VM type, DEFAULT here, so these VMs have no guest code:
 * LEGACY_VCPUS vCPUs in their reset state and LEGACY_PAGES pages at
 * DATA_GPA, encrypted with LAUNCH_UPDATE_DATA, and for SEV-ES the vCPUs'
 * VMSAs with LAUNCH_UPDATE_VMSA; they are launched, never run.
 */
#define LEGACY_VCPUS	2
#define LEGACY_PAGES	4

/* Why a legacy VM of type @t (SEV or SEV-ES) cannot be tested here, or NULL. */
static const char *legacy_missing(const struct sev_type *t)
{
	if (!kvm_cpu_has(X86_FEATURE_SEV))
		return "no SEV on this host";
	if (t->type == KVM_X86_SEV_ES_VM && !kvm_cpu_has(X86_FEATURE_SEV_ES))
		return "no SEV-ES on this host";
	/* The VM types are offered exactly when KVM_SEV(_ES)_INIT work. */
	if (!(kvm_check_cap(KVM_CAP_VM_TYPES) & BIT(t->type)))
		return "KVM does not offer SEV or SEV-ES";
	if (!(kvm_reset_vm_types() & BIT(KVM_X86_DEFAULT_VM)))
		return "KVM_CAP_VM_RESET does not include KVM_X86_DEFAULT_VM";
	return NULL;
}

static struct kvm_vm *legacy_vm_create(const struct sev_type *t,
				       struct kvm_vcpu **vcpu)
{
	struct userspace_mem_region *region;
	struct kvm_vm *vm = vm_create_barebones();
	int i;

	/* What kvm_init_vm_address_properties() does for the SEV VM types. */
	vm->arch.c_bit = BIT_ULL(this_cpu_property(X86_PROPERTY_SEV_C_BIT));
	vm->gpa_tag_mask = vm->arch.c_bit;
	if (t->type == KVM_X86_SEV_ES_VM)
		sev_es_vm_init(vm);
	else
		sev_vm_init(vm);
	TEST_ASSERT_EQ(vm->type, (unsigned long)KVM_X86_DEFAULT_VM);
	TEST_ASSERT(vm_check_cap(vm, KVM_CAP_VM_RESET),
		    "KVM_CAP_VM_RESET reads 0 on a legacy %s VM", t->cg_key);

	vm_userspace_mem_region_add(vm, VM_MEM_SRC_ANONYMOUS, DATA_GPA, DATA_SLOT,
				    LEGACY_PAGES, 0);
	region = memslot2region(vm, DATA_SLOT);
	sparsebit_set_num(region->protected_phy_pages, DATA_GPA >> vm->page_shift,
			  LEGACY_PAGES);
	for (i = 0; i < LEGACY_VCPUS; i++)
		vcpu[i] = __vm_vcpu_add(vm, i);
	return vm;
}

/* LAUNCH_START, _UPDATE_DATA, (_UPDATE_VMSA,) _MEASURE and _FINISH. */
static void legacy_launch(struct kvm_vm *vm, u64 policy)
{
	u8 measurement[256];

	sev_vm_launch(vm, policy);
	sev_vm_launch_measure(vm, measurement);
	sev_vm_launch_finish(vm);
}

/*
 * A legacy VM: launch, reset, relaunch with another policy.  As for the
 * VM types: the ASID and its cgroup charge stay, the reset unbinds the
 * guest without a flush (and flushes each encrypted VMSA), KVM_RUN is
 * refused until the relaunch, which flushes once and binds the same ASID
 * to a new guest, and nothing is left after the VM is gone.
 */
static void legacy_reset_relaunch(struct __test_metadata *_metadata,
				  const struct sev_type *t)
{
	struct kvm_vcpu *vcpu[LEGACY_VCPUS];
	long charged, page_flushes, leaked = 0;
	struct model_view view;
	const char *why;
	struct kvm_vm *vm;

	why = legacy_missing(t);
	if (why)
		SKIP(return, "%s", why);
	if (sev_model_present())
		leaked = sev_model_value("leaked");
	vm = legacy_vm_create(t, vcpu);

	legacy_launch(vm, t->policy);
	charged = misc_cg_current(t->cg_key);
	TEST_ASSERT(charged > 0 || (charged < 0 && (!sev_model_present() || !misc_cg_present())),
		    "misc cgroup %s: %ld", t->cg_key, charged);
	model_view(&view, t, true);

	page_flushes = model_page_flushes();
	vm_reset(vm, 0);
	TEST_ASSERT_EQ(misc_cg_current(t->cg_key), charged);
	model_check_reset(&view);
	model_check_vmsa_flushes(t, page_flushes, LEGACY_VCPUS);
	TEST_ASSERT(__vcpu_run(vcpu[0]) == -1 && errno == EINVAL,
		    "KVM_RUN before the relaunch: expected EINVAL, errno %d", errno);

	legacy_launch(vm, t->policy | SEV_POLICY_NO_DBG);
	model_check_relaunch(&view);
	if (sev_model_present())
		TEST_ASSERT_EQ(model_flushes(), view.flushes + 1);
	TEST_ASSERT_EQ(policy_of(vm), t->policy | SEV_POLICY_NO_DBG);
	TEST_ASSERT_EQ(vm_get_stat(vm, vm_resets), 1ul);
	kvm_vm_free(vm);
	model_check_clean(view.violations);
	if (sev_model_present())
		TEST_ASSERT_EQ(sev_model_value("leaked"), leaked);
}

TEST(sev_legacy_init_reset_relaunch) { legacy_reset_relaunch(_metadata, &types[0]); }
TEST(sev_es_legacy_init_reset_relaunch) { legacy_reset_relaunch(_metadata, &types[1]); }

/*
 * KVM_RESET_VM_F_ASYNC: SEV VMs, legacy ones of the default type included,
 * refuse it with EOPNOTSUPP, and nothing changes; the capability on their
 * VM file descriptor reads 0.  KVM_RESET_VM_RECLAIM answers by the VM's
 * type: EOPNOTSUPP for the SEV types, an empty backlog for a legacy guest.
 */
static void async_refused(struct __test_metadata *_metadata,
			  const struct sev_type *t, bool legacy)
{
	struct kvm_reset_vm args = { .flags = KVM_RESET_VM_F_ASYNC };
	struct kvm_reset_vm_reclaim rc = { .remaining = 1 };
	struct kvm_vcpu *vcpu[LEGACY_VCPUS];
	struct kvm_vm *vm;
	const char *why;
	int r;

	why = legacy ? legacy_missing(t) : missing(t);
	if (why)
		SKIP(return, "%s", why);
	KCR_REQUIRE(kvm_check_cap(KVM_CAP_VM_RESET_ASYNC));

	if (legacy) {
		vm = legacy_vm_create(t, vcpu);
		legacy_launch(vm, t->policy);
	} else {
		vm = sev_vm_create(t, vcpu);
	}
	TEST_ASSERT_EQ(vm_check_cap(vm, KVM_CAP_VM_RESET_ASYNC), 0);

	r = __vm_reset(vm, &args);
	TEST_ASSERT(r == -1 && errno == EOPNOTSUPP,
		    "KVM_RESET_VM_F_ASYNC: expected EOPNOTSUPP, got %d errno %d", r, errno);
	TEST_ASSERT_EQ(args.state, KVM_RESET_VM_STATE_NONE);
	TEST_ASSERT_EQ(vm_get_stat(vm, vm_resets), 0);

	r = __vm_ioctl(vm, KVM_RESET_VM_RECLAIM, &rc);
	if (legacy)
		TEST_ASSERT(!r && !rc.reclaimed && !rc.remaining,
			    "reclaim of a legacy guest: r %d errno %d, %llu/%llu",
			    r, errno, rc.reclaimed, rc.remaining);
	else
		TEST_ASSERT(r == -1 && errno == EOPNOTSUPP,
			    "reclaim: expected EOPNOTSUPP, got %d errno %d", r, errno);

	/* The synchronous reset is still there. */
	vm_reset(vm, 0);
	kvm_vm_free(vm);
}

TEST(sev_async_refused) { async_refused(_metadata, &types[0], false); }
TEST(sev_es_async_refused) { async_refused(_metadata, &types[1], false); }
TEST(snp_async_refused) { async_refused(_metadata, &types[2], false); }
TEST(sev_legacy_async_refused) { async_refused(_metadata, &types[0], true); }

/* How far a launch gets before the reset. */
enum stage { INIT, START, UPDATE, MEASURE, FINISH, NR_STAGES };

static void launch_until(struct kvm_vm *vm, const struct sev_type *t, enum stage stage)
{
	struct kvm_sev_launch_start start = { .policy = policy(t) };
	u8 measurement[256];

	if (t->type == KVM_X86_SNP_VM) {
		if (stage >= START)
			snp_vm_launch_start(vm, policy(t));
		if (stage >= UPDATE)
			snp_vm_launch_update(vm);
		if (stage >= FINISH)
			snp_vm_launch_finish(vm);
		return;
	}
	if (stage == START)
		vm_sev_ioctl(vm, KVM_SEV_LAUNCH_START, &start);
	if (stage >= UPDATE)
		sev_vm_launch(vm, policy(t));
	if (stage >= MEASURE)
		sev_vm_launch_measure(vm, measurement);
	if (stage >= FINISH)
		sev_vm_launch_finish(vm);
}

/*
 * Reset after each stage of a launch (none, START, UPDATE(_VMSA), MEASURE,
 * FINISH; SNP has no MEASURE), in turn on one VM, then launch it fully:
 * every reset unbinds what the launch had bound, and every launch gets the
 * same ASID.
 */
static void reset_at_each_stage(struct __test_metadata *_metadata,
				const struct sev_type *t)
{
	struct model_view view, first = {};
	int stage, resets = 0;
	struct sev_vm s;

	require(t);
	sev_vm_open(&s, t);

	for (stage = INIT; stage < NR_STAGES; stage++) {
		if (t->type == KVM_X86_SNP_VM && stage == MEASURE)
			continue;
		launch_until(s.vm, t, stage);
		model_view(&view, t, stage >= START);
		if (stage == START)
			first = view;
		else if (stage > START)
			TEST_ASSERT_EQ(view.asid, first.asid);

		vm_reset(s.vm, 0);
		resets++;
		model_check_reset(&view);
		sev_vm_reload(&s);
	}
	launch_and_check(s.vm, s.vcpu, t, 7);
	model_check_relaunch(&first);
	TEST_ASSERT_EQ(vm_get_stat(s.vm, vm_resets), resets);
	sev_vm_close(&s);
	model_check_clean(first.violations);
}

TEST(sev_reset_at_each_launch_stage) { reset_at_each_stage(_metadata, &types[0]); }
TEST(sev_es_reset_at_each_launch_stage) { reset_at_each_stage(_metadata, &types[1]); }
TEST(snp_reset_at_each_launch_stage) { reset_at_each_stage(_metadata, &types[2]); }

/* DATA_SLOT's pages, private and measured at launch. */
static void add_launched_data(struct kvm_vm *vm, int npages, int gmem)
{
	struct userspace_mem_region *region;

	vm_mem_add(vm, VM_MEM_SRC_ANONYMOUS, DATA_GPA, DATA_SLOT, npages,
		   KVM_MEM_GUEST_MEMFD, gmem, 0);
	region = memslot2region(vm, DATA_SLOT);
	sparsebit_set_num(region->protected_phy_pages, DATA_GPA >> vm->page_shift, npages);
}

/*
 * SNP: the private pages a memslot bound stay in their guest_memfd, and
 * assigned to the ASID at their GPA, validated, after the memslot is
 * deleted, as long as the file is open.  The reset must return them too,
 * or a guest on the kept ASID that binds the range again would find the
 * old guest's pages.
 */
TEST(snp_reset_returns_unbound_private_memory)
{
	const struct sev_type *t = &types[2];
	struct model_view view;
	int gmem;
	struct sev_vm s;

	require(t);
	if (!sev_model_present())
		SKIP(return, "the RMP can be read only in the SEV firmware model");
	sev_vm_open(&s, t);
	add_launched_data(s.vm, 4, -1);
	launch_and_check(s.vm, s.vcpu, t, 1);
	model_view(&view, t, true);

	gmem = kvm_dup(memslot2region(s.vm, DATA_SLOT)->region.guest_memfd);
	vm_mem_region_delete(s.vm, DATA_SLOT);
	TEST_ASSERT(sev_model_value("assigned") >= 4,
		    "the unbound pages are still the guest's: %ld assigned",
		    sev_model_value("assigned"));

	vm_reset(s.vm, 0);
	model_check_reset(&view);

	add_launched_data(s.vm, 4, gmem);
	sev_vm_reload(&s);
	launch_and_check(s.vm, s.vcpu, t, 2);
	model_check_relaunch(&view);
	close(gmem);
	sev_vm_close(&s);
	model_check_clean(view.violations);
}

/*
 * SNP: the firmware refuses SNP_LAUNCH_FINISH (say, a bad ID block), and the
 * VMM resets to launch again.  The measured pages and the VMSAs are assigned
 * to the ASID and validated (SNP_LAUNCH_UPDATE left them Guest-Valid): the
 * reset must return every one of them, or SNP_ACTIVATE of the relaunch
 * finds pages on the ASID and refuses it.
 */
TEST(snp_reset_after_refused_launch_finish)
{
	const struct sev_type *t = &types[2];
	struct kvm_sev_snp_launch_finish finish = {};
	struct model_view view;
	struct sev_vm s;

	require(t);
	if (!sev_model_present())
		SKIP(return, "failure injection needs the SEV firmware model");
	sev_vm_open(&s, t);

	snp_vm_launch_start(s.vm, policy(t));
	snp_vm_launch_update(s.vm);
	model_view(&view, t, true);
	sev_model_fail(SEV_CMD_SNP_LAUNCH_FINISH, SEV_RET_BAD_SIGNATURE, 0);
	TEST_ASSERT(__vm_sev_ioctl(s.vm, KVM_SEV_SNP_LAUNCH_FINISH, &finish) == -1,
		    "SNP_LAUNCH_FINISH should have failed");
	TEST_ASSERT(!sev_model_fail_armed(), "SNP_LAUNCH_FINISH was not issued");

	vm_reset(s.vm, 0);
	model_check_reset(&view);
	sev_vm_reload(&s);
	launch_and_check(s.vm, s.vcpu, t, 2);
	model_check_relaunch(&view);
	sev_vm_close(&s);
	model_check_clean(view.violations);
}

/* A firmware status no successful command returns. */
#define INJECTED_STATUS	SEV_RET_INVALID_PLATFORM_STATE

/*
 * The firmware refuses a command of the reset's teardown (DEACTIVATE,
 * DECOMMISSION, SNP_DECOMMISSION): the VM is dead (EIO, state NONE, the
 * status in hw_error) and its destruction, which retries the teardown,
 * leaves nothing behind.
 */
static void teardown_refused(struct __test_metadata *_metadata,
			     const struct sev_type *t, int cmd)
{
	struct kvm_reset_vm args = {};
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm;
	long violations;

	require(t);
	if (!sev_model_present())
		SKIP(return, "failure injection needs the SEV firmware model");
	vm = sev_vm_create(t, &vcpu);
	launch_and_check(vm, vcpu, t, 1);
	violations = sev_model_value("violations");

	sev_model_fail(cmd, INJECTED_STATUS, 0);
	TEST_ASSERT(__vm_reset(vm, &args) == -1 && errno == EIO,
		    "expected EIO, errno %d", errno);
	TEST_ASSERT(!sev_model_fail_armed(), "the reset did not issue %#x", cmd);
	TEST_ASSERT_EQ(args.state, KVM_RESET_VM_STATE_NONE);
	TEST_ASSERT_EQ(args.hw_error, INJECTED_STATUS);
	TEST_ASSERT(__vm_reset(vm, &args) == -1 && errno == EIO,
		    "a dead VM: expected EIO, errno %d", errno);

	/*
	 * Destruction unbinds again.  After a refused DECOMMISSION the guest
	 * is inactive already, so its DEACTIVATE is refused (INACTIVE) before
	 * the DECOMMISSION that frees the handle: one refusal, no leak.
	 */
	kvm_vm_free(vm);
	if (cmd == SEV_CMD_DECOMMISSION) {
		TEST_ASSERT(strstr(sev_model_last(), "DEACTIVATE refused, status 0x8"),
			    "firmware model: %s", sev_model_last());
		violations++;
	}
	model_check_clean(violations);
}

TEST(sev_deactivate_refused) { teardown_refused(_metadata, &types[0], SEV_CMD_DEACTIVATE); }
TEST(sev_decommission_refused) { teardown_refused(_metadata, &types[0], SEV_CMD_DECOMMISSION); }
TEST(sev_es_deactivate_refused) { teardown_refused(_metadata, &types[1], SEV_CMD_DEACTIVATE); }
TEST(snp_decommission_refused) { teardown_refused(_metadata, &types[2], SEV_CMD_SNP_DECOMMISSION); }

/*
 * The firmware refuses the flush that makes the ASID reusable, which the
 * relaunch issues before it binds the ASID: the launch command fails with
 * the firmware's status and changes nothing, mirroring or migrating the VM
 * stays refused (EBUSY) while the ASID is unflushed, and a retried launch
 * completes.
 */
static void flush_refused(struct __test_metadata *_metadata, const struct sev_type *t)
{
	struct kvm_sev_snp_launch_start snp_start = { .policy = policy(t) };
	struct kvm_sev_launch_start start = { .policy = policy(t) };
	struct kvm_sev_cmd cmd = {};
	struct model_view view;
	struct sev_vm s;

	require(t);
	if (!sev_model_present())
		SKIP(return, "failure injection needs the SEV firmware model");
	sev_vm_open(&s, t);
	launch_and_check(s.vm, s.vcpu, t, 1);
	model_view(&view, t, true);

	vm_reset(s.vm, 0);
	model_check_reset(&view);
	TEST_ASSERT(model_asid_is(view.asid, "dirty"),
		    "ASID %u: the old guest ran on it, it must wait for a flush", view.asid);

	/* SNP_DF_FLUSH replaces DF_FLUSH once SNP is initialized. */
	sev_model_fail(kvm_check_cap(KVM_CAP_VM_TYPES) & BIT(KVM_X86_SNP_VM) ?
		       SEV_CMD_SNP_DF_FLUSH : SEV_CMD_DF_FLUSH, INJECTED_STATUS, 0);
	cmd.sev_fd = s.vm->arch.sev_fd;
	if (t->type == KVM_X86_SNP_VM) {
		cmd.id = KVM_SEV_SNP_LAUNCH_START;
		cmd.data = (u64)&snp_start;
	} else {
		cmd.id = KVM_SEV_LAUNCH_START;
		cmd.data = (u64)&start;
	}
	/* The ioctl's size is that of a long, so __vm_ioctl() rejects the struct. */
	TEST_ASSERT(ioctl(s.vm->fd, KVM_MEMORY_ENCRYPT_OP, &cmd) == -1,
		    "the launch must fail with the flush");
	TEST_ASSERT(!sev_model_fail_armed(), "the launch did not flush");
	TEST_ASSERT_EQ(cmd.error, INJECTED_STATUS);
	TEST_ASSERT(model_asid_is(view.asid, "dirty"), "ASID %u is not dirty", view.asid);

	if (t->type != KVM_X86_SNP_VM) {
		/* Neither a mirror nor a migration may take the unflushed ASID. */
		struct kvm_vm *other = vm_create_barebones();

		TEST_ASSERT(__vm_enable_cap(other, KVM_CAP_VM_COPY_ENC_CONTEXT_FROM, s.vm->fd) == -1 &&
			    errno == EBUSY, "mirror: expected EBUSY, errno %d", errno);
		kvm_vm_free(other);
		other = vm_create_barebones_type(t->type);
		TEST_ASSERT(__vm_enable_cap(other, KVM_CAP_VM_MOVE_ENC_CONTEXT_FROM, s.vm->fd) == -1 &&
			    errno == EBUSY, "migration: expected EBUSY, errno %d", errno);
		kvm_vm_free(other);
	}

	sev_vm_reload(&s);
	launch_and_check(s.vm, s.vcpu, t, 2);
	model_check_relaunch(&view);
	sev_vm_close(&s);
	model_check_clean(view.violations);
}

/*
 * Resets do not flush; relaunches flush only if no flush ran since: two
 * VMs reset, then relaunched, and a VM reset twice before its relaunch,
 * cost one WBINVD + DF_FLUSH each time, not one per reset.
 */
TEST(sev_resets_share_one_flush)
{
	const struct sev_type *t = &types[0];
	struct sev_vm s[2];
	long flushes;
	int i;

	require(t);
	if (!sev_model_present())
		SKIP(return, "counting flushes needs the SEV firmware model");
	for (i = 0; i < 2; i++) {
		sev_vm_open(&s[i], t);
		launch_and_check(s[i].vm, s[i].vcpu, t, 1 + i);
	}

	flushes = model_flushes();
	vm_reset(s[0].vm, 0);
	vm_reset(s[1].vm, 0);
	vm_reset(s[1].vm, 0);
	TEST_ASSERT_EQ(model_flushes(), flushes);
	for (i = 0; i < 2; i++) {
		sev_vm_reload(&s[i]);
		launch_and_check(s[i].vm, s[i].vcpu, t, 3 + i);
	}
	TEST_ASSERT_EQ(model_flushes(), flushes + 1);

	for (i = 0; i < 2; i++)
		sev_vm_close(&s[i]);
}

TEST(sev_flush_refused) { flush_refused(_metadata, &types[0]); }
TEST(snp_flush_refused) { flush_refused(_metadata, &types[2]); }

/* A mirror cannot be reset; its owner cannot while the mirror exists. */
TEST(sev_mirror_refusals)
{
	const struct sev_type *t = &types[0];
	struct kvm_reset_vm args = {};
	struct kvm_vcpu *vcpu;
	struct kvm_vm *owner, *mirror;

	require(t);
	owner = sev_vm_create(t, &vcpu);
	mirror = vm_create_barebones();
	vm_enable_cap(mirror, KVM_CAP_VM_COPY_ENC_CONTEXT_FROM, owner->fd);

	TEST_ASSERT_EQ(vm_check_cap(mirror, KVM_CAP_VM_RESET), 0);
	TEST_ASSERT(__vm_reset(mirror, &args) == -1 && errno == EOPNOTSUPP,
		    "mirror: expected EOPNOTSUPP, errno %d", errno);
	/* A refusal for now only: the capability still says yes. */
	TEST_ASSERT(vm_check_cap(owner, KVM_CAP_VM_RESET) != 0,
		    "owner with a mirror: KVM_CAP_VM_RESET reads 0");
	TEST_ASSERT(__vm_reset(owner, &args) == -1 && errno == EBUSY,
		    "owner with a mirror: expected EBUSY, errno %d", errno);
	TEST_ASSERT_EQ(args.state, KVM_RESET_VM_STATE_NONE);
	TEST_ASSERT_EQ(vm_get_stat(owner, vm_resets), 0);

	kvm_vm_free(mirror);
	vm_reset(owner, 0);
	kvm_vm_free(owner);
}

/* KVM kills the source of an intra-host migration: its reset gets EIO. */
TEST(sev_dead_vm_eio)
{
	const struct sev_type *t = &types[0];
	struct kvm_reset_vm args = {};
	struct kvm_vcpu *vcpu;
	struct kvm_vm *src, *dst;

	require(t);
	src = sev_vm_create(t, &vcpu);
	dst = vm_create_barebones_type(t->type);
	vm_enable_cap(dst, KVM_CAP_VM_MOVE_ENC_CONTEXT_FROM, src->fd);

	TEST_ASSERT(__vm_reset(src, &args) == -1 && errno == EIO,
		    "dead VM: expected EIO, errno %d", errno);
	kvm_vm_free(dst);
	kvm_vm_free(src);
}

TEST_HARNESS_MAIN
