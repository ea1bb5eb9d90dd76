// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * PID 1 of the Linux guest that qemu_linux_test boots: count the boots in
 * a CMOS byte (QEMU's device reset keeps CMOS RAM, like the real RTC's
 * battery), say so on the console, and reboot until the count reaches
 * BOOTS; then halt.  The kernel picks its reboot method as on any PC.
 */
#include <fcntl.h>
#include <stdio.h>
#include <sys/io.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <unistd.h>

#ifndef BOOTS
#define BOOTS		3
#endif
#define CMOS_INDEX	0x70
#define CMOS_DATA	0x71
#define CMOS_COUNTER	0x7e	/* a byte QEMU does not use (as reboot.S) */

static unsigned char cmos_read(unsigned char index)
{
	outb(index, CMOS_INDEX);
	return inb(CMOS_DATA);
}

static void cmos_write(unsigned char index, unsigned char value)
{
	outb(index, CMOS_INDEX);
	outb(value, CMOS_DATA);
}

/* The console as stdin, stdout and stderr: the initramfs has no /dev. */
static void open_console(void)
{
	int fd;

	mount("devtmpfs", "/dev", "devtmpfs", 0, NULL);
	fd = open("/dev/console", O_RDWR);
	if (fd < 0)
		return;
	dup2(fd, 0);
	dup2(fd, 1);
	dup2(fd, 2);
	if (fd > 2)
		close(fd);
}

/* The kernel's uptime at this point, "?" if /proc cannot tell. */
static void read_uptime(char *buf, size_t size)
{
	FILE *f;

	snprintf(buf, size, "?");
	mount("proc", "/proc", "proc", 0, NULL);
	f = fopen("/proc/uptime", "r");
	if (!f)
		return;
	if (fscanf(f, "%31s", buf) != 1)
		snprintf(buf, size, "?");
	fclose(f);
}

int main(void)
{
	char uptime[32];
	int boot;

	open_console();
	read_uptime(uptime, sizeof(uptime));
	if (ioperm(CMOS_INDEX, 2, 1)) {
		perror("kcr-linux: ioperm");
		boot = 0;
	} else {
		boot = cmos_read(CMOS_COUNTER) + 1;
		cmos_write(CMOS_COUNTER, boot);
	}
	printf("kcr-linux: boot %d uptime %s\n", boot, uptime);
	if (boot > 0 && boot < BOOTS) {
		printf("kcr-linux: reboot\n");
		fflush(stdout);
		reboot(RB_AUTOBOOT);
	} else {
		printf("kcr-linux: halt\n");
		fflush(stdout);
		reboot(RB_HALT_SYSTEM);
	}
	perror("kcr-linux: reboot");
	for (;;)
		pause();
}
