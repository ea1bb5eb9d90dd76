// SPDX-License-Identifier: GPL-2.0-only
/*
 * Reading and steering the test-only SEV firmware model through debugfs.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "test_util.h"
#include "sev_model.h"

#define SEV_MODEL_DIR "/sys/kernel/debug/sev-model"

bool sev_model_present(void)
{
	return !access(SEV_MODEL_DIR, F_OK);
}

static FILE *model_open(const char *file, const char *mode)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), SEV_MODEL_DIR "/%s", file);
	f = fopen(path, mode);
	TEST_ASSERT(f, "open %s", path);
	return f;
}

long sev_model_value(const char *file)
{
	FILE *f = model_open(file, "r");
	long v;

	TEST_ASSERT(fscanf(f, "%ld", &v) == 1, "no number in sev-model/%s", file);
	fclose(f);
	return v;
}

long sev_model_count(const char *name)
{
	FILE *f = model_open("counts", "r");
	char key[64];
	long v, n = 0;

	while (fscanf(f, "%63s %ld", key, &v) == 2)
		if (!strcmp(key, name))
			n = v;
	fclose(f);
	return n;
}

int sev_model_asids(const char *state, unsigned int *asids, int max)
{
	FILE *f = model_open("state", "r");
	char line[256], s[16];
	unsigned int asid;
	int n = 0;

	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "asid %u %15s", &asid, s) == 2 && !strcmp(s, state)) {
			if (n < max)
				asids[n] = asid;
			n++;
		}
	fclose(f);
	return n;
}

void sev_model_fail(int cmd, int status, int skip)
{
	FILE *f = model_open("fail", "w");

	TEST_ASSERT(fprintf(f, "%d %d %d\n", cmd, status, skip) > 0 && !fclose(f),
		    "arm sev-model/fail");
}

bool sev_model_fail_armed(void)
{
	FILE *f = model_open("fail", "r");
	unsigned int cmd;

	TEST_ASSERT(fscanf(f, "%i", &cmd) == 1, "no command in sev-model/fail");
	fclose(f);
	return cmd;
}

const char *sev_model_last(void)
{
	static char text[512];
	FILE *f = model_open("last", "r");

	if (!fgets(text, sizeof(text), f))
		text[0] = 0;
	fclose(f);
	return text;
}
