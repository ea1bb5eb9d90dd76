/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A 64 KiB -bios image that reboots itself: the guest of the QEMU hook's
 * tests and benchmark.  At each boot it
 *
 *   - counts the boot in a CMOS byte (QEMU keeps CMOS RAM across resets)
 *     and prints "boot N" on COM1;
 *   - checks what the previous boot left: a record in shared RAM (printed
 *     "shared ok" if it names boot N-1, "shared lost" otherwise) and a
 *     secret in the private window (printed "private zero" if the window
 *     reads zero, "private dirty" otherwise);
 *   - writes its own record and secret;
 *   - reboots, alternately through the reset control register (port
 *     0xCF9) and a triple fault (only through 0xCF9 if built with
 *     CF9_ONLY), until it has booted REBOOTS times; then prints "halt"
 *     and halts.  A reset from outside (QMP system_reset) starts the
 *     next boot.
 *
 * It runs in real mode from the reset vector and never reloads CS, so
 * its code stays addressed through the reset CS base (4 GiB - 64 KiB),
 * the only mapping of -bios when QEMU backs RAM with guest_memfd.  Data
 * lives below 1 MiB, reached through DS and ES.
 */

#ifndef REBOOTS
#define REBOOTS 4
#endif

#define COM1		0x3f8
#define CMOS_INDEX	0x70
#define CMOS_DATA	0x71
#define CMOS_BOOTS	0x7e		/* a CMOS RAM byte QEMU does not use */
#define SHARED_SEG	0x7000		/* shared record at 0x70000 */
#define PRIVATE_SEG	0x8000		/* private window at 0x80000, 64 KiB */
#define MAGIC		0x524b		/* "KR" */
#define SECRET		0xa55a

	.code16
	.intel_syntax noprefix
	.text

_start:
	cli
	xor	ax, ax
	mov	ss, ax
	mov	sp, 0x7000

	/* The boot counter, incremented in CMOS. */
	mov	al, CMOS_BOOTS
	out	CMOS_INDEX, al
	in	al, CMOS_DATA
	inc	al
	mov	bl, al
	mov	al, CMOS_BOOTS
	out	CMOS_INDEX, al
	mov	al, bl
	out	CMOS_DATA, al

	lea	si, msg_boot
	call	puts
	mov	al, bl
	call	putdec
	call	newline

	/* The previous boot's record in shared RAM: MAGIC, boot number. */
	mov	ax, SHARED_SEG
	mov	ds, ax
	lea	si, msg_shared_ok
	cmp	word ptr ds:[0], MAGIC
	jne	1f
	mov	al, bl
	dec	al
	cmp	byte ptr ds:[2], al
	je	2f
1:	lea	si, msg_shared_lost
2:	call	puts

	/* The private window: 32 Ki words of zero, or not. */
	mov	ax, PRIVATE_SEG
	mov	es, ax
	xor	di, di
	mov	cx, 0x8000
	xor	ax, ax
	cld
	repe	scasw
	lea	si, msg_private_zero
	je	3f
	lea	si, msg_private_dirty
3:	call	puts

	/* This boot's record and secret (the whole window). */
	mov	word ptr ds:[0], MAGIC
	mov	byte ptr ds:[2], bl
	xor	di, di
	mov	cx, 0x8000
	mov	ax, SECRET
	rep	stosw

	cmp	bl, REBOOTS
	jae	halt
#ifndef CF9_ONLY
	test	bl, 1
	jz	triple_fault
#endif

	lea	si, msg_reboot_cf9
	call	puts
	mov	dx, 0xcf9
	mov	al, 0x02
	out	dx, al
	mov	al, 0x06		/* hard reset */
	out	dx, al
	jmp	halt			/* not reached */

triple_fault:
	lea	si, msg_reboot_triple
	call	puts
	lidt	cs:null_idt
	int3				/* no IDT: #GP, #DF, shutdown */

halt:
	lea	si, msg_halt
	call	puts
4:	hlt
	jmp	4b

/* Print the NUL-terminated string at CS:SI. */
puts:
	push	ax
	push	dx
	mov	dx, COM1
5:	mov	al, cs:[si]
	test	al, al
	jz	6f
	out	dx, al
	inc	si
	jmp	5b
6:	pop	dx
	pop	ax
	ret

newline:
	push	ax
	mov	al, '\n'
	push	dx
	mov	dx, COM1
	out	dx, al
	pop	dx
	pop	ax
	ret

/* Print AL (0-255) in decimal. */
putdec:
	push	ax
	push	bx
	push	cx
	push	dx
	xor	ah, ah
	mov	bl, 10
	xor	cx, cx
7:	div	bl			/* AL = AX / 10, AH = AX % 10 */
	push	ax
	inc	cx
	xor	ah, ah
	test	al, al
	jnz	7b
	mov	dx, COM1
8:	pop	ax
	mov	al, ah
	add	al, '0'
	out	dx, al
	loop	8b
	pop	dx
	pop	cx
	pop	bx
	pop	ax
	ret

null_idt:
	.word	0
	.long	0
msg_boot:		.asciz "boot "
msg_shared_ok:		.asciz "shared ok\n"
msg_shared_lost:	.asciz "shared lost\n"
msg_private_zero:	.asciz "private zero\n"
msg_private_dirty:	.asciz "private dirty\n"
msg_reboot_cf9:		.asciz "reboot cf9\n"
msg_reboot_triple:	.asciz "reboot triple\n"
msg_halt:		.asciz "halt\n"

	/* The reset vector, 16 bytes below the end of the image. */
	.org	0xfff0
	jmp	_start
	.org	0x10000
