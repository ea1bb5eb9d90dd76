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
 * are between methods of the same shape in the same run, taken run by run.
 * With the time, the guest's stage-2 faults per reboot (KVM's pf_fixed):
 * a reset in place starts the guest on empty page tables.
 *
 * Usage: qemu_reset_bench [-n RUNS] [-r REBUILD_QEMU]
 *   (REBUILD_QEMU may be a script that runs a QEMU with another root's
 *   libraries.)
 */
#include <errno.h>
#include <math.h>
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

/*
 * The guest's stage-2 page faults KVM fixed so far (pf_fixed, summed over
 * the vCPUs, from the VM's debugfs directory), or -1.
 */
static long faults_of(pid_t pid)
{
	char path[96];
	long faults = -1;
	FILE *f;
	int fd;

	fd = kcr_find_vm_fd(pid, -1);
	if (fd < 0)
		return -1;
	snprintf(path, sizeof(path), "/sys/kernel/debug/kvm/%d-%d/pf_fixed",
		 pid, fd);
	f = fopen(path, "r");
	if (!f)
		return -1;
	if (fscanf(f, "%ld", &faults) != 1)
		faults = -1;
	fclose(f);
	return faults;
}

struct sample {
	double seconds;		/* from cont to the firmware's halt */
	long faults;		/* pf_fixed at the halt, or -1 */
};

/* One run of @fw to its halt; 0, or -1 on failure. */
static int run_once(const char *binary, const char *fw, int reboots,
		    const char *datadir, enum method m,
		    const struct shape *shape, struct sample *out)
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
	out->seconds = t;
	out->faults = faults_of(q.pid);
	qemu_quit(&q);
	qemu_cleanup(&q);
	return 0;
}

/*
 * One reboot of method @m in shape @shape: the time and faults of a run
 * with REBOOTS - 1 reboots less those of a run with none, per reboot.
 * 0, or -1 on failure.
 */
static int per_reboot(const char *binary, const char *datadir, enum method m,
		      const struct shape *shape, double *ms, double *faults)
{
	struct sample many, once;

	if (run_once(binary, "qemu/reboot-bench.bin", REBOOTS - 1, datadir, m,
		     shape, &many) ||
	    run_once(binary, "qemu/reboot-once.bin", 0, datadir, m, shape,
		     &once))
		return -1;
	*ms = (many.seconds - once.seconds) * 1e3 / (REBOOTS - 1);
	*faults = many.faults < 0 || once.faults < 0 ? -1 :
		  (double)(many.faults - once.faults) / (REBOOTS - 1);
	return 0;
}

int main(int argc, char **argv)
{
	const char *binary = "qemu/qemu-system-x86_64", *datadir = "qemu";
	const char *rebuild = NULL;
	/* Per shape and method: the runs' ms and faults per reboot. */
	double ms[4][METHODS][31], faults[4][METHODS][31];
	double ratio_io[31], ratio_ri[31];
	double med[METHODS], med_faults[METHODS];
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
	if (runs < 1 || runs > 31) {
		fprintf(stderr, "%s: -n takes 1 to 31 runs\n", argv[0]);
		return 2;
	}

	/*
	 * The methods take turns within each run, so that the test host's
	 * drift (TCG's clock moves by a factor of 2 in a minute) falls on
	 * all of them alike; the ratios are taken run by run.
	 */
	for (s = 0; s < 4; s++) {
		for (i = 0; i < runs; i++) {
			for (m = 0; m < METHODS; m++) {
				if (m == REBUILD && !rebuild)
					continue;
				if (per_reboot(m == REBUILD ? rebuild : binary,
					       datadir, m, &shapes[s],
					       &ms[s][m][i], &faults[s][m][i]))
					return 1;
			}
		}
	}

	printf("# per reboot (median of %d runs, each %d reboots minus none;\n"
	       "# ratios: the median of the runs' ratios)\n", runs,
	       REBOOTS - 1);
	printf("# vcpus mem   in-place ordinary  rebuild  in-place/ordinary"
	       "  rebuild/in-place  faults: in-place ordinary\n");
	printf("# csv: vcpus,mem,in_place_ms,ordinary_ms,rebuild_ms,"
	       "in_place_over_ordinary,rebuild_over_in_place,"
	       "in_place_faults,ordinary_faults\n");
	for (s = 0; s < 4; s++) {
		for (i = 0; i < runs; i++) {
			ratio_io[i] = ms[s][IN_PLACE][i] / ms[s][ORDINARY][i];
			ratio_ri[i] = rebuild ? ms[s][REBUILD][i] /
						ms[s][IN_PLACE][i] : NAN;
		}
		for (m = 0; m < METHODS; m++) {
			med[m] = m == REBUILD && !rebuild ? NAN :
				 median(ms[s][m], runs);
			med_faults[m] = median(faults[s][m], runs);
		}
		printf("# %-5s %-5s %8.1f %8.1f %8.1f %18.2f %17.2f %16.1f %8.1f\n",
		       shapes[s].smp, shapes[s].mem, med[IN_PLACE],
		       med[ORDINARY], med[REBUILD], median(ratio_io, runs),
		       median(ratio_ri, runs), med_faults[IN_PLACE],
		       med_faults[ORDINARY]);
		printf("# csv: %s,%s,%.2f,%.2f,%.2f,%.3f,%.3f,%.1f,%.1f\n",
		       shapes[s].smp, shapes[s].mem, med[IN_PLACE],
		       med[ORDINARY], med[REBUILD], median(ratio_io, runs),
		       median(ratio_ri, runs), med_faults[IN_PLACE],
		       med_faults[ORDINARY]);
	}
	return 0;
}
