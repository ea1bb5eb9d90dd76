// SPDX-License-Identifier: GPL-2.0-or-later
/* Command-line parsing and exit codes shared by the subcommands. */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* Long-only options: values no short option letter can have (util-linux). */
enum {
	OPT_PATH = 0x100,
	OPT_DEBUGFS,
	OPT_QMP,
	OPT_JSON,
};

static const struct option all_options[] = {
	{ "path", required_argument, NULL, OPT_PATH },
	{ "debugfs", required_argument, NULL, OPT_DEBUGFS },
	{ "qmp", required_argument, NULL, OPT_QMP },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/* Whether the space-separated list @list names @name. */
static int listed(const char *list, const char *name)
{
	size_t len = strlen(name);

	for (const char *p = list; (p = strstr(p, name)); p += len)
		if ((p == list || p[-1] == ' ') && (p[len] == ' ' || !p[len]))
			return 1;
	return 0;
}

static const char *option_name(int c)
{
	for (int i = 0; all_options[i].name; i++)
		if (all_options[i].val == c)
			return all_options[i].name;
	return NULL;
}

/*
 * What getopt_long() refused, in its words: @c is ':' or '?', @arg the
 * argument it stopped at.  optopt is the option's value for a known long
 * option, the letter for an unknown short one, 0 for an unknown long one.
 */
static void bad_option(int c, const char *arg, FILE *err)
{
	const char *name = option_name(optopt);

	if (c == ':')
		fprintf(err, PROG ": option '--%s' requires an argument\n", name);
	else if (name)
		fprintf(err, PROG ": option '--%s' doesn't allow an argument\n", name);
	else if (optopt)
		fprintf(err, PROG ": invalid option -- '%c'\n", optopt);
	else
		fprintf(err, PROG ": unrecognized option '%.*s'\n",
			(int)strcspn(arg, "="), arg);
}

int parse_options(int argc, char **argv, const char *allowed,
		  const char *required, struct options *opts, FILE *err)
{
	const char *name;
	int c;

	memset(opts, 0, sizeof(*opts));
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", all_options, NULL)) != -1) {
		if (c == ':' || c == '?') {
			bad_option(c, argv[optind - 1], err);
			return -1;
		}
		name = option_name(c);
		if (c != 'h' && !listed(allowed, name)) {
			fprintf(err, PROG ": unrecognized option '--%s'\n", name);
			return -1;
		}
		switch (c) {
		case 'h':
			return 1;
		case OPT_PATH:
			opts->path = optarg;
			break;
		case OPT_DEBUGFS:
			opts->debugfs = optarg;
			break;
		case OPT_QMP:
			opts->qmp = optarg;
			break;
		case OPT_JSON:
			opts->json = 1;
			break;
		}
	}
	if (optind < argc) {
		fprintf(err, PROG ": unexpected argument '%s'\n", argv[optind]);
		return -1;
	}
	if ((listed(required, "path") && !opts->path) ||
	    (listed(required, "qmp") && !opts->qmp)) {
		fprintf(err, PROG ": --%s is required\n", required);
		return -1;
	}
	print_init(opts->json);
	return 0;
}

int usage_exit(int r, const char *cmd, const char *usage)
{
	if (r > 0) {
		fputs(usage, stdout);
		return EXIT_OK;
	}
	fprintf(stderr, "Try '" PROG "%s%s --help' for more information.\n",
		cmd ? " " : "", cmd ? cmd : "");
	return EXIT_USAGE;
}

int exit_code(int err)
{
	switch (-err) {
	case 0:
		return EXIT_OK;
	case EOPNOTSUPP:
	case ENOTTY:
		return EXIT_UNSUPPORTED;
	case ESRCH:
	case ENOENT:
	case ENOTUNIQ:
	case EBADF:
	case ECONNREFUSED:
		return EXIT_NOT_FOUND;
	case EPERM:
	case EACCES:
		return EXIT_PERMISSION;
	default:
		return EXIT_FAILED;
	}
}
