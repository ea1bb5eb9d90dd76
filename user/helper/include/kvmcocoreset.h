/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libkvmcocoreset: reset KVM VMs in place with KVM_RESET_VM, and follow
 * them through KVM's uevents and binary stats.
 *
 * Functions return 0 (or a count) on success and a negative errno on
 * failure; kcr_strerror() turns those into messages for users.
 *
 * The structs a caller allocates and the library fills (kcr_caps,
 * kcr_reset_result, kcr_stats, kcr_event) end in reserved words, which
 * the library sets to 0.  A later version may give them a meaning,
 * keeping the size and the existing fields: a program built against this
 * header keeps working with a later library, and must not use the
 * reserved words.
 */
#ifndef KVMCOCORESET_H
#define KVMCOCORESET_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/* What this host offers. */
struct kcr_caps {
	uint32_t vm_types;	/* KVM_CAP_VM_TYPES: bit N set = VM type N */
	uint32_t reset_types;	/* KVM_CAP_VM_RESET: 0 if KVM lacks the ioctl */
	uint32_t reserved[6];
};

/* Probe /dev/kvm.  -ENOENT: no /dev/kvm (KVM not loaded). */
int kcr_probe_host(struct kcr_caps *caps);

/* KVM_CAP_VM_RESET on a VM fd: 1 if this VM can be reset, 0 if not. */
int kcr_probe_vm(int vm_fd);

/* Name of VM type @type ("default", "sw_protected", "sev", ...). */
const char *kcr_vm_type_name(unsigned int type);

#define KCR_RESET_CLEAR_MEM_ATTRIBUTES	(1ULL << 0)

/* KVM_RESET_VM_STATE_*: where a reset got to. */
enum kcr_state {
	KCR_STATE_NONE = 0,		/* no reset happened: the VM is untouched */
	KCR_STATE_DONE = 1,		/* the VM awaits its launch flow */
	KCR_STATE_REINIT_PENDING = 2,	/* retry the reset, or close the VM */
};

struct kcr_reset_result {
	enum kcr_state state;
	uint64_t hw_error;	/* firmware error code, 0 if none */
	uint64_t reserved[4];
};

/*
 * KVM_RESET_VM on @vm_fd with @flags and @data (0 unless the VM type
 * defines a use).  Probes KVM_CAP_VM_RESET first: -EOPNOTSUPP, and no
 * reset tried, where KVM lacks the ioctl or the VM's type cannot be reset.
 * Retried while interrupted by a signal (EINTR).  @result (may be NULL)
 * is always filled: state KCR_STATE_DONE only after a reset, NONE when
 * the VM was not touched, REINIT_PENDING as KVM reported it.
 */
int kcr_reset(int vm_fd, uint64_t flags, uint64_t data,
	      struct kcr_reset_result *result);

/* A message for an error this library returned (negative or positive). */
const char *kcr_strerror(int err);

/* The KVM_RESET_VM reset counters of a VM, from KVM's binary stats. */
struct kcr_stats {
	uint64_t resets;
	uint64_t last_reset_ns;
	uint64_t reserved[6];
};

/* Through the VM fd (KVM_GET_STATS_FD): for the process that created it. */
int kcr_stats_read(int vm_fd, struct kcr_stats *stats);

/* Where debugfs is mounted, unless the caller says otherwise. */
#define KCR_DEBUGFS	"/sys/kernel/debug"

/*
 * Through debugfs, for any process with access to it (root): the VM whose
 * uevents carry @stats_path (STATS_PATH, e.g. "/kvm/4242-11", relative to
 * debugfs), with debugfs at @debugfs (NULL: KCR_DEBUGFS).  -ENOENT: no
 * such VM directory (or debugfs not mounted); -EACCES: debugfs is not
 * readable by the caller; -EOPNOTSUPP: the VM has no reset counters (KVM
 * lacks the series); -EINVAL: @stats_path is not absolute or too long.
 */
int kcr_stats_read_path(const char *debugfs, const char *stats_path,
			struct kcr_stats *stats);

/*
 * The number of process @pid's VM fd: @target_fd if it is one, else the
 * only VM it has (fds of the same open file, such as dup()s, are one VM:
 * the first of them is returned; where kcmp() is not allowed, they count
 * as several).  Errors: -ESRCH no such process, -EPERM not allowed,
 * -ENOENT the process has no VM, -ENOTUNIQ it has several (name one),
 * -EBADF @target_fd is not a VM fd.
 */
int kcr_find_vm_fd(pid_t pid, int target_fd);

/*
 * KVM's VM uevents: EVENT=create, destroy and reset; and LOST, which the
 * monitor reports when the socket overflowed (ENOBUFS) and some events
 * were dropped: only its type is set (pid 0, vm_type -1).
 */
enum kcr_event_type {
	KCR_EVENT_CREATE,
	KCR_EVENT_DESTROY,
	KCR_EVENT_RESET,
	KCR_EVENT_LOST,
};

struct kcr_event {
	enum kcr_event_type type;
	pid_t pid;
	long vm_type;		/* reset only; -1 otherwise */
	uint64_t duration_ns;	/* reset only */
	uint64_t created;	/* VMs created since KVM was loaded */
	uint64_t count;		/* VMs alive */
	char stats_path[256];	/* the VM's directory under debugfs, or "" */
	uint64_t reserved[4];
};

const char *kcr_event_name(enum kcr_event_type type);

/*
 * Parse one NETLINK_KOBJECT_UEVENT message.  -ENOENT: a valid uevent that
 * is not a KVM VM event; -EINVAL: malformed or truncated.
 */
int kcr_uevent_parse(const char *msg, size_t len, struct kcr_event *event);

/*
 * A uevent listener for a VMM's main loop: poll its fd, then dispatch.  Its
 * receive buffer is KCR_MONITOR_RCVBUF bytes (SO_RCVBUFFORCE where the
 * caller may, else as much as net.core.rmem_max allows).
 */
#define KCR_MONITOR_RCVBUF	(4 << 20)
struct kcr_monitor;
typedef void (*kcr_event_fn)(const struct kcr_event *event, void *opaque);

int kcr_monitor_open(struct kcr_monitor **monitor);
int kcr_monitor_fd(const struct kcr_monitor *monitor);
/*
 * Handle the messages waiting on the fd, a bounded number of them a call
 * (currently 64, KVM's or not), so that a flood of uevents does not keep
 * the caller's main loop from its other work.  Messages may remain: poll
 * the fd level-triggered (poll(), or epoll without EPOLLET) and call again.
 * Returns the number of events passed to @fn, a KCR_EVENT_LOST among them
 * after an overflow.
 */
int kcr_monitor_dispatch(struct kcr_monitor *monitor, kcr_event_fn fn,
			 void *opaque);
void kcr_monitor_close(struct kcr_monitor *monitor);

#ifdef __cplusplus
}
#endif

#endif /* KVMCOCORESET_H */
