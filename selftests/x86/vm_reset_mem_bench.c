// SPDX-License-Identifier: GPL-2.0-only
/*
 * make bench: what KVM_RESET_VM costs as a function of the guest's private
 * memory, for a software-protected VM whose guest_memfd memory is populated
 * (folios allocated and mapped private in the TDP MMU) before every
 * measurement, untimed.  Methods, alternating within each round so that
 * host noise hits them alike:
 *
 *   sync     KVM_RESET_VM, flags 0: the ioctl's wall time (sync_kstat: the
 *            same reset as KVM's vm_reset_last_ns stat counts it);
 *   rebuild  close the VM (every fd) and build the same VM again: memslots,
 *            guest_memfd, vCPUs, private attributes;
 *   discard  fallocate(PUNCH_HOLE) of the same private memory: the floor,
 *            what freeing the memory costs with no reset around it;
 *   async    KVM_RESET_VM with KVM_RESET_VM_F_ASYNC (async_kstat as for
 *            sync), and its reclaim (KVM_RESET_VM_RECLAIM) timed apart: only
 *            if KVM_CAP_VM_RESET_ASYNC offers software-protected VMs
 *            (Documentation/async-reset-design.md).
 *
 * Usage: vm_reset_mem_bench [-v VCPUS,...] [-s MIB,...] [-n RUNS,...]
 *   -n gives the runs per size, one number for all or one per size.
 * Prints a table, the goal ratios, and the CSV as "bench-csv: " lines.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kvm_util.h"
#include "processor.h"
#include "vm_reset.h"

/* Above 4 GiB, clear of the boot memslot and of the MMIO hole below 4 GiB. */
#define BENCH_GPA	(1ull << 32)
#define BENCH_SLOT	10
#define MAX_VCPUS	8
#define MAX_LIST	8

enum metric { SYNC, SYNC_KSTAT, REBUILD, DISCARD, ASYNC, ASYNC_KSTAT, RECLAIM, NR_METRICS };
static const char * const metric_name[NR_METRICS] = {
	"sync", "sync_kstat", "rebuild", "discard", "async", "async_kstat", "reclaim",
};

/* The methods a round alternates; a method may fill several metrics. */
enum method { M_SYNC, M_REBUILD, M_DISCARD, M_ASYNC, NR_METHODS };

struct bench {
	struct kvm_vm *vm;
	struct kvm_vcpu *vcpus[MAX_VCPUS];
	int nr_vcpus;
	u64 size;
};

static bool have_async;

struct result {
	int runs;
	double p25, median, p75;	/* us */
};

static struct result results[MAX_LIST][MAX_LIST][NR_METRICS];
/* Each run's times in round order, for the ratios of a round's own runs. */
static u64 *samples[MAX_LIST][MAX_LIST][NR_METRICS];

static void guest_code(void)
{
	GUEST_DONE();
}

static u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static void bench_build(struct bench *b)
{
	b->vm = __vm_create_with_vcpus(sw_protected_shape, b->nr_vcpus, 0,
				       guest_code, b->vcpus);
	vm_userspace_mem_region_add(b->vm, VM_MEM_SRC_ANONYMOUS, BENCH_GPA, BENCH_SLOT,
				    b->size / PAGE_SIZE, KVM_MEM_GUEST_MEMFD);
	vm_mem_set_private(b->vm, BENCH_GPA, b->size);
}

/* Leaf SPTEs of the VM: the guest never runs, so they are the bench's. */
static u64 mapped_pages(struct kvm_vm *vm)
{
	return vm_get_stat(vm, pages_4k) + 512 * vm_get_stat(vm, pages_2m) +
	       512 * 512 * vm_get_stat(vm, pages_1g);
}

/*
 * What a guest that used all of its private memory leaves behind: every
 * page allocated in guest_memfd and mapped private in the TDP MMU.
 * KVM_PRE_FAULT_MEMORY builds exactly that state (4 KiB folios, 4 KiB
 * SPTEs), as the guest's own first touch of each page would, but without
 * one nested page fault per page, which under TCG would take longer than
 * the measurements.
 */
static void populate(struct bench *b)
{
	struct kvm_pre_fault_memory range = { .gpa = BENCH_GPA, .size = b->size };
	u64 npages = b->size / PAGE_SIZE;
	int r;

	vm_guest_mem_allocate(b->vm, BENCH_GPA, b->size);
	while (range.size) {
		r = __vcpu_ioctl(b->vcpus[0], KVM_PRE_FAULT_MEMORY, &range);
		if (r && (errno == EINTR || errno == EAGAIN))
			continue;
		TEST_ASSERT_VM_VCPU_IOCTL(!r, KVM_PRE_FAULT_MEMORY, r, b->vm);
	}
	TEST_ASSERT(mapped_pages(b->vm) >= npages,
		    "populate: %lu pages mapped, expected at least %lu",
		    mapped_pages(b->vm), npages);
}

/* After a method: the private memory must be unmapped (and so gone). */
static void check_unmapped(struct bench *b, u64 before, const char *what)
{
	u64 after = mapped_pages(b->vm);

	TEST_ASSERT(after + b->size / PAGE_SIZE <= before,
		    "%s: %lu pages still mapped of %lu", what, after, before);
}

static u64 time_reset(struct bench *b, u64 flags)
{
	struct kvm_reset_vm args = { .flags = flags };
	u64 t0, t1;
	int r;

	t0 = now_ns();
	r = __vm_reset(b->vm, &args);
	t1 = now_ns();
	TEST_ASSERT_VM_VCPU_IOCTL(!r, KVM_RESET_VM, r, b->vm);
	TEST_ASSERT(args.state == KVM_RESET_VM_STATE_DONE && !args.hw_error,
		    "KVM_RESET_VM: state %llu hw_error 0x%llx", args.state, args.hw_error);
	return t1 - t0;
}

/* Reclaim all of an async reset's backlog; return the time it took. */
static u64 time_reclaim(struct bench *b)
{
	struct kvm_reset_vm_reclaim rc;
	u64 t0, t1;
	int r;

	t0 = now_ns();
	do {
		memset(&rc, 0, sizeof(rc));
		r = __vm_ioctl(b->vm, KVM_RESET_VM_RECLAIM, &rc);
	} while ((r && errno == EINTR) || (!r && rc.remaining));
	t1 = now_ns();
	TEST_ASSERT_VM_VCPU_IOCTL(!r, KVM_RESET_VM_RECLAIM, r, b->vm);
	return t1 - t0;
}

/* KVM's own time for the reset just timed as @wall: vm_reset_last_ns. */
static u64 kstat(struct bench *b, u64 wall)
{
	u64 ns = vm_get_stat(b->vm, vm_reset_last_ns);

	TEST_ASSERT(ns && ns <= wall, "vm_reset_last_ns %lu, wall %lu", ns, wall);
	return ns;
}

/* One populated measurement of method @m; its times go to @t[metric]. */
static void measure(struct bench *b, enum method m, u64 *t)
{
	struct userspace_mem_region *region;
	u64 before, t0, t1;
	int r;

	populate(b);
	before = mapped_pages(b->vm);
	switch (m) {
	case M_SYNC:
		t[SYNC] = time_reset(b, 0);
		t[SYNC_KSTAT] = kstat(b, t[SYNC]);
		check_unmapped(b, before, "sync");
		break;
	case M_ASYNC:
		t[ASYNC] = time_reset(b, KVM_RESET_VM_F_ASYNC);
		t[ASYNC_KSTAT] = kstat(b, t[ASYNC]);
		t[RECLAIM] = time_reclaim(b);
		check_unmapped(b, before, "async and reclaim");
		break;
	case M_DISCARD:
		region = memslot2region(b->vm, BENCH_SLOT);
		t0 = now_ns();
		r = fallocate(region->region.guest_memfd,
			      FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
			      region->region.guest_memfd_offset, b->size);
		t1 = now_ns();
		TEST_ASSERT(!r, "fallocate(PUNCH_HOLE): %s", strerror(errno));
		t[DISCARD] = t1 - t0;
		check_unmapped(b, before, "discard");
		break;
	case M_REBUILD:
		t0 = now_ns();
		kvm_vm_free(b->vm);
		bench_build(b);
		t[REBUILD] = now_ns() - t0;
		TEST_ASSERT_EQ(mapped_pages(b->vm), 0);
		break;
	default:
		TEST_FAIL("method %d", m);
	}
}

static int cmp_u64(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return x < y ? -1 : x > y;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* The @q quantile of sorted @v, interpolated linearly, in us. */
static double quantile_us(const u64 *v, int n, double q)
{
	double pos = (n - 1) * q;
	int lo = (int)pos;
	double frac = pos - lo;

	if (lo + 1 >= n)
		return v[n - 1] / 1e3;
	return (v[lo] + frac * (v[lo + 1] - v[lo])) / 1e3;
}

static struct result summarize(const u64 *samples, int n)
{
	struct result r = { .runs = n };
	u64 *v = malloc(n * sizeof(*v));

	TEST_ASSERT(v, "malloc");
	memcpy(v, samples, n * sizeof(*v));
	qsort(v, n, sizeof(*v), cmp_u64);
	r.p25 = quantile_us(v, n, 0.25);
	r.median = quantile_us(v, n, 0.5);
	r.p75 = quantile_us(v, n, 0.75);
	free(v);
	return r;
}

static bool metric_measured(enum metric k)
{
	if (k == ASYNC || k == ASYNC_KSTAT || k == RECLAIM)
		return have_async;
	return true;
}

static enum method method_of(enum metric k)
{
	switch (k) {
	case SYNC:
	case SYNC_KSTAT:
		return M_SYNC;
	case REBUILD:
		return M_REBUILD;
	case DISCARD:
		return M_DISCARD;
	default:
		return M_ASYNC;
	}
}

static void run_config(int vi, int nr_vcpus, int si, int mib, int runs)
{
	int nr_methods = have_async ? NR_METHODS : M_ASYNC;
	struct bench b = { .nr_vcpus = nr_vcpus, .size = (u64)mib << 20 };
	u64 **s = samples[vi][si], t[NR_METRICS];
	u64 t0 = now_ns();

	for (int k = 0; k < NR_METRICS; k++) {
		s[k] = calloc(runs, sizeof(u64));
		TEST_ASSERT(s[k], "calloc");
	}
	bench_build(&b);
	/*
	 * Round -1 warms up (page cache of the binary, slab caches) and is
	 * not counted.  Each round starts with the next method, so that no
	 * method always runs first or after the same neighbour.
	 */
	for (int round = -1; round < runs; round++) {
		for (int i = 0; i < nr_methods; i++) {
			enum method m = (round + 1 + i) % nr_methods;

			memset(t, 0, sizeof(t));
			measure(&b, m, t);
			if (round < 0)
				continue;
			for (int k = 0; k < NR_METRICS; k++)
				if (method_of(k) == m)
					s[k][round] = t[k];
		}
	}
	kvm_vm_free(b.vm);
	for (int k = 0; k < NR_METRICS; k++)
		if (metric_measured(k))
			results[vi][si][k] = summarize(s[k], runs);
	printf("# %d vCPU(s), %4d MiB: %d rounds in %.1f s\n", nr_vcpus, mib, runs,
	       (now_ns() - t0) / 1e9);
	fflush(stdout);
}

static int parse_list(const char *s, int *v, const char *what)
{
	char *copy = strdup(s), *tok, *save = NULL;
	int n = 0;

	TEST_ASSERT(copy, "strdup");
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		TEST_ASSERT(n < MAX_LIST, "%s: at most %d values", what, MAX_LIST);
		v[n] = atoi(tok);
		TEST_ASSERT(v[n] > 0, "%s: '%s' is not a positive number", what, tok);
		n++;
	}
	free(copy);
	TEST_ASSERT(n, "%s: empty list", what);
	return n;
}

/*
 * The median of the rounds' own ratios a/b: the test host's speed under
 * TCG drifts within a minute, and a round's runs are seconds apart.
 */
static double round_ratio(const u64 *a, const u64 *b, int n)
{
	double *q = malloc(n * sizeof(*q)), m;

	TEST_ASSERT(q, "malloc");
	for (int i = 0; i < n; i++)
		q[i] = (double)a[i] / b[i];
	qsort(q, n, sizeof(*q), cmp_double);
	m = n % 2 ? q[n / 2] : (q[n / 2 - 1] + q[n / 2]) / 2;
	free(q);
	return m;
}

static void goal(const char *what, double ratio, double limit)
{
	printf("goal %-34s %7.3f  (<= %.2f) %s\n", what, ratio, limit,
	       ratio <= limit ? "met" : "MISSED");
}

int main(int argc, char *argv[])
{
	int vcpus[MAX_LIST] = { 1, 8 }, mibs[MAX_LIST] = { 16, 64, 256, 1024 };
	int runs[MAX_LIST] = { 9 };
	int nv = 2, ns = 4, nr = 1, opt;
	u32 async_types;
	char what[64];

	while ((opt = getopt(argc, argv, "v:s:n:")) != -1) {
		switch (opt) {
		case 'v':
			nv = parse_list(optarg, vcpus, "-v");
			break;
		case 's':
			ns = parse_list(optarg, mibs, "-s");
			break;
		case 'n':
			nr = parse_list(optarg, runs, "-n");
			break;
		default:
			TEST_FAIL("usage: %s [-v VCPUS,...] [-s MIB,...] [-n RUNS,...]", argv[0]);
		}
	}
	TEST_ASSERT(nr == 1 || nr == ns, "-n: one count, or one per size");
	for (int i = 0; i < nv; i++)
		TEST_ASSERT(vcpus[i] <= MAX_VCPUS, "-v: at most %d vCPUs", MAX_VCPUS);

	TEST_REQUIRE(kvm_reset_vm_types() & BIT(KVM_X86_SW_PROTECTED_VM));
	TEST_REQUIRE(kvm_has_cap(KVM_CAP_PRE_FAULT_MEMORY));

	async_types = kvm_check_cap(KVM_CAP_VM_RESET_ASYNC);
	have_async = async_types & BIT(KVM_X86_SW_PROTECTED_VM);
	if (!have_async)
		printf("# async: skipped: KVM_CAP_VM_RESET_ASYNC (%d) offers no software-protected VM (mask 0x%x)\n",
		       KVM_CAP_VM_RESET_ASYNC, async_types);
	fflush(stdout);

	for (int vi = 0; vi < nv; vi++)
		for (int si = 0; si < ns; si++)
			run_config(vi, vcpus[vi], si, mibs[si], runs[nr == 1 ? 0 : si]);

	printf("%6s %6s %-11s %5s %12s %12s %12s\n",
	       "vcpus", "mib", "method", "runs", "median_us", "p25_us", "p75_us");
	printf("bench-csv: vcpus,mib,method,runs,median_us,p25_us,p75_us\n");
	for (int vi = 0; vi < nv; vi++)
		for (int si = 0; si < ns; si++)
			for (int k = 0; k < NR_METRICS; k++) {
				struct result *r = &results[vi][si][k];

				if (!metric_measured(k))
					continue;
				printf("%6d %6d %-11s %5d %12.1f %12.1f %12.1f\n", vcpus[vi],
				       mibs[si], metric_name[k], r->runs, r->median, r->p25,
				       r->p75);
				printf("bench-csv: %d,%d,%s,%d,%.1f,%.1f,%.1f\n", vcpus[vi],
				       mibs[si], metric_name[k], r->runs, r->median, r->p25,
				       r->p75);
			}

	/* The goals of issue 16: ratios of medians, reported, never fatal. */
	printf("goals: a/b of one size is the median of the rounds' own ratios; across sizes, the ratio of the medians\n");
	for (int vi = 0; vi < nv; vi++) {
		struct result (*r)[NR_METRICS] = results[vi];
		u64 *(*smp)[NR_METRICS] = samples[vi];
		int lo = 0, hi = 0;

		for (int si = 0; si < ns; si++) {
			snprintf(what, sizeof(what), "%dvcpu sync%d/discard%d", vcpus[vi],
				 mibs[si], mibs[si]);
			goal(what, round_ratio(smp[si][SYNC], smp[si][DISCARD],
					       r[si][SYNC].runs), 1.10);
			if (mibs[si] < mibs[lo])
				lo = si;
			if (mibs[si] > mibs[hi])
				hi = si;
		}
		if (!have_async || lo == hi)
			continue;
		snprintf(what, sizeof(what), "%dvcpu async%d/async%d", vcpus[vi],
			 mibs[hi], mibs[lo]);
		goal(what, r[hi][ASYNC].median / r[lo][ASYNC].median, 1.2);
		snprintf(what, sizeof(what), "%dvcpu async%d/sync%d", vcpus[vi],
			 mibs[hi], mibs[hi]);
		goal(what, round_ratio(smp[hi][ASYNC], smp[hi][SYNC], r[hi][SYNC].runs), 0.1);
	}
	if (!have_async)
		printf("goal async1024/async16 and async1024/sync1024: not measured (no async reset in this KVM)\n");
	return 0;
}
