#!/bin/bash
# Show that the debug test host's checks can fail: build kvm.ko with a leak
# (128 bytes per KVM_RESET_VM) and a slots_lock -> kvm->lock inversion
# injected into the reset, run vm_reset_cycles_test on the debug test host
# and require that lockdep and kmemleak both report them.  Run after `make
# test-debug`; the debug build is put back as it was on exit.
. "$(dirname "$0")/lib.sh"

SRC=$BUILD_DIR/linux-debug
OUT=$BUILD_DIR/debug-kernel
F=arch/x86/kvm/x86.c
WORK=$BUILD_DIR/debug-negative

restore() {
	rm -f "$SRC/$F" "$OUT/arch/x86/kvm/x86.o" "$OUT"/arch/x86/kvm/*.ko
	ln "$BUILD_DIR/linux/$F" "$SRC/$F"
}

inject() {
	# A file of its own, so that the staged tree stays as it is.
	cp "$SRC/$F" "$SRC/$F.new"
	mv "$SRC/$F.new" "$SRC/$F"
	trap restore EXIT
	python3 - "$SRC/$F" <<'EOF'
import sys
p = sys.argv[1]
s = open(p).read()
a = """	/* Output only: a struct the reset never reached reads as "none". */
	args->state = KVM_RESET_VM_STATE_NONE;"""
assert s.count(a) == 1
s = s.replace(a, """	/* debug-negative.sh: a leak and an inverted lock order. */
	{ static void *sink; WRITE_ONCE(sink, kmalloc(128, GFP_KERNEL)); }
	mutex_lock(&kvm->slots_lock);
	mutex_lock(&kvm->lock);
	mutex_unlock(&kvm->lock);
	mutex_unlock(&kvm->slots_lock);
""" + a)
open(p, "w").write(s)
EOF
	make -s -C "$SRC" O="$OUT" -j"$(nproc)" CC="ccache gcc" modules
	rm -rf "$WORK"
	mkdir -p "$WORK/modules"
	find "$OUT" -name '*.ko' -not -path "$OUT/kcr-modules/*" -exec cp {} "$WORK/modules/" \;
}

run() {
	# 1,000 cycles are enough for kmemleak; the run fails on the slab
	# count too (KASAN's quarantine fills), but only the two reports count.
	echo "vm_reset_cycles_test 900 kcr/x86/vm_reset_cycles_test -v thousand" \
		>"$WORK/list"
	"$KCR_ROOT/testhost/assemble.sh" "$WORK/tests" "$WORK/list"
	# KERNEL_ARGS comes from make test-debug's (the TSC frequency).
	if KERNEL=$OUT/arch/x86/boot/bzImage MODDIR=$WORK/modules TAINT='' \
		"$KCR_ROOT/testhost/run.sh" "$WORK/tests" "$WORK/logs"; then
		die "the debug test host passed a kvm.ko with a leak and a lock inversion"
	fi
	grep -q 'WARNING: possible circular locking dependency detected' "$WORK/logs/serial.log" ||
		die "lockdep did not report the inversion (see $WORK/logs)"
	grep -q '^# kmemleak: [1-9][0-9]* new suspected leaks' "$WORK/logs/tap.log" ||
		die "kmemleak did not report the leak (see $WORK/logs)"
	log "as it must: lockdep reported the inversion and $(sed -n 's/^# kmemleak: \([0-9]*\).*/\1/p' "$WORK/logs/tap.log") leaks were suspected"
}

step inject inject
step run run
