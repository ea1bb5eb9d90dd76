// SPDX-License-Identifier: GPL-2.0-or-later
/* The JSON the command prints: valid whatever bytes a string holds. */
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "kselftest_harness.h"

static char *out;
static size_t out_len;

/* print_str(@key, @value) as one JSON record; the output in out. */
static void record(const char *key, const char *value)
{
	FILE *saved = stdout;

	stdout = open_memstream(&out, &out_len);
	print_init(1);
	print_start();
	print_str(key, NULL, value);
	print_end();
	fclose(stdout);
	stdout = saved;
}

TEST(escapes)
{
	record("path", "a\"b\\c\nd");
	EXPECT_STREQ("{\"path\":\"a\\\"b\\\\c\\u000ad\"}\n", out);
	free(out);
}

/* UTF-8 passes; a byte that is not (a stray continuation, an overlong
 * '/', a surrogate, a cut sequence) becomes U+FFFD, one per byte. */
TEST(utf8)
{
	record("p", "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
	EXPECT_STREQ("{\"p\":\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"}\n", out);
	free(out);
	record("p", "\x80|\xc0\xaf|\xed\xa0\x80|\xe2\x82");
	EXPECT_STREQ("{\"p\":\"\\ufffd|\\ufffd\\ufffd|\\ufffd\\ufffd\\ufffd|"
		     "\\ufffd\\ufffd\"}\n", out);
	free(out);
}

TEST_HARNESS_MAIN
