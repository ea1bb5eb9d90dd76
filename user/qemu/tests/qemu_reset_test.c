// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Patched QEMU reboots its guest in place.  Each variant runs QEMU with the
 * reboot firmware (firmware/reboot.S), which reboots itself REBOOTS - 1
 * times (port 0xCF9 and triple faults) and then halts; a QMP system_reset
 * adds one more boot.  Checked, per variant:
 *
 *   - the guest's view: its shared record survives every reset; its
 *     private window reads zero after an in-place reset of a VM with
 *     private memory, and still holds the secret after an ordinary reset
 *     (the variant that shows the check can fail);
 *   - the VM and vCPU files of the QEMU process are the same ones at the
 *     end (kcmp against copies taken before the guest ran), or not;
 *   - QMP: query-kvm's inplace-reset, one RESET event per reset and its
 *     in-place member; the last reset is asked for by the operator's
 *     command, `kvm-coco-reset reset --qmp` on QEMU's second monitor, and
 *     its answer is checked;
 *   - KVM: one reset uevent per reset for this QEMU process, and the VM's
 *     vm_resets statistic.
 *
 * Environment: KCR_QEMU (the binary), KCR_QEMU_DATADIR (QEMU's -L, where
 * the firmware images are too), KCR_CLI (kvm-coco-reset), with defaults for
 * the test host.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kvmcocoreset.h"
#include "kselftest_harness.h"
#include "runner.h"

#ifndef REBOOTS
#define REBOOTS		4	/* as the firmware is built */
#endif
#define BOOTS		(REBOOTS + 1)
#define TIMEOUT_S	120

static const char *env_or(const char *name, const char *def)
{
	const char *v = getenv(name);

	return v && *v ? v : def;
}

/*
 * kvm-coco-reset reset --qmp SOCKET --json: its exit status, and its
 * output in @out.
 */
static int reset_with_cli(const char *cli, const char *socket, char *out, size_t size)
{
	int pipefd[2], status;
	char rest[256];
	size_t len = 0;
	ssize_t n;
	pid_t pid;

	if (pipe2(pipefd, O_CLOEXEC))
		return -1;
	pid = fork();
	if (pid < 0) {
		close(pipefd[0]);
		close(pipefd[1]);
		return -1;
	}
	if (!pid) {
		dup2(pipefd[1], STDOUT_FILENO);
		execl(cli, cli, "reset", "--qmp", socket, "--json", (char *)NULL);
		_exit(127);
	}
	close(pipefd[1]);
	/* Read to the end, keeping what fits: the command never blocks on us. */
	for (;;) {
		if (len + 1 < size) {
			n = read(pipefd[0], out + len, size - 1 - len);
			len += n > 0 ? n : 0;
		} else {
			n = read(pipefd[0], rest, sizeof(rest));
		}
		if (n <= 0)
			break;
	}
	out[len] = '\0';
	close(pipefd[0]);
	if (waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

FIXTURE(qemu) {
	struct qemu q;
	struct kcr_monitor *mon;
};

FIXTURE_VARIANT(qemu) {
	const char *machine;
	const char *fw;		/* the guest, in KCR_QEMU_DATADIR */
	bool sw_protected;
	bool in_place;		/* expected: resets done with KVM_RESET_VM */
};

/*
 * The ordinary reset variants reboot through port 0xCF9 only: after a
 * triple fault, QEMU's ordinary reset does not restart the guest on the
 * emulated test host, with Debian's KVM modules as with ours.
 */

/* A VM with private memory, reset in place (x-inplace-reset=auto). */
FIXTURE_VARIANT_ADD(qemu, sw_protected_in_place) {
	.machine = "pc,confidential-guest-support=swp",
	.fw = "reboot.bin",
	.sw_protected = true,
	.in_place = true,
};

/* The same VM reset as QEMU 10.2 does: the private secret survives. */
FIXTURE_VARIANT_ADD(qemu, sw_protected_ordinary) {
	.machine = "pc,confidential-guest-support=swp,x-inplace-reset=off",
	.fw = "reboot-cf9.bin",
	.sw_protected = true,
	.in_place = false,
};

/* An ordinary VM reset as QEMU 10.2 does: the baseline. */
FIXTURE_VARIANT_ADD(qemu, default_vm_ordinary) {
	.machine = "q35",
	.fw = "reboot-cf9.bin",
	.sw_protected = false,
	.in_place = false,
};

/* An ordinary VM, reset in place on request (q35: ICH9's 0xCF9). */
FIXTURE_VARIANT_ADD(qemu, default_vm_in_place) {
	.machine = "q35,x-inplace-reset=on",
	.fw = "reboot.bin",
	.sw_protected = false,
	.in_place = true,
};

FIXTURE_SETUP(qemu)
{
	const char *binary = env_or("KCR_QEMU", "qemu/qemu-system-x86_64");
	const char *datadir = env_or("KCR_QEMU_DATADIR", "qemu");
	char fw[256];
	const char *args[] = {
		"-L", datadir,
		"-m", "128M",
		"-machine", variant->machine,
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
	r = kcr_monitor_open(&self->mon);
	ASSERT_EQ(0, r) TH_LOG("uevent monitor: %s", kcr_strerror(r));
	snprintf(fw, sizeof(fw), "%s/%s", datadir, variant->fw);
	r = qemu_start(&self->q, binary, fw, args);
	ASSERT_EQ(0, r) TH_LOG("starting QEMU: %s", strerror(-r));
}

FIXTURE_TEARDOWN(qemu)
{
	if (self->q.log && _metadata->exit_code != KSFT_PASS)
		fprintf(stderr, "# guest console:\n%s", self->q.log);
	qemu_cleanup(&self->q);
	kcr_monitor_close(self->mon);
}

TEST_F_TIMEOUT(qemu, reboots, 2 * TIMEOUT_S + 60)
{
	struct qemu_uevents uev = { .pid = self->q.pid };
	int vm_fd, vcpu_fd, vm_copy, vcpu_copy;
	struct kcr_stats stats;
	char reply[4096], tool_qmp[96];
	int boot, r;

	ASSERT_EQ(0, qmp(&self->q, "{\"execute\": \"query-kvm\"}",
			 reply, sizeof(reply)));
	EXPECT_NE(NULL, strstr(reply, variant->in_place ?
			       "\"inplace-reset\": true" :
			       "\"inplace-reset\": false")) TH_LOG("%s", reply);

	/* The files the guest starts with (QEMU was started with -S). */
	vm_fd = kcr_find_vm_fd(self->q.pid, -1);
	vcpu_fd = qemu_find_fd(self->q.pid, "anon_inode:kvm-vcpu:0");
	ASSERT_LE(0, vm_fd) TH_LOG("VM fd: %s", kcr_strerror(vm_fd));
	ASSERT_LE(0, vcpu_fd);
	vm_copy = qemu_grab_fd(self->q.pid, vm_fd);
	vcpu_copy = qemu_grab_fd(self->q.pid, vcpu_fd);
	ASSERT_LE(0, vm_copy) TH_LOG("pidfd_getfd: %s", strerror(errno));
	ASSERT_LE(0, vcpu_copy);

	ASSERT_EQ(0, qmp(&self->q, "{\"execute\": \"cont\"}",
			 reply, sizeof(reply)));
	ASSERT_TRUE(qemu_wait(&self->q, "halt\n", 1, TIMEOUT_S))
		TH_LOG("the guest did not reach its last boot");
	/* The operator's reset: the command asks QEMU on its second monitor. */
	snprintf(tool_qmp, sizeof(tool_qmp), "%s/" QEMU_QMP_TOOL, self->q.dir);
	r = reset_with_cli(env_or("KCR_CLI", "helper/kvm-coco-reset"), tool_qmp,
			   reply, sizeof(reply));
	ASSERT_EQ(0, r) TH_LOG("kvm-coco-reset reset --qmp: exit %d: %s", r, reply);
	EXPECT_STREQ(variant->in_place ? "{\"reset\":\"done\",\"in_place\":true}\n" :
		     "{\"reset\":\"done\",\"in_place\":null}\n", reply);
	ASSERT_TRUE(qemu_wait(&self->q, "halt\n", 2, TIMEOUT_S))
		TH_LOG("the guest did not boot after system_reset");

	/* The guest's view of each reset. */
	for (boot = 1; boot <= BOOTS; boot++) {
		char line[32];

		snprintf(line, sizeof(line), "boot %d\n", boot);
		EXPECT_EQ(1, qemu_count(&self->q, line)) TH_LOG("%s", line);
	}
	EXPECT_EQ(BOOTS - 1, qemu_count(&self->q, "shared ok\n"));
	if (variant->sw_protected && variant->in_place) {
		EXPECT_EQ(BOOTS, qemu_count(&self->q, "private zero\n"));
	} else {
		EXPECT_EQ(BOOTS - 1, qemu_count(&self->q, "private dirty\n"));
	}

	/* QMP: one RESET event per reset, done in place or not. */
	ASSERT_EQ(0, qmp(&self->q, "{\"execute\": \"query-status\"}",
			 reply, sizeof(reply)));
	EXPECT_EQ(REBOOTS, self->q.resets);
	EXPECT_EQ(variant->in_place ? REBOOTS : 0, self->q.resets_in_place);
	EXPECT_EQ(variant->in_place ? 0 : REBOOTS, self->q.resets_no_in_place);

	/* The same VM and vCPU files as before the first boot. */
	EXPECT_TRUE(qemu_same_file(self->q.pid, vm_fd, vm_copy));
	EXPECT_TRUE(qemu_same_file(self->q.pid, vcpu_fd, vcpu_copy));

	/* KVM's account: uevents and the statistic. */
	r = kcr_monitor_dispatch(self->mon, qemu_count_resets, &uev);
	ASSERT_LE(0, r) TH_LOG("uevents: %s", kcr_strerror(r));
	EXPECT_EQ(variant->in_place ? REBOOTS : 0, uev.resets);
	if (variant->in_place) {
		/* The VM's debugfs directory, as its reset uevents name it. */
		r = kcr_stats_read_path(NULL, uev.stats_path, &stats);
		ASSERT_EQ(0, r) TH_LOG("vm_resets of %s: %s", uev.stats_path,
				       kcr_strerror(r));
		EXPECT_EQ(REBOOTS, (int)stats.resets);
	}

	EXPECT_EQ(0, qemu_quit(&self->q));
	close(vm_copy);
	close(vcpu_copy);
}

TEST_HARNESS_MAIN
