// SPDX-License-Identifier: GPL-2.0-only
/*
 * KVM_RESET_VM of SEV, SEV-ES and SEV-SNP VMs (needs the hardware; skips
 * elsewhere): launch a guest that reports its payload, reset in place,
 * relaunch with another payload, and check that the firmware created a new
 * guest context, that the ASID and its misc cgroup charge stayed, that the
 * reset works with the ASID pool otherwise full, the refusals, and EIO for
 * a VM that KVM killed (the source of an intra-host migration).
 *
 * The launch measurement is an HMAC keyed with the platform owner's
 * transport key (SEV) or is reported only through an attestation report
 * (SNP), so it cannot be recomputed here; that the guest runs the new
 * payload under a new handle shows the relaunch was measured afresh.
 */
#include <stdio.h>
#include <string.h>

#include "kvm_util.h"
#include "processor.h"
#include "sev.h"
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

/* Launch with @p as payload and run to the guest's report. */
static u8 launch_and_run(struct kvm_vm *vm, struct kvm_vcpu *vcpu,
			 const struct sev_type *t, u8 p)
{
	struct ucall uc;

	payload = p;
	sync_global_to_guest(vm, payload);
	vm_sev_launch(vm, policy(t), NULL);
	vcpu_run(vcpu);

	if (t->type == KVM_X86_SEV_VM) {
		TEST_ASSERT_EQ(get_ucall(vcpu, &uc), UCALL_SYNC);
		return uc.args[1];
	}
	TEST_ASSERT_KVM_EXIT_REASON(vcpu, KVM_EXIT_SYSTEM_EVENT);
	TEST_ASSERT_EQ(vcpu->run->system_event.type, KVM_SYSTEM_EVENT_SEV_TERM);
	return vcpu->run->system_event.data[0] >> 16;
}

static u32 handle_of(struct kvm_vm *vm)
{
	struct kvm_sev_guest_status status;

	vm_sev_ioctl(vm, KVM_SEV_GUEST_STATUS, &status);
	return status.handle;
}

static void reset_and_relaunch(struct __test_metadata *_metadata,
			       const struct sev_type *t)
{
	struct vcpu_boot_state boot;
	struct vm_boot_image image;
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm;
	long charged;
	u32 handle = 0;

	require(t);
	vm = vm_sev_create_with_one_vcpu(t->type,
					 t->type == KVM_X86_SEV_VM ? guest_sev : guest_sev_es,
					 &vcpu);
	vcpu_save_boot_state(vcpu, &boot);
	vm_save_boot_image(vm, &image);

	TEST_ASSERT_EQ(launch_and_run(vm, vcpu, t, 0xa1), 0xa1);
	if (t->type != KVM_X86_SNP_VM)
		handle = handle_of(vm);
	charged = misc_cg_current(t->cg_key);

	vm_reset(vm, 0);
	TEST_ASSERT_EQ(misc_cg_current(t->cg_key), charged);

	/* SEV and SEV-ES encrypted the image in place: load it again. */
	vm_load_boot_image(vm, &image);
	vcpu_load_boot_state(vcpu, &boot, t->type == KVM_X86_SEV_VM ? guest_sev : guest_sev_es);
	TEST_ASSERT_EQ(launch_and_run(vm, vcpu, t, 0xb2), 0xb2);
	if (t->type != KVM_X86_SNP_VM)
		TEST_ASSERT(handle_of(vm) != handle,
			    "the relaunch must create a new guest context (handle %u)", handle);
	TEST_ASSERT_EQ(vm_get_stat(vm, vm_resets), 1);
	free(image.copy);
	kvm_vm_free(vm);
}

TEST(sev_reset_relaunch) { reset_and_relaunch(_metadata, &types[0]); }
TEST(sev_es_reset_relaunch) { reset_and_relaunch(_metadata, &types[1]); }
TEST(snp_reset_relaunch) { reset_and_relaunch(_metadata, &types[2]); }

/* Take every other ASID of the type; the reset and relaunch still work. */
TEST(sev_reset_with_asid_pool_full)
{
	const struct sev_type *t = &types[0];
	struct kvm_sev_init init = {};
	struct vcpu_boot_state boot;
	struct vm_boot_image image;
	struct kvm_vm *vm, *others[1024];
	struct kvm_vcpu *vcpu;
	int n = 0;

	require(t);
	vm = vm_sev_create_with_one_vcpu(t->type, guest_sev, &vcpu);
	vcpu_save_boot_state(vcpu, &boot);
	vm_save_boot_image(vm, &image);
	TEST_ASSERT_EQ(launch_and_run(vm, vcpu, t, 1), 1);

	for (n = 0; n < ARRAY_SIZE(others); n++) {
		others[n] = vm_create_barebones_type(t->type);
		if (__vm_sev_ioctl(others[n], KVM_SEV_INIT2, &init)) {
			kvm_vm_free(others[n]);
			break;
		}
	}
	TEST_ASSERT(n < ARRAY_SIZE(others), "could not exhaust the SEV ASIDs");

	vm_reset(vm, 0);
	vm_load_boot_image(vm, &image);
	vcpu_load_boot_state(vcpu, &boot, guest_sev);
	TEST_ASSERT_EQ(launch_and_run(vm, vcpu, t, 2), 2);

	while (n--)
		kvm_vm_free(others[n]);
	free(image.copy);
	kvm_vm_free(vm);
}

/* A mirror cannot be reset; its owner cannot while the mirror exists. */
TEST(sev_mirror_refusals)
{
	const struct sev_type *t = &types[0];
	struct kvm_reset_vm args = {};
	struct kvm_vcpu *vcpu;
	struct kvm_vm *owner, *mirror;

	require(t);
	owner = vm_sev_create_with_one_vcpu(t->type, guest_sev, &vcpu);
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
	src = vm_sev_create_with_one_vcpu(t->type, guest_sev, &vcpu);
	dst = vm_create_barebones_type(t->type);
	vm_enable_cap(dst, KVM_CAP_VM_MOVE_ENC_CONTEXT_FROM, src->fd);

	TEST_ASSERT(__vm_reset(src, &args) == -1 && errno == EIO,
		    "dead VM: expected EIO, errno %d", errno);
	kvm_vm_free(dst);
	kvm_vm_free(src);
}

TEST_HARNESS_MAIN
