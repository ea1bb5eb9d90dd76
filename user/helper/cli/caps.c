// SPDX-License-Identifier: GPL-2.0-or-later
/* kvm-coco-reset caps */
#include "cli.h"
#include "kvmcocoreset.h"

static const char usage[] =
	"usage: kvm-coco-reset caps [--json]\n"
	"Print whether KVM is loaded and which VM types KVM_RESET_VM can reset.\n";

static void print_types(FILE *f, uint32_t mask, int json)
{
	const char *sep = "";

	for (unsigned int t = 0; t < 32; t++) {
		if (!(mask & (1u << t)))
			continue;
		fputs(sep, f);
		if (json)
			json_string(f, kcr_vm_type_name(t));
		else
			fputs(kcr_vm_type_name(t), f);
		sep = json ? "," : " ";
	}
	if (!mask && !json)
		fputs("none", f);
}

int cmd_caps(int argc, char **argv)
{
	struct kcr_caps caps = { 0 };
	struct options opts;
	int r;

	r = parse_options(argc, argv, "json", &opts, stderr);
	if (r)
		return usage_exit(r, usage);

	r = kcr_probe_host(&caps);
	if (opts.json) {
		printf("{\"kvm\":%s,\"reset_vm\":%s,\"vm_types\":[",
		       r ? "false" : "true", caps.reset_types ? "true" : "false");
		print_types(stdout, caps.vm_types, 1);
		printf("],\"vm_types_mask\":%u,\"resettable\":[", caps.vm_types);
		print_types(stdout, caps.reset_types, 1);
		printf("],\"resettable_mask\":%u}\n", caps.reset_types);
	} else if (!r) {
		printf("KVM: loaded\nVM types: ");
		print_types(stdout, caps.vm_types, 0);
		printf("\nKVM_RESET_VM: %s\nresettable VM types: ",
		       caps.reset_types ? "available" : "not available");
		print_types(stdout, caps.reset_types, 0);
		printf("\n");
	}
	if (r) {
		fprintf(stderr, "kvm-coco-reset: /dev/kvm: %s\n", kcr_strerror(r));
		return EXIT_UNSUPPORTED;
	}
	return caps.reset_types ? EXIT_OK : EXIT_UNSUPPORTED;
}
