// SPDX-License-Identifier: GPL-2.0-or-later
/* kvm-coco-reset monitor */
#include <errno.h>
#include <poll.h>
#include <signal.h>

#include "cli.h"
#include "kvmcocoreset.h"

static const char usage[] =
	"usage: kvm-coco-reset monitor [--json]\n"
	"Print one line per KVM VM event (create, destroy, reset) until\n"
	"interrupted; a \"lost\" line where events were dropped.\n";

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void print_event(const struct kcr_event *ev, void *opaque)
{
	int json = *(int *)opaque;

	if (ev->type == KCR_EVENT_LOST) {
		puts(json ? "{\"event\":\"lost\"}" :
			    "lost    some events were dropped (the uevent socket overflowed)");
	} else if (json) {
		printf("{\"event\":\"%s\",\"pid\":%d,\"created\":%llu,\"count\":%llu",
		       kcr_event_name(ev->type), (int)ev->pid,
		       (unsigned long long)ev->created, (unsigned long long)ev->count);
		if (ev->type == KCR_EVENT_RESET)
			printf(",\"vm_type\":\"%s\",\"duration_ns\":%llu",
			       kcr_vm_type_name(ev->vm_type),
			       (unsigned long long)ev->duration_ns);
		printf(",\"stats_path\":");
		json_string(stdout, ev->stats_path);
		printf("}\n");
	} else {
		printf("%-7s pid=%d", kcr_event_name(ev->type), (int)ev->pid);
		if (ev->type == KCR_EVENT_RESET)
			printf(" vm_type=%s duration_ns=%llu",
			       kcr_vm_type_name(ev->vm_type),
			       (unsigned long long)ev->duration_ns);
		printf(" vms=%llu stats=%s\n", (unsigned long long)ev->count,
		       ev->stats_path[0] ? ev->stats_path : "-");
	}
	fflush(stdout);
}

int cmd_monitor(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_signal };
	struct kcr_monitor *mon;
	struct options opts;
	struct pollfd pfd;
	int r;

	r = parse_options(argc, argv, "json", &opts, stderr);
	if (r)
		return usage_exit(r, usage);

	r = kcr_monitor_open(&mon);
	if (r) {
		fprintf(stderr, "kvm-coco-reset: uevent socket: %s\n", kcr_strerror(r));
		return exit_code(r);
	}
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	pfd.fd = kcr_monitor_fd(mon);
	pfd.events = POLLIN;
	while (!stop) {
		if (poll(&pfd, 1, -1) < 0) {
			if (errno == EINTR)
				continue;
			r = -errno;
			break;
		}
		r = kcr_monitor_dispatch(mon, print_event, &opts.json);
		if (r < 0)
			break;
		r = 0;
	}
	kcr_monitor_close(mon);
	if (r) {
		fprintf(stderr, "kvm-coco-reset: monitor: %s\n", kcr_strerror(r));
		return exit_code(r);
	}
	return EXIT_OK;
}
