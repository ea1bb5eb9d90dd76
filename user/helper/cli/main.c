// SPDX-License-Identifier: GPL-2.0-or-later
/* kvm-coco-reset: probe, monitor, count and request KVM_RESET_VM. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
} commands[] = {
	{ "caps", cmd_caps, "what this host supports" },
	{ "monitor", cmd_monitor, "print KVM VM create/destroy/reset events" },
	{ "reset", cmd_reset, "ask QEMU to reset its VM, and say whether in place" },
	{ "stats", cmd_stats, "print a VM's reset counters" },
};

static void usage(void)
{
	printf("usage: " PROG " <command> [options]\n"
	       "       " PROG " -h|--help | -V|--version\n\ncommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		printf("  %-8s %s\n", commands[i].name, commands[i].summary);
	printf("\n'" PROG " <command> --help' describes each; see kvm-coco-reset(1).\n");
}

static int run(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, PROG ": no command\n");
		return usage_exit(-1, NULL, NULL);
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		usage();
		return EXIT_OK;
	}
	if (!strcmp(argv[1], "-V") || !strcmp(argv[1], "--version")) {
		printf(PROG " " KCR_VERSION "\n");
		return EXIT_OK;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].fn(argc - 1, argv + 1);

	fprintf(stderr, PROG ": unknown command '%s'\n", argv[1]);
	return usage_exit(-1, NULL, NULL);
}

int main(int argc, char **argv)
{
	int r = run(argc, argv);

	if (close_stdout() && r == EXIT_OK)
		r = EXIT_FAILED;
	return r;
}
