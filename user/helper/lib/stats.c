// SPDX-License-Identifier: LGPL-2.1-or-later
/* A VM's reset counters from KVM's binary stats (KVM_GET_STATS_FD). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <linux/kvm.h>

#include "kvmcocoreset.h"

#define STATS_NAME_MAX	4096

static int read_exact(int fd, void *buf, size_t len, off_t off)
{
	ssize_t n = pread(fd, buf, len, off);

	if (n < 0)
		return -errno;
	return (size_t)n == len ? 0 : -EPROTO;
}

static int read_stats(int fd, struct kcr_stats *stats)
{
	struct kvm_stats_header hdr;
	struct kvm_stats_desc *desc;
	size_t desc_size;
	uint64_t value;
	int found = 0, bit, r;

	memset(stats, 0, sizeof(*stats));
	r = read_exact(fd, &hdr, sizeof(hdr), 0);
	if (r)
		return r;
	/* KVM's names are 48 bytes with their NUL; 0 cannot hold one. */
	if (!hdr.name_size || hdr.name_size > STATS_NAME_MAX)
		return -EPROTO;

	desc_size = sizeof(*desc) + hdr.name_size;
	desc = malloc(desc_size);
	if (!desc)
		return -ENOMEM;

	for (uint32_t i = 0; i < hdr.num_desc && !r; i++) {
		r = read_exact(fd, desc, desc_size, (off_t)hdr.desc_offset + i * desc_size);
		if (r)
			break;
		desc->name[hdr.name_size - 1] = '\0';
		if (!strcmp(desc->name, "vm_resets"))
			bit = 1;
		else if (!strcmp(desc->name, "vm_reset_last_ns"))
			bit = 2;
		else
			continue;
		/* Each is one u64; a second descriptor of the same name is not KVM's. */
		if (desc->size != 1 || (found & bit)) {
			r = -EPROTO;
			break;
		}
		r = read_exact(fd, &value, sizeof(value),
			       (off_t)hdr.data_offset + desc->offset);
		if (r)
			break;
		if (bit == 1)
			stats->resets = value;
		else
			stats->last_reset_ns = value;
		found |= bit;
	}
	free(desc);
	if (r)
		return r;
	return found == 3 ? 0 : -EOPNOTSUPP;
}

int kcr_stats_read(int vm_fd, struct kcr_stats *stats)
{
	int fd, r;

	fd = ioctl(vm_fd, KVM_GET_STATS_FD, NULL);
	if (fd < 0)
		return -errno;
	r = read_stats(fd, stats);
	close(fd);
	return r;
}

static int read_debugfs_value(const char *dir, const char *name, uint64_t *v)
{
	char path[600];
	FILE *f;
	int r;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "r");
	if (!f)
		return -errno;
	r = fscanf(f, "%llu", (unsigned long long *)v) == 1 ? 0 : -EPROTO;
	fclose(f);
	return r;
}

static int read_dir(const char *dir, struct kcr_stats *stats)
{
	int r;

	memset(stats, 0, sizeof(*stats));
	if (access(dir, F_OK))
		return -errno;
	r = read_debugfs_value(dir, "vm_resets", &stats->resets);
	if (!r)
		r = read_debugfs_value(dir, "vm_reset_last_ns", &stats->last_reset_ns);
	return r == -ENOENT ? -EOPNOTSUPP : r;
}

int kcr_stats_read_path(const char *debugfs, const char *stats_path,
			struct kcr_stats *stats)
{
	char dir[512];

	if (stats_path[0] != '/' ||
	    snprintf(dir, sizeof(dir), "%s%s", debugfs ? debugfs : KCR_DEBUGFS,
		     stats_path) >= (int)sizeof(dir))
		return -EINVAL;
	return read_dir(dir, stats);
}
