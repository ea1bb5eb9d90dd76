// SPDX-License-Identifier: GPL-2.0-or-later
/* kvm-coco-reset reset: ask QEMU, which owns the VM, to reset it. */
#include <errno.h>
#include <unistd.h>

#include "cli.h"

#define QMP_TIMEOUT_MS	30000

static const char usage[] =
	"usage: " PROG " reset --qmp SOCKET [--json]\n"
	"Ask the QEMU behind the QMP unix socket SOCKET to reset its guest\n"
	"(system_reset), wait for its RESET event and print whether KVM reset\n"
	"the VM in place (QEMU with the kvm-coco-reset hook says so; another\n"
	"QEMU does not, and the answer is \"unknown\").  Only the VMM may reset\n"
	"its VM: KVM refuses KVM_RESET_VM to every other process.\n";

int cmd_reset(int argc, char **argv)
{
	enum qmp_in_place in_place = QMP_IN_PLACE_UNKNOWN;
	struct options opts;
	char msg[256];
	int fd, r;

	r = parse_options(argc, argv, "qmp json", "qmp", &opts, stderr);
	if (r)
		return usage_exit(r, "reset", usage);

	fd = qmp_connect(opts.qmp);
	if (fd < 0)
		return fail(fd, NULL, "QMP socket %s", opts.qmp);
	r = qmp_system_reset(fd, QMP_TIMEOUT_MS, &in_place, msg, sizeof(msg));
	close(fd);
	if (r == -EPROTO)
		return fail_msg(r, "QMP socket %s: system_reset: %s", opts.qmp, msg);
	if (r)
		return fail(r, NULL, "QMP socket %s: system_reset", opts.qmp);

	print_start();
	print_str("reset", "reset: %s", "done");
	if (in_place == QMP_IN_PLACE_UNKNOWN)
		print_null("in_place", ", in place: unknown (this QEMU does not say)");
	else if (in_place == QMP_IN_PLACE_YES)
		print_bool("in_place", ", in place: %s (KVM_RESET_VM)", 1);
	else
		print_bool("in_place", ", in place: %s (QEMU rebuilt the VM)", 0);
	print_end();
	return EXIT_OK;
}
