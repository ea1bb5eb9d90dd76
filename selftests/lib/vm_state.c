// SPDX-License-Identifier: GPL-2.0-only
/*
 * Snapshots of what KVM exposes about a VM through its GET ioctls, and their
 * comparison (vm_state.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hyperv.h"
#include "vm_state.h"


bool xen_shared_info_supported(void)
{
	return kvm_check_cap(KVM_CAP_XEN_HVM) & KVM_XEN_HVM_CONFIG_SHARED_INFO;
}

bool vcpu_msr_read(struct kvm_vcpu *vcpu, u32 index, u64 *value)
{
	struct {
		struct kvm_msrs header;
		struct kvm_msr_entry entry;
	} buf = { .header.nmsrs = 1, .entry.index = index };

	if (__vcpu_ioctl(vcpu, KVM_GET_MSRS, &buf.header) != 1)
		return false;
	*value = buf.entry.data;
	return true;
}

static void xen_vcpu_attr(struct kvm_vcpu *vcpu, u16 type,
			  struct kvm_xen_vcpu_attr *attr)
{
	memset(attr, 0, sizeof(*attr));
	attr->type = type;
	/* The timer needs KVM_XEN_HVM_CONFIG_EVTCHN_SEND; type stays for a miss. */
	if (__vcpu_ioctl(vcpu, KVM_XEN_VCPU_GET_ATTR, attr))
		memset(&attr->u, 0xff, sizeof(attr->u));
}

/*
 * MSRs that KVM does not list in KVM_GET_MSR_INDEX_LIST but that a guest
 * writes and KVM_GET_MSRS reads: MTRRs, machine check, APIC base, PAT,
 * MISC_ENABLE.
 */
static const u32 unlisted_msrs[] = {
	MSR_IA32_APICBASE, MSR_IA32_CR_PAT, MSR_IA32_MISC_ENABLE,
	MSR_MTRRdefType, MSR_MTRRfix64K_00000, MSR_MTRRfix16K_80000,
	MSR_MTRRfix4K_C0000, 0x200, 0x201, 0x20e, 0x20f,
	MSR_IA32_MCG_STATUS, MSR_IA32_MCG_CTL,
	MSR_IA32_MC0_CTL, MSR_IA32_MC0_STATUS, MSR_IA32_MC0_ADDR, MSR_IA32_MC0_MISC,
	MSR_IA32_MC0_CTL + 12, MSR_IA32_MC0_STATUS + 12,
};

void vcpu_snapshot_take(struct kvm_vcpu *vcpu, struct vcpu_snapshot *s)
{
	const struct kvm_msr_list *list = kvm_get_msr_index_list();
	int i, nested, n = list->nmsrs + ARRAY_SIZE(unlisted_msrs);

	memset(s, 0, sizeof(*s));
	vcpu_regs_get(vcpu, &s->regs);
	vcpu_sregs_get(vcpu, &s->sregs);
	vcpu_debugregs_get(vcpu, &s->debugregs);
	if (kvm_has_cap(KVM_CAP_XCRS))
		vcpu_xcrs_get(vcpu, &s->xcrs);
	vcpu_ioctl(vcpu, KVM_GET_LAPIC, &s->lapic);
	vcpu_events_get(vcpu, &s->events);
	vcpu_mp_state_get(vcpu, &s->mp_state);
	s->tsc_khz = __vcpu_ioctl(vcpu, KVM_GET_TSC_KHZ, NULL);

	s->xsave_size = vm_check_cap(vcpu->vm, KVM_CAP_XSAVE2);
	if (s->xsave_size < (int)sizeof(struct kvm_xsave))
		s->xsave_size = sizeof(struct kvm_xsave);
	s->xsave = calloc(1, s->xsave_size);
	TEST_ASSERT(s->xsave, "calloc(%d)", s->xsave_size);
	vcpu_xsave2_get(vcpu, s->xsave);

	nested = kvm_check_cap(KVM_CAP_NESTED_STATE);
	if (nested > 0) {
		s->nested = calloc(1, nested);
		TEST_ASSERT(s->nested, "calloc(%d)", nested);
		s->nested->size = nested;
		vcpu_nested_state_get(vcpu, s->nested);
		s->nested_size = s->nested->size;
	}

	s->msrs = calloc(n, sizeof(*s->msrs));
	TEST_ASSERT(s->msrs, "calloc(%d MSRs)", n);
	s->nr_msrs = n;
	for (i = 0; i < s->nr_msrs; i++) {
		s->msrs[i].index = i < list->nmsrs ? list->indices[i] :
				   unlisted_msrs[i - list->nmsrs];
		s->msrs[i].readable = vcpu_msr_read(vcpu, s->msrs[i].index,
						    &s->msrs[i].value);
	}

	if (xen_shared_info_supported()) {
		xen_vcpu_attr(vcpu, KVM_XEN_VCPU_ATTR_TYPE_VCPU_INFO, &s->xen_vcpu_info);
		xen_vcpu_attr(vcpu, KVM_XEN_VCPU_ATTR_TYPE_RUNSTATE_ADDR, &s->xen_runstate);
		xen_vcpu_attr(vcpu, KVM_XEN_VCPU_ATTR_TYPE_TIMER, &s->xen_timer);
	}
}

void vcpu_snapshot_free(struct vcpu_snapshot *s)
{
	free(s->xsave);
	free(s->nested);
	free(s->msrs);
}

static void vm_irqchip_get(struct kvm_vm *vm, u32 chip, struct kvm_irqchip *c)
{
	memset(c, 0, sizeof(*c));
	c->chip_id = chip;
	vm_ioctl(vm, KVM_GET_IRQCHIP, c);
}

void vm_snapshot_take(struct kvm_vm *vm, struct vm_snapshot *s)
{
	memset(s, 0, sizeof(*s));
	vm_irqchip_get(vm, KVM_IRQCHIP_PIC_MASTER, &s->pic_master);
	vm_irqchip_get(vm, KVM_IRQCHIP_PIC_SLAVE, &s->pic_slave);
	vm_irqchip_get(vm, KVM_IRQCHIP_IOAPIC, &s->ioapic);
	s->has_pit = !__vm_ioctl(vm, KVM_GET_PIT2, &s->pit);
	vm_ioctl(vm, KVM_GET_CLOCK, &s->clock);
	s->has_xen = xen_shared_info_supported();
	if (s->has_xen) {
		s->xen_shared_info.type = KVM_XEN_ATTR_TYPE_SHARED_INFO;
		vm_ioctl(vm, KVM_XEN_HVM_GET_ATTR, &s->xen_shared_info);
	}
}

static void differs(struct state_diff *d, const char *what, u64 got, u64 want)
{
	d->count++;
	printf("# %s: %s differs: reset VM 0x%llx, fresh twin 0x%llx\n",
	       d->phase, what, (unsigned long long)got, (unsigned long long)want);
}

static void cmp_u64(struct state_diff *d, const char *what, u64 got, u64 want)
{
	if (got != want)
		differs(d, what, got, want);
}

/* Compare byte ranges; report the first differing 8-byte word. */
static void cmp_bytes(struct state_diff *d, const char *what, const void *got,
		      const void *want, size_t len)
{
	const u8 *g = got, *w = want;
	char name[96];
	size_t i, off;
	u64 gv = 0, wv = 0;

	for (i = 0; i < len; i++) {
		if (g[i] == w[i])
			continue;
		off = i & ~7ul;
		memcpy(&gv, g + off, len - off < 8 ? len - off : 8);
		memcpy(&wv, w + off, len - off < 8 ? len - off : 8);
		snprintf(name, sizeof(name), "%s at byte %zu", what, off);
		differs(d, name, gv, wv);
		return;
	}
}

static bool is_kept(u32 index, const u32 *kept, int nr_kept)
{
	int i;

	for (i = 0; i < nr_kept; i++)
		if (kept[i] == index)
			return true;
	return false;
}

/* Counters of time since creation (or reset): equal within @slack_ns. */
static void cmp_time(struct state_diff *d, const char *what, u64 got, u64 want,
		     u64 slack)
{
	u64 delta = got > want ? got - want : want - got;

	if (delta > slack)
		differs(d, what, got, want);
}

static void cmp_msrs(struct state_diff *d, const struct vcpu_snapshot *got,
		     const struct vcpu_snapshot *want, const u32 *kept,
		     int nr_kept, u64 slack_ns)
{
	char name[48];
	int i;

	TEST_ASSERT_EQ(got->nr_msrs, want->nr_msrs);
	for (i = 0; i < got->nr_msrs; i++) {
		const struct msr_value *g = &got->msrs[i], *w = &want->msrs[i];

		if (is_kept(g->index, kept, nr_kept))
			continue;
		snprintf(name, sizeof(name), "MSR 0x%x", g->index);
		if (g->readable != w->readable) {
			differs(d, name, g->readable, w->readable);
			continue;
		}
		if (g->index == MSR_IA32_TSC)
			cmp_time(d, name, g->value, w->value,
				 slack_ns * want->tsc_khz / 1000000);
		else if (g->index == HV_X64_MSR_TIME_REF_COUNT ||
			 g->index == HV_X64_MSR_VP_RUNTIME)
			cmp_time(d, name, g->value, w->value, slack_ns / 100);
		else
			cmp_u64(d, name, g->value, w->value);
	}
}

#define CMP(d, field)	cmp_bytes(d, #field, &got->field, &want->field, sizeof(got->field))

void vcpu_snapshot_compare(struct state_diff *d, const struct vcpu_snapshot *got,
			   const struct vcpu_snapshot *want, const u32 *kept,
			   int nr_kept, u64 slack_ns)
{
	CMP(d, regs);
	CMP(d, sregs);
	CMP(d, debugregs);
	CMP(d, xcrs);
	CMP(d, lapic);
	CMP(d, events);
	CMP(d, mp_state);
	cmp_u64(d, "XSAVE2 size", got->xsave_size, want->xsave_size);
	if (got->xsave_size == want->xsave_size)
		cmp_bytes(d, "XSAVE2", got->xsave, want->xsave, got->xsave_size);
	cmp_u64(d, "nested state size", got->nested_size, want->nested_size);
	if (got->nested && got->nested_size == want->nested_size)
		cmp_bytes(d, "nested state", got->nested, want->nested, got->nested_size);
	cmp_msrs(d, got, want, kept, nr_kept, slack_ns);
	CMP(d, xen_vcpu_info);
	CMP(d, xen_runstate.u.gpa);
	CMP(d, xen_timer);
}

void vm_snapshot_compare(struct state_diff *d, const struct vm_snapshot *got,
			 const struct vm_snapshot *want, u64 slack_ns)
{
	int i;

	CMP(d, pic_master);
	CMP(d, pic_slave);
	CMP(d, ioapic);
	cmp_u64(d, "PIT present", got->has_pit, want->has_pit);
	if (got->has_pit && want->has_pit) {
		for (i = 0; i < 3; i++) {
			struct kvm_pit_channel_state g = got->pit.channels[i];
			struct kvm_pit_channel_state w = want->pit.channels[i];

			cmp_time(d, "PIT count_load_time", g.count_load_time,
				 w.count_load_time, slack_ns);
			g.count_load_time = w.count_load_time = 0;
			cmp_bytes(d, "PIT channel", &g, &w, sizeof(g));
		}
		CMP(d, pit.flags);
	}
	cmp_time(d, "kvmclock", got->clock.clock, want->clock.clock, slack_ns);
	if (got->has_xen)
		CMP(d, xen_shared_info);
}

void vm_memory_compare(struct state_diff *d, struct kvm_vm *got,
		       struct kvm_vm *want, u64 gpa, size_t len)
{
	size_t off;
	char name[48];

	for (off = 0; off < len; off += PAGE_SIZE) {
		snprintf(name, sizeof(name), "guest memory at 0x%llx",
			 (unsigned long long)(gpa + off));
		cmp_bytes(d, name, addr_gpa2hva(got, gpa + off),
			  addr_gpa2hva(want, gpa + off), PAGE_SIZE);
	}
}
