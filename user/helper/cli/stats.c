// SPDX-License-Identifier: GPL-2.0-or-later
/* kvm-coco-reset stats */
#include <errno.h>

#include "cli.h"
#include "kvmcocoreset.h"

static const char usage[] =
	"usage: kvm-coco-reset stats --pid PID [--fd N] [--json]\n"
	"Print the reset counters of the KVM VM of process PID, from debugfs\n"
	"(KVM answers KVM_GET_STATS_FD only to the VM's creator).\n";

int cmd_stats(int argc, char **argv)
{
	struct kcr_stats st;
	struct options opts;
	int vm_fd, r;

	r = parse_options(argc, argv, "pid fd json", &opts, stderr);
	if (r)
		return usage_exit(r, usage);

	vm_fd = kcr_find_vm_fd(opts.pid, opts.fd);
	if (vm_fd < 0) {
		fprintf(stderr, "kvm-coco-reset: VM fd of pid %d: %s\n",
			(int)opts.pid, kcr_strerror(vm_fd));
		return exit_code(vm_fd);
	}
	r = kcr_stats_read_debugfs(opts.pid, vm_fd, &st);
	if (r) {
		fprintf(stderr, "kvm-coco-reset: /sys/kernel/debug/kvm/%d-%d: %s\n",
			(int)opts.pid, vm_fd,
			r == -ENOENT ? "no such directory (is debugfs mounted?)" :
				       kcr_strerror(r));
		return exit_code(r);
	}
	if (opts.json)
		printf("{\"pid\":%d,\"vm_resets\":%llu,\"vm_reset_last_ns\":%llu}\n",
		       (int)opts.pid, (unsigned long long)st.resets,
		       (unsigned long long)st.last_reset_ns);
	else
		printf("pid %d: %llu resets, last took %llu ns\n", (int)opts.pid,
		       (unsigned long long)st.resets,
		       (unsigned long long)st.last_reset_ns);
	return EXIT_OK;
}
