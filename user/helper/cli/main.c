// SPDX-License-Identifier: GPL-2.0-or-later
/* kvm-coco-reset: probe, monitor and count KVM_RESET_VM. */
#include <string.h>

#include "cli.h"

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
} commands[] = {
	{ "caps", cmd_caps, "what this host supports" },
	{ "monitor", cmd_monitor, "print KVM VM create/destroy/reset events" },
	{ "stats", cmd_stats, "print a VM's reset counters" },
};

static void usage(FILE *f)
{
	fprintf(f, "usage: kvm-coco-reset <command> [options]\n\ncommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-8s %s\n", commands[i].name, commands[i].summary);
	fprintf(f, "\n'kvm-coco-reset <command> --help' describes each; see kvm-coco-reset(1).\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return EXIT_OK;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].fn(argc - 1, argv + 1);

	fprintf(stderr, "kvm-coco-reset: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return EXIT_USAGE;
}
