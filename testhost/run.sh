#!/bin/bash
# run.sh TESTDIR LOGDIR: boot Debian's unmodified $KREL kernel (or $KERNEL,
# e.g. the debug test host's, whose modules are not out-of-tree: TAINT=)
# under QEMU's software emulation (TCG, -cpu max: SVM with nested paging),
# load the KVM modules of $MODDIR in it and run the programs that
# TESTDIR/list names.
# LOGDIR receives serial.log (the guest console) and tap.log (the results);
# the exit status is 0 only if every test passed and the guest said so.
. "$(dirname "$0")/../scripts/lib.sh"

TESTDIR=$1 LOGDIR=$2
MODDIR=${MODDIR:-$BUILD_DIR/out/arch/x86/kvm}
KERNEL=${KERNEL:-$CACHE_DIR/unpacked/linux-binary-$KREL/usr/lib/modules/$KREL/vmlinuz}
QEMU=${QEMU:-qemu-system-x86_64}
SMP=${SMP:-2}
MEM=${MEM:-4G}
TCG_THREAD=${TCG_THREAD:-single}
TAINT=${TAINT-O}
KERNEL_ARGS=${KERNEL_ARGS:-}
WARN_ALLOW=${WARN_ALLOW:-}

boot() {
	local limit rc=0
	# Give the guest the sum of the per-test limits plus time to boot.
	limit=$(awk '!/^#/ && NF { s += $2 } END { print s + 120 }' "$TESTDIR/list")
	: >"$LOGDIR/tap.log"
	tail -n +1 -f "$LOGDIR/tap.log" &
	local tailpid=$!
	timeout --foreground -k 10 "$limit" "$QEMU" \
		-accel "tcg,thread=$TCG_THREAD" -cpu max -smp "$SMP" -m "$MEM" \
		-kernel "$KERNEL" -initrd "$LOGDIR/initramfs.cpio" \
		-append "console=ttyS0 panic=-1 loglevel=6 rdinit=/init $KERNEL_ARGS" \
		-display none -monitor none -no-reboot \
		-serial "file:$LOGDIR/serial.log" -serial "file:$LOGDIR/tap.log" || rc=$?
	sleep 0.5
	kill $tailpid
	# The serial ports end lines with CR LF.
	sed -i 's/\r$//' "$LOGDIR/tap.log" "$LOGDIR/serial.log"
	[ $rc -eq 124 ] && log "QEMU killed after ${limit}s"
	return 0
}

# The console's warnings and oopses, less the warnings the tests provoke on
# purpose: a WARNING whose message (the line before it) matches the regular
# expression WARN_ALLOW, with its trace up to "end trace".
problems() {
	awk -v allow="$WARN_ALLOW" '
		/WARNING:/ && allow != "" && prev ~ allow { skip = 1 }
		{ prev = $0 }
		skip { if (/---\[ end trace/) skip = 0; next }
		/WARNING:|BUG:|Oops|general protection|Call Trace/ { print FNR ": " $0 }
	' "$LOGDIR/serial.log"
}

verdict() {
	local status
	status=$(sed -n 's/^# kcr-testhost: exit \([0-9]*\).*/\1/p' "$LOGDIR/tap.log" | tail -1)
	if [ -z "$status" ]; then
		log "the test host died before reporting; last console lines:"
		tail -n 30 "$LOGDIR/serial.log" >&2
		return 1
	fi
	# The guest must have loaded the modules we built, not Debian's
	# (out-of-tree, so tainted O, unless they come with their kernel).
	local m sum
	while read -r sum m; do
		grep -q "^# module ${m%.ko} loaded: sha256=$sum taint=$TAINT" "$LOGDIR/tap.log" ||
			{ log "the test host did not load our $m (sha256 $sum)"; return 1; }
	done <"$LOGDIR/initramfs.cpio.modules"
	# A kernel warning or oops is a failure even if every test passed.
	if problems | grep . >&2; then
		log "the test host kernel reported a problem (serial.log above)"
		return 1
	fi
	return "$status"
}

mkdir -p "$LOGDIR"
LOGDIR=$(cd "$LOGDIR" && pwd)
[ -e "$MODDIR/kvm.ko" ] || die "no modules in $MODDIR (run make modules)"
step initramfs "$KCR_ROOT/testhost/mkinitramfs.sh" "$LOGDIR/initramfs.cpio" "$MODDIR" "$TESTDIR"
step boot boot
step verdict verdict
