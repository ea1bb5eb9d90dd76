// SPDX-License-Identifier: GPL-2.0-or-later
/* kvm-coco-reset monitor */
#include <errno.h>
#include <poll.h>
#include <signal.h>

#include "cli.h"
#include "kvmcocoreset.h"

static const char usage[] =
	"usage: " PROG " monitor [--json]\n"
	"Print one line per KVM VM event (create, destroy, reset) until\n"
	"interrupted; a \"lost\" line where events were dropped.\n";

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

/* Print @ev; a write error stops the monitor (*(int *)opaque). */
static void print_event(const struct kcr_event *ev, void *opaque)
{
	int *write_failed = opaque;

	if (*write_failed)
		return;
	print_start();
	print_str("event", "%-7s", kcr_event_name(ev->type));
	if (ev->type == KCR_EVENT_LOST) {
		print_str("message", " %s",
			  "some events were dropped (the uevent socket overflowed)");
	} else {
		print_int("pid", " pid=%lld", ev->pid);
		if (ev->type == KCR_EVENT_RESET) {
			print_str("vm_type", " vm_type=%s", kcr_vm_type_name(ev->vm_type));
			print_u64("duration_ns", " duration_ns=%llu", ev->duration_ns);
		}
		print_u64("created", NULL, ev->created);
		print_u64("count", " vms=%llu", ev->count);
		print_str("stats_path", NULL, ev->stats_path);
		print_text(" stats=");
		print_text(ev->stats_path[0] ? ev->stats_path : "-");
	}
	print_end();
	if (flush_stdout())
		*write_failed = 1;
}

int cmd_monitor(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_signal };
	struct kcr_monitor *mon;
	struct options opts;
	int write_failed = 0;
	struct pollfd pfd;
	int r;

	r = parse_options(argc, argv, "json", "", &opts, stderr);
	if (r)
		return usage_exit(r, "monitor", usage);

	r = kcr_monitor_open(&mon);
	if (r)
		return fail(r, NULL, "uevent socket");
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	pfd.fd = kcr_monitor_fd(mon);
	pfd.events = POLLIN;
	/* dispatch returns after a batch, so that a flood does not hide a signal. */
	while (!stop && !write_failed) {
		if (poll(&pfd, 1, -1) < 0) {
			if (errno == EINTR)
				continue;
			r = -errno;
			break;
		}
		r = kcr_monitor_dispatch(mon, print_event, &write_failed);
		if (r < 0)
			break;
		r = 0;
	}
	kcr_monitor_close(mon);
	/* main()'s close_stdout() reports the write error; EPIPE is not one. */
	if (write_failed)
		return flush_stdout() == -EPIPE ? EXIT_OK : EXIT_FAILED;
	return r ? fail(r, NULL, "uevent socket") : EXIT_OK;
}
