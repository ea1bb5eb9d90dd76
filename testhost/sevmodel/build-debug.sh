#!/bin/bash
# build-debug.sh: the firmware model lane on the debug test host (test only,
# never shipped): the model (ccp.ko) and the model's kvm.ko and kvm-amd.ko,
# from the tree build.sh staged ($BUILD_DIR/sevmodel/linux: the series and
# testhost/sevmodel/patches), built out of tree against the debug kernel
# (scripts/debug-kernel.sh), so that lockdep, KASAN and kmemleak watch the
# SEV reset.  The debug kernel has no SEV: its tinyconfig has no ACPI, so
# no AMD_IOMMU, so Kconfig offers neither the PSP driver nor KVM_AMD_SEV.
# The options are forced for these modules only, as Kbuild forces
# KVM_SW_PROTECTED_VM: KVM_AMD_SEV and what it selects for kvm.ko (the
# guest_memfd hooks) change only code of kvm.ko and kvm-amd.ko, and
# CRYPTO_DEV_SP_PSP only which prototypes of <linux/psp-sev.h> the model
# and kvm-amd see; the model stands in for the PSP driver, and the redirect
# header for what SEV would take from vmlinux.  The modules end up in
# $BUILD_DIR/sevmodel-debug/mods with the debug kernel's irqbypass.ko.
. "$(dirname "$0")/../../scripts/lib.sh"

HERE=$KCR_ROOT/testhost/sevmodel
DEBUG_OUT=$BUILD_DIR/debug-kernel
STAGE=$BUILD_DIR/sevmodel/linux
OUT=$BUILD_DIR/sevmodel-debug
FORCED="CRYPTO_DEV_SP_PSP KVM_AMD_SEV HAVE_KVM_ARCH_GMEM_CONVERT
	HAVE_KVM_ARCH_GMEM_RECLAIM HAVE_KVM_ARCH_GMEM_INVALIDATE
	HAVE_KVM_ARCH_GMEM_POPULATE"

[ -f "$DEBUG_OUT/Module.symvers" ] || die "no debug kernel in $DEBUG_OUT (make debug-kernel)"
[ -f "$STAGE/arch/x86/kvm/Kbuild" ] || die "no model tree in $STAGE (make sevmodel)"

# make variables for the Makefiles' obj-$(CONFIG_...), -D for the code.
vars=() defs=
for o in $FORCED; do
	grep -q "^CONFIG_$o=" "$DEBUG_OUT/.config" && die "the debug kernel has $o now: drop it here"
	vars+=("CONFIG_$o=y")
	defs="$defs -DCONFIG_$o=1"
done

model() {
	mkdir -p "$OUT/ccp"
	make -s -C "$DEBUG_OUT" M="$HERE/ccp" MO="$OUT/ccp" CC="ccache gcc" W=1 \
		KCFLAGS="$defs" "${vars[@]}" -j"$(nproc)" modules
}

kvm() {
	mkdir -p "$OUT/kvm"
	make -s -C "$DEBUG_OUT" M="$STAGE/arch/x86/kvm" MO="$OUT/kvm" KCR_SRC="$STAGE" \
		CC="ccache gcc" KCFLAGS="-DKCR_SEV_MODEL -I$HERE/include $defs" \
		KAFLAGS="$defs" KBUILD_EXTRA_SYMBOLS="$OUT/ccp/Module.symvers" \
		"${vars[@]}" -j"$(nproc)" modules
	rm -rf "$OUT/mods"
	mkdir "$OUT/mods"
	cp "$OUT/ccp/ccp.ko" "$OUT/kvm/kvm.ko" "$OUT/kvm/kvm-amd.ko" \
		"$DEBUG_OUT/kcr-modules/irqbypass.ko" "$OUT/mods/"
}

step sevmodel-debug-ccp model
step sevmodel-debug-kvm kvm
