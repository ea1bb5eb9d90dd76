// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The QMP client of `kvm-coco-reset reset --qmp` against a fake QEMU: a
 * child process that plays a script on the other end of a socketpair
 * ("<" a command it must receive, ">" a line it sends).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "kselftest_harness.h"

#define GREETING	"> {\"QMP\": {\"version\": {\"qemu\": {\"micro\": 2, \"minor\": 2, " \
			"\"major\": 10}}, \"capabilities\": [\"oob\"]}}"
#define CAPS		"< qmp_capabilities", "> {\"return\": {}}"
#define RESET_EVENT(data) \
	"> {\"timestamp\": {\"seconds\": 1764300000, \"microseconds\": 1}, " \
	"\"event\": \"RESET\", \"data\": {\"guest\": false, " \
	"\"reason\": \"host-qmp-system-reset\"" data "}}"

#define BIG_MESSAGE	(70 * 1024)

/*
 * Play @script on @fd; exit 0 if every expected command came.  Besides
 * "<" and ">": "+" sends a message of BIG_MESSAGE bytes, "." sends a
 * newline every 20 ms for a second.
 */
static void serve(int fd, const char *const *script)
{
	FILE *in = fdopen(dup(fd), "r");
	char line[512];

	for (; *script; script++) {
		const char *s = *script + 2;

		if (**script == '+') {
			if (dprintf(fd, "{\"event\": \"X\", \"data\": \"%0*d\"}\n",
				    BIG_MESSAGE, 0) < 0)
				_exit(1);
		} else if (**script == '.') {
			for (int i = 0; i < 50; i++, usleep(20000))
				if (write(fd, "\n", 1) != 1)
					_exit(0);
		} else if (**script == '>') {
			if (dprintf(fd, "%s\r\n", s) < 0)
				_exit(1);
		} else if (!fgets(line, sizeof(line), in) || !strstr(line, s)) {
			_exit(2);
		}
	}
	_exit(0);
}

struct run {
	int r;
	enum qmp_in_place in_place;
	char msg[256];
	int server;	/* the fake's exit status: 0 if it got every command */
};

static struct run run_script(const char *const *script, int timeout_ms)
{
	struct run run = { .in_place = 42 };
	int sv[2], status;
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv))
		abort();
	pid = fork();
	if (!pid) {
		close(sv[0]);
		serve(sv[1], script);
	}
	close(sv[1]);
	run.r = qmp_system_reset(sv[0], timeout_ms, &run.in_place, run.msg,
				 sizeof(run.msg));
	close(sv[0]);
	waitpid(pid, &status, 0);
	run.server = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
	return run;
}

TEST(patched_qemu_in_place)
{
	static const char *const script[] = {
		GREETING, CAPS, "< system_reset", "> {\"return\": {}}",
		RESET_EVENT(", \"in-place\": true"), NULL,
	};
	struct run run = run_script(script, 5000);

	EXPECT_EQ(0, run.r);
	EXPECT_EQ(QMP_IN_PLACE_YES, run.in_place);
	EXPECT_EQ(0, run.server);
}

/* KVM_RESET_VM failed and QEMU rebuilt the VM; the event came first. */
TEST(patched_qemu_not_in_place)
{
	static const char *const script[] = {
		GREETING, CAPS, "< system_reset",
		RESET_EVENT(", \"in-place\": false"),
		"> {\"timestamp\": {\"seconds\": 1, \"microseconds\": 2}, \"event\": \"RESUME\"}",
		"> {\"return\": {}}", NULL,
	};
	struct run run = run_script(script, 5000);

	EXPECT_EQ(0, run.r);
	EXPECT_EQ(QMP_IN_PLACE_NO, run.in_place);
	EXPECT_EQ(0, run.server);
}

/* Stock QEMU has no "in-place": unknown, not "no". */
TEST(stock_qemu)
{
	static const char *const script[] = {
		GREETING, CAPS, "< system_reset", "> {\"return\": {}}",
		RESET_EVENT(""), NULL,
	};
	struct run run = run_script(script, 5000);

	EXPECT_EQ(0, run.r);
	EXPECT_EQ(QMP_IN_PLACE_UNKNOWN, run.in_place);
	EXPECT_EQ(0, run.server);
}

TEST(qemu_error)
{
	static const char *const script[] = {
		GREETING, CAPS, "< system_reset",
		"> {\"error\": {\"class\": \"GenericError\", \"desc\": \"no \\\"reset\\\" now\"}}",
		NULL,
	};
	struct run run = run_script(script, 5000);

	EXPECT_EQ(-EPROTO, run.r);
	EXPECT_STREQ("QEMU answered: no \"reset\" now", run.msg);
}

/* A short \\u escape ends at the string's end, not past it. */
TEST(short_unicode_escape)
{
	static const char *const script[] = {
		GREETING, CAPS, "< system_reset",
		"> {\"error\": {\"class\": \"GenericError\", \"desc\": \"a\\u12\", \"x\": \"abc\"}}",
		NULL,
	};
	struct run run = run_script(script, 5000);

	EXPECT_EQ(-EPROTO, run.r);
	EXPECT_STREQ("QEMU answered: a?", run.msg);
}

TEST(not_qmp)
{
	static const char *const script[] = { "> SSH-2.0-OpenSSH_9.2", NULL };
	struct run run = run_script(script, 5000);

	EXPECT_EQ(-EPROTO, run.r);
	EXPECT_STREQ("not a QMP message", run.msg);
}

TEST(not_a_greeting)
{
	static const char *const script[] = { "> {\"return\": {}}", NULL };
	struct run run = run_script(script, 5000);

	EXPECT_EQ(-EPROTO, run.r);
	EXPECT_STREQ("not a QMP greeting", run.msg);
}

TEST(qemu_quits_before_the_event)
{
	static const char *const script[] = {
		GREETING, CAPS, "< system_reset", "> {\"return\": {}}", NULL,
	};
	struct run run = run_script(script, 5000);

	EXPECT_EQ(-ECONNRESET, run.r);
	EXPECT_EQ(42, run.in_place);
}

TEST(no_event_in_time)
{
	static const char *const script[] = {
		GREETING, CAPS, "< system_reset", "> {\"return\": {}}",
		"< never sent", NULL,
	};
	struct run run = run_script(script, 200);

	EXPECT_EQ(-ETIMEDOUT, run.r);
}

/* A monitor with pretty=on spreads each message over lines. */
TEST(pretty_printed)
{
	static const char *const script[] = {
		"> {\n    \"QMP\": {\n        \"capabilities\": [\n        ]\n    }\n}",
		"< qmp_capabilities", "> {\n    \"return\": {\n    }\n}",
		"< system_reset", "> {\n    \"return\": {\n    }\n}",
		"> {\n    \"event\": \"RESET\",\n    \"data\": {\n"
		"        \"guest\": false,\n        \"reason\": \"host-qmp-system-reset\",\n"
		"        \"in-place\": true\n    }\n}", NULL,
	};
	struct run run = run_script(script, 5000);

	EXPECT_EQ(0, run.r);
	EXPECT_EQ(QMP_IN_PLACE_YES, run.in_place);
	EXPECT_EQ(0, run.server);
}

/* The guest's own reboot, reported in the same window, is not the answer. */
TEST(guest_reset_in_between)
{
	static const char *const script[] = {
		GREETING, CAPS, "< system_reset",
		"> {\"event\": \"RESET\", \"data\": {\"guest\": true, "
		"\"reason\": \"guest-reset\", \"in-place\": false}}",
		"> {\"return\": {}}", RESET_EVENT(", \"in-place\": true"), NULL,
	};
	struct run run = run_script(script, 5000);

	EXPECT_EQ(0, run.r);
	EXPECT_EQ(QMP_IN_PLACE_YES, run.in_place);
	EXPECT_EQ(0, run.server);
}

/* A member name inside a string value is not a member. */
TEST(member_names_in_strings)
{
	static const char *const script[] = {
		GREETING, CAPS, "< system_reset", "> {\"return\": {}}",
		"> {\"event\": \"BLOCK_JOB\", \"data\": {\"id\": "
		"\"\\\"event\\\": \\\"RESET\\\"\"}}",
		RESET_EVENT(""), NULL,
	};
	struct run run = run_script(script, 5000);

	EXPECT_EQ(0, run.r);
	EXPECT_EQ(QMP_IN_PLACE_UNKNOWN, run.in_place);
}

TEST(message_too_long)
{
	static const char *const script[] = { GREETING, CAPS, "< system_reset", "+", NULL };
	struct run run = run_script(script, 5000);

	EXPECT_EQ(-EPROTO, run.r);
	EXPECT_STREQ("a message longer than 65536 bytes", run.msg);
}

TEST(not_json)
{
	static const char *const script[] = { GREETING, CAPS, "< system_reset",
					      "> [1, 2]", NULL };
	struct run run = run_script(script, 5000);

	EXPECT_EQ(-EPROTO, run.r);
	EXPECT_STREQ("not a QMP message", run.msg);
}

/* The timeout bounds the whole exchange, not each wait for a byte. */
TEST(timeout_is_a_deadline)
{
	static const char *const script[] = {
		GREETING, CAPS, "< system_reset", "> {\"return\": {}}", ".", NULL,
	};
	struct timespec t0, t1;
	struct run run;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	run = run_script(script, 300);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	EXPECT_EQ(-ETIMEDOUT, run.r);
	/* The fake trickles for a second: a per-poll timeout never fires. */
	EXPECT_GT(1000, (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000);
}

TEST(connect_to_socket)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	char dir[] = "/tmp/kcr-qmp-XXXXXX";
	int lfd, fd;

	ASSERT_NE(NULL, mkdtemp(dir));
	snprintf(addr.sun_path, sizeof(addr.sun_path), "%s/qmp.sock", dir);
	EXPECT_EQ(-ENOENT, qmp_connect(addr.sun_path));
	lfd = socket(AF_UNIX, SOCK_STREAM, 0);
	ASSERT_EQ(0, bind(lfd, (struct sockaddr *)&addr, sizeof(addr)));
	ASSERT_EQ(0, listen(lfd, 1));
	fd = qmp_connect(addr.sun_path);
	EXPECT_LE(0, fd);
	close(fd);
	close(lfd);
	unlink(addr.sun_path);
	rmdir(dir);
	EXPECT_EQ(-ENAMETOOLONG, qmp_connect("/tmp/" "a-path-longer-than-sun-path-"
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		"aaaaaaaaaaaaaaaaaaaaaaaa"));
}

TEST_HARNESS_MAIN
