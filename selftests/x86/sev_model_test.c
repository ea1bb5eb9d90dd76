// SPDX-License-Identifier: GPL-2.0-only
/*
 * The SEV firmware model's own tests (testhost/sevmodel): for each rule the
 * model enforces, it runs on a private instance of its state a sequence
 * that breaks the rule, which must be refused with the firmware's status,
 * and one that keeps it, which must be accepted.  Reading its "selftest"
 * file runs them; this prints one TAP result per rule.  The live state must
 * not notice: its violation count stays.  Skips where the model is not
 * loaded.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kselftest.h"
#include "sev_model.h"

#define MAX_RULES 128

int main(void)
{
	char *lines[MAX_RULES], buf[512];
	long violations;
	int n = 0, i;
	FILE *f;

	if (!sev_model_present())
		ksft_exit_skip("the SEV firmware model is not loaded (make test-sevmodel)\n");

	violations = sev_model_value("violations");
	f = fopen("/sys/kernel/debug/sev-model/selftest", "r");
	if (!f)
		ksft_exit_fail_perror("sev-model/selftest");
	while (n < MAX_RULES && fgets(buf, sizeof(buf), f)) {
		buf[strcspn(buf, "\n")] = 0;
		lines[n++] = strdup(buf);
	}
	fclose(f);
	if (!n)
		ksft_exit_fail_msg("sev-model/selftest reported no rule\n");

	ksft_print_header();
	ksft_set_plan(n + 1);
	for (i = 0; i < n; i++) {
		if (!strncmp(lines[i], "ok ", 3))
			ksft_test_result_pass("%s\n", lines[i] + 3);
		else
			ksft_test_result_fail("%s\n", lines[i]);
		free(lines[i]);
	}
	ksft_test_result(sev_model_value("violations") == violations,
			 "the live state's violation count is unchanged\n");
	ksft_finished();
}
