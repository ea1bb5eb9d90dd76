// SPDX-License-Identifier: GPL-2.0-or-later
/* kcr_uevent_parse() on crafted messages, good and bad. */
#include <errno.h>
#include <string.h>

#include "kvmcocoreset.h"
#include "kselftest_harness.h"

/* Build a NUL-separated uevent from a "|"-separated string. */
static size_t msg(char *buf, const char *s)
{
	size_t len = strlen(s) + 1;

	memcpy(buf, s, len);
	for (size_t i = 0; i < len; i++)
		if (buf[i] == '|')
			buf[i] = '\0';
	return len;
}

#define KVM_HDR "change@/devices/virtual/misc/kvm|ACTION=change|" \
		"DEVPATH=/devices/virtual/misc/kvm|SUBSYSTEM=misc|"

TEST(reset_event)
{
	struct kcr_event ev;
	char buf[512];
	size_t len = msg(buf, KVM_HDR "CREATED=7|COUNT=2|EVENT=reset|VM_TYPE=1|"
			 "DURATION_NS=123456|PID=4242|STATS_PATH=/kvm/4242-11|"
			 "MAJOR=10|MINOR=232|DEVNAME=kvm|SEQNUM=99");

	ASSERT_EQ(0, kcr_uevent_parse(buf, len, &ev));
	EXPECT_EQ((int)KCR_EVENT_RESET, (int)ev.type);
	EXPECT_EQ(4242, ev.pid);
	EXPECT_EQ(1, ev.vm_type);
	EXPECT_EQ(123456u, ev.duration_ns);
	EXPECT_EQ(7u, ev.created);
	EXPECT_EQ(2u, ev.count);
	EXPECT_STREQ("/kvm/4242-11", ev.stats_path);
	EXPECT_STREQ("reset", kcr_event_name(ev.type));
}

TEST(create_and_destroy_events)
{
	struct kcr_event ev;
	char buf[512];
	size_t len;

	len = msg(buf, KVM_HDR "CREATED=1|COUNT=1|EVENT=create|PID=1");
	ASSERT_EQ(0, kcr_uevent_parse(buf, len, &ev));
	EXPECT_EQ((int)KCR_EVENT_CREATE, (int)ev.type);
	EXPECT_EQ(-1, ev.vm_type);
	EXPECT_STREQ("", ev.stats_path);

	len = msg(buf, KVM_HDR "CREATED=1|COUNT=0|EVENT=destroy|PID=1");
	ASSERT_EQ(0, kcr_uevent_parse(buf, len, &ev));
	EXPECT_EQ((int)KCR_EVENT_DESTROY, (int)ev.type);
}

TEST(other_device_is_not_kvm)
{
	struct kcr_event ev;
	char buf[512];
	size_t len = msg(buf, "add@/devices/virtual/net/lo|ACTION=add|"
			 "DEVPATH=/devices/virtual/net/lo|SUBSYSTEM=net|PID=abc");

	EXPECT_EQ(-ENOENT, kcr_uevent_parse(buf, len, &ev));
}

/* Each malformed KVM message gives -EINVAL, never a crash. */
TEST(malformed)
{
	static const char *const bad[] = {
		KVM_HDR "EVENT=reset|PID=12x",			/* bad number */
		KVM_HDR "EVENT=reset|PID=",			/* empty number */
		KVM_HDR "EVENT=reset|PID=-5",			/* negative */
		KVM_HDR "EVENT=reset|PID=99999999999999999999999",	/* overflow */
		KVM_HDR "EVENT=reset|PID=4294967297",		/* pid_t wraps to 1 */
		KVM_HDR "EVENT=reset|PID=0",			/* no process */
		KVM_HDR "EVENT=reset|PID=3|VM_TYPE=4294967296",	/* type wraps */
		KVM_HDR "EVENT=reboot|PID=3",			/* unknown event */
		KVM_HDR "PID=3",				/* no event */
		KVM_HDR "EVENT=create",				/* no pid */
		KVM_HDR "EVENT=reset|PID=3|NOEQUALSIGN",	/* not KEY=VALUE */
		KVM_HDR "EVENT=reset|PID=3|VM_TYPE=one",	/* bad type */
		"no-at-sign|DEVPATH=/devices/virtual/misc/kvm|EVENT=reset|PID=3",
	};
	struct kcr_event ev;
	char buf[512];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int r = kcr_uevent_parse(buf, msg(buf, bad[i]), &ev);

		EXPECT_EQ(-EINVAL, r);
	}
}

TEST(stats_path_too_long)
{
	char buf[1024], path[400];
	struct kcr_event ev;

	memset(path, 'a', sizeof(path) - 1);
	path[sizeof(path) - 1] = '\0';
	snprintf(buf, sizeof(buf), KVM_HDR "EVENT=reset|PID=3|STATS_PATH=/%s", path);
	EXPECT_EQ(-EINVAL, kcr_uevent_parse(buf, msg(buf, buf), &ev));
}

/*
 * Every truncation of a valid message is handled: rejected unless it ends
 * on a key boundary after the required keys, and never read past.
 */
TEST(truncated)
{
	char buf[512], cut[512];
	struct kcr_event ev;
	size_t len = msg(buf, KVM_HDR "CREATED=7|COUNT=2|EVENT=reset|VM_TYPE=1|"
			 "DURATION_NS=5|PID=4242|STATS_PATH=/kvm/4242-11");

	EXPECT_EQ(-EINVAL, kcr_uevent_parse(buf, 0, &ev));
	for (size_t n = 1; n < len; n++) {
		int r;

		/* A copy of exactly n bytes, so ASan sees any overread. */
		memcpy(cut, buf, n);
		r = kcr_uevent_parse(cut, n, &ev);
		if (cut[n - 1] != '\0') {
			EXPECT_EQ(-EINVAL, r);
		} else if (!r) {
			/* Ends on a key boundary: a shorter but valid event. */
			EXPECT_EQ((int)KCR_EVENT_RESET, (int)ev.type);
			EXPECT_EQ(4242, ev.pid);
		} else {
			/* Not yet a KVM event, or one without its keys. */
			EXPECT_TRUE(r == -ENOENT || r == -EINVAL);
		}
	}
}

TEST_HARNESS_MAIN
