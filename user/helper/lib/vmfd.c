// SPDX-License-Identifier: LGPL-2.1-or-later
/* Finding the VM fd of a process in /proc/PID/fd. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/kcmp.h>

#include "kvmcocoreset.h"

#define KVM_VM_LINK	"anon_inode:kvm-vm"

static int is_vm_fd(pid_t pid, int fd)
{
	char path[64], link[64];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/fd/%d", (int)pid, fd);
	n = readlink(path, link, sizeof(link) - 1);
	if (n < 0)
		return -errno;
	link[n] = '\0';
	return !strcmp(link, KVM_VM_LINK);
}

/*
 * Whether fds @a and @b of @pid are the same open file (dup() and the like).
 * If kcmp() cannot tell, they count as different VMs.
 */
static int same_file(pid_t pid, int a, int b)
{
	return syscall(SYS_kcmp, pid, pid, KCMP_FILE, a, b) == 0;
}

/* The single VM of @pid (the first of its fds), or -ENOENT / -ENOTUNIQ. */
static int find_vm_fd(pid_t pid)
{
	char path[64];
	struct dirent *d;
	int found = -ENOENT;
	DIR *dir;

	snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
	dir = opendir(path);
	if (!dir)
		return errno == ENOENT ? -ESRCH : -errno;
	while ((d = readdir(dir))) {
		int fd = atoi(d->d_name);

		if (d->d_name[0] == '.' || is_vm_fd(pid, fd) <= 0)
			continue;
		if (found >= 0 && same_file(pid, found, fd))
			continue;
		if (found >= 0) {
			found = -ENOTUNIQ;
			break;
		}
		found = fd;
	}
	closedir(dir);
	return found;
}

int kcr_find_vm_fd(pid_t pid, int target_fd)
{
	char path[32];
	int r;

	if (target_fd < 0)
		return find_vm_fd(pid);
	r = is_vm_fd(pid, target_fd);
	if (r > 0)
		return target_fd;
	if (r == -ENOENT) {
		/* No such fd, or no such process. */
		snprintf(path, sizeof(path), "/proc/%d", (int)pid);
		return access(path, F_OK) && errno == ENOENT ? -ESRCH : -EBADF;
	}
	return r < 0 ? r : -EBADF;
}
