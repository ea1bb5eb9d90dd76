// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * kcr_stats_read() on crafted binary stats files: KVM_GET_STATS_FD is
 * answered by a memfd (the test links with --wrap=ioctl).
 */
#include <errno.h>
#include <stdarg.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
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

TEST(stats_path)
{
	struct kcr_stats st;

	EXPECT_EQ(-EINVAL, kcr_stats_read_path("kvm/1-2", &st));
	EXPECT_EQ(-ENOENT, kcr_stats_read_path("/kvm/no-such-vm", &st));
}

/* A directory without our counters (debugfs's root) is said so plainly. */
TEST(stats_path_without_counters)
{
	struct kcr_stats st;

	if (access(KCR_DEBUGFS "/", R_OK | X_OK))
		SKIP(return, "cannot read %s", KCR_DEBUGFS);
	EXPECT_EQ(-EOPNOTSUPP, kcr_stats_read_path("/", &st));
}

TEST_HARNESS_MAIN
