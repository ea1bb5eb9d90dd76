// SPDX-License-Identifier: GPL-2.0-only
/*
 * The kvm-coco-reset command against real VMs: when this process (the VMM)
 * resets its VM, `monitor` prints the matching event and `stats` counts it;
 * `caps` agrees with KVM_CHECK_EXTENSION, and each refusal has its exit
 * code and message.
 * The command is ./helper/kvm-coco-reset, or $KCR_CLI.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "kvm_util.h"
#include "processor.h"
#include "ucall_common.h"
#include "vm_reset.h"
#include "kselftest_harness.h"

static const char *cli_path(void)
{
	const char *path = getenv("KCR_CLI");

	return path ? path : "./helper/kvm-coco-reset";
}

/* Run the command with @args; its stdout in @out, stderr in @err. */
static int run_cli(char *out, size_t outsz, char *err, size_t errsz,
		   const char *fmt, ...)
{
	char args[256], cmd[512];
	int status;
	va_list ap;
	FILE *f;

	va_start(ap, fmt);
	vsnprintf(args, sizeof(args), fmt, ap);
	va_end(ap);
	snprintf(cmd, sizeof(cmd), "%s %s 2>/tmp/kcr-err", cli_path(), args);
	f = popen(cmd, "r");
	TEST_ASSERT(f, "popen %s", cmd);
	out[fread(out, 1, outsz - 1, f)] = '\0';
	status = pclose(f);
	f = fopen("/tmp/kcr-err", "r");
	err[f ? fread(err, 1, errsz - 1, f) : 0] = '\0';
	if (f)
		fclose(f);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static long json_number(const char *json, const char *key)
{
	char pat[64];
	const char *p;

	snprintf(pat, sizeof(pat), "\"%s\":", key);
	p = strstr(json, pat);
	TEST_ASSERT(p, "no \"%s\" in %s", key, json);
	return strtol(p + strlen(pat), NULL, 10);
}

/* Start `kvm-coco-reset monitor --json`; its stdout comes through *out. */
static pid_t spawn_monitor(FILE **out)
{
	int pipefd[2];
	pid_t pid;

	TEST_ASSERT(!pipe(pipefd), "pipe");
	pid = fork();
	TEST_ASSERT(pid >= 0, "fork");
	if (!pid) {
		dup2(pipefd[1], STDOUT_FILENO);
		close(pipefd[0]);
		execl(cli_path(), cli_path(), "monitor", "--json", (char *)NULL);
		_exit(127);
	}
	close(pipefd[1]);
	*out = fdopen(pipefd[0], "r");
	TEST_ASSERT(*out, "fdopen");
	return pid;
}

static void guest_code(void)
{
	GUEST_SYNC(1);
}

TEST(caps_matches_check_extension)
{
	char out[1024], err[512];

	TEST_ASSERT_EQ(run_cli(out, sizeof(out), err, sizeof(err), "caps --json"), 0);
	TEST_ASSERT_EQ(json_number(out, "vm_types_mask"), kvm_check_cap(KVM_CAP_VM_TYPES));
	TEST_ASSERT_EQ(json_number(out, "resettable_mask"), kvm_reset_vm_types());
	TEST_ASSERT(strstr(out, "\"sw_protected\""), "caps: %s", out);
}

/* The VMM (this process) resets its VM; the command sees it happen. */
TEST(monitor_and_stats_follow_a_reset)
{
	char out[1024], err[512], line[512];
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm;
	int status, found = 0;
	pid_t mon_pid;
	FILE *mon;

	vm = vm_create_with_one_vcpu(&vcpu, guest_code);
	TEST_ASSERT_EQ(vcpu_run_to_sync(vcpu), 1);

	mon_pid = spawn_monitor(&mon);
	usleep(300 * 1000);	/* let the monitor bind its socket */

	vm_reset(vm, 0);

	TEST_ASSERT_EQ(run_cli(out, sizeof(out), err, sizeof(err),
			       "stats --pid %d --json", getpid()), 0);
	TEST_ASSERT_EQ(json_number(out, "vm_resets"), 1);
	TEST_ASSERT_EQ(json_number(out, "vm_reset_last_ns"),
		       vm_get_stat(vm, vm_reset_last_ns));

	kvm_vm_free(vm);	/* the destroy event ends our wait below */
	while (fgets(line, sizeof(line), mon)) {
		if (strstr(line, "\"event\":\"reset\"") &&
		    json_number(line, "pid") == getpid()) {
			TEST_ASSERT(strstr(line, "\"vm_type\":\"default\""), "%s", line);
			found = 1;
		}
		if (strstr(line, "\"event\":\"destroy\"") &&
		    json_number(line, "pid") == getpid())
			break;
	}
	kill(mon_pid, SIGINT);
	TEST_ASSERT_EQ(waitpid(mon_pid, &status, 0), mon_pid);
	fclose(mon);
	TEST_ASSERT(WIFEXITED(status) && !WEXITSTATUS(status),
		    "monitor: status %#x after SIGINT", status);
	TEST_ASSERT(found, "monitor printed no reset event for pid %d", getpid());
}

TEST(refusals_have_exit_codes)
{
	char out[1024], err[512];
	struct kvm_vm *vm, *vm2;
	struct kvm_vcpu *vcpu;
	int null_fd;

	/* init has no VM. */
	TEST_ASSERT_EQ(run_cli(out, sizeof(out), err, sizeof(err), "stats --pid 1"), 4);
	TEST_ASSERT(strstr(err, "no KVM VM"), "stderr: %s", err);
	/* No such process. */
	TEST_ASSERT_EQ(run_cli(out, sizeof(out), err, sizeof(err),
			       "stats --pid 999999"), 4);
	/* Usage errors; there is no reset command (only the VMM resets). */
	TEST_ASSERT_EQ(run_cli(out, sizeof(out), err, sizeof(err), "stats"), 2);
	TEST_ASSERT_EQ(run_cli(out, sizeof(out), err, sizeof(err), "bogus"), 2);
	TEST_ASSERT_EQ(run_cli(out, sizeof(out), err, sizeof(err),
			       "reset --pid %d", getpid()), 2);

	/* Two VMs: ambiguous without --fd, fine with it. */
	vm = vm_create_with_one_vcpu(&vcpu, guest_code);
	vm2 = vm_create_barebones();
	TEST_ASSERT_EQ(run_cli(out, sizeof(out), err, sizeof(err),
			       "stats --pid %d", getpid()), 4);
	TEST_ASSERT(strstr(err, "several"), "stderr: %s", err);
	vm_reset(vm2, 0);
	TEST_ASSERT_EQ(run_cli(out, sizeof(out), err, sizeof(err),
			       "stats --pid %d --fd %d --json", getpid(), vm2->fd), 0);
	TEST_ASSERT_EQ(json_number(out, "vm_resets"), 1);
	TEST_ASSERT_EQ(run_cli(out, sizeof(out), err, sizeof(err),
			       "stats --pid %d --fd %d --json", getpid(), vm->fd), 0);
	TEST_ASSERT_EQ(json_number(out, "vm_resets"), 0);

	/* --fd that is not a VM. */
	null_fd = open("/dev/null", O_RDONLY);
	TEST_ASSERT_EQ(run_cli(out, sizeof(out), err, sizeof(err),
			       "stats --pid %d --fd %d", getpid(), null_fd), 4);
	TEST_ASSERT(strstr(err, "not a KVM VM"), "stderr: %s", err);
	close(null_fd);
	kvm_vm_free(vm2);
	kvm_vm_free(vm);
}

/* Another user cannot read this process's VM: exit code 5. */
TEST(permission_denied)
{
	struct kvm_vm *vm = vm_create_barebones();
	char pid[16];
	int status;
	pid_t child;

	snprintf(pid, sizeof(pid), "%d", getpid());
	child = fork();
	TEST_ASSERT(child >= 0, "fork");
	if (!child) {
		if (setgid(65534) || setuid(65534))
			_exit(100);
		execl(cli_path(), cli_path(), "stats", "--pid", pid, (char *)NULL);
		_exit(101);
	}
	TEST_ASSERT_EQ(waitpid(child, &status, 0), child);
	TEST_ASSERT(WIFEXITED(status) && WEXITSTATUS(status) == 5,
		    "unprivileged stats: expected exit 5, got status %#x", status);
	kvm_vm_free(vm);
}

TEST_HARNESS_MAIN
