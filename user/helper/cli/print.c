// SPDX-License-Identifier: GPL-2.0-or-later
/* One print path for text and JSON; errors; checked writes to stdout. */
#include <errno.h>
#include <stdarg.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "kvmcocoreset.h"

static int json;
/* Whether the next member at each nesting level needs a comma first. */
static int comma[4];
static int depth;

void print_init(int json_mode)
{
	json = json_mode;
}

/*
 * The length of the well-formed UTF-8 sequence at @s (RFC 3629: no
 * overlong forms, no surrogates, nothing above U+10FFFF), 0 if there is none.
 */
static int utf8_len(const unsigned char *s)
{
	unsigned char lo = 0x80, hi = 0xbf;
	int len;

	if (*s < 0x80)
		return 1;
	if (*s >= 0xc2 && *s <= 0xdf)
		len = 2;
	else if (*s >= 0xe0 && *s <= 0xef)
		len = 3;
	else if (*s >= 0xf0 && *s <= 0xf4)
		len = 4;
	else
		return 0;
	if (*s == 0xe0)
		lo = 0xa0;
	else if (*s == 0xed)
		hi = 0x9f;
	else if (*s == 0xf0)
		lo = 0x90;
	else if (*s == 0xf4)
		hi = 0x8f;
	for (int i = 1; i < len; i++, lo = 0x80, hi = 0xbf)
		if (s[i] < lo || s[i] > hi)
			return 0;
	return len;
}

/*
 * @s as a JSON string; each byte that does not start a well-formed UTF-8
 * sequence becomes one U+FFFD (so a cut sequence gives one per byte, not
 * Unicode's "maximal subpart" single one).
 */
static void json_string(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	int len;

	putchar('"');
	while (*p) {
		len = utf8_len(p);
		if (!len) {
			fputs("\\ufffd", stdout);
			p++;
			continue;
		}
		if (*p == '"' || *p == '\\')
			putchar('\\');
		if (*p < 0x20)
			printf("\\u%04x", *p);
		else
			fwrite(p, 1, len, stdout);
		p += len;
	}
	putchar('"');
}

/* In JSON: the comma before a member, and its key if it has one. */
static int json_key(const char *key)
{
	if (!json)
		return 0;
	if (comma[depth])
		putchar(',');
	comma[depth] = 1;
	if (key) {
		json_string(key);
		putchar(':');
	}
	return 1;
}

static void json_open(const char *key, char c)
{
	json_key(key);
	putchar(c);
	comma[++depth] = 0;
}

void print_start(void)
{
	/* A write that fails inside the record leaves its errno for flush_stdout(). */
	errno = 0;
	depth = 0;
	comma[0] = 0;
	if (json)
		json_open(NULL, '{');
}

void print_end(void)
{
	if (json)
		putchar('}');
	depth = 0;
	putchar('\n');
}

void print_str(const char *key, const char *fmt, const char *value)
{
	if (json_key(key))
		json_string(value);
	else if (fmt)
		printf(fmt, value);
}

void print_u64(const char *key, const char *fmt, uint64_t value)
{
	if (json_key(key))
		printf("%llu", (unsigned long long)value);
	else if (fmt)
		printf(fmt, (unsigned long long)value);
}

void print_int(const char *key, const char *fmt, long long value)
{
	if (json_key(key))
		printf("%lld", value);
	else if (fmt)
		printf(fmt, value);
}

void print_bool(const char *key, const char *fmt, int value)
{
	if (json_key(key))
		fputs(value ? "true" : "false", stdout);
	else if (fmt)
		printf(fmt, value ? "yes" : "no");
}

void print_null(const char *key, const char *text)
{
	if (json_key(key))
		fputs("null", stdout);
	else if (text)
		fputs(text, stdout);
}

void print_text(const char *text)
{
	if (!json)
		fputs(text, stdout);
}

void open_array(const char *key, const char *fmt)
{
	if (json)
		json_open(key, '[');
	else if (fmt)
		fputs(fmt, stdout);
}

void close_array(const char *fmt)
{
	if (json) {
		putchar(']');
		depth--;
	} else if (fmt) {
		fputs(fmt, stdout);
	}
}

static int report(int err, const char *msg)
{
	if (json) {
		print_start();
		print_str("error", NULL, msg);
		print_int("errno", NULL, err < 0 ? -err : err);
		print_end();
	} else {
		fflush(stdout);
		fprintf(stderr, PROG ": %s\n", msg);
	}
	return exit_code(err);
}

int fail(int err, const char *hint, const char *what, ...)
{
	char msg[512];
	va_list ap;
	int n;

	va_start(ap, what);
	n = vsnprintf(msg, sizeof(msg), what, ap);
	va_end(ap);
	if (n >= 0 && (size_t)n < sizeof(msg))
		snprintf(msg + n, sizeof(msg) - n, ": %s%s%s%s", kcr_strerror(err),
			 hint ? " (" : "", hint ? hint : "", hint ? ")" : "");
	return report(err, msg);
}

int fail_msg(int err, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return report(err, msg);
}

/* The first write error on stdout, kept for close_stdout(). */
static int stdout_err;

int flush_stdout(void)
{
	if (stdout_err)
		return stdout_err;
	if (fflush(stdout))
		stdout_err = -errno;
	else if (ferror(stdout))
		/* A write inside the last record failed (print_start() cleared errno). */
		stdout_err = errno ? -errno : -EIO;
	return stdout_err;
}

int close_stdout(void)
{
	int r = flush_stdout();

	if (fclose(stdout) && !r)
		r = -errno;
	/* A closed pipe is the reader's choice, not an error (util-linux). */
	if (r && r != -EPIPE)
		fprintf(stderr, PROG ": write error: %s\n", strerror(-r));
	return r == -EPIPE ? 0 : r;
}
