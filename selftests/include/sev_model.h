/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Reading and steering the test-only SEV firmware model (testhost/sevmodel,
 * Documentation/sev-model.md) through its debugfs files.
 */
#ifndef SELFTEST_KVM_SEV_MODEL_H
#define SELFTEST_KVM_SEV_MODEL_H

#include <stdbool.h>

/* Whether kvm-amd runs on the model rather than on a real PSP. */
bool sev_model_present(void);

/*
 * The number in a one-number file: "violations", "audits", "assigned",
 * "firmware", "guests", "leaked".
 */
long sev_model_value(const char *file);

/* How often NAME (e.g. "DF_FLUSH", "WBINVD") was issued, from "counts". */
long sev_model_count(const char *name);

/*
 * The ASIDs that "state" lists as @state ("free", "bound" or "dirty"), at
 * most @max of them into @asids; returns how many there are.
 */
int sev_model_asids(const char *state, unsigned int *asids, int max);

/*
 * Firmware command ids (include/linux/psp-sev.h, not uapi) of the commands
 * the tests make fail, for sev_model_fail().
 */
#define SEV_CMD_DF_FLUSH		0x00a
#define SEV_CMD_DECOMMISSION		0x020
#define SEV_CMD_DEACTIVATE		0x022
#define SEV_CMD_SNP_DF_FLUSH		0x084
#define SEV_CMD_SNP_DECOMMISSION	0x090
#define SEV_CMD_SNP_LAUNCH_FINISH	0x0a2

/* Fail the next issue of firmware command @cmd, after @skip, with @status. */
void sev_model_fail(int cmd, int status, int skip);

/* Whether a failure armed by sev_model_fail() has not happened yet. */
bool sev_model_fail_armed(void);

/* The text of the last violation (static buffer). */
const char *sev_model_last(void);

#endif
