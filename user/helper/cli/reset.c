// SPDX-License-Identifier: GPL-2.0-or-later
/* kvm-coco-reset reset */
#include <unistd.h>

#include "cli.h"
#include "kvmcocoreset.h"

static const char usage[] =
	"usage: kvm-coco-reset reset --pid PID [--fd N] [--clear-mem-attributes] [--json]\n"
	"Reset the KVM VM of process PID in place (KVM_RESET_VM).  The VM fd is\n"
	"found among the process's fds unless --fd names it.  The process's\n"
	"vCPUs must be stopped.  Needs ptrace access to the process.\n";

int cmd_reset(int argc, char **argv)
{
	struct kcr_reset_result res = { 0 };
	struct options opts;
	int vm_fd, r;

	r = parse_options(argc, argv, "pid fd clear-mem-attributes json", &opts, stderr);
	if (r)
		return usage_exit(r, usage);

	r = open_target_vm(&opts, &vm_fd);
	if (r)
		return r;

	r = kcr_reset(vm_fd, opts.clear_attrs ? KCR_RESET_CLEAR_MEM_ATTRIBUTES : 0,
		      0, &res);
	close(vm_fd);
	if (opts.json)
		printf("{\"pid\":%d,\"result\":%d,\"state\":\"%s\",\"hw_error\":%llu}\n",
		       (int)opts.pid, r,
		       res.state == KCR_STATE_REINIT_PENDING ? "reinit-pending" : "done",
		       (unsigned long long)res.hw_error);
	if (r) {
		fprintf(stderr, "kvm-coco-reset: KVM_RESET_VM on the VM of pid %d: %s\n",
			(int)opts.pid, kcr_strerror(r));
		return exit_code(r);
	}
	if (!opts.json)
		printf("pid %d: VM reset in place, state %s\n", (int)opts.pid,
		       res.state == KCR_STATE_REINIT_PENDING ? "reinit-pending" : "done");
	return EXIT_OK;
}
