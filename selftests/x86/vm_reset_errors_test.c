// SPDX-License-Identifier: GPL-2.0-only
/*
 * KVM_RESET_VM: every error the uAPI documents leaves the VM untouched, and
 * the reset excludes the VM's other ioctls without deadlocking.
 */
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>

#include "kvm_util.h"
#include "processor.h"
#include "ucall_common.h"
#include "vm_reset.h"
#include "kselftest_harness.h"

/* An ioctl number next to KVM_RESET_VM that no KVM version assigns. */
#define KVM_UNKNOWN_IOCTL	_IOWR(KVMIO, 0xd7, struct kvm_reset_vm)

/* Count in shared memory forever: progress proves the VM kept running. */
static void guest_count(void)
{
	u64 *counter = (u64 *)DATA_GPA;

	GUEST_SYNC(0);
	for (;;)
		WRITE_ONCE(*counter, READ_ONCE(*counter) + 1);
}

static void guest_sync_forever(void)
{
	for (u64 i = 1;; i++)
		GUEST_SYNC(i);
}

static struct kvm_vm *create_vm(struct kvm_vcpu **vcpu, void *guest_code)
{
	return vm_create_with_data(VM_SHAPE_DEFAULT, vcpu, guest_code, 1, false);
}

/* Fail with @err, then show that nothing changed and that the VM runs on. */
static void expect_error_vm_untouched(struct kvm_vm *vm, struct kvm_vcpu *vcpu,
				      struct kvm_reset_vm *args, int err)
{
	struct kvm_regs before, after;
	u64 sync;
	int r;

	sync = vcpu_run_to_sync(vcpu);
	vcpu_regs_get(vcpu, &before);

	/* Outputs left from elsewhere must not survive as a result. */
	if (err != EFAULT) {
		args->state = KVM_RESET_VM_STATE_DONE;
		args->hw_error = 0xdead;
	}
	r = __vm_reset(vm, args);
	TEST_ASSERT(r == -1 && errno == err,
		    "KVM_RESET_VM: expected errno %d (%s), got r=%d errno=%d (%s)",
		    err, strerror(err), r, errno, strerror(errno));
	if (err != EFAULT)
		TEST_ASSERT(args->state == KVM_RESET_VM_STATE_NONE && !args->hw_error,
			    "a refused KVM_RESET_VM must report state NONE and no hw_error, got state %llu hw_error 0x%llx",
			    args->state, args->hw_error);

	vcpu_regs_get(vcpu, &after);
	TEST_ASSERT(!memcmp(&before, &after, sizeof(before)),
		    "a failed KVM_RESET_VM must not change vCPU state");
	TEST_ASSERT_EQ(vm_get_stat(vm, vm_resets), 0);
	TEST_ASSERT_EQ(vcpu_run_to_sync(vcpu), sync + 1);
}

TEST(unknown_flags_einval)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm = create_vm(&vcpu, guest_sync_forever);

	/* Bit 0 is KVM_RESET_VM_F_CLEAR_MEM_ATTRIBUTES, bit 1 KVM_RESET_VM_F_ASYNC. */
	for (int bit = 2; bit < 64; bit++) {
		struct kvm_reset_vm args = { .flags = BIT_ULL(bit) };

		expect_error_vm_untouched(vm, vcpu, &args, EINVAL);
	}
	kvm_vm_free(vm);
}

TEST(reserved_words_einval)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm = create_vm(&vcpu, guest_sync_forever);

	for (int i = 0; i < ARRAY_SIZE(((struct kvm_reset_vm *)0)->reserved); i++) {
		struct kvm_reset_vm args = {};

		args.reserved[i] = 1;
		expect_error_vm_untouched(vm, vcpu, &args, EINVAL);
	}
	kvm_vm_free(vm);
}

/* Neither DEFAULT nor SW_PROTECTED VMs define a use for data. */
TEST(data_einval)
{
	struct kvm_reset_vm args = { .data = 1 };
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm = create_vm(&vcpu, guest_sync_forever);

	expect_error_vm_untouched(vm, vcpu, &args, EINVAL);
	kvm_vm_free(vm);
}

TEST(unreadable_or_unwritable_argument_efault)
{
	struct kvm_reset_vm *ro;
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm = create_vm(&vcpu, guest_sync_forever);

	expect_error_vm_untouched(vm, vcpu, NULL, EFAULT);

	ro = mmap(NULL, getpagesize(), PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	TEST_ASSERT(ro != MAP_FAILED, "mmap");
	expect_error_vm_untouched(vm, vcpu, ro, EFAULT);
	munmap(ro, getpagesize());
	kvm_vm_free(vm);
}

/* A VM type that cannot be reset: none exists without SEV or TDX. */
TEST(unsupported_type_eopnotsupp)
{
	u32 others = kvm_check_cap(KVM_CAP_VM_TYPES) & ~kvm_reset_vm_types();
	struct kvm_reset_vm args = {};
	int type, fd, r;

	if (!others)
		SKIP(return, "every VM type this host offers can be reset");

	type = __builtin_ctz(others);
	fd = __kvm_ioctl(open_kvm_dev_path_or_exit(), KVM_CREATE_VM, (void *)(long)type);
	TEST_ASSERT(fd >= 0, "KVM_CREATE_VM type %d", type);
	TEST_ASSERT_EQ(ioctl(fd, KVM_CHECK_EXTENSION, KVM_CAP_VM_RESET), 0);
	r = ioctl(fd, KVM_RESET_VM, &args);
	TEST_ASSERT(r == -1 && errno == EOPNOTSUPP,
		    "type %d: expected EOPNOTSUPP, got r=%d errno=%d", type, r, errno);
	close(fd);
}

/* Not a vCPU or system ioctl: the answer of an unknown ioctl there. */
TEST(wrong_fd_like_unknown_ioctl)
{
	struct kvm_reset_vm args = {};
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm = create_vm(&vcpu, guest_sync_forever);
	int fds[] = { vcpu->fd, vm->kvm_fd };
	int r, want;

	for (int i = 0; i < ARRAY_SIZE(fds); i++) {
		TEST_ASSERT_EQ(ioctl(fds[i], KVM_UNKNOWN_IOCTL, &args), -1);
		want = errno;
		r = ioctl(fds[i], KVM_RESET_VM, &args);
		TEST_ASSERT(r == -1 && errno == want,
			    "fd %d: expected errno %d like an unknown ioctl, got r=%d errno=%d",
			    fds[i], want, r, errno);
	}
	TEST_ASSERT_EQ(vcpu_run_to_sync(vcpu), 1);
	TEST_ASSERT_EQ(vm_get_stat(vm, vm_resets), 0);
	kvm_vm_free(vm);
}

static void kick_handler(int sig)
{
}

static void *run_until_kicked(void *arg)
{
	struct kvm_vcpu *vcpu = arg;
	long r = __vcpu_run(vcpu);

	return (void *)(r == -1 ? (long)errno : 0);
}

/*
 * A vCPU inside KVM_RUN makes the reset fail with EBUSY at once, and the
 * guest keeps running; once the vCPU is out of KVM_RUN the reset works.
 */
TEST(vcpu_in_kvm_run_ebusy)
{
	struct sigaction sa = { .sa_handler = kick_handler };
	struct kvm_reset_vm args = {};
	volatile u64 *counter;
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm;
	pthread_t thread;
	void *thread_ret;
	u64 seen;
	int r;

	vm = create_vm(&vcpu, guest_count);
	counter = addr_gpa2hva(vm, DATA_GPA);
	TEST_ASSERT_EQ(vcpu_run_to_sync(vcpu), 0);
	TEST_ASSERT_EQ(sigaction(SIGUSR1, &sa, NULL), 0);

	pthread_create(&thread, NULL, run_until_kicked, vcpu);
	while (!*counter)
		usleep(1000);

	r = __vm_reset(vm, &args);
	TEST_ASSERT(r == -1 && errno == EBUSY,
		    "reset during KVM_RUN: expected EBUSY, got r=%d errno=%d", r, errno);
	seen = *counter;
	while (*counter == seen)
		usleep(1000);

	/* Kick the vCPU out of KVM_RUN, as a VMM pauses its vCPUs. */
	pthread_kill(thread, SIGUSR1);
	pthread_join(thread, &thread_ret);
	TEST_ASSERT_EQ((long)thread_ret, EINTR);
	TEST_ASSERT_EQ(vm_get_stat(vm, vm_resets), 0);

	vm_reset(vm, 0);
	TEST_ASSERT_EQ(vm_get_stat(vm, vm_resets), 1);
	kvm_vm_free(vm);
}

struct creator {
	struct kvm_vm *vm;
	int nr_vcpus;
};

static void *create_vcpus(void *arg)
{
	struct creator *c = arg;

	for (int i = 1; i < c->nr_vcpus; i++)
		__vm_vcpu_add(c->vm, i);
	return NULL;
}

/*
 * Resets racing with KVM_CREATE_VCPU on another thread either succeed or
 * fail with EBUSY; none hangs, and afterwards the VM has every vCPU and
 * resets normally.
 */
TEST(vcpu_creation_race_ebusy_or_success)
{
	struct kvm_reset_vm args = {};
	struct kvm_vcpu *vcpu;
	struct creator c;
	pthread_t thread;
	int ok = 0, busy = 0, r;

	c.vm = vm_create_with_one_vcpu(&vcpu, guest_sync_forever);
	c.nr_vcpus = kvm_check_cap(KVM_CAP_MAX_VCPUS) < 64 ?
		     kvm_check_cap(KVM_CAP_MAX_VCPUS) : 64;
	pthread_create(&thread, NULL, create_vcpus, &c);
	do {
		r = __vm_reset(c.vm, &args);
		TEST_ASSERT(!r || errno == EBUSY,
			    "reset racing vCPU creation: expected 0 or EBUSY, got errno %d",
			    errno);
		r ? busy++ : ok++;
	} while (pthread_tryjoin_np(thread, NULL));

	ksft_print_msg("%d resets succeeded, %d got EBUSY\n", ok, busy);
	TEST_ASSERT_EQ(vm_check_cap(c.vm, KVM_CAP_VM_RESET), kvm_reset_vm_types());
	vm_reset(c.vm, 0);
	TEST_ASSERT_EQ(vm_get_stat(c.vm, vm_resets), ok + 1);
	kvm_vm_free(c.vm);
}

TEST_HARNESS_MAIN
