// SPDX-License-Identifier: GPL-2.0-only
/*
 * KVM_RESET_VM in a loop: a software-protected guest dirties private memory
 * and is reset 1,000 or 10,000 times (one variant each; the test host's
 * lists choose with -v); the memory the host has in use and its slab must
 * not grow, and no private page or mapping may outlive a reset.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "kvm_util.h"
#include "processor.h"
#include "ucall_common.h"
#include "vm_reset.h"
#include "kselftest_harness.h"

#define DATA_PAGES	64
#define WARMUP		20
/* A leak of one private page per 1,000 cycles would show as 4 MiB. */
#define MAX_GROWTH_KB	(2 * 1024)
/* A leak of 128 bytes per cycle shows here after 10,000 cycles. */
#define MAX_SLAB_GROWTH_KB	1024

static void guest_dirty_private(void)
{
	u64 sum = 0;

	for (int i = 0; i < DATA_PAGES; i++) {
		u64 *p = (u64 *)(DATA_GPA + i * PAGE_SIZE);

		sum += READ_ONCE(*p);
		WRITE_ONCE(*p, 0x5ec2e7 + i);
	}
	/* Each run must start from zeroed private memory. */
	GUEST_SYNC(sum);
}

static long meminfo_kb(const char *key)
{
	char line[128];
	long kb = -1;
	FILE *f = fopen("/proc/meminfo", "r");

	TEST_ASSERT(f, "open /proc/meminfo");
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, strlen(key)))
			kb = atol(line + strlen(key));
	fclose(f);
	TEST_ASSERT(kb >= 0, "no %s in /proc/meminfo", key);
	return kb;
}

/* What the host has in use: all memory but what is free or reclaimable. */
static long used_kb(void)
{
	return meminfo_kb("MemTotal:") - meminfo_kb("MemAvailable:");
}

FIXTURE(cycles) {};
FIXTURE_VARIANT(cycles) {
	int cycles;
	/* The growth is measured from this cycle to the end. */
	int judge_from;
	long max_slab_growth_kb;
};
FIXTURE_VARIANT_ADD(cycles, thousand) {
	.cycles = 1000,
	.judge_from = WARMUP,
	.max_slab_growth_kb = MAX_SLAB_GROWTH_KB,
};
FIXTURE_VARIANT_ADD(cycles, ten_thousand) {
	.cycles = 10000,
	.judge_from = WARMUP,
	.max_slab_growth_kb = MAX_SLAB_GROWTH_KB,
};
/*
 * For the debug test host: KASAN's quarantine keeps freed objects in the
 * slab, up to 1/32 of the memory (128 MiB of the test host's 4 GiB; the
 * first 1,000 cycles fill some 40 MiB of it), so the counts grow until it is
 * full.  Judge the second half of 10,000 cycles, when it is, allowing for
 * the quarantine's own churn (it frees 1 MiB batches, plus up to 1 MiB a
 * CPU); kmemleak, which the test host's init runs after the tests, judges
 * every object as well.
 */
FIXTURE_VARIANT_ADD(cycles, ten_thousand_debug) {
	.cycles = 10000,
	.judge_from = 5000,
	.max_slab_growth_kb = 8 * 1024,
};
FIXTURE_SETUP(cycles) {}
FIXTURE_TEARDOWN(cycles) {}

/* Under TCG 1,000 cycles take 20 to 40 s, on the debug kernel longer. */
TEST_F_TIMEOUT(cycles, resets_no_growth, 1800)
{
	const int cycles = variant->cycles;
	long first_slab = 0, base_slab = 0, slab;
	struct timespec t0, t1;
	struct vcpu_boot_state boot;
	struct vm_boot_image image;
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm;
	long base = 0, now;

	KCR_REQUIRE(kvm_reset_vm_types() & BIT(KVM_X86_SW_PROTECTED_VM));

	vm = vm_create_with_data(sw_protected_shape, &vcpu, guest_dirty_private,
				 DATA_PAGES, true);
	vcpu_save_boot_state(vcpu, &boot);
	vm_save_boot_image(vm, &image);

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int i = 0; i < cycles; i++) {
		vm_load_boot_image(vm, &image);
		vcpu_load_boot_state(vcpu, &boot, guest_dirty_private);
		TEST_ASSERT(!vcpu_run_to_sync(vcpu),
			    "cycle %d: the guest found data left by the previous run", i);
		TEST_ASSERT(vm_get_stat(vm, pages_4k) > 0,
			    "cycle %d: the guest ran without mappings?", i);

		vm_reset(vm, 0);
		TEST_ASSERT(!vm_get_stat(vm, pages_4k) && !vm_get_stat(vm, pages_2m),
			    "cycle %d: mappings survived the reset", i);
		if (i == WARMUP)
			first_slab = meminfo_kb("Slab:");
		if (i == variant->judge_from) {
			base = used_kb();
			base_slab = meminfo_kb("Slab:");
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	now = used_kb();
	slab = meminfo_kb("Slab:");
	ksft_print_msg("%d reset cycles in %.1f s (%.0f per second)\n", cycles,
		       t1.tv_sec - t0.tv_sec + (t1.tv_nsec - t0.tv_nsec) / 1e9,
		       cycles / (t1.tv_sec - t0.tv_sec + (t1.tv_nsec - t0.tv_nsec) / 1e9));
	ksft_print_msg("host memory in use after %d resets: %ld kB, after %d: %ld kB\n",
		       variant->judge_from + 1, base, cycles, now);
	ksft_print_msg("slab after %d resets: %ld kB, after %d: %ld kB, after %d: %ld kB\n",
		       WARMUP + 1, first_slab, variant->judge_from + 1, base_slab,
		       cycles, slab);
	TEST_ASSERT(now - base < MAX_GROWTH_KB,
		    "memory in use grew by %ld kB over %d resets", now - base,
		    cycles - variant->judge_from - 1);
	TEST_ASSERT(slab - base_slab < variant->max_slab_growth_kb,
		    "slab grew by %ld kB over %d resets", slab - base_slab,
		    cycles - variant->judge_from - 1);
	TEST_ASSERT_EQ(vm_get_stat(vm, vm_resets), cycles);
	free(image.copy);
	kvm_vm_free(vm);
}

TEST_HARNESS_MAIN
