// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Patched QEMU reboots a Linux guest in place.  The guest is the test
 * host's own kernel with a one-program initramfs (firmware/linux-init.c)
 * that counts its boots in CMOS and reboots itself until the third boot,
 * through whichever reset method the kernel picks on that machine.  QEMU
 * starts it with SeaBIOS and -kernel, as a VMM boots a direct-kernel guest.
 *
 * Checked, per variant: three boots with the right counts; two RESET
 * events, both in place; the VM and vCPU files of the QEMU process the same
 * ones at the end; two reset uevents and the VM's vm_resets statistic.  The time from the
 * guest's "reboot" line to its next "boot" line (firmware and kernel boot
 * included) is printed for each reboot.
 *
 * Environment: KCR_QEMU (the binary), KCR_QEMU_DATADIR (QEMU's -L, where
 * the kernel and the initramfs are too), with defaults for the test host.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kvmcocoreset.h"
#include "kselftest_harness.h"
#include "runner.h"

#define BOOTS		3	/* as firmware/linux-init.c is built */
#define TIMEOUT_S	900	/* one boot, on the emulated test host */

FIXTURE(guest) {
	struct qemu q;
	struct kcr_monitor *mon;
};

FIXTURE_VARIANT(guest) {
	const char *machine;
	const char *smp;
	bool sw_protected;
};

/* An ordinary VM reset in place on request, one vCPU. */
FIXTURE_VARIANT_ADD(guest, default_vm_1cpu) {
	.machine = "q35,x-inplace-reset=on",
	.smp = "1",
};

/* The same with two vCPUs: the AP must come back through INIT-SIPI. */
FIXTURE_VARIANT_ADD(guest, default_vm_2cpu) {
	.machine = "q35,x-inplace-reset=on",
	.smp = "2",
};

/* A VM with guest_memfd private memory, reset in place by default. */
FIXTURE_VARIANT_ADD(guest, sw_protected_2cpu) {
	.machine = "pc,confidential-guest-support=swp",
	.smp = "2",
	.sw_protected = true,
};

FIXTURE_SETUP(guest)
{
	const char *binary = getenv("KCR_QEMU") ?: "qemu/qemu-system-x86_64";
	const char *datadir = getenv("KCR_QEMU_DATADIR") ?: "qemu";
	char kernel[256], initrd[256];
	const char *args[] = {
		"-L", datadir,
		"-m", "256M",
		"-smp", variant->smp,
		"-machine", variant->machine,
		"-kernel", kernel,
		"-initrd", initrd,
		"-append", "console=ttyS0 quiet panic=-1 rdinit=/init",
		/* The list ends here unless the VM is software-protected. */
		variant->sw_protected ? "-object" : NULL,
		"x-sw-protected-guest,id=swp,private-base=0x80000,private-size=0x10000",
		NULL,
	};
	int r;

	self->q.pid = 0;
	self->mon = NULL;
	if (access(binary, X_OK))
		SKIP(return, "no patched QEMU at %s (KCR_QEMU)", binary);
	snprintf(kernel, sizeof(kernel), "%s/vmlinuz", datadir);
	snprintf(initrd, sizeof(initrd), "%s/linux-init.cpio.gz", datadir);
	if (access(kernel, R_OK) || access(initrd, R_OK))
		SKIP(return, "no guest kernel or initramfs in %s", datadir);
	r = kcr_monitor_open(&self->mon);
	ASSERT_EQ(0, r) TH_LOG("uevent monitor: %s", kcr_strerror(r));
	r = qemu_start(&self->q, binary, NULL, args);
	ASSERT_EQ(0, r) TH_LOG("starting QEMU: %s", strerror(-r));
}

FIXTURE_TEARDOWN(guest)
{
	if (self->q.log && _metadata->exit_code != KSFT_PASS)
		fprintf(stderr, "# guest console:\n%s", self->q.log);
	qemu_cleanup(&self->q);
	kcr_monitor_close(self->mon);
}

/* Each boot, with the reboot before it or the halt after it, within TIMEOUT_S. */
TEST_F_TIMEOUT(guest, reboots, BOOTS * TIMEOUT_S + 60)
{
	struct qemu_uevents uev = { .pid = self->q.pid };
	int vm_fd, vcpu_fd, vm_copy, vcpu_copy;
	struct kcr_stats stats;
	char reply[4096];
	double t0, t, deadline;
	int boot, r;

	vm_fd = kcr_find_vm_fd(self->q.pid, -1);
	vcpu_fd = qemu_find_fd(self->q.pid, "anon_inode:kvm-vcpu:0");
	ASSERT_LE(0, vm_fd) TH_LOG("VM fd: %s", kcr_strerror(vm_fd));
	ASSERT_LE(0, vcpu_fd);
	vm_copy = qemu_grab_fd(self->q.pid, vm_fd);
	vcpu_copy = qemu_grab_fd(self->q.pid, vcpu_fd);
	ASSERT_LE(0, vm_copy);
	ASSERT_LE(0, vcpu_copy);

	t0 = now();
	deadline = t0 + TIMEOUT_S;
	ASSERT_EQ(0, qmp(&self->q, "{\"execute\": \"cont\"}",
			 reply, sizeof(reply)));
	ASSERT_TRUE(qemu_wait(&self->q, "kcr-linux: boot 1 ", 1, deadline - now()))
		TH_LOG("the guest did not boot");
	ksft_print_msg("%s, %s vCPU: first boot %.1f s\n", variant->machine,
		       variant->smp, now() - t0);
	for (boot = 2; boot <= BOOTS; boot++) {
		char line[32];

		deadline = now() + TIMEOUT_S;
		ASSERT_TRUE(qemu_wait(&self->q, "kcr-linux: reboot\n", boot - 1,
				      deadline - now()));
		t = now();
		snprintf(line, sizeof(line), "kcr-linux: boot %d ", boot);
		ASSERT_TRUE(qemu_wait(&self->q, line, 1, deadline - now()))
			TH_LOG("no boot %d after the reboot", boot);
		ksft_print_msg("%s, %s vCPU: reboot %d took %.1f s\n",
			       variant->machine, variant->smp, boot - 1,
			       now() - t);
	}
	ASSERT_TRUE(qemu_wait(&self->q, "kcr-linux: halt\n", 1, deadline - now()));

	/* Each boot once: the counter survived every reset. */
	for (boot = 1; boot <= BOOTS; boot++) {
		char line[32];

		snprintf(line, sizeof(line), "kcr-linux: boot %d ", boot);
		EXPECT_EQ(1, qemu_count(&self->q, line)) TH_LOG("%s", line);
	}

	ASSERT_EQ(0, qmp(&self->q, "{\"execute\": \"query-status\"}",
			 reply, sizeof(reply)));
	EXPECT_EQ(BOOTS - 1, self->q.resets);
	EXPECT_EQ(BOOTS - 1, self->q.resets_in_place);

	EXPECT_TRUE(qemu_same_file(self->q.pid, vm_fd, vm_copy));
	EXPECT_TRUE(qemu_same_file(self->q.pid, vcpu_fd, vcpu_copy));

	r = kcr_monitor_dispatch(self->mon, qemu_count_resets, &uev);
	ASSERT_LE(0, r) TH_LOG("uevents: %s", kcr_strerror(r));
	EXPECT_EQ(BOOTS - 1, uev.resets);
	r = kcr_stats_read_path(NULL, uev.stats_path, &stats);
	ASSERT_EQ(0, r) TH_LOG("vm_resets: %s", kcr_strerror(r));
	EXPECT_EQ(BOOTS - 1, (int)stats.resets);

	EXPECT_EQ(0, qemu_quit(&self->q));
	close(vm_copy);
	close(vcpu_copy);
}

TEST_HARNESS_MAIN
