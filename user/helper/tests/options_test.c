// SPDX-License-Identifier: GPL-2.0-or-later
/* Command-line parsing of the kvm-coco-reset subcommands. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "kselftest_harness.h"

static char err[512];

/* parse_options() on @argc arguments; its message in err. */
static int parse(const char *allowed, const char *required, struct options *o,
		 int argc, ...)
{
	char *argv[16];
	va_list ap;
	FILE *f;
	int r;

	va_start(ap, argc);
	for (int i = 0; i < argc; i++)
		argv[i] = va_arg(ap, char *);
	va_end(ap);
	argv[argc] = NULL;
	f = fmemopen(err, sizeof(err), "w");
	r = parse_options(argc, argv, allowed, required, o, f);
	fclose(f);
	return r;
}

TEST(stats_options)
{
	struct options o;

	ASSERT_EQ(0, parse("path json", "path", &o, 3, "stats",
			   "--path=/kvm/12-7", "--json"));
	EXPECT_STREQ("/kvm/12-7", o.path);
	EXPECT_EQ(1, o.json);
}

TEST(reset_options)
{
	struct options o;

	ASSERT_EQ(0, parse("qmp json", "qmp", &o, 3, "reset", "--qmp", "/run/q.sock"));
	EXPECT_STREQ("/run/q.sock", o.qmp);
	EXPECT_EQ(0, o.json);
}

TEST(defaults)
{
	struct options o;

	ASSERT_EQ(0, parse("json", "", &o, 1, "caps"));
	EXPECT_EQ(NULL, o.path);
	EXPECT_EQ(NULL, o.qmp);
	EXPECT_EQ(0, o.json);
}

TEST(help)
{
	struct options o;

	EXPECT_EQ(1, parse("path", "path", &o, 2, "stats", "--help"));
	EXPECT_EQ(1, parse("path", "path", &o, 2, "stats", "-h"));
}

/* Each error says what is wrong with the program's one prefix. */
TEST(errors)
{
	struct options o;

	EXPECT_EQ(-1, parse("path", "path", &o, 1, "stats"));
	EXPECT_STREQ("kvm-coco-reset: --path is required\n", err);
	EXPECT_EQ(-1, parse("path", "path", &o, 2, "stats", "--path"));
	EXPECT_STREQ("kvm-coco-reset: option '--path' requires an argument\n", err);
	EXPECT_EQ(-1, parse("path", "path", &o, 4, "stats", "--path", "/x", "--json"));
	EXPECT_STREQ("kvm-coco-reset: unrecognized option '--json'\n", err);
	EXPECT_EQ(-1, parse("json", "", &o, 2, "caps", "--bogus"));
	EXPECT_STREQ("kvm-coco-reset: unrecognized option '--bogus'\n", err);
	EXPECT_EQ(-1, parse("json", "", &o, 2, "caps", "--bogus=1"));
	EXPECT_STREQ("kvm-coco-reset: unrecognized option '--bogus'\n", err);
	EXPECT_EQ(-1, parse("json", "", &o, 2, "caps", "-x"));
	EXPECT_STREQ("kvm-coco-reset: invalid option -- 'x'\n", err);
	/* The first letter of a long option is not a short option. */
	EXPECT_EQ(-1, parse("path", "path", &o, 3, "stats", "-p", "/kvm/1-2"));
	EXPECT_STREQ("kvm-coco-reset: invalid option -- 'p'\n", err);
	EXPECT_EQ(-1, parse("json", "", &o, 2, "caps", "-j"));
	EXPECT_STREQ("kvm-coco-reset: invalid option -- 'j'\n", err);
	/* An option another subcommand takes, with its value: the option is named. */
	EXPECT_EQ(-1, parse("json", "", &o, 3, "caps", "--path", "/kvm/1-2"));
	EXPECT_STREQ("kvm-coco-reset: unrecognized option '--path'\n", err);
	EXPECT_EQ(-1, parse("json", "", &o, 2, "caps", "--json=yes"));
	EXPECT_STREQ("kvm-coco-reset: option '--json' doesn't allow an argument\n", err);
	EXPECT_EQ(-1, parse("path", "path", &o, 2, "stats", "--pa"));
	EXPECT_STREQ("kvm-coco-reset: option '--path' requires an argument\n", err);
	EXPECT_EQ(-1, parse("json", "", &o, 2, "caps", "extra"));
	EXPECT_STREQ("kvm-coco-reset: unexpected argument 'extra'\n", err);
	EXPECT_EQ(-1, parse("qmp json", "qmp", &o, 2, "reset", "--pid"));
}

TEST_HARNESS_MAIN
