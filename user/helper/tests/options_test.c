// SPDX-License-Identifier: GPL-2.0-or-later
/* Command-line parsing of the kvm-coco-reset subcommands. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "kselftest_harness.h"

static FILE *devnull;

static int parse(const char *allowed, struct options *o, int argc, ...)
{
	char *argv[16];
	va_list ap;

	va_start(ap, argc);
	for (int i = 0; i < argc; i++)
		argv[i] = va_arg(ap, char *);
	va_end(ap);
	argv[argc] = NULL;
	if (!devnull)
		devnull = fopen("/dev/null", "w");
	return parse_options(argc, argv, allowed, o, devnull);
}

TEST(stats_options)
{
	struct options o;

	ASSERT_EQ(0, parse("pid fd json", &o, 5, "stats",
			   "--pid", "123", "--fd=7", "--json"));
	EXPECT_EQ(123, o.pid);
	EXPECT_EQ(7, o.fd);
	EXPECT_EQ(1, o.json);
}

TEST(defaults)
{
	struct options o;

	ASSERT_EQ(0, parse("json", &o, 1, "caps"));
	EXPECT_EQ(0, o.pid);
	EXPECT_EQ(-1, o.fd);
	EXPECT_EQ(0, o.json);
}

TEST(help)
{
	struct options o;

	EXPECT_EQ(1, parse("pid", &o, 2, "stats", "--help"));
}

TEST(errors)
{
	struct options o;

	EXPECT_EQ(-1, parse("pid fd", &o, 1, "stats"));			/* no --pid */
	EXPECT_EQ(-1, parse("pid fd", &o, 3, "stats", "--pid", "0"));
	EXPECT_EQ(-1, parse("pid fd", &o, 3, "stats", "--pid", "12a"));
	EXPECT_EQ(-1, parse("pid fd", &o, 3, "stats", "--pid", "99999999999"));
	EXPECT_EQ(-1, parse("pid fd", &o, 5, "stats", "--pid", "1", "--fd", "-3"));
	EXPECT_EQ(-1, parse("pid fd", &o, 4, "stats", "--pid", "1", "--json"));	/* not allowed */
	EXPECT_EQ(-1, parse("json", &o, 2, "caps", "--bogus"));
	EXPECT_EQ(-1, parse("json", &o, 2, "caps", "extra"));
	EXPECT_EQ(-1, parse("pid", &o, 2, "stats", "--pid"));		/* missing value */
}

TEST_HARNESS_MAIN
