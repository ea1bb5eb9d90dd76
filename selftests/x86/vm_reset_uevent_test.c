// SPDX-License-Identifier: GPL-2.0-only
/*
 * KVM_RESET_VM announces itself like VM creation and destruction do: a
 * uevent from the kvm misc device with EVENT=reset and the documented keys.
 */
#include <linux/netlink.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "kvm_util.h"
#include "processor.h"
#include "vm_reset.h"
#include "kselftest_harness.h"

struct kvm_uevent {
	char event[16];
	char stats_path[256];
	long pid;
	long vm_type;
	unsigned long long duration_ns;
};

static int open_uevent_socket(void)
{
	struct sockaddr_nl addr = { .nl_family = AF_NETLINK, .nl_groups = 1 };
	struct timeval tv = { .tv_sec = 10 };
	int fd;

	fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_KOBJECT_UEVENT);
	TEST_ASSERT(fd >= 0, "socket(NETLINK_KOBJECT_UEVENT)");
	TEST_ASSERT(!bind(fd, (struct sockaddr *)&addr, sizeof(addr)), "bind");
	TEST_ASSERT(!setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)),
		    "SO_RCVTIMEO");
	return fd;
}

/* Wait for the next KVM uevent of this process with EVENT=@event. */
static void wait_for_event(int fd, const char *event, struct kvm_uevent *ev)
{
	char buf[4096];

	for (;;) {
		ssize_t len = recv(fd, buf, sizeof(buf) - 1, 0);
		char *p;

		TEST_ASSERT(len > 0, "no EVENT=%s uevent within 10 s", event);
		buf[len] = '\0';
		memset(ev, 0, sizeof(*ev));
		ev->pid = ev->vm_type = -1;
		for (p = buf; p < buf + len; p += strlen(p) + 1) {
			sscanf(p, "EVENT=%15s", ev->event);
			sscanf(p, "PID=%ld", &ev->pid);
			sscanf(p, "VM_TYPE=%ld", &ev->vm_type);
			sscanf(p, "DURATION_NS=%llu", &ev->duration_ns);
			sscanf(p, "STATS_PATH=%255s", ev->stats_path);
		}
		if (!strcmp(ev->event, event) && ev->pid == getpid())
			return;
	}
}

TEST(reset_uevent_has_documented_keys)
{
	char path[300];
	struct kvm_uevent ev;
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm;
	struct stat st;
	int fd;

	KCR_REQUIRE(kvm_reset_vm_types() & BIT(KVM_X86_SW_PROTECTED_VM));
	fd = open_uevent_socket();

	vm = vm_create_shape_with_one_vcpu(sw_protected_shape, &vcpu, NULL);
	wait_for_event(fd, "create", &ev);
	vm_reset(vm, 0);
	wait_for_event(fd, "reset", &ev);

	TEST_ASSERT_EQ(ev.vm_type, KVM_X86_SW_PROTECTED_VM);
	TEST_ASSERT(ev.duration_ns && ev.duration_ns == vm_get_stat(vm, vm_reset_last_ns),
		    "DURATION_NS %llu must equal the vm_reset_last_ns stat %lu",
		    ev.duration_ns, vm_get_stat(vm, vm_reset_last_ns));
	snprintf(path, sizeof(path), "/sys/kernel/debug%s", ev.stats_path);
	TEST_ASSERT(ev.stats_path[0] == '/' && !stat(path, &st) && S_ISDIR(st.st_mode),
		    "STATS_PATH '%s' must name the VM's debugfs directory", ev.stats_path);

	kvm_vm_free(vm);
	wait_for_event(fd, "destroy", &ev);
	close(fd);
}

TEST_HARNESS_MAIN
