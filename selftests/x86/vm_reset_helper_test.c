// SPDX-License-Identifier: GPL-2.0-only
/*
 * The kvm-coco-reset command against real VMs: when this process (the VMM)
 * resets its VM, `monitor` prints the matching event and `stats`, given the
 * event's STATS_PATH, counts it; `caps` agrees with KVM_CHECK_EXTENSION,
 * and each refusal has its exit code and message.
 * The command is ./helper/kvm-coco-reset, or $KCR_CLI.
 */
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

/* The string member @key of @json, copied into @buf. */
static void json_string(const char *json, const char *key, char *buf, size_t size)
{
	char pat[64];
	const char *p;
	size_t n;

	snprintf(pat, sizeof(pat), "\"%s\":\"", key);
	p = strstr(json, pat);
	TEST_ASSERT(p, "no \"%s\" in %s", key, json);
	p += strlen(pat);
	n = strcspn(p, "\"");
	TEST_ASSERT(n < size, "\"%s\" too long in %s", key, json);
	memcpy(buf, p, n);
	buf[n] = '\0';
}

/* KVM names a VM's debugfs directory after its creator's pid and fd. */
static void stats_path(struct kvm_vm *vm, char *buf, size_t size)
{
	snprintf(buf, size, "/kvm/%d-%d", getpid(), vm->fd);
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
	char out[1024], err[512], line[512], path[256] = "";
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm;
	int status;
	pid_t mon_pid;
	FILE *mon;

	vm = vm_create_with_one_vcpu(&vcpu, guest_code);
	TEST_ASSERT_EQ(vcpu_run_to_sync(vcpu), 1);

	mon_pid = spawn_monitor(&mon);
	usleep(300 * 1000);	/* let the monitor bind its socket */

	vm_reset(vm, 0);
	while (!path[0] && fgets(line, sizeof(line), mon)) {
		if (strstr(line, "\"event\":\"reset\"") &&
		    json_number(line, "pid") == getpid()) {
			TEST_ASSERT(strstr(line, "\"vm_type\":\"default\""), "%s", line);
			json_string(line, "stats_path", path, sizeof(path));
		}
	}
	TEST_ASSERT(path[0], "monitor printed no reset event for pid %d", getpid());

	TEST_ASSERT_EQ(run_cli(out, sizeof(out), err, sizeof(err),
			       "stats --path %s --json", path), 0);
	TEST_ASSERT_EQ(json_number(out, "vm_resets"), 1);
	TEST_ASSERT_EQ(json_number(out, "vm_reset_last_ns"),
		       vm_get_stat(vm, vm_reset_last_ns));

	kvm_vm_free(vm);	/* the destroy event ends our wait below */
	while (fgets(line, sizeof(line), mon))
		if (strstr(line, "\"event\":\"destroy\"") &&
		    json_number(line, "pid") == getpid())
			break;
	kill(mon_pid, SIGINT);
	TEST_ASSERT_EQ(waitpid(mon_pid, &status, 0), mon_pid);
	fclose(mon);
	TEST_ASSERT(WIFEXITED(status) && !WEXITSTATUS(status),
		    "monitor: status %#x after SIGINT", status);
}

TEST(refusals_have_exit_codes)
{
	char out[1024], err[512], path[256];
	struct kvm_vm *vm, *vm2;
	struct kvm_vcpu *vcpu;

	/* No such VM, no QEMU there: exit 6 (never 4, the SKIP code). */
	TEST_ASSERT_EQ(run_cli(out, sizeof(out), err, sizeof(err),
			       "stats --path /kvm/0-0"), 6);
	TEST_ASSERT(strstr(err, "kvm-coco-reset: /sys/kernel/debug/kvm/0-0: not found"),
		    "stderr: %s", err);
	TEST_ASSERT_EQ(run_cli(out, sizeof(out), err, sizeof(err),
			       "reset --qmp /nonexistent --json"), 6);
	TEST_ASSERT(strstr(out, "\"errno\":2"), "stdout: %s", out);
	/* A directory without the reset counters, as on a stock KVM. */
	TEST_ASSERT_EQ(run_cli(out, sizeof(out), err, sizeof(err),
			       "stats --path /"), 3);
	TEST_ASSERT(strstr(err, "no reset counters"), "stderr: %s", err);
	/* Usage errors; reset asks QEMU, it takes no --pid. */
	TEST_ASSERT_EQ(run_cli(out, sizeof(out), err, sizeof(err), "stats"), 2);
	TEST_ASSERT_EQ(run_cli(out, sizeof(out), err, sizeof(err), "bogus"), 2);
	TEST_ASSERT_EQ(run_cli(out, sizeof(out), err, sizeof(err),
			       "reset --pid %d", getpid()), 2);
	TEST_ASSERT(strstr(err, "Try 'kvm-coco-reset reset --help'"), "stderr: %s", err);

	/* Two VMs, each its own counters. */
	vm = vm_create_with_one_vcpu(&vcpu, guest_code);
	vm2 = vm_create_barebones();
	vm_reset(vm2, 0);
	stats_path(vm2, path, sizeof(path));
	TEST_ASSERT_EQ(run_cli(out, sizeof(out), err, sizeof(err),
			       "stats --path %s --json", path), 0);
	TEST_ASSERT_EQ(json_number(out, "vm_resets"), 1);
	stats_path(vm, path, sizeof(path));
	TEST_ASSERT_EQ(run_cli(out, sizeof(out), err, sizeof(err),
			       "stats --path %s --json", path), 0);
	TEST_ASSERT_EQ(json_number(out, "vm_resets"), 0);
	kvm_vm_free(vm2);
	kvm_vm_free(vm);
}

/* Another user cannot read this process's VM: exit code 5. */
TEST(permission_denied)
{
	struct kvm_vm *vm = vm_create_barebones();
	char path[256];
	int status;
	pid_t child;

	stats_path(vm, path, sizeof(path));
	child = fork();
	TEST_ASSERT(child >= 0, "fork");
	if (!child) {
		if (setgid(65534) || setuid(65534))
			_exit(100);
		execl(cli_path(), cli_path(), "stats", "--path", path, (char *)NULL);
		_exit(101);
	}
	TEST_ASSERT_EQ(waitpid(child, &status, 0), child);
	TEST_ASSERT(WIFEXITED(status) && WEXITSTATUS(status) == 5,
		    "unprivileged stats: expected exit 5, got status %#x", status);
	kvm_vm_free(vm);
}

TEST_HARNESS_MAIN
