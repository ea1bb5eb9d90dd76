// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * kcr_stats_read() on crafted binary stats files: KVM_GET_STATS_FD is
 * answered by a memfd (the test links with --wrap=ioctl).
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdarg.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <linux/kvm.h>

#include "kvmcocoreset.h"
#include "kselftest_harness.h"

#define FAKE_VM_FD	1000
#define DESC_OFFSET	64

static int stats_fd = -1;

int __real_ioctl(int fd, unsigned long req, ...);

int __wrap_ioctl(int fd, unsigned long req, ...)
{
	va_list ap;
	void *arg;

	va_start(ap, req);
	arg = va_arg(ap, void *);
	va_end(ap);
	if (fd == FAKE_VM_FD && req == KVM_GET_STATS_FD)
		return dup(stats_fd);
	return __real_ioctl(fd, req, arg);
}

/* A stats file with @n descriptors named @names, each value @values[i]. */
static void craft(uint32_t name_size, int n, const char *const *names,
		  const uint64_t *values)
{
	size_t desc_size = sizeof(struct kvm_stats_desc) + name_size;
	struct kvm_stats_header hdr = {
		.name_size = name_size,
		.num_desc = n,
		.id_offset = sizeof(hdr),
		.desc_offset = DESC_OFFSET,
		.data_offset = DESC_OFFSET + n * desc_size,
	};
	char desc[sizeof(struct kvm_stats_desc) + 64] = { 0 };
	struct kvm_stats_desc *d = (struct kvm_stats_desc *)desc;

	stats_fd = memfd_create("stats", 0);
	pwrite(stats_fd, &hdr, sizeof(hdr), 0);
	pwrite(stats_fd, "kvm-1234", 9, hdr.id_offset);
	for (int i = 0; i < n; i++) {
		memset(desc, 0, sizeof(desc));
		d->size = 1;
		d->offset = i * sizeof(uint64_t);
		if (name_size)
			strncpy(d->name, names[i], name_size);
		pwrite(stats_fd, desc, desc_size, DESC_OFFSET + i * desc_size);
		pwrite(stats_fd, &values[i], sizeof(values[i]),
		       hdr.data_offset + d->offset);
	}
}

TEST(reset_counters)
{
	static const char *const names[] = { "remote_tlb_flush", "vm_resets",
					      "vm_reset_last_ns" };
	static const uint64_t values[] = { 5, 3, 1169000 };
	struct kcr_stats st;

	craft(48, 3, names, values);
	ASSERT_EQ(0, kcr_stats_read(FAKE_VM_FD, &st));
	EXPECT_EQ(3u, st.resets);
	EXPECT_EQ(1169000u, st.last_reset_ns);
}

/* A KVM without the series has stats, but not ours. */
TEST(stock_kvm_has_no_reset_counters)
{
	static const char *const names[] = { "remote_tlb_flush" };
	static const uint64_t values[] = { 5 };
	struct kcr_stats st;

	craft(48, 1, names, values);
	EXPECT_EQ(-EOPNOTSUPP, kcr_stats_read(FAKE_VM_FD, &st));
}

/* name_size 0 cannot hold a name: malformed, and nothing written before it. */
TEST(name_size_zero)
{
	static const char *const names[] = { "vm_resets" };
	static const uint64_t values[] = { 1 };
	struct kcr_stats st;

	craft(0, 1, names, values);
	EXPECT_EQ(-EPROTO, kcr_stats_read(FAKE_VM_FD, &st));
}

/* A name that fills name_size without its NUL is cut, not overread. */
TEST(name_without_nul)
{
	static const char *const names[] = { "vm_resets", "vm_reset_last_ns" };
	static const uint64_t values[] = { 1, 2 };
	struct kcr_stats st;

	craft(9, 2, names, values);
	EXPECT_EQ(-EOPNOTSUPP, kcr_stats_read(FAKE_VM_FD, &st));
}

TEST(truncated_file)
{
	struct kcr_stats st;

	stats_fd = memfd_create("stats", 0);
	pwrite(stats_fd, "x", 1, 0);
	EXPECT_EQ(-EPROTO, kcr_stats_read(FAKE_VM_FD, &st));
}

/* A second vm_resets, or one that is not a single u64, is not KVM's. */
TEST(malformed_descriptors)
{
	static const char *const names[] = { "vm_resets", "vm_reset_last_ns", "vm_resets" };
	static const uint64_t values[] = { 1, 2, 3 };
	size_t desc_size = sizeof(struct kvm_stats_desc) + 48;
	uint32_t size = 2;
	struct kcr_stats st;

	craft(48, 3, names, values);
	EXPECT_EQ(-EPROTO, kcr_stats_read(FAKE_VM_FD, &st));
	craft(48, 2, names, values);
	pwrite(stats_fd, &size, sizeof(size), DESC_OFFSET + desc_size +
	       offsetof(struct kvm_stats_desc, size));
	EXPECT_EQ(-EPROTO, kcr_stats_read(FAKE_VM_FD, &st));
}

/* data_offset + offset is a file offset past 4 GiB, not a wrapped u32. */
TEST(offsets_do_not_wrap)
{
	static const char *const names[] = { "vm_resets", "vm_reset_last_ns" };
	static const uint64_t values[] = { 1, 2 };
	uint32_t data_offset = 0xfffffff8, offset = 16;
	struct kcr_stats st;

	craft(48, 2, names, values);
	pwrite(stats_fd, &data_offset, sizeof(data_offset),
	       offsetof(struct kvm_stats_header, data_offset));
	pwrite(stats_fd, &offset, sizeof(offset),
	       DESC_OFFSET + offsetof(struct kvm_stats_desc, offset));
	EXPECT_EQ(-EPROTO, kcr_stats_read(FAKE_VM_FD, &st));
}

/* A debugfs of our own: kvm/1-2 with the counters, kvm/3-4 (stock KVM) without. */
FIXTURE(debugfs)
{
	char dir[256];
	char path[320];
};

static const char *at(struct _test_data_debugfs *self, const char *name)
{
	snprintf(self->path, sizeof(self->path), "%s/%s", self->dir, name);
	return self->path;
}

static void put(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (!f || fputs(text, f) < 0 || fclose(f))
		abort();
}

FIXTURE_SETUP(debugfs)
{
	const char *tmp = getenv("TMPDIR");

	snprintf(self->dir, sizeof(self->dir), "%s/kcr-debugfs-XXXXXX", tmp ? tmp : "/tmp");
	ASSERT_NE(NULL, mkdtemp(self->dir));
	ASSERT_EQ(0, mkdir(at(self, "kvm"), 0755));
	ASSERT_EQ(0, mkdir(at(self, "kvm/1-2"), 0755));
	ASSERT_EQ(0, mkdir(at(self, "kvm/3-4"), 0755));
	put(at(self, "kvm/1-2/vm_resets"), "3\n");
	put(at(self, "kvm/1-2/vm_reset_last_ns"), "1169000\n");
	put(at(self, "kvm/1-2/remote_tlb_flush"), "5\n");
	put(at(self, "kvm/3-4/remote_tlb_flush"), "5\n");
}

FIXTURE_TEARDOWN(debugfs)
{
	static const char *const files[] = {
		"kvm/1-2/vm_resets", "kvm/1-2/vm_reset_last_ns", "kvm/1-2/remote_tlb_flush",
		"kvm/3-4/remote_tlb_flush", "kvm/3-4/vm_resets", "kvm/1-2", "kvm/3-4", "kvm", "",
	};

	chmod(self->dir, 0700);
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		remove(at(self, files[i]));
}

TEST_F(debugfs, counters)
{
	struct kcr_stats st;

	ASSERT_EQ(0, kcr_stats_read_path(self->dir, "/kvm/1-2", &st));
	EXPECT_EQ(3u, st.resets);
	EXPECT_EQ(1169000u, st.last_reset_ns);
}

TEST_F(debugfs, errors)
{
	char dir[sizeof(self->dir)];
	struct kcr_stats st;

	strcpy(dir, self->dir);
	EXPECT_EQ(-EINVAL, kcr_stats_read_path(dir, "kvm/1-2", &st));
	EXPECT_EQ(-ENOENT, kcr_stats_read_path(dir, "/kvm/5-6", &st));
	/* A stock KVM's VM directory: stats, but not ours. */
	EXPECT_EQ(-EOPNOTSUPP, kcr_stats_read_path(dir, "/kvm/3-4", &st));
	put(at(self, "kvm/3-4/vm_resets"), "many\n");
	EXPECT_EQ(-EPROTO, kcr_stats_read_path(dir, "/kvm/3-4", &st));
}

/* debugfs is mode 0700: another user is refused, and told so. */
TEST_F(debugfs, not_readable)
{
	char dir[sizeof(self->dir)];
	struct kcr_stats st;

	if (!geteuid())
		SKIP(return, "root reads a mode 0000 directory");
	strcpy(dir, self->dir);
	ASSERT_EQ(0, chmod(dir, 0));
	EXPECT_EQ(-EACCES, kcr_stats_read_path(dir, "/kvm/1-2", &st));
}

TEST_HARNESS_MAIN
