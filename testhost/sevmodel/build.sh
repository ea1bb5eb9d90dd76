#!/bin/bash
# build.sh: the test-only SEV firmware model build (never shipped): the
# model as module "ccp" (testhost/sevmodel/ccp), then kvm.ko and kvm-amd.ko
# from the series plus testhost/sevmodel/patches, with sev.c's calls to the
# CPU and vmlinux redirected to the model.  Everything goes under
# $BUILD_DIR/sevmodel; the modules the test host loads end up in
# $BUILD_DIR/sevmodel/out/arch/x86/kvm, ccp.ko among them.
. "$(dirname "$0")/../../scripts/lib.sh"

: "${KDIR:?}"
HERE=$KCR_ROOT/testhost/sevmodel
MBUILD=$BUILD_DIR/sevmodel
CCP_OUT=$MBUILD/ccp
OUT=$MBUILD/out/arch/x86/kvm

# The series, then the test-only patches, as one series directory.
series() {
	local dir=$MBUILD/series
	rm -rf "$dir"
	mkdir -p "$dir"
	cp "$KCR_ROOT"/kernel/kvm-coco-reset/patches/*.patch "$HERE"/patches/*.patch "$dir/"
	{
		grep -v -e '^#' -e '^$' "$KCR_ROOT/kernel/kvm-coco-reset/patches/series"
		(cd "$HERE/patches" && ls ./*.patch | sed 's|^\./||')
	} >"$dir/series"
}

model() {
	mkdir -p "$CCP_OUT"
	make -s -C "$KDIR" M="$HERE/ccp" MO="$CCP_OUT" CC="ccache gcc" W=1 \
		-j"$(nproc)" modules
}

kvm() {
	KCFLAGS="-DKCR_SEV_MODEL -I$HERE/include" \
		KBUILD_EXTRA_SYMBOLS="$CCP_OUT/Module.symvers" \
		BUILD_DIR=$MBUILD STAGE=$MBUILD/linux \
		"$KCR_ROOT/scripts/modules.sh"
	cp "$CCP_OUT/ccp.ko" "$OUT/ccp.ko"
}

step sevmodel-series series
SERIES_DIR=$MBUILD/series STAGE=$MBUILD/linux "$KCR_ROOT/scripts/stage.sh"
step sevmodel-ccp model
step sevmodel-kvm kvm
