// SPDX-License-Identifier: GPL-2.0-only
/*
 * KVM_RESET_VM racing with what other threads of the VMM may do to the same
 * VM: each case runs a worker thread in a loop for a bounded time while the
 * main thread resets a software-protected VM with private memory, and
 * checks every reset for its documented result: success, or EBUSY where a
 * vCPU is in use or being created.  A hang is caught by the harness's
 * timeout; the debug test host adds lockdep, KASAN and kmemleak.
 */
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>
#include <linux/falloc.h>

#include "kvm_util.h"
#include "processor.h"
#include "ucall_common.h"
#include "vm_reset.h"
#include "kselftest_harness.h"

#define DATA_PAGES	16
#define RACE_SECONDS	3
#define SPARE_SLOT	(DATA_SLOT + 1)
#define SPARE_GPA	(DATA_GPA + 0x10000000ul)
#define SPARE_PAGES	16

struct race {
	struct kvm_vm *vm;
	struct kvm_vcpu *vcpu;
	struct vcpu_boot_state boot;
	volatile bool stop;
	unsigned long worker_ops;
};

/* First what the private page holds (0 after a reset), then a count. */
static void guest_loop(void)
{
	GUEST_SYNC(READ_ONCE(*(u64 *)DATA_GPA));
	for (u64 i = 1;; i++) {
		WRITE_ONCE(*(u64 *)DATA_GPA, i);
		GUEST_SYNC(i);
	}
}

static u64 now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

static void on_kick(int sig)
{
}

/*
 * A vCPU thread: run, and start the guest again when a reset took it (from
 * the boot state saved before the race began, not from a state a reset may
 * already have replaced).
 */
static void *run_worker(void *arg)
{
	struct race *r = arg;
	u64 resets = 0;

	while (!r->stop) {
		if (vm_get_stat(r->vm, vm_resets) != resets) {
			resets = vm_get_stat(r->vm, vm_resets);
			vcpu_load_boot_state(r->vcpu, &r->boot, guest_loop);
		}
		/* EINTR when the main thread kicks a vCPU it cannot wait for. */
		if (__vcpu_run(r->vcpu) && errno != EINTR)
			TEST_FAIL("KVM_RUN: errno %d", errno);
		r->worker_ops++;
	}
	return NULL;
}

static void *memslot_worker(void *arg)
{
	struct race *r = arg;
	void *mem = mmap(NULL, SPARE_PAGES * PAGE_SIZE, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	TEST_ASSERT(mem != MAP_FAILED, "mmap");
	while (!r->stop) {
		vm_set_user_memory_region(r->vm, SPARE_SLOT, 0, SPARE_GPA,
					  SPARE_PAGES * PAGE_SIZE, mem);
		vm_set_user_memory_region(r->vm, SPARE_SLOT, 0, SPARE_GPA + SPARE_PAGES * PAGE_SIZE,
					  SPARE_PAGES * PAGE_SIZE, mem);
		vm_set_user_memory_region(r->vm, SPARE_SLOT, 0, SPARE_GPA, 0, mem);
		r->worker_ops++;
	}
	munmap(mem, SPARE_PAGES * PAGE_SIZE);
	return NULL;
}

static void *gmem_worker(void *arg)
{
	struct race *r = arg;
	struct userspace_mem_region *region = memslot2region(r->vm, DATA_SLOT);
	int fd = region->region.guest_memfd;
	off_t off = region->region.guest_memfd_offset;
	size_t len = DATA_PAGES * PAGE_SIZE;

	while (!r->stop) {
		TEST_ASSERT(!fallocate(fd, FALLOC_FL_KEEP_SIZE, off, len), "fallocate");
		TEST_ASSERT(!fallocate(fd, FALLOC_FL_KEEP_SIZE | FALLOC_FL_PUNCH_HOLE, off, len),
			    "PUNCH_HOLE");
		r->worker_ops++;
	}
	return NULL;
}

static void *attributes_worker(void *arg)
{
	struct race *r = arg;

	while (!r->stop) {
		vm_mem_set_shared(r->vm, DATA_GPA, DATA_PAGES * PAGE_SIZE);
		vm_mem_set_private(r->vm, DATA_GPA, DATA_PAGES * PAGE_SIZE);
		r->worker_ops++;
	}
	return NULL;
}

/* guest_memfd files bound and unbound, their last reference dropped. */
static void *gmem_close_worker(void *arg)
{
	struct race *r = arg;
	size_t len = SPARE_PAGES * PAGE_SIZE;
	int fd;

	while (!r->stop) {
		fd = vm_create_guest_memfd(r->vm, len, 0);
		TEST_ASSERT(!fallocate(fd, FALLOC_FL_KEEP_SIZE, 0, len), "fallocate");
		vm_set_user_memory_region2(r->vm, SPARE_SLOT, KVM_MEM_GUEST_MEMFD, SPARE_GPA,
					   len, NULL, fd, 0);
		vm_set_user_memory_region2(r->vm, SPARE_SLOT, KVM_MEM_GUEST_MEMFD, SPARE_GPA,
					   0, NULL, fd, 0);
		close(fd);
		r->worker_ops++;
	}
	return NULL;
}

static void *vcpu_fd_worker(void *arg)
{
	struct race *r = arg;

	while (!r->stop) {
		close(dup(r->vcpu->fd));
		r->worker_ops++;
	}
	return NULL;
}

static void *create_vcpu_worker(void *arg)
{
	struct race *r = arg;

	for (int id = 1; id < 8 && !r->stop; id++) {
		vm_vcpu_add(r->vm, id, guest_loop);
		r->worker_ops++;
	}
	return NULL;
}

static void *dirty_log_worker(void *arg)
{
	struct race *r = arg;
	unsigned long bitmap[DIV_ROUND_UP(SPARE_PAGES, BITS_PER_LONG)];

	while (!r->stop) {
		kvm_vm_get_dirty_log(r->vm, SPARE_SLOT, bitmap);
		r->worker_ops++;
	}
	return NULL;
}

static struct kvm_vm *race_vm(struct kvm_vcpu **vcpu)
{
	return vm_create_with_data(sw_protected_shape, vcpu, guest_loop, DATA_PAGES, true);
}

/*
 * Reset @r->vm for RACE_SECONDS while @worker runs; every reset must return
 * 0, or fail with EBUSY if @busy_ok, leaving state NONE.  Returns the
 * number of successful resets.
 */
static int race(struct race *r, void *(*worker)(void *), bool busy_ok, bool kick)
{
	struct kvm_reset_vm args;
	pthread_t thread;
	int done = 0, busy = 0;
	u64 end = now_s() + RACE_SECONDS;

	r->stop = false;
	r->worker_ops = 0;
	pthread_create(&thread, NULL, worker, r);
	while (now_s() < end) {
		memset(&args, 0, sizeof(args));
		if (!__vm_reset(r->vm, &args)) {
			TEST_ASSERT_EQ(args.state, KVM_RESET_VM_STATE_DONE);
			done++;
			continue;
		}
		TEST_ASSERT(busy_ok && errno == EBUSY, "KVM_RESET_VM: errno %d", errno);
		TEST_ASSERT_EQ(args.state, KVM_RESET_VM_STATE_NONE);
		busy++;
		/* Out of KVM_RUN, or out of a guest that a reset sent astray. */
		if (kick)
			pthread_kill(thread, SIGUSR1);
	}
	r->stop = true;
	if (kick)
		pthread_kill(thread, SIGUSR1);
	pthread_join(thread, NULL);
	ksft_print_msg("%d resets, %d EBUSY, %lu operations of the other thread in %d s\n",
		       done, busy, r->worker_ops, RACE_SECONDS);
	return done;
}

/* After the race: the VM still boots, from zeroed private memory. */
static void check_boots(struct race *r)
{
	vm_reset(r->vm, 0);
	vcpu_load_boot_state(r->vcpu, &r->boot, guest_loop);
	TEST_ASSERT_EQ(vcpu_run_to_sync(r->vcpu), 0);
}

FIXTURE(race) {
	struct race r;
};

FIXTURE_SETUP(race)
{
	KCR_REQUIRE(kvm_reset_vm_types() & BIT(KVM_X86_SW_PROTECTED_VM));
	self->r.vm = race_vm(&self->r.vcpu);
	vcpu_save_boot_state(self->r.vcpu, &self->r.boot);
}

FIXTURE_TEARDOWN(race)
{
	if (self->r.vm)
		kvm_vm_free(self->r.vm);
}

TEST_F_TIMEOUT(race, kvm_run_on_a_vcpu, 120)
{
	struct sigaction sa = { .sa_handler = on_kick };
	struct race r = self->r;

	/* The main thread resets; a second vCPU runs in its own thread. */
	r.vcpu = vm_vcpu_add(self->r.vm, 1, guest_loop);
	vcpu_save_boot_state(r.vcpu, &r.boot);
	sigaction(SIGUSR1, &sa, NULL);
	TEST_ASSERT(race(&r, run_worker, true, true) > 0,
		    "no reset got in between the vCPU's runs");
	check_boots(&self->r);
}

TEST_F_TIMEOUT(race, memslot_add_move_delete, 120)
{
	race(&self->r, memslot_worker, false, false);
	check_boots(&self->r);
}

TEST_F_TIMEOUT(race, gmem_fallocate_and_punch_hole, 120)
{
	race(&self->r, gmem_worker, false, false);
	check_boots(&self->r);
}

TEST_F_TIMEOUT(race, memory_attributes_both_ways, 120)
{
	race(&self->r, attributes_worker, false, false);
	vm_mem_set_private(self->r.vm, DATA_GPA, DATA_PAGES * PAGE_SIZE);
	check_boots(&self->r);
}

TEST_F_TIMEOUT(race, gmem_file_closed, 120)
{
	race(&self->r, gmem_close_worker, false, false);
	check_boots(&self->r);
}

TEST_F_TIMEOUT(race, vcpu_fd_closed, 120)
{
	race(&self->r, vcpu_fd_worker, false, false);
	check_boots(&self->r);
}

TEST_F_TIMEOUT(race, vcpu_created, 120)
{
	race(&self->r, create_vcpu_worker, true, false);
	check_boots(&self->r);
}

TEST_F_TIMEOUT(race, dirty_logging_on, 120)
{
	void *mem = mmap(NULL, SPARE_PAGES * PAGE_SIZE, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	TEST_ASSERT(mem != MAP_FAILED, "mmap");
	vm_set_user_memory_region(self->r.vm, SPARE_SLOT, KVM_MEM_LOG_DIRTY_PAGES, SPARE_GPA,
				  SPARE_PAGES * PAGE_SIZE, mem);
	race(&self->r, dirty_log_worker, false, false);
	check_boots(&self->r);
	vm_set_user_memory_region(self->r.vm, SPARE_SLOT, 0, SPARE_GPA, 0, mem);
	munmap(mem, SPARE_PAGES * PAGE_SIZE);
}

/* The VM fd's last close while another thread resets through a dup. */
struct last_close {
	int fd;
	volatile bool closed;
	int resets, ebadf;
};

static void *reset_dup_worker(void *arg)
{
	struct last_close *l = arg;
	struct kvm_reset_vm args;

	for (;;) {
		memset(&args, 0, sizeof(args));
		if (!ioctl(l->fd, KVM_RESET_VM, &args)) {
			l->resets++;
		} else if (errno == EBADF) {
			l->ebadf++;
			break;
		} else {
			TEST_ASSERT(errno == EBUSY, "KVM_RESET_VM: errno %d", errno);
		}
	}
	return NULL;
}

TEST_F_TIMEOUT(race, vm_fd_last_close, 120)
{
	struct last_close l = { .fd = dup(self->r.vm->fd) };
	pthread_t thread;

	TEST_ASSERT(l.fd >= 0, "dup");
	pthread_create(&thread, NULL, reset_dup_worker, &l);
	usleep(200 * 1000);
	kvm_vm_free(self->r.vm);
	self->r.vm = NULL;
	usleep(200 * 1000);
	close(l.fd);
	pthread_join(thread, NULL);
	ksft_print_msg("%d resets through the last fd before it closed\n", l.resets);
	TEST_ASSERT(l.resets > 0 && l.ebadf == 1, "resets %d, EBADF %d", l.resets, l.ebadf);
}

TEST_HARNESS_MAIN
