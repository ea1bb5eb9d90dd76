// SPDX-License-Identifier: LGPL-2.1-or-later
/* Borrowing the VM fd of another process with pidfd_getfd(). */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

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

/* The single VM fd of @pid, or -ENOENT / -ENOTUNIQ. */
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
	int r;

	if (target_fd < 0)
		return find_vm_fd(pid);
	r = is_vm_fd(pid, target_fd);
	if (r > 0)
		return target_fd;
	return r < 0 && r != -ENOENT ? r : -EBADF;
}

int kcr_vm_fd_from_pid(pid_t pid, int target_fd, int *vm_fd)
{
	int pidfd, fd;

	pidfd = syscall(SYS_pidfd_open, pid, 0);
	if (pidfd < 0)
		return -errno;

	target_fd = kcr_find_vm_fd(pid, target_fd);
	if (target_fd < 0) {
		close(pidfd);
		return target_fd;
	}
	fd = syscall(SYS_pidfd_getfd, pidfd, target_fd, 0);
	if (fd < 0)
		fd = -errno;
	close(pidfd);
	if (fd < 0)
		return fd;
	*vm_fd = fd;
	return 0;
}
