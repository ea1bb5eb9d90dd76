// SPDX-License-Identifier: GPL-2.0-or-later
/* kvm-coco-reset stats */
#include <errno.h>

#include "cli.h"
#include "kvmcocoreset.h"

static const char usage[] =
	"usage: " PROG " stats --path STATS_PATH [--debugfs DIR] [--json]\n"
	"Print the reset counters of a KVM VM from debugfs; STATS_PATH is the\n"
	"one its uevents carry (e.g. /kvm/4242-11, as \"monitor\" prints it),\n"
	"DIR where debugfs is mounted (default " KCR_DEBUGFS ").\n"
	"(KVM answers KVM_GET_STATS_FD only to the VM's creator.)\n";

int cmd_stats(int argc, char **argv)
{
	const char *debugfs;
	struct kcr_stats st;
	struct options opts;
	int r;

	r = parse_options(argc, argv, "path debugfs json", "path", &opts, stderr);
	if (r)
		return usage_exit(r, "stats", usage);

	debugfs = opts.debugfs ? opts.debugfs : KCR_DEBUGFS;
	r = kcr_stats_read_path(debugfs, opts.path, &st);
	if (r == -EOPNOTSUPP)
		return fail_msg(r, "%s%s: no reset counters there "
				"(KVM lacks the kvm-coco-reset patches)", debugfs, opts.path);
	if (r)
		return fail(r, r == -ENOENT ? "is debugfs mounted, and the VM alive?" : NULL,
			    "%s%s", debugfs, opts.path);

	print_start();
	print_str("stats_path", "%s:", opts.path);
	print_u64("vm_resets", " %llu resets,", st.resets);
	print_u64("vm_reset_last_ns", " the last took %llu ns", st.last_reset_ns);
	print_end();
	return EXIT_OK;
}
