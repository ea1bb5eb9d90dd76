// SPDX-License-Identifier: GPL-2.0-only
/*
 * KVM_RESET_VM_F_ASYNC and KVM_RESET_VM_RECLAIM: the reset detaches the old
 * guest's private memory at once, the reclaim frees it later, at most one
 * generation waits, and closing the VM frees what remains.
 */
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/falloc.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/time.h>

#include "kvm_util.h"
#include "processor.h"
#include "ucall_common.h"
#include "vm_reset.h"
#include "kselftest_harness.h"


static u32 async_types(void)
{
	return kvm_check_cap(KVM_CAP_VM_RESET_ASYNC);
}

#define REQUIRE_SW_PROTECTED_ASYNC()					\
	KCR_REQUIRE(async_types() & BIT(KVM_X86_SW_PROTECTED_VM))

static int __reclaim(struct kvm_vm *vm, struct kvm_reset_vm_reclaim *args)
{
	return __vm_ioctl(vm, KVM_RESET_VM_RECLAIM, args);
}

/* Reclaim up to @max_bytes; assert success, return the bytes freed. */
static u64 reclaim(struct kvm_vm *vm, u64 max_bytes, u64 *remaining)
{
	struct kvm_reset_vm_reclaim args = { .max_bytes = max_bytes };
	int r;

	r = __reclaim(vm, &args);
	TEST_ASSERT_VM_VCPU_IOCTL(!r, KVM_RESET_VM_RECLAIM, r, vm);
	if (remaining)
		*remaining = args.remaining;
	return args.reclaimed;
}

static u64 backlog(struct kvm_vm *vm)
{
	return vm_get_stat(vm, vm_reset_backlog_bytes);
}

static int data_gmem_fd(struct kvm_vm *vm)
{
	return memslot2region(vm, DATA_SLOT)->region.guest_memfd;
}

/* Allocate the first @npages pages of guest_memfd @gmem. */
static void allocate(int gmem, int npages)
{
	TEST_ASSERT(!fallocate(gmem, FALLOC_FL_KEEP_SIZE, 0, (off_t)npages * PAGE_SIZE),
		    "fallocate() of the guest_memfd failed, errno %d", errno);
}

/* Allocate every page of the data guest_memfd, as a running guest would. */
static void populate(struct kvm_vm *vm, int npages)
{
	allocate(data_gmem_fd(vm), npages);
}

static u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

TEST(capability_is_a_subset_of_reset)
{
	u32 async = async_types(), reset = kvm_reset_vm_types();
	struct kvm_vm *vm;

	TEST_ASSERT(async && !(async & ~reset),
		    "KVM_CAP_VM_RESET_ASYNC %#x must be a non-empty subset of KVM_CAP_VM_RESET %#x",
		    async, reset);
	TEST_ASSERT(async & BIT(KVM_X86_DEFAULT_VM),
		    "KVM_X86_DEFAULT_VM must accept the flag (mask %#x)", async);
	TEST_ASSERT(!(async & BIT(KVM_X86_TDX_VM)),
		    "TDs must refuse the flag (mask %#x)", async);

	vm = vm_create_barebones();
	TEST_ASSERT_EQ(vm_check_cap(vm, KVM_CAP_VM_RESET_ASYNC), async);
	TEST_ASSERT_EQ(backlog(vm), 0);
	TEST_ASSERT_EQ(reclaim(vm, 0, NULL), 0);
	kvm_vm_free(vm);
}

/*
 * A VM without guest_memfd: shared memory stays, nothing is detached, and
 * repeated asynchronous resets work (each drains the roots the previous one
 * left invalidated).
 */
TEST(default_vm_shared_memory_kept)
{
	struct vcpu_boot_state boot;
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm;
	int i;

	vm = vm_create_with_data(VM_SHAPE_DEFAULT, &vcpu, guest_data_write_secret, 1, false);
	vcpu_save_boot_state(vcpu, &boot);
	for (i = 0; i < 3; i++) {
		vcpu_load_boot_state(vcpu, &boot, guest_data_write_secret);
		TEST_ASSERT_EQ(vcpu_run_to_sync(vcpu), DATA_SECRET ^ (DATA_WORDS - 1));
		vm_reset(vm, KVM_RESET_VM_F_ASYNC);
		TEST_ASSERT_EQ(backlog(vm), 0);
		TEST_ASSERT_EQ(*(u64 *)addr_gpa2hva(vm, DATA_GPA), DATA_SECRET);
	}
	vcpu_load_boot_state(vcpu, &boot, guest_data_or_page);
	TEST_ASSERT(vcpu_run_to_sync(vcpu) != 0, "shared memory must be kept");
	TEST_ASSERT_EQ(reclaim(vm, 0, NULL), 0);
	kvm_vm_free(vm);
}

/*
 * The new guest reads zeroes where the old one wrote its secret, both while
 * the old pages wait in the backlog and after they are freed.
 */
TEST(private_memory_reads_zero_before_and_after_reclaim)
{
	struct vcpu_boot_state boot;
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm;
	u64 remaining;

	REQUIRE_SW_PROTECTED_ASYNC();

	vm = vm_create_with_data(sw_protected_shape, &vcpu, guest_data_write_secret, 1, true);
	vcpu_save_boot_state(vcpu, &boot);
	TEST_ASSERT_EQ(vcpu_run_to_sync(vcpu), DATA_SECRET ^ (DATA_WORDS - 1));

	vm_reset(vm, KVM_RESET_VM_F_ASYNC);
	TEST_ASSERT_EQ(backlog(vm), PAGE_SIZE);

	vcpu_load_boot_state(vcpu, &boot, guest_data_or_page);
	TEST_ASSERT_EQ(vcpu_run_to_sync(vcpu), 0);

	/* The new guest's page is not the old one: only that one is freed. */
	TEST_ASSERT_EQ(reclaim(vm, 0, &remaining), PAGE_SIZE);
	TEST_ASSERT_EQ(remaining, 0);
	TEST_ASSERT_EQ(backlog(vm), 0);
	TEST_ASSERT_EQ(vm_get_stat(vm, vm_reset_reclaimed_bytes), PAGE_SIZE);

	vcpu_load_boot_state(vcpu, &boot, guest_data_or_page);
	TEST_ASSERT_EQ(vcpu_run_to_sync(vcpu), 0);

	/* Again, through the synchronous reset of what the new guest has. */
	vcpu_load_boot_state(vcpu, &boot, guest_data_write_secret);
	TEST_ASSERT_EQ(vcpu_run_to_sync(vcpu), DATA_SECRET ^ (DATA_WORDS - 1));
	vm_reset(vm, KVM_RESET_VM_F_ASYNC);
	vm_reset(vm, 0);
	TEST_ASSERT_EQ(backlog(vm), 0);
	vcpu_load_boot_state(vcpu, &boot, guest_data_or_page);
	TEST_ASSERT_EQ(vcpu_run_to_sync(vcpu), 0);
	kvm_vm_free(vm);
}

/* The stat is what was populated, falls per budget and reaches 0. */
TEST(stat_follows_the_budget)
{
	const int npages = 64;
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm;
	u64 remaining;

	REQUIRE_SW_PROTECTED_ASYNC();

	vm = vm_create_with_data(sw_protected_shape, &vcpu, guest_data_or_page, npages, true);
	populate(vm, npages);
	vm_reset(vm, KVM_RESET_VM_F_ASYNC);
	TEST_ASSERT_EQ(backlog(vm), npages * PAGE_SIZE);

	/* The file is a hole again: allocating it does not touch the backlog. */
	populate(vm, npages);
	TEST_ASSERT_EQ(backlog(vm), npages * PAGE_SIZE);

	TEST_ASSERT_EQ(reclaim(vm, 16 * PAGE_SIZE, &remaining), 16 * PAGE_SIZE);
	TEST_ASSERT_EQ(remaining, (npages - 16) * PAGE_SIZE);
	TEST_ASSERT_EQ(backlog(vm), remaining);
	/* A budget that is not a page multiple rounds up. */
	TEST_ASSERT_EQ(reclaim(vm, 1, &remaining), PAGE_SIZE);
	TEST_ASSERT_EQ(reclaim(vm, 0, &remaining), (npages - 17) * PAGE_SIZE);
	TEST_ASSERT_EQ(remaining, 0);
	TEST_ASSERT_EQ(backlog(vm), 0);
	TEST_ASSERT_EQ(reclaim(vm, 0, &remaining), 0);

	/* A synchronous reset frees the new pages at once. */
	vm_reset(vm, 0);
	TEST_ASSERT_EQ(backlog(vm), 0);
	TEST_ASSERT_EQ(vm_get_stat(vm, vm_reset_reclaimed_bytes), npages * PAGE_SIZE);
	kvm_vm_free(vm);
}

/* A second asynchronous reset first frees the first one's backlog. */
TEST(one_generation_at_most)
{
	const int npages = 32;
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm;

	REQUIRE_SW_PROTECTED_ASYNC();

	vm = vm_create_with_data(sw_protected_shape, &vcpu, guest_data_or_page, npages, true);
	populate(vm, npages);
	vm_reset(vm, KVM_RESET_VM_F_ASYNC);
	populate(vm, npages / 2);
	vm_reset(vm, KVM_RESET_VM_F_ASYNC);
	TEST_ASSERT_EQ(backlog(vm), npages / 2 * PAGE_SIZE);
	TEST_ASSERT_EQ(vm_get_stat(vm, vm_reset_reclaimed_bytes), npages * PAGE_SIZE);

	/* And the windows alternate: a third generation lands where the first was. */
	populate(vm, npages);
	vm_reset(vm, KVM_RESET_VM_F_ASYNC);
	TEST_ASSERT_EQ(backlog(vm), npages * PAGE_SIZE);
	TEST_ASSERT_EQ(reclaim(vm, 0, NULL), npages * PAGE_SIZE);
	kvm_vm_free(vm);
}

/*
 * A software-protected VM with a guest_memfd of @npages (in no memslot),
 * allocated, then detached by an asynchronous reset.
 */
static struct kvm_vm *vm_with_gmem_detached(int npages, int *gmem)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm;

	vm = vm_create_shape_with_one_vcpu(sw_protected_shape, &vcpu, guest_data_or_page);
	*gmem = vm_create_guest_memfd(vm, npages * PAGE_SIZE, 0);
	allocate(*gmem, npages);
	vm_reset(vm, KVM_RESET_VM_F_ASYNC);
	return vm;
}

/*
 * A guest_memfd whose memslot and file are gone still has its pages in the
 * backlog, and the reclaim frees them.
 */
TEST(reclaim_after_the_file_is_closed)
{
	const int npages = 8;
	struct kvm_vm *vm;
	int gmem;

	REQUIRE_SW_PROTECTED_ASYNC();

	vm = vm_with_gmem_detached(npages, &gmem);
	TEST_ASSERT_EQ(backlog(vm), npages * PAGE_SIZE);

	close(gmem);
	TEST_ASSERT_EQ(reclaim(vm, 0, NULL), npages * PAGE_SIZE);
	kvm_vm_free(vm);
}

/*
 * The page cache of a file holds two windows, at 0 and at its size rounded
 * up to 1 GiB.  After a second asynchronous reset the file's window is back
 * at 0 and the old guest's pages wait at 1 GiB: a hole punched at file
 * offset 1 GiB, beyond i_size, would reach them if it were not clamped to
 * the file.  The reclaim then finds every page it expects.
 */
TEST(punch_beyond_eof_never_reaches_the_old_window)
{
	const int npages = 8;
	struct kvm_vm *vm;
	int gmem;

	REQUIRE_SW_PROTECTED_ASYNC();

	vm = vm_with_gmem_detached(npages, &gmem);
	allocate(gmem, npages);
	vm_reset(vm, KVM_RESET_VM_F_ASYNC);
	TEST_ASSERT_EQ(backlog(vm), npages * PAGE_SIZE);

	TEST_ASSERT(!fallocate(gmem, FALLOC_FL_KEEP_SIZE | FALLOC_FL_PUNCH_HOLE,
			       1ull << 30, npages * PAGE_SIZE),
		    "punch beyond EOF, errno %d", errno);
	TEST_ASSERT_EQ(reclaim(vm, 0, NULL), npages * PAGE_SIZE);
	TEST_ASSERT_EQ(vm_get_stat(vm, vm_reset_reclaimed_bytes), 2 * npages * PAGE_SIZE);
	close(gmem);
	kvm_vm_free(vm);
}

/*
 * Bad flags or reserved words: EINVAL, and nothing changes, neither the
 * backlog nor the VM.
 */
TEST(bad_arguments_change_nothing)
{
	const int npages = 4;
	struct kvm_reset_vm_reclaim rargs;
	struct kvm_reset_vm args;
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm;
	int r;

	REQUIRE_SW_PROTECTED_ASYNC();

	vm = vm_create_with_data(sw_protected_shape, &vcpu, guest_data_or_page, npages, true);
	populate(vm, npages);
	vm_reset(vm, KVM_RESET_VM_F_ASYNC);
	TEST_ASSERT_EQ(vm_get_stat(vm, vm_resets), 1);

	args = (struct kvm_reset_vm){ .flags = KVM_RESET_VM_F_ASYNC | BIT_ULL(63) };
	r = __vm_reset(vm, &args);
	TEST_ASSERT(r == -1 && errno == EINVAL, "unknown flag: r %d errno %d", r, errno);
	TEST_ASSERT_EQ(args.state, KVM_RESET_VM_STATE_NONE);
	args = (struct kvm_reset_vm){ .flags = KVM_RESET_VM_F_ASYNC, .reserved[3] = 1 };
	r = __vm_reset(vm, &args);
	TEST_ASSERT(r == -1 && errno == EINVAL, "reserved: r %d errno %d", r, errno);
	TEST_ASSERT_EQ(args.state, KVM_RESET_VM_STATE_NONE);

	/* "remaining" is valid on every return: a loop on it cannot stop early. */
	rargs = (struct kvm_reset_vm_reclaim){ .flags = 1 };
	r = __reclaim(vm, &rargs);
	TEST_ASSERT(r == -1 && errno == EINVAL, "reclaim flags: r %d errno %d", r, errno);
	TEST_ASSERT(!rargs.reclaimed, "nothing may be reclaimed");
	TEST_ASSERT_EQ(rargs.remaining, npages * PAGE_SIZE);
	rargs = (struct kvm_reset_vm_reclaim){ .reserved[0] = 1 };
	r = __reclaim(vm, &rargs);
	TEST_ASSERT(r == -1 && errno == EINVAL, "reclaim reserved: r %d errno %d", r, errno);
	TEST_ASSERT(!rargs.reclaimed, "nothing may be reclaimed");
	TEST_ASSERT_EQ(rargs.remaining, npages * PAGE_SIZE);

	r = __vm_ioctl(vm, KVM_RESET_VM_RECLAIM, (struct kvm_reset_vm_reclaim *)8);
	TEST_ASSERT(r == -1 && errno == EFAULT, "unreadable argument: r %d errno %d",
		    r, errno);

	TEST_ASSERT_EQ(backlog(vm), npages * PAGE_SIZE);
	TEST_ASSERT_EQ(vm_get_stat(vm, vm_resets), 1);
	TEST_ASSERT_EQ(vm_get_stat(vm, vm_reset_reclaimed_bytes), 0);
	kvm_vm_free(vm);
}

/*
 * An argument that can be read but not written back: EFAULT, but what was
 * freed stays freed (api.rst), as after EINTR.
 */
TEST(reclaim_into_a_read_only_argument)
{
	const int npages = 4;
	struct kvm_reset_vm_reclaim *ro;
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm;
	int r;

	REQUIRE_SW_PROTECTED_ASYNC();

	vm = vm_create_with_data(sw_protected_shape, &vcpu, guest_data_or_page, npages, true);
	populate(vm, npages);
	vm_reset(vm, KVM_RESET_VM_F_ASYNC);

	ro = mmap(NULL, PAGE_SIZE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	TEST_ASSERT(ro != MAP_FAILED, "mmap");
	r = __vm_ioctl(vm, KVM_RESET_VM_RECLAIM, ro);
	TEST_ASSERT(r == -1 && errno == EFAULT, "read-only argument: r %d errno %d",
		    r, errno);
	TEST_ASSERT_EQ(backlog(vm), 0);
	TEST_ASSERT_EQ(vm_get_stat(vm, vm_reset_reclaimed_bytes), npages * PAGE_SIZE);
	munmap(ro, PAGE_SIZE);
	kvm_vm_free(vm);
}

/* Closing the VM with a backlog frees it (and leaks nothing: kmemleak). */
TEST(destroy_with_a_backlog)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm;

	REQUIRE_SW_PROTECTED_ASYNC();

	vm = vm_create_with_data(sw_protected_shape, &vcpu, guest_data_write_secret, 16, true);
	populate(vm, 16);
	TEST_ASSERT_EQ(vcpu_run_to_sync(vcpu), DATA_SECRET ^ (DATA_WORDS - 1));
	vm_reset(vm, KVM_RESET_VM_F_ASYNC);
	TEST_ASSERT_EQ(backlog(vm), 16 * PAGE_SIZE);
	kvm_vm_free(vm);
}

static void sigalrm_handler(int sig)
{
}

/*
 * A signal stops the reclaim with EINTR; what was freed stays freed,
 * "remaining" never grows, and calling again finishes the job.
 */
TEST(reclaim_interrupted_by_signals)
{
	const int npages = 4096;
	struct sigaction sa = { .sa_handler = sigalrm_handler };
	struct itimerval it = {
		.it_interval = { .tv_usec = 500 },
		.it_value = { .tv_usec = 500 },
	};
	struct kvm_reset_vm_reclaim args;
	u64 total = 0, last = (u64)npages * PAGE_SIZE;
	int eintr = 0, r;
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm;

	REQUIRE_SW_PROTECTED_ASYNC();

	vm = vm_create_with_data(sw_protected_shape, &vcpu, guest_data_or_page, npages, true);
	populate(vm, npages);
	vm_reset(vm, KVM_RESET_VM_F_ASYNC);

	TEST_ASSERT(!sigaction(SIGALRM, &sa, NULL), "sigaction");
	TEST_ASSERT(!setitimer(ITIMER_REAL, &it, NULL), "setitimer");
	do {
		args = (struct kvm_reset_vm_reclaim){};
		r = __reclaim(vm, &args);
		TEST_ASSERT(!r || errno == EINTR, "reclaim: r %d errno %d", r, errno);
		eintr += !!r;
		TEST_ASSERT(eintr < 100000, "no progress under signals");
		total += args.reclaimed;
		TEST_ASSERT(args.remaining <= last, "remaining grew: %llu > %lu",
			    args.remaining, last);
		last = args.remaining;
	} while (r);
	memset(&it, 0, sizeof(it));
	setitimer(ITIMER_REAL, &it, NULL);

	ksft_print_msg("%d MiB reclaimed in %d interrupted calls and one more\n",
		       npages / 256, eintr);
	TEST_ASSERT(eintr > 0, "no call was interrupted: the test proves nothing");
	TEST_ASSERT_EQ(total, (u64)npages * PAGE_SIZE);
	TEST_ASSERT_EQ(last, 0);
	TEST_ASSERT_EQ(backlog(vm), 0);
	kvm_vm_free(vm);
}

#define RACE_PAGES	256

/* Read the first word of every page (OR-ed), then write it. */
static void guest_touch_all(void)
{
	u64 acc = 0;
	int i;

	for (i = 0; i < RACE_PAGES; i++) {
		u64 *p = (u64 *)(DATA_GPA + i * PAGE_SIZE);

		acc |= READ_ONCE(*p);
		WRITE_ONCE(*p, DATA_SECRET);
	}
	GUEST_SYNC(acc);
}

struct reclaimer {
	struct kvm_vm *vm;
	bool stop;
	u64 calls;
	u64 stopped;
};

static void *reclaimer_fn(void *data)
{
	struct reclaimer *rc = data;

	while (!READ_ONCE(rc->stop)) {
		struct kvm_reset_vm_reclaim args = { .max_bytes = 8 * PAGE_SIZE };
		int r = __reclaim(rc->vm, &args);

		/* No signal comes here: only a reset stops the reclaim. */
		TEST_ASSERT(!r || errno == EAGAIN, "reclaim: r %d errno %d", r, errno);
		rc->calls++;
		rc->stopped += !!r;
	}
	return NULL;
}

/*
 * A reclaimer thread loops in small batches while the new guest faults its
 * memory in, userspace punches and allocates, and asynchronous and
 * synchronous resets (which drain the backlog under it) follow each other:
 * nothing hangs, the guest always starts from zeroes (lockdep and KASAN on
 * the debug host).
 */
TEST(reclaim_races_the_new_guest_and_resets)
{
	struct reclaimer rc = {};
	struct vcpu_boot_state boot;
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm;
	pthread_t thread;
	int i;

	REQUIRE_SW_PROTECTED_ASYNC();

	vm = vm_create_with_data(sw_protected_shape, &vcpu, guest_touch_all, RACE_PAGES, true);
	vcpu_save_boot_state(vcpu, &boot);
	rc.vm = vm;
	TEST_ASSERT(!pthread_create(&thread, NULL, reclaimer_fn, &rc), "pthread_create");

	for (i = 0; i < 12; i++) {
		vcpu_load_boot_state(vcpu, &boot, guest_touch_all);
		TEST_ASSERT_EQ(vcpu_run_to_sync(vcpu), 0);
		if (i % 3 == 1)
			TEST_ASSERT(!fallocate(data_gmem_fd(vm),
					       FALLOC_FL_KEEP_SIZE | FALLOC_FL_PUNCH_HOLE,
					       0, RACE_PAGES / 2 * PAGE_SIZE), "punch");
		if (i % 3 == 2)
			populate(vm, RACE_PAGES);
		vm_reset(vm, i % 4 == 3 ? 0 : KVM_RESET_VM_F_ASYNC);
	}

	WRITE_ONCE(rc.stop, true);
	pthread_join(thread, NULL);
	ksft_print_msg("%lu reclaim calls beside 12 resets, %lu stopped by a reset\n",
		       rc.calls, rc.stopped);
	reclaim(vm, 0, NULL);
	TEST_ASSERT_EQ(backlog(vm), 0);
	kvm_vm_free(vm);
}

/* cgroup v2 memory accounting, in a child cgroup of our own. */
struct memcg {
	char dir[128];
	bool ok;
};

static bool write_file(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY);
	bool ok;

	if (fd < 0)
		return false;
	ok = write(fd, s, strlen(s)) == (ssize_t)strlen(s);
	close(fd);
	return ok;
}

static long memcg_current(struct memcg *cg)
{
	char path[160], buf[32] = {};
	int fd;

	snprintf(path, sizeof(path), "%s/memory.current", cg->dir);
	fd = open(path, O_RDONLY);
	TEST_ASSERT(fd >= 0, "open %s", path);
	TEST_ASSERT(read(fd, buf, sizeof(buf) - 1) > 0, "read %s", path);
	close(fd);
	return atol(buf);
}

static void memcg_enter(struct memcg *cg)
{
	char path[160], pid[16];

	cg->ok = false;
	if (!write_file("/sys/fs/cgroup/cgroup.subtree_control", "+memory"))
		return;
	snprintf(cg->dir, sizeof(cg->dir), "/sys/fs/cgroup/kcr-async-%d", getpid());
	if (mkdir(cg->dir, 0755))
		return;
	snprintf(path, sizeof(path), "%s/cgroup.procs", cg->dir);
	snprintf(pid, sizeof(pid), "%d", getpid());
	cg->ok = write_file(path, pid);
}

static void memcg_leave(struct memcg *cg)
{
	char pid[16];

	snprintf(pid, sizeof(pid), "%d", getpid());
	write_file("/sys/fs/cgroup/cgroup.procs", pid);
	rmdir(cg->dir);
}

#define MEMCG_PAGES	4096	/* 16 MiB */
#define MEMCG_SLACK	(2l << 20)

/*
 * The detached pages stay charged until the reclaim frees them, the new
 * guest's come on top (at most two generations), and closing the VM with a
 * backlog uncharges everything.
 */
TEST(memcg_charge_follows_the_backlog)
{
	const long n = MEMCG_PAGES * PAGE_SIZE;
	long base, cur, before;
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm;
	struct memcg cg;

	REQUIRE_SW_PROTECTED_ASYNC();
	memcg_enter(&cg);
	KCR_REQUIRE(cg.ok);

	vm = vm_create_with_data(sw_protected_shape, &vcpu, guest_data_or_page, MEMCG_PAGES, true);
	base = memcg_current(&cg);
	populate(vm, MEMCG_PAGES);
	cur = memcg_current(&cg);
	TEST_ASSERT(cur >= base + n, "populated: %ld, base %ld", cur, base);

	vm_reset(vm, KVM_RESET_VM_F_ASYNC);
	cur = memcg_current(&cg);
	TEST_ASSERT(cur >= base + n, "detached pages must stay charged: %ld, base %ld",
		    cur, base);

	populate(vm, MEMCG_PAGES);
	before = memcg_current(&cg);
	TEST_ASSERT(before >= base + 2 * n && before <= base + 2 * n + MEMCG_SLACK,
		    "two generations: %ld, base %ld", before, base);

	/* A second asynchronous reset drains the first: still two at most. */
	vm_reset(vm, KVM_RESET_VM_F_ASYNC);
	populate(vm, MEMCG_PAGES);
	cur = memcg_current(&cg);
	TEST_ASSERT(cur <= base + 2 * n + MEMCG_SLACK,
		    "bound: %ld, base %ld", cur, base);

	TEST_ASSERT_EQ(reclaim(vm, 0, NULL), n);
	cur = memcg_current(&cg);
	/* Charges move in per-CPU batches: the slack goes both ways. */
	TEST_ASSERT(cur <= before - n + MEMCG_SLACK && cur >= base + n - MEMCG_SLACK,
		    "reclaim must uncharge one generation: %ld, before %ld, base %ld",
		    cur, before, base);

	/* Destroy with a backlog. */
	vm_reset(vm, KVM_RESET_VM_F_ASYNC);
	kvm_vm_free(vm);
	cur = memcg_current(&cg);
	TEST_ASSERT(cur <= base + MEMCG_SLACK,
		    "closing the VM must uncharge everything: %ld, base %ld", cur, base);
	memcg_leave(&cg);
}

#define TIMING_PAGES	16384	/* 64 MiB */

static void prefault(struct kvm_vcpu *vcpu, u64 gpa, u64 size)
{
	struct kvm_pre_fault_memory range = { .gpa = gpa, .size = size };
	int r;

	while (range.size) {
		r = __vcpu_ioctl(vcpu, KVM_PRE_FAULT_MEMORY, &range);
		TEST_ASSERT(!r || errno == EAGAIN || errno == EINTR,
			    "KVM_PRE_FAULT_MEMORY: errno %d", errno);
	}
}

/*
 * Not a benchmark (make bench is), but the numbers the test host gives:
 * the same population, once reset synchronously, once asynchronously.
 */
TEST(async_reset_does_not_scale_with_memory)
{
	u64 sync_ns, async_ns, reclaim_ns, t;
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm;
	bool pf;

	REQUIRE_SW_PROTECTED_ASYNC();

	vm = vm_create_with_data(sw_protected_shape, &vcpu, guest_data_or_page, TIMING_PAGES, true);
	pf = kvm_check_cap(KVM_CAP_PRE_FAULT_MEMORY);

	populate(vm, TIMING_PAGES);
	if (pf)
		prefault(vcpu, DATA_GPA, (u64)TIMING_PAGES * PAGE_SIZE);
	vm_reset(vm, 0);
	sync_ns = vm_get_stat(vm, vm_reset_last_ns);

	populate(vm, TIMING_PAGES);
	if (pf)
		prefault(vcpu, DATA_GPA, (u64)TIMING_PAGES * PAGE_SIZE);
	vm_reset(vm, KVM_RESET_VM_F_ASYNC);
	async_ns = vm_get_stat(vm, vm_reset_last_ns);
	TEST_ASSERT_EQ(backlog(vm), (u64)TIMING_PAGES * PAGE_SIZE);

	t = now_ns();
	TEST_ASSERT_EQ(reclaim(vm, 0, NULL), (u64)TIMING_PAGES * PAGE_SIZE);
	reclaim_ns = now_ns() - t;

	ksft_print_msg("%d MiB%s: sync reset %lu us, async reset %lu us, reclaim %lu us\n",
		       TIMING_PAGES / 256, pf ? " (prefaulted)" : "",
		       sync_ns / 1000, async_ns / 1000, reclaim_ns / 1000);
	TEST_ASSERT(async_ns < sync_ns,
		    "the asynchronous reset (%lu ns) must beat the synchronous one (%lu ns)",
		    async_ns, sync_ns);
	kvm_vm_free(vm);
}

/*
 * What userspace may do between an asynchronous reset and the reclaim, while
 * the invalidated roots still map the old guest's pages: each must leave the
 * new guest reading zeroes, and the reclaim must find every old page.
 */
enum between_op {
	OP_SLOT_READD,
	OP_ATTRIBUTES,
	OP_NX_HUGE_PAGES,
};

FIXTURE(between) {
	struct kvm_vm *vm;
	struct kvm_vcpu *vcpu;
	struct vcpu_boot_state boot;
};

FIXTURE_VARIANT(between) {
	enum between_op op;
	bool slot_zap_all;	/* KVM_X86_QUIRK_SLOT_ZAP_ALL left enabled */
};

FIXTURE_VARIANT_ADD(between, memslot_readded_zap_all) {
	.op = OP_SLOT_READD, .slot_zap_all = true,
};

FIXTURE_VARIANT_ADD(between, memslot_readded_zap_slot) {
	.op = OP_SLOT_READD, .slot_zap_all = false,
};

FIXTURE_VARIANT_ADD(between, attributes_shared_then_private) {
	.op = OP_ATTRIBUTES, .slot_zap_all = true,
};

FIXTURE_VARIANT_ADD(between, nx_huge_pages_flipped) {
	.op = OP_NX_HUGE_PAGES, .slot_zap_all = true,
};

FIXTURE_SETUP(between)
{
	REQUIRE_SW_PROTECTED_ASYNC();

	self->vm = vm_create_with_data(sw_protected_shape, &self->vcpu,
				       guest_touch_all, RACE_PAGES, true);
	vcpu_save_boot_state(self->vcpu, &self->boot);
}

FIXTURE_TEARDOWN(between)
{
	if (self->vm)
		kvm_vm_free(self->vm);
}

static void slot_readd(struct kvm_vm *vm)
{
	struct kvm_userspace_memory_region2 r2 = memslot2region(vm, DATA_SLOT)->region;
	struct kvm_userspace_memory_region2 del = { .slot = DATA_SLOT };

	vm_ioctl(vm, KVM_SET_USER_MEMORY_REGION2, &del);
	vm_ioctl(vm, KVM_SET_USER_MEMORY_REGION2, &r2);
}

#define NX_HUGE_PAGES	"/sys/module/kvm/parameters/nx_huge_pages"

/* Flip nx_huge_pages and back: each write zaps every VM's roots. */
static bool nx_huge_pages_flip(void)
{
	char old[16] = "";
	FILE *f = fopen(NX_HUGE_PAGES, "r");

	if (!f)
		return false;
	if (!fgets(old, sizeof(old), f))
		old[0] = 0;
	fclose(f);
	old[strcspn(old, "\n")] = 0;
	if (strcmp(old, "Y") && strcmp(old, "N"))
		return false;
	return write_file(NX_HUGE_PAGES, old[0] == 'Y' ? "N" : "Y") &&
	       write_file(NX_HUGE_PAGES, old);
}

TEST_F(between, reset_then_op_then_reclaim)
{
	struct kvm_vm *vm = self->vm;
	struct kvm_vcpu *vcpu = self->vcpu;

	if (!variant->slot_zap_all) {
		KCR_REQUIRE(kvm_check_cap(KVM_CAP_DISABLE_QUIRKS2) &
			    KVM_X86_QUIRK_SLOT_ZAP_ALL);
		vm_enable_cap(vm, KVM_CAP_DISABLE_QUIRKS2, KVM_X86_QUIRK_SLOT_ZAP_ALL);
	}

	/* The old guest maps and dirties every page. */
	TEST_ASSERT_EQ(vcpu_run_to_sync(vcpu), 0);
	vm_reset(vm, KVM_RESET_VM_F_ASYNC);
	TEST_ASSERT_EQ(backlog(vm), RACE_PAGES * PAGE_SIZE);

	switch (variant->op) {
	case OP_SLOT_READD:
		slot_readd(vm);
		break;
	case OP_ATTRIBUTES:
		vm_mem_set_shared(vm, DATA_GPA, RACE_PAGES * PAGE_SIZE);
		vm_mem_set_private(vm, DATA_GPA, RACE_PAGES * PAGE_SIZE);
		break;
	case OP_NX_HUGE_PAGES:
		if (!nx_huge_pages_flip())
			SKIP(return, NX_HUGE_PAGES " is not Y or N, or not writable");
		break;
	}

	vcpu_load_boot_state(vcpu, &self->boot, guest_touch_all);
	TEST_ASSERT_EQ(vcpu_run_to_sync(vcpu), 0);
	TEST_ASSERT_EQ(backlog(vm), RACE_PAGES * PAGE_SIZE);
	TEST_ASSERT_EQ(reclaim(vm, 0, NULL), RACE_PAGES * PAGE_SIZE);

	/* The new guest's pages are its own: it reads what it wrote. */
	vcpu_load_boot_state(vcpu, &self->boot, guest_touch_all);
	TEST_ASSERT_EQ(vcpu_run_to_sync(vcpu), DATA_SECRET);
}

TEST_HARNESS_MAIN
