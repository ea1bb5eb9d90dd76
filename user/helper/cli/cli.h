/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The kvm-coco-reset command: subcommands and shared helpers. */
#ifndef KCR_CLI_H
#define KCR_CLI_H

#include <stdio.h>
#include <sys/types.h>

/* Exit codes, documented in kvm-coco-reset.1. */
enum {
	EXIT_OK = 0,
	EXIT_FAILED = 1,	/* KVM or the system refused the operation */
	EXIT_USAGE = 2,		/* bad command line */
	EXIT_UNSUPPORTED = 3,	/* no KVM, no KVM_RESET_VM, type not resettable */
	EXIT_NOT_FOUND = 4,	/* no such process, no VM, several VMs */
	EXIT_PERMISSION = 5,	/* not allowed to access the process */
};

/* Options every subcommand may take. */
struct options {
	pid_t pid;		/* --pid, 0 if not given */
	int fd;			/* --fd, -1 if not given */
	int json;		/* --json */
};

/*
 * Parse argv (after the subcommand name) into @opts.  @allowed lists the
 * long options this subcommand accepts.  Returns 0, 1 for --help, or -1
 * after printing an error.
 */
int parse_options(int argc, char **argv, const char *allowed,
		  struct options *opts, FILE *err);

/*
 * After parse_options() returned @r != 0: print @usage, to stdout for
 * --help (exit 0) or to stderr after an error (exit 2); return the code.
 */
int usage_exit(int r, const char *usage);

/* Map a negative errno of the library to an exit code. */
int exit_code(int err);

/* Print @s as a JSON string. */
void json_string(FILE *f, const char *s);

int cmd_caps(int argc, char **argv);
int cmd_monitor(int argc, char **argv);
int cmd_stats(int argc, char **argv);

#endif /* KCR_CLI_H */
