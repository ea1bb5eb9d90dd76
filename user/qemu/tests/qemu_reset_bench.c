// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The cost of one guest reboot in QEMU, by method: patched QEMU resetting
 * the VM in place (KVM_RESET_VM), the same QEMU resetting it as QEMU 10.2
 * does (x-inplace-reset=off: the floor QEMU's own reset sets) and, given
 * with -r, another QEMU that rebuilds the VM at each reset (QEMU 11's
 * x-change-vmfd-on-reset=on).  The guest is the reboot firmware, built to
 * reboot itself REBOOTS - 1 times and built to halt at once; a run times
 * each from QMP cont to its "halt" line, and the cost of a reboot is the
 * difference divided by REBOOTS - 1, the median of the runs.  Shapes: 1
 * and 4 vCPUs, 128 MiB and 1 GiB.  Prints a table and CSV lines; ratios
 * are between methods of the same shape in the same run.
 *
 * Usage: qemu_reset_bench [-n RUNS] [-r REBUILD_QEMU]
 *   (REBUILD_QEMU may be a script that runs a QEMU with another root's
 *   libraries.)
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "runner.h"

#ifndef REBOOTS
#define REBOOTS 12
#endif
#define TIMEOUT_S 300

enum method { IN_PLACE, ORDINARY, REBUILD, METHODS };

static const char *const method_name[METHODS] = {
	"in-place", "ordinary", "rebuild",
};

static const char *const method_machine[METHODS] = {
	"q35,x-inplace-reset=on",
	"q35,x-inplace-reset=off",
	"q35,x-change-vmfd-on-reset=on",
};

struct shape {
	const char *smp;
	const char *mem;
};

static const struct shape shapes[] = {
	{ "1", "128M" }, { "1", "1G" }, { "4", "128M" }, { "4", "1G" },
};

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median(double *v, int n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* Seconds from cont to the firmware's halt; -1 on failure. */
static double run_once(const char *binary, const char *fw, int reboots,
		       const char *datadir, enum method m,
		       const struct shape *shape)
{
	const char *args[16];
	struct qemu q;
	char reply[4096];
	double t0, t;
	int n = 0, r;

	args[n++] = "-L";
	args[n++] = datadir;
	args[n++] = "-machine";
	args[n++] = method_machine[m];
	args[n++] = "-smp";
	args[n++] = shape->smp;
	args[n++] = "-m";
	args[n++] = shape->mem;
	args[n] = NULL;

	r = qemu_start(&q, binary, fw, args);
	t0 = now();
	if (!r)
		r = qmp(&q, "{\"execute\": \"cont\"}", reply, sizeof(reply));
	if (!r && !qemu_wait(&q, "halt\n", 1, TIMEOUT_S))
		r = -ETIMEDOUT;
	t = now() - t0;
	if (!r && q.resets != reboots &&
	    qmp(&q, "{\"execute\": \"query-status\"}", reply, sizeof(reply)))
		r = -EPIPE;
	if (!r && (q.resets != reboots ||
		   q.resets_in_place != (m == IN_PLACE ? reboots : 0))) {
		fprintf(stderr, "# %s: %d of %d resets in place\n",
			method_name[m], q.resets_in_place, q.resets);
		r = -EPROTO;
	}
	if (r) {
		fprintf(stderr, "# %s %s vCPUs %s: %s\n%s", method_name[m],
			shape->smp, shape->mem, strerror(-r), q.log ? q.log : "");
		qemu_cleanup(&q);
		return -1;
	}
	qemu_quit(&q);
	qemu_cleanup(&q);
	return t;
}

int main(int argc, char **argv)
{
	const char *binary = "qemu/qemu-system-x86_64";
	const char *fw = "qemu/reboot-bench.bin", *datadir = "qemu";
	const char *fw_once = "qemu/reboot-once.bin";
	const char *rebuild = NULL;
	double result[4][METHODS] = { 0 };
	int runs = 5, opt, s, m, i;

	while ((opt = getopt(argc, argv, "n:r:")) != -1) {
		switch (opt) {
		case 'n':
			runs = atoi(optarg);
			break;
		case 'r':
			rebuild = optarg;
			break;
		default:
			fprintf(stderr, "usage: %s [-n RUNS] [-r QEMU]\n",
				argv[0]);
			return 2;
		}
	}
	if (runs < 1 || runs > 31)
		runs = 5;

	for (s = 0; s < 4; s++) {
		for (m = 0; m < METHODS; m++) {
			const char *qemu = m == REBUILD ? rebuild : binary;
			double v[31], many, once;

			if (m == REBUILD && !rebuild)
				continue;
			for (i = 0; i < runs; i++) {
				many = run_once(qemu, fw, REBOOTS - 1, datadir,
						m, &shapes[s]);
				once = run_once(qemu, fw_once, 0, datadir, m,
						&shapes[s]);
				if (many < 0 || once < 0)
					return 1;
				v[i] = (many - once) * 1e3 / (REBOOTS - 1);
			}
			result[s][m] = median(v, runs);
		}
	}

	printf("# per reboot, ms (median of %d runs: %d reboots minus none)\n",
	       runs, REBOOTS - 1);
	printf("# vcpus mem      in-place ordinary  rebuild  in-place/ordinary"
	       "  rebuild/in-place\n");
	for (s = 0; s < 4; s++) {
		printf("# %-5s %-8s %8.1f %8.1f ", shapes[s].smp, shapes[s].mem,
		       result[s][IN_PLACE], result[s][ORDINARY]);
		if (rebuild)
			printf("%8.1f %18.2f %17.2f\n", result[s][REBUILD],
			       result[s][IN_PLACE] / result[s][ORDINARY],
			       result[s][REBUILD] / result[s][IN_PLACE]);
		else
			printf("%8s %18.2f %17s\n", "-",
			       result[s][IN_PLACE] / result[s][ORDINARY], "-");
	}
	printf("# csv: vcpus,mem,in_place_ms,ordinary_ms,rebuild_ms\n");
	for (s = 0; s < 4; s++) {
		printf("# csv: %s,%s,%.2f,%.2f,", shapes[s].smp, shapes[s].mem,
		       result[s][IN_PLACE], result[s][ORDINARY]);
		if (rebuild)
			printf("%.2f\n", result[s][REBUILD]);
		else
			printf("\n");
	}
	return 0;
}
