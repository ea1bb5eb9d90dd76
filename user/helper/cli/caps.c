// SPDX-License-Identifier: GPL-2.0-or-later
/* kvm-coco-reset caps */
#include <errno.h>

#include "cli.h"
#include "kvmcocoreset.h"

static const char usage[] =
	"usage: " PROG " caps [--json]\n"
	"Print whether KVM is loaded and which VM types KVM_RESET_VM can reset.\n";

static void print_types(const char *key, const char *text, uint32_t mask)
{
	open_array(key, text);
	for (unsigned int t = 0; t < 32; t++)
		if (mask & (1u << t))
			print_str(NULL, " %s", kcr_vm_type_name(t));
	if (!mask)
		print_text(" none");
	close_array("\n");
}

int cmd_caps(int argc, char **argv)
{
	struct kcr_caps caps;
	struct options opts;
	int r;

	r = parse_options(argc, argv, "json", "", &opts, stderr);
	if (r)
		return usage_exit(r, "caps", usage);

	r = kcr_probe_host(&caps);
	if (r == -ENOENT) {
		fail(r, "KVM is not loaded", "/dev/kvm");
		return EXIT_UNSUPPORTED;
	}
	if (r)
		return fail(r, r == -EACCES ? "open to the kvm group and root" : NULL,
			    "/dev/kvm");

	print_start();
	print_bool("kvm", "KVM loaded: %s\n", 1);
	print_types("vm_types", "VM types:", caps.vm_types);
	print_u64("vm_types_mask", NULL, caps.vm_types);
	print_bool("reset_vm", "KVM_RESET_VM: %s\n", !!caps.reset_types);
	print_types("resettable", "resettable VM types:", caps.reset_types);
	print_u64("resettable_mask", NULL, caps.reset_types);
	print_end();
	return caps.reset_types ? EXIT_OK : EXIT_UNSUPPORTED;
}
