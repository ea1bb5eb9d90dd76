/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The kvm-coco-reset command: subcommands and shared helpers. */
#ifndef KCR_CLI_H
#define KCR_CLI_H

#include <stdint.h>
#include <stdio.h>

#define PROG	"kvm-coco-reset"

/*
 * Exit codes, documented in kvm-coco-reset.1.  4 is left out: it is the
 * kselftest SKIP code, and tests run this command.
 */
enum {
	EXIT_OK = 0,
	EXIT_FAILED = 1,	/* KVM, QEMU or the system refused the operation */
	EXIT_USAGE = 2,		/* bad command line */
	EXIT_UNSUPPORTED = 3,	/* no KVM, no KVM_RESET_VM, no reset counters */
	EXIT_PERMISSION = 5,	/* not allowed */
	EXIT_NOT_FOUND = 6,	/* no such file, socket or VM */
};

/* Options the subcommands take. */
struct options {
	const char *path;	/* --path: a VM's STATS_PATH */
	const char *debugfs;	/* --debugfs: where debugfs is mounted */
	const char *qmp;	/* --qmp: QEMU's QMP socket */
	int json;		/* --json */
};

/*
 * Parse argv (argv[0] is the subcommand) into @opts.  @allowed lists the
 * long options this subcommand accepts, @required those it needs.
 * Returns 0, 1 for --help, or -1 after printing an error to @err.
 */
int parse_options(int argc, char **argv, const char *allowed,
		  const char *required, struct options *opts, FILE *err);

/*
 * After parse_options() returned @r != 0: --help prints @usage to stdout
 * (exit 0); an error is followed by "Try ..." (exit 2).
 */
int usage_exit(int r, const char *cmd, const char *usage);

/* Map a negative errno to an exit code. */
int exit_code(int err);

/*
 * One print path for text and JSON (as iproute2's json_print): each
 * print_*() writes "key":value in JSON mode, or printf(@fmt, value) as
 * text if @fmt is not NULL (a bool as "yes" or "no").  print_start()/print_end() enclose a record
 * (one line); open_array()/close_array() a list inside it, whose
 * elements have no key.
 */
void print_init(int json);
void print_start(void);
void print_end(void);
void print_str(const char *key, const char *fmt, const char *value);
void print_u64(const char *key, const char *fmt, uint64_t value);
void print_int(const char *key, const char *fmt, long long value);
void print_bool(const char *key, const char *fmt, int value);
void print_null(const char *key, const char *text);
void print_text(const char *text);	/* text mode only */
void open_array(const char *key, const char *fmt);
void close_array(const char *fmt);

/*
 * Report @err (a negative errno) about @what, with kcr_strerror() and an
 * optional @hint: "kvm-coco-reset: WHAT: MESSAGE (HINT)" on stderr, or
 * {"error":"WHAT: MESSAGE (HINT)","errno":N} on stdout with --json.
 * Returns the exit code for @err.
 */
int fail(int err, const char *hint, const char *what, ...)
	__attribute__((format(printf, 3, 4)));

/* As fail(), with the whole message given: for errors kcr_strerror() would misname. */
int fail_msg(int err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Flush stdout: 0, or the -errno of its first write error (kept). */
int flush_stdout(void);

/*
 * Flush and close stdout; on a write error say so and return -errno.  A
 * closed pipe (EPIPE) is the reader's choice: no message, and 0.
 */
int close_stdout(void);

/* A QMP client: QEMU's system_reset, and whether it was done in place. */
enum qmp_in_place {
	QMP_IN_PLACE_UNKNOWN = -1,	/* no "in-place" member: stock QEMU */
	QMP_IN_PLACE_NO = 0,
	QMP_IN_PLACE_YES = 1,
};

int qmp_connect(const char *path);
/*
 * On a connected QMP socket: qmp_capabilities, system_reset, and wait
 * for the RESET event it causes (a guest's own reset does not count), all
 * within @timeout_ms.  0 and *in_place, or a negative errno; -EPROTO with
 * QEMU's error, or what was wrong with its messages, in @err.
 */
int qmp_system_reset(int fd, int timeout_ms, enum qmp_in_place *in_place,
		     char *err, size_t err_len);

int cmd_caps(int argc, char **argv);
int cmd_monitor(int argc, char **argv);
int cmd_reset(int argc, char **argv);
int cmd_stats(int argc, char **argv);

#endif /* KCR_CLI_H */
