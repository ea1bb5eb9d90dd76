// SPDX-License-Identifier: GPL-2.0-or-later
/* Command-line parsing and error reporting shared by the subcommands. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "kvmcocoreset.h"

static const struct option all_options[] = {
	{ "pid", required_argument, NULL, 'p' },
	{ "fd", required_argument, NULL, 'f' },
	{ "json", no_argument, NULL, 'j' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static int parse_int(const char *s, long min, long max, long *v)
{
	char *end;

	errno = 0;
	*v = strtol(s, &end, 10);
	return !*s || *end || errno || *v < min || *v > max ? -1 : 0;
}

int parse_options(int argc, char **argv, const char *allowed,
		  struct options *opts, FILE *err)
{
	long v;
	int c;

	memset(opts, 0, sizeof(*opts));
	opts->fd = -1;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", all_options, NULL)) != -1) {
		const char *name = NULL;

		for (int i = 0; all_options[i].name; i++)
			if (all_options[i].val == c)
				name = all_options[i].name;
		if (!name || (c != 'h' && !strstr(allowed, name))) {
			fprintf(err, "%s: unknown option '%s'\n", argv[0],
				argv[optind - 1]);
			return -1;
		}
		switch (c) {
		case 'h':
			return 1;
		case 'p':
			if (parse_int(optarg, 1, INT_MAX, &v)) {
				fprintf(err, "%s: --pid needs a process id, not '%s'\n",
					argv[0], optarg);
				return -1;
			}
			opts->pid = v;
			break;
		case 'f':
			if (parse_int(optarg, 0, INT_MAX, &v)) {
				fprintf(err, "%s: --fd needs a file descriptor number, not '%s'\n",
					argv[0], optarg);
				return -1;
			}
			opts->fd = v;
			break;
		case 'j':
			opts->json = 1;
			break;
		}
	}
	if (optind < argc) {
		fprintf(err, "%s: unexpected argument '%s'\n", argv[0], argv[optind]);
		return -1;
	}
	if (strstr(allowed, "pid") && !opts->pid) {
		fprintf(err, "%s: --pid is required\n", argv[0]);
		return -1;
	}
	return 0;
}

int usage_exit(int r, const char *usage)
{
	fputs(usage, r > 0 ? stdout : stderr);
	return r > 0 ? EXIT_OK : EXIT_USAGE;
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
		return EXIT_NOT_FOUND;
	case EPERM:
	case EACCES:
		return EXIT_PERMISSION;
	default:
		return EXIT_FAILED;
	}
}

void json_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fputc('\\', f);
		if ((unsigned char)*s < 0x20)
			fprintf(f, "\\u%04x", *s);
		else
			fputc(*s, f);
	}
	fputc('"', f);
}
